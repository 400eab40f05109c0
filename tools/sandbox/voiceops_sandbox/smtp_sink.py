"""SmtpSink: a small SMTP server that records the messages it receives, for tests of the
libvoiceops SMTP sender and `voiceops smtp test`. Standard library only.

It speaks enough ESMTP for libcurl: EHLO/HELO, STARTTLS (when given a certificate),
AUTH PLAIN and LOGIN, MAIL, RCPT, DATA (dot-unstuffed), RSET, NOOP, QUIT. Faults for tests:
`refuse_auth` answers 535 to every login; `drop` closes the connection at a stage
("connect", "ehlo", "auth", "data"); `require_tls` refuses MAIL before STARTTLS.

    sink = SmtpSink(("127.0.0.1", 0), tls_cert=..., tls_key=...).start_background()
    ... send to 127.0.0.1:sink.port ...
    sink.messages   # [{"mail_from", "rcpt_to", "data", "tls", "auth_user"}, ...]
    sink.stop()

As a program: python3 -m voiceops_sandbox.smtp_sink [--port 0] [--port-file F]
[--tls-cert PEM --tls-key PEM] [--log FILE] (one JSON line per message in FILE).
Passwords are never recorded.
"""

from __future__ import annotations

import base64
import json
import socket
import socketserver
import ssl
import threading


class _Handler(socketserver.StreamRequestHandler):
    timeout = 30

    def reply(self, line):
        self.wfile.write((line + "\r\n").encode())
        self.wfile.flush()

    def readline(self):
        line = self.rfile.readline(65536)
        if not line:
            raise ConnectionError("closed")
        return line.decode("utf-8", "replace").rstrip("\r\n")

    def drop(self, stage):
        if self.server.sink.drop == stage:
            self.server.sink.dropped += 1
            raise ConnectionAbortedError(stage)

    def handle(self):
        sink = self.server.sink
        self.tls = False
        self.user = None
        try:
            self.drop("connect")
            self.reply("220 voiceops-sandbox ESMTP sink")
            self.session()
        except (ConnectionError, OSError, ssl.SSLError):
            pass
        finally:
            sink.connections += 1

    def ehlo_lines(self):
        sink = self.server.sink
        lines = ["voiceops-sandbox", "8BITMIME", "SIZE 10485760", "AUTH PLAIN LOGIN"]
        if sink.tls_context is not None and not self.tls:
            lines.append("STARTTLS")
        return lines

    def session(self):
        sink = self.server.sink
        mail_from, rcpt = None, []
        while True:
            line = self.readline()
            verb, _, arg = line.partition(" ")
            verb = verb.upper()
            if verb in ("EHLO", "HELO"):
                self.drop("ehlo")
                if verb == "HELO":
                    self.reply("250 voiceops-sandbox")
                    continue
                ls = self.ehlo_lines()
                for l in ls[:-1]:
                    self.reply("250-" + l)
                self.reply("250 " + ls[-1])
            elif verb == "STARTTLS":
                if sink.tls_context is None or self.tls:
                    self.reply("502 5.5.1 STARTTLS not available")
                    continue
                self.reply("220 2.0.0 ready for TLS")
                conn = sink.tls_context.wrap_socket(self.connection, server_side=True)
                self.connection = conn
                self.rfile = conn.makefile("rb")
                self.wfile = conn.makefile("wb")
                self.tls = True
                mail_from, rcpt, self.user = None, [], None
            elif verb == "AUTH":
                self.drop("auth")
                mech, _, initial = arg.partition(" ")
                mech = mech.upper()
                if mech == "PLAIN":
                    if not initial:
                        self.reply("334 ")
                        initial = self.readline()
                    try:
                        parts = base64.b64decode(initial).split(b"\0")
                        user, pw = parts[1].decode(), parts[2].decode()
                    except Exception:
                        self.reply("501 5.5.2 bad AUTH PLAIN")
                        continue
                elif mech == "LOGIN":
                    self.reply("334 VXNlcm5hbWU6")
                    user = base64.b64decode(self.readline()).decode()
                    self.reply("334 UGFzc3dvcmQ6")
                    pw = base64.b64decode(self.readline()).decode()
                else:
                    self.reply("504 5.5.4 mechanism not supported")
                    continue
                ok = not sink.refuse_auth and (sink.users is None or sink.users.get(user) == pw)
                sink.auth_attempts.append({"user": user, "ok": ok, "tls": self.tls})
                if ok:
                    self.user = user
                    self.reply("235 2.7.0 Authentication successful")
                else:
                    self.reply("535 5.7.8 Authentication credentials invalid")
            elif verb == "MAIL":
                if sink.require_tls and not self.tls:
                    self.reply("530 5.7.0 Must issue a STARTTLS command first")
                    continue
                if sink.users is not None and self.user is None:
                    self.reply("530 5.7.0 Authentication required")
                    continue
                mail_from, rcpt = arg.split(":", 1)[1].strip().split(" ")[0].strip("<>"), []
                self.reply("250 2.1.0 OK")
            elif verb == "RCPT":
                if mail_from is None:
                    self.reply("503 5.5.1 MAIL first")
                    continue
                addr = arg.split(":", 1)[1].strip().split(" ")[0].strip("<>")
                if addr in sink.reject_rcpt:
                    self.reply("550 5.1.1 no such user")
                    continue
                rcpt.append(addr)
                self.reply("250 2.1.5 OK")
            elif verb == "DATA":
                if not rcpt:
                    self.reply("503 5.5.1 RCPT first")
                    continue
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                self.drop("data")
                lines = []
                while True:
                    raw = self.rfile.readline(1 << 20)
                    if not raw:
                        raise ConnectionError("closed in DATA")
                    if raw in (b".\r\n", b".\n"):
                        break
                    if raw.startswith(b".."):
                        raw = raw[1:]
                    lines.append(raw)
                msg = {"mail_from": mail_from, "rcpt_to": list(rcpt),
                       "data": b"".join(lines).decode("utf-8", "replace"),
                       "tls": self.tls, "auth_user": self.user}
                sink.record(msg)
                mail_from, rcpt = None, []
                self.reply("250 2.0.0 OK queued")
            elif verb == "RSET":
                mail_from, rcpt = None, []
                self.reply("250 2.0.0 OK")
            elif verb == "NOOP":
                self.reply("250 2.0.0 OK")
            elif verb == "QUIT":
                self.reply("221 2.0.0 bye")
                return
            else:
                self.reply("500 5.5.2 command not recognized")


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


