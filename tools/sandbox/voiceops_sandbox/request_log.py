"""RequestLog: the API requests the sandbox received (GET /__sandbox/requests), for tests to
assert what a client sent. Entries are built (and redacted) by server.Handler."""

from __future__ import annotations

import collections
import threading

from .common import path_matches


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
