"""Typed exceptions built from the C library's error record (``vo_error``).

Every failing C call raises an instance of the class of its ``VO_E*`` code, built from a copy
of the error taken on the thread that made the call (``vo_error_snapshot_take``). Messages come
from the C library, which never puts a secret into them.
"""
from __future__ import annotations

from typing import Optional

__all__ = [
    "VoiceOpsError", "InvalidInput", "ParseError", "TooBig", "BadRequest", "BufferTooSmall",
    "OutOfMemory", "AuthError", "Forbidden", "CryptoError", "NotFound", "Conflict",
    "AlreadyExists", "StorageError", "Busy", "NetworkError", "TLSError", "Timeout",
    "RateLimited", "Unavailable", "ProtocolError", "ValidationError", "Expired",
    "NotInitialized", "Unsupported", "InternalError", "HandleError", "ClosedError",
    "WebhookError", "Duplicate", "error_class",
]


class VoiceOpsError(Exception):
    """Base class of every libvoiceops error.

    Attributes: ``code`` (the negative ``VO_E*`` number), ``name`` (``"VO_EAUTH"``),
    ``message``, ``http_status`` (remote failures, else 0), ``provider_code`` (e.g. Twilio
    20003, else 0), ``request_id`` (the provider's request id, else ""), ``correlation_id``,
    ``more_info`` (the provider's documentation URL, else ""), ``function`` (the C function).
    """

    code: int = -1

    def __init__(self, message: str, *, code: Optional[int] = None, name: str = "",
                 http_status: int = 0, provider_code: int = 0, request_id: str = "",
                 correlation_id: str = "", more_info: str = "", retry_after_ms: int = -1,
                 function: str = "") -> None:
        super().__init__(message)
        if code is not None:
            self.code = code
        self.name = name or type(self).__name__
        self.message = message
        self.http_status = http_status
        self.provider_code = provider_code
        self.request_id = request_id
        self.correlation_id = correlation_id
        self.more_info = more_info
        self.retry_after_ms = retry_after_ms
        self.function = function

    def __str__(self) -> str:
        extra = []
        if self.http_status:
            extra.append(f"http_status={self.http_status}")
        if self.provider_code:
            extra.append(f"provider_code={self.provider_code}")
        if self.request_id:
            extra.append(f"request_id={self.request_id}")
        if self.correlation_id:
            extra.append(f"correlation_id={self.correlation_id}")
        return self.message + (f" ({', '.join(extra)})" if extra else "")

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name}: {self.message!r})"

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (_rebuild, (type(self), self.message, self.__dict__))


def _rebuild(cls: "type[VoiceOpsError]", message: str,
             state: "dict[str, object]") -> VoiceOpsError:
    e = cls.__new__(cls)
    Exception.__init__(e, message)
    e.__dict__.update(state)
    return e


class InvalidInput(VoiceOpsError, ValueError):
    """VO_EINVAL: an argument is NULL, empty, malformed or out of range (the caller's mistake)."""
    code = -2


class OutOfMemory(VoiceOpsError, MemoryError):
    """VO_ENOMEM (including locked secure memory)."""
    code = -3


class BufferTooSmall(VoiceOpsError):
    """VO_ERANGE (the binding sizes its buffers; seeing it is a bug)."""
    code = -4


class TooBig(InvalidInput):
    """VO_ETOOBIG: input exceeds a configured size limit."""
    code = -5


class ParseError(InvalidInput):
    """VO_EPARSE: a malformed document (form body, JSON, URL, CSV, key file)."""
    code = -6


class AuthError(VoiceOpsError):
    """VO_EAUTH: authentication failed (wrong credentials, signature mismatch)."""
    code = -7


class CryptoError(VoiceOpsError):
    """VO_ECRYPTO: decryption or integrity check failed (wrong KEK, tampered data or audit)."""
    code = -8


class NotFound(VoiceOpsError, LookupError):
    """VO_ENOTFOUND: no such tenant, secret, key or remote resource."""
    code = -9


class Conflict(VoiceOpsError):
    """VO_ECONFLICT: check-and-set failed, or a remote 409."""
    code = -11


