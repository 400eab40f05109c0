"""voiceops against the sandbox (real HTTP on loopback): credentials checks, numbers,
number import, token rotation, webhook verification of captured requests."""
import base64
import hashlib
import hmac
import json
import urllib.parse

import pytest

SID = "AC" + "1f" * 16
TOKEN = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
VAPI_KEY = "vapi-private-key-0001"


def twilio_env(sandbox):
    return {"VOICEOPS_TWILIO_URL": sandbox.url, "VOICEOPS_VAPI_URL": sandbox.url}


@pytest.fixture
def acme(vault, sandbox):
    sandbox.ctl("POST", "/__sandbox/twilio/accounts", {"account_sid": SID, "auth_token": TOKEN})
    sandbox.ctl("POST", f"/__sandbox/twilio/accounts/{SID}/numbers",
                ["+16505550100", "+16505550101"])
    sandbox.ctl("POST", "/__sandbox/vapi/keys", {"api_key": VAPI_KEY})
    vault.run("tenant", "add", "acme")
    vault.env.update(twilio_env(sandbox))
    r = vault.json("creds", "set", "twilio", "acme", "--account-sid", SID, "--check",
                   input=TOKEN + "\n")
    assert r.code == 0, r
    return vault


def test_creds_check_rejects_a_wrong_token_and_stores_nothing(vault, sandbox):
    sandbox.ctl("POST", "/__sandbox/twilio/accounts", {"account_sid": SID, "auth_token": TOKEN})
    vault.run("tenant", "add", "acme")
    vault.env.update(twilio_env(sandbox))
    r = vault.json("creds", "set", "twilio", "acme", "--account-sid", SID, "--check",
                   input="f" * 32 + "\n")
    assert r.code == 7, r
    assert r.json["error"]["code"] == "VO_EAUTH"
    assert "f" * 32 not in r.out + r.err
    assert vault.json("secret", "list", "acme").json["secrets"] == []
    r = vault.json("creds", "set", "twilio", "acme", "--account-sid", SID, "--check",
                   input=TOKEN + "\n")
    assert r.code == 0 and r.json == {"ok": True, "tenant": "acme", "provider": "twilio",
                                      "version": 1, "checked": True}
    assert TOKEN not in r.out + r.err


def test_creds_unknown_tenant_and_bad_fields(vault, sandbox):
    r = vault.json("creds", "set", "twilio", "ghost", "--account-sid", SID, input=TOKEN)
    assert r.code == 3
    r = vault.json("creds", "set", "twilio", "ghost", "--account-sid", "nope", input=TOKEN)
    assert r.code == 2
    assert vault.json("creds", "set", "fax", "ghost").code == 2


def test_creds_vapi_and_smtp(acme, sandbox):
    r = acme.json("creds", "set", "vapi", "acme", "--webhook", "secret", "--check",
                  input=VAPI_KEY + "\nhook-secret-123\n")
    assert r.code == 0, r
    r = acme.json("creds", "set", "vapi", "acme", "--check", input="wrong-key-0000\n")
    assert r.code == 7, r
    r = acme.json("creds", "set", "smtp", "acme", "--host", "smtp.example.com", "--port", "587",
                  "--username", "mailer", input="smtp-pass-123\n")
    assert r.code == 0, r
    assert {s["name"] for s in acme.json("secret", "list", "acme").json["secrets"]} == {
        "credentials/twilio", "credentials/vapi", "credentials/smtp"}
    assert acme.json("creds", "set", "smtp", "acme", "--host", "h", "--tls", "bogus").code == 2


def test_twilio_numbers(acme):
    r = acme.json("twilio", "numbers", "acme")
    assert r.code == 0, r
    nums = sorted(n["phone_number"] for n in r.json["numbers"])
    assert nums == ["+16505550100", "+16505550101"]
    assert all(n["sid"].startswith("PN") for n in r.json["numbers"])
    r = acme.run("twilio", "numbers", "acme")
    assert "+16505550100" in r.out
    assert acme.json("twilio", "numbers", "ghost").code == 3


