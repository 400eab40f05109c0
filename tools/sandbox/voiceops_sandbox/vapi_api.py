"""VapiApi: the Vapi REST routes (assistants, calls, phone numbers, the v2 phone-number list)
and Vapi list windows. A mixin of Sandbox: the handlers use self.vapi (and self.twilio to
check imported Twilio numbers) and are called by Sandbox.dispatch with Sandbox.lock held."""

from __future__ import annotations

import uuid

from .common import CLOCK, E164, UUID_RE, iso_ms, parse_iso
from .errors import ApiError, vapi_error
from .vapi_state import ASSISTANT_FIELDS, CALL_CREATE_FIELDS, PN_SECRET_FIELDS, TWILIO_PN_FIELDS


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

    # -- routes (Sandbox._build_routes compiles them, with an optional trailing "/") --
    def _vapi_routes(self):
        return [
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
