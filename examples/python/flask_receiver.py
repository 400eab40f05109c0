"""Flask variant of the webhook receiver: one endpoint for every tenant, verified with the
tenant's keys from the vault (resolved from the routing token in the URL).

    VOICEOPS_VAULT=example-vault.db VOICEOPS_KEY_FILE=example-kek.key \
    PUBLIC_BASE_URL=https://hooks.example.com python3 examples/python/flask_receiver.py
"""
from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from flask import Flask

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bindings" / "python"))
if not os.environ.get("VOICEOPS_LIBRARY") and (ROOT / "build/lib/libvoiceops.so.1").exists():
    os.environ["VOICEOPS_LIBRARY"] = str(ROOT / "build/lib/libvoiceops.so.1")

import voiceops as vo  # noqa: E402
from voiceops.flask import VerifiedWebhook, WebhookConfig, verify_webhook  # noqa: E402

vault = vo.Vault(os.environ.get("VOICEOPS_VAULT", "example-vault.db"),
                 key_file=os.environ.get("VOICEOPS_KEY_FILE", "example-kek.key"),
                 actor="flask-receiver")
urls = vo.PublicUrlOptions(base_url=os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000"))
app = Flask(__name__)


@app.post("/hooks/<token>/twilio")
@verify_webhook(WebhookConfig(provider="twilio", vault=vault, url_options=urls))
def twilio(token: str, hook: VerifiedWebhook) -> Any:
    return {"tenant": hook.tenant, "call": hook.form.get("CallSid")}


@app.post("/hooks/<token>/vapi")
@verify_webhook(WebhookConfig(provider="vapi", vault=vault, url_options=urls))
def vapi(token: str, hook: VerifiedWebhook) -> Any:
    with vo.VapiMessage(hook.body) as msg:
        return {"tenant": hook.tenant, "type": msg.type}


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=int(os.environ.get("PORT", "5000")))