def test_vapi_import_numbers_report(acme):
    acme.run("creds", "set", "vapi", "acme", input=VAPI_KEY + "\n")
    r = acme.json("vapi", "import-numbers", "acme")
    assert r.code == 0, r
    d = r.json
    assert (d["imported"], d["present"], d["failed"]) == (2, 0, 0)
    assert {n["status"] for n in d["numbers"]} == {"imported"}
    assert all(n["vapi_id"] for n in d["numbers"]) and d["correlation_id"]
    r = acme.json("vapi", "import-numbers", "acme")
    assert (r.json["imported"], r.json["present"]) == (0, 2)
    actions = [x["action"] for x in acme.json("audit", "show", "--limit", "1000").json["rows"]]
    assert "import.start" in actions and "import.done" in actions


def test_twilio_rotate_token(acme, sandbox):
    r = acme.json("twilio", "rotate-token", "acme", "--status")
    assert r.code == 0 and r.json["state"] == "idle"
    r = acme.json("twilio", "rotate-token", "acme")
    assert r.code == 0 and r.json["state"] == "window" and r.json["step"] == "begin"
    assert acme.json("twilio", "rotate-token", "acme", "--promote", "--abort").code == 2
    r = acme.json("twilio", "rotate-token", "acme", "--promote")
    assert r.code == 0 and r.json["state"] == "idle"
    acct = sandbox.ctl("GET", f"/__sandbox/twilio/accounts/{SID}")
    assert acct["auth_token"] != TOKEN
    r = acme.json("twilio", "rotate-token", "acme", "--promote")
    assert r.code == 6  # no window open


# ---- webhook verify ------------------------------------------------------------------

def twilio_sign(token, url, params):
    data = url + "".join(k + v for k, v in sorted(params.items()))
    return base64.b64encode(hmac.new(token.encode(), data.encode(), hashlib.sha1).digest()).decode()


PARAMS = {"CallSid": "CA" + "2" * 32, "From": "+15005550006", "To": "+16505550100"}


def raw_capture(path, sig, host="hooks.example.com", extra="", eol="\r\n", body=None):
    body = urllib.parse.urlencode(PARAMS) if body is None else body
    lines = [f"POST {path} HTTP/1.1", f"Host: {host}", f"X-Twilio-Signature: {sig}",
             "Content-Type: application/x-www-form-urlencoded",
             f"Content-Length: {len(body)}"] + ([extra] if extra else [])
    return eol.join(lines) + eol + eol + body


@pytest.mark.parametrize("eol", ["\r\n", "\n"], ids=["crlf", "lf"])
def test_webhook_verify_raw_capture(acme, tmp_path, eol):
    sig = twilio_sign(TOKEN, "https://hooks.example.com/voice?x=1", PARAMS)
    cap = tmp_path / "cap.txt"
    cap.write_bytes(raw_capture("/voice?x=1", sig, eol=eol).encode())
    r = acme.json("webhook", "verify", cap, "--tenant", "acme")
    assert r.code == 0, r
    d = r.json
    assert d["verified"] is True and d["provider"] == "twilio" and d["reason"] == "ok"
    assert d["matched"] == {"url": "https://hooks.example.com/voice?x=1",
                            "source": "https + Host header", "url_form": "as_given",
                            "token": "primary auth token"}
    assert d["capture"]["line_endings"] == ("crlf" if eol == "\r\n" else "lf")
    assert TOKEN not in r.out + r.err


def test_webhook_verify_behind_a_proxy_explains(acme, tmp_path):
    sig = twilio_sign(TOKEN, "https://public.example.com/voice", PARAMS)
    cap = tmp_path / "cap.txt"
    cap.write_text(raw_capture("/voice", sig, host="app.internal:8080",
                               extra="X-Forwarded-Host: public.example.com\r\n"
                                     "X-Forwarded-Proto: https"))
    r = acme.json("webhook", "verify", cap, "--tenant", "acme",
                  "--url", "http://app.internal:8080/voice")
    assert r.code == 1, r
    d = r.json
    assert d["verified"] is False and d["reason"] == "signed_for_another_url"
    assert d["tried"][0] == {"url": "http://app.internal:8080/voice", "source": "--url",
                             "reason": "mismatch", "forms_tried": 2, "verified": False}
    assert d["matched"]["url"] == "https://public.example.com/voice"
    assert any("behind the proxy" in e for e in d["explanation"])
    # without --url, a matching form is found: exit 0
    assert acme.json("webhook", "verify", cap, "--tenant", "acme").code == 0


