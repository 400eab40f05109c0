"""The vault against real SQLite files: tenants, secrets, credentials, rotation, import,
backup, audit, lifetimes."""
from __future__ import annotations

import base64
import gc
import os
import sqlite3
from pathlib import Path

import pytest
from vo_testkit import vo


def test_tenants_and_versioned_secrets(vault: vo.Vault) -> None:
    for t in ("acme", "beta", "gamma"):
        vault.create_tenant(t)
    with pytest.raises(vo.AlreadyExists):
        vault.create_tenant("acme")
    with pytest.raises(vo.InvalidInput):
        vault.create_tenant("bad tenant!")
    assert [t.id for t in vault.tenants(page_size=2)] == ["acme", "beta", "gamma"]
    assert vault.put_secret("acme", "api/key", "v1", expected_version=0) == 1
    assert vault.put_secret("acme", "api/key", b"v2", expected_version=1) == 2
    with pytest.raises(vo.Conflict):
        vault.put_secret("acme", "api/key", "v3", expected_version=1)
    with vault.get_secret("acme", "api/key") as s:
        assert s == "v2" and s.version == 2
    assert vault.get_secret("acme", "api/key", version=1).reveal() == "v1"
    with pytest.raises(vo.NotFound):
        vault.get_secret("acme", "nope")
    with pytest.raises(vo.NotFound):
        vault.get_secret("zzz", "api/key")
    info = vault.secrets("acme")
    assert [(i.name, i.version, i.versions_kept) for i in info] == [("api/key", 2, 2)]
    vault.put_secret("acme", "other", vo.Secret("from a Secret"))
    assert vault.get_secret("acme", "other") == "from a Secret"
    vault.delete_secret("acme", "other")
    with pytest.raises(vo.NotFound):
        vault.get_secret("acme", "other")
    assert vault.tenant("acme").secret_count == 1
    vault.delete_tenant("beta")
    with pytest.raises(vo.NotFound):
        vault.tenant("beta")


def test_typed_credentials(vault: vo.Vault) -> None:
    vault.create_tenant("acme")
    tw = vo.TwilioCredentials("AC" + "1" * 32, "a" * 32, api_key_sid="SK" + "2" * 32,
                              api_key_secret="s" * 32, region="ie1", edge="dublin")
    assert "aaaa" not in repr(tw)
    assert vault.put_twilio_credentials("acme", tw) == 1
    got = vault.get_twilio_credentials("acme")
    assert got.account_sid == "AC" + "1" * 32 and got.region == "ie1" and got.edge == "dublin"
    assert got.auth_token == "a" * 32 and got.api_key_secret == "s" * 32
    assert got.secondary_auth_token is None
    with pytest.raises(vo.InvalidInput):
        vo.TwilioCredentials("not-a-sid", "a" * 32)
    with pytest.raises(vo.InvalidInput):
        vo.TwilioCredentials("AC" + "1" * 32).validate()
    hook = vo.VapiWebhookOptions(type="hmac", algorithm="sha512", encoding="base64",
                                 tolerance_seconds=60)
    vault.put_vapi_credentials("acme", vo.VapiCredentials("vapi-key-123", webhook_secret="whs",
                                                          webhook=hook))
    vc = vault.get_vapi_credentials("acme")
    assert vc.api_key == "vapi-key-123" and vc.webhook_secret == "whs"
    w = vc.webhook
    assert w is not None and w.type == "hmac" and w.algorithm == "sha512" and w.tolerance_seconds == 60
    vault.put_smtp_credentials("acme", vo.SmtpCredentials("smtp.example.com", 465, username="u",
                                                          password="pw-secret", tls="implicit"))
    sc = vault.get_smtp_credentials("acme")
    assert (sc.host, sc.port, sc.username, sc.tls) == ("smtp.example.com", 465, "u", "implicit")
    assert sc.password == "pw-secret" and "pw-secret" not in repr(sc)
    names = {i.name for i in vault.secrets("acme")}
    assert names == {"credentials/twilio", "credentials/vapi", "credentials/smtp"}


def test_kek_rotation_with_progress(tmp_path: Path) -> None:
    k1, k2 = os.urandom(32), os.urandom(32)
    ring = vo.Keyring().add_key("k1", k1)
    with vo.Vault(tmp_path / "v.db", ring, rotation_batch=3) as v:
        for i in range(10):
            v.create_tenant(f"t{i}")
            v.put_secret(f"t{i}", "s", f"value-{i}")
    ring2 = vo.Keyring().add_key("k1", k1).add_key("k2", k2).set_active("k2")
    with vo.Vault(tmp_path / "v.db", ring2, rotation_batch=3) as v:
        seen: list[tuple[int, int]] = []
        assert v.rotate_kek(progress=lambda d, t: seen.append((d, t)) and None) == 0
        assert seen and seen[-1][0] == seen[-1][1] >= 10 and len(seen) >= 4
        assert v.kek_usage("k1") == 0 and v.kek_usage("k2") >= 10
        v.retire_kek("k1")
        v.rotate_dek("t3")
        assert v.tenant("t3").dek_generation == 2
        assert v.get_secret("t3", "s") == "value-3"
    # only k2 is needed now
    with vo.Vault(tmp_path / "v.db", vo.Keyring().add_key("k2", k2)) as v:
        assert v.get_secret("t9", "s") == "value-9"
    with pytest.raises(vo.CryptoError):
        vo.Vault(tmp_path / "v.db", vo.Keyring().add_key("k2", os.urandom(32)))


