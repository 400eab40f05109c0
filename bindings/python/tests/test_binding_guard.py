"""Issue 15 from Python: the webhook guard (duplicate / replay), the seen-request store and
signed audit checkpoints, against real vault files (and, for routing, the sandbox)."""
from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from vo_testkit import PKG, services, vo

from voiceops import aio

TOKEN = "twilio-auth-token-0123456789abcd"
URL = "https://hooks.example.com/twilio/voice"
PARAMS = [("CallSid", "CA" + "7" * 32), ("CallStatus", "completed"), ("From", "+14155550100")]
BODY = urlencode(PARAMS).encode()
FORM_CT = "application/x-www-form-urlencoded"
IDEM = "idem-0f1e2d3c"


def twilio_headers(idem: str | None = IDEM, token: str = TOKEN) -> dict[str, str]:
    h = {"X-Twilio-Signature": vo.sign_twilio(token, URL, PARAMS), "Content-Type": FORM_CT}
    if idem is not None:
        h["I-Twilio-Idempotency-Token"] = idem
    return h


def test_twilio_same_webhook_twice_is_a_duplicate(vault: vo.Vault) -> None:
    now = int(time.time())
    first = vo.guard_twilio(vault, "acme", TOKEN, URL, twilio_headers(), BODY, now=now)
    assert first.ok and first and first.rc == 0 and first.http_status == 200
    assert first.seen == "first" and not first.duplicate
    assert abs(first.seen_at_ms - now * 1000) < 2000
    assert first.raise_for_status() is first
    assert vault.seen_count() == 1

    # Twilio's retry: the same signed request, same idempotency token, seconds later
    again = vo.guard_twilio(vault, "acme", [TOKEN], URL, twilio_headers(), BODY, now=now + 5)
    assert not again.ok and not again  # the idiom `if not v: return v.http_status` stays right
    assert again.duplicate and again.rc == -28 and again.reason == "duplicate"
    assert again.http_status == 200 and again.seen == "duplicate"
    assert again.seen_at_ms == first.seen_at_ms
    with pytest.raises(vo.Duplicate) as ei:
        again.raise_for_status()
    assert isinstance(ei.value, vo.WebhookError) and ei.value.http_status == 200
    assert ei.value.reason == "duplicate"
    assert vault.seen_count() == 1


def test_twilio_replay_is_refused_403(vault: vo.Vault) -> None:
    now = int(time.time())
    assert vo.guard_twilio(vault, "acme", TOKEN, URL, twilio_headers(), BODY, now=now)
    # captured and replayed: no idempotency token, or a made-up one
    for h in (twilio_headers(idem=None), twilio_headers(idem="made-up")):
        r = vo.guard_twilio(vault, "acme", TOKEN, URL, h, BODY, now=now + 10)
        assert not r and not r.duplicate
        assert (r.rc, r.reason, r.http_status, r.seen) == (-7, "replay", 403, "replay")
        with pytest.raises(vo.AuthError) as ei:
            r.raise_for_status()
        assert isinstance(ei.value, vo.WebhookError) and not isinstance(ei.value, vo.Duplicate)
    # with the right token but after the retry window: a replay too
    late = vo.guard_twilio(vault, "acme", TOKEN, URL, twilio_headers(), BODY, now=now + 301)
    assert late.reason == "replay" and late.http_status == 403
    # a shorter window from GuardOptions
    g = vo.GuardOptions(retry_window_seconds=2)
    body2 = BODY + b"&Digits=1"
    h2 = {"X-Twilio-Signature": vo.sign_twilio(TOKEN, URL, PARAMS + [("Digits", "1")]),
          "Content-Type": FORM_CT, "I-Twilio-Idempotency-Token": IDEM}
    assert vo.guard_twilio(vault, "acme", TOKEN, URL, h2, body2, guard=g, now=now)
    assert vo.guard_twilio(vault, "acme", TOKEN, URL, h2, body2, guard=g, now=now + 1).duplicate
    assert vo.guard_twilio(vault, "acme", TOKEN, URL, h2, body2, guard=g,
                           now=now + 3).reason == "replay"
    # entries are per tenant
    assert vo.guard_twilio(vault, "beta", TOKEN, URL, twilio_headers(), BODY, now=now).seen == "first"


