"""FastAPI (TestClient and a real uvicorn on loopback) and Flask helpers: valid, forged,
missing header, unknown tenant token, proxy-rewritten URL with trusted and untrusted
forwarded headers."""
from __future__ import annotations

import socket
import threading
import time
import urllib.error
import urllib.request
from typing import Any, Iterator
from urllib.parse import urlencode

import pytest
from vo_testkit import Sandbox, services, vo

fastapi = pytest.importorskip("fastapi")
flask = pytest.importorskip("flask")
from fastapi.testclient import TestClient  # noqa: E402

from voiceops import fastapi as vo_fastapi  # noqa: E402
from voiceops import flask as vo_flask  # noqa: E402
from voiceops.webhooks import X_FORWARDED_HOST, X_FORWARDED_PROTO  # noqa: E402

PARAMS = [("CallSid", "CA" + "1" * 32), ("From", "+14155550100"), ("To", "+16505550100")]
BODY = urlencode(PARAMS).encode()
FORM_CT = "application/x-www-form-urlencoded"


@pytest.fixture()
def routed(vault: vo.Vault, sandbox: Sandbox, tenant: dict[str, Any]) -> dict[str, Any]:
    token = services(vault, sandbox).mint_routing_token(tenant["id"])
    return {"token": token, "auth": tenant["account"]["auth_token"], "tenant": tenant["id"]}


def fastapi_app(vault: vo.Vault, url_options: vo.PublicUrlOptions) -> Any:
    app = fastapi.FastAPI()
    twilio_dep = vo_fastapi.TwilioWebhook(vault=vault, url_options=url_options)
    vapi_dep = vo_fastapi.VapiWebhook(vault=vault, url_options=url_options)

    @app.post("/hooks/{token}/voice")
    async def voice(hook: vo_fastapi.VerifiedWebhook = fastapi.Depends(twilio_dep)) -> dict[str, Any]:
        return {"tenant": hook.tenant, "from": hook.form["From"]}

    @app.post("/hooks/{token}/vapi")
    async def vapi(hook: vo_fastapi.VerifiedWebhook = fastapi.Depends(vapi_dep)) -> dict[str, Any]:
        return {"tenant": hook.tenant}

    return app


BASE = vo.PublicUrlOptions(base_url="https://hooks.example.com")


def _cases(post: Any, token: str, auth: str, tenant: str) -> None:
    url = f"https://hooks.example.com/hooks/{token}/voice"
    sig = vo.sign_twilio(auth, url, PARAMS)
    ok = post(f"/hooks/{token}/voice", BODY, {"X-Twilio-Signature": sig, "Content-Type": FORM_CT})
    assert ok == (200, tenant)
    forged = post(f"/hooks/{token}/voice", BODY + b"&x=1",
                  {"X-Twilio-Signature": sig, "Content-Type": FORM_CT})
    assert forged[0] == 403
    missing = post(f"/hooks/{token}/voice", BODY, {"Content-Type": FORM_CT})
    expect = vo.verify_twilio(auth, url, None, BODY, FORM_CT).http_status
    assert missing[0] == expect and missing[0] in (400, 403)
    unknown = post("/hooks/whk_" + "A" * 43 + "/voice", BODY,
                   {"X-Twilio-Signature": sig, "Content-Type": FORM_CT})
    assert unknown[0] == 404
    garbage = post("/hooks/not-a-token/voice", BODY,
                   {"X-Twilio-Signature": sig, "Content-Type": FORM_CT})
    assert garbage[0] == 400
    vapi_ok = post(f"/hooks/{token}/vapi", b'{"message":{"type":"status-update"}}',
                   {"x-vapi-secret": "vapi-hook-secret", "Content-Type": "application/json"})
    assert vapi_ok == (200, tenant)
    vapi_bad = post(f"/hooks/{token}/vapi", b'{"message":{}}', {"x-vapi-secret": "nope"})
    assert vapi_bad[0] == 403


