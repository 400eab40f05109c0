"""voiceops on real vault files: keys, tenants, secrets, import, backup, audit, rotation."""
import glob
import json
import os
import signal
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

SUBCOMMANDS = [
    ["keygen"], ["vault"], ["tenant"], ["secret"], ["creds"], ["rotate"], ["import"],
    ["backup"], ["restore"], ["audit"], ["twilio"], ["vapi"], ["webhook"], ["scan"],
    ["smtp"], ["sandbox"], ["demo"],
]


def _pty_read(fd, until=None, timeout=60):
    """Read a pseudo-terminal until `until` appears (or EOF), failing after timeout s."""
    import select
    import time
    out, end = b"", time.monotonic() + timeout
    while until is None or until not in out:
        left = end - time.monotonic()
        assert left > 0, f"timed out; got {out!r}"
        ready, _, _ = select.select([fd], [], [], left)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    return out


@pytest.mark.parametrize("cmd", SUBCOMMANDS, ids=lambda c: c[0])
def test_help_on_every_subcommand(tool, cmd):
    r = tool.run(*cmd, "--help")
    assert r.code == 0, r
    assert r.out.startswith("usage: voiceops " + cmd[0]), r


def test_top_level_help_lists_exit_codes(tool):
    r = tool.run("--help")
    assert r.code == 0
    assert "Exit codes" in r.out and "130 interrupted" in r.out
    assert tool.run("no-such-command").code == 2
    assert tool.run("tenant", "list", "--no-such-option").code == 2


def test_keygen_mode_and_no_overwrite(tool):
    r = tool.json("keygen", tool.key)
    assert r.code == 0 and r.json == {"ok": True, "path": str(tool.key), "mode": 0o600}
    assert stat.S_IMODE(os.stat(tool.key).st_mode) == 0o600
    before = tool.key.read_bytes()
    r = tool.json("keygen", tool.key)
    assert r.code == 6 and r.json["ok"] is False and r.json["error"]["kind"] == "conflict"
    assert tool.key.read_bytes() == before


def test_vault_init_once(tool):
    tool.run("keygen", tool.key)
    r = tool.json("vault", "init")
    assert r.code == 0 and r.json["vault"] == str(tool.vault)
    assert stat.S_IMODE(os.stat(tool.vault).st_mode) == 0o600
    assert tool.json("vault", "init").code == 6


def test_missing_vault_and_key(tool):
    tool.run("keygen", tool.key)
    r = tool.json("tenant", "list")
    assert r.code == 3 and r.json["error"]["code"] == "VO_ENOTFOUND"
    assert "vault init" in r.err
    r = tool.run("tenant", "list", env={"VOICEOPS_KEY_FILE": ""})
    assert r.code == 2 and "no key" in r.err


def test_key_file_readable_by_others_is_refused(vault):
    os.chmod(vault.key, 0o644)
    r = vault.json("tenant", "list")
    assert r.code == 4, r
    assert r.json["error"]["kind"] == "permission" and "chmod 600" in r.json["error"]["message"]
    os.chmod(vault.key, 0o600)
    assert vault.run("tenant", "list").code == 0


def test_wrong_key_is_refused(vault, tmp_path):
    other = tmp_path / "other.key"
    assert vault.run("keygen", other).code == 0
    r = vault.json("--key-file", other, "tenant", "list")
    assert r.code == 5 and r.json["error"]["code"] == "VO_ECRYPTO"


def test_tenants(vault):
    r = vault.json("tenant", "add", "acme")
    assert r.code == 0 and r.json == {"ok": True, "tenant": "acme", "action": "created"}
    assert vault.json("tenant", "add", "acme").code == 6
    r = vault.json("tenant", "add", "bad id!")
    assert r.code == 2 and r.json["error"]["code"] == "VO_EINVAL"
    vault.run("tenant", "add", "beta")
    r = vault.json("tenant", "list")
    assert r.code == 0
    ids = [t["id"] for t in r.json["tenants"]]
    assert ids == ["acme", "beta"]
    t = r.json["tenants"][0]
    assert set(t) == {"id", "created_at", "kek_id", "dek_generation", "secrets"}
    assert t["kek_id"] == "primary" and t["dek_generation"] == 1 and t["secrets"] == 0
    r = vault.run("tenant", "rm", "beta")
    assert r.code == 2 and "--yes" in r.err
    assert vault.json("tenant", "rm", "beta", "--yes").code == 0
    assert vault.json("tenant", "rm", "beta", "--yes").code == 3
    assert [t["id"] for t in vault.json("tenant", "list").json["tenants"]] == ["acme"]


