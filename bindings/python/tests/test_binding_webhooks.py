"""Webhook verification from Python: the C suite's vectors, Vapi and Standard Webhooks, the
public URL, Vapi messages, and a differential test against twilio's RequestValidator."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import random
from urllib.parse import parse_qsl, urlencode

import pytest
from vo_testkit import vo

TOKEN = "12345"
URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
PARAMS = [("CallSid", "CA1234567890ABCDE"), ("Caller", "+14158675309"), ("Digits", "1234"),
          ("From", "+14158675309"), ("To", "+18005551212")]
FORM = urlencode(PARAMS).encode()
EXPECTED = "RSOYDt4T1cUTdK1PDd93/VVr8B8="


def test_twilio_vectors() -> None:
    assert vo.sign_twilio(TOKEN, URL, PARAMS) == EXPECTED
    assert vo.sign_twilio(TOKEN, URL, list(reversed(PARAMS))) == EXPECTED
    r = vo.verify_twilio(TOKEN, URL, EXPECTED, FORM)
    assert r and r.reason == "ok" and r.http_status == 200 and r.key_index == 0 and r.url_form == 0
    r = vo.verify_twilio(TOKEN, "https://mycompany.com:1234/myapp.php?foo=1&bar=2", EXPECTED, FORM)
    assert r and r.url_form == 1
    port = "http://mycompany.com:1234/myapp.php?foo=1&bar=2"
    assert vo.sign_twilio(TOKEN, port, PARAMS) == "Zmvh+3yNM1Phv2jhDCwEM3q5ebU="
    ui = "https://user:pass@mycompany.com/myapp.php?foo=1&bar=2"
    assert vo.sign_twilio(TOKEN, ui, PARAMS) == "CukzLTc1tT5dXEDIHm/tKBanW10="
    rep = [("Sid", "CA123"), ("SidAccount", "AC123"), ("Digits", "5678"), ("Digits", "1234"),
           ("Digits", "1234")]
    assert vo.sign_twilio(TOKEN, URL, rep) == "IK+Dwps556ElfBT0I3Rgjkr1wJU="
    assert vo.verify_twilio(TOKEN, URL, "IK+Dwps556ElfBT0I3Rgjkr1wJU=", urlencode(rep).encode())
    body = b'{"property": "value", "boolean": true}'
    h = "0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620"
    assert vo.twilio_body_sha256(body) == h
    jurl = URL + "&bodySHA256=" + h
    assert vo.sign_twilio(TOKEN, jurl) == "a9nBmqA0ju/hNViExpshrM61xv4="
    assert vo.verify_twilio(TOKEN, jurl, "a9nBmqA0ju/hNViExpshrM61xv4=", body, "application/json")
    bad = vo.verify_twilio(TOKEN, jurl, "a9nBmqA0ju/hNViExpshrM61xv4=", body + b" ",
                           "application/json")
    assert not bad and bad.reason == "body_hash_mismatch" and bad.http_status == 403


def test_twilio_failures_map_to_statuses() -> None:
    forged = vo.verify_twilio(TOKEN, URL, "AAAAAAAAAAAAAAAAAAAAAAAAAAA=", FORM)
    assert not forged and forged.reason == "mismatch" and forged.http_status == 403
    missing = vo.verify_twilio(TOKEN, URL, None, FORM)
    assert missing.reason == "missing_signature" and missing.http_status in (400, 403)
    garbage = vo.verify_twilio(TOKEN, URL, "%%%", FORM)
    assert garbage.http_status in (400, 403) and garbage.reason == "malformed_signature"
    nokey = vo.verify_twilio([], URL, EXPECTED, FORM)
    assert nokey.reason == "no_key" and nokey.http_status == 500  # our misconfiguration
    with pytest.raises(vo.WebhookError) as ei:
        forged.raise_for_status()
    assert ei.value.http_status == 403 and ei.value.reason == "mismatch"
    # rotation: the second token matches
    r = vo.verify_twilio(["f" * 32, TOKEN], URL, EXPECTED, FORM)
    assert r and r.key_index == 1
    # Secret tokens are passed to C without a Python copy
    r = vo.verify_twilio(vo.Secret(TOKEN), URL, EXPECTED, FORM)
    assert r
    v = vo.TwilioVerifier([TOKEN])
    req = v.verify_request(URL, {"X-Twilio-Signature": EXPECTED,
                                 "Content-Type": "application/x-www-form-urlencoded"}, FORM)
    assert req and not v.verify_request(URL, {}, FORM)


def test_standard_webhooks_vector() -> None:
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    mid, ts, body = "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, b'{"test": 2432232314}'
    sig = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    assert vo.sign_standard(secret, mid, ts, body) == sig
    h = {"webhook-id": mid, "webhook-timestamp": str(ts), "webhook-signature": sig}
    r = vo.verify_standard(secret, h, body, now=ts)
    assert r and r.timestamp == ts and r.signature_index == 0
    assert not vo.verify_standard(secret, h, b'{"test": 2432232315}', now=ts)
    old = vo.verify_standard(secret, h, body, now=ts + 301)
    assert old.reason == "timestamp_too_old" and old.http_status in (400, 403)
    fresh = vo.new_standard_secret()
    assert fresh.reveal().startswith("whsec_") and "whsec" not in repr(fresh)


def test_vapi_vectors() -> None:
    body = b'{"message":{"type":"status-update","status":"ended"}}'
    now = 1764000000
    r = vo.verify_vapi(["old-secret", "s3cret-value"], {"X-Vapi-Secret": "s3cret-value"}, body,
                       now=now)
    assert r and r.key_index == 1
    assert vo.verify_vapi(["s3cret-value"], {"X-Vapi-Secret": "s3cret-valuf"}, body,
                          now=now).reason == "mismatch"
    assert vo.verify_vapi(["s3cret-value"], {}, body, now=now).reason == "missing_signature"
    assert vo.verify_vapi([], {"X-Vapi-Secret": "x"}, body, now=now).reason == "no_key"
    bearer = vo.VapiWebhookOptions(type="bearer")
    assert vo.verify_vapi("tok-123", {"Authorization": "Bearer tok-123"}, body,
                          options=bearer, now=now)
    opts = vo.VapiWebhookOptions(type="hmac")
    ts = str(now)
    expect = hmac.new(b"hmac-key", f"{ts}.".encode() + body, hashlib.sha256).hexdigest()
    assert vo.sign_vapi("hmac-key", body, options=opts, timestamp=ts) == expect
    h = {"x-signature": expect, "x-timestamp": ts}
    assert vo.verify_vapi("hmac-key", h, body, options=opts, now=now)
    late = vo.verify_vapi("hmac-key", h, body, options=opts, now=now + 301)
    assert late.reason == "timestamp_too_old"
    b64 = vo.VapiWebhookOptions(type="hmac", algorithm="sha512", encoding="base64")
    sig = base64.b64encode(hmac.new(b"k", f"{ts}.".encode() + body, hashlib.sha512).digest())
    assert vo.verify_vapi("k", {"x-signature": sig.decode(), "x-timestamp": ts}, body,
                          options=b64, now=now)


def test_vapi_message_and_replies() -> None:
    body = json.dumps({"message": {"type": "tool-calls", "call": {"id": "call-1"},
                                   "toolCallList": [{"id": "tc1", "type": "function",
                                                     "function": {"name": "lookup",
                                                                  "arguments": {"q": 1}}}]}})
    with vo.VapiMessage(body.encode()) as m:
        assert m.kind == "tool-calls" and m.call_id == "call-1"
        assert m.tool_calls[0]["id"] == "tc1" and m.tool_calls[0]["name"] == "lookup"
    with vo.ToolResults() as tr:
        out = json.loads(tr.add("tc1", "lookup", "42").json())
    assert out["results"][0]["toolCallId"] == "tc1"
    assert json.loads(vo.assistant_reply("asst-1"))["assistantId"] == "asst-1"
    with pytest.raises(vo.ParseError):
        vo.VapiMessage(b"not json")


def test_public_url() -> None:
    h = {"Host": "internal:8080", "X-Forwarded-Proto": "https", "X-Forwarded-Host": "hooks.example.com"}
    assert vo.public_url("/voice?x=1", h, scheme="http", peer_address="203.0.113.9") == \
        "http://internal:8080/voice?x=1"  # untrusted peer: forwarded headers ignored
    trusted = vo.PublicUrlOptions(trusted_proxies=["10.0.0.0/8"],
                                  forwarded_headers=vo.webhooks.X_FORWARDED_PROTO
                                  | vo.webhooks.X_FORWARDED_HOST)
    assert vo.public_url("/voice?x=1", h, peer_address="10.1.2.3", options=trusted) == \
        "https://hooks.example.com/voice?x=1"
    base = vo.PublicUrlOptions(base_url="https://api.example.com/app")
    assert vo.public_url("/voice", h, options=base) == "https://api.example.com/app/voice"
    with pytest.raises(vo.ParseError):
        vo.public_url("/voice", {}, scheme="http")  # no Host: the sender's fault (400)
    with pytest.raises(vo.InvalidInput):
        vo.public_url("/v", h, options=vo.PublicUrlOptions(trusted_proxies=["10.0.0.1/8"],
                                                           forwarded_headers=1))


def test_form_parse() -> None:
    assert vo.parse_form(b"a=1&b=%C3%A9+x&a=2&c=") == [("a", "1"), ("b", "\u00e9 x"), ("a", "2"),
                                                       ("c", "")]


# ---- differential against the official twilio package --------------------------------------

twilio_rv = pytest.importorskip("twilio.request_validator")


class _Multi(dict):  # type: ignore[type-arg]
    """What a framework gives twilio's validator: a multi-dict with getlist()."""

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        super().__init__()
        for k, v in pairs:
            self.setdefault(k, []).append(v)

    def getlist(self, k: str) -> list[str]:
        return list(self[k])


