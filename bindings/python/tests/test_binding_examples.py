"""The Python examples run: the FastAPI app's --check (two tenants onboarded against the
sandbox, numbers listed and imported into Vapi, Twilio and Vapi webhooks verified per tenant,
a forged one refused), and the Flask receiver answers a routed webhook."""
from __future__ import annotations

import os
import runpy
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from vo_testkit import ROOT, Sandbox, services, vo


def test_fastapi_example_check(tmp_path: Path) -> None:
    pytest.importorskip("fastapi")
    env = {**os.environ, "VOICEOPS_VAULT": str(tmp_path / "v.db"),
           "VOICEOPS_KEY_FILE": str(tmp_path / "k.key")}
    r = subprocess.run([sys.executable, str(ROOT / "examples/python/app.py"), "--check"],
                       cwd=str(tmp_path), env=env, capture_output=True, text=True, timeout=180)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-3000:]
    assert r.stdout.count("webhooks: twilio 200") == 2 and "forged 403" in r.stdout


def test_flask_example(tmp_path: Path, keyfile: Path, sandbox: Sandbox,
                       monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("flask")
    db = tmp_path / "vault.db"
    with vo.Vault(db, key_file=keyfile) as v:
        acc = sandbox.twilio_account(0)
        services(v, sandbox).onboard("acme", vo.TwilioCredentials(acc["account_sid"],
                                                                   acc["auth_token"]),
                                     vo.VapiCredentials(sandbox.vapi_key(), webhook_secret="ws"))
        token = services(v, sandbox).mint_routing_token("acme")
    monkeypatch.setenv("VOICEOPS_VAULT", str(db))
    monkeypatch.setenv("VOICEOPS_KEY_FILE", str(keyfile))
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://hooks.example.com")
    mod: dict[str, Any] = runpy.run_path(str(ROOT / "examples/python/flask_receiver.py"))
    c = mod["app"].test_client()
    url = f"https://hooks.example.com/hooks/{token}/twilio"
    sig = vo.sign_twilio(acc["auth_token"], url, {"CallSid": "CA9"})
    r = c.post(f"/hooks/{token}/twilio", data=b"CallSid=CA9",
               headers={"X-Twilio-Signature": sig,
                        "Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 200 and r.get_json() == {"tenant": "acme", "call": "CA9"}
    assert c.post(f"/hooks/whk_{'C' * 43}/twilio", data=b"CallSid=CA9").status_code == 404
    r = c.post(f"/hooks/{token}/vapi", data=b'{"message":{"type":"hang"}}',
               headers={"x-vapi-secret": "ws"})
    assert r.status_code == 200 and r.get_json() == {"tenant": "acme", "type": "hang"}
    mod["vault"].close()