class AlreadyExists(Conflict):
    """VO_EEXISTS: the object already exists."""
    code = -10


class StorageError(VoiceOpsError, OSError):
    """VO_ESTORAGE: the storage backend failed (I/O error, disk full, corruption)."""
    code = -12


class Busy(StorageError):
    """VO_EBUSY: locked by another process beyond the busy timeout."""
    code = -13


class Unavailable(VoiceOpsError):
    """VO_EUNAVAILABLE: the provider failed or is unavailable (5xx, circuit open)."""
    code = -17


class NetworkError(Unavailable):
    """VO_ENETWORK: connection, DNS or TLS failure."""
    code = -14


class TLSError(NetworkError):
    """VO_ETLS: the server's certificate failed verification (never retried)."""
    code = -27


class Timeout(VoiceOpsError, TimeoutError):
    """VO_ETIMEOUT: a timeout or deadline expired."""
    code = -15


class RateLimited(VoiceOpsError):
    """VO_ERATELIMIT: HTTP 429. ``retry_after`` is the server-requested delay in seconds, or
    None when the server gave none."""
    code = -16

    @property
    def retry_after(self) -> Optional[float]:
        return None if self.retry_after_ms < 0 else self.retry_after_ms / 1000.0


class ProtocolError(VoiceOpsError):
    """VO_EPROTOCOL: the remote answered something that could not be understood."""
    code = -18


class ValidationError(VoiceOpsError):
    """VO_EVALIDATION: the provider rejected the request as invalid (400/422)."""
    code = -19


class Forbidden(AuthError, PermissionError):
    """VO_EFORBIDDEN: not allowed (HTTP 403), or an unsafe file mode."""
    code = -20


class Expired(VoiceOpsError):
    """VO_EEXPIRED: a timestamp is outside the allowed tolerance."""
    code = -21


class NotInitialized(VoiceOpsError):
    """VO_ENOTINIT (the package initialises the library at import; seeing it is a bug)."""
    code = -22


class Unsupported(VoiceOpsError):
    """VO_EUNSUPPORTED: the operation or option is not supported."""
    code = -23


class InternalError(VoiceOpsError):
    """VO_EINTERNAL: a bug in libvoiceops."""
    code = -24


class HandleError(VoiceOpsError):
    """VO_EHANDLE: a handle used after close, closed twice, or of another type."""
    code = -25


class ClosedError(HandleError):
    """A Python object (Vault, client, Secret, ...) used after ``close()``."""
    code = -25


class BadRequest(InvalidInput):
    """VO_EREQUEST: what arrived from the network is malformed (the sender's fault: 4xx)."""
    code = -26


class Duplicate(VoiceOpsError):
    """VO_EDUPLICATE: the webhook guard saw this authentic request before: a provider retry.
    Not a failure of the sender: answer 200 (``http_status``) and do not act on it again."""
    code = -28


class WebhookError(VoiceOpsError):
    """A webhook failed verification. ``http_status`` is what the handler should answer
    (``vo_verify_http_status``: 400/403/404/413/414, 500 only for a server misconfiguration),
    ``reason`` the verify reason name (``"mismatch"``, ``"missing_signature"``, ...)."""

    def __init__(self, message: str, *, reason: str, **kw: object) -> None:
        super().__init__(message, **kw)  # type: ignore[arg-type]
        self.reason = reason


_BY_CODE: dict[int, type[VoiceOpsError]] = {
    cls.code: cls
    for cls in (InvalidInput, OutOfMemory, BufferTooSmall, TooBig, ParseError, AuthError,
                CryptoError, NotFound, AlreadyExists, Conflict, StorageError, Busy,
                NetworkError, Timeout, RateLimited, Unavailable, ProtocolError,
                ValidationError, Forbidden, Expired, NotInitialized, Unsupported,
                InternalError, HandleError, BadRequest, TLSError, Duplicate)
}


def error_class(code: int) -> type[VoiceOpsError]:
    """The exception class of a ``VO_E*`` code (VoiceOpsError for unknown codes)."""
    return _BY_CODE.get(code, VoiceOpsError)
