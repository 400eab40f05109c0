"""The command line: `python3 tools/sandbox/voiceops_sandbox.py [--host H] [--port P]
[--port-file PATH] [--verbose]`."""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from .server import SandboxServer


def main(argv=None):
    ap = argparse.ArgumentParser(description="Local Twilio/Vapi sandbox for libvoiceops")
    ap.add_argument("--host", default="127.0.0.1", help="loopback address to bind")
    ap.add_argument("--port", type=int, default=0, help="port (0 = pick a free one)")
    ap.add_argument("--port-file", help="write the bound port number to this file")
    ap.add_argument("--verbose", action="store_true", help="log each request to stderr")
    args = ap.parse_args(argv)
    try:
        srv = SandboxServer((args.host, args.port), verbose=args.verbose)
    except ValueError as e:
        print("voiceops_sandbox: %s" % e, file=sys.stderr)
        return 2
    except OSError as e:
        print("voiceops_sandbox: cannot bind %s:%d: %s" % (args.host, args.port, e),
              file=sys.stderr)
        return 1
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % srv.port)
        import os
        os.replace(tmp, args.port_file)
    print("sandbox listening on %s" % srv.url, flush=True)

    def _stop(signum, frame):
        threading.Thread(target=srv.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    try:
        srv.serve_forever()
    finally:
        srv.server_close()
    return 0
