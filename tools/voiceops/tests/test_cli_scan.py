"""voiceops scan: planted secrets (raw, Basic header, URL-encoded, JSON-escaped) found with
their exact offsets in a large file and a minified bundle, nothing on a clean tree, and the
report never holds a value."""
import base64
import json
import os
import random
import urllib.parse

import pytest

GENERIC = "p@ss w/ord+Zq9%x!"     # URL-encoding differs from the raw value
TOKEN = "9f8e7d6c5b4a39281706f5e4d3c2b1a0"
SID = "AC" + "3c" * 16
VAPI_KEY = "vk_live_7Hq2Lm9Xa0Pz"
SMTP_PW = "smtp/Pa$$word:99"


@pytest.fixture
def loaded(vault, tmp_path):
    vault.run("tenant", "add", "acme")
    vault.run("tenant", "add", "beta")
    assert vault.run("secret", "put", "acme", "legacy/db", input=GENERIC).code == 0
    assert vault.run("creds", "set", "twilio", "acme", "--account-sid", SID,
                     input=TOKEN + "\n").code == 0
    assert vault.run("creds", "set", "vapi", "beta", input=VAPI_KEY + "\n").code == 0
    assert vault.run("creds", "set", "smtp", "beta", "--host", "smtp.example.com",
                     "--username", "mailer", input=SMTP_PW + "\n").code == 0
    return vault


# Under a sanitizer (meson passes b_sanitize) every byte the scanner reads is instrumented
# (ThreadSanitizer: about 50x slower), so the large inputs shrink there; the offsets and the
# encodings checked stay the same.
SCALE = 10 if os.environ.get("VOICEOPS_SANITIZE", "none") not in ("", "none") else 1


def filler(n, seed):
    rnd = random.Random(seed)
    words = ["function", "return", "const", "var", "this", "GET", "POST", "200", "user_id",
             "INFO", "request", "done", "{", "}", "=>", "null", "true", "AC", "SK", "Basic"]
    out, size = [], 0
    while size < n:
        w = rnd.choice(words)
        out.append(w)
        size += len(w) + 1
    return " ".join(out)[:n]


def leak_values():
    basic = base64.b64encode(f"{SID}:{TOKEN}".encode()).decode()
    return [GENERIC, TOKEN, VAPI_KEY, SMTP_PW, urllib.parse.quote(GENERIC, safe=""),
            json.dumps(SMTP_PW)[1:-1], basic[48:80]]