def test_secret_lifecycle_value_only_with_reveal(vault):
    vault.run("tenant", "add", "acme")
    value = "db-pass-Zq9!x7"
    r = vault.json("secret", "put", "acme", "db/password", input=value + "\n")
    assert r.code == 0 and r.json["version"] == 1 and r.json["length"] == len(value)
    r = vault.json("secret", "get", "acme", "db/password")
    assert r.code == 0 and "value" not in r.json and r.json["length"] == len(value)
    assert value not in r.out + r.err
    r = vault.run("secret", "get", "acme", "db/password")
    assert value not in r.out and "--reveal" in r.out
    r = vault.run("secret", "get", "acme", "db/password", "--reveal")
    assert r.code == 0 and r.out == value
    r = vault.json("secret", "get", "acme", "db/password", "--reveal")
    assert r.json["value"] == value
    # a new version, check-and-set
    assert vault.json("secret", "put", "acme", "db/password", "--expect-version", "1",
                      input="v2-value").json["version"] == 2
    r = vault.json("secret", "put", "acme", "db/password", "--expect-version", "1", input="x" * 9)
    assert r.code == 6 and r.json["error"]["code"] == "VO_ECONFLICT"
    assert vault.run("secret", "get", "acme", "db/password", "--version", "1",
                     "--reveal").out == value
    r = vault.json("secret", "list", "acme")
    assert [s["name"] for s in r.json["secrets"]] == ["db/password"]
    assert r.json["secrets"][0]["version"] == 2 and r.json["secrets"][0]["versions_kept"] == 2
    r = vault.json("secret", "history", "acme", "db/password")
    assert r.code == 0 and r.json["exists"] is True
    actions = [e["action"] for e in r.json["events"]]
    assert actions.count("secret.put") >= 2 and "secret.get" in actions
    assert all(set(e) == {"seq", "time", "action", "actor", "result"} for e in r.json["events"])
    assert vault.json("secret", "rm", "acme", "db/password").code == 0
    assert vault.json("secret", "get", "acme", "db/password").code == 3
    assert vault.json("secret", "history", "acme", "db/password").json["exists"] is False
    assert vault.json("secret", "history", "acme", "never").code == 3


def test_secret_values_never_from_argv(vault):
    vault.run("tenant", "add", "acme")
    r = vault.run("secret", "put", "acme", "n", "the-value-on-argv")
    assert r.code == 2
    r = vault.run("secret", "put", "acme", "n", input="")
    assert r.code == 2 and "empty" in r.err


def test_secret_raw_keeps_binary_and_newlines(vault):
    vault.run("tenant", "add", "acme")
    blob = bytes(range(256)) + b"\n"
    assert vault.run("secret", "put", "acme", "blob", "--raw", input=blob).code == 0
    p = subprocess.run([vault.binary, "secret", "get", "acme", "blob", "--reveal"],
                       capture_output=True, env=vault.env)
    assert p.returncode == 0 and p.stdout == blob


def test_unknown_tenant(vault):
    r = vault.json("secret", "put", "ghost", "x", input="12345678")
    assert r.code == 3 and r.json["error"]["kind"] == "not_found"
    assert vault.json("secret", "list", "ghost").code == 3
    assert vault.json("rotate", "dek", "ghost").code == 3


def test_secret_prompt_on_a_terminal_does_not_echo(vault):
    import pty
    vault.run("tenant", "add", "acme")
    pid, fd = pty.fork()
    if pid == 0:
        os.execve(vault.binary, [vault.binary, "secret", "put", "acme", "typed"], vault.env)
    out = _pty_read(fd, b"value of")
    os.write(fd, b"typed-secret-42\n")
    out += _pty_read(fd)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, out
    assert b"typed-secret-42" not in out
    assert vault.run("secret", "get", "acme", "typed", "--reveal").out == "typed-secret-42"


