"""ControlApi: the /__sandbox/... control API (reset, seeding Twilio and Vapi state, faults,
the request log, stats, sending webhooks). A mixin of Sandbox: it uses the Sandbox's state
(twilio, vapi, faults, log, stats, webhooks, lock, reset) and VapiApi's _vapi_json / _touch."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.parse

from .common import CLOCK, E164, iso_ms
from .twilio_state import CALL_FINAL, POOL_TYPES


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
