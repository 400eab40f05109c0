"""TwilioState: the emulated Twilio data (accounts and their auth tokens, API keys, incoming
numbers, the available-number pool, calls, messages) and its JSON representations. No HTTP
here; the routes in twilio_api.py and control.py call it with Sandbox.lock held."""

from __future__ import annotations

import hmac
import re
import secrets

from .common import ALNUM, CLOCK, TWILIO_API, _hex32, new_sid, rfc2822


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
CALL_FINAL = ("completed", "busy", "failed", "no-answer", "canceled")
POOL_TYPES = {"Local": "local", "TollFree": "toll-free", "Mobile": "mobile"}


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
