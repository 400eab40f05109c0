"""Cross-provider services: onboarding, number import, webhook routing, token rotation."""
from __future__ import annotations

import ctypes as C
import time
from dataclasses import dataclass, field
from typing import Any, Optional

from . import _ffi
from ._lib import apply_correlation_id, correlation_id, dec0, enc, lib, out_ptr
from .errors import InvalidInput
from .clients import HttpClient, HttpOptions
from .credentials import TwilioCredentials, VapiCredentials, VapiWebhookOptions
from .vault import Vault
from .webhooks import (Headers, Keys, Verification, _guard_outcome, _keys, _outcome, _request,
                       _result, _result2)

__all__ = ["Services", "NumberImportReport", "NumberImportItem", "GuardOptions",
           "verify_routed", "guard_twilio", "guard_vapi", "guard_standard", "guard_routed"]

_STATUS = {0: "imported", 1: "already_present", 2: "failed"}
_ROTATION = {0: "idle", 1: "creating", 2: "window", 3: "promoting"}


@dataclass(frozen=True)
class NumberImportItem:
    number: str
    twilio_sid: str
    status: str  # "imported", "already_present", "failed"
    vapi_id: str
    reason: str
    error: int


@dataclass(frozen=True)
class NumberImportReport:
    correlation_id: str
    imported: int
    present: int
    failed: int
    items: list[NumberImportItem] = field(default_factory=list)