def test_fastapi_testclient(vault: vo.Vault, routed: dict[str, Any]) -> None:
    client = TestClient(fastapi_app(vault, BASE))

    def post(path: str, body: bytes, headers: dict[str, str]) -> tuple[int, Any]:
        r = client.post(path, content=body, headers=headers)
        return r.status_code, (r.json().get("tenant") if r.status_code == 200 else r.json())

    _cases(post, routed["token"], routed["auth"], routed["tenant"])


def test_flask(vault: vo.Vault, routed: dict[str, Any]) -> None:
    app = flask.Flask(__name__)

    @app.post("/hooks/<token>/voice")
    @vo_flask.verify_webhook(vo_flask.WebhookConfig(provider="twilio", vault=vault,
                                                    url_options=BASE))
    def voice(token: str, hook: vo_flask.VerifiedWebhook) -> Any:
        return {"tenant": hook.tenant, "from": hook.form["From"]}

    @app.post("/hooks/<token>/vapi")
    @vo_flask.verify_webhook(vo_flask.WebhookConfig(provider="vapi", vault=vault,
                                                    url_options=BASE))
    def vapi(token: str, hook: vo_flask.VerifiedWebhook) -> Any:
        return {"tenant": hook.tenant}

    client = app.test_client()

    def post(path: str, body: bytes, headers: dict[str, str]) -> tuple[int, Any]:
        r = client.post(path, data=body, headers=headers)
        return r.status_code, (r.get_json().get("tenant") if r.status_code == 200 else None)

    _cases(post, routed["token"], routed["auth"], routed["tenant"])


def test_fixed_keys_without_vault() -> None:
    app = fastapi.FastAPI()
    dep = vo_fastapi.TwilioWebhook(keys=["k" * 32], url_options=BASE)

    @app.post("/voice")
    async def voice(hook: vo_fastapi.VerifiedWebhook = fastapi.Depends(dep)) -> dict[str, str]:
        return hook.form

    c = TestClient(app)
    sig = vo.sign_twilio("k" * 32, "https://hooks.example.com/voice", PARAMS)
    assert c.post("/voice", content=BODY, headers={"X-Twilio-Signature": sig,
                                                   "Content-Type": FORM_CT}).status_code == 200
    assert c.post("/voice", content=BODY, headers={"X-Twilio-Signature": "x" + sig[1:],
                                                   "Content-Type": FORM_CT}).status_code == 403
    with pytest.raises(vo.InvalidInput):
        vo_fastapi.TwilioWebhook()  # no keys, no vault: refused (no unverified mode)


def _free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p: int = s.getsockname()[1]
    s.close()
    return p


@pytest.fixture()
def uvicorn_server(vault: vo.Vault) -> Iterator[Any]:
    uvicorn = pytest.importorskip("uvicorn")
    servers = []

    def start(opts: vo.PublicUrlOptions) -> str:
        port = _free_port()
        cfg = uvicorn.Config(fastapi_app(vault, opts), host="127.0.0.1", port=port,
                             log_level="warning", proxy_headers=False)
        srv = uvicorn.Server(cfg)
        th = threading.Thread(target=srv.run, daemon=True)
        th.start()
        servers.append((srv, th))
        for _ in range(200):
            if srv.started:
                break
            time.sleep(0.02)
        return f"http://127.0.0.1:{port}"

    yield start
    for srv, th in servers:
        srv.should_exit = True
        th.join(5)


def _http(url: str, body: bytes, headers: dict[str, str]) -> int:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, body, headers)) as r:
            return int(r.status)
    except urllib.error.HTTPError as e:
        return int(e.code)


