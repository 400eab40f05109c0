"""Typed provider credentials (Twilio, Vapi, SMTP), stored in the vault as versioned secrets."""
from __future__ import annotations

import ctypes as C
from dataclasses import dataclass
from typing import Any, Optional

from . import _ffi
from ._lib import Handle, dec, lib, out_ptr, raw_ptr_fn, strlen as _strlen
from .secret import Secret, SecretLike, secret_str_arg

__all__ = ["TwilioCredentials", "VapiCredentials", "SmtpCredentials", "VapiWebhookOptions"]


def _secret_field(ptr: Optional[int]) -> Optional[Secret]:
    if not ptr:
        return None
    # copy guarded memory to guarded memory without a Python str in between
    length = _strlen(ptr)
    p = out_ptr()
    lib.vo_secret_new(C.byref(p), C.c_char_p(ptr), length)
    return Secret(_ptr=p.value)


class _Creds(Handle):
    _kind = "credentials object"

    def _getter(self, fn: Any) -> Optional[str]:
        return dec(fn(self._p))

    def _secret_getter(self, fn: Any) -> Optional[Secret]:
        return _secret_field(raw_ptr_fn(fn.__name__)(self._p))


class TwilioCredentials(_Creds):
    """Twilio credentials: an account SID and an auth token and/or an API key (``SK...`` and
    its secret), optionally a secondary token (during a rotation), a region and an edge.
    Secret fields are held in guarded memory and read back as :class:`Secret`."""

    _free = lib.vo_twilio_credentials_free

    def __init__(self, account_sid: Optional[str] = None, auth_token: Optional[SecretLike] = None,
                 *, api_key_sid: Optional[str] = None, api_key_secret: Optional[SecretLike] = None,
                 secondary_auth_token: Optional[SecretLike] = None, region: Optional[str] = None,
                 edge: Optional[str] = None, _ptr: Optional[int] = None) -> None:
        if _ptr is None:
            p = out_ptr()
            lib.vo_twilio_credentials_new(C.byref(p))
            _ptr = p.value
        super().__init__(_ptr)
        if account_sid is not None:
            lib.vo_twilio_credentials_set_account_sid(self._p, account_sid.encode())
        if auth_token is not None:
            lib.vo_twilio_credentials_set_auth_token(self._p, secret_str_arg(auth_token))
        if api_key_sid is not None or api_key_secret is not None:
            lib.vo_twilio_credentials_set_api_key(self._p, api_key_sid and api_key_sid.encode(),
                                                  secret_str_arg(api_key_secret))
        if secondary_auth_token is not None:
            lib.vo_twilio_credentials_set_secondary_auth_token(
                self._p, secret_str_arg(secondary_auth_token))
        if region is not None:
            lib.vo_twilio_credentials_set_region(self._p, region.encode())
        if edge is not None:
            lib.vo_twilio_credentials_set_edge(self._p, edge.encode())

    @property
    def account_sid(self) -> Optional[str]:
        return self._getter(lib.vo_twilio_credentials_account_sid)

    @property
    def api_key_sid(self) -> Optional[str]:
        return self._getter(lib.vo_twilio_credentials_api_key_sid)

    @property
    def region(self) -> Optional[str]:
        return self._getter(lib.vo_twilio_credentials_region)

    @property
    def edge(self) -> Optional[str]:
        return self._getter(lib.vo_twilio_credentials_edge)

    @property
    def auth_token(self) -> Optional[Secret]:
        return self._secret_getter(lib.vo_twilio_credentials_auth_token)

    @property
    def secondary_auth_token(self) -> Optional[Secret]:
        return self._secret_getter(lib.vo_twilio_credentials_secondary_auth_token)

    @property
    def api_key_secret(self) -> Optional[Secret]:
        return self._secret_getter(lib.vo_twilio_credentials_api_key_secret)

    def validate(self) -> None:
        lib.vo_twilio_credentials_validate(self._p)

    def __repr__(self) -> str:
        if self.closed:
            return "TwilioCredentials(<closed>)"
        return (f"TwilioCredentials(account_sid={self.account_sid!r}, auth_token=***, "
                f"api_key_sid={self.api_key_sid!r})")