def _reference_sign(token: str, url: str, pairs: list[tuple[str, str]]) -> str:
    """Twilio's algorithm, written independently: URL + each name and value, names sorted, a
    repeated name's distinct values sorted (a value repeated under one name counts once, as
    in twilio-python and lib/webhook/twilio.c)."""
    s = url
    for name in sorted({k for k, _ in pairs}, key=lambda n: n.encode()):
        for v in sorted({v for k, v in pairs if k == name}, key=lambda x: x.encode()):
            s += name + v
    return base64.b64encode(hmac.new(token.encode(), s.encode(), hashlib.sha1).digest()).decode()


ALPH = "abcXYZ019 +&=%?#/:;.,-_~!*'()[]@$" + "\u00e9\u00fc\u4e2d\u6587\U0001F600\u0394"


def _word(rng: random.Random, lo: int = 0, hi: int = 12) -> str:
    return "".join(rng.choice(ALPH) for _ in range(rng.randint(lo, hi)))


def _url(rng: random.Random) -> str:
    scheme = rng.choice(["https", "http"])
    host = rng.choice(["example.com", "hooks.example.org", "a-b.c.example.net", "127.0.0.1"])
    port = rng.choice(["", "", ":443", ":80", ":8443", ":3000"])
    path = rng.choice(["/", "/voice", "/t/whk_abc/voice", "/a%20b/c", "/\u00e9t\u00e9"])
    q = rng.choice(["", "", "?a=1", "?x=1&y=2&x=3", "?q=%E4%B8%AD&empty=", "?flag"])
    return f"{scheme}://{host}{port}{path}{q}"