def test_import_plaintext_with_malformed_rows(vault, tmp_path):
    vault.run("tenant", "add", "acme")
    csv = tmp_path / "old.csv"
    csv.write_text("tenant,name,value\n"
                   "acme,twilio/token,tok-aaaaaaaa\n"
                   "bad tenant!,x,val-bbbbbbbb\n"
                   "acme,,val-cccccccc\n"
                   "ghost,x,val-dddddddd\n"
                   "acme,smtp/password,pw-eeeeeeee\n")
    r = vault.json("import", "plaintext", csv)
    assert r.code == 1, r
    d = r.json
    assert (d["imported"], d["skipped"], d["rejected"]) == (2, 0, 3)
    assert [x["row"] for x in d["rejections"]] == [2, 3, 4]
    assert all(set(x) == {"row", "reason"} for x in d["rejections"])
    for v in ("val-bbbbbbbb", "val-cccccccc", "val-dddddddd", "tok-aaaaaaaa"):
        assert v not in r.out + r.err
    # re-running skips what is there; creating tenants imports the rest
    r = vault.json("import", "plaintext", csv, "--create-tenants")
    assert r.json["skipped"] == 2 and r.json["imported"] == 1 and r.json["rejected"] == 2
    r = vault.run("import", "plaintext", csv)
    assert "row 2: rejected" in r.out and "imported 0" in r.out
    j = tmp_path / "old.json"
    j.write_text(json.dumps([{"tenant": "acme", "name": "vapi/key", "value": "vk-12345678"}]))
    assert vault.json("import", "plaintext", j, "--format", "json").json["imported"] == 1
    many = tmp_path / "many.csv"
    many.write_text("tenant,name,value\n" + "".join(f"acme,batch/k{i},bv-{i:08d}\n"
                                                     for i in range(9)))
    r = vault.json("import", "plaintext", many, "--batched",
                   env={"VOICEOPS_ROTATION_BATCH": "2"})
    assert r.code == 0 and r.json["imported"] == 9, r
    assert vault.run("secret", "get", "acme", "batch/k8", "--reveal").out == "bv-00000008"
    assert "--batched" in vault.run("import", "--help").out
    broken = tmp_path / "broken.json"
    broken.write_text('[{"tenant": "acme", ')
    r = vault.json("import", "plaintext", broken)
    assert r.code == 8 and r.json["error"]["code"] == "VO_EPARSE"
    assert vault.json("import", "plaintext", tmp_path / "missing.csv").code == 3


def test_backup_and_restore(vault, tmp_path):
    vault.run("tenant", "add", "acme")
    vault.run("secret", "put", "acme", "k", input="value-before-backup")
    bk = tmp_path / "backup.db"
    r = vault.json("backup", bk)
    assert r.code == 0 and r.json["backup"] == str(bk)
    assert stat.S_IMODE(os.stat(bk).st_mode) == 0o600
    assert vault.json("backup", bk).code == 6
    vault.run("tenant", "rm", "acme", "--yes")
    assert vault.json("secret", "get", "acme", "k").code == 3
    r = vault.json("restore", bk)
    assert r.code == 0, r
    assert vault.run("secret", "get", "acme", "k", "--reveal").out == "value-before-backup"
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database" * 100)
    assert vault.json("restore", junk).code in (8,)


def test_vault_copy_to_a_new_file_keeps_secrets_and_the_audit_chain(vault, tmp_path):
    vault.run("tenant", "add", "acme")
    vault.run("secret", "put", "acme", "k", input="copied-value-1")
    vault.run("secret", "put", "acme", "k", input="copied-value-2")
    dest = tmp_path / "copy.db"
    r = vault.json("vault", "copy", dest)
    assert r.code == 0, r
    assert r.json["destination"] == str(dest) and r.json["source"] == str(vault.vault)
    assert "copied-value" not in r.out + r.err
    other = {"VOICEOPS_VAULT": str(dest)}
    assert vault.run("secret", "get", "acme", "k", "--reveal", env=other).out == "copied-value-2"
    assert vault.run("secret", "get", "acme", "k", "--version", "1", "--reveal",
                     env=other).out == "copied-value-1"
    listed = vault.json("secret", "list", "acme", env=other).json["secrets"]
    assert listed[0]["version"] == 2 and listed[0]["versions_kept"] == 2
    v = vault.json("audit", "verify", env=other)
    assert v.code == 0 and v.json["intact"] is True
    # a second copy onto a vault that exists is refused, and loses nothing there
    again = vault.json("vault", "copy", dest)
    assert again.code != 0, again
    assert vault.run("secret", "get", "acme", "k", "--reveal", env=other).out == "copied-value-2"


