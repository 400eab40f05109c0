"""Webhook verification (Twilio, Vapi, Standard Webhooks), signing, the public URL behind
proxies, form bodies and Vapi server messages. Pure CPU: these calls are synchronous."""
from __future__ import annotations

import ctypes as C
import threading
import time
from dataclasses import dataclass
from typing import Any, NamedTuple, Iterable, Mapping, Optional, Sequence, Union

from . import _ffi
from ._lib import LIBRARY_PATH, Handle, dec0, enc, lib, out_ptr, params_array, strings_array
from .credentials import VapiWebhookOptions
from .errors import VoiceOpsError, WebhookError, error_class
from .secret import Secret, SecretLike

__all__ = ["Verification", "TwilioVerifier", "verify_twilio", "verify_vapi", "verify_standard",
           "sign_twilio", "sign_vapi", "sign_standard", "new_standard_secret",
           "twilio_body_sha256", "public_url", "parse_form", "VapiMessage", "ToolResults",
           "assistant_reply", "Headers", "reason_name", "http_status", "PublicUrlOptions",
           "FORWARDED", "X_FORWARDED_PROTO", "X_FORWARDED_HOST", "X_FORWARDED_PORT",
           "X_FORWARDED_PREFIX"]

Headers = Union[Mapping[str, str], Sequence[tuple[str, str]], None]
Keys = Union[SecretLike, Sequence[SecretLike]]

FORWARDED, X_FORWARDED_PROTO, X_FORWARDED_HOST, X_FORWARDED_PORT, X_FORWARDED_PREFIX = (
    0x01, 0x02, 0x04, 0x08, 0x10)

_REASONS: dict[int, str] = {}
_byref = C.byref
_vtls = threading.local()
_SE = "surrogateescape"
_size_t = C.c_size_t
# The hot path of TwilioVerifier.verify: the same C function through PyDLL (the GIL is kept
# for the few microseconds of CPU work instead of being released and taken back) and with
# the arguments converted by the caller, which is faster than argtypes conversion.
_fast_twilio_verify = C.PyDLL(LIBRARY_PATH)["vo_webhook_twilio_verify"]
_fast_twilio_verify.restype = C.c_int
_fast_status = C.PyDLL(LIBRARY_PATH)["vo_verify_http_status"]
_fast_status.restype = C.c_int
_CT: dict[Optional[str], Optional[bytes]] = {None: None}
_STATUS: dict[tuple[int, int], int] = {}


def _ct(content_type: Optional[str]) -> Optional[bytes]:
    b = _CT.get(content_type)
    if b is None and content_type is not None:
        b = content_type.encode()
        if len(_CT) < 64:
            _CT[content_type] = b
    return b
_verify_status = lib.vo_verify_http_status


def reason_name(reason: int) -> str:
    n = _REASONS.get(reason)
    if n is None:
        n = _REASONS[reason] = dec0(lib.vo_verify_reason_name(reason))
    return n


def http_status(rc: int, result: Optional[Any] = None) -> int:
    """``vo_verify_http_status``: the status a handler answers for a verify outcome."""
    n: int = _verify_status(rc, None if result is None else C.byref(result))
    return n


class Verification(NamedTuple):
    """The outcome of a verification. True when authentic. ``http_status``: what to answer
    (200, or 400/403/404/413/414; 500 only for the server's own misconfiguration), from
    ``vo_verify_http_status``. ``reason``: ``"ok"``, ``"mismatch"``, ``"missing_signature"``,
    ... ``key_index``: which key matched (a rotation in progress shows as 1). ``url_form``:
    which URL form matched (Twilio). ``tenant``: the resolved tenant (routing). A tuple
    (cheap to make on the hot path), but its truth value is ``ok``.

    The webhook guard (``guard_*``) also fills ``seen`` (``"first"``, ``"duplicate"``,
    ``"replay"``; ``"not_checked"`` from plain verification or when the request failed
    first) and ``seen_at_ms`` (when the first sighting was recorded). A duplicate (a
    provider retry) is authentic but not ``ok``: ``http_status`` is 200 and the handler must
    not act again (``duplicate`` is True; ``raise_for_status`` raises :class:`Duplicate`).
    A replay is refused: ``reason`` ``"replay"``, 403."""

    ok: bool
    rc: int
    reason: str
    http_status: int
    key_index: int = -1
    url_form: int = -1
    signature_index: int = -1
    timestamp: int = 0
    tenant: Optional[str] = None
    message: str = ""
    seen: str = "not_checked"
    seen_at_ms: int = 0

    def __bool__(self) -> bool:
        return self.ok

    @property
    def duplicate(self) -> bool:
        """The guard recognised a provider retry (VO_EDUPLICATE): answer 200, do nothing."""
        return self.rc == -28

    def raise_for_status(self) -> "Verification":
        """Raise :class:`WebhookError` (carrying ``http_status`` and ``reason``) unless ok; a
        guard duplicate raises one that is also :class:`Duplicate` (``http_status`` 200)."""
        if not self.ok:
            raise _webhook_error_class(self.rc)(
                self.message or f"webhook verification failed: {self.reason}",
                reason=self.reason, http_status=self.http_status, code=self.rc)
        return self


