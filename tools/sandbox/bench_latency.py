#!/usr/bin/env python3
"""Per-request latency of sandbox servers over one keep-alive connection (docs/benchmarks.md).

    python3 tools/sandbox/bench_latency.py [-n 200] [--rounds 5] SCRIPT [SCRIPT ...]

Starts each SCRIPT (a voiceops_sandbox.py, e.g. an old one from `git show`) on a free port,
seeds an account, a number and a Vapi key, then, round after round and script after script
(interleaved, so both see the same machine load), times N requests of each kind on one
HTTP/1.1 connection. Prints the median over the rounds in ms per request and, for each script
after the first, the ratio to the first. Standard library only.
"""

import argparse
import base64
import http.client
import json
import re
import statistics
import subprocess
import sys
import time

ACCT = "AC" + "0123456789abcdef" * 2
TOKEN = "f" * 32
VKEY = "bench-vapi-key"


class Server:
    def __init__(self, script):
        self.script = script
        self.proc = subprocess.Popen([sys.executable, script, "--port", "0"],
                                     stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        m = re.search(r"http://127\.0\.0\.1:(\d+)", line)
        if not m:
            self.proc.kill()
            raise SystemExit("%s did not start: %r" % (script, line))
        self.conn = http.client.HTTPConnection("127.0.0.1", int(m.group(1)), timeout=30)

    def request(self, method, path, body=None, headers=None):
        self.conn.request(method, path, body=body, headers=headers or {})
        r = self.conn.getresponse()
        r.read()
        return r.status

    def seed(self):
        ctl = [("/__sandbox/twilio/accounts", {"account_sid": ACCT, "auth_token": TOKEN}),
               ("/__sandbox/twilio/accounts/%s/numbers" % ACCT, {"phone_number": "+16505550100"}),
               ("/__sandbox/vapi/keys", {"api_key": VKEY})]
        for path, obj in ctl:
            assert self.request("POST", path, json.dumps(obj)) == 201, path

    def stop(self):
        self.conn.close()
        self.proc.terminate()
        self.proc.wait(10)


def kinds():
    basic = {"Authorization": "Basic " + base64.b64encode(
        ("%s:%s" % (ACCT, TOKEN)).encode()).decode()}
    form = dict(basic, **{"Content-Type": "application/x-www-form-urlencoded"})
    bearer = {"Authorization": "Bearer " + VKEY, "Content-Type": "application/json"}
    return [
        ("control GET /__sandbox/health", "GET", "/__sandbox/health", None, {}, 200),
        ("Twilio GET account", "GET", "/2010-04-01/Accounts/%s.json" % ACCT, None, basic, 200),
        ("Twilio POST Calls.json", "POST", "/2010-04-01/Accounts/%s/Calls.json" % ACCT,
         "To=%2B14155550123&From=%2B16505550100&Url=https%3A%2F%2Fexample.com%2Ft", form, 201),
        ("Vapi POST /assistant", "POST", "/assistant", json.dumps({"name": "bench"}), bearer,
         201),
    ]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-n", type=int, default=200, help="requests per kind and round")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("scripts", nargs="+")
    args = ap.parse_args()
    servers = [Server(s) for s in args.scripts]
    try:
        for s in servers:
            s.seed()
        res = {(i, k[0]): [] for i in range(len(servers)) for k in kinds()}
        for _ in range(args.rounds):
            for i, s in enumerate(servers):
                for name, method, path, body, headers, want in kinds():
                    assert s.request(method, path, body, headers) == want, name  # warm up
                    t0 = time.perf_counter()
                    for _ in range(args.n):
                        s.request(method, path, body, headers)
                    res[(i, name)].append((time.perf_counter() - t0) / args.n * 1000)
        for name, *_ in kinds():
            cells = []
            base = statistics.median(res[(0, name)])
            for i in range(len(servers)):
                med = statistics.median(res[(i, name)])
                cells.append("%8.2f ms" % med + ("" if i == 0 else " (x%.3f)" % (med / base)))
            print("%-32s %s" % (name, "  ".join(cells)))
    finally:
        for s in servers:
            s.stop()


if __name__ == "__main__":
    main()