def test_uvicorn_behind_a_proxy(uvicorn_server: Any, sandbox: Sandbox,
                                routed: dict[str, Any]) -> None:
    token = routed["token"]
    public = f"https://hooks.example.com/hooks/{token}/voice"
    sig = vo.sign_twilio(routed["auth"], public, PARAMS)
    proxied = {"X-Twilio-Signature": sig, "Content-Type": FORM_CT,
               "X-Forwarded-Proto": "https", "X-Forwarded-Host": "hooks.example.com"}
    bits = X_FORWARDED_PROTO | X_FORWARDED_HOST
    trusted = uvicorn_server(vo.PublicUrlOptions(trusted_proxies=["127.0.0.1"],
                                                 forwarded_headers=bits))
    untrusted = uvicorn_server(vo.PublicUrlOptions(trusted_proxies=["10.0.0.0/8"],
                                                   forwarded_headers=bits))
    assert _http(f"{trusted}/hooks/{token}/voice", BODY, proxied) == 200
    assert _http(f"{untrusted}/hooks/{token}/voice", BODY, proxied) == 403
    assert _http(f"{trusted}/hooks/{token}/voice", BODY,
                 {k: v for k, v in proxied.items() if k != "X-Twilio-Signature"}) in (400, 403)
    assert _http(f"{trusted}/hooks/whk_{'B' * 43}/voice", BODY, proxied) == 404
    # a webhook signed and sent by the sandbox, to the URL it really calls (no proxy)
    direct = f"{untrusted}/hooks/{token}/voice?x=1"
    r = sandbox.ctl("POST", "/__sandbox/webhooks/send",
                    {"provider": "twilio", "account_sid": routed_account(sandbox, routed),
                     "url": direct, "params": dict(PARAMS)})
    assert r["status"] == 200, r
    r = sandbox.ctl("POST", "/__sandbox/webhooks/send",
                    {"provider": "twilio", "account_sid": routed_account(sandbox, routed),
                     "url": direct, "params": dict(PARAMS), "auth_token": "0" * 32})
    assert r["status"] == 403


def routed_account(sandbox: Sandbox, routed: dict[str, Any]) -> str:
    for a in sandbox.ctl("GET", "/__sandbox/twilio/accounts"):
        if a["auth_token"] == routed["auth"]:
            return str(a["account_sid"])
    raise AssertionError("account not found")


def test_raw_request_bytes_reach_c_unchanged() -> None:
    from starlette.requests import Request

    def parts(raw: bytes, qs: bytes) -> Any:
        scope = {"type": "http", "method": "POST", "scheme": "http", "path": "/x",
                 "raw_path": raw, "query_string": qs,
                 "headers": [(b"host", b"hooks.example.com")], "client": ("127.0.0.1", 5)}
        return vo_fastapi.request_parts(Request(scope))

    target, headers, scheme, peer = parts(b"/caf%C3%A9/%41", b"q=%E4%B8%AD&x=%20&y=a+b")
    url = vo.public_url(target, headers, scheme=scheme, peer_address=peer)
    # not decoded, not re-encoded: the URL Twilio signed, byte for byte
    assert url == "http://hooks.example.com/caf%C3%A9/%41?q=%E4%B8%AD&x=%20&y=a+b"
    sig = vo.sign_twilio("k" * 32, url, PARAMS)
    assert vo.verify_twilio("k" * 32, url, sig, BODY)
    # raw non-ASCII bytes in the target are the sender's fault: ParseError (the helpers: 400)
    target, headers, scheme, peer = parts(b"/caf\xc3\xa9", b"")
    with pytest.raises(vo.ParseError):
        vo.public_url(target, headers, scheme=scheme, peer_address=peer)


# ---- the opt-in webhook guard (issue 15)

def _guard_cases(post: Any, calls: list[Any], token: str, auth: str, tenant: str,
                 duplicate_body: Any) -> None:
    """The same signed Twilio webhook twice: the handler runs once, the retry answers 200;
    a replay (no idempotency token) answers 403; a forgery 403 and nothing recorded."""
    url = f"https://hooks.example.com/hooks/{token}/voice"
    h = {"X-Twilio-Signature": vo.sign_twilio(auth, url, PARAMS), "Content-Type": FORM_CT,
         "I-Twilio-Idempotency-Token": "idem-framework-1"}
    assert post(f"/hooks/{token}/voice", BODY, h)[0] == 200
    assert calls == [tenant]
    assert post(f"/hooks/{token}/voice", BODY, h) == (200, duplicate_body)  # Twilio's retry
    assert calls == [tenant]  # not called again
    replay = {k: v for k, v in h.items() if k != "I-Twilio-Idempotency-Token"}
    assert post(f"/hooks/{token}/voice", BODY, replay)[0] == 403
    assert post(f"/hooks/{token}/voice", BODY + b"&x=1", h)[0] == 403
    assert calls == [tenant]