_WEBHOOK_ERRORS: dict[int, type[WebhookError]] = {}


def _webhook_error_class(rc: int) -> type[WebhookError]:
    """WebhookError combined with the class of the code (``except vo.Expired`` and
    ``except vo.WebhookError`` both catch a replayed request)."""
    cls = _WEBHOOK_ERRORS.get(rc)
    if cls is None:
        base = error_class(rc)
        cls = WebhookError if base is VoiceOpsError else type(
            f"Webhook{base.__name__}", (WebhookError, base), {"__module__": "voiceops.errors"})
        _WEBHOOK_ERRORS[rc] = cls
    return cls


_VR = _ffi.vo_verify_result


def _result() -> Any:
    # version 1, reason VO_VERIFY_INTERNAL_ERROR, indexes -1: VO_VERIFY_RESULT_INIT
    return _VR(1, 17, -1, -1, -1)


def _outcome(rc: int, r: Any, tenant: Optional[str] = None) -> Verification:
    if rc == 0 and r.reason == 0:  # vo_verify_http_status(VO_OK, OK result) is 200
        return Verification(True, 0, "ok", 200, r.key_index, r.url_form, r.signature_index,
                            r.timestamp, tenant)
    reason = reason_name(r.reason)
    key = (rc, r.reason)
    status = _STATUS.get(key)
    if status is None:  # vo_verify_http_status depends on rc and the reason only
        status = _STATUS[key] = _fast_status(rc, _byref(r))
    if rc in (-7, -21):  # VO_EAUTH, VO_EEXPIRED: the reason says it all; no error copy
        return Verification(False, rc, reason, status, r.key_index, r.url_form,
                            r.signature_index, r.timestamp, tenant,
                            f"webhook verification failed: {reason}")
    msg = ""
    if rc != 0:
        s = _ffi.vo_error_snapshot()
        s.version = 1
        if lib.vo_error_snapshot_take(C.byref(s)) == 0 and s.code == rc:
            msg = s.message.decode("utf-8", "replace")
    return Verification(rc == 0, rc, reason, status, r.key_index, r.url_form, r.signature_index,
                        r.timestamp, tenant, msg)


_SEEN = ("not_checked", "first", "duplicate", "replay")


def _result2() -> Any:
    # version 2 (the guard's seen, seen_at_ms), otherwise as _result()
    return _VR(2, 17, -1, -1, -1, 0, 0, 0, 0)


def _guard_outcome(rc: int, r: Any, tenant: Optional[str] = None) -> Verification:
    v = _outcome(rc, r, tenant)
    seen = _SEEN[r.seen] if 0 <= r.seen < len(_SEEN) else "not_checked"
    return v._replace(seen=seen, seen_at_ms=r.seen_at_ms)


def _keys(keys: Keys) -> tuple[Any, int, list[Any]]:
    items = [keys] if isinstance(keys, (str, bytes, Secret)) else list(keys)
    vals: list[Any] = [k._cptr() if isinstance(k, Secret)  # the address: no Python copy
                       else (k.encode() if isinstance(k, str) else bytes(k)) for k in items]
    arr = (C.c_char_p * max(1, len(vals)))(*vals)
    return arr, len(vals), [items, vals]


