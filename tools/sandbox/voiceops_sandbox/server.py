"""The HTTP side: Handler (keep-alive, body framing, faults, the request log, one write per
answer) and SandboxServer (loopback only, one thread per connection)."""

from __future__ import annotations

import datetime as _dt
import http.server
import ipaddress
import json
import socket
import sys
import threading
import time
import urllib.parse

from .common import MAX_BODY, iso_ms, new_sid, provider_of, redact
from .errors import REASONS, ApiError, twilio_error, vapi_error
from .request import Request
from .sandbox import Sandbox


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "voiceops-sandbox/1.0"
    # TCP_NODELAY on every accepted socket: a small write (the 100 Continue, an error sent by
    # http.server itself) never waits for the client's delayed ACK (about 40 ms on Linux).
    disable_nagle_algorithm = True

    def version_string(self):
        return self.server_version
    timeout = 120          # idle keep-alive connections are closed after this

    # -- plumbing ---------------------------------------------------------
    def setup(self):
        super().setup()
        self._api_conn = False
        self.server.sandbox.bump("connections")

    def log_message(self, fmt, *args):
        if getattr(self.server, "verbose", False):
            sys.stderr.write("sandbox: %s - %s\n" % (self.address_string(), fmt % args))

    def handle_expect_100(self):
        try:
            n = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            n = 0
        if n > MAX_BODY:
            return True   # do not invite the body; the handler answers 413
        return super().handle_expect_100()

    def do_GET(self):
        self._serve()

    def do_POST(self):
        self._serve()

    def do_PUT(self):
        self._serve()

    def do_PATCH(self):
        self._serve()

    def do_DELETE(self):
        self._serve()

    def do_HEAD(self):
        self._serve()

    def _read_body(self):
        """Returns bytes, or raises _TooLarge / ConnectionError."""
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            out = bytearray()
            while True:
                line = self.rfile.readline(1024)
                if not line:
                    raise ConnectionError("connection closed in chunked body")
                size = int(line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                        pass
                    return bytes(out)
                if len(out) + size > MAX_BODY:
                    raise _TooLarge()
                out += self.rfile.read(size)
                self.rfile.readline(8)
        cl = self.headers.get("Content-Length")
        if not cl:
            return b""
        try:
            n = int(cl)
        except ValueError:
            raise _BadLength()
        if n < 0:
            raise _BadLength()
        if n > MAX_BODY:
            raise _TooLarge()
        data = self.rfile.read(n)
        if len(data) < n:
            raise ConnectionError("short body")
        return data

    def _discard_body(self, limit=16 * MAX_BODY):
        """After a 413: swallow a body of known, moderate length (so the client can read the
        answer instead of hitting a reset) and keep the connection; otherwise close it."""
        try:
            n = int(self.headers.get("Content-Length") or -1)
        except ValueError:
            n = -1
        if n < 0 or n > limit or self.headers.get("Expect", "").lower() == "100-continue" \
                or "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            self.close_connection = True
            return
        while n > 0:
            chunk = self.rfile.read(min(n, 65536))
            if not chunk:
                self.close_connection = True
                return
            n -= len(chunk)

    def _send(self, status, body: bytes | None, headers=(), ctype="application/json; charset=utf-8"):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        if status != 204 and status >= 200:
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body or b"")))
        if self.close_connection:
            self.send_header("Connection", "close")
        # Head and body in one write: end_headers() would send the head alone, and the body
        # would then wait for the client's delayed ACK (Nagle's algorithm).
        out = getattr(self, "_headers_buffer", [])    # filled by send_response/send_header
        self._headers_buffer = []
        if self.request_version != "HTTP/0.9":
            out.append(b"\r\n")
        if body and self.command != "HEAD" and status != 204:
            out.append(body)
        self.wfile.write(b"".join(out))
        self.wfile.flush()

    def _drop(self):
        self.close_connection = True
        try:
            self.wfile.flush()
        except OSError:
            pass
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    # -- main ---------------------------------------------------------------
    def _serve(self):
        sb: Sandbox = self.server.sandbox
        method = self.command.upper()
        split = urllib.parse.urlsplit(self.path)
        path = split.path or "/"
        query = urllib.parse.parse_qs(split.query, keep_blank_values=True)
        if path.startswith("/__sandbox/") or path == "/__sandbox":
            self._serve_control(sb, method, path, query)
            return
        sb.bump("requests")
        if not self._api_conn:
            self._api_conn = True
            sb.bump("api_connections")
        prov = provider_of(path)
        hdrs = []
        if prov == "twilio":
            hdrs.append(("Twilio-Request-Id", new_sid("RQ")))
        fault = sb.faults.take(method, path)
        kind = fault["kind"] if fault else None
        auth = self.headers.get("Authorization") or ""
        entry = {"method": method, "path": path, "query": query,
                 "content_type": (self.headers.get("Content-Type") or None),
                 "form": None, "json": None, "status": None,
                 "auth_kind": "basic" if auth[:6].lower() == "basic " else
                 ("bearer" if auth[:7].lower() == "bearer " else None),
                 "auth_user": None, "correlation_id": self.headers.get("X-Correlation-Id"),
                 "fault": kind, "provider": prov,
                 "time": iso_ms(_dt.datetime.now(_dt.timezone.utc))}
        try:
            if kind == "drop":
                probe = Request(method, path, query, self.headers, b"", "")
                entry["auth_user"] = probe.auth_user if probe.auth_kind == "basic" else None
                sb.log.add(entry)
                self._drop()
                return
            if kind == "delay":
                time.sleep(fault["delay_ms"] / 1000.0)
            try:
                body = self._read_body()
            except _TooLarge:
                self._discard_body()
                err = (twilio_error(413, 20413, "Request entity too large (limit 1 MiB)")
                       if prov == "twilio" else vapi_error(413, "request entity too large"))
                entry["status"] = 413
                sb.log.add(entry)
                self._send(413, json.dumps(err.body).encode(), hdrs)
                return
            except (_BadLength, ValueError):
                self.close_connection = True
                err = (twilio_error(400, 20001, "Invalid Content-Length or chunked encoding")
                       if prov == "twilio" else vapi_error(400, "Invalid request body framing"))
                entry["status"] = 400
                sb.log.add(entry)
                self._send(400, json.dumps(err.body).encode(), hdrs)
                return
            host = self.headers.get("Host") or "%s:%d" % self.server.server_address[:2]
            req = Request(method, path, query, self.headers, body, "http://" + host)
            entry["auth_user"] = req.auth_user if req.auth_kind == "basic" else None
            self._describe_body(entry, req)

            if kind in ("429", "500", "503") or (kind and kind.isdigit()):
                status = int(kind)
                err = self._fault_error(prov, status)
                if fault.get("retry_after") is not None and status in (429, 503):
                    hdrs.append(("Retry-After", fault["retry_after"]))
                elif status == 429:
                    hdrs.append(("Retry-After", "1"))
                entry["status"] = status
                sb.log.add(entry)
                self._send(status, json.dumps(err.body).encode(), hdrs + list(err.headers.items()))
                return
            if kind == "malformed":
                entry["status"] = 200
                sb.log.add(entry)
                self._send(200, b'{"sid": "CA_malformed", "status": "queued", "uri": ', hdrs)
                return

            try:
                res = sb.dispatch(req)
                status, obj = res[0], res[1]
                extra = list(res[2].items()) if len(res) > 2 else []
            except ApiError as e:
                status, obj, extra = e.status, e.body, list(e.headers.items())
            except Exception as e:  # never crash: report as the provider's 500
                import traceback
                traceback.print_exc()
                err = (twilio_error(500, 20500, "Internal Server Error: %s" % e)
                       if prov == "twilio" else vapi_error(500, "Internal server error: %s" % e))
                status, obj, extra = 500, err.body, []
            entry["status"] = status
            if kind == "drop_after_read":
                entry["status"] = None
                entry["processed_status"] = status
                sb.log.add(entry)
                self._drop()
                return
            sb.log.add(entry)
            payload = None if obj is None else json.dumps(obj).encode("utf-8")
            self._send(status, payload, hdrs + extra)
        except (ConnectionError, BrokenPipeError, socket.timeout, OSError):
            self.close_connection = True

    @staticmethod
    def _fault_error(prov, status):
        msg = {429: "Too Many Requests", 500: "Internal Server Error",
               503: "Service Unavailable"}.get(status, REASONS.get(status, "Error"))
        if prov == "twilio":
            code = {429: 20429, 500: 20500, 503: 20503}.get(status, 20000 + status)
            return twilio_error(status, code, msg)
        return vapi_error(status, msg)

    @staticmethod
    def _describe_body(entry, req):
        if not req.body:
            return
        ct = req.content_type
        if ct in (None, "application/x-www-form-urlencoded"):
            try:
                form = urllib.parse.parse_qs(req.body.decode("utf-8"), keep_blank_values=True)
                entry["form"] = redact(form)
            except (UnicodeDecodeError, ValueError):
                pass
        if ct == "application/json" or (ct and ct.endswith("+json")):
            try:
                entry["json"] = redact(json.loads(req.body.decode("utf-8")))
            except (UnicodeDecodeError, ValueError):
                pass

    def _serve_control(self, sb, method, path, query):
        sb.bump("control_requests")
        try:
            body = self._read_body()
        except _TooLarge:
            self._discard_body()
            self._send(413, json.dumps({"error": "body larger than 1 MiB"}).encode())
            return
        except (_BadLength, ValueError):
            self.close_connection = True
            self._send(400, json.dumps({"error": "badly framed body"}).encode())
            return
        except (ConnectionError, OSError):
            self.close_connection = True
            return
        try:
            status, obj = sb.control(method, path, query, body)
        except Exception as e:
            import traceback
            traceback.print_exc()
            status, obj = 500, {"error": "internal error: %s" % e}
        self._send(status, json.dumps(obj).encode("utf-8"))