def test_webhook_verify_mismatch_lists_urls_and_port_hint(acme, tmp_path):
    cap = tmp_path / "cap.txt"
    cap.write_text(raw_capture("/voice", twilio_sign("0" * 32, "https://h/voice", PARAMS)))
    r = acme.json("webhook", "verify", cap, "--tenant", "acme")
    assert r.code == 1 and r.json["reason"] == "mismatch"
    assert len(r.json["tried"]) == 2 and "matched" not in r.json
    assert any("no token matched any of the 2 URLs" in e for e in r.json["explanation"])
    # signed with an explicit :443 that the app does not see
    sig = twilio_sign(TOKEN, "https://hooks.example.com:443/voice", PARAMS)
    cap.write_text(raw_capture("/voice", sig))
    r = acme.json("webhook", "verify", cap, "--tenant", "acme")
    assert r.code == 0 and r.json["matched"]["url_form"] == "port_toggled"
    assert any("explicit port" in e for e in r.json["explanation"])


def test_webhook_verify_missing_header_and_secondary_token(acme, tmp_path):
    cap = tmp_path / "cap.txt"
    cap.write_text("POST /voice HTTP/1.1\r\nHost: h\r\nContent-Type: application/x-www-form-"
                   "urlencoded\r\nContent-Length: 3\r\n\r\na=b")
    r = acme.json("webhook", "verify", cap, "--tenant", "acme", "--provider", "twilio")
    assert r.code == 1 and r.json["reason"] == "missing_signature"
    assert any("no X-Twilio-Signature header" in e for e in r.json["explanation"])
    # during a rotation window, a request signed with the new token names it
    assert acme.json("twilio", "rotate-token", "acme").code == 0
    doc = acme.json("secret", "get", "acme", "credentials/twilio", "--reveal").json["value"]
    secondary = json.loads(doc)["secondary_auth_token"]
    sig = twilio_sign(secondary, "https://hooks.example.com/voice", PARAMS)
    cap.write_text(raw_capture("/voice", sig))
    r = acme.json("webhook", "verify", cap, "--tenant", "acme")
    assert r.code == 0 and r.json["matched"]["token"] == "secondary auth token"
    assert any("promote" in e for e in r.json["explanation"])


def test_webhook_verify_curl_v_capture_with_body_file(acme, tmp_path):
    body = urllib.parse.urlencode(PARAMS)
    sig = twilio_sign(TOKEN, "http://localhost:8080/voice", PARAMS)
    cap = tmp_path / "curl.txt"
    cap.write_text("*   Trying 127.0.0.1:8080...\n* Connected to localhost\n"
                   "> POST /voice HTTP/1.1\r\n> Host: localhost:8080\r\n> User-Agent: curl/7.88\r\n"
                   f"> X-Twilio-Signature: {sig}\r\n> Content-Length: {len(body)}\r\n"
                   "> Content-Type: application/x-www-form-urlencoded\r\n> \r\n"
                   "* upload completely sent off\n< HTTP/1.1 200 OK\r\n< \r\n")
    r = acme.json("webhook", "verify", cap, "--tenant", "acme")
    assert r.code == 1 and r.json["capture"]["format"] == "curl"
    assert r.json["capture"]["body_truncated"] is True
    assert any("--body" in e for e in r.json["explanation"])
    bf = tmp_path / "body.txt"
    bf.write_text(body)
    r = acme.json("webhook", "verify", cap, "--tenant", "acme", "--body", bf)
    assert r.code == 0, r
    assert r.json["matched"]["url"] == "http://localhost:8080/voice"