def _header_pairs(headers: Headers) -> list[tuple[str, str]]:
    if headers is None:
        return []
    if hasattr(headers, "items"):
        return list(headers.items())
    return list(headers)


def _request(method: str, url: Optional[str], headers: Headers,
             body: bytes) -> tuple[Any, list[Any]]:
    req = _ffi.vo_webhook_request()
    lib.vo_webhook_request_init(C.byref(req), 1)
    a, n, k = params_array(_header_pairs(headers))
    mb = method.encode()
    ub = None if url is None else url.encode("utf-8", "surrogateescape")
    req.method, req.url = mb, ub
    req.headers, req.header_count = C.cast(a, C.POINTER(_ffi.vo_param)), n
    bp = C.c_char_p(body)
    req.body, req.body_len = C.cast(bp, C.c_void_p).value, len(body)
    return req, [a, k, mb, ub, body, bp]


class TwilioVerifier:
    """Verify Twilio ``X-Twilio-Signature`` with fixed auth tokens (encoded once). Several
    tokens may be valid at once (during an auth-token rotation)."""

    __slots__ = ("_arr", "_n", "_keep")

    def __init__(self, auth_tokens: Keys) -> None:
        self._arr, n, self._keep = _keys(auth_tokens)
        self._n = _size_t(n)

    def verify(self, url: str, signature: Optional[str], body: bytes,
               content_type: Optional[str] = "application/x-www-form-urlencoded") -> Verification:
        if not isinstance(body, bytes):
            body = bytes(body)
        try:  # one result per thread: the C library resets it at the start of every call
            r, rp = _vtls.r
        except AttributeError:
            r = _result()
            r, rp = _vtls.r = (r, _byref(r))
        rc = _fast_twilio_verify(rp, self._arr, self._n, url.encode("utf-8", _SE),
                                 None if signature is None else signature.encode(),
                                 _ct(content_type), body, _size_t(len(body)))
        return _outcome(rc, r)

    def verify_request(self, url: str, headers: Headers, body: bytes, *,
                       method: str = "POST", max_body: int = 0,
                       exact_url_only: bool = False) -> Verification:
        """From the request as received: the URL, every header, the raw body."""
        o = _ffi.vo_webhook_twilio_options()
        o.version, o.max_body, o.exact_url_only = 1, max_body, int(exact_url_only)
        req, keep = _request(method, url, headers, body)
        r = _result()
        rc = lib.vo_webhook_twilio_verify_request(C.byref(r), C.byref(o), self._arr, self._n.value,
                                                  C.byref(req))
        return _outcome(rc, r)


def verify_twilio(auth_tokens: Keys, url: str, signature: Optional[str], body: bytes,
                  content_type: Optional[str] = "application/x-www-form-urlencoded"
                  ) -> Verification:
    """Verify a Twilio webhook: the public URL Twilio called, the ``X-Twilio-Signature``
    header, the ``Content-Type`` and the raw body (form or JSON with ``bodySHA256``)."""
    return TwilioVerifier(auth_tokens).verify(url, signature, body, content_type)


def verify_vapi(secrets: Keys, headers: Headers, body: bytes, *,
                options: Optional[VapiWebhookOptions] = None, url: Optional[str] = None,
                method: str = "POST", now: Optional[int] = None) -> Verification:
    """Verify a Vapi server-URL request (``x-vapi-secret``, bearer or HMAC per ``options``)."""
    o, okeep = (options or VapiWebhookOptions()).to_c()
    arr, n, kkeep = _keys(secrets)
    req, rkeep = _request(method, url, headers, body)
    r = _result()
    rc = lib.vo_webhook_vapi_verify(C.byref(r), C.byref(o), arr, n, C.byref(req),
                                    int(time.time()) if now is None else now)
    return _outcome(rc, r)


def verify_standard(secrets: Keys, headers: Headers, body: bytes, *,
                    now: Optional[int] = None) -> Verification:
    """Verify a Standard Webhooks request (``webhook-id``, ``webhook-timestamp``,
    ``webhook-signature``) with ``whsec_`` secrets."""
    arr, n, kkeep = _keys(secrets)
    req, rkeep = _request("POST", None, headers, body)
    r = _result()
    rc = lib.vo_webhook_std_verify_request(C.byref(r), arr, n, C.byref(req),
                                           int(time.time()) if now is None else now)
    return _outcome(rc, r)


