"""FastAPI example: onboard tenants into the vault, list their Twilio numbers, import them into
Vapi, and receive Twilio and Vapi webhooks for every tenant on one endpoint (routing tokens).

Runs against the local sandbox by default (started for you), one command:

    python3 examples/python/app.py            # http://127.0.0.1:8000/docs
    python3 examples/python/app.py --check    # start, exercise every route once, exit

Environment: VOICEOPS_VAULT (vault file, default ./example-vault.db), VOICEOPS_KEY_FILE
(KEK file, created when missing), PUBLIC_BASE_URL (the URL providers call; default the
app's own), SANDBOX_URL (use a running sandbox instead of starting one).
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Optional

from fastapi import Depends, FastAPI, HTTPException
from pydantic import BaseModel

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bindings" / "python"))  # the in-tree package, if not installed
if not os.environ.get("VOICEOPS_LIBRARY") and (ROOT / "build/lib/libvoiceops.so.1").exists():
    os.environ["VOICEOPS_LIBRARY"] = str(ROOT / "build/lib/libvoiceops.so.1")

import voiceops as vo  # noqa: E402
from voiceops import aio  # noqa: E402
from voiceops.fastapi import TwilioWebhook, VapiWebhook, VerifiedWebhook  # noqa: E402

PORT = int(os.environ.get("PORT", "8000"))
BASE = os.environ.get("PUBLIC_BASE_URL", f"http://127.0.0.1:{PORT}")


def start_sandbox() -> tuple[str, Optional["subprocess.Popen[str]"]]:
    if os.environ.get("SANDBOX_URL"):
        return os.environ["SANDBOX_URL"], None
    p = subprocess.Popen([sys.executable, str(ROOT / "tools/sandbox/voiceops_sandbox.py")],
                         stdout=subprocess.PIPE, text=True)
    assert p.stdout is not None
    return p.stdout.readline().split()[-1], p


SANDBOX, _sandbox_proc = start_sandbox()
key_file = Path(os.environ.get("VOICEOPS_KEY_FILE", "example-kek.key"))
if not key_file.exists():
    vo.Vault.keygen(key_file)
vault = aio.AsyncVault(vo.Vault(os.environ.get("VOICEOPS_VAULT", "example-vault.db"),
                                key_file=key_file, actor="example-app"))
provider_urls: dict[str, Any] = dict(twilio_api_base_url=SANDBOX,
                                     twilio_accounts_base_url=SANDBOX, vapi_base_url=SANDBOX,
                                     allow_insecure_http=True)
services = aio.AsyncServices(vault, **provider_urls)
url_options = vo.PublicUrlOptions(base_url=BASE)
app = FastAPI(title="voiceops example")


class Onboard(BaseModel):
    tenant: str
    twilio_account_sid: str
    twilio_auth_token: str
    vapi_api_key: str
    vapi_webhook_secret: str


@app.post("/tenants")
async def onboard(body: Onboard) -> dict[str, str]:
    try:
        await services.onboard(body.tenant,
                               vo.TwilioCredentials(body.twilio_account_sid, body.twilio_auth_token),
                               vo.VapiCredentials(body.vapi_api_key,
                                                  webhook_secret=body.vapi_webhook_secret))
    except vo.AuthError as e:
        raise HTTPException(422, f"credentials refused: {e.message}") from None
    except vo.AlreadyExists:
        raise HTTPException(409, "tenant exists") from None
    token = await services.mint_routing_token(body.tenant)
    return {"tenant": body.tenant, "twilio_voice_url": f"{BASE}/hooks/{token}/twilio",
            "vapi_server_url": f"{BASE}/hooks/{token}/vapi"}


@app.get("/tenants/{tenant}/numbers")
async def numbers(tenant: str) -> list[dict[str, Any]]:
    try:
        client = await aio.AsyncTwilioClient.for_tenant(vault, tenant, api_base_url=SANDBOX,
                                                        accounts_base_url=SANDBOX,
                                                        allow_insecure_http=True)
    except vo.NotFound:
        raise HTTPException(404, "no such tenant") from None
    with client.sync:
        return [{"sid": n.sid, "number": n["phone_number"]}
                async for n in await client.numbers()]


@app.post("/tenants/{tenant}/numbers/import")
async def import_numbers(tenant: str) -> dict[str, Any]:
    rep = await services.import_numbers(tenant)
    return {"imported": rep.imported, "already_present": rep.present, "failed": rep.failed,
            "correlation_id": rep.correlation_id}


@app.post("/hooks/{token}/twilio")
async def twilio_hook(hook: VerifiedWebhook = Depends(TwilioWebhook(
        vault=vault.sync, url_options=url_options))) -> dict[str, Optional[str]]:
    return {"tenant": hook.tenant, "call": hook.form.get("CallSid")}


@app.post("/hooks/{token}/vapi")
async def vapi_hook(hook: VerifiedWebhook = Depends(VapiWebhook(
        vault=vault.sync, url_options=url_options))) -> dict[str, Optional[str]]:
    with vo.VapiMessage(hook.body) as msg:
        return {"tenant": hook.tenant, "type": msg.type}


def check() -> None:
    """Exercise every route once against the sandbox, through the real ASGI app."""
    import json
    import urllib.request

    from fastapi.testclient import TestClient

    def ctl(path: str, body: Any) -> Any:
        req = urllib.request.Request(SANDBOX + path, json.dumps(body).encode(), method="POST")
        with urllib.request.urlopen(req) as r:
            return json.loads(r.read())

    c = TestClient(app)
    for name in ("acme", "globex"):
        acc = ctl("/__sandbox/twilio/accounts", {})
        ctl(f"/__sandbox/twilio/accounts/{acc['account_sid']}/numbers",
            [{"phone_number": "+1650555" + str(1000 + len(name) * 7 + ord(name[0]))}])
        key = ctl("/__sandbox/vapi/keys", {})["api_key"]
        r = c.post("/tenants", json={"tenant": name, "twilio_account_sid": acc["account_sid"],
                                     "twilio_auth_token": acc["auth_token"],
                                     "vapi_api_key": key, "vapi_webhook_secret": "hook-" + name})
        assert r.status_code in (200, 409), r.text
        if r.status_code == 409:
            continue
        urls = r.json()
        print(name, "numbers:", c.get(f"/tenants/{name}/numbers").json())
        print(name, "import:", c.post(f"/tenants/{name}/numbers/import").json())
        sig = vo.sign_twilio(acc["auth_token"], urls["twilio_voice_url"], {"CallSid": "CA1"})
        path = urls["twilio_voice_url"][len(BASE):]
        ok = c.post(path, content=b"CallSid=CA1", headers={
            "X-Twilio-Signature": sig, "Content-Type": "application/x-www-form-urlencoded"})
        forged = c.post(path, content=b"CallSid=CA2", headers={
            "X-Twilio-Signature": sig, "Content-Type": "application/x-www-form-urlencoded"})
        vpath = urls["vapi_server_url"][len(BASE):]
        v = c.post(vpath, content=b'{"message":{"type":"status-update"}}',
                   headers={"x-vapi-secret": "hook-" + name})
        print(name, "webhooks: twilio", ok.status_code, ok.json(), "forged", forged.status_code,
              "vapi", v.status_code, v.json())
        assert ok.status_code == 200 and forged.status_code == 403 and v.status_code == 200


if __name__ == "__main__":
    try:
        if "--check" in sys.argv:
            check()
        else:
            import uvicorn
            uvicorn.run(app, host="127.0.0.1", port=PORT)
    finally:
        if _sandbox_proc is not None:
            _sandbox_proc.terminate()