def test_database_passwords_in_vault_uris_are_never_printed(vault):
    """A PostgreSQL URI or libpq string with a password: errors and JSON show '***'."""
    pw = "Db-Pa55word-Never-Shown"
    uri = f"postgresql://app:{pw}@127.0.0.1:1/voiceops?schema=x&connect_timeout=2"
    kv = f"host=127.0.0.1 port=1 user=app password={pw} dbname=voiceops connect_timeout=2"
    query = f"postgresql://app@127.0.0.1:1/voiceops?password={pw}&connect_timeout=2"
    quoted = f"host=127.0.0.1 port=1 password = '{pw} x' connect_timeout=2"
    for loc in (uri, kv, query, quoted):
        r = vault.json("--vault", loc, "tenant", "list")
        assert r.code != 0, r
        assert pw not in r.out + r.err, r
        assert "***" in r.out + r.err, r
        r = vault.json("vault", "copy", loc)
        assert r.code != 0 and pw not in r.out + r.err, r


def test_vault_copy_usage_errors(vault):
    assert vault.json("vault", "copy").code == 2
    assert vault.json("vault", "init", "extra").code == 2
    r = vault.run("vault", "copy", "--help")
    assert r.code == 0 and "copy DEST" in r.out


def test_vault_copy_to_postgresql_and_back(vault, tmp_path):
    """SQLite -> PostgreSQL -> SQLite through the tool, against a throw-away server."""
    wrapper = Path(__file__).resolve().parents[3] / "tests" / "pg" / "with_postgres.py"
    if not glob.glob("/usr/lib/postgresql/*/bin/initdb"):
        pytest.skip("PostgreSQL server binaries not installed (tools/install-deps installs them)")
    vault.run("tenant", "add", "acme")
    vault.run("secret", "put", "acme", "k", input="through-postgres")
    back = tmp_path / "back.db"
    script = (
        'set -e; pg="$VO_TEST_PG?schema=cli_copy"; '
        f'"{vault.binary}" vault copy "$pg"; '
        f'"{vault.binary}" --vault "$pg" --json audit verify; '
        f'"{vault.binary}" --vault "$pg" vault copy "{back}"'
    )
    p = subprocess.run([sys.executable, str(wrapper), "sh", "-c", script], env=vault.env,
                       capture_output=True, timeout=300)
    assert p.returncode == 0, p.stderr.decode(errors="replace")[-2000:]
    assert b"through-postgres" not in p.stdout + p.stderr
    other = {"VOICEOPS_VAULT": str(back)}
    assert vault.run("secret", "get", "acme", "k", "--reveal", env=other).out == "through-postgres"
    assert vault.json("audit", "verify", env=other).json["intact"] is True


def test_audit_show_and_verify_detects_an_edited_row(vault):
    vault.run("tenant", "add", "acme")
    vault.run("secret", "put", "acme", "k", input="value-12345")
    r = vault.json("audit", "show", "--tenant", "acme")
    assert r.code == 0
    rows = r.json["rows"]
    assert rows and set(rows[0]) == {"seq", "time", "action", "tenant", "name", "result",
                                     "actor", "correlation_id"}
    assert any(x["action"] == "secret.put" and x["name"] == "k" for x in rows)
    assert all(x["actor"] == "voiceops-cli" for x in rows)
    r = vault.json("audit", "verify")
    assert r.code == 0 and r.json["intact"] is True and r.json["reason"] == "intact"
    n = r.json["rows"]
    db = sqlite3.connect(vault.vault)
    db.execute("UPDATE audit SET actor = 'mallory' WHERE seq = 3")
    db.commit()
    db.close()
    r = vault.json("audit", "verify")
    assert r.code == 1, r
    assert r.json["intact"] is False and r.json["bad_seq"] == 3
    assert r.json["reason"] == "mac_mismatch" and r.json["rows"] <= n + 1
    assert "BROKEN at row 3" in r.err


def test_rotate_dek(vault):
    vault.run("tenant", "add", "acme")
    vault.run("secret", "put", "acme", "k", input="value-12345")
    r = vault.json("rotate", "dek", "acme")
    assert r.code == 0 and r.json["rotated"] == ["acme"] and r.json["remaining"] == []
    t = vault.json("tenant", "list").json["tenants"][0]
    assert t["dek_generation"] == 2
    assert vault.run("secret", "get", "acme", "k", "--reveal").out == "value-12345"
    assert vault.json("rotate", "dek", "--all").json["rotated"] == ["acme"]
    assert vault.json("rotate", "dek").code == 2