def test_rotation_stopped_by_progress_and_exception(tmp_path: Path) -> None:
    k1, k2 = os.urandom(32), os.urandom(32)
    with vo.Vault(tmp_path / "v.db", vo.Keyring().add_key("k1", k1)) as v:
        for i in range(6):
            v.create_tenant(f"t{i}")
    ring = vo.Keyring().add_key("k1", k1).add_key("k2", k2).set_active("k2")
    with vo.Vault(tmp_path / "v.db", ring, rotation_batch=2) as v:
        remaining = v.rotate_kek(progress=lambda d, t: False)  # stopped after one batch
        assert remaining >= 4
        with pytest.raises(ZeroDivisionError):
            v.rotate_kek(progress=lambda d, t: 1 // 0)
        assert v.rotate_kek() == 0


def test_passphrase_env_and_provider_keys(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VO_TEST_KEK", base64.b64encode(os.urandom(32)).decode())
    ring = vo.Keyring().add_env("env", "VO_TEST_KEK").add_passphrase(
        "pw", "correct horse", opslimit=1, memlimit=8192 * 1024)
    kms_key = os.urandom(32)

    def wrap(key: bytes, ad: bytes) -> bytes:  # a toy "KMS": XOR with AD bound by a prefix
        return ad[:8].ljust(8, b"\0") + bytes(a ^ b for a, b in zip(key, kms_key))

    def unwrap(w: bytes, ad: bytes) -> bytes:
        if w[:8] != ad[:8].ljust(8, b"\0"):
            raise ValueError("ad mismatch")
        return bytes(a ^ b for a, b in zip(w[8:], kms_key))

    ring.add_provider("kms", wrap, unwrap).set_active("kms")
    assert len(ring) == 3
    with vo.Vault(tmp_path / "v.db", ring) as v:
        v.create_tenant("acme")
        v.put_secret("acme", "k", "through the kms")
        assert v.tenant("acme").kek_id == "kms"
    with vo.Vault(tmp_path / "v.db", ring) as v:
        assert v.get_secret("acme", "k") == "through the kms"


def test_import_backup_restore_audit(vault: vo.Vault, tmp_path: Path) -> None:
    data = (b'[{"tenant": "acme", "name": "api/key", "value": "k1"},'
            b' {"tenant": "acme", "name": "other", "value": "k2"},'
            b' {"tenant": "beta", "name": "x", "value": "y"}]')
    rep = vault.import_data(data, "json", create_tenants=True)
    assert (rep.imported, rep.rejected) == (3, 0)
    rep = vault.import_data("tenant,name,value\nacme,api/key,changed\nnope!,a,b\n", "csv")
    assert rep.rejected == 2 and {r for r, _ in rep.rejections} == {1, 2}
    assert all("changed" not in reason for _, reason in rep.rejections)
    rows = "".join(f"gamma,k{i},v{i}\n" for i in range(7))
    rep = vault.import_data("tenant,name,value\n" + rows, "csv", create_tenants=True,
                            batched=True)
    assert (rep.imported, rep.rejected) == (7, 0) and vault.get_secret("gamma", "k6") == "v6"
    (tmp_path / "in.csv").write_text("tenant,name,value\nacme,api/key,changed\n")
    assert vault.import_file(tmp_path / "in.csv", overwrite=True).imported == 1
    assert vault.get_secret("acme", "api/key") == "changed"
    vault.backup(tmp_path / "backup.db")
    vo.Vault.restore(tmp_path / "backup.db", tmp_path / "restored.db")
    keyring = vo.Keyring().add_file("kek1", tmp_path / "kek.key")
    with vo.Vault(tmp_path / "restored.db", keyring, create=False) as r:
        assert r.get_secret("acme", "api/key") == "changed"
    vo.Vault.copy(tmp_path / "copied.db", tmp_path / "restored.db", keyring)
    with vo.Vault(tmp_path / "copied.db", keyring, create=False) as c:
        assert c.get_secret("beta", "x") == "y" and c.audit_verify().ok
    with pytest.raises(vo.AlreadyExists):
        vo.Vault.copy(tmp_path / "copied.db", tmp_path / "restored.db", keyring)
    with pytest.raises(vo.NotFound):
        vo.Vault(tmp_path / "absent.db", keyring, create=False)
    vault.audit_append("acme", "api/key", "app.custom", "ok")
    vault.audit_flush()
    rows = list(vault.audit(page_size=3))
    assert len(rows) > 5 and [r.seq for r in rows] == sorted(r.seq for r in rows)
    assert any(r.action == "app.custom" and r.actor == "pytest" for r in rows)
    assert all("changed" not in (r.name + r.result + r.action) for r in rows)
    assert list(vault.audit(tenant="beta"))
    assert vault.audit_verify().ok


def test_audit_tampering_is_detected(tmp_path: Path, keyfile: Path) -> None:
    with vo.Vault(tmp_path / "v.db", key_file=keyfile) as v:
        v.create_tenant("acme")
        for i in range(5):
            v.put_secret("acme", "s", str(i))
    db = sqlite3.connect(tmp_path / "v.db")
    tables = [r[0] for r in db.execute("select name from sqlite_master where type='table'")]
    audit = next(t for t in tables if "audit" in t)
    cols = [r[1] for r in db.execute(f"pragma table_info({audit})")]
    col = "actor" if "actor" in cols else cols[-1]
    db.execute(f"update {audit} set {col} = 'mallory' where rowid = 3")
    db.commit()
    db.close()
    with vo.Vault(tmp_path / "v.db", key_file=keyfile) as v:
        chk = v.audit_verify()
        assert not chk and chk.bad_seq > 0 and chk.reason != "intact"


def test_vault_lifetimes(tmp_path: Path, keyfile: Path) -> None:
    v = vo.Vault(tmp_path / "v.db", key_file=keyfile)
    v.create_tenant("acme")
    v.put_twilio_credentials("acme", vo.TwilioCredentials("AC" + "1" * 32, "a" * 32))
    client = vo.TwilioClient.for_tenant(v, "acme", api_base_url="http://127.0.0.1:9",
                                        allow_insecure_http=True)
    s = v.get_secret("acme", "credentials/twilio")
    v.close()
    v.close()  # double close: nothing
    with pytest.raises(vo.ClosedError):
        v.get_secret("acme", "x")
    assert "closed" in repr(v)
    assert client.account_sid == "AC" + "1" * 32  # the client outlives the vault
    assert len(s) > 0  # and so does a secret read from it
    del v
    gc.collect()
    client.close()
    client.close()
    with pytest.raises(vo.ClosedError):
        client.account()
    s.close()


def test_c_level_double_free_is_reported_not_a_crash(vault: vo.Vault) -> None:
    from voiceops._lib import lib
    s = vo.Secret("x")
    p = s._ptr
    s.close()
    lib.vo_secret_free(p)  # the C library reports it (VO_EHANDLE) and ignores it
    with pytest.raises(vo.HandleError):
        lib.vo_vault_tenant_create(p, b"t")  # a freed secret is not a vault


def test_repr_never_shows_a_database_password() -> None:
    from voiceops.vault import _display_location
    pw = "Db-Pa55word-Never-Shown"
    assert pw not in _display_location(f"postgresql://app:{pw}@db.internal:5432/v?schema=x")
    assert _display_location(f"postgresql://app:{pw}@db/v") == "postgresql://app:***@db/v"
    assert _display_location(f"host=db user=app password={pw} dbname=v") == \
        "host=db user=app password=*** dbname=v"
    assert pw not in _display_location(f"host=db password='{pw} x' dbname=v")
    assert _display_location(f"postgresql://app@db/v?password={pw}&schema=x") == \
        "postgresql://app@db/v?password=***&schema=x"
    assert _display_location("/var/lib/app/vault.db") == "/var/lib/app/vault.db"
    assert _display_location("postgresql://db:5432/v") == "postgresql://db:5432/v"


def test_busy_is_raised_for_a_real_lock(tmp_path: Path, keyfile: Path) -> None:
    """Another process holds the SQLite write lock past busy_timeout_ms: the write raises
    vo.Busy (a StorageError) after waiting for it, names no secret, and loses nothing: the
    same write succeeds once the lock is released."""
    import subprocess
    import sys
    import time

    path = tmp_path / "busy.db"
    with vo.Vault(path, key_file=keyfile, actor="pytest", busy_timeout_ms=200) as v:
        v.create_tenant("acme")
        v.put_secret("acme", "api.key", "first-value-4d1f")
        holder = subprocess.Popen(
            [sys.executable, "-c",
             "import sqlite3, sys\n"
             "c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
             "c.execute('BEGIN IMMEDIATE')\n"
             "print('locked', flush=True)\n"
             "sys.stdin.read()\n"
             "c.execute('ROLLBACK')\n",
             str(path)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        try:
            assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
            t0 = time.monotonic()
            with pytest.raises(vo.Busy) as err:
                v.put_secret("acme", "api.key", "second-value-9c2e")
            waited = time.monotonic() - t0
            assert isinstance(err.value, vo.StorageError)
            assert err.value.code == -13
            assert 0.15 <= waited < 3.0, f"gave up after {waited:.3f} s, not busy_timeout_ms"
            assert "second-value" not in str(err.value) and "second-value" not in repr(err.value)
            # reads still work while another process writes (WAL)
            assert v.get_secret("acme", "api.key").reveal() == "first-value-4d1f"
        finally:
            assert holder.stdin is not None
            holder.stdin.close()
            holder.wait(timeout=10)
        v.put_secret("acme", "api.key", "second-value-9c2e")
        assert v.get_secret("acme", "api.key").reveal() == "second-value-9c2e"