class _TooLarge(Exception):
    pass


class _BadLength(Exception):
    pass


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class SandboxServer(http.server.ThreadingHTTPServer):
    """The sandbox HTTP server.  Binds loopback addresses only."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address=("127.0.0.1", 0), verbose=False, sandbox: Sandbox | None = None):
        host = address[0]
        if not _is_loopback(host):
            raise ValueError("refusing to bind non-loopback address %r" % host)
        if ":" in host:
            self.address_family = socket.AF_INET6
        self.verbose = verbose
        self.sandbox = sandbox or Sandbox()
        self._thread = None
        super().__init__(address, Handler)

    def serve_forever(self, poll_interval=0.05):
        """As socketserver's, polling the shutdown flag every 50 ms instead of 500 ms, so that
        shutdown() (SIGTERM / SIGINT, stop()) returns at once rather than ~0.25 s later."""
        super().serve_forever(poll_interval)

    @property
    def port(self) -> int:
        return self.server_address[1]

    @property
    def url(self) -> str:
        host = self.server_address[0]
        if ":" in host:
            host = "[%s]" % host
        return "http://%s:%d" % (host, self.port)

    def start_background(self):
        self._thread = threading.Thread(target=self.serve_forever, name="voiceops-sandbox",
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self):
        self.shutdown()
        self.server_close()
        if self._thread:
            self._thread.join(5)
