"""voiceops.smtp (vo_smtp_send / vo_smtp_check) from Python against the sandbox's SMTP sink
(tools/sandbox/voiceops_sandbox/smtp_sink.py) on loopback: plain sends, the audit row, a
refused login as AuthError with nothing secret in it, bad input, and the awaitable forms."""
from __future__ import annotations

import asyncio
import base64
import email
import email.header
import pickle
import shutil
import socket
import subprocess
import sys
import time
from typing import Any, Iterator

import pytest
from vo_testkit import ROOT, vo

from voiceops import aio

sys.path.insert(0, str(ROOT / "tools" / "sandbox"))
from voiceops_sandbox import SmtpSink  # noqa: E402

PASSWORD = "smtp-Pa55word!-py"
USER = "mailer@acme.example"


@pytest.fixture()
def sink() -> Iterator[Any]:
    s = SmtpSink(("127.0.0.1", 0)).start_background()
    yield s
    s.stop()


def creds(sink: Any, **kw: Any) -> vo.SmtpCredentials:
    return vo.SmtpCredentials("127.0.0.1", sink.port, username=USER, password=PASSWORD, **kw)


@pytest.fixture()
def acme(vault: vo.Vault, sink: Any) -> vo.Vault:
    vault.create_tenant("acme")
    vault.put_smtp_credentials("acme", creds(sink))
    return vault


def msg(**kw: Any) -> vo.SmtpMessage:
    base: dict[str, Any] = dict(sender="alerts@acme.example", to=["ops@customer.example"],
                                subject="Call failed", text="CA123 failed at 10:02\n")
    base.update(kw)
    return vo.SmtpMessage(**base)


def parsed(m: dict[str, Any]) -> email.message.Message:
    return email.message_from_string(m["data"])


def body_text(p: email.message.Message) -> str:
    payload = p.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode()


def smtp_rows(vault: vo.Vault) -> list[Any]:
    return [r for r in vault.audit(tenant="acme") if r.action == "smtp.send"]


def test_send_plain_on_loopback(acme: vo.Vault, sink: Any) -> None:
    acme.smtp_send("acme", msg())
    (m,) = sink.messages
    assert m["mail_from"] == "alerts@acme.example"
    assert m["rcpt_to"] == ["ops@customer.example"]
    assert m["tls"] is False and m["auth_user"] == USER
    p = parsed(m)
    assert p["Subject"] == "Call failed" and p["From"] == "alerts@acme.example"
    assert body_text(p) == "CA123 failed at 10:02\n"
    assert PASSWORD not in m["data"]
    (row,) = smtp_rows(acme)
    assert row.result == "ok" and row.name == "to:customer.example"


def test_module_function_html_several_recipients_and_utf8_subject(acme: vo.Vault,
                                                                   sink: Any) -> None:
    vo.smtp.send(acme, "acme", msg(to=("a@one.example", "b@two.example"),
                                   subject="Anruf fehlgeschlagen: Grüße", html="<p>failed</p>"),
                 timeout_ms=10_000)
    vo.smtp_send(acme, "acme", msg(to="solo@three.example"))  # one address as a str
    first, second = sink.messages
    assert first["rcpt_to"] == ["a@one.example", "b@two.example"]
    p = parsed(first)
    subject = str(email.header.make_header(email.header.decode_header(p["Subject"])))
    assert subject == "Anruf fehlgeschlagen: Grüße"
    assert p.get_content_type() == "multipart/alternative"
    parts = {q.get_content_type(): body_text(q) for q in p.walk() if not q.is_multipart()}
    assert parts == {"text/plain": "CA123 failed at 10:02\n", "text/html": "<p>failed</p>"}
    assert second["rcpt_to"] == ["solo@three.example"]
    names = [r.name for r in smtp_rows(acme)]
    assert names == ["to:one.example,two.example", "to:three.example"]


def test_refused_login_raises_auth_error_with_nothing_secret(acme: vo.Vault, sink: Any) -> None:
    sink.refuse_auth = True
    with pytest.raises(vo.AuthError) as ei:
        acme.smtp_send("acme", msg())
    e = ei.value
    assert type(e) is vo.AuthError and e.name == "VO_EAUTH"  # not Forbidden, its subclass
    assert sink.messages == [] and sink.auth_attempts and sink.auth_attempts[0]["ok"] is False
    secret_forms = [PASSWORD, base64.b64encode(PASSWORD.encode()).decode(),
                    base64.b64encode(f"\0{USER}\0{PASSWORD}".encode()).decode()]
    texts = [str(e), repr(e), e.message, repr(e.args), repr(vars(e)),
             repr(pickle.loads(pickle.dumps(e)))]
    for t in texts:
        for s in secret_forms:
            assert s not in t
        assert "CA123" not in t and USER not in t  # nor the mail, nor the login
    (row,) = smtp_rows(acme)
    assert row.result == "VO_EAUTH"
    # check() refuses the same login, without sending
    with pytest.raises(vo.AuthError) as ci:
        vo.smtp_check(creds(sink))
    assert PASSWORD not in str(ci.value) and PASSWORD not in repr(ci.value)
    assert sink.messages == []


def test_check_logs_in_and_sends_nothing(sink: Any) -> None:
    vo.smtp.check(creds(sink))
    assert sink.messages == []
    assert sink.auth_attempts == [{"user": USER, "ok": True, "tls": False}]