def test_forged_and_bad_input_are_not_recorded(vault: vo.Vault) -> None:
    forged = vo.guard_twilio(vault, "acme", "another-token-000000000000000000", URL,
                             twilio_headers(), BODY)
    assert (forged.ok, forged.http_status, forged.seen, forged.seen_at_ms) == (False, 403,
                                                                           "not_checked", 0)
    assert vault.seen_count() == 0
    # the genuine one is still "first" afterwards
    assert vo.guard_twilio(vault, "acme", TOKEN, URL, twilio_headers(), BODY).seen == "first"
    bad = vo.guard_twilio(vault, "bad tenant!", TOKEN, URL, twilio_headers(), BODY)
    assert not bad and bad.rc == -2 and bad.seen == "not_checked"
    for g in (vo.GuardOptions(retention_seconds=-1), vo.GuardOptions(retry_window_seconds=10**9)):
        r = vo.guard_twilio(vault, "acme", TOKEN, URL, twilio_headers(), BODY, guard=g)
        assert r.rc == -2 and r.http_status == 500 and "guard" in r.message  # our mistake
        with pytest.raises(vo.InvalidInput):
            r.raise_for_status()
    assert vault.seen_count() == 1
    # nothing readable in the vault file: no signature, no call sid, no token
    vault.close()
    raw = b"".join(p.read_bytes() for p in Path(vault.path).parent.glob("vault.db*"))
    assert twilio_headers()["X-Twilio-Signature"].encode() not in raw
    assert PARAMS[0][1].encode() not in raw and IDEM.encode() not in raw


