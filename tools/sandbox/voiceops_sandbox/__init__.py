"""voiceops_sandbox -- a local, stateful emulation of the parts of the Twilio and Vapi REST APIs
that libvoiceops uses (in the spirit of stripe-mock). Standard library only (Python 3.11).

Run it as a program (the entry point the tests, tools/run-demo and the docs use):

    python3 tools/sandbox/voiceops_sandbox.py [--host 127.0.0.1] [--port 0] [--port-file PATH]

or import it (with tools/sandbox on sys.path):

    from voiceops_sandbox import SandboxServer
    srv = SandboxServer(("127.0.0.1", 0)); srv.start_background(); ...; srv.stop()

The modules, each readable on its own (lower ones import only from those above them):

    common        limits, ids, the clock and date formats, patterns, redaction, path helpers
    errors        ApiError and each provider's error bodies
    twilio_state  Twilio data: accounts, auth tokens, keys, numbers, calls, messages
    vapi_state    Vapi data: orgs (API keys), assistants, calls, phone numbers
    faults        fault injection (FaultTable)
    request_log   what the clients sent (RequestLog)
    webhooks      signed Twilio / Vapi webhooks to a target URL (WebhookSender)
    request       one API request as the routes see it (Request)
    twilio_api    Twilio REST routes and paging (TwilioApi, a mixin of Sandbox)
    vapi_api      Vapi REST routes and list windows (VapiApi, a mixin of Sandbox)
    control       the /__sandbox/... control API (ControlApi, a mixin of Sandbox)
    sandbox       Sandbox: state + dispatcher + authentication, independent of HTTP
    server        HTTP handler (keep-alive, framing, faults, request log) and SandboxServer
    cli           the command line (main)
    smtp_sink     an SMTP sink recording messages, STARTTLS, auth and drop faults (SmtpSink)
"""

from .common import (ALNUM, CLOCK, E164, MAX_BODY, SECRET_NAME, TWILIO_API, UUID_RE, Clock,
                     iso_ms, iso_s, new_sid, parse_iso, path_matches, provider_of, redact,
                     rfc2822)
from .errors import (REASONS, ApiError, twilio_auth_error, twilio_error, twilio_not_found,
                     vapi_auth_error, vapi_error)
from .twilio_state import (ACCOUNT_SUBRESOURCES, CALL_FINAL, CALL_SUBRESOURCES,
                           DEFAULT_AVAILABLE, METHOD_FIELDS, NUMBER_FIELDS, POOL_TYPES,
                           TwilioState, format_friendly)
from .vapi_state import (ASSISTANT_FIELDS, CALL_CREATE_FIELDS, PN_SECRET_FIELDS,
                         TWILIO_PN_FIELDS, VapiState)
from .faults import FAULT_KINDS, FaultTable
from .request_log import RequestLog
from .webhooks import WebhookSender, twilio_signature
from .request import Request
from .twilio_api import KEYPAD, METHOD_VALUES, TwilioApi, bool_param, page_params, twilio_page
from .vapi_api import VapiApi
from .control import ControlApi
from .sandbox import Sandbox
from .server import Handler, SandboxServer
from .cli import main
from .smtp_sink import SmtpSink

__all__ = [
    "ALNUM", "CLOCK", "E164", "MAX_BODY", "SECRET_NAME", "TWILIO_API", "UUID_RE", "Clock",
    "iso_ms", "iso_s", "new_sid", "parse_iso", "path_matches", "provider_of", "redact",
    "rfc2822",
    "REASONS", "ApiError", "twilio_auth_error", "twilio_error", "twilio_not_found",
    "vapi_auth_error", "vapi_error",
    "ACCOUNT_SUBRESOURCES", "CALL_FINAL", "CALL_SUBRESOURCES", "DEFAULT_AVAILABLE",
    "METHOD_FIELDS", "NUMBER_FIELDS", "POOL_TYPES", "TwilioState", "format_friendly",
    "ASSISTANT_FIELDS", "CALL_CREATE_FIELDS", "PN_SECRET_FIELDS", "TWILIO_PN_FIELDS",
    "VapiState",
    "FAULT_KINDS", "FaultTable",
    "RequestLog",
    "WebhookSender", "twilio_signature",
    "Request",
    "KEYPAD", "METHOD_VALUES", "TwilioApi", "bool_param", "page_params", "twilio_page",
    "VapiApi",
    "ControlApi",
    "Sandbox",
    "Handler", "SandboxServer",
    "main",
    "SmtpSink",
]