def test_webhook_verify_chunked_capture(acme, tmp_path):
    body = urllib.parse.urlencode(PARAMS)
    sig = twilio_sign(TOKEN, "https://h.example/v", PARAMS)
    a, b = body[:10], body[10:]
    raw = ("POST /v HTTP/1.1\r\nHost: h.example\r\nTransfer-Encoding: chunked\r\n"
           f"X-Twilio-Signature: {sig}\r\nContent-Type: application/x-www-form-urlencoded\r\n\r\n"
           f"{len(a):x}\r\n{a}\r\n{len(b):x}\r\n{b}\r\n0\r\n\r\n")
    cap = tmp_path / "c.txt"
    cap.write_text(raw)
    r = acme.json("webhook", "verify", cap, "--tenant", "acme")
    assert r.code == 0 and r.json["capture"]["body_bytes"] == len(body)


@pytest.mark.parametrize("content", [
    b"this is a log line, not a request\n", b"", b"\x00\x01\x02binary",
    b"GET / HTTP/2\r\n\r\n", b"POST /x HTTP/1.1\r\nno colon here\r\n\r\n",
    b"POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
], ids=["text", "empty", "binary", "bad-version", "bad-header", "bad-chunk"])
def test_webhook_verify_capture_that_is_not_http(acme, tmp_path, content):
    cap = tmp_path / "bad.txt"
    cap.write_bytes(content)
    r = acme.json("webhook", "verify", cap, "--tenant", "acme")
    assert r.code == 2, r
    assert r.json["ok"] is False and "not a captured HTTP request" in r.json["error"]["message"]


def test_webhook_verify_vapi_secret_and_old_timestamp(acme, tmp_path):
    acme.run("creds", "set", "vapi", "acme", "--webhook", "secret", input=VAPI_KEY + "\nhook-s3cret\n")
    cap = tmp_path / "v.txt"
    body = '{"message":{"type":"status-update"}}'
    cap.write_text(f"POST /vapi HTTP/1.1\r\nHost: h\r\nx-vapi-secret: hook-s3cret\r\n"
                   f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n{body}")
    r = acme.json("webhook", "verify", cap, "--tenant", "acme")
    assert r.code == 0 and r.json["provider"] == "vapi" and r.json["auth"] == "secret"
    cap.write_text(f"POST /vapi HTTP/1.1\r\nHost: h\r\nContent-Length: {len(body)}\r\n\r\n{body}")
    r = acme.json("webhook", "verify", cap, "--tenant", "acme")
    assert r.code == 1 and r.json["reason"] == "missing_signature"
    assert any("no x-vapi-secret header" in e for e in r.json["explanation"])
    assert "hook-s3cret" not in r.out + r.err
    # HMAC: a capture from an hour ago is explained (signature valid at capture time)
    acme.run("creds", "set", "vapi", "acme", "--webhook", "hmac", input=VAPI_KEY + "\nhmac-key-1\n")
    ts = 1_700_000_000
    sig = hmac.new(b"hmac-key-1", f"{ts}.{body}".encode(), hashlib.sha256).hexdigest()
    cap.write_text(f"POST /vapi HTTP/1.1\r\nHost: h\r\nx-signature: {sig}\r\nx-timestamp: {ts}\r\n"
                   f"Content-Length: {len(body)}\r\n\r\n{body}")
    r = acme.json("webhook", "verify", cap, "--tenant", "acme")
    assert r.code == 1 and r.json["reason"] == "timestamp_too_old"
    assert r.json["signature_valid_at_capture_time"] is True
    assert acme.json("webhook", "verify", cap, "--tenant", "acme", "--now", str(ts + 10)).code == 0


def test_sandbox_command_starts_the_sandbox(tool, tmp_path):
    import subprocess
    import time
    import urllib.request
    port_file = tmp_path / "port"
    p = subprocess.Popen([tool.binary, "sandbox", "--port", "0", "--port-file", str(port_file)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=tool.env)
    try:
        for _ in range(100):
            if port_file.exists() and port_file.read_text().strip():
                break
            time.sleep(0.1)
        port = int(port_file.read_text())
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/__sandbox/health") as r:
            assert json.loads(r.read()) == {"ok": True}
    finally:
        p.terminate()
        p.wait(timeout=10)


def test_demo_command_runs_the_quickstart_demo(tool):
    r = tool.run("demo", timeout=300)
    if r.code == 3 and "build tree" in r.err:
        pytest.skip("the demo binary is not built")
    assert r.code == 0, r