def verify_standard_parts(secrets: Keys, msg_id: Optional[str], timestamp: Optional[str],
                          signatures: Optional[str], body: bytes, *,
                          now: Optional[int] = None) -> Verification:
    arr, n, kkeep = _keys(secrets)
    r = _result()
    rc = lib.vo_webhook_std_verify(C.byref(r), arr, n, enc(msg_id), enc(timestamp),
                                   enc(signatures), body, len(body),
                                   int(time.time()) if now is None else now)
    return _outcome(rc, r)


def _secret_arg(s: SecretLike) -> Any:
    if isinstance(s, Secret):
        return C.c_char_p(s._cptr())
    return s.encode() if isinstance(s, str) else s


def sign_twilio(auth_token: SecretLike, url: str,
                params: Union[Mapping[str, str], Iterable[tuple[str, str]], None] = None) -> str:
    """The ``X-Twilio-Signature`` of a form webhook (for tests and outbound simulations)."""
    a, n, k = params_array(params)
    buf = C.create_string_buffer(64)
    lib.vo_webhook_twilio_sign(buf, 64, _secret_arg(auth_token), url.encode(), a, n)
    return buf.value.decode()


def twilio_body_sha256(body: bytes) -> str:
    buf = C.create_string_buffer(65)
    lib.vo_webhook_twilio_body_sha256(buf, 65, body, len(body))
    return buf.value.decode()


def sign_vapi(secret: SecretLike, body: bytes, *, options: VapiWebhookOptions,
              timestamp: Optional[str] = None, message_id: Optional[str] = None,
              method: str = "POST", url: Optional[str] = None) -> str:
    o, keep = options.to_c()
    buf = C.create_string_buffer(1024)
    lib.vo_webhook_vapi_sign(buf, 1024, C.byref(o), _secret_arg(secret), method.encode(),
                             enc(url), enc(timestamp), enc(message_id), body, len(body))
    return buf.value.decode()


def sign_standard(secret: SecretLike, msg_id: str, timestamp: int, body: bytes) -> str:
    buf = C.create_string_buffer(128)
    lib.vo_webhook_std_sign(buf, 128, _secret_arg(secret), msg_id.encode(), timestamp, body,
                            len(body))
    return buf.value.decode()


def new_standard_secret() -> Secret:
    buf = C.create_string_buffer(64)
    lib.vo_webhook_std_secret_new(buf, 64)
    try:
        return Secret(buf.value)
    finally:
        C.memset(buf, 0, 64)


@dataclass(frozen=True)
class PublicUrlOptions:
    """How to find the public URL: a configured ``base_url`` (then no header is read), or
    ``trusted_proxies`` (addresses/CIDRs) whose ``forwarded_headers`` (FORWARDED |
    X_FORWARDED_* bits) are believed. Default: no proxy trusted."""
    base_url: Optional[str] = None
    trusted_proxies: Sequence[str] = ()
    forwarded_headers: int = 0


def public_url(target: str, headers: Headers, *, scheme: Optional[str] = "http",
               peer_address: Optional[str] = None,
               options: Optional[PublicUrlOptions] = None) -> str:
    """``vo_public_url_build``: the URL the provider signed. Raises BadRequest-like
    :class:`~voiceops.ParseError` for what the network sent (answer 400), InvalidInput for
    a bad configuration."""
    o = _ffi.vo_public_url_options()
    lib.vo_public_url_options_init(C.byref(o), 1)
    keep: list[Any] = []
    if options is not None:
        b = enc(options.base_url)
        keep.append(b)
        o.base_url = b
        if options.trusted_proxies:
            tp = [p.encode() for p in options.trusted_proxies]
            arr = strings_array(tp)
            keep += [tp, arr]
            o.trusted_proxies, o.trusted_proxy_count = arr, len(tp)
        o.forwarded_headers = options.forwarded_headers
    a, n, k = params_array(_header_pairs(headers))
    size = 2048
    buf = C.create_string_buffer(size)
    ln = C.c_size_t()
    try:
        lib.vo_public_url_build(buf, size, C.byref(ln), C.byref(o), enc(peer_address),
                                enc(scheme), target.encode("utf-8", _SE), a, n)
    except Exception as e:
        if getattr(e, "code", 0) != -4:
            raise
        buf = C.create_string_buffer(ln.value + 1)
        lib.vo_public_url_build(buf, ln.value + 1, C.byref(ln), C.byref(o), enc(peer_address),
                                enc(scheme), target.encode("utf-8", _SE), a, n)
    return buf.value.decode("utf-8", "surrogateescape")


