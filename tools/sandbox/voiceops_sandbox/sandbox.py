"""Sandbox: one sandbox instance (Twilio and Vapi state, faults, request log, webhook
sender, stats) and the dispatcher from a Request to the provider routes, with their
authentication. Independent of HTTP."""

from __future__ import annotations

import re
import threading

from .common import provider_of
from .control import ControlApi
from .errors import twilio_auth_error, twilio_error, twilio_not_found, vapi_auth_error, vapi_error
from .faults import FaultTable
from .request import Request
from .request_log import RequestLog
from .twilio_api import TwilioApi
from .twilio_state import TwilioState
from .vapi_api import VapiApi
from .vapi_state import VapiState
from .webhooks import WebhookSender


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
        return {"twilio": [(re.compile("^" + p + "$"), m) for p, m in self._twilio_routes()],
                "vapi": [(re.compile("^" + p + "/?$"), m) for p, m in self._vapi_routes()]}

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