class SmtpSink:
    """An SMTP sink on a loopback address (see the module comment)."""

    def __init__(self, address=("127.0.0.1", 0), tls_cert=None, tls_key=None, log=None,
                 allow_non_loopback=False):
        host = address[0]
        if host not in ("127.0.0.1", "::1", "localhost") and not allow_non_loopback:
            raise ValueError("the SMTP sink binds loopback addresses only")
        self.tls_context = None
        if tls_cert:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(tls_cert, tls_key)
            self.tls_context = ctx
        self.messages = []
        self.auth_attempts = []
        self.connections = 0
        self.dropped = 0
        self.refuse_auth = False
        self.require_tls = False
        self.drop = None
        self.users = None          # None: any login accepted; else {user: password}
        self.reject_rcpt = set()
        self.log = log
        self._lock = threading.Lock()
        self._server = _Server(address, _Handler)
        self._server.sink = self
        self.port = self._server.server_address[1]
        self._thread = None

    def record(self, msg):
        with self._lock:
            self.messages.append(msg)
            if self.log:
                with open(self.log, "a") as f:
                    f.write(json.dumps(msg) + "\n")

    def reset(self):
        with self._lock:
            self.messages.clear()
            self.auth_attempts.clear()
        self.refuse_auth = self.require_tls = False
        self.drop, self.users = None, None
        self.reject_rcpt = set()

    def start_background(self):
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True,
                                        name="voiceops-smtp-sink")
        self._thread.start()
        return self

    def serve_forever(self):
        self._server.serve_forever()

    def stop(self):
        self._server.shutdown()
        self._server.server_close()


def main(argv=None):
    import argparse
    import os
    import signal
    ap = argparse.ArgumentParser(description="SMTP sink for libvoiceops tests")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--tls-cert")
    ap.add_argument("--tls-key")
    ap.add_argument("--log", help="append one JSON line per message")
    ap.add_argument("--refuse-auth", action="store_true")
    ap.add_argument("--require-tls", action="store_true")
    ap.add_argument("--drop", choices=["connect", "ehlo", "auth", "data"])
    a = ap.parse_args(argv)
    sink = SmtpSink((a.host, a.port), a.tls_cert, a.tls_key, a.log)
    sink.refuse_auth, sink.require_tls, sink.drop = a.refuse_auth, a.require_tls, a.drop
    if a.port_file:
        with open(a.port_file + ".tmp", "w") as f:
            f.write("%d\n" % sink.port)
        os.replace(a.port_file + ".tmp", a.port_file)
    print("smtp sink listening on %s:%d" % (a.host, sink.port), flush=True)
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=sink.stop).start())
    try:
        sink.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
