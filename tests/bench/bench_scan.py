#!/usr/bin/env python3
"""Benchmark `voiceops scan` against `grep -F -f` with the same fixed strings on the same
tree, in the same run.

usage: tests/bench/bench_scan.py VOICEOPS_BINARY [--mb 100] [--tenants 100] [--rounds 3]

Builds a vault (TENANTS tenants x 3 random secrets, through `voiceops import plaintext`), a
tree of MB megabytes (log files and minified bundles, ten planted leaks), writes the same
patterns the scanner derives (raw, URL/form-encoded, JSON-escaped, base64/base64url cores at
three alignments) to a file for grep, checks that both count the same patterns, then times
both ROUNDS times (alternating, after a warm-up) and prints the medians and the ratio.
"""
import argparse
import base64
import json
import os
import random
import statistics
import string
import subprocess
import sys
import tempfile
import time
import urllib.parse


def encodings(v: bytes):
    out = [v]
    out.append(urllib.parse.quote(v, safe="-._~").encode())
    out.append(urllib.parse.quote_plus(v, safe="-._~").encode())
    js = v.replace(b"\\", b"\\\\").replace(b'"', b'\\"')
    out.append(js)
    out.append(js.replace(b"/", b"\\/"))
    for lead in range(3):
        t = b"\0" * lead + v
        enc = base64.b64encode(t)
        first, end = (lead * 8 + 5) // 6, (len(t) * 8) // 6
        core = enc[first:end]
        out.append(core)
        url = core.replace(b"+", b"-").replace(b"/", b"_")
        if url != core:
            out.append(url)
    seen, res = set(), []
    for p in out:
        if len(p) >= 4 and p not in seen:
            seen.add(p)
            res.append(p)
    return res


def make_tree(root, mb, secrets, rnd):
    words = ("function return const var this GET POST 200 404 user_id INFO WARN request done "
             "{ } => null true false session token id name email created_at Bearer").split()
    alphabet = string.ascii_letters + string.digits
    target = mb * 1024 * 1024
    size, i = 0, 0
    planted = 0
    while size < target:
        n = min(4 * 1024 * 1024, target - size)
        minified = i % 5 == 4
        sub = os.path.join(root, ".next/static/chunks" if minified else f"logs/{i % 7}")
        os.makedirs(sub, exist_ok=True)
        name = os.path.join(sub, f"{'chunk' if minified else 'app'}-{i}.{'js' if minified else 'log'}")
        parts, got = [], 0
        while got < n:
            if minified:
                w = "var " + "".join(rnd.choice(alphabet) for _ in range(6)) + "=" + str(rnd.randint(0, 999)) + ";"
            else:
                w = " ".join(rnd.choice(words) for _ in range(12)) + " " + "".join(rnd.choice(alphabet) for _ in range(20)) + "\n"
            parts.append(w)
            got += len(w)
        if planted < 10:
            s = rnd.choice(secrets)
            leak = [s, urllib.parse.quote(s, safe=""), base64.b64encode(b"user:" + s.encode()).decode()][planted % 3]
            parts.insert(len(parts) // 2, f' "{leak}" ')
            planted += 1
        with open(name, "w") as f:
            f.write("".join(parts)[:n + 100])
        size += os.path.getsize(name)
        i += 1
    return planted


def timed(cmd, env=None):
    t = time.perf_counter()
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    return time.perf_counter() - t, p


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("--mb", type=int, default=100)
    ap.add_argument("--tenants", type=int, default=100)
    ap.add_argument("--rounds", type=int, default=3)
    a = ap.parse_args()
    rnd = random.Random(42)
    work = tempfile.mkdtemp(prefix="bench-scan.")
    env = dict(os.environ, VOICEOPS_VAULT=f"{work}/vault.db", VOICEOPS_KEY_FILE=f"{work}/k.key")
    subprocess.run([a.binary, "keygen", env["VOICEOPS_KEY_FILE"]], check=True, env=env,
                   stdout=subprocess.DEVNULL)
    subprocess.run([a.binary, "vault", "init"], check=True, env=env, stdout=subprocess.DEVNULL)
    chars = string.ascii_letters + string.digits + "+/=%-_"
    secrets, rows = [], ["tenant,name,value"]
    for t in range(a.tenants):
        for k in range(3):
            s = "".join(rnd.choice(chars) for _ in range(rnd.randint(20, 40)))
            secrets.append(s)
            rows.append(f"tenant{t:04d},secret/{k},{s}")
    with open(f"{work}/plain.csv", "w") as f:
        f.write("\n".join(rows) + "\n")
    subprocess.run([a.binary, "import", "plaintext", f"{work}/plain.csv", "--create-tenants"],
                   check=True, env=env, stdout=subprocess.DEVNULL)
    os.unlink(f"{work}/plain.csv")
    pats = []
    for s in secrets:
        pats += encodings(s.encode())
    with open(f"{work}/patterns.txt", "wb") as f:
        f.write(b"\n".join(pats) + b"\n")
    tree = f"{work}/tree"
    planted = make_tree(tree, a.mb, secrets, rnd)
    total = sum(os.path.getsize(os.path.join(d, x)) for d, _, fs in os.walk(tree) for x in fs)

    scan = [a.binary, "--json", "scan", "--no-shapes", tree]
    grep = ["grep", "-r", "-F", "-o", "-b", "-a", "-f", f"{work}/patterns.txt", tree]
    genv = dict(os.environ, LC_ALL="C")
    _, p = timed(scan, env)  # warm-up (page cache) and the pattern count check
    d = json.loads(p.stdout)
    if d["patterns"] != len(pats):
        sys.exit(f"pattern counts differ: scan {d['patterns']}, grep file {len(pats)}")
    _, g = timed(grep, genv)
    gmatches = len(g.stdout.splitlines())
    ts, tg = [], []
    for _ in range(a.rounds):
        t, p = timed(scan, env)
        ts.append(t)
        t, g = timed(grep, genv)
        tg.append(t)
    ms, mg = statistics.median(ts), statistics.median(tg)
    print(f"tree: {total / 1048576:.1f} MiB in {sum(len(fs) for _, _, fs in os.walk(tree))} files; "
          f"{len(secrets)} secrets of {a.tenants} tenants -> {len(pats)} fixed strings; "
          f"{planted} leaks planted")
    print(f"voiceops scan --no-shapes: median {ms:.3f} s ({total / 1048576 / ms:.0f} MiB/s), "
          f"{d['finding_count']} findings; rounds {', '.join(f'{x:.3f}' for x in ts)}")
    print(f"grep -r -F -o -b -a -f (LC_ALL=C): median {mg:.3f} s ({total / 1048576 / mg:.0f} MiB/s), "
          f"{gmatches} matches; rounds {', '.join(f'{x:.3f}' for x in tg)}")
    t, p = timed([a.binary, "--json", "scan", tree], env)
    print(f"voiceops scan (with the Twilio-shape check): {t:.3f} s")
    print(f"ratio scan/grep: {ms / mg:.2f} (below 1: scan is faster)")
    subprocess.run(["rm", "-rf", work])


if __name__ == "__main__":
    main()
