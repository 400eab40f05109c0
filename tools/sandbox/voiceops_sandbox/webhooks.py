"""WebhookSender: builds webhooks signed the way Twilio (X-Twilio-Signature) and Vapi (secret,
bearer or HMAC) sign them, and posts them to a target URL (POST /__sandbox/webhooks/send)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import json
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid


def twilio_signature(auth_token: str, url: str, params=None) -> str:
    """X-Twilio-Signature: base64(HMAC-SHA1(token, url + sorted name+value pairs))."""
    data = url
    if params:
        for name in sorted(params, key=lambda s: s.encode("utf-8")):
            vals = params[name]
            if not isinstance(vals, list):
                vals = [vals]
            for v in sorted((str(x) for x in vals), key=lambda s: s.encode("utf-8")):
                data += name + v
    mac = hmac.new(auth_token.encode("utf-8"), data.encode("utf-8"), hashlib.sha1)
    return base64.b64encode(mac.digest()).decode("ascii")


def _opt(d, *names, default=None):
    for n in names:
        if n in d and d[n] is not None:
            return d[n]
    return default


class _NoDelayHTTPConnection(http.client.HTTPConnection):
    """http.client writes the head and the body with two send() calls; with TCP_NODELAY the
    body does not wait for the receiver to ACK the head (delayed ACK, up to ~40 ms)."""

    def connect(self):
        super().connect()
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class _NoDelayHTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req):
        return self.do_open(_NoDelayHTTPConnection, req)


class WebhookSender:
    """Builds and posts webhooks signed the way Twilio / Vapi sign them."""

    def __init__(self, timeout=15.0):
        self.timeout = timeout
        # urlopen()'s handlers (proxies from the environment, HTTPS, errors), with http://
        # connections opened by _NoDelayHTTPHandler.
        self._opener = urllib.request.build_opener(_NoDelayHTTPHandler)

    def build_twilio(self, spec: dict, auth_token: str):
        url = spec.get("url")
        if "json" in spec:
            body = json.dumps(spec["json"], separators=(",", ":")).encode("utf-8")
            digest = hashlib.sha256(body).hexdigest()
            sep = "&" if urllib.parse.urlsplit(url).query else "?"
            url = url + sep + "bodySHA256=" + digest
            sig = twilio_signature(auth_token, url)
            headers = {"Content-Type": "application/json"}
        else:
            params = spec.get("params") or {}
            if not isinstance(params, dict):
                raise ValueError("params must be an object")
            pairs = []
            for k, v in params.items():
                for x in (v if isinstance(v, list) else [v]):
                    pairs.append((k, "" if x is None else str(x)))
            body = urllib.parse.urlencode(pairs).encode("ascii")
            sig = twilio_signature(auth_token, url, {k: (v if isinstance(v, list) else
                                                         ["" if v is None else str(v)])
                                                     for k, v in params.items()})
            headers = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
        headers["X-Twilio-Signature"] = sig
        headers["User-Agent"] = "TwilioProxy/1.1"
        headers["I-Twilio-Idempotency-Token"] = str(uuid.uuid4())
        return url, body, headers

    def build_vapi(self, spec: dict):
        url = spec.get("url")
        message = spec.get("message", {})
        body = json.dumps({"message": message}, separators=(",", ":")).encode("utf-8")
        headers = {"Content-Type": "application/json", "User-Agent": "Vapi-Webhook/1.0"}
        auth = spec.get("auth")
        if auth is None and spec.get("secret") is not None:
            auth = {"type": "secret", "secret": spec["secret"]}
        if auth:
            if not isinstance(auth, dict):
                raise ValueError("auth must be an object")
            t = auth.get("type")
            if t == "secret":
                headers["x-vapi-secret"] = str(auth.get("secret", ""))
            elif t == "bearer":
                hname = _opt(auth, "header", "headerName", default="Authorization")
                prefix = _opt(auth, "prefix", "bearerPrefixEnabled", default=True)
                tok = str(auth.get("token", ""))
                headers[hname] = ("Bearer " + tok) if prefix is True else (
                    (prefix + tok) if isinstance(prefix, str) else tok)
            elif t == "hmac":
                secret = _opt(auth, "secret", "secretKey", default="")
                key = base64.b64decode(secret) if _opt(auth, "secret_is_base64",
                                                       "secretIsBase64", default=False) \
                    else str(secret).encode("utf-8")
                alg = _opt(auth, "algorithm", default="sha256")
                if alg not in ("sha1", "sha256", "sha512"):
                    raise ValueError("algorithm must be sha1, sha256 or sha512")
                ts = str(_opt(auth, "timestamp", default=int(time.time())))
                include_ts = _opt(auth, "include_timestamp", "includeTimestamp", default=True)
                fmt = _opt(auth, "payload_format", "payloadFormat",
                           default="{timestamp}.{body}" if include_ts else "{body}")
                msg_id = "msg_" + uuid.uuid4().hex
                payload = (fmt.replace("{timestamp}", ts).replace("{method}", "POST")
                           .replace("{url}", url).replace("{svix-id}", msg_id)
                           .replace("{body}", body.decode("utf-8")))
                mac = hmac.new(key, payload.encode("utf-8"), getattr(hashlib, alg)).digest()
                enc = _opt(auth, "encoding", "signatureEncoding", default="hex")
                sig = base64.b64encode(mac).decode("ascii") if enc == "base64" else mac.hex()
                prefix = _opt(auth, "prefix", "signaturePrefix", default="")
                headers[_opt(auth, "signature_header", "signatureHeader",
                             default="x-signature")] = prefix + sig
                if include_ts:
                    headers[_opt(auth, "timestamp_header", "timestampHeader",
                                 default="x-timestamp")] = ts
                mid = _opt(auth, "message_id_header", "messageIdHeader")
                if mid:
                    headers[mid] = msg_id
            else:
                raise ValueError("auth.type must be secret, bearer or hmac")
        return url, body, headers

    def post(self, url, body, headers):
        req = urllib.request.Request(url, data=body, headers=headers, method="POST")
        try:
            with self._opener.open(req, timeout=self.timeout) as resp:
                return resp.status, resp.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode("utf-8", "replace")
