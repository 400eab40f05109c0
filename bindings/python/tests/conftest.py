"""Fixtures: the in-tree package against build/lib/libvoiceops.so.1 (unless VOICEOPS_LIBRARY
is set), real vault files in tmp_path, the sandbox as a subprocess on a free loopback port
(as tests/unit/sandbox.h starts it)."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Iterator

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from vo_testkit import Sandbox, services, vo  # noqa: E402


@pytest.fixture(scope="session")
def sandbox() -> Iterator[Sandbox]:
    s = Sandbox()
    yield s
    s.stop()


@pytest.fixture()
def keyfile(tmp_path: Path) -> Path:
    p = tmp_path / "kek.key"
    vo.Vault.keygen(p)
    return p


@pytest.fixture()
def vault(tmp_path: Path, keyfile: Path) -> Iterator[vo.Vault]:
    v = vo.Vault(tmp_path / "vault.db", key_file=keyfile, actor="pytest")
    yield v
    v.close()


@pytest.fixture()
def tenant(vault: vo.Vault, sandbox: Sandbox) -> dict[str, Any]:
    """A tenant onboarded against the sandbox (Twilio account with numbers + Vapi key)."""
    acc = sandbox.twilio_account()
    key = sandbox.vapi_key()
    svc = services(vault, sandbox)
    name = "t" + acc["account_sid"][2:10]
    svc.onboard(name, vo.TwilioCredentials(acc["account_sid"], acc["auth_token"]),
                vo.VapiCredentials(key, webhook_secret="vapi-hook-secret"))
    return {"id": name, "account": acc, "vapi_key": key}


