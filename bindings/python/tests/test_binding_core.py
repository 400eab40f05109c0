"""Loading, declarations, errors, Secret, logging, correlation ids."""
from __future__ import annotations

import gc
import logging
import os
import pickle
import subprocess
import sys
import threading

import pytest
from vo_testkit import PKG, ROOT, vo

from voiceops import _ffi, _lib


def test_ffi_matches_headers_and_exports() -> None:
    r = subprocess.run([sys.executable, str(PKG / "tools" / "gen_ffi.py"), "--check"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    nm = subprocess.run(["nm", "-D", "--defined-only", _lib.LIBRARY_PATH], capture_output=True,
                        text=True, check=True).stdout
    exported = {ln.split()[-1].split("@")[0] for ln in nm.splitlines()
                if ln.split()[-1].startswith("vo_")}
    assert exported == set(_ffi.FUNCTIONS)
    for name, (res, args, checked) in _ffi.FUNCTIONS.items():
        f = getattr(_lib.lib, name)
        assert f.argtypes == args and f.restype == res
        assert (f.errcheck is not None) == checked, name


def test_version_and_abi() -> None:
    assert vo.version() == vo.__version__
    assert vo.ABI_VERSION == 1
    assert vo.feature_enabled("sqlite") and not vo.feature_enabled("nope")


def _import_with(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    e = {k: v for k, v in os.environ.items() if k != "VOICEOPS_LIBRARY"}
    e.update(env)
    return subprocess.run([sys.executable, "-c", "import voiceops; print(voiceops.LIBRARY_PATH)"],
                          capture_output=True, text=True, env=e, cwd=str(PKG))


def test_import_error_lists_what_was_tried(tmp_path) -> None:  # type: ignore[no-untyped-def]
    r = _import_with({"VOICEOPS_LIBRARY": str(tmp_path / "missing.so")})
    assert r.returncode != 0
    assert "ImportError" in r.stderr and "VOICEOPS_LIBRARY" in r.stderr
    assert "missing.so" in r.stderr


def test_library_of_another_abi_is_refused(tmp_path) -> None:  # type: ignore[no-untyped-def]
    src = tmp_path / "fake.c"
    src.write_text("int vo_abi_version(void) { return 2; }\n")
    so = tmp_path / "libvoiceops.so.1"
    subprocess.run(["cc", "-shared", "-fPIC", "-o", str(so), str(src)], check=True)
    r = _import_with({"VOICEOPS_LIBRARY": str(so)})
    assert r.returncode != 0 and "ABI version 2, this binding needs 1" in r.stderr


def test_env_library_is_used() -> None:
    r = _import_with({"VOICEOPS_LIBRARY": _lib.LIBRARY_PATH})
    assert r.returncode == 0 and r.stdout.strip() == _lib.LIBRARY_PATH


ALL_CODES = {
    -1: vo.VoiceOpsError, -2: vo.InvalidInput, -3: vo.OutOfMemory, -4: vo.BufferTooSmall,
    -5: vo.TooBig, -6: vo.ParseError, -7: vo.AuthError, -8: vo.CryptoError, -9: vo.NotFound,
    -10: vo.AlreadyExists, -11: vo.Conflict, -12: vo.StorageError, -13: vo.Busy,
    -14: vo.NetworkError, -15: vo.Timeout, -16: vo.RateLimited, -17: vo.Unavailable,
    -18: vo.ProtocolError, -19: vo.ValidationError, -20: vo.Forbidden, -21: vo.Expired,
    -22: vo.NotInitialized, -23: vo.Unsupported, -24: vo.InternalError, -25: vo.HandleError,
    -26: vo.BadRequest, -27: vo.TLSError, -28: vo.Duplicate,
}


def test_every_code_has_its_class() -> None:
    for code, cls in ALL_CODES.items():
        assert vo.error_class(code) is cls
        assert _lib.error_name(code).startswith("VO_E")
    # Python-side hierarchy that handlers can rely on
    assert issubclass(vo.InvalidInput, ValueError) and issubclass(vo.NotFound, LookupError)
    assert issubclass(vo.Timeout, TimeoutError) and issubclass(vo.AlreadyExists, vo.Conflict)
    assert issubclass(vo.TLSError, vo.NetworkError) and issubclass(vo.Busy, vo.StorageError)
    assert issubclass(vo.ClosedError, vo.HandleError)


def test_error_is_built_from_the_c_record(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(vo.NotFound) as ei:
        vo.Keyring().add_file("k", tmp_path / "nope.key")
    e = ei.value
    assert e.code == -9 and e.name == "VO_ENOTFOUND" and e.function == "vo_keyring_add_file"
    assert "nope.key" in e.message or "no such" in e.message.lower() or e.message
    assert pickle.loads(pickle.dumps(e)).message == e.message
    (tmp_path / "bad.key").write_text("not base64")
    os.chmod(tmp_path / "bad.key", 0o600)
    with pytest.raises(vo.ParseError):
        vo.Keyring().add_file("k", tmp_path / "bad.key")
    (tmp_path / "open.key").write_text("x")
    os.chmod(tmp_path / "open.key", 0o644)
    with pytest.raises(vo.Forbidden):
        vo.Keyring().add_file("k", tmp_path / "open.key")
    with pytest.raises(vo.AlreadyExists):
        vo.Keyring().add_key("k", b"k" * 32).add_key("k", b"k" * 32)
    with pytest.raises(vo.InvalidInput):
        vo.Keyring().add_key("k", b"short")
    with pytest.raises(vo.ParseError):
        vo.parse_form(b"a=%zz")
    vo.Vault.keygen(tmp_path / "k")
    with pytest.raises(vo.Unsupported):
        vo.Vault("mysql://x", key_file=tmp_path / "k")
    # with the PostgreSQL backend, a server that does not answer is unavailable
    with pytest.raises(vo.Unavailable if vo.feature_enabled("postgres") else vo.Unsupported):
        vo.Vault("postgresql://postgres@127.0.0.1:1/x", key_file=tmp_path / "k")
    with pytest.raises(vo.StorageError):
        vo.Vault(tmp_path, key_file=tmp_path / "k")  # a directory is not a vault file
    with vo.Vault(tmp_path / "v.db", key_file=tmp_path / "k") as v:
        v.create_tenant("t")
        with pytest.raises(vo.TooBig):
            v.put_secret("t", "big", b"x" * (64 * 1024 + 1))
    sec = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    with pytest.raises(vo.Expired) as ex:  # a valid signature, replayed a day later
        vo.verify_standard(sec, {"webhook-id": "m", "webhook-timestamp": "1000",
                                 "webhook-signature": vo.sign_standard(sec, "m", 1000, b"{}")},
                           b"{}", now=100000).raise_for_status()
    assert isinstance(ex.value, vo.WebhookError) and ex.value.http_status in (400, 403)
    assert ex.value.reason == "timestamp_too_old"
    with pytest.raises(vo.AuthError):
        vo.verify_twilio("t", "https://e.com/", "AAAA", b"").raise_for_status()


def test_errors_are_per_thread() -> None:
    seen: list[str] = []

    def worker() -> None:
        try:
            vo.Keyring().add_key("bad id!", b"k" * 32)
        except vo.InvalidInput as e:
            seen.append(e.message)

    ts = [threading.Thread(target=worker) for _ in range(8)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert len(seen) == 8 and len(set(seen)) == 1 and "KEK id" in seen[0]


def test_secret_never_shows_its_value() -> None:
    s = vo.Secret("hunter2-very-secret")
    assert "hunter2" not in repr(s) and "hunter2" not in str(s) and "hunter2" not in f"{s}"
    assert s == "hunter2-very-secret" and s == b"hunter2-very-secret" and s != "other"
    assert s == vo.Secret(b"hunter2-very-secret")
    assert len(s) == 19 and s.reveal() == "hunter2-very-secret"
    with pytest.raises(TypeError):
        pickle.dumps(s)
    with pytest.raises(TypeError):
        hash(s)
    with s as inner:
        assert inner.reveal_bytes() == b"hunter2-very-secret"
    assert s.closed and repr(s) == "Secret(<closed>)"
    with pytest.raises(vo.ClosedError):
        s.reveal()
    s.close()  # twice: nothing happens


def test_log_bridge_from_c_threads(caplog: pytest.LogCaptureFixture) -> None:
    vo.set_log_level(logging.DEBUG)
    try:
        with caplog.at_level(logging.DEBUG, logger="voiceops"):
            def worker() -> None:
                h = vo.Secret("x")
                p = h._ptr
                h.close()
                _lib.lib.vo_secret_free(p)  # double free in C: reported at error level

            ts = [threading.Thread(target=worker) for _ in range(4)]
            for t in ts:
                t.start()
            for t in ts:
                t.join()
        recs = [r for r in caplog.records if r.name == "voiceops" and "vo_secret_free" in r.getMessage()]
        assert len(recs) == 4 and all(r.levelno == logging.ERROR for r in recs)
        assert all(getattr(r, "vo_module") == "handle" for r in recs)
    finally:
        vo.set_log_level(logging.WARNING)


def test_log_records_are_redacted(caplog: pytest.LogCaptureFixture, tmp_path) -> None:  # type: ignore[no-untyped-def]
    vo.set_log_level(logging.DEBUG)
    try:
        with caplog.at_level(logging.DEBUG, logger="voiceops"):
            with pytest.raises(vo.VoiceOpsError) as ei:
                vo.TwilioCredentials("AC" + "0" * 32, "not-a-valid-token-SECRETVALUE")
        assert "SECRETVALUE" not in str(ei.value) and "SECRETVALUE" not in repr(ei.value)
        assert all("SECRETVALUE" not in r.getMessage() for r in caplog.records)
    finally:
        vo.set_log_level(logging.WARNING)


def test_correlation_id_reaches_the_c_thread_state() -> None:
    cid = vo.new_correlation_id()
    assert len(cid) == 36
    tok = vo.correlation_id.set(cid)
    try:
        _lib.apply_correlation_id()
        assert _lib.lib.vo_correlation_id_get() == cid.encode()
    finally:
        vo.correlation_id.reset(tok)
    _lib.apply_correlation_id()
    assert _lib.lib.vo_correlation_id_get() == b""


def test_gc_of_many_handles_in_any_order() -> None:
    objs = [vo.Secret(f"s{i}") for i in range(200)] + [vo.Keyring() for _ in range(50)]
    del objs
    gc.collect()
    assert ROOT.exists()


def test_mypy_strict_on_package_and_examples() -> None:
    pytest.importorskip("mypy")
    r = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--no-incremental",
                        str(PKG / "voiceops"), str(ROOT / "examples/python/app.py"),
                        str(ROOT / "examples/python/flask_receiver.py")],
                       capture_output=True, text=True, env={**os.environ, "MYPYPATH": str(PKG)})
    assert r.returncode == 0, r.stdout[-3000:]


def test_interpreter_exit_with_live_handles_in_any_order(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Finalizers at interpreter shutdown, objects dropped in every order: no crash, no error."""
    code = f"""
import gc, random, sys
sys.path.insert(0, {str(PKG)!r})
import voiceops as vo
vo.Vault.keygen({str(tmp_path / 'k')!r})
objs = []
for i in range(20):
    v = vo.Vault({str(tmp_path / 'v.db')!r}, key_file={str(tmp_path / 'k')!r})
    if i == 0:
        v.create_tenant("acme")
        v.put_twilio_credentials("acme", vo.TwilioCredentials("AC" + "1" * 32, "a" * 32))
        v.put_secret("acme", "s", "x")
    c = vo.TwilioClient.for_tenant(v, "acme", api_base_url="http://127.0.0.1:9",
                                   allow_insecure_http=True)
    h = vo.HttpClient()
    vc = vo.VapiClient("k" * 16, http_client=h, base_url="http://127.0.0.1:9",
                       allow_insecure_http=True)
    objs += [v, c, h, vc, v.get_secret("acme", "s"), vo.Keyring(), vo.ToolResults()]
random.seed(7)
random.shuffle(objs)
for o in objs[: len(objs) // 2]:
    o.close() if random.random() < 0.5 else None
del objs[: len(objs) // 3]
gc.collect()
keep = objs  # the rest is finalized at interpreter exit
print("ok")
"""
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       env={**os.environ}, timeout=120)
    assert r.returncode == 0 and r.stdout.strip() == "ok", r.stderr
    assert "Traceback" not in r.stderr and "Exception ignored" not in r.stderr, r.stderr


def test_tls_failures_raise_tls_error(tmp_path) -> None:  # type: ignore[no-untyped-def]
    subprocess.run(["sh", str(ROOT / "tests/fixtures/make_test_certs.sh"), str(tmp_path)],
                   check=True, capture_output=True)
    p = subprocess.Popen([sys.executable, str(ROOT / "tests/fixtures/http_fixture.py"),
                          f"--tls={tmp_path / 'valid'}"], stdout=subprocess.PIPE, text=True)
    try:
        assert p.stdout is not None
        url = p.stdout.readline().split()[-1]
        assert url.startswith("https://127.0.0.1:")
        with vo.HttpClient(vo.HttpOptions(max_attempts=1)) as h:
            with pytest.raises(vo.TLSError) as ei:
                h.request("GET", url, "/")  # self-signed: not trusted
        assert "certificate" in ei.value.message.lower() or ei.value.message
        trusted = vo.HttpOptions(max_attempts=1, ca_bundle_path=str(tmp_path / "valid/cert.pem"))
        with vo.HttpClient(trusted) as h:
            assert h.request("GET", url, "/").status > 0
    finally:
        p.terminate()
        p.wait(10)