def test_scan_finds_planted_secrets_in_a_large_file(loaded, tmp_path):
    tree = tmp_path / "tree"
    (tree / "logs").mkdir(parents=True)
    big = tree / "logs" / "app.log"
    basic = "Authorization: Basic " + base64.b64encode(f"{SID}:{TOKEN}".encode()).decode()
    urlenc = "GET /login?pw=" + urllib.parse.quote(GENERIC, safe="")
    parts, pos = [], {}
    for i, (key, text) in enumerate([("basic", basic), ("raw", "db=" + GENERIC),
                                     ("url", urlenc)]):
        parts.append(filler(8_000_000 // SCALE, i) + "\n")
        pos[key] = sum(len(p) for p in parts)
        parts.append(text + "\n")
    parts.append(filler(2_000_000 // SCALE, 9))
    big.write_text("".join(parts))
    r = loaded.json("scan", tree)
    assert r.code == 1, r.err
    d = r.json
    assert d["files"] == 1 and d["bytes"] == big.stat().st_size
    assert d["secrets"] == 4 and d["tenants"] == 2
    got = {(f["offset"], f["tenant"], f["name"], f.get("field"), f["encoding"])
           for f in d["findings"]}
    user_len = len(SID) + 1  # "AC...:" then the token
    core = pos["basic"] + len("Authorization: Basic ") + 4 * (user_len // 3) + \
        -(-8 * (user_len % 3) // 6)
    assert (core, "acme", "credentials/twilio", "auth_token", "base64") in got
    assert (pos["raw"] + 3, "acme", "legacy/db", None, "raw") in got
    assert (pos["url"] + len("GET /login?pw="), "acme", "legacy/db", None, "url-encoded") in got
    assert d["finding_count"] == len(d["findings"]) == 3
    assert all(f["kind"] == "vault_secret" and f["file"] == str(big) for f in d["findings"])
    for v in leak_values():
        assert v not in r.out and v not in r.err


def test_scan_finds_secrets_in_a_minified_bundle(loaded, tmp_path):
    nxt = tmp_path / "app" / ".next" / "static" / "chunks"
    nxt.mkdir(parents=True)
    bundle = nxt / "main-3f2a.js"
    pre = "!function(){" + "var a=1,b=2;" * 20000
    # escaped slashes, as PHP's json_encode writes them
    cfg = '{"vapiKey":"' + VAPI_KEY + '","smtp":' + json.dumps(SMTP_PW).replace("/", "\\/") + '}'
    b64 = base64.b64encode(b"xy" + GENERIC.encode()).decode()  # value at lead 2
    bundle.write_text(pre + "const c=" + cfg + ";const d=atob('" + b64 + "');" + "}();")
    (nxt / "empty.js").write_text("")
    os.symlink("/etc/passwd", nxt / "link.js")
    r = loaded.json("scan", tmp_path / "app")
    assert r.code == 1
    found = {(f["name"], f.get("field"), f["encoding"]) for f in r.json["findings"]}
    assert ("credentials/vapi", "api_key", "raw") in found
    assert ("credentials/smtp", "password", "json-escaped") in found
    assert ("legacy/db", None, "base64") in found
    assert r.json["files"] == 2  # the symbolic link is not followed
    vk = next(f for f in r.json["findings"] if f.get("field") == "api_key")
    assert vk["offset"] == len(pre) + len('const c={"vapiKey":"') and vk["tenant"] == "beta"
    for v in leak_values():
        assert v not in r.out + r.err
    # text output names file, offset, tenant and secret, never the value
    r = loaded.run("scan", tmp_path / "app")
    assert f"{bundle}:{vk['offset']}: beta/credentials/vapi#api_key (raw)" in r.out
    assert VAPI_KEY not in r.out + r.err


def test_scan_clean_tree_exits_zero(loaded, tmp_path):
    tree = tmp_path / "clean"
    tree.mkdir()
    (tree / "a.log").write_text(filler(3_000_000 // SCALE, 5))
    (tree / "b.js").write_text(filler(100_000, 6).replace(" ", ""))
    r = loaded.json("scan", tree)
    assert r.code == 0, r
    assert r.json["findings"] == [] and r.json["files"] == 2 and r.json["finding_count"] == 0
    assert loaded.run("scan", tree).code == 0


def test_scan_reports_twilio_credentials_not_in_the_vault(loaded, tmp_path):
    other_sid, other_tok = "AC" + "ab" * 16, "0123456789abcdef" * 2
    key_sid, key_secret = "SK" + "cd" * 16, "Zx8" * 10 + "Q7"
    f = tmp_path / "dump.sql"
    f.write_text(f"INSERT INTO tenants VALUES ('{other_sid}', '{other_tok}');\n"
                 f"twilio_key={key_sid} secret={key_secret}\n"
                 f"known={SID} token={TOKEN}\n"
                 f"just_an_id={'AC' + 'ef' * 16}\n")
    r = loaded.json("scan", f)
    assert r.code == 1
    kinds = [(x["kind"], x.get("id")) for x in r.json["findings"]]
    assert ("twilio_account_credential_not_in_vault", other_sid) in kinds
    assert ("twilio_api_key_credential_not_in_vault", key_sid) in kinds
    assert ("vault_secret", None) in kinds  # the known token, as the vault's secret
    assert not any(x.get("id") == "AC" + "ef" * 16 for x in r.json["findings"])
    assert other_tok not in r.out and key_secret not in r.out
    r = loaded.json("scan", f, "--no-shapes")
    assert {x["kind"] for x in r.json["findings"]} == {"vault_secret"}


def test_scan_bad_input(loaded, tmp_path):
    assert loaded.json("scan").code == 2
    r = loaded.json("scan", tmp_path / "missing")
    assert r.code == 0 and r.json["unreadable"] == 1
    assert loaded.json("scan", tmp_path, "--tenant", "ghost").code == 3
    assert loaded.json("scan", tmp_path, "--min-length", "2").code == 2
