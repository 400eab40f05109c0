"""Twilio and Vapi clients, services, and every remote error kind, against the sandbox over
loopback."""
from __future__ import annotations

import socket
import time
from typing import Any

import pytest
from vo_testkit import Sandbox, services, twilio, vapi, vo


def test_twilio_client(vault: vo.Vault, sandbox: Sandbox, tenant: dict[str, Any]) -> None:
    with twilio(vault, sandbox, tenant["id"]) as c:
        assert c.account_sid == tenant["account"]["account_sid"] and not c.is_fallback
        assert c.account()["sid"] == c.account_sid
        it = c.numbers({"PageSize": 1})
        first = next(it)
        assert first.sid and first.sid.startswith("PN") and first.request_id.startswith("RQ")
        assert it.pages == 1
        rest = list(it)
        assert len(rest) == 1 and it.pages == 2 and it.closed
        num = c.number(first.sid)
        assert num["phone_number"] == first["phone_number"]
        upd = c.update_number(first.sid, {"VoiceUrl": "https://example.com/voice"})
        assert upd["voice_url"] == "https://example.com/voice"
        call = c.create_call("+14155550123", first["phone_number"],
                             {"Url": "https://example.com/twiml"})
        assert call.sid and call.sid.startswith("CA") and c.call(call.sid).sid == call.sid
        assert any(x.sid == call.sid for x in c.calls())
        c.update_call(call.sid, {"Status": "completed"})
        msg = c.create_message("+14155550123", {"From": first["phone_number"], "Body": "hi"})
        assert c.message(str(msg.sid))["body"] == "hi" and list(c.messages())
        avail = next(c.available_numbers("US", "Local", {"AreaCode": "415"}))
        bought = c.purchase_number({"PhoneNumber": avail["phone_number"]})
        c.release_number(str(bought.sid))
        key, secret = c.create_key("ci")
        with secret:
            assert len(secret) >= 16 and "secret" not in key
        assert any(k.sid == key.sid for k in c.keys())
        c.delete_key(str(key.sid))
        stored = c.create_key_in_vault(vault, tenant["id"], "stored")
        assert vault.get_twilio_credentials(tenant["id"]).api_key_sid == stored.sid
        sub, tok = c.create_subaccount("child")
        assert sub.sid and len(tok) == 32 and list(c.subaccounts())
        _, sec = c.create_secondary_auth_token()
        c.delete_secondary_auth_token()
        assert len(sec) == 32


def test_vapi_client(vault: vo.Vault, sandbox: Sandbox, tenant: dict[str, Any]) -> None:
    with vapi(vault, sandbox, tenant["id"]) as c:
        assert c.tenant == tenant["id"] and c.base_url == sandbox.url
        a = c.create_assistant(name="Ada", first_message="Hello",
                               model_json={"provider": "openai", "model": "gpt-4o"})
        assert a.id and c.assistant(a.id)["name"] == "Ada"
        c.update_assistant(a.id, name="Ada 2")
        assert any(x.id == a.id for x in c.assistants(page_size=1))
        nums = list(twilio(vault, sandbox, tenant["id"]).numbers())
        n = c.import_twilio_number(vault, tenant["id"], nums[0]["phone_number"],
                                   assistant_id=a.id, sms=False)
        assert n["number"] == nums[0]["phone_number"] and "twilioAuthToken" not in n
        assert [x.id for x in c.numbers()] == [n.id] and list(c.numbers_v2(page_size=1))
        c.update_number(str(n.id), name="main")
        call = c.create_call(assistant_id=a.id, phone_number_id=n.id,
                             customer_number="+14155550100")
        assert call.id and c.call(call.id).id == call.id and list(c.calls(assistant_id=a.id))
        c.update_call(call.id, "renamed")
        c.delete_call(call.id)
        c.delete_number(str(n.id))
        c.delete_assistant(a.id)
        with pytest.raises(vo.NotFound) as ei:
            c.assistant(a.id)
        assert ei.value.http_status == 404
        with pytest.raises(vo.InvalidInput):
            c.create_assistant(no_such_field="x")


