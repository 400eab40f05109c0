"""voiceops: the libvoiceops C library from Python (ctypes).

The credential vault, tenant-scoped Twilio and Vapi clients, cross-provider services and
webhook verification; the same C code as every other language. See docs/python.md.
"""
from __future__ import annotations

from ._lib import (ABI_VERSION, LIBRARY_PATH, correlation_id, feature_enabled,
                   new_correlation_id, set_log_level, version)
from .credentials import SmtpCredentials, TwilioCredentials, VapiCredentials, VapiWebhookOptions
from .errors import (
    VoiceOpsError, InvalidInput, ParseError, TooBig, BadRequest, BufferTooSmall,
    OutOfMemory, AuthError, Forbidden, CryptoError, NotFound, Conflict, AlreadyExists,
    StorageError, Busy, NetworkError, TLSError, Timeout, RateLimited, Unavailable,
    ProtocolError, ValidationError, Expired, NotInitialized, Unsupported, InternalError,
    HandleError, ClosedError, WebhookError, Duplicate, error_class)
from .secret import Secret
from .clients import (HttpClient, HttpOptions, HttpResponse, Resource, ResourceIterator,
                      TwilioClient, VapiClient)
from .services import (GuardOptions, NumberImportItem, NumberImportReport, Services,
                       guard_routed, guard_standard, guard_twilio, guard_vapi, verify_routed)
from .webhooks import (PublicUrlOptions, ToolResults, TwilioVerifier, VapiMessage, Verification,
                       assistant_reply, new_standard_secret, parse_form, public_url, sign_standard,
                       sign_twilio, sign_vapi, twilio_body_sha256, verify_standard, verify_twilio,
                       verify_vapi)
from . import smtp
from .smtp import SmtpMessage, SmtpOptions
from .smtp import check as smtp_check
from .smtp import send as smtp_send
from .vault import (ANY_VERSION, AuditCheck, AuditRow, ImportReport, Keyring, SecretInfo, Sighting,
                    Tenant, Vault)

__version__ = "0.2.0"

__all__ = [
    "ABI_VERSION", "LIBRARY_PATH", "correlation_id", "feature_enabled", "new_correlation_id",
    "set_log_level", "version", "Secret", "Vault", "Keyring", "Tenant", "SecretInfo",
    "AuditRow", "AuditCheck", "ImportReport", "ANY_VERSION", "TwilioCredentials",
    "VapiCredentials", "SmtpCredentials", "VapiWebhookOptions", "HttpClient", "HttpOptions",
    "HttpResponse", "Resource", "ResourceIterator", "TwilioClient", "VapiClient",
    "NumberImportItem", "NumberImportReport", "Services", "verify_routed", "PublicUrlOptions",
    "ToolResults", "TwilioVerifier", "VapiMessage", "Verification", "assistant_reply",
    "new_standard_secret", "parse_form", "public_url", "sign_standard", "sign_twilio",
    "sign_vapi", "twilio_body_sha256", "verify_standard", "verify_twilio", "verify_vapi",
    "GuardOptions", "guard_twilio", "guard_vapi", "guard_standard", "guard_routed", "Sighting",
    "smtp", "SmtpMessage", "SmtpOptions", "smtp_send", "smtp_check",
    "VoiceOpsError", "InvalidInput", "ParseError", "TooBig", "BadRequest", "BufferTooSmall", "OutOfMemory", "AuthError", "Forbidden", "CryptoError", "NotFound", "Conflict", "AlreadyExists", "StorageError", "Busy", "NetworkError", "TLSError", "Timeout", "RateLimited", "Unavailable", "ProtocolError", "ValidationError", "Expired", "NotInitialized", "Unsupported", "InternalError", "HandleError", "ClosedError", "WebhookError", "Duplicate", "error_class",
]