def test_fastapi_guard(vault: vo.Vault, routed: dict[str, Any]) -> None:
    app = fastapi.FastAPI()
    dep = vo_fastapi.TwilioWebhook(vault=vault, url_options=BASE, guard=True)
    calls: list[Any] = []

    @app.post("/hooks/{token}/voice")
    async def voice(hook: vo_fastapi.VerifiedWebhook = fastapi.Depends(dep)) -> dict[str, Any]:
        assert hook.verification.seen == "first" and not hook.duplicate
        calls.append(hook.tenant)
        return {"tenant": hook.tenant}

    client = TestClient(app)

    def post(path: str, body: bytes, headers: dict[str, str]) -> tuple[int, Any]:
        r = client.post(path, content=body, headers=headers)
        return r.status_code, r.json()

    _guard_cases(post, calls, routed["token"], routed["auth"], routed["tenant"],
                 {"detail": "duplicate"})
    assert vault.seen_count() == 1


def test_flask_guard(vault: vo.Vault, routed: dict[str, Any]) -> None:
    app = flask.Flask(__name__)
    calls: list[Any] = []

    @app.post("/hooks/<token>/voice")
    @vo_flask.verify_webhook(vo_flask.WebhookConfig(provider="twilio", vault=vault,
                                                    url_options=BASE, guard=True))
    def voice(token: str, hook: vo_flask.VerifiedWebhook) -> Any:
        calls.append(hook.tenant)
        return {"tenant": hook.tenant}

    client = app.test_client()

    def post(path: str, body: bytes, headers: dict[str, str]) -> tuple[int, Any]:
        r = client.post(path, data=body, headers=headers)
        return r.status_code, r.data

    _guard_cases(post, calls, routed["token"], routed["auth"], routed["tenant"], b"")


def test_guard_on_duplicate_call_and_fixed_keys(vault: vo.Vault) -> None:
    """on_duplicate="call": the handler sees hook.duplicate (to answer the same TwiML);
    fixed keys: the guard records under the configured tenant."""
    auth = "k" * 32
    app = fastapi.FastAPI()
    dep = vo_fastapi.TwilioWebhook(keys=[auth], vault=vault, tenant="acme", url_options=BASE,
                                   guard=vo.GuardOptions(retention_seconds=3600),
                                   on_duplicate="call")
    seen: list[tuple[str, bool]] = []

    @app.post("/voice")
    async def voice(hook: vo_fastapi.VerifiedWebhook = fastapi.Depends(dep)) -> Any:
        seen.append((str(hook.tenant), hook.duplicate))
        return fastapi.Response("<Response/>", media_type="text/xml")

    client = TestClient(app)
    url = "https://hooks.example.com/voice"
    h = {"X-Twilio-Signature": vo.sign_twilio(auth, url, PARAMS), "Content-Type": FORM_CT,
         "I-Twilio-Idempotency-Token": "idem-2"}
    for _ in range(2):
        r = client.post("/voice", content=BODY, headers=h)
        assert r.status_code == 200 and r.text == "<Response/>"
    assert seen == [("acme", False), ("acme", True)]
    # the entry lives under tenant acme: the same request checked directly is a duplicate
    assert vo.guard_twilio(vault, "acme", auth, url, h, BODY).duplicate
    with pytest.raises(vo.InvalidInput):
        vo_fastapi.TwilioWebhook(keys=[auth], url_options=BASE, guard=True)  # no store
    with pytest.raises(vo.InvalidInput):
        vo_fastapi.TwilioWebhook(vault=vault, guard=True, on_duplicate="ignore")