class Services:
    """The services bound to a vault and the provider base URLs (``vo_services_options``).

    >>> svc = Services(vault, twilio_api_base_url=sandbox, vapi_base_url=sandbox,
    ...                allow_insecure_http=True)
    >>> svc.onboard("acme", TwilioCredentials(sid, token), VapiCredentials(api_key))
    """

    def __init__(self, vault: Vault, *, twilio_api_base_url: Optional[str] = None,
                 twilio_accounts_base_url: Optional[str] = None,
                 vapi_base_url: Optional[str] = None, http: Optional[HttpOptions] = None,
                 http_client: Optional[HttpClient] = None,
                 allow_insecure_http: bool = False) -> None:
        self.vault = vault
        self._cfg = (twilio_api_base_url, twilio_accounts_base_url, vapi_base_url)
        self._http, self._http_client = http, http_client
        self._insecure = allow_insecure_http

    def _opts(self) -> tuple[Any, list[Any]]:
        o = _ffi.vo_services_options()
        lib.vo_services_options_init(C.byref(o), 1)
        keep: list[Any] = [enc(x) for x in self._cfg]
        o.twilio_api_base_url, o.twilio_accounts_base_url, o.vapi_base_url = keep
        if self._http is not None:
            ho, k = self._http.to_c()
            keep += [ho, k]
            o.http = C.pointer(ho)
        if self._http_client is not None:
            o.http_client = self._http_client._p
        cid = enc(correlation_id.get())
        keep.append(cid)
        o.correlation_id = cid
        o.allow_insecure_http = int(self._insecure)
        apply_correlation_id()
        return o, keep

    def onboard(self, tenant: str, twilio: Optional[TwilioCredentials] = None,
                vapi: Optional[VapiCredentials] = None) -> None:
        """Validate the credentials against the providers, then create the tenant and store
        them (nothing is stored when a check fails: AuthError)."""
        o, keep = self._opts()
        lib.vo_onboarding_run(self.vault._p, tenant.encode(), twilio._p if twilio else None,
                              vapi._p if vapi else None, C.byref(o))

    def import_numbers(self, tenant: str, *, assistant_id: Optional[str] = None,
                       server_url: Optional[str] = None,
                       sms_enabled: bool = False) -> NumberImportReport:
        """Import the tenant's Twilio numbers into Vapi, idempotently, with a report."""
        o, keep = self._opts()
        io = _ffi.vo_number_import_options()
        lib.vo_number_import_options_init(C.byref(io), 1)
        a, s = enc(assistant_id), enc(server_url)
        io.assistant_id, io.server_url, io.sms_enabled = a, s, int(sms_enabled)
        p = out_ptr()
        lib.vo_number_import_run(C.byref(p), self.vault._p, tenant.encode(), C.byref(io),
                                 C.byref(o))
        r = p.value
        try:
            items = [NumberImportItem(dec0(lib.vo_number_import_report_number(r, i)),
                                      dec0(lib.vo_number_import_report_twilio_sid(r, i)),
                                      _STATUS.get(lib.vo_number_import_report_status(r, i), "?"),
                                      dec0(lib.vo_number_import_report_vapi_id(r, i)),
                                      dec0(lib.vo_number_import_report_reason(r, i)),
                                      lib.vo_number_import_report_error(r, i))
                     for i in range(lib.vo_number_import_report_count(r))]
            return NumberImportReport(dec0(lib.vo_number_import_report_correlation_id(r)),
                                      lib.vo_number_import_report_imported(r),
                                      lib.vo_number_import_report_present(r),
                                      lib.vo_number_import_report_failed(r), items)
        finally:
            lib.vo_number_import_report_free(r)

    # ---- webhook routing
    def mint_routing_token(self, tenant: str) -> str:
        """A new per-tenant URL token (replaces the previous one). Put it in the webhook URL."""
        apply_correlation_id()
        buf = C.create_string_buffer(64)
        lib.vo_routing_token_mint(buf, 64, self.vault._p, tenant.encode())
        return buf.value.decode()

    def resolve_routing_token(self, token: str) -> str:
        apply_correlation_id()
        buf = C.create_string_buffer(72)
        lib.vo_routing_token_resolve(buf, 72, self.vault._p, token.encode())
        return buf.value.decode()

    def verify_routed(self, token: str, provider: str, url: Optional[str], headers: Headers,
                      body: bytes, *, method: str = "POST",
                      now: Optional[int] = None) -> Verification:
        """Resolve the tenant of a URL token and verify the request with that tenant's keys
        (``vo_routing_verify``). ``provider``: ``"twilio"`` or ``"vapi"``. The result's
        ``http_status`` is 404 for an unknown token, 400 for garbage, 403 for a forgery."""
        return verify_routed(self.vault, token, provider, url, headers, body, method=method,
                             now=now)

    def guard_routed(self, token: str, provider: str, url: Optional[str], headers: Headers,
                     body: bytes, *, guard: Optional["GuardOptions"] = None,
                     method: str = "POST", now: Optional[int] = None) -> Verification:
        """:meth:`verify_routed` with the webhook guard (``vo_routing_guard``)."""
        return guard_routed(self.vault, token, provider, url, headers, body, guard=guard,
                            method=method, now=now)

    # ---- token rotation
    def begin_token_rotation(self, tenant: str) -> None:
        o, keep = self._opts()
        lib.vo_token_rotation_begin(self.vault._p, tenant.encode(), C.byref(o))

    def promote_token_rotation(self, tenant: str) -> None:
        o, keep = self._opts()
        lib.vo_token_rotation_promote(self.vault._p, tenant.encode(), C.byref(o))

    def abort_token_rotation(self, tenant: str) -> None:
        o, keep = self._opts()
        lib.vo_token_rotation_abort(self.vault._p, tenant.encode(), C.byref(o))

    def token_rotation_state(self, tenant: str) -> str:
        apply_correlation_id()
        st = C.c_int()
        lib.vo_token_rotation_get(C.byref(st), self.vault._p, tenant.encode())
        return _ROTATION.get(st.value, "?")


def verify_routed(vault: Vault, token: str, provider: str, url: Optional[str], headers: Headers,
                  body: bytes, *, method: str = "POST", now: Optional[int] = None) -> Verification:
    apply_correlation_id()
    req, keep = _request(method, url, headers, body)
    r = _result()
    buf = C.create_string_buffer(72)
    rc = lib.vo_routing_verify(buf, 72, C.byref(r), vault._p, token.encode(),
                               0 if provider == "twilio" else 1, C.byref(req),
                               int(time.time()) if now is None else now)
    return _outcome(rc, r, buf.value.decode() or None)


# ---- the webhook guard (vo_webhook_guard_*, vo_routing_guard)

@dataclass(frozen=True)
class GuardOptions:
    """``vo_webhook_guard_options``: how long a sighting is remembered
    (``retention_seconds``, 0 = the scheme's default: 24 h for Twilio and untimestamped Vapi,
    the timestamp tolerance for timestamped schemes) and the Twilio retry window
    (``retry_window_seconds``, 0 = 300 s). Both at most 31 days."""
    retention_seconds: int = 0
    retry_window_seconds: int = 0

    def to_c(self) -> Any:
        o = _ffi.vo_webhook_guard_options()
        lib.vo_webhook_guard_options_init(C.byref(o), 1)
        o.retention_seconds, o.retry_window_seconds = (self.retention_seconds,
                                                       self.retry_window_seconds)
        return o