def _many_tenants(vault, tmp_path, n):
    rows = "\n".join(f"t{i:04d},k,value-{i:08d}" for i in range(n))
    f = tmp_path / "many.csv"
    f.write_text("tenant,name,value\n" + rows + "\n")
    assert vault.json("import", "plaintext", f, "--create-tenants").json["imported"] == n


def test_rotate_kek_completes_and_retires(vault, tmp_path):
    _many_tenants(vault, tmp_path, 30)
    new = tmp_path / "kek2.key"
    vault.run("keygen", new)
    r = vault.json("rotate", "kek", "--to", f"kek2={new}", "--retire")
    assert r.code == 0, r
    assert r.json["complete"] is True and r.json["remaining"] == 0
    assert r.json["rewrapped_total"] == 31  # 30 tenants + the audit key
    assert r.json["retired"] == ["primary"]
    # only the new key opens it now
    r = vault.json("--key-file", f"kek2={new}", "secret", "get", "t0007", "k", "--reveal")
    assert r.code == 0 and r.json["value"] == "value-00000007"
    assert vault.json("--key-file", f"kek2={new}", "tenant", "list").json["tenants"][0][
        "kek_id"] == "kek2"
    assert vault.json("rotate", "kek", "--to", str(new)).code == 2  # needs ID=


def test_rotate_kek_interrupted_by_sigint_resumes(vault, tmp_path):
    # enough one-DEK batches that the rotation is still running when SIGINT arrives
    _many_tenants(vault, tmp_path, 1500)
    new = tmp_path / "kek2.key"
    vault.run("keygen", new)
    env = dict(vault.env, VOICEOPS_ROTATION_BATCH="1", VOICEOPS_PROGRESS="plain")
    p = subprocess.Popen([vault.binary, "--json", "rotate", "kek", "--to", f"kek2={new}"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    first = p.stderr.readline().decode()
    assert first.startswith("rotate kek: "), first
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=60)
    assert p.returncode == 130, (out, err)
    d = json.loads(out)
    assert d["ok"] is False and d["complete"] is False and 0 < d["remaining"] < 1501
    assert b"run the same command again" in err
    # both keys are still needed; the re-run resumes and finishes
    r = vault.json("rotate", "kek", "--to", f"kek2={new}")
    assert r.code == 0 and r.json["remaining"] == 0 and r.json["rewrapped_total"] == 1501
    assert vault.json("--key-file", f"kek2={new}", "audit", "verify").json["intact"] is True


def test_progress_lines_on_a_pipe(vault, tmp_path):
    _many_tenants(vault, tmp_path, 50)
    new = tmp_path / "kek2.key"
    vault.run("keygen", new)
    r = vault.run("rotate", "kek", "--to", f"kek2={new}",
                  env={"VOICEOPS_ROTATION_BATCH": "5"})
    assert r.code == 0
    lines = r.err.splitlines()
    assert "\r" not in r.err and "\x1b" not in r.err
    assert lines[-1].startswith("rotate kek: 50/50 (100%)") and "/s ETA" in lines[-1]
    assert 2 <= len(lines) <= 12


def test_progress_bar_on_a_terminal(vault, tmp_path):
    import pty
    _many_tenants(vault, tmp_path, 50)
    new = tmp_path / "kek2.key"
    vault.run("keygen", new)
    env = dict(vault.env, VOICEOPS_ROTATION_BATCH="5")
    pid, fd = pty.fork()
    if pid == 0:
        os.execve(vault.binary, [vault.binary, "rotate", "kek", "--to", f"kek2={new}"], env)
    out = _pty_read(fd)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, out
    text = out.decode()
    assert "\rrotate kek [##############################] 50/50 100%" in text
    assert "ETA" in text and "/s" in text and "\x1b[K" in text


def test_man_page_renders_and_lists_every_command(tool):
    import pathlib
    import shutil
    page = pathlib.Path(__file__).resolve().parents[1] / "voiceops.1"
    text = page.read_text()
    for cmd in SUBCOMMANDS:
        assert f"{cmd[0]}" in text
    for code in ("0", "1", "2", "3", "4", "5", "6", "7", "8", "130"):
        assert f".B {code}\n" in text
    if shutil.which("groff"):
        r = subprocess.run(["groff", "-man", "-ww", "-z", str(page)], capture_output=True,
                           text=True)
        assert r.returncode == 0 and r.stderr == "", r.stderr