def test_errors_are_typed(acme: vo.Vault, vault: vo.Vault, sink: Any, tmp_path: Any) -> None:
    with pytest.raises(vo.InvalidInput):
        acme.smtp_send("acme", msg(subject="x\r\nBcc: victim@evil.example"))  # injection
    with pytest.raises(vo.InvalidInput):
        acme.smtp_send("acme", msg(to=[]))
    with pytest.raises(vo.InvalidInput):
        acme.smtp_send("acme", msg(to=["not-an-address"]))
    with pytest.raises(vo.InvalidInput):
        acme.smtp_send("acme", msg(text="a\0b"))
    with pytest.raises(vo.InvalidInput):
        acme.smtp_send("acme", msg(to=[f"u{i}@x.example" for i in range(vo.smtp.RECIPIENTS_MAX + 1)]))
    with pytest.raises(vo.InvalidInput):
        acme.smtp_send("acme", "not a message")  # type: ignore[arg-type]
    with pytest.raises(vo.TooBig):
        acme.smtp_send("acme", msg(text="x" * (vo.smtp.BODY_MAX + 1)))
    assert sink.messages == []
    vault.create_tenant("nomail")
    with pytest.raises(vo.NotFound):
        vault.smtp_send("nomail", msg())
    # a refused recipient; the connection refused when nothing listens
    sink.reject_rcpt = {"ops@customer.example"}
    with pytest.raises(vo.ProtocolError):
        acme.smtp_send("acme", msg())
    with socket.socket() as probe:  # a loopback port nothing listens on
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    vault.create_tenant("gone")
    vault.put_smtp_credentials("gone", vo.SmtpCredentials("127.0.0.1", closed_port))
    t0 = time.monotonic()
    with pytest.raises(vo.NetworkError):
        vault.smtp_send("gone", msg(), timeout_ms=5000)
    assert time.monotonic() - t0 < 10
    # a TLS-less mail server that is not loopback is refused before any connection
    with pytest.raises(vo.Forbidden):
        vo.smtp_check(vo.SmtpCredentials("mail.example.com", 25, tls="none", username=USER,
                                         password=PASSWORD))
    with pytest.raises(vo.InvalidInput):
        vo.smtp_check("creds")  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def certs(tmp_path_factory: Any) -> Any:
    """A test CA, another CA, and a server certificate for 127.0.0.1 (openssl CLI)."""
    if not shutil.which("openssl"):
        pytest.skip("openssl command line not installed")
    d = tmp_path_factory.mktemp("smtp-certs")

    def run(*args: str) -> None:
        subprocess.run(["openssl", *args], cwd=d, check=True, capture_output=True)

    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    for ca in ("ca", "otherca"):
        run("req", "-x509", *ec, "-keyout", f"{ca}.key", "-out", f"{ca}.pem", "-days", "2",
            "-subj", f"/CN=voiceops py test {ca}")
    run("req", *ec, "-keyout", "srv.key", "-out", "srv.csr", "-subj", "/CN=127.0.0.1")
    (d / "ext.cnf").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    run("x509", "-req", "-in", "srv.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
        "-CAcreateserial", "-out", "srv.pem", "-days", "2", "-extfile", "ext.cnf")
    return d


def test_starttls_with_ca_file(vault: vo.Vault, certs: Any) -> None:
    tls = SmtpSink(("127.0.0.1", 0), tls_cert=str(certs / "srv.pem"),
                   tls_key=str(certs / "srv.key")).start_background()
    try:
        vault.create_tenant("acme")
        vault.put_smtp_credentials("acme", creds(tls))  # starttls, the default
        with pytest.raises(vo.TLSError) as ei:  # signed by a CA that is not trusted
            vault.smtp_send("acme", msg(), ca_file=certs / "otherca.pem")
        assert PASSWORD not in str(ei.value)
        assert tls.messages == [] and tls.auth_attempts == []  # no login before TLS
        vault.smtp_send("acme", msg(), ca_file=certs / "ca.pem", timeout_ms=10_000)
        (m,) = tls.messages
        assert m["tls"] is True and m["auth_user"] == USER
        vo.smtp_check(creds(tls), ca_file=str(certs / "ca.pem"))
        with pytest.raises(vo.TLSError):
            vo.smtp_check(creds(tls), ca_file=certs / "otherca.pem")
    finally:
        tls.stop()
    o = vo.SmtpOptions(ca_file=certs / "ca.pem", timeout_ms=2000).to_c()
    assert o.ca_file == bytes(certs / "ca.pem") and o.timeout_ms == 2000 and o.version == 1
    with pytest.raises(vo.InvalidInput):
        vault.smtp_send("acme", msg(), timeout_ms=-1)


def test_awaitable_forms(acme: vo.Vault, sink: Any) -> None:
    async def main() -> None:
        av = aio.AsyncVault(acme)
        await av.smtp_send("acme", msg(to="a@async.example"))
        await aio.smtp_send(acme, "acme", msg(to="b@async.example"))
        await asyncio.gather(*(aio.smtp_send(av, "acme", msg(to=f"c{i}@async.example"))
                               for i in range(4)))
        await aio.smtp_check(creds(sink))
        sink.refuse_auth = True
        with pytest.raises(vo.AuthError):
            await av.smtp_send("acme", msg())

    asyncio.run(main())
    rcpts = sorted(m["rcpt_to"][0] for m in sink.messages)
    assert rcpts == ["a@async.example", "b@async.example"] + [f"c{i}@async.example"
                                                              for i in range(4)]
