"""TwilioApi: the Twilio REST routes (2010-04-01 accounts, incoming and available numbers,
calls, messages, keys; Accounts v1 auth tokens) and Twilio paging. A mixin of Sandbox: the
handlers use self.twilio and are called by Sandbox.dispatch with Sandbox.lock held."""

from __future__ import annotations

import datetime as _dt
import re
import urllib.parse

from .common import CLOCK, E164, TWILIO_API, _hex32, iso_s, redact
from .errors import twilio_error, twilio_not_found
from .twilio_state import CALL_FINAL, METHOD_FIELDS, NUMBER_FIELDS, POOL_TYPES


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


METHOD_VALUES = ("GET", "POST")
KEYPAD = {c: d for d, cs in {"2": "ABC", "3": "DEF", "4": "GHI", "5": "JKL", "6": "MNO",
                             "7": "PQRS", "8": "TUV", "9": "WXYZ"}.items() for c in cs}


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

    # -- routes (Sandbox._build_routes compiles them; the first match wins) -----
    def _twilio_routes(self):
        A = TWILIO_API + "/Accounts/(?P<acct>[^/]+)"
        return [
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