def test_differential_against_twilio_request_validator() -> None:
    rng = random.Random(20261206)
    compared = differ_dedup = 0
    for i in range(3000):
        token = "".join(rng.choice("0123456789abcdef") for _ in range(32))
        url = _url(rng)
        rv = twilio_rv.RequestValidator(token)
        if i % 5 == 4:  # JSON body with bodySHA256 in the URL
            body = json.dumps({_word(rng, 1): _word(rng) for _ in range(rng.randint(0, 6))},
                              ensure_ascii=rng.random() < 0.5).encode()
            sep = "&" if "?" in url else "?"
            url = f"{url}{sep}bodySHA256={hashlib.sha256(body).hexdigest()}"
            sig = _reference_sign(token, url, [])
            if rng.random() < 0.3:
                body += b" "  # tampered body
            ours = vo.verify_twilio(token, url, sig, body, "application/json")
            theirs = rv.validate(url, body.decode(), sig)
        else:
            names = [_word(rng, 1, 8) for _ in range(rng.randint(1, 6))]
            pairs = [(rng.choice(names), _word(rng)) for _ in range(rng.randint(0, 25))]
            body = urlencode(pairs).encode()
            sign_url = url
            verify_url = url
            if rng.random() < 0.2 and ":" not in url.split("//")[1].split("/")[0]:
                default = ":443" if url.startswith("https") else ":80"
                host_end = url.index("/", 8)
                verify_url = url[:host_end] + default + url[host_end:]  # port added by a proxy
            sig = _reference_sign(token, sign_url, pairs)
            if rng.random() < 0.3:
                sig = sig[:5] + ("A" if sig[5] != "A" else "B") + sig[6:]  # forged
            ours = vo.verify_twilio(token, verify_url, sig, body)
            parsed = parse_qsl(body.decode(), keep_blank_values=True)
            assert parsed == pairs
            theirs = rv.validate(verify_url, _Multi(parsed), sig)
            differ_dedup += len(set(pairs)) != len(pairs)
        compared += 1
        assert bool(ours) == theirs, (url, body[:200], sig, ours)
    assert compared > 2500
    assert differ_dedup > 100  # sets with a value repeated under one name were covered
    print(f"differential: {compared} agreed ({differ_dedup} with repeated identical values)")


def test_repeated_identical_values_count_once_in_both() -> None:
    pairs = [("Digits", "1"), ("Digits", "1"), ("Digits", "0")]
    sig = _reference_sign(TOKEN, URL, pairs)
    assert vo.verify_twilio(TOKEN, URL, sig, urlencode(pairs).encode())
    assert twilio_rv.RequestValidator(TOKEN).validate(URL, _Multi(pairs), sig)


def test_verification_from_many_threads() -> None:
    import threading
    v = vo.TwilioVerifier(TOKEN)
    bad: list[object] = []

    def worker(i: int) -> None:
        for j in range(2000):
            good = (i + j) % 2 == 0
            r = v.verify(URL, EXPECTED if good else "AAAA" + EXPECTED[4:], FORM)
            if r.ok != good or r.reason != ("ok" if good else "mismatch"):
                bad.append((i, j, r))

    ts = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert not bad