def _guard_opts(guard: Optional[GuardOptions]) -> Any:
    return None if guard is None else C.byref(guard.to_c())


def _now(now: Optional[int]) -> int:
    return int(time.time()) if now is None else now


def guard_twilio(vault: Vault, tenant: str, auth_tokens: Keys, url: str, headers: Headers,
                 body: bytes, *, guard: Optional[GuardOptions] = None, method: str = "POST",
                 max_body: int = 0, exact_url_only: bool = False,
                 now: Optional[int] = None) -> Verification:
    """Verify a Twilio webhook and record it in the vault's seen-request store, in one call
    (``vo_webhook_guard_twilio``). ``headers``: every header as received (the signature,
    ``Content-Type`` and ``I-Twilio-Idempotency-Token``). First sighting: ``ok``; a retry of
    a request already accepted: ``duplicate`` (200, do not act again); the same signed
    request outside any retry: ``reason == "replay"`` (403). Writes the vault: use
    ``voiceops.aio.guard_twilio`` from an event loop."""
    apply_correlation_id()
    o = _ffi.vo_webhook_twilio_options()
    o.version, o.max_body, o.exact_url_only = 1, max_body, int(exact_url_only)
    arr, n, kkeep = _keys(auth_tokens)
    req, rkeep = _request(method, url, headers, body)
    r = _result2()
    rc = lib.vo_webhook_guard_twilio(C.byref(r), vault._p, tenant.encode(), _guard_opts(guard),
                                     C.byref(o), arr, n, C.byref(req), _now(now))
    return _guard_outcome(rc, r)


def guard_vapi(vault: Vault, tenant: str, secrets: Keys, headers: Headers, body: bytes, *,
               options: Optional[VapiWebhookOptions] = None, url: Optional[str] = None,
               guard: Optional[GuardOptions] = None, method: str = "POST",
               now: Optional[int] = None) -> Verification:
    """:func:`voiceops.verify_vapi` with the webhook guard (``vo_webhook_guard_vapi``)."""
    apply_correlation_id()
    o, okeep = (options or VapiWebhookOptions()).to_c()
    arr, n, kkeep = _keys(secrets)
    req, rkeep = _request(method, url, headers, body)
    r = _result2()
    rc = lib.vo_webhook_guard_vapi(C.byref(r), vault._p, tenant.encode(), _guard_opts(guard),
                                   C.byref(o), arr, n, C.byref(req), _now(now))
    return _guard_outcome(rc, r)


def guard_standard(vault: Vault, tenant: str, secrets: Keys, headers: Headers, body: bytes, *,
                   guard: Optional[GuardOptions] = None,
                   now: Optional[int] = None) -> Verification:
    """:func:`voiceops.verify_standard` with the webhook guard (``vo_webhook_guard_std``):
    the same ``webhook-id`` signed anew is a retry (duplicate), byte for byte a replay."""
    apply_correlation_id()
    arr, n, kkeep = _keys(secrets)
    req, rkeep = _request("POST", None, headers, body)
    r = _result2()
    rc = lib.vo_webhook_guard_std(C.byref(r), vault._p, tenant.encode(), _guard_opts(guard),
                                  arr, n, C.byref(req), _now(now))
    return _guard_outcome(rc, r)


def guard_routed(vault: Vault, token: str, provider: str, url: Optional[str], headers: Headers,
                 body: bytes, *, guard: Optional[GuardOptions] = None, method: str = "POST",
                 now: Optional[int] = None) -> Verification:
    """:func:`verify_routed` with the webhook guard (``vo_routing_guard``): resolve the URL
    token, verify with that tenant's keys and record the sighting."""
    apply_correlation_id()
    req, keep = _request(method, url, headers, body)
    r = _result2()
    buf = C.create_string_buffer(72)
    rc = lib.vo_routing_guard(buf, 72, C.byref(r), vault._p, _guard_opts(guard), token.encode(),
                              _provider(provider), C.byref(req), _now(now))
    return _guard_outcome(rc, r, buf.value.decode() or None)


def _provider(provider: str) -> int:
    if provider not in ("twilio", "vapi"):
        raise InvalidInput("provider must be 'twilio' or 'vapi'")
    return 0 if provider == "twilio" else 1
