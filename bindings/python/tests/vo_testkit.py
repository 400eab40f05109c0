"""Test helpers of the Python binding's suite (imported by conftest.py and the tests)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[3]
PKG = ROOT / "bindings" / "python"
if str(PKG) not in sys.path:
    sys.path.insert(0, str(PKG))
_built = ROOT / "build" / "lib" / "libvoiceops.so.1"
if not os.environ.get("VOICEOPS_LIBRARY") and _built.exists():
    os.environ["VOICEOPS_LIBRARY"] = str(_built)

import voiceops as vo  # noqa: E402

SANDBOX = ROOT / "tools" / "sandbox" / "voiceops_sandbox.py"


class Sandbox:
    def __init__(self) -> None:
        self.proc = subprocess.Popen([sys.executable, str(SANDBOX), "--port", "0"],
                                     stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        assert "listening on" in line, line
        self.url = line.split()[-1]
        self._next_number = 0  # the sandbox refuses a number another account already has

    def ctl(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method)
        with urllib.request.urlopen(req) as r:
            txt = r.read()
        return json.loads(txt) if txt else None

    def reset(self) -> None:
        self.ctl("POST", "/__sandbox/reset")

    def fault(self, path: str, kind: str, method: str | None = None, count: int = 1,
              **extra: Any) -> None:
        f = {"path": path, "kind": kind, "count": count, **extra}
        if method:
            f["method"] = method
        self.ctl("POST", "/__sandbox/faults", f)

    def requests(self, method: str, path: str) -> list[Any]:
        r: list[Any] = self.ctl("GET", f"/__sandbox/requests?method={method}&path={path}")
        return r

    def twilio_account(self, numbers: int = 2) -> dict[str, str]:
        acc: dict[str, str] = self.ctl("POST", "/__sandbox/twilio/accounts", {})
        if numbers:
            # Numbers from a counter, not from a hash of the account id: over the hundred or
            # so accounts of a session, hashed numbers collided now and then (HTTP 409).
            first, self._next_number = self._next_number, self._next_number + numbers
            self.ctl("POST", f"/__sandbox/twilio/accounts/{acc['account_sid']}/numbers",
                     [{"phone_number": f"+1650555{1000 + first + i:04d}"} for i in range(numbers)])
        return acc

    def vapi_key(self) -> str:
        k: str = self.ctl("POST", "/__sandbox/vapi/keys", {})["api_key"]
        return k

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


def services(vault: vo.Vault, sandbox: Sandbox) -> vo.Services:
    return vo.Services(vault, twilio_api_base_url=sandbox.url,
                       twilio_accounts_base_url=sandbox.url, vapi_base_url=sandbox.url,
                       allow_insecure_http=True)


def twilio(vault: vo.Vault, sandbox: Sandbox, tenant: str, **kw: Any) -> vo.TwilioClient:
    return vo.TwilioClient.for_tenant(vault, tenant, api_base_url=sandbox.url,
                                      accounts_base_url=sandbox.url, allow_insecure_http=True,
                                      **kw)


def vapi(vault: vo.Vault, sandbox: Sandbox, tenant: str, **kw: Any) -> vo.VapiClient:
    return vo.VapiClient.for_tenant(vault, tenant, base_url=sandbox.url,
                                    allow_insecure_http=True, **kw)


def rss_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0