def test_services(vault: vo.Vault, sandbox: Sandbox, tenant: dict[str, Any]) -> None:
    svc = services(vault, sandbox)
    cid = vo.new_correlation_id()
    tok = vo.correlation_id.set(cid)
    try:
        rep = svc.import_numbers(tenant["id"])
    finally:
        vo.correlation_id.reset(tok)
    assert rep.correlation_id == cid
    assert (rep.imported, rep.present, rep.failed) == (2, 0, 0)
    assert {i.status for i in rep.items} == {"imported"} and all(i.vapi_id for i in rep.items)
    rep2 = svc.import_numbers(tenant["id"])
    assert (rep2.imported, rep2.present) == (0, 2)
    assert any(r.correlation_id == cid and r.action.startswith("import")
               for r in vault.audit(tenant=tenant["id"]))
    token = svc.mint_routing_token(tenant["id"])
    assert token.startswith("whk_") and svc.resolve_routing_token(token) == tenant["id"]
    with pytest.raises(vo.NotFound):
        svc.resolve_routing_token("whk_" + "A" * 43)
    with pytest.raises(vo.BadRequest):
        svc.resolve_routing_token("garbage")
    # token rotation: begin (secondary created), promote
    assert svc.token_rotation_state(tenant["id"]) == "idle"
    svc.begin_token_rotation(tenant["id"])
    assert svc.token_rotation_state(tenant["id"]) == "window"
    creds = vault.get_twilio_credentials(tenant["id"])
    assert creds.secondary_auth_token is not None
    svc.promote_token_rotation(tenant["id"])
    assert svc.token_rotation_state(tenant["id"]) == "idle"
    new = vault.get_twilio_credentials(tenant["id"]).auth_token
    assert new is not None and new != tenant["account"]["auth_token"]
    svc.begin_token_rotation(tenant["id"])
    svc.abort_token_rotation(tenant["id"])
    assert svc.token_rotation_state(tenant["id"]) == "idle"


def test_onboarding_refuses_wrong_credentials(vault: vo.Vault, sandbox: Sandbox) -> None:
    acc = sandbox.twilio_account(0)
    with pytest.raises(vo.AuthError) as ei:
        services(vault, sandbox).onboard("wrong", vo.TwilioCredentials(acc["account_sid"],
                                                                       "f" * 32))
    e = ei.value
    assert e.http_status == 401 and e.provider_code == 20003 and e.correlation_id
    assert "f" * 32 not in str(e) + repr(e)
    with pytest.raises(vo.NotFound):
        vault.tenant("wrong")  # nothing stored


def _client(vault: vo.Vault, sandbox: Sandbox, tid: str, **http: Any) -> vo.TwilioClient:
    return twilio(vault, sandbox, tid, http=vo.HttpOptions(**http))


def test_every_remote_error_kind(vault: vo.Vault, sandbox: Sandbox,
                                 tenant: dict[str, Any]) -> None:
    sid = tenant["account"]["account_sid"]
    calls = f"/2010-04-01/Accounts/{sid}/Calls.json"
    acct = f"/2010-04-01/Accounts/{sid}.json"
    c = _client(vault, sandbox, tenant["id"], max_attempts=1, breaker_threshold=-1)
    sandbox.fault(calls, "429", "POST", retry_after="7")
    with pytest.raises(vo.RateLimited) as rl:
        c.create_call("+14155550123", "+16505550100", {"Url": "https://e.com/x"})
    assert rl.value.retry_after == 7.0 and rl.value.http_status == 429
    assert rl.value.request_id.startswith("RQ")
    sandbox.fault(acct, "503", "GET")
    with pytest.raises(vo.Unavailable) as un:
        c.account()
    assert un.value.http_status == 503
    sandbox.fault(acct, "malformed", "GET")
    with pytest.raises(vo.ProtocolError):
        c.account()
    with pytest.raises(vo.NotFound) as nf:
        c.call("CA" + "0" * 32)
    assert nf.value.provider_code == 20404
    with pytest.raises(vo.ValidationError) as ve:
        c.create_call("not-a-number", "+16505550100", {"Url": "https://e.com/x"})
    assert ve.value.http_status == 400 and ve.value.provider_code
    slow = _client(vault, sandbox, tenant["id"], max_attempts=1, timeout_ms=200,
                   breaker_threshold=-1)
    sandbox.fault(acct, "delay", "GET", delay_ms=1500)
    with pytest.raises(vo.Timeout):
        slow.account()
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    dead = vo.TwilioClient.for_tenant(vault, tenant["id"], api_base_url=f"http://127.0.0.1:{port}",
                                      allow_insecure_http=True,
                                      http=vo.HttpOptions(max_attempts=1))
    with pytest.raises(vo.NetworkError):
        dead.account()
    with pytest.raises(vo.Unsupported if False else vo.VoiceOpsError):
        vo.TwilioClient.for_tenant(vault, tenant["id"], api_base_url="http://example.com")
    with pytest.raises(vo.NotFound):
        twilio(vault, sandbox, "no-such-tenant")
    time.sleep(1.3)  # let the delayed request finish on the server


def test_http_client_shared_and_raw_requests(vault: vo.Vault, sandbox: Sandbox,
                                             tenant: dict[str, Any]) -> None:
    with vo.HttpClient(vo.HttpOptions(user_agent_suffix="pytest")) as http:
        assert "pytest" in http.user_agent
        r = http.request("GET", sandbox.url, "/__sandbox/health")
        assert r.status == 200 and r.json() == {"ok": True}
        c1 = twilio(vault, sandbox, tenant["id"], http_client=http)
        c2 = vapi(vault, sandbox, tenant["id"], http_client=http)
    # the shared transport outlives its owner's close: the clients still work
    c1.account()
    list(c2.assistants())
    c1.close()
    c2.close()
