"""FaultTable: faults injected through POST /__sandbox/faults, matched against API requests
by method and path (see "Fault injection" in README.md)."""

from __future__ import annotations

import threading
import uuid

from .common import path_matches


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