def parse_form(body: bytes) -> list[tuple[str, str]]:
    """Parse an ``application/x-www-form-urlencoded`` body the way verification does."""
    p = out_ptr()
    lib.vo_form_parse(C.byref(p), body, len(body))
    f = p.value
    try:
        return [(dec0(lib.vo_form_name(f, i)), dec0(lib.vo_form_value(f, i)))
                for i in range(lib.vo_form_count(f))]
    finally:
        lib.vo_form_free(f)


_KINDS = ["other", "assistant-request", "tool-calls", "status-update", "end-of-call-report",
          "transcript", "hang", "transfer-destination-request", "conversation-update"]


class VapiMessage(Handle):
    """A parsed Vapi server message (``vo_vapi_message``)."""

    _free = lib.vo_vapi_message_free
    _kind = "Vapi message"

    def __init__(self, body: bytes) -> None:
        p = out_ptr()
        lib.vo_vapi_message_parse(C.byref(p), body, len(body))
        super().__init__(p.value)

    def _s(self, fn: Any) -> str:
        return dec0(fn(self._p))

    @property
    def type(self) -> str:
        return self._s(lib.vo_vapi_message_type)

    @property
    def kind(self) -> str:
        k = lib.vo_vapi_message_kind_of(self._p)
        return _KINDS[k] if 0 <= k < len(_KINDS) else "other"

    call_id = property(lambda self: self._s(lib.vo_vapi_message_call_id))
    org_id = property(lambda self: self._s(lib.vo_vapi_message_org_id))
    phone_number_id = property(lambda self: self._s(lib.vo_vapi_message_phone_number_id))
    phone_number = property(lambda self: self._s(lib.vo_vapi_message_phone_number))
    customer_number = property(lambda self: self._s(lib.vo_vapi_message_customer_number))
    status = property(lambda self: self._s(lib.vo_vapi_message_status))
    ended_reason = property(lambda self: self._s(lib.vo_vapi_message_ended_reason))
    json = property(lambda self: self._s(lib.vo_vapi_message_json))

    @property
    def tool_calls(self) -> list[dict[str, str]]:
        p = self._p
        return [{"id": dec0(lib.vo_vapi_message_tool_call_id(p, i)),
                 "name": dec0(lib.vo_vapi_message_tool_call_name(p, i)),
                 "arguments": dec0(lib.vo_vapi_message_tool_call_arguments(p, i))}
                for i in range(lib.vo_vapi_message_tool_call_count(p))]


def _take_string(p: C.c_void_p) -> str:
    try:
        return C.string_at(p.value).decode("utf-8") if p.value else ""
    finally:
        lib.vo_free(p)


def assistant_reply(assistant_id: Optional[str] = None, assistant_json: Optional[str] = None,
                    error: Optional[str] = None) -> str:
    """The JSON answer to an ``assistant-request``."""
    p = out_ptr()
    lib.vo_vapi_message_assistant_reply(C.byref(p), enc(assistant_id), enc(assistant_json),
                                        enc(error))
    return _take_string(p)


class ToolResults(Handle):
    """The JSON answer to a ``tool-calls`` message."""

    _free = lib.vo_vapi_tool_results_free
    _kind = "tool results"

    def __init__(self) -> None:
        p = out_ptr()
        lib.vo_vapi_tool_results_new(C.byref(p))
        super().__init__(p.value)

    def add(self, tool_call_id: str, name: Optional[str] = None, result: Optional[str] = None,
            error: Optional[str] = None) -> "ToolResults":
        lib.vo_vapi_tool_results_add(self._p, tool_call_id.encode(), enc(name), enc(result),
                                     enc(error))
        return self

    def json(self) -> str:
        p = out_ptr()
        lib.vo_vapi_tool_results_json(C.byref(p), self._p)
        return _take_string(p)

