#!/usr/bin/env python3
"""voiceops_sandbox -- a local, stateful emulation of the parts of the Twilio and
Vapi REST APIs that libvoiceops uses (in the spirit of stripe-mock).

Standard library only (Python 3.11).  Run it as a program:

    python3 tools/sandbox/voiceops_sandbox.py [--host 127.0.0.1] [--port 0] [--port-file PATH]

or import it:

    from voiceops_sandbox import SandboxServer
    srv = SandboxServer(("127.0.0.1", 0)); srv.start_background(); ...; srv.stop()

Sections of this file:
  1. helpers (ids, dates, errors, redaction)
  2. TwilioState   -- accounts, keys, auth tokens, numbers, calls, messages
  3. VapiState     -- orgs (API keys), assistants, calls, phone numbers
  4. FaultTable    -- fault injection
  5. RequestLog    -- what the clients sent, for assertions
  6. WebhookSender -- signed Twilio / Vapi webhooks to a target URL
  7. Request parsing, Twilio paging; TwilioApi / VapiApi / ControlApi routes;
     Sandbox (state + dispatcher)
  8. HTTP handler (faults, request log, keep-alive), SandboxServer, CLI
"""

from __future__ import annotations

import argparse
import base64
import collections
import datetime as _dt
import email.utils
import hashlib
import hmac
import http.server
import ipaddress
import json
import re
import secrets
import string
import signal
import socket
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

MAX_BODY = 1024 * 1024  # 1 MiB
TWILIO_API = "/2010-04-01"

# ---------------------------------------------------------------------------
# 1. helpers
# ---------------------------------------------------------------------------


def _hex32() -> str:
    return secrets.token_hex(16)


# API key secrets are 32 letters and digits, like Twilio's.
ALNUM = string.ascii_letters + string.digits


def new_sid(prefix: str) -> str:
    return prefix + _hex32()


