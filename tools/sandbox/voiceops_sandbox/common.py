"""Shared helpers: limits, ids, the sandbox clock and date formats, validation patterns,
redaction of secret-looking fields, which provider a path belongs to, fault/log path patterns."""

from __future__ import annotations

import datetime as _dt
import email.utils
import re
import secrets
import string
import threading


MAX_BODY = 1024 * 1024  # 1 MiB
TWILIO_API = "/2010-04-01"


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
