"""Request: one provider API request as the routes see it (method, path, query, headers,
body, credentials), with the Twilio form and Vapi JSON body parsers."""

from __future__ import annotations

import base64
import json
import urllib.parse

from .errors import twilio_error, vapi_error


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
