"""SMTP through `voiceops smtp test` (vo_smtp_send) against the sandbox's SMTP sink: plain on
loopback, STARTTLS with a test CA made here with the openssl command line, a wrong CA, a
refused login, dropped connections, STARTTLS required for a host that is not loopback."""
import base64
import email
import email.header
import shutil
import socket
import subprocess

import pytest
from voiceops_sandbox import SmtpSink

PASSWORD = "smtp-Pa55word!"


def _external_ip():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.connect(("192.0.2.1", 9))
        ip = s.getsockname()[0]
    except OSError:
        return None
    finally:
        s.close()
    return None if ip.startswith("127.") else ip


EXT_IP = _external_ip()


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    if not shutil.which("openssl"):
        pytest.skip("openssl command line not installed")
    d = tmp_path_factory.mktemp("smtp-certs")

    def run(*args):
        subprocess.run(["openssl", *args], cwd=d, check=True, capture_output=True)

    for ca in ("ca", "otherca"):
        run("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
            "-nodes", "-keyout", f"{ca}.key", "-out", f"{ca}.pem", "-days", "2",
            "-subj", f"/CN=voiceops test {ca}")
    run("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", "srv.key", "-out", "srv.csr", "-subj", "/CN=127.0.0.1")
    san = "subjectAltName=IP:127.0.0.1,DNS:localhost" + (f",IP:{EXT_IP}" if EXT_IP else "")
    (d / "ext.cnf").write_text(san + "\n")
    run("x509", "-req", "-in", "srv.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
        "-CAcreateserial", "-out", "srv.pem", "-days", "2", "-extfile", "ext.cnf")
    return d


@pytest.fixture
def sink():
    s = SmtpSink(("127.0.0.1", 0)).start_background()
    yield s
    s.stop()


@pytest.fixture
def tls_sink(certs):
    s = SmtpSink(("127.0.0.1", 0), tls_cert=str(certs / "srv.pem"),
                 tls_key=str(certs / "srv.key")).start_background()
    yield s
    s.stop()


def smtp_creds(vault, host, port, tls=None):
    vault.run("tenant", "add", "acme")
    args = ["creds", "set", "smtp", "acme", "--host", host, "--port", str(port),
            "--username", "mailer@acme.example"]
    if tls:
        args += ["--tls", tls]
    r = vault.run(*args, input=PASSWORD + "\n")
    assert r.code == 0, r


def last_audit(vault):
    rows = vault.json("audit", "show", "--tenant", "acme", "--limit", "1000").json["rows"]
    return [r for r in rows if r["action"] == "smtp.send"][-1]


def body_text(data):
    msg = email.message_from_string(data)
    part = msg if not msg.is_multipart() else msg.get_payload()[0]
    return base64.b64decode(part.get_payload()).decode()


def test_plain_on_loopback(vault, sink):
    smtp_creds(vault, "127.0.0.1", sink.port)
    r = vault.json("smtp", "test", "acme", "--to", "ops@example.org", "--subject", "héllo ✓")
    assert r.code == 0, r
    assert r.json["to"] == "ops@example.org" and r.json["from"] == "mailer@acme.example"
    (m,) = sink.messages
    assert m["mail_from"] == "mailer@acme.example" and m["rcpt_to"] == ["ops@example.org"]
    assert m["tls"] is False and m["auth_user"] == "mailer@acme.example"
    msg = email.message_from_string(m["data"])
    assert str(email.header.make_header(email.header.decode_header(msg["Subject"]))) == "héllo ✓"
    assert msg["Message-ID"].endswith("@acme.example>") and msg["Date"]
    assert "voiceops smtp test" in body_text(m["data"])
    assert PASSWORD not in r.out + r.err
    a = last_audit(vault)
    assert a["name"] == "to:example.org" and a["result"] == "ok"
    assert PASSWORD not in str(vault.json("audit", "show", "--limit", "1000").json)


def test_starttls_with_the_test_ca(vault, tls_sink, certs):
    smtp_creds(vault, "127.0.0.1", tls_sink.port)
    r = vault.json("smtp", "test", "acme", "--to", "ops@example.org",
                   "--ca-file", certs / "ca.pem")
    assert r.code == 0, r
    (m,) = tls_sink.messages
    assert m["tls"] is True
    assert tls_sink.auth_attempts == [{"user": "mailer@acme.example", "ok": True, "tls": True}]


def test_wrong_ca_is_refused(vault, tls_sink, certs):
    smtp_creds(vault, "127.0.0.1", tls_sink.port)
    r = vault.json("smtp", "test", "acme", "--to", "ops@example.org",
                   "--ca-file", certs / "otherca.pem")
    assert r.code == 7, r
    assert r.json["error"]["code"] == "VO_ETLS"
    assert tls_sink.messages == [] and tls_sink.auth_attempts == []
    assert last_audit(vault)["result"] == "VO_ETLS"
    # the system trust store does not know the test CA either
    r = vault.json("smtp", "test", "acme", "--to", "ops@example.org")
    assert r.code == 7 and r.json["error"]["code"] == "VO_ETLS"