_VAPI_TYPES = {"secret": 0, "bearer": 1, "hmac": 2}
_ALGS = {"sha256": 0, "sha1": 1, "sha512": 2}
_ENCS = {"hex": 0, "base64": 1}


@dataclass
class VapiWebhookOptions:
    """How a Vapi server URL is protected (``vo_webhook_vapi_options``). ``type``: ``"secret"``
    (the ``x-vapi-secret`` header), ``"bearer"`` or ``"hmac"``; the other fields as in
    docs/webhooks.md. Defaults are the secure ones (zero means safe)."""

    type: str = "secret"
    header_name: Optional[str] = None
    bare_token: bool = False
    algorithm: str = "sha256"
    signature_header: Optional[str] = None
    timestamp_header: Optional[str] = None
    message_id_header: Optional[str] = None
    payload_format: Optional[str] = None
    omit_timestamp: bool = False
    encoding: str = "hex"
    signature_prefix: Optional[str] = None
    secret_is_base64: bool = False
    tolerance_seconds: int = 0
    max_body: int = 0

    def to_c(self) -> tuple[Any, list[bytes]]:
        o = _ffi.vo_webhook_vapi_options()
        lib.vo_webhook_vapi_options_init(C.byref(o), 1)
        keep: list[bytes] = []

        def s(v: Optional[str]) -> Optional[bytes]:
            if v is None:
                return None
            b = v.encode()
            keep.append(b)
            return b

        try:
            o.type = _VAPI_TYPES[self.type]
            o.algorithm = _ALGS[self.algorithm]
            o.encoding = _ENCS[self.encoding]
        except KeyError as e:
            from .errors import InvalidInput
            raise InvalidInput(f"VapiWebhookOptions: unknown value {e.args[0]!r}") from None
        o.header_name = s(self.header_name)
        o.bare_token = int(self.bare_token)
        o.signature_header = s(self.signature_header)
        o.timestamp_header = s(self.timestamp_header)
        o.message_id_header = s(self.message_id_header)
        o.payload_format = s(self.payload_format)
        o.omit_timestamp = int(self.omit_timestamp)
        o.signature_prefix = s(self.signature_prefix)
        o.secret_is_base64 = int(self.secret_is_base64)
        o.tolerance_seconds = self.tolerance_seconds
        o.max_body = self.max_body
        return o, keep

    @classmethod
    def from_c(cls, o: Any) -> "VapiWebhookOptions":
        def rev(d: dict[str, int], v: int) -> str:
            return next(k for k, x in d.items() if x == v)

        return cls(type=rev(_VAPI_TYPES, o.type), header_name=dec(o.header_name),
                   bare_token=bool(o.bare_token), algorithm=rev(_ALGS, o.algorithm),
                   signature_header=dec(o.signature_header),
                   timestamp_header=dec(o.timestamp_header),
                   message_id_header=dec(o.message_id_header),
                   payload_format=dec(o.payload_format), omit_timestamp=bool(o.omit_timestamp),
                   encoding=rev(_ENCS, o.encoding), signature_prefix=dec(o.signature_prefix),
                   secret_is_base64=bool(o.secret_is_base64),
                   tolerance_seconds=o.tolerance_seconds, max_body=o.max_body)