class Clock:
    """Strictly increasing UTC timestamps (>= 1 ms apart) so that createdAt
    windows and sort orders are deterministic even for fast test loops."""

    def __init__(self):
        self._last = None
        self._lock = threading.Lock()

    def now(self) -> _dt.datetime:
        with self._lock:
            t = _dt.datetime.now(_dt.timezone.utc)
            t = t.replace(microsecond=t.microsecond // 1000 * 1000)
            if self._last is not None and t <= self._last:
                t = self._last + _dt.timedelta(milliseconds=1)
            self._last = t
            return t


CLOCK = Clock()


def rfc2822(t: _dt.datetime | None) -> str | None:
    if t is None:
        return None
    return email.utils.format_datetime(t.astimezone(_dt.timezone.utc).replace(microsecond=0))


def iso_ms(t: _dt.datetime | None) -> str | None:
    if t is None:
        return None
    t = t.astimezone(_dt.timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (t.microsecond // 1000)


def iso_s(t: _dt.datetime) -> str:
    return t.astimezone(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(s: str) -> _dt.datetime:
    s = s.strip()
    if s.endswith("Z") or s.endswith("z"):
        s = s[:-1] + "+00:00"
    t = _dt.datetime.fromisoformat(s)
    if t.tzinfo is None:
        t = t.replace(tzinfo=_dt.timezone.utc)
    return t


E164 = re.compile(r"^\+[1-9]\d{1,14}$")
UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


class ApiError(Exception):
    """An HTTP error response, already shaped like the provider's."""

    def __init__(self, status: int, body, headers=None):
        super().__init__(status)
        self.status = status
        self.body = body
        self.headers = headers or {}


REASONS = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
           405: "Method Not Allowed", 409: "Conflict", 413: "Payload Too Large",
           422: "Unprocessable Entity", 429: "Too Many Requests",
           500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable",
           504: "Gateway Timeout"}


def twilio_error(status: int, code: int, message: str, headers=None) -> ApiError:
    return ApiError(status, {"code": code, "message": message,
                             "more_info": "https://www.twilio.com/docs/errors/%d" % code,
                             "status": status}, headers)


def twilio_not_found(path: str) -> ApiError:
    return twilio_error(404, 20404, "The requested resource %s was not found" % path)


def twilio_auth_error() -> ApiError:
    return twilio_error(401, 20003, "Authenticate",
                        {"WWW-Authenticate": 'Basic realm="Twilio API"'})


def vapi_error(status: int, message, headers=None) -> ApiError:
    return ApiError(status, {"statusCode": status, "message": message,
                             "error": REASONS.get(status, "Error")}, headers)


def vapi_auth_error() -> ApiError:
    return vapi_error(401, "Invalid Key. Hot tip, you may be using the private key instead of "
                           "the public key, or vice versa.")


SECRET_NAME = re.compile(r"token|secret|password|passwd|authorization|api_?key|private_?key", re.I)


def redact(obj):
    """Copy of obj with secret-looking fields replaced by "[REDACTED]"."""
    if isinstance(obj, dict):
        out = {}
        for k, v in obj.items():
            if isinstance(k, str) and SECRET_NAME.search(k) and not isinstance(v, (dict, list)):
                out[k] = "[REDACTED]" if v is not None else None
            elif isinstance(k, str) and SECRET_NAME.search(k) and isinstance(v, list) \
                    and all(not isinstance(x, (dict, list)) for x in v):
                out[k] = ["[REDACTED]" for _ in v]
            else:
                out[k] = redact(v)
        return out
    if isinstance(obj, list):
        return [redact(x) for x in obj]
    return obj


def provider_of(path: str) -> str:
    if path.startswith(TWILIO_API + "/") or path == TWILIO_API or path.startswith("/v1/"):
        return "twilio"
    return "vapi"


def path_matches(pattern: str, path: str) -> bool:
    if pattern.endswith("*"):
        return path.startswith(pattern[:-1])
    return path == pattern


# ---------------------------------------------------------------------------
# 2. Twilio state
# ---------------------------------------------------------------------------

DEFAULT_AVAILABLE = [
    # (country, type, number, region, locality, postal, lata, rate_center, lat, long)
    ("US", "Local", "+14155550100", "CA", "San Francisco", "94103", "722", "SNFC CNTRL", 37.77, -122.41),
    ("US", "Local", "+14155550101", "CA", "San Francisco", "94103", "722", "SNFC CNTRL", 37.77, -122.41),
    ("US", "Local", "+14155550102", "CA", "San Francisco", "94105", "722", "SNFC CNTRL", 37.79, -122.39),
    ("US", "Local", "+14155550103", "CA", "San Francisco", "94107", "722", "SNFC CNTRL", 37.76, -122.40),
    ("US", "Local", "+15105550100", "CA", "Oakland", "94612", "722", "OKLD", 37.80, -122.27),
    ("US", "Local", "+12125550100", "NY", "New York", "10001", "132", "NWYRCYZN01", 40.75, -73.99),
    ("US", "Local", "+12125550101", "NY", "New York", "10001", "132", "NWYRCYZN01", 40.75, -73.99),
    ("US", "Local", "+13125550100", "IL", "Chicago", "60601", "358", "CHCG", 41.88, -87.62),
    ("US", "Local", "+15125550100", "TX", "Austin", "78701", "558", "AUSTIN", 30.27, -97.74),
    ("US", "Local", "+12065550100", "WA", "Seattle", "98101", "674", "SEATTLE", 47.61, -122.33),
    ("US", "TollFree", "+18005550100", None, None, None, None, None, None, None),
    ("US", "TollFree", "+18005550101", None, None, None, None, None, None, None),
    ("US", "TollFree", "+18885550100", None, None, None, None, None, None, None),
    ("US", "TollFree", "+18775550100", None, None, None, None, None, None, None),
    ("GB", "Local", "+442079460100", "London", "London", None, None, None, 51.50, -0.12),
    ("GB", "Mobile", "+447700900100", None, None, None, None, None, None, None),
    ("GB", "Mobile", "+447700900101", None, None, None, None, None, None, None),
]

ACCOUNT_SUBRESOURCES = {
    "addresses": "Addresses", "conferences": "Conferences", "signing_keys": "SigningKeys",
    "transcriptions": "Transcriptions", "connect_apps": "ConnectApps", "sip": "SIP",
    "authorized_connect_apps": "AuthorizedConnectApps", "usage": "Usage", "keys": "Keys",
    "applications": "Applications", "recordings": "Recordings", "short_codes": "SMS/ShortCodes",
    "calls": "Calls", "notifications": "Notifications",
    "incoming_phone_numbers": "IncomingPhoneNumbers", "queues": "Queues", "messages": "Messages",
    "outgoing_caller_ids": "OutgoingCallerIds", "available_phone_numbers": "AvailablePhoneNumbers",
    "balance": "Balance",
}
CALL_SUBRESOURCES = {
    "feedback": "Feedback", "notifications": "Notifications", "recordings": "Recordings",
    "streams": "Streams", "payments": "Payments", "user_defined_message_subscriptions":
    "UserDefinedMessageSubscriptions", "user_defined_messages": "UserDefinedMessages",
    "events": "Events", "siprec": "Siprec", "transcriptions": "Transcriptions",
}

NUMBER_FIELDS = {  # form parameter -> resource field (IncomingPhoneNumber update/create)
    "ApiVersion": "api_version", "FriendlyName": "friendly_name",
    "SmsApplicationSid": "sms_application_sid", "SmsFallbackMethod": "sms_fallback_method",
    "SmsFallbackUrl": "sms_fallback_url", "SmsMethod": "sms_method", "SmsUrl": "sms_url",
    "StatusCallback": "status_callback", "StatusCallbackMethod": "status_callback_method",
    "VoiceApplicationSid": "voice_application_sid", "VoiceCallerIdLookup": "voice_caller_id_lookup",
    "VoiceFallbackMethod": "voice_fallback_method", "VoiceFallbackUrl": "voice_fallback_url",
    "VoiceMethod": "voice_method", "VoiceUrl": "voice_url", "EmergencyStatus": "emergency_status",
    "EmergencyAddressSid": "emergency_address_sid", "TrunkSid": "trunk_sid",
    "IdentitySid": "identity_sid", "AddressSid": "address_sid",
    "VoiceReceiveMode": "voice_receive_mode", "BundleSid": "bundle_sid",
}
METHOD_FIELDS = {"sms_fallback_method", "sms_method", "status_callback_method",
                 "voice_fallback_method", "voice_method"}


class TwilioState:
    """All Twilio data.  Callers hold Sandbox.lock."""

    def __init__(self):
        self.accounts: dict[str, dict] = {}
        self.keys: dict[str, dict] = {}          # SK sid -> key (with account_sid, secret)
        self.numbers: dict[str, dict] = {}       # PN sid -> incoming number (insertion order)
        self.calls: dict[str, dict] = {}         # CA sid -> call
        self.messages: dict[str, dict] = {}      # SM/MM sid -> message
        self.available: list[dict] = []
        for row in DEFAULT_AVAILABLE:
            self.add_available(*row)

    # -- accounts ---------------------------------------------------------
    def create_account(self, sid=None, auth_token=None, friendly_name=None, owner=None,
                       status="active", type_="Full"):
        sid = sid or new_sid("AC")
        if sid in self.accounts:
            raise ValueError("account %s already exists" % sid)
        now = CLOCK.now()
        acct = {"sid": sid, "auth_token": auth_token or _hex32(), "secondary_auth_token": None,
                "secondary_created": None, "friendly_name": friendly_name or (
                    "SubAccount Created at %s" % rfc2822(now) if owner else "My first Twilio account"),
                "owner_account_sid": owner or sid, "status": status, "type": type_,
                "date_created": now, "date_updated": now}
        self.accounts[sid] = acct
        return acct

    def account_json(self, a):
        base = "%s/Accounts/%s" % (TWILIO_API, a["sid"])
        return {"auth_token": a["auth_token"], "date_created": rfc2822(a["date_created"]),
                "date_updated": rfc2822(a["date_updated"]), "friendly_name": a["friendly_name"],
                "owner_account_sid": a["owner_account_sid"], "sid": a["sid"],
                "status": a["status"], "type": a["type"],
                "subresource_uris": {k: "%s/%s.json" % (base, v)
                                     for k, v in ACCOUNT_SUBRESOURCES.items()},
                "uri": base + ".json"}

    def authenticate(self, user, password):
        """Return the account dict the credentials act for, or None."""
        if user is None or password is None:
            return None
        if user.startswith("AC"):
            a = self.accounts.get(user)
            if a and a["status"] != "closed":
                for tok in (a["auth_token"], a["secondary_auth_token"]):
                    if tok and hmac.compare_digest(tok, password):
                        return a
            return None
        if user.startswith("SK"):
            k = self.keys.get(user)
            if k and hmac.compare_digest(k["secret"], password):
                a = self.accounts.get(k["account_sid"])
                if a and a["status"] != "closed":
                    return a
        return None

    def can_access(self, acct, sid):
        target = self.accounts.get(sid)
        if target is None:
            return False
        return target["sid"] == acct["sid"] or target["owner_account_sid"] == acct["sid"]

    # -- keys -------------------------------------------------------------
    def create_key(self, account_sid, friendly_name=None, sid=None, secret=None):
        now = CLOCK.now()
        k = {"sid": sid or new_sid("SK"), "account_sid": account_sid,
             "secret": secret or "".join(secrets.choice(ALNUM) for _ in range(32)),
             "friendly_name": friendly_name, "date_created": now, "date_updated": now}
        self.keys[k["sid"]] = k
        return k

    @staticmethod
    def key_json(k, with_secret=False):
        out = {"sid": k["sid"], "friendly_name": k["friendly_name"],
               "date_created": rfc2822(k["date_created"]),
               "date_updated": rfc2822(k["date_updated"])}
        if with_secret:
            out["secret"] = k["secret"]
        return out

    # -- numbers ----------------------------------------------------------
    def add_available(self, country, type_, number, region=None, locality=None, postal=None,
                      lata=None, rate_center=None, lat=None, lon=None, capabilities=None,
                      friendly_name=None, beta=False, address_requirements="none"):
        caps = capabilities or {"voice": True, "sms": True, "mms": True,
                                "fax": type_ == "Local"}
        self.available.append({
            "_country": country.upper(), "_type": type_,
            "friendly_name": friendly_name or format_friendly(number),
            "phone_number": number, "lata": lata, "locality": locality,
            "rate_center": rate_center, "latitude": lat, "longitude": lon, "region": region,
            "postal_code": postal, "iso_country": country.upper(),
            "address_requirements": address_requirements, "beta": beta,
            "capabilities": dict(caps)})

    @staticmethod
    def available_json(a):
        return {k: v for k, v in a.items() if not k.startswith("_")}

    def number_owned(self, phone_number):
        return any(n["phone_number"] == phone_number for n in self.numbers.values())

    def create_number(self, account_sid, phone_number, friendly_name=None, capabilities=None,
                      origin="twilio", type_="local", extra=None, pool=None):
        now = CLOCK.now()
        sid = new_sid("PN")
        n = {"account_sid": account_sid, "address_sid": None, "address_requirements": "none",
             "api_version": "2010-04-01", "beta": False,
             "capabilities": dict(capabilities or {"voice": True, "sms": True, "mms": True,
                                                   "fax": False}),
             "date_created": now, "date_updated": now,
             "friendly_name": friendly_name or format_friendly(phone_number),
             "identity_sid": None, "phone_number": phone_number, "origin": origin, "sid": sid,
             "sms_application_sid": "", "sms_fallback_method": "POST", "sms_fallback_url": "",
             "sms_method": "POST", "sms_url": "", "status_callback": "",
             "status_callback_method": "POST", "trunk_sid": None, "voice_receive_mode": "voice",
             "voice_application_sid": None, "voice_caller_id_lookup": False,
             "voice_fallback_method": "POST", "voice_fallback_url": None, "voice_method": "POST",
             "voice_url": None, "emergency_status": "Inactive", "emergency_address_sid": None,
             "emergency_address_status": "unregistered", "bundle_sid": None,
             "status": "in-use", "type": type_, "_pool": pool}
        for k, v in (extra or {}).items():
            if k in n and not k.startswith("_") and k not in ("sid", "account_sid"):
                n[k] = v
        self.numbers[sid] = n
        return n

    @staticmethod
    def number_json(n):
        out = {k: v for k, v in n.items() if not k.startswith("_")}
        out["date_created"] = rfc2822(n["date_created"])
        out["date_updated"] = rfc2822(n["date_updated"])
        out["uri"] = "%s/Accounts/%s/IncomingPhoneNumbers/%s.json" % (
            TWILIO_API, n["account_sid"], n["sid"])
        return out

    # -- calls / messages ---------------------------------------------------
    def create_call(self, account_sid, to, from_, extra=None):
        now = CLOCK.now()
        sid = new_sid("CA")
        pn = next((n for n in self.numbers.values()
                   if n["account_sid"] == account_sid and n["phone_number"] == from_), None)
        c = {"sid": sid, "date_created": now, "date_updated": now, "parent_call_sid": None,
             "account_sid": account_sid, "to": to, "to_formatted": format_friendly(to),
             "from": from_, "from_formatted": format_friendly(from_),
             "phone_number_sid": pn["sid"] if pn else None, "status": "queued",
             "start_time": None, "end_time": None, "duration": None, "price": None,
             "price_unit": "USD", "direction": "outbound-api", "answered_by": None,
             "api_version": "2010-04-01", "forwarded_from": None, "group_sid": None,
             "caller_name": None, "queue_time": "0", "trunk_sid": None, "_params": extra or {}}
        self.calls[sid] = c
        return c

    @staticmethod
    def call_json(c):
        out = {k: v for k, v in c.items() if not k.startswith("_")}
        for k in ("date_created", "date_updated", "start_time", "end_time"):
            out[k] = rfc2822(c[k])
        base = "%s/Accounts/%s/Calls/%s" % (TWILIO_API, c["account_sid"], c["sid"])
        out["uri"] = base + ".json"
        out["subresource_uris"] = {k: "%s/%s.json" % (base, v) for k, v in CALL_SUBRESOURCES.items()}
        return out

    def set_call_status(self, c, status, duration=None):
        now = CLOCK.now()
        c["status"] = status
        c["date_updated"] = now
        if status in ("ringing", "in-progress") and c["start_time"] is None:
            c["start_time"] = now
        if status in ("completed", "busy", "failed", "no-answer", "canceled"):
            if c["end_time"] is None:
                c["end_time"] = now
            if c["start_time"] is None and status == "completed":
                c["start_time"] = now
            if duration is not None:
                c["duration"] = str(int(duration))
            elif c["duration"] is None:
                c["duration"] = str(int((c["end_time"] - (c["start_time"] or c["end_time"]))
                                        .total_seconds()))
        elif duration is not None:
            c["duration"] = str(int(duration))

    def create_message(self, account_sid, to, from_, body, media, service_sid, extra=None):
        now = CLOCK.now()
        sid = new_sid("MM" if media else "SM")
        segs = max(1, -(-len(body or "") // 160)) if body else (0 if media else 1)
        m = {"body": body or "", "num_segments": str(segs), "direction": "outbound-api",
             "from": from_, "to": to, "date_updated": now, "price": None,
             "error_message": None, "account_sid": account_sid, "num_media": str(len(media)),
             "status": "accepted" if (service_sid and not from_) else "queued",
             "messaging_service_sid": service_sid, "sid": sid, "date_sent": None,
             "date_created": now, "error_code": None, "price_unit": "USD",
             "api_version": "2010-04-01", "_media": list(media), "_params": extra or {}}
        self.messages[sid] = m
        return m

    @staticmethod
    def message_json(m):
        out = {k: v for k, v in m.items() if not k.startswith("_")}
        for k in ("date_created", "date_updated", "date_sent"):
            out[k] = rfc2822(m[k])
        base = "%s/Accounts/%s/Messages/%s" % (TWILIO_API, m["account_sid"], m["sid"])
        out["uri"] = base + ".json"
        out["subresource_uris"] = {"media": base + "/Media.json", "feedback": base + "/Feedback.json"}
        return out


def format_friendly(number):
    if not isinstance(number, str):
        return number
    m = re.match(r"^\+1(\d{3})(\d{3})(\d{4})$", number)
    if m:
        return "(%s) %s-%s" % m.groups()
    return number


# ---------------------------------------------------------------------------
# 3. Vapi state
# ---------------------------------------------------------------------------

ASSISTANT_FIELDS = [
    "transcriber", "model", "voice", "firstMessage", "firstMessageInterruptionsEnabled",
    "firstMessageMode", "voicemailDetection", "clientMessages", "serverMessages",
    "maxDurationSeconds", "backgroundSound", "modelOutputInMessagesEnabled",
    "transportConfigurations", "observabilityPlan", "credentials", "hooks", "name",
    "voicemailMessage", "endCallMessage", "endCallPhrases", "compliancePlan", "metadata",
    "backgroundSpeechDenoisingPlan", "analysisPlan", "artifactPlan", "startSpeakingPlan",
    "stopSpeakingPlan", "monitorPlan", "credentialIds", "server", "keypadInputPlan"]
CALL_CREATE_FIELDS = [
    "assistantVersion", "transport", "customers", "name", "schedulePlan", "assistantId",
    "assistant", "assistantOverrides", "squadId", "squad", "squadOverrides", "workflowId",
    "workflow", "workflowOverrides", "phoneNumberId", "phoneNumber", "customerId", "customer"]
TWILIO_PN_FIELDS = [
    "fallbackDestination", "hooks", "provider", "smsEnabled", "number", "twilioAccountSid",
    "twilioAuthToken", "twilioApiKey", "twilioApiSecret", "name", "assistantId", "workflowId",
    "squadId", "server"]
PN_SECRET_FIELDS = ("twilioAuthToken", "twilioApiSecret")


class VapiState:
    """All Vapi data, per org.  Callers hold Sandbox.lock."""

    def __init__(self):
        self.key_to_org: dict[str, str] = {}
        self.orgs: dict[str, dict] = {}

    def register_key(self, api_key=None, org_id=None):
        api_key = api_key or str(uuid.uuid4())
        org_id = org_id or self.key_to_org.get(api_key) or str(uuid.uuid4())
        self.key_to_org[api_key] = org_id
        self.orgs.setdefault(org_id, {"assistants": {}, "calls": {}, "phone_numbers": {}})
        return api_key, org_id

    def org_for(self, key):
        oid = self.key_to_org.get(key)
        return (oid, self.orgs[oid]) if oid else (None, None)


# ---------------------------------------------------------------------------
# 4. Faults
# ---------------------------------------------------------------------------

FAULT_KINDS = ("429", "500", "503", "delay", "drop", "drop_after_read", "malformed")


class FaultTable:
    def __init__(self):
        self.lock = threading.Lock()
        self.faults: list[dict] = []

    def add(self, spec: dict) -> dict:
        if not isinstance(spec, dict):
            raise ValueError("fault must be a JSON object")
        kind = str(spec.get("kind", ""))
        if kind not in FAULT_KINDS and not (kind.isdigit() and 400 <= int(kind) <= 599):
            raise ValueError("kind must be one of %s or an HTTP error status" % ", ".join(FAULT_KINDS))
        path = spec.get("path")
        if not isinstance(path, str) or not path.startswith("/"):
            raise ValueError("path must be a string starting with '/' (trailing '*' = prefix)")
        count = spec.get("count", 1)
        if not isinstance(count, int) or count < 1:
            raise ValueError("count must be a positive integer")
        method = spec.get("method")
        if method is not None and not isinstance(method, str):
            raise ValueError("method must be a string")
        delay_ms = spec.get("delay_ms", 1000 if kind == "delay" else 0)
        if not isinstance(delay_ms, (int, float)) or delay_ms < 0 or delay_ms > 600000:
            raise ValueError("delay_ms must be a number of milliseconds (0..600000)")
        retry_after = spec.get("retry_after")
        if retry_after is not None:
            retry_after = str(retry_after)
        skip = spec.get("skip", 0)
        if not isinstance(skip, int) or isinstance(skip, bool) or skip < 0:
            raise ValueError("skip must be a non-negative integer")
        f = {"id": uuid.uuid4().hex[:12], "path": path,
             "method": method.upper() if method else None, "count": count, "kind": kind,
             "retry_after": retry_after, "delay_ms": delay_ms, "skip": skip}
        with self.lock:
            self.faults.append(f)
        return dict(f)

    def take(self, method: str, path: str):
        with self.lock:
            for f in self.faults:
                if (f["method"] is None or f["method"] == method) and path_matches(f["path"], path):
                    if f["skip"] > 0:  # let this many matching requests through first
                        f["skip"] -= 1
                        return None
                    f["count"] -= 1
                    if f["count"] <= 0:
                        self.faults.remove(f)
                    return dict(f)
        return None

    def list(self):
        with self.lock:
            return [dict(f) for f in self.faults]

    def clear(self):
        with self.lock:
            self.faults.clear()


# ---------------------------------------------------------------------------
# 5. Request log
# ---------------------------------------------------------------------------

class RequestLog:
    def __init__(self, limit=20000):
        self.lock = threading.Lock()
        self.entries = collections.deque(maxlen=limit)

    def add(self, entry: dict):
        with self.lock:
            self.entries.append(entry)

    def query(self, method=None, path=None):
        with self.lock:
            items = list(self.entries)
        out = []
        for e in items:
            if method and e["method"] != method.upper():
                continue
            if path and not path_matches(path, e["path"]):
                continue
            out.append(e)
        return out

    def clear(self):
        with self.lock:
            self.entries.clear()


# ---------------------------------------------------------------------------
# 6. Webhook sender
# ---------------------------------------------------------------------------

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


class WebhookSender:
    """Builds and posts webhooks signed the way Twilio / Vapi sign them."""

    def __init__(self, timeout=15.0):
        self.timeout = timeout

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
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                return resp.status, resp.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode("utf-8", "replace")


# ---------------------------------------------------------------------------
# 7a. Request context and small parsing helpers
# ---------------------------------------------------------------------------

class Request:
    def __init__(self, method, path, query, headers, body, base_url):
        self.method = method
        self.path = path
        self.query = query            # dict name -> [values]
        self.headers = headers
        self.body = body
        self.base_url = base_url
        self.content_type = (headers.get("Content-Type") or "").split(";")[0].strip().lower() or None
        self.form = None
        self.json = None
        self.auth_kind = None
        self.auth_user = None
        self._basic = None
        self._bearer = None
        auth = headers.get("Authorization") or ""
        if auth[:6].lower() == "basic ":
            self.auth_kind = "basic"
            try:
                raw = base64.b64decode(auth[6:].strip(), validate=True).decode("utf-8")
                user, _, pw = raw.partition(":")
                self._basic = (user, pw)
                self.auth_user = user
            except Exception:
                self._basic = None
        elif auth[:7].lower() == "bearer ":
            self.auth_kind = "bearer"
            self._bearer = auth[7:].strip()

    def q1(self, name, default=None):
        v = self.query.get(name)
        return v[0] if v else default

    def f1(self, name, default=None):
        v = (self.form or {}).get(name)
        return v[0] if v else default

    def parse_form(self):
        """Twilio: form-encoded body -> dict of lists (raises twilio 400 on bad input)."""
        if self.form is not None:
            return self.form
        if not self.body:
            self.form = {}
            return self.form
        if self.content_type not in (None, "application/x-www-form-urlencoded"):
            self.form = {}
            return self.form
        try:
            text = self.body.decode("utf-8")
            self.form = urllib.parse.parse_qs(text, keep_blank_values=True,
                                              strict_parsing=False, errors="strict")
        except (UnicodeDecodeError, ValueError):
            raise twilio_error(400, 20001, "Invalid request body: not valid "
                                           "application/x-www-form-urlencoded UTF-8")
        return self.form

    def parse_json(self):
        """Vapi: JSON object body (raises vapi 400 on bad input)."""
        if self.json is not None:
            return self.json
        if not self.body:
            self.json = {}
            return self.json
        try:
            self.json = json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as e:
            raise vapi_error(400, "Unexpected token in JSON: %s" % e)
        if not isinstance(self.json, dict):
            raise vapi_error(400, ["request body must be a JSON object"])
        return self.json


def page_params(req):
    """Twilio PageSize / Page / PageToken."""
    try:
        size = int(req.q1("PageSize", "50"))
        page = int(req.q1("Page", "0"))
    except ValueError:
        raise twilio_error(400, 20001, "PageSize and Page must be integers")
    if size < 1:
        raise twilio_error(400, 20001, "PageSize must be at least 1")
    if page < 0:
        raise twilio_error(400, 20001, "Page must be >= 0")
    return min(size, 1000), page, req.q1("PageToken")


def twilio_page(req, items, key, filters):
    """Twilio paging envelope.  items: list of (sid, json) in list order."""
    size, page, token = page_params(req)
    start = page * size
    if token and token.startswith("PA"):
        after = token[2:]
        for i, (sid, _) in enumerate(items):
            if sid == after:
                start = i + 1
                break
    chunk = items[start:start + size]
    base = req.path
    fq = [(k, v) for k, v in filters if v is not None]

    def uri(p, extra=()):
        return base + "?" + urllib.parse.urlencode(fq + [("PageSize", size), ("Page", p)] + list(extra))

    has_next = start + size < len(items)
    env = {
        "first_page_uri": uri(0),
        "end": start + len(chunk) - 1 if chunk else start,
        "previous_page_uri": uri(page - 1) if page > 0 else None,
        "uri": uri(page, [("PageToken", token)] if token else []),
        "page_size": size,
        "start": start,
        "next_page_uri": uri(page + 1, [("PageToken", "PA" + chunk[-1][0])]) if has_next and chunk else None,
        "page": page,
        key: [j for _, j in chunk],
    }
    if not chunk:
        env["end"] = start - 1 if start > 0 else 0
    return env


def bool_param(v):
    if v is None:
        return None
    return str(v).strip().lower() in ("true", "1", "yes")


# ---------------------------------------------------------------------------
# 7b. API routes: TwilioApi, VapiApi, ControlApi (mixed into Sandbox)
# ---------------------------------------------------------------------------

METHOD_VALUES = ("GET", "POST")
CALL_FINAL = ("completed", "busy", "failed", "no-answer", "canceled")
KEYPAD = {c: d for d, cs in {"2": "ABC", "3": "DEF", "4": "GHI", "5": "JKL", "6": "MNO",
                             "7": "PQRS", "8": "TUV", "9": "WXYZ"}.items() for c in cs}
POOL_TYPES = {"Local": "local", "TollFree": "toll-free", "Mobile": "mobile"}


def _valid_call_party(v):
    return bool(E164.match(v)) or v.startswith("client:") or v.startswith("sip:")


def _date_param(req, name):
    v = req.q1(name)
    if v is None:
        return None
    try:
        return _dt.date.fromisoformat(v[:10])
    except ValueError:
        raise twilio_error(400, 20001, "%s must be a date in YYYY-MM-DD format" % name)


def _date_filter(req, name, value: _dt.datetime | None):
    """Twilio date filters: Name=, Name<=, Name>= (sent as 'Name<' / 'Name>')."""
    d = value.date() if value else None
    for suffix, op in (("", lambda a, b: a == b), ("<", lambda a, b: a <= b),
                       (">", lambda a, b: a >= b)):
        want = _date_param(req, name + suffix)
        if want is not None and (d is None or not op(d, want)):
            return False
    return True


class TwilioApi:
    """Twilio REST routes (2010-04-01 and Accounts v1).  Called with Sandbox.lock held."""

    # -- Twilio: accounts -------------------------------------------------
    def tw_accounts_list(self, req, auth, target):
        items = [auth] + [a for a in self.twilio.accounts.values()
                          if a["owner_account_sid"] == auth["sid"] and a["sid"] != auth["sid"]]
        fn, st = req.q1("FriendlyName"), req.q1("Status")
        items = [a for a in items if (fn is None or a["friendly_name"] == fn)
                 and (st is None or a["status"] == st)]
        return 200, twilio_page(req, [(a["sid"], self.twilio.account_json(a)) for a in items],
                                "accounts", [("FriendlyName", fn), ("Status", st)])

    def tw_accounts_create(self, req, auth, target):
        req.parse_form()
        if auth["owner_account_sid"] != auth["sid"]:
            raise twilio_error(403, 20008, "Cannot create subaccounts from a subaccount")
        a = self.twilio.create_account(friendly_name=req.f1("FriendlyName"), owner=auth["sid"])
        return 201, self.twilio.account_json(a)

    def tw_account_fetch(self, req, auth, target):
        return 200, self.twilio.account_json(target)

    def tw_account_update(self, req, auth, target):
        req.parse_form()
        st = req.f1("Status")
        if st is not None:
            if st not in ("active", "suspended", "closed"):
                raise twilio_error(400, 20001, "Status must be one of active, suspended, closed")
            if target["sid"] == auth["sid"] and target["owner_account_sid"] == target["sid"]:
                raise twilio_error(400, 20001, "An account cannot change its own status")
            target["status"] = st
        if req.f1("FriendlyName") is not None:
            target["friendly_name"] = req.f1("FriendlyName")
        target["date_updated"] = CLOCK.now()
        return 200, self.twilio.account_json(target)

    # -- Twilio: incoming phone numbers -----------------------------------
    def _number(self, req, target, sid):
        n = self.twilio.numbers.get(sid)
        if n is None or n["account_sid"] != target["sid"]:
            raise twilio_not_found(req.path)
        return n

    def tw_numbers_list(self, req, auth, target):
        pn, fn = req.q1("PhoneNumber"), req.q1("FriendlyName")
        origin, beta = req.q1("Origin"), req.q1("Beta")
        out = []
        for n in self.twilio.numbers.values():
            if n["account_sid"] != target["sid"]:
                continue
            if pn is not None:
                digits = re.sub(r"[^0-9*]", "", pn)
                pat = re.escape(digits).replace(r"\*", ".")
                if n["phone_number"] != pn and not (digits and re.search(pat, n["phone_number"])):
                    continue
            if fn is not None and n["friendly_name"] != fn:
                continue
            if origin is not None and n["origin"] != origin:
                continue
            if beta is not None and not bool_param(beta) and n["beta"]:
                continue
            out.append((n["sid"], self.twilio.number_json(n)))
        return 200, twilio_page(req, out, "incoming_phone_numbers",
                                [("PhoneNumber", pn), ("FriendlyName", fn), ("Origin", origin),
                                 ("Beta", beta)])

    def _apply_number_fields(self, n, form):
        for param, field in NUMBER_FIELDS.items():
            if param not in form:
                continue
            v = form[param][0]
            if field in METHOD_FIELDS:
                v = v.upper()
                if v not in METHOD_VALUES:
                    raise twilio_error(400, 20001,
                                       "%s must be GET or POST" % param)
            if field == "voice_caller_id_lookup":
                v = bool_param(v)
            n[field] = v

    def tw_numbers_buy(self, req, auth, target):
        form = req.parse_form()
        pn, ac = req.f1("PhoneNumber"), req.f1("AreaCode")
        pool = self.twilio.available
        if pn:
            if not E164.match(pn):
                raise twilio_error(400, 21421, "PhoneNumber is invalid")
            entry = next((a for a in pool if a["phone_number"] == pn), None)
            if entry is None or self.twilio.number_owned(pn):
                raise twilio_error(400, 21422, "PhoneNumber %s is not available" % pn)
        elif ac:
            entry = next((a for a in pool if a["phone_number"].startswith("+1" + ac)
                          and not self.twilio.number_owned(a["phone_number"])), None)
            if entry is None:
                raise twilio_error(400, 21452, "No phone numbers found in area code %s" % ac)
        else:
            raise twilio_error(400, 21450, "A PhoneNumber or AreaCode is required")
        tmp = {}
        self._apply_number_fields(tmp, form)
        pool.remove(entry)
        n = self.twilio.create_number(target["sid"], entry["phone_number"],
                                      capabilities=entry["capabilities"],
                                      type_=POOL_TYPES.get(entry["_type"], "local"),
                                      pool=dict(entry))
        n.update(tmp)
        if "friendly_name" not in tmp:
            n["friendly_name"] = entry["friendly_name"]
        return 201, self.twilio.number_json(n)

    def tw_number_fetch(self, req, auth, target, sid):
        return 200, self.twilio.number_json(self._number(req, target, sid))

    def tw_number_update(self, req, auth, target, sid):
        form = req.parse_form()
        n = self._number(req, target, sid)
        tmp = {}
        self._apply_number_fields(tmp, form)
        new_acct = req.f1("AccountSid")
        if new_acct is not None and new_acct != n["account_sid"]:
            if not self.twilio.can_access(auth, new_acct):
                raise twilio_error(400, 20001, "AccountSid %s is not accessible" % new_acct)
            n["account_sid"] = new_acct
        n.update(tmp)
        n["date_updated"] = CLOCK.now()
        return 200, self.twilio.number_json(n)

    def tw_number_delete(self, req, auth, target, sid):
        n = self._number(req, target, sid)
        del self.twilio.numbers[sid]
        if n.get("_pool"):
            self.twilio.available.append(n["_pool"])
        return 204, None

    def tw_available(self, req, auth, target, cc, type):
        cc = cc.upper()
        if type not in POOL_TYPES:
            raise twilio_not_found(req.path)
        if not any(a["_country"] == cc for a in self.twilio.available) and \
                cc not in ("US", "CA", "GB"):
            raise twilio_not_found(req.path)
        area, contains = req.q1("AreaCode"), req.q1("Contains")
        flt = {"SmsEnabled": "sms", "MmsEnabled": "mms", "VoiceEnabled": "voice",
               "FaxEnabled": "fax"}
        where = {"InRegion": "region", "InPostalCode": "postal_code", "InLocality": "locality",
                 "InRateCenter": "rate_center", "InLata": "lata"}
        pat = None
        if contains:
            digits = "".join(KEYPAD.get(ch.upper(), ch) for ch in contains)
            if not re.fullmatch(r"[0-9*+]+", digits):
                raise twilio_error(400, 20001, "Contains must contain digits, letters or '*'")
            pat = re.compile(re.escape(digits.lstrip("+")).replace(r"\*", "[0-9]"))
        out = []
        for a in self.twilio.available:
            if a["_country"] != cc or a["_type"] != type:
                continue
            if self.twilio.number_owned(a["phone_number"]):
                continue
            if area and not (cc in ("US", "CA") and a["phone_number"][2:5] == area):
                continue
            if pat and not pat.search(a["phone_number"].lstrip("+")):
                continue
            skip = False
            for p, cap in flt.items():
                want = bool_param(req.q1(p))
                if want is not None and bool(a["capabilities"].get(cap)) != want:
                    skip = True
            for p, field in where.items():
                want = req.q1(p)
                if want is not None and (a.get(field) or "").lower() != want.lower():
                    skip = True
            if req.q1("Beta") is not None and not bool_param(req.q1("Beta")) and a["beta"]:
                skip = True
            if not skip:
                out.append((a["phone_number"], self.twilio.available_json(a)))
        filters = [(k, req.q1(k)) for k in ["AreaCode", "Contains"] + list(flt) + list(where)
                   + ["Beta"]]
        return 200, twilio_page(req, out, "available_phone_numbers", filters)

    # -- Twilio: calls ----------------------------------------------------
    def _call(self, req, target, sid):
        c = self.twilio.calls.get(sid)
        if c is None or c["account_sid"] != target["sid"]:
            raise twilio_not_found(req.path)
        return c

    def tw_calls_create(self, req, auth, target):
        form = req.parse_form()
        to, frm = req.f1("To"), req.f1("From")
        if not to:
            raise twilio_error(400, 21201, "No 'To' number is specified")
        if not frm:
            raise twilio_error(400, 21213, "No 'From' number is specified")
        if not _valid_call_party(to):
            raise twilio_error(400, 21211, "Invalid 'To' Phone Number: %s" % to)
        if not _valid_call_party(frm):
            raise twilio_error(400, 21212, "Invalid 'From' Phone Number: %s" % frm)
        given = [k for k in ("Url", "Twiml", "ApplicationSid") if req.f1(k)]
        if not given:
            raise twilio_error(400, 21205, "Url parameter is required.")
        if len(given) > 1:
            raise twilio_error(400, 21205, "Only one of Url, Twiml or ApplicationSid "
                                           "may be specified (got %s)" % ", ".join(given))
        for p in ("Method", "FallbackMethod", "StatusCallbackMethod"):
            v = req.f1(p)
            if v is not None and v.upper() not in METHOD_VALUES:
                raise twilio_error(400, 20001, "%s must be GET or POST" % p)
        for ev in form.get("StatusCallbackEvent", []):
            for e in ev.split():
                if e not in ("initiated", "ringing", "answered", "completed"):
                    raise twilio_error(400, 20001, "Invalid StatusCallbackEvent: %s" % e)
        tmo = req.f1("Timeout")
        if tmo is not None:
            try:
                tv = int(tmo)
            except ValueError:
                raise twilio_error(400, 20001, "Timeout must be an integer")
            if not 1 <= tv <= 600:
                raise twilio_error(400, 20001, "Timeout must be between 1 and 600")
        md = req.f1("MachineDetection")
        if md is not None and md not in ("Enable", "DetectMessageEnd"):
            raise twilio_error(400, 20001, "MachineDetection must be Enable or DetectMessageEnd")
        params = redact({k: (v if len(v) > 1 else v[0]) for k, v in form.items()})
        c = self.twilio.create_call(target["sid"], to, frm, params)
        return 201, self.twilio.call_json(c)

    def tw_calls_list(self, req, auth, target):
        to, frm, st, parent = req.q1("To"), req.q1("From"), req.q1("Status"), req.q1("ParentCallSid")
        out = []
        for c in reversed(list(self.twilio.calls.values())):
            if c["account_sid"] != target["sid"]:
                continue
            if (to and c["to"] != to) or (frm and c["from"] != frm) or (st and c["status"] != st) \
                    or (parent and c["parent_call_sid"] != parent):
                continue
            if not _date_filter(req, "StartTime", c["start_time"] or c["date_created"]):
                continue
            if not _date_filter(req, "EndTime", c["end_time"]):
                continue
            out.append((c["sid"], self.twilio.call_json(c)))
        filters = [(k, req.q1(k)) for k in ("To", "From", "ParentCallSid", "Status", "StartTime",
                                            "StartTime<", "StartTime>", "EndTime", "EndTime<",
                                            "EndTime>")]
        return 200, twilio_page(req, out, "calls", filters)

    def tw_call_fetch(self, req, auth, target, sid):
        return 200, self.twilio.call_json(self._call(req, target, sid))

    def tw_call_update(self, req, auth, target, sid):
        req.parse_form()
        c = self._call(req, target, sid)
        st = req.f1("Status")
        if st is not None:
            if st not in ("completed", "canceled"):
                raise twilio_error(400, 21218, "Invalid value for Status: %s" % st)
            if st == "canceled" and c["status"] in ("queued", "ringing"):
                self.twilio.set_call_status(c, "canceled")
            elif st == "completed" and c["status"] not in CALL_FINAL:
                self.twilio.set_call_status(c, "completed")
        if req.f1("Url") or req.f1("Twiml"):
            if c["status"] in CALL_FINAL:
                raise twilio_error(400, 21220, "Call is not in-progress. Cannot redirect.")
            c["_params"]["Url" if req.f1("Url") else "Twiml"] = req.f1("Url") or req.f1("Twiml")
        c["date_updated"] = CLOCK.now()
        return 200, self.twilio.call_json(c)

    def tw_call_delete(self, req, auth, target, sid):
        self._call(req, target, sid)
        del self.twilio.calls[sid]
        return 204, None

    # -- Twilio: messages ---------------------------------------------------
    def _message(self, req, target, sid):
        m = self.twilio.messages.get(sid)
        if m is None or m["account_sid"] != target["sid"]:
            raise twilio_not_found(req.path)
        return m

    def tw_messages_create(self, req, auth, target):
        form = req.parse_form()
        to, frm, svc = req.f1("To"), req.f1("From"), req.f1("MessagingServiceSid")
        body, media = req.f1("Body"), [u for u in form.get("MediaUrl", []) if u]
        if not to:
            raise twilio_error(400, 21604, "A 'To' phone number is required.")
        if not frm and not svc:
            raise twilio_error(400, 21603, "A 'From' phone number is required.")
        if not body and not media and not req.f1("ContentSid"):
            raise twilio_error(400, 21602, "Message body is required.")
        if not (E164.match(to) or to.startswith("whatsapp:+") or to.startswith("messenger:")):
            raise twilio_error(400, 21211, "Invalid 'To' Phone Number: %s" % to)
        if frm and not (E164.match(frm) or frm.startswith("whatsapp:+") or frm.isalnum()):
            raise twilio_error(400, 21212, "Invalid From Number (caller ID): %s" % frm)
        if svc and not re.fullmatch(r"MG[0-9a-fA-F]{32}", svc):
            raise twilio_error(400, 21701, "The Messaging Service Sid %s is invalid." % svc)
        if body and len(body) > 1600:
            raise twilio_error(400, 21617, "The concatenated message body exceeds the 1600 "
                                           "character limit.")
        if len(media) > 10:
            raise twilio_error(400, 21623, "Too many media URLs (max 10).")
        params = redact({k: (v if len(v) > 1 else v[0]) for k, v in form.items()})
        m = self.twilio.create_message(target["sid"], to, frm, body, media, svc, params)
        return 201, self.twilio.message_json(m)

    def tw_messages_list(self, req, auth, target):
        to, frm = req.q1("To"), req.q1("From")
        out = []
        for m in reversed(list(self.twilio.messages.values())):
            if m["account_sid"] != target["sid"]:
                continue
            if (to and m["to"] != to) or (frm and m["from"] != frm):
                continue
            if not _date_filter(req, "DateSent", m["date_sent"] or m["date_created"]):
                continue
            out.append((m["sid"], self.twilio.message_json(m)))
        filters = [(k, req.q1(k)) for k in ("To", "From", "DateSent", "DateSent<", "DateSent>")]
        return 200, twilio_page(req, out, "messages", filters)

    def tw_message_fetch(self, req, auth, target, sid):
        return 200, self.twilio.message_json(self._message(req, target, sid))

    def tw_message_update(self, req, auth, target, sid):
        req.parse_form()
        m = self._message(req, target, sid)
        if req.f1("Body") is not None:
            if req.f1("Body") != "":
                raise twilio_error(400, 20001, "Body can only be updated to an empty string "
                                               "(redaction)")
            m["body"] = ""
        if req.f1("Status") is not None:
            if req.f1("Status") != "canceled" or m["status"] != "scheduled":
                raise twilio_error(400, 20001, "Only scheduled messages can be canceled")
            m["status"] = "canceled"
        m["date_updated"] = CLOCK.now()
        return 200, self.twilio.message_json(m)

    def tw_message_delete(self, req, auth, target, sid):
        self._message(req, target, sid)
        del self.twilio.messages[sid]
        return 204, None

    # -- Twilio: keys -------------------------------------------------------
    def _key(self, req, target, sid):
        k = self.twilio.keys.get(sid)
        if k is None or k["account_sid"] != target["sid"]:
            raise twilio_not_found(req.path)
        return k

    def tw_keys_list(self, req, auth, target):
        out = [(k["sid"], self.twilio.key_json(k)) for k in self.twilio.keys.values()
               if k["account_sid"] == target["sid"]]
        return 200, twilio_page(req, out, "keys", [])

    def tw_keys_create(self, req, auth, target):
        req.parse_form()
        fn = req.f1("FriendlyName")
        if fn is not None and len(fn) > 64:
            raise twilio_error(400, 20001, "FriendlyName must be at most 64 characters")
        k = self.twilio.create_key(target["sid"], friendly_name=fn)
        return 201, self.twilio.key_json(k, with_secret=True)

    def tw_key_fetch(self, req, auth, target, sid):
        return 200, self.twilio.key_json(self._key(req, target, sid))

    def tw_key_update(self, req, auth, target, sid):
        req.parse_form()
        k = self._key(req, target, sid)
        if req.f1("FriendlyName") is not None:
            k["friendly_name"] = req.f1("FriendlyName")
        k["date_updated"] = CLOCK.now()
        return 200, self.twilio.key_json(k)

    def tw_key_delete(self, req, auth, target, sid):
        self._key(req, target, sid)
        del self.twilio.keys[sid]
        return 204, None

    # -- Twilio Accounts v1: auth tokens ---------------------------------------
    def tw_secondary_create(self, req, auth, target):
        now = CLOCK.now()
        auth["secondary_auth_token"] = _hex32()
        auth["secondary_created"] = now
        return 201, {"account_sid": auth["sid"], "date_created": iso_s(now),
                     "date_updated": iso_s(now),
                     "secondary_auth_token": auth["secondary_auth_token"],
                     "url": req.base_url + "/v1/AuthTokens/Secondary"}

    def tw_secondary_delete(self, req, auth, target):
        if not auth["secondary_auth_token"]:
            raise twilio_not_found(req.path)
        auth["secondary_auth_token"] = None
        auth["secondary_created"] = None
        return 204, None

    def tw_promote(self, req, auth, target):
        if not auth["secondary_auth_token"]:
            raise twilio_error(400, 20001, "No secondary auth token exists to promote")
        now = CLOCK.now()
        auth["auth_token"] = auth["secondary_auth_token"]
        created = auth["secondary_created"] or now
        auth["secondary_auth_token"] = None
        auth["secondary_created"] = None
        auth["date_updated"] = now
        return 200, {"account_sid": auth["sid"], "auth_token": auth["auth_token"],
                     "date_created": iso_s(created), "date_updated": iso_s(now),
                     "url": req.base_url + "/v1/AuthTokens"}


class VapiApi:
    """Vapi REST routes.  Called with Sandbox.lock held."""

    # -- Vapi: common ----------------------------------------------------------
    @staticmethod
    def _vapi_json(obj):
        return {k: v for k, v in obj.items() if not k.startswith("_")}

    @staticmethod
    def _check_fields(body, allowed):
        bad = ["property %s should not exist" % k for k in body if k not in allowed]
        if bad:
            raise vapi_error(400, bad)

    @staticmethod
    def _vapi_id(id_):
        if not UUID_RE.match(id_):
            raise vapi_error(400, "Validation failed (uuid is expected)")
        return id_.lower()

    def _vapi_window(self, req, items, extra_filters=(), use_limit=True):
        """Vapi list semantics: createdAt/updatedAt Gt/Lt/Ge/Le, limit (default 100), newest first."""
        conds = []
        for field in ("createdAt", "updatedAt"):
            for suf, op in (("Gt", "__gt__"), ("Lt", "__lt__"), ("Ge", "__ge__"), ("Le", "__le__")):
                v = req.q1(field + suf)
                if v is None:
                    continue
                try:
                    t = parse_iso(v)
                except ValueError:
                    raise vapi_error(400, ["%s%s must be a valid ISO 8601 date string" % (field, suf)])
                conds.append(("_c" if field == "createdAt" else "_u", op, t))
        limit = req.q1("limit") if use_limit else None
        if limit is None:
            n = 100
        else:
            try:
                n = float(limit)
            except ValueError:
                raise vapi_error(400, ["limit must be a number conforming to the specified constraints"])
            if n < 0:
                raise vapi_error(400, ["limit must not be less than 0"])
            if n > 1000:
                raise vapi_error(400, ["limit must not be greater than 1000"])
            n = int(n)
        out = []
        for o in sorted(items, key=lambda o: o["_c"], reverse=True):
            if all(getattr(o[k], op)(t) for k, op, t in conds) and \
                    all(req.q1(q) is None or o.get(f) == req.q1(q) for q, f in extra_filters):
                out.append(self._vapi_json(o))
        return out[:n] if use_limit else out

    def _stamp(self, org_id, obj):
        now = CLOCK.now()
        obj.update({"id": str(uuid.uuid4()), "orgId": org_id, "createdAt": iso_ms(now),
                    "updatedAt": iso_ms(now), "_c": now, "_u": now})
        return obj

    @staticmethod
    def _touch(obj):
        now = CLOCK.now()
        obj["updatedAt"] = iso_ms(now)
        obj["_u"] = now

    # -- Vapi: assistants -------------------------------------------------------
    @staticmethod
    def _validate_assistant(body):
        errs = []
        if "name" in body and (not isinstance(body["name"], str) or len(body["name"]) > 40):
            errs.append("name must be a string shorter than or equal to 40 characters")
        for f in ("firstMessage", "voicemailMessage", "endCallMessage"):
            if f in body and body[f] is not None and not isinstance(body[f], str):
                errs.append("%s must be a string" % f)
        for f in ("model", "voice", "transcriber", "metadata", "server"):
            if f in body and body[f] is not None and not isinstance(body[f], dict):
                errs.append("%s must be an object" % f)
        if "maxDurationSeconds" in body:
            v = body["maxDurationSeconds"]
            if not isinstance(v, (int, float)) or isinstance(v, bool) or not 10 <= v <= 43200:
                errs.append("maxDurationSeconds must be a number between 10 and 43200")
        if errs:
            raise vapi_error(400, errs)

    def _assistant(self, org, id_):
        a = org["assistants"].get(self._vapi_id(id_))
        if a is None:
            raise vapi_error(404, "Assistant with id %s not found" % id_)
        return a

    def va_assistant_create(self, req, org_id, org):
        body = req.parse_json()
        self._check_fields(body, ASSISTANT_FIELDS)
        self._validate_assistant(body)
        a = self._stamp(org_id, dict(body))
        org["assistants"][a["id"]] = a
        return 201, self._vapi_json(a)

    def va_assistants_list(self, req, org_id, org):
        return 200, self._vapi_window(req, org["assistants"].values())

    def va_assistant_fetch(self, req, org_id, org, id):
        return 200, self._vapi_json(self._assistant(org, id))

    def va_assistant_update(self, req, org_id, org, id):
        body = req.parse_json()
        a = self._assistant(org, id)
        self._check_fields(body, ASSISTANT_FIELDS)
        self._validate_assistant(body)
        a.update(body)
        self._touch(a)
        return 200, self._vapi_json(a)

    def va_assistant_delete(self, req, org_id, org, id):
        a = self._assistant(org, id)
        if a.get("_pinned"):
            # Vapi's AssistantPinnedConflictResponseDTO: no statusCode, an `error` enum
            raise ApiError(409, {"error": "assistant_pinned",
                                 "message": "Assistant %s is pinned by a parent assistant "
                                            "version and cannot be deleted." % a["id"]})
        del org["assistants"][a["id"]]
        return 200, self._vapi_json(a)

    # -- Vapi: calls ------------------------------------------------------------
    def _vcall(self, org, id_):
        c = org["calls"].get(self._vapi_id(id_))
        if c is None:
            raise vapi_error(404, "Call with id %s not found" % id_)
        return c

    def _one_call(self, org_id, org, body, customer):
        if not any(body.get(k) for k in ("assistantId", "assistant", "squadId", "squad",
                                          "workflowId", "workflow")):
            raise vapi_error(400, "Couldn't Get Assistant. Need Either `assistant`, `assistantId`, "
                                  "`squad`, `squadId`, `workflow`, Or `workflowId`.")
        if body.get("assistantId"):
            if not isinstance(body["assistantId"], str) or \
                    not UUID_RE.match(body["assistantId"]) or \
                    body["assistantId"].lower() not in org["assistants"]:
                raise vapi_error(400, "Couldn't Get Assistant. `assistantId` %s Not Found."
                                 % body["assistantId"])
        if body.get("assistant") is not None and not isinstance(body["assistant"], dict):
            raise vapi_error(400, ["assistant must be an object"])
        pn = None
        if body.get("phoneNumberId"):
            pid = body["phoneNumberId"]
            pn = org["phone_numbers"].get(pid.lower()) if isinstance(pid, str) else None
            if pn is None:
                raise vapi_error(400, "Couldn't Get Phone Number. `phoneNumberId` %s Not Found."
                                 % pid)
        phone = pn is not None or body.get("phoneNumber") is not None
        if customer is not None:
            if not isinstance(customer, dict):
                raise vapi_error(400, ["customer must be an object"])
            self._check_fields(customer, ["numberE164CheckEnabled", "extension",
                                          "assistantOverrides", "squadOverrides", "number",
                                          "sipUri", "name", "email", "externalId"])
            num = customer.get("number")
            if num is not None and customer.get("numberE164CheckEnabled", True) and \
                    (not isinstance(num, str) or not E164.match(num)):
                raise vapi_error(400, ["customer.number must be a valid phone number in the E.164 "
                                       "format. Hot tip, you may be missing the country code "
                                       "(Eg. US: +1)."])
        if phone and not ((customer or {}).get("number") or (customer or {}).get("sipUri")
                          or body.get("customerId")):
            raise vapi_error(400, "Couldn't Get Customer. Need Either `customer` Or `customerId`.")
        c = {k: v for k, v in body.items() if k != "customers"}
        if customer is not None:
            c["customer"] = customer
        c.update({"type": "outboundPhoneCall" if phone else "webCall", "status": "queued",
                  "costs": [], "messages": [], "cost": 0})
        self._stamp(org_id, c)
        if phone:
            c["phoneCallProvider"] = "twilio"
            c["phoneCallTransport"] = "pstn"
        else:
            c.setdefault("transport", {"provider": "daily", "conversationType": "voice"})
        if pn is not None:
            acct = self.twilio.accounts.get(pn["twilioAccountSid"])
            if acct is not None and customer and customer.get("number"):
                tc = self.twilio.create_call(acct["sid"], customer["number"], pn["number"],
                                             {"Url": "https://api.vapi.ai/twilio/outbound_call"})
                c["phoneCallProviderId"] = tc["sid"]
        org["calls"][c["id"]] = c
        return c

    def va_call_create(self, req, org_id, org):
        body = req.parse_json()
        self._check_fields(body, CALL_CREATE_FIELDS)
        if "customers" in body:
            if not isinstance(body["customers"], list) or not body["customers"]:
                raise vapi_error(400, ["customers must be a non-empty array"])
            results, errors = [], []
            for cust in body["customers"]:
                try:
                    results.append(self._vapi_json(self._one_call(org_id, org, body, cust)))
                except ApiError as e:
                    msg = e.body.get("message")
                    errors.append({"customer": cust,
                                   "error": "; ".join(msg) if isinstance(msg, list) else str(msg)})
            return 201, {"results": results, "errors": errors}
        c = self._one_call(org_id, org, body, body.get("customer"))
        return 201, self._vapi_json(c)

    def va_calls_list(self, req, org_id, org):
        return 200, self._vapi_window(req, org["calls"].values(),
                                      [("id", "id"), ("assistantId", "assistantId"),
                                       ("phoneNumberId", "phoneNumberId")])

    def va_call_fetch(self, req, org_id, org, id):
        return 200, self._vapi_json(self._vcall(org, id))

    def va_call_update(self, req, org_id, org, id):
        body = req.parse_json()
        c = self._vcall(org, id)
        self._check_fields(body, ["name"])
        if "name" in body and (not isinstance(body["name"], str) or len(body["name"]) > 40):
            raise vapi_error(400, ["name must be shorter than or equal to 40 characters"])
        c.update(body)
        self._touch(c)
        return 200, self._vapi_json(c)

    def va_call_delete(self, req, org_id, org, id):
        c = self._vcall(org, id)
        del org["calls"][c["id"]]
        return 200, self._vapi_json(c)

    # -- Vapi: phone numbers ---------------------------------------------------
    def _vnumber(self, org, id_):
        n = org["phone_numbers"].get(self._vapi_id(id_))
        if n is None:
            raise vapi_error(404, "Phone number with id %s not found" % id_)
        return n

    def _validate_twilio_import(self, org, merged, exclude_id=None):
        number, sid = merged.get("number"), merged.get("twilioAccountSid")
        errs = []
        if not isinstance(number, str) or not E164.match(number):
            errs.append("number must be a valid phone number in the E.164 format")
        if not isinstance(sid, str) or not sid:
            errs.append("twilioAccountSid must be a string")
        if errs:
            raise vapi_error(400, errs)
        tok, key, sec = (merged.get("twilioAuthToken"), merged.get("twilioApiKey"),
                         merged.get("twilioApiSecret"))
        if tok:
            creds = (sid, tok)
        elif key and sec:
            creds = (key, sec)
        else:
            raise vapi_error(400, "Twilio credentials are required: `twilioAuthToken`, or "
                                  "`twilioApiKey` and `twilioApiSecret`.")
        acct = self.twilio.authenticate(*creds)
        if acct is None or not self.twilio.can_access(acct, sid):
            raise vapi_error(400, "Twilio Error: Invalid Twilio credentials for account %s "
                                  "(Twilio error 20003: Authenticate)." % sid)
        owned = next((n for n in self.twilio.numbers.values()
                      if n["account_sid"] == sid and n["phone_number"] == number), None)
        if owned is None:
            raise vapi_error(400, "Number Not Found on Twilio. The number %s is not owned by "
                                  "Twilio account %s." % (number, sid))
        for other in org["phone_numbers"].values():
            if other["number"] == number and other["id"] != exclude_id:
                raise vapi_error(400, "Number Already Exists. %s is already imported in this "
                                      "org (phone number id %s)." % (number, other["id"]))
        return owned

    def _check_pn_refs(self, org, body):
        aid = body.get("assistantId")
        if aid is not None and (not isinstance(aid, str) or aid.lower() not in org["assistants"]):
            raise vapi_error(400, "Couldn't Get Assistant. `assistantId` %s Not Found." % aid)
        if "name" in body and body["name"] is not None and \
                (not isinstance(body["name"], str) or len(body["name"]) > 40):
            raise vapi_error(400, ["name must be shorter than or equal to 40 characters"])

    def va_number_create(self, req, org_id, org):
        body = req.parse_json()
        prov = body.get("provider")
        if prov != "twilio":
            if prov in ("byo-phone-number", "vonage", "vapi", "telnyx"):
                raise vapi_error(400, "The sandbox only emulates provider `twilio`.")
            raise vapi_error(400, ["provider must be one of the following values: "
                                   "byo-phone-number, twilio, vonage, vapi, telnyx"])
        self._check_fields(body, TWILIO_PN_FIELDS)
        self._check_pn_refs(org, body)
        owned = self._validate_twilio_import(org, body)
        n = {k: v for k, v in body.items() if k not in PN_SECRET_FIELDS}
        n.setdefault("smsEnabled", True)
        n["status"] = "active"
        n["_secrets"] = {k: body[k] for k in PN_SECRET_FIELDS if body.get(k)}
        self._stamp(org_id, n)
        owned["voice_url"] = "https://api.vapi.ai/twilio/inbound_call"
        owned["voice_method"] = "POST"
        if n["smsEnabled"]:
            # like Vapi: with SMS enabled it takes over the number's messaging webhook
            owned["sms_url"] = "https://api.vapi.ai/twilio/sms"
            owned["sms_method"] = "POST"
        owned["date_updated"] = CLOCK.now()
        org["phone_numbers"][n["id"]] = n
        return 201, self._vapi_json(n)

    def va_numbers_list(self, req, org_id, org):
        return 200, self._vapi_window(req, org["phone_numbers"].values())

    def va_numbers_list_v2(self, req, org_id, org):
        try:
            page = int(req.q1("page", "1"))
            limit = int(float(req.q1("limit", "100")))
        except ValueError:
            raise vapi_error(400, ["page and limit must be numbers"])
        if page < 1:
            raise vapi_error(400, ["page must not be less than 1"])
        if limit < 1 or limit > 1000:
            raise vapi_error(400, ["limit must be between 1 and 1000"])
        order = (req.q1("sortOrder") or "DESC").upper()
        if order not in ("ASC", "DESC"):
            raise vapi_error(400, ["sortOrder must be one of the following values: ASC, DESC"])
        items = self._vapi_window(req, org["phone_numbers"].values(), use_limit=False)
        items.sort(key=lambda o: o["createdAt"], reverse=(order == "DESC"))
        s = req.q1("search")
        if s:
            items = [i for i in items if s.lower() in (i.get("number") or "").lower()
                     or s.lower() in (i.get("name") or "").lower()]
        total = len(items)
        res = items[(page - 1) * limit: page * limit]
        pages = -(-total // limit) if total else 0
        return 200, {"results": res,
                     "metadata": {"itemsPerPage": limit, "totalItems": total,
                                  "currentPage": page, "totalPages": pages,
                                  "hasNextPage": page < pages, "sortOrder": order}}

    def va_number_fetch(self, req, org_id, org, id):
        return 200, self._vapi_json(self._vnumber(org, id))

    def va_number_update(self, req, org_id, org, id):
        body = req.parse_json()
        n = self._vnumber(org, id)
        if body.get("provider") not in (None, "twilio"):
            raise vapi_error(400, ["provider cannot be changed"])
        self._check_fields(body, TWILIO_PN_FIELDS)
        self._check_pn_refs(org, body)
        if any(k in body for k in ("number", "twilioAccountSid") + PN_SECRET_FIELDS
               + ("twilioApiKey",)):
            merged = dict(n)
            merged.update(n["_secrets"])
            merged.update(body)
            self._validate_twilio_import(org, merged, exclude_id=n["id"])
        for k, v in body.items():
            if k in PN_SECRET_FIELDS:
                n["_secrets"][k] = v
            else:
                n[k] = v
        self._touch(n)
        return 200, self._vapi_json(n)

    def va_number_delete(self, req, org_id, org, id):
        n = self._vnumber(org, id)
        del org["phone_numbers"][n["id"]]
        return 200, self._vapi_json(n)


class ControlApi:
    """The /__sandbox/ control API (seeding, faults, request log, webhooks)."""

    # -- control API (/__sandbox/...) -------------------------------------------
    def control(self, method, path, query, body):
        """Returns (status, json_obj).  Errors: {"error": "..."}."""
        try:
            data = json.loads(body.decode("utf-8")) if body else {}
        except (UnicodeDecodeError, ValueError) as e:
            return 400, {"error": "invalid JSON body: %s" % e}
        p = path[len("/__sandbox"):].rstrip("/") or "/"
        try:
            return self._control(method, p, query, data)
        except (ValueError, TypeError, KeyError, AttributeError) as e:
            return 400, {"error": "bad control request: %s" % e}

    def _control(self, method, p, query, data):
        tw = self.twilio
        if p == "/health" and method == "GET":
            return 200, {"ok": True}
        if p == "/reset" and method == "POST":
            self.reset()
            return 200, {"ok": True}
        if p == "/stats":
            if method == "GET":
                with self.stats_lock:
                    return 200, dict(self.stats)
            if method == "DELETE":
                with self.stats_lock:
                    for k in self.stats:
                        self.stats[k] = 0
                return 200, {"ok": True}
        if p == "/requests":
            if method == "GET":
                q = {k: v[0] for k, v in query.items()}
                return 200, self.log.query(q.get("method"), q.get("path"))
            if method == "DELETE":
                self.log.clear()
                return 200, {"ok": True}
        if p == "/faults":
            if method == "GET":
                return 200, self.faults.list()
            if method == "POST":
                specs = data if isinstance(data, list) else [data]
                return 201, [self.faults.add(s) for s in specs] if isinstance(data, list) \
                    else self.faults.add(data)
            if method == "DELETE":
                self.faults.clear()
                return 200, {"ok": True}
        if p == "/webhooks/send" and method == "POST":
            return self._send_webhook(data)
        if not isinstance(data, (dict, list)):
            raise ValueError("body must be a JSON object")
        if isinstance(data, dict):
            for k in ("account_sid", "auth_token", "friendly_name", "owner_account_sid", "api_key",
                      "org_id", "sid", "secret"):
                if data.get(k) is not None and not isinstance(data[k], str):
                    raise ValueError("%s must be a string" % k)
        with self.lock:
            if p == "/twilio/accounts":
                if method == "GET":
                    return 200, [dict(self._acct_ctl(a)) for a in tw.accounts.values()]
                if method == "POST":
                    if not isinstance(data, dict):
                        raise ValueError("body must be a JSON object")
                    sid = data.get("account_sid")
                    if sid is not None and not re.fullmatch(r"AC[0-9a-fA-F]{32}", sid):
                        raise ValueError("account_sid must be AC + 32 hex digits")
                    owner = data.get("owner_account_sid")
                    if owner is not None and owner not in tw.accounts:
                        return 404, {"error": "no such owner account %s" % owner}
                    if sid in tw.accounts:
                        return 409, {"error": "account %s already exists" % sid}
                    a = tw.create_account(sid, data.get("auth_token"), data.get("friendly_name"),
                                          owner=owner, status=data.get("status", "active"))
                    return 201, self._acct_ctl(a)
            m = re.fullmatch(r"/twilio/accounts/([^/]+)(/keys|/numbers)?", p)
            if m:
                a = tw.accounts.get(m.group(1))
                if a is None:
                    return 404, {"error": "no such account %s" % m.group(1)}
                if m.group(2) is None and method == "GET":
                    return 200, self._acct_ctl(a)
                if m.group(2) == "/keys" and method == "POST":
                    sid = data.get("sid")
                    if sid is not None and not re.fullmatch(r"SK[0-9a-fA-F]{32}", sid):
                        raise ValueError("sid must be SK + 32 hex digits")
                    k = tw.create_key(a["sid"], data.get("friendly_name"), sid,
                                      data.get("secret"))
                    return 201, {"sid": k["sid"], "secret": k["secret"],
                                 "account_sid": a["sid"], "friendly_name": k["friendly_name"]}
                if m.group(2) == "/numbers" and method == "POST":
                    items = data.get("numbers", data) if isinstance(data, dict) else data
                    items = items if isinstance(items, list) else [items]
                    out = []
                    for it in items:
                        if isinstance(it, str):
                            it = {"phone_number": it}
                        if not isinstance(it, dict):
                            raise ValueError("each number must be an object or a string")
                        pn = it.get("phone_number")
                        if not isinstance(pn, str) or not E164.match(pn):
                            raise ValueError("phone_number must be E.164, got %r" % (pn,))
                        if tw.number_owned(pn):
                            return 409, {"error": "%s is already owned by an account" % pn}
                        extra = {k: v for k, v in it.items()
                                 if k not in ("phone_number", "friendly_name", "capabilities")}
                        n = tw.create_number(a["sid"], pn, it.get("friendly_name"),
                                             it.get("capabilities"), extra=extra,
                                             type_=it.get("type", "local"))
                        tw.available = [x for x in tw.available if x["phone_number"] != pn]
                        out.append(tw.number_json(n))
                    return 201, {"numbers": out}
            if p == "/twilio/available":
                if method == "GET":
                    return 200, [dict(tw.available_json(a), country=a["_country"], type=a["_type"])
                                 for a in tw.available]
                if method == "POST":
                    if data.get("replace"):
                        tw.available = [a for a in tw.available
                                        if not (a["_country"] == data.get("country", "US").upper()
                                                and a["_type"] == data.get("type", "Local"))]
                    items = data.get("numbers", [data] if "phone_number" in data else [])
                    added = []
                    for it in items:
                        if isinstance(it, str):
                            it = {"phone_number": it}
                        if not isinstance(it, dict):
                            raise ValueError("each number must be an object or a string")
                        pn = it.get("phone_number")
                        if not isinstance(pn, str) or not E164.match(pn):
                            raise ValueError("phone_number must be E.164, got %r" % (pn,))
                        country = it.get("country", data.get("country", "US"))
                        type_ = it.get("type", data.get("type", "Local"))
                        if type_ not in POOL_TYPES:
                            raise ValueError("type must be Local, TollFree or Mobile")
                        tw.available = [x for x in tw.available if x["phone_number"] != pn]
                        tw.add_available(country, type_, pn, it.get("region"), it.get("locality"),
                                         it.get("postal_code"), it.get("lata"),
                                         it.get("rate_center"), it.get("latitude"),
                                         it.get("longitude"), it.get("capabilities"),
                                         it.get("friendly_name"), bool(it.get("beta", False)))
                        added.append(pn)
                    return 201, {"added": added, "available": len(tw.available)}
            m = re.fullmatch(r"/twilio/calls/(CA[0-9a-fA-F]{32})", p)
            if m and method in ("GET", "POST"):
                c = tw.calls.get(m.group(1))
                if c is None:
                    return 404, {"error": "no such call"}
                if method == "POST":
                    st = data.get("status")
                    if st is not None:
                        if st not in ("queued", "ringing", "in-progress") + CALL_FINAL:
                            raise ValueError("invalid call status %r" % st)
                        tw.set_call_status(c, st, data.get("duration"))
                    if "answered_by" in data:
                        c["answered_by"] = data["answered_by"]
                out = tw.call_json(c)
                out["params"] = c["_params"]
                return 200, out
            if p == "/vapi/keys" and method == "POST":
                key, org = self.vapi.register_key(data.get("api_key"), data.get("org_id"))
                return 201, {"api_key": key, "org_id": org}
            m = re.fullmatch(r"/vapi/assistants/([^/]+)", p)
            if m and method == "POST":
                for org in self.vapi.orgs.values():
                    a = org["assistants"].get(m.group(1).lower())
                    if a is not None:
                        a["_pinned"] = bool(data.get("pinned", True))
                        return 200, dict(self._vapi_json(a), pinned=a["_pinned"])
                return 404, {"error": "no such Vapi assistant"}
            m = re.fullmatch(r"/vapi/calls/([^/]+)", p)
            if m and method == "POST":
                for org in self.vapi.orgs.values():
                    c = org["calls"].get(m.group(1).lower())
                    if c is not None:
                        for k in ("status", "endedReason", "startedAt", "endedAt", "cost"):
                            if k in data:
                                c[k] = data[k]
                        now = CLOCK.now()
                        if data.get("status") == "in-progress" and "startedAt" not in c:
                            c["startedAt"] = iso_ms(now)
                        if data.get("status") == "ended" and "endedAt" not in c:
                            c["endedAt"] = iso_ms(now)
                        self._touch(c)
                        return 200, self._vapi_json(c)
                return 404, {"error": "no such Vapi call"}
        return 404, {"error": "unknown control endpoint %s %s" % (method, "/__sandbox" + p)}

    def _acct_ctl(self, a):
        return {"account_sid": a["sid"], "auth_token": a["auth_token"],
                "secondary_auth_token": a["secondary_auth_token"],
                "friendly_name": a["friendly_name"], "owner_account_sid": a["owner_account_sid"],
                "status": a["status"]}

    def _send_webhook(self, data):
        if not isinstance(data, dict):
            raise ValueError("body must be a JSON object")
        url = data.get("url")
        if not isinstance(url, str) or urllib.parse.urlsplit(url).scheme not in ("http", "https"):
            raise ValueError("url must be an http(s) URL")
        prov = data.get("provider")
        if prov == "twilio":
            token = data.get("auth_token")
            if token is None:
                with self.lock:
                    a = self.twilio.accounts.get(data.get("account_sid"))
                    if a is None:
                        return 404, {"error": "no such Twilio account %r" % data.get("account_sid")}
                    token = a["auth_token"]
            if "params" in data and "json" in data:
                raise ValueError("give either params or json, not both")
            target, body, headers = self.webhooks.build_twilio(data, token)
        elif prov == "vapi":
            target, body, headers = self.webhooks.build_vapi(data)
        else:
            raise ValueError("provider must be twilio or vapi")
        for k, v in (data.get("headers") or {}).items():
            headers[k] = str(v)
        try:
            status, text = self.webhooks.post(target, body, headers)
        except (OSError, urllib.error.URLError) as e:
            return 502, {"error": "could not deliver webhook: %s" % e, "url": target}
        return 200, {"status": status, "body": text, "url": target, "headers": headers}


# ---------------------------------------------------------------------------
# 7c. Sandbox: state, faults, log, stats and the request dispatcher
# ---------------------------------------------------------------------------

class Sandbox(TwilioApi, VapiApi, ControlApi):
    """Everything one sandbox instance knows.  Independent of HTTP: dispatch() takes a Request."""

    def __init__(self):
        self.lock = threading.RLock()
        self.twilio = TwilioState()
        self.vapi = VapiState()
        self.faults = FaultTable()
        self.log = RequestLog()
        self.webhooks = WebhookSender()
        self.stats_lock = threading.Lock()
        self.stats = {"connections": 0, "requests": 0, "control_requests": 0,
                      "api_connections": 0}
        self._routes = self._build_routes()

    def reset(self):
        with self.lock:
            self.twilio = TwilioState()
            self.vapi = VapiState()
        self.faults.clear()
        self.log.clear()
        with self.stats_lock:
            for k in self.stats:
                self.stats[k] = 0

    def bump(self, name):
        with self.stats_lock:
            self.stats[name] += 1

    # -- routing ----------------------------------------------------------
    def _build_routes(self):
        A = TWILIO_API + "/Accounts/(?P<acct>[^/]+)"
        t = [
            (TWILIO_API + r"/Accounts\.json", {"GET": self.tw_accounts_list,
                                               "POST": self.tw_accounts_create}),
            (A + r"\.json", {"GET": self.tw_account_fetch, "POST": self.tw_account_update}),
            (A + r"/IncomingPhoneNumbers\.json", {"GET": self.tw_numbers_list,
                                                  "POST": self.tw_numbers_buy}),
            (A + r"/IncomingPhoneNumbers/(?P<sid>[^/]+)\.json",
             {"GET": self.tw_number_fetch, "POST": self.tw_number_update,
              "DELETE": self.tw_number_delete}),
            (A + r"/AvailablePhoneNumbers/(?P<cc>[^/]+)/(?P<type>[^/]+)\.json",
             {"GET": self.tw_available}),
            (A + r"/Calls\.json", {"GET": self.tw_calls_list, "POST": self.tw_calls_create}),
            (A + r"/Calls/(?P<sid>[^/]+)\.json", {"GET": self.tw_call_fetch,
                                                  "POST": self.tw_call_update,
                                                  "DELETE": self.tw_call_delete}),
            (A + r"/Messages\.json", {"GET": self.tw_messages_list,
                                      "POST": self.tw_messages_create}),
            (A + r"/Messages/(?P<sid>[^/]+)\.json", {"GET": self.tw_message_fetch,
                                                     "POST": self.tw_message_update,
                                                     "DELETE": self.tw_message_delete}),
            (A + r"/Keys\.json", {"GET": self.tw_keys_list, "POST": self.tw_keys_create}),
            (A + r"/Keys/(?P<sid>[^/]+)\.json", {"GET": self.tw_key_fetch,
                                                 "POST": self.tw_key_update,
                                                 "DELETE": self.tw_key_delete}),
            (r"/v1/AuthTokens/Secondary", {"POST": self.tw_secondary_create,
                                           "DELETE": self.tw_secondary_delete}),
            (r"/v1/AuthTokens/Promote", {"POST": self.tw_promote}),
        ]
        v = [
            (r"/assistant", {"GET": self.va_assistants_list, "POST": self.va_assistant_create}),
            (r"/assistant/(?P<id>[^/]+)", {"GET": self.va_assistant_fetch,
                                           "PATCH": self.va_assistant_update,
                                           "DELETE": self.va_assistant_delete}),
            (r"/call", {"GET": self.va_calls_list, "POST": self.va_call_create}),
            (r"/call/(?P<id>[^/]+)", {"GET": self.va_call_fetch, "PATCH": self.va_call_update,
                                      "DELETE": self.va_call_delete}),
            (r"/phone-number", {"GET": self.va_numbers_list, "POST": self.va_number_create}),
            (r"/phone-number/(?P<id>[^/]+)", {"GET": self.va_number_fetch,
                                              "PATCH": self.va_number_update,
                                              "DELETE": self.va_number_delete}),
            (r"/v2/phone-number", {"GET": self.va_numbers_list_v2}),
        ]
        return {"twilio": [(re.compile("^" + p + "$"), m) for p, m in t],
                "vapi": [(re.compile("^" + p + "/?$"), m) for p, m in v]}

    def dispatch(self, req: Request):
        """Serve one provider API request: returns (status, body_obj, headers)."""
        prov = provider_of(req.path)
        for rx, methods in self._routes[prov]:
            m = rx.match(req.path)
            if not m:
                continue
            fn = methods.get(req.method)
            if fn is None:
                if prov == "twilio":
                    raise twilio_error(405, 20004, "Method not allowed",
                                       {"Allow": ", ".join(methods)})
                raise vapi_error(404, "Cannot %s %s" % (req.method, req.path))
            with self.lock:
                if prov == "twilio":
                    return fn(req, *self._twilio_auth(req, m.groupdict().get("acct")),
                              **{k: v for k, v in m.groupdict().items() if k != "acct"})
                return fn(req, *self._vapi_auth(req), **m.groupdict())
        if prov == "twilio":
            raise twilio_not_found(req.path)
        raise vapi_error(404, "Cannot %s %s" % (req.method, req.path))

    def _twilio_auth(self, req, acct_sid):
        if req._basic is None:
            raise twilio_auth_error()
        auth = self.twilio.authenticate(*req._basic)
        if auth is None:
            raise twilio_auth_error()
        if acct_sid is None:
            return auth, auth
        if not self.twilio.can_access(auth, acct_sid):
            raise twilio_auth_error()
        return auth, self.twilio.accounts[acct_sid]

    def _vapi_auth(self, req):
        if not req._bearer:
            raise vapi_auth_error()
        oid, org = self.vapi.org_for(req._bearer)
        if org is None:
            raise vapi_auth_error()
        return oid, org


# ---------------------------------------------------------------------------
# 8. HTTP handler and server
# ---------------------------------------------------------------------------

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

    # Stop at once: the handler interrupts serve_forever() in the main thread (a shutdown()
    # from another thread would wait for its next 0.5 s poll). Request threads are daemons.
    def _stop(signum, frame):
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        raise _Stopped()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    try:
        srv.serve_forever()
    except _Stopped:
        pass
    finally:
        srv.server_close()
    return 0


class _Stopped(Exception):
    pass


if __name__ == "__main__":
    sys.exit(main())