def test_refused_login(vault, sink):
    sink.refuse_auth = True
    smtp_creds(vault, "127.0.0.1", sink.port)
    r = vault.json("smtp", "test", "acme", "--to", "ops@example.org")
    assert r.code == 7, r
    assert r.json["error"]["code"] == "VO_EAUTH"
    assert sink.messages == [] and sink.auth_attempts[0]["ok"] is False
    assert PASSWORD not in r.out + r.err
    assert last_audit(vault)["result"] == "VO_EAUTH"


@pytest.mark.parametrize("stage", ["connect", "ehlo", "data"])
def test_dropped_connection(vault, sink, stage):
    sink.drop = stage
    smtp_creds(vault, "127.0.0.1", sink.port)
    r = vault.json("smtp", "test", "acme", "--to", "ops@example.org", "--timeout-ms", "10000")
    assert r.code == 7, r
    assert r.json["error"]["code"] == "VO_ENETWORK"
    assert sink.messages == [] and sink.dropped >= 1
    assert last_audit(vault)["result"] == "VO_ENETWORK"


def test_rejected_recipient(vault, sink):
    sink.reject_rcpt = {"nobody@example.org"}
    smtp_creds(vault, "127.0.0.1", sink.port)
    r = vault.json("smtp", "test", "acme", "--to", "nobody@example.org")
    assert r.code == 7 and r.json["error"]["code"] == "VO_EPROTOCOL"
    assert "550" in r.json["error"]["message"]


def test_no_tls_to_a_host_that_is_not_loopback_is_refused(vault):
    smtp_creds(vault, "192.0.2.77", 2525, tls="none")
    r = vault.json("smtp", "test", "acme", "--to", "ops@example.org")
    assert r.code == 4 and r.json["error"]["code"] == "VO_EFORBIDDEN"
    assert last_audit(vault)["result"] == "VO_EFORBIDDEN"


@pytest.mark.skipif(EXT_IP is None, reason="no non-loopback IPv4 address on this machine")
def test_starttls_required_for_a_host_that_is_not_loopback(vault, certs):
    plain = SmtpSink((EXT_IP, 0), allow_non_loopback=True).start_background()
    tls = SmtpSink((EXT_IP, 0), tls_cert=str(certs / "srv.pem"), tls_key=str(certs / "srv.key"),
                   allow_non_loopback=True).start_background()
    try:
        smtp_creds(vault, EXT_IP, plain.port)
        r = vault.json("smtp", "test", "acme", "--to", "ops@example.org")
        assert r.code == 7 and r.json["error"]["code"] == "VO_EPROTOCOL", r
        assert "STARTTLS" in r.json["error"]["message"]
        assert plain.messages == [] and plain.auth_attempts == []  # no login in clear text
        vault.run("creds", "set", "smtp", "acme", "--host", EXT_IP, "--port", str(tls.port),
                  "--username", "mailer@acme.example", input=PASSWORD + "\n")
        r = vault.json("smtp", "test", "acme", "--to", "ops@example.org",
                       "--ca-file", certs / "ca.pem")
        assert r.code == 0, r
        assert tls.messages[0]["tls"] is True
    finally:
        plain.stop()
        tls.stop()


def test_bad_input(vault, sink):
    smtp_creds(vault, "127.0.0.1", sink.port)
    assert vault.json("smtp", "test", "acme", "--to", "not-an-address").code == 2
    r = vault.json("smtp", "test", "acme", "--to", "a@example.org", "--subject", "x\r\nBcc: e@x.y")
    assert r.code == 2 and r.json["error"]["code"] == "VO_EINVAL"
    assert vault.json("smtp", "test", "acme").code == 2
    assert vault.json("smtp", "test", "ghost", "--to", "a@example.org").code == 3
    vault.run("tenant", "add", "nocreds")
    assert vault.json("smtp", "test", "nocreds", "--to", "a@example.org",
                      "--from", "x@example.org").code == 3
    assert sink.messages == []


def test_creds_set_smtp_check(vault, tls_sink, certs):
    vault.run("tenant", "add", "acme")
    args = ["creds", "set", "smtp", "acme", "--host", "127.0.0.1", "--port", str(tls_sink.port),
            "--username", "mailer@acme.example", "--check", "--ca-file", certs / "ca.pem"]
    r = vault.json(*args, input=PASSWORD + "\n")
    assert r.code == 0 and r.json["checked"] is True, r
    assert tls_sink.messages == []  # nothing sent
    assert tls_sink.auth_attempts == [{"user": "mailer@acme.example", "ok": True, "tls": True}]
    tls_sink.refuse_auth = True
    vault.run("secret", "rm", "acme", "credentials/smtp")
    r = vault.json(*args, input="wrong-password\n")
    assert r.code == 7 and r.json["error"]["code"] == "VO_EAUTH"
    assert vault.json("secret", "list", "acme").json["secrets"] == []
    r = vault.json(*args[:-2], input=PASSWORD + "\n")  # the test CA unknown to the system
    assert r.code == 7 and r.json["error"]["code"] == "VO_ETLS"