def test_concurrent_deliveries_exactly_one_first(vault: vo.Vault) -> None:
    now = int(time.time())
    results: list[vo.Verification] = []
    lock = threading.Lock()
    start = threading.Barrier(8)

    def deliver() -> None:
        start.wait()
        r = vo.guard_twilio(vault, "acme", TOKEN, URL, twilio_headers(), BODY, now=now)
        with lock:
            results.append(r)

    threads = [threading.Thread(target=deliver) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(r.seen for r in results) == ["duplicate"] * 7 + ["first"]
    assert sum(1 for r in results if r.ok) == 1


def test_another_process_sees_the_same_store(vault: vo.Vault, keyfile: Path) -> None:
    assert vo.guard_twilio(vault, "acme", TOKEN, URL, twilio_headers(), BODY)
    code = (
        "import sys, json, voiceops as vo\n"
        f"v = vo.Vault({vault.path!r}, key_file={str(keyfile)!r})\n"
        "h = json.loads(sys.argv[1])\n"
        f"r = vo.guard_twilio(v, 'acme', {TOKEN!r}, {URL!r}, h, {BODY!r})\n"
        "print(r.seen, r.http_status)\n")
    env = dict(os.environ, PYTHONPATH=str(PKG))
    out = subprocess.run([sys.executable, "-c", code, json.dumps(twilio_headers())],
                         capture_output=True, text=True, env=env, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["duplicate", "200"]


def test_standard_webhooks_retry_and_replay(vault: vo.Vault) -> None:
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    body = b'{"type":"call.ended","id":"evt_1"}'
    now = int(time.time())

    def headers(ts: int) -> dict[str, str]:
        return {"webhook-id": "msg_2Kxyz", "webhook-timestamp": str(ts),
                "webhook-signature": vo.sign_standard(secret, "msg_2Kxyz", ts, body)}

    h = headers(now)
    assert vo.guard_standard(vault, "acme", secret, h, body, now=now).seen == "first"
    replay = vo.guard_standard(vault, "acme", [secret], h, body, now=now + 1)
    assert (replay.reason, replay.http_status) == ("replay", 403)
    retry = vo.guard_standard(vault, "acme", secret, headers(now + 30), body, now=now + 30)
    assert retry.duplicate and retry.http_status == 200
    expired = vo.guard_standard(vault, "acme", secret, h, body, now=now + 400)
    assert expired.rc == -21 and expired.http_status == 403 and expired.seen == "not_checked"


def test_vapi_shared_secret_repeat_is_a_duplicate(vault: vo.Vault) -> None:
    body = b'{"message":{"type":"status-update","status":"ended"}}'
    h = {"x-vapi-secret": "vapi-hook-secret", "Content-Type": "application/json"}
    assert vo.guard_vapi(vault, "acme", "vapi-hook-secret", h, body).seen == "first"
    again = vo.guard_vapi(vault, "acme", "vapi-hook-secret", h, body, url="https://x/vapi")
    assert again.duplicate and again.http_status == 200
    bad = vo.guard_vapi(vault, "acme", "vapi-hook-secret", {"x-vapi-secret": "nope"}, body)
    assert bad.http_status == 403 and bad.seen == "not_checked"


def test_awaitable_forms(vault: vo.Vault) -> None:
    async def main() -> tuple[vo.Verification, vo.Verification, vo.Sighting, int]:
        av = aio.AsyncVault(vault)
        a = await aio.guard_twilio(av, "acme", TOKEN, URL, twilio_headers(), BODY)
        b = await aio.guard_twilio(vault, "acme", TOKEN, URL, twilio_headers(), BODY)
        s = await av.seen_put("acme", "app.event", b"evt-1", expires_at_ms=2**42)
        return a, b, s, await av.seen_count()

    a, b, s, n = asyncio.run(main())
    assert a.seen == "first" and b.duplicate and s.first and n == 2


def test_seen_store(vault: vo.Vault) -> None:
    t0 = 1_800_000_000_000
    first = vault.seen_put("acme", "app.event", b"evt-1", b"mark-a", now_ms=t0,
                           expires_at_ms=t0 + 60_000)
    assert first and first.first and first.seen_at_ms == t0
    same = vault.seen_put("acme", "app.event", b"evt-1", b"mark-a", now_ms=t0 + 5,
                          expires_at_ms=t0 + 60_000)
    assert not same and same.seen_at_ms == t0 and same.same_mark
    other = vault.seen_put("acme", "app.event", b"evt-1", b"mark-b", now_ms=t0 + 6,
                           expires_at_ms=t0 + 60_000)
    assert not other.first and not other.same_mark
    # scopes and tenants do not collide; no mark is fine
    assert vault.seen_put("acme", "app.other", b"evt-1", now_ms=t0, expires_at_ms=t0 + 1000)
    assert vault.seen_put("beta", "app.event", b"evt-1", now_ms=t0, expires_at_ms=t0 + 1000)
    for i in range(20):
        vault.seen_put("acme", "app.bulk", b"e%d" % i, now_ms=t0, expires_at_ms=t0 + 10)
    assert vault.seen_count() == 23
    # an expired entry counts as absent
    assert vault.seen_put("acme", "app.other", b"evt-1", now_ms=t0 + 2000,
                          expires_at_ms=t0 + 3000).first
    # pruning: bounded batches, never an entry inside its window
    before = vault.seen_count()
    assert before >= 10
    assert vault.seen_prune(now_ms=t0 + 5000, max_rows=5) == 5
    assert vault.seen_count() == before - 5
    while vault.seen_prune(now_ms=t0 + 5000, max_rows=5) == 5:
        pass
    assert vault.seen_count() == 1  # only acme/app.event/evt-1 is inside its window
    assert not vault.seen_put("acme", "app.event", b"evt-1", now_ms=t0 + 5001,
                              expires_at_ms=t0 + 60_000).first
    with pytest.raises(vo.InvalidInput):
        vault.seen_put("acme", "Bad Scope!", b"x", expires_at_ms=2**42)
    with pytest.raises(vo.InvalidInput):
        vault.seen_put("acme", "app.event", b"x", now_ms=t0, expires_at_ms=t0)


# ---- signed audit checkpoints

def signer(seed: int, kid: str = "cp-1") -> vo.Keyring:
    return vo.Keyring().add_key(kid, bytes([seed]) * 32)


def some_writes(v: vo.Vault, n: int) -> None:
    try:
        v.create_tenant("acme")
    except vo.AlreadyExists:
        pass
    for i in range(n):
        v.put_secret("acme", "twilio/auth_token", f"value-{i}")


def reopen(path: str, keyfile: Path) -> vo.Vault:
    return vo.Vault(path, key_file=keyfile, actor="pytest")


def test_checkpoint_detects_a_rolled_back_vault_file(vault: vo.Vault, keyfile: Path,
                                                     tmp_path: Path) -> None:
    kr = signer(99)
    pk = kr.public_key("cp-1")
    assert len(pk) == 44 and pk == signer(99).public_key("cp-1") != signer(98).public_key("cp-1")
    some_writes(vault, 3)
    old = tmp_path / "old.db"
    vault.backup(old)  # what an attacker keeps
    some_writes(vault, 4)
    cp = vault.audit_checkpoint(kr, "cp-1")
    doc = json.loads(cp)
    assert doc["format"] == "voiceops.audit-checkpoint.v1" and doc["key_id"] == "cp-1"
    assert doc["seq"] > 0 and len(doc["head"]) == 64 and "value-" not in cp
    ok = vault.audit_verify_checkpoint(cp, pk)
    assert ok and ok.reason == "intact"
    some_writes(vault, 2)  # appending after a checkpoint is fine
    assert vault.audit_verify_checkpoint("\n" + cp + "\n", pk)
    path = vault.path
    vault.close()

    for suffix in ("-wal", "-shm"):
        Path(path + suffix).unlink(missing_ok=True)
    os.replace(old, path)  # roll the vault file back to the older copy
    with reopen(path, keyfile) as v:
        assert v.audit_verify()  # the chain alone cannot tell
        r = v.audit_verify_checkpoint(cp, pk)
        assert not r and r.reason == "rollback" and "rolled back" in r.message
        assert r.bad_seq > 0
        some_writes(v, 12)  # rolled back, then written past the checkpoint again
        assert v.audit_verify()
        f = v.audit_verify_checkpoint(cp, pk)
        assert not f and f.reason == "fork"

    async def via_aio() -> vo.AuditCheck:
        async with aio.AsyncVault(reopen(path, keyfile)) as av:
            return await av.audit_verify_checkpoint(cp, pk)

    assert asyncio.run(via_aio()).reason == "fork"


def test_checkpoint_refusals(vault: vo.Vault, tmp_path: Path, keyfile: Path) -> None:
    kr, other = signer(5), signer(6)
    some_writes(vault, 2)
    cp = vault.audit_checkpoint(kr, "cp-1")
    with pytest.raises(vo.AuthError):  # signed by another key
        vault.audit_verify_checkpoint(cp, other.public_key("cp-1"))
    doc = json.loads(cp)
    doc["seq"] += 1  # a field changed: the signature no longer covers it
    with pytest.raises(vo.AuthError):
        vault.audit_verify_checkpoint(json.dumps(doc), kr.public_key("cp-1"))
    doc["seq"] -= 1  # re-serialised but unchanged: still valid
    assert vault.audit_verify_checkpoint(json.dumps(doc, indent=1), kr.public_key("cp-1"))
    with pytest.raises(vo.ParseError):
        vault.audit_verify_checkpoint("{not json", kr.public_key("cp-1"))
    with reopen(str(tmp_path / "other.db"), keyfile) as v2:  # another vault's checkpoint
        some_writes(v2, 1)
        with pytest.raises(vo.Conflict):
            v2.audit_verify_checkpoint(cp, kr.public_key("cp-1"))
    with pytest.raises(vo.NotFound):
        vault.audit_checkpoint(kr, "no-such-key")
    with pytest.raises(vo.NotFound):
        kr.public_key("no-such-key")
    pw = vo.Keyring().add_passphrase("pw", "correct horse", opslimit=1, memlimit=8192)
    with pytest.raises(vo.Unsupported):
        pw.public_key("pw")
    with pytest.raises(vo.InvalidInput):
        vault.audit_verify_checkpoint(cp, "not-a-key")


def test_routed_guard_per_tenant_keys(vault: vo.Vault, sandbox: Any,
                                      tenant: dict[str, Any]) -> None:
    svc = services(vault, sandbox)
    token = svc.mint_routing_token(tenant["id"])
    body = b'{"message":{"type":"end-of-call-report","call":{"id":"call-1"}}}'
    h = {"x-vapi-secret": "vapi-hook-secret", "Content-Type": "application/json"}
    first = svc.guard_routed(token, "vapi", None, h, body)
    assert first and first.tenant == tenant["id"] and first.seen == "first"
    again = vo.guard_routed(vault, token, "vapi", None, h, body)
    assert again.duplicate and again.tenant == tenant["id"] and again.http_status == 200
    url = f"https://hooks.example.com/hooks/{token}/voice"
    auth = tenant["account"]["auth_token"]
    th = {"X-Twilio-Signature": vo.sign_twilio(auth, url, PARAMS), "Content-Type": FORM_CT}

    async def twice() -> list[vo.Verification]:
        asvc = aio.AsyncServices(vault)
        return [await asvc.guard_routed(token, "twilio", url, th, BODY),
                await aio.guard_routed(vault, token, "twilio", url, th, BODY)]

    a, b = asyncio.run(twice())
    assert a.seen == "first" and (b.reason, b.http_status) == ("replay", 403)
    unknown = vo.guard_routed(vault, "whk_" + "A" * 43, "twilio", url, th, BODY)
    assert unknown.http_status == 404 and unknown.seen == "not_checked"
    with pytest.raises(vo.InvalidInput):
        vo.guard_routed(vault, token, "sms", url, th, BODY)