class VapiCredentials(_Creds):
    """Vapi credentials: the private API key and/or the webhook verification settings of the
    tenant's server URL (with their secret)."""

    _free = lib.vo_vapi_credentials_free

    def __init__(self, api_key: Optional[SecretLike] = None, *,
                 webhook_secret: Optional[SecretLike] = None,
                 webhook: Optional[VapiWebhookOptions] = None,
                 _ptr: Optional[int] = None) -> None:
        if _ptr is None:
            p = out_ptr()
            lib.vo_vapi_credentials_new(C.byref(p))
            _ptr = p.value
        super().__init__(_ptr)
        if api_key is not None:
            lib.vo_vapi_credentials_set_api_key(self._p, secret_str_arg(api_key))
        if webhook_secret is not None:
            o, keep = (webhook or VapiWebhookOptions()).to_c()
            lib.vo_vapi_credentials_set_webhook(self._p, C.byref(o),
                                                secret_str_arg(webhook_secret))

    @property
    def api_key(self) -> Optional[Secret]:
        return self._secret_getter(lib.vo_vapi_credentials_api_key)

    @property
    def webhook_secret(self) -> Optional[Secret]:
        return self._secret_getter(lib.vo_vapi_credentials_webhook_secret)

    @property
    def webhook(self) -> Optional[VapiWebhookOptions]:
        """The webhook verification settings, or None when none are set."""
        if lib.vo_vapi_credentials_webhook_type(self._p) < 0:
            return None
        o = _ffi.vo_webhook_vapi_options()
        lib.vo_webhook_vapi_options_init(C.byref(o), 1)
        lib.vo_vapi_credentials_webhook_options(C.byref(o), self._p)
        return VapiWebhookOptions.from_c(o)

    def validate(self) -> None:
        lib.vo_vapi_credentials_validate(self._p)

    def __repr__(self) -> str:
        if self.closed:
            return "VapiCredentials(<closed>)"
        w = self.webhook
        return f"VapiCredentials(api_key=***, webhook={w.type if w else None!r})"


_TLS = {"starttls": 0, "implicit": 1, "none": 2}


class SmtpCredentials(_Creds):
    """SMTP credentials: host, port (587), username, password, TLS mode
    (``"starttls"``, ``"implicit"``, ``"none"``)."""

    _free = lib.vo_smtp_credentials_free

    def __init__(self, host: Optional[str] = None, port: Optional[int] = None, *,
                 username: Optional[str] = None, password: Optional[SecretLike] = None,
                 tls: Optional[str] = None, _ptr: Optional[int] = None) -> None:
        if _ptr is None:
            p = out_ptr()
            lib.vo_smtp_credentials_new(C.byref(p))
            _ptr = p.value
        super().__init__(_ptr)
        if host is not None:
            lib.vo_smtp_credentials_set_host(self._p, host.encode())
        if port is not None:
            lib.vo_smtp_credentials_set_port(self._p, port)
        if username is not None:
            lib.vo_smtp_credentials_set_username(self._p, username.encode())
        if password is not None:
            lib.vo_smtp_credentials_set_password(self._p, secret_str_arg(password))
        if tls is not None:
            if tls not in _TLS:
                from .errors import InvalidInput
                raise InvalidInput(f"SmtpCredentials: unknown tls mode {tls!r}")
            lib.vo_smtp_credentials_set_tls(self._p, _TLS[tls])

    @property
    def host(self) -> Optional[str]:
        return self._getter(lib.vo_smtp_credentials_host)

    @property
    def port(self) -> int:
        n: int = lib.vo_smtp_credentials_port(self._p)
        return n

    @property
    def username(self) -> Optional[str]:
        return self._getter(lib.vo_smtp_credentials_username)

    @property
    def password(self) -> Optional[Secret]:
        return self._secret_getter(lib.vo_smtp_credentials_password)

    @property
    def tls(self) -> str:
        v = lib.vo_smtp_credentials_tls(self._p)
        return next(k for k, x in _TLS.items() if x == v)

    def validate(self) -> None:
        lib.vo_smtp_credentials_validate(self._p)

    def __repr__(self) -> str:
        if self.closed:
            return "SmtpCredentials(<closed>)"
        return (f"SmtpCredentials(host={self.host!r}, port={self.port}, "
                f"username={self.username!r}, password=***, tls={self.tls!r})")
