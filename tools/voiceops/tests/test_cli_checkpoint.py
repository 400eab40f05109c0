"""voiceops audit checkpoint / public-key / verify --checkpoint on real vault files: a
rollback to an older copy and a cut tail are found, forged and foreign checkpoints refused."""
import base64
import json
import shutil
import sqlite3

import pytest

CP_FIELDS = {"ok", "vault_id", "seq", "head", "time_ms", "key_id", "checkpoint"}


@pytest.fixture
def signer(vault):
    vault.sig = vault.dir / "checkpoint.key"
    assert vault.run("keygen", vault.sig).code == 0
    vault.run("tenant", "add", "acme")
    return vault


def writes(tool, n, start=0):
    for i in range(start, start + n):
        assert tool.run("secret", "put", "acme", f"k{i}", input=f"value-{i}-abcdef").code == 0


def checkpoint(tool, out):
    r = tool.json("audit", "checkpoint", "--signing-key", tool.sig, "--out", out)
    assert r.code == 0, r
    return r.json


def verify(tool, cp, *extra):
    return tool.json("audit", "verify", "--checkpoint", cp, *extra)


def test_checkpoint_json_shape_and_text(signer):
    writes(signer, 2)
    r = signer.json("audit", "checkpoint", "--signing-key", signer.sig)
    assert r.code == 0, r
    d = r.json
    assert set(d) == CP_FIELDS and d["ok"] is True
    assert d["key_id"] == "checkpoint" and len(d["vault_id"]) == 32 and len(d["head"]) == 64
    text = json.loads(d["checkpoint"])
    assert text["format"] == "voiceops.audit-checkpoint.v1"
    for k in ("vault_id", "seq", "head", "time_ms", "key_id"):
        assert text[k] == d[k]
    rows = signer.json("audit", "verify").json["rows"]
    assert d["seq"] == rows
    # plain output: the checkpoint line itself, ready for syslog/object storage
    r = signer.run("audit", "checkpoint", "--signing-key", f"cp-2026={signer.sig}")
    assert r.code == 0 and r.out.count("\n") == 1
    assert json.loads(r.out)["key_id"] == "cp-2026"
    # --out writes the same line, and --json names the file
    out = signer.dir / "cp.jsonl"
    d = checkpoint(signer, out)
    assert set(d) == CP_FIELDS | {"out"} and d["out"] == str(out)
    assert out.read_text() == d["checkpoint"] + "\n"


def test_public_key_needs_no_vault_and_verifies(signer):
    writes(signer, 1)
    cp = signer.dir / "cp.json"
    checkpoint(signer, cp)
    r = signer.json("audit", "public-key", "--signing-key", signer.sig,
                    env={"VOICEOPS_VAULT": str(signer.dir / "absent.db")})
    assert r.code == 0, r
    assert set(r.json) == {"ok", "key_id", "public_key"}
    assert len(base64.b64decode(r.json["public_key"])) == 32
    pub = signer.dir / "checkpoint.pub"
    assert signer.run("audit", "public-key", "--signing-key", signer.sig, "--out", pub).code == 0
    assert pub.read_text().strip() == r.json["public_key"]
    # the public key is not the key file's content
    assert r.json["public_key"] not in signer.sig.read_text()
    writes(signer, 2, start=10)  # rows after the checkpoint are fine
    r = verify(signer, cp, "--public-key", pub)
    assert r.code == 0, r
    d = r.json
    assert set(d) == {"ok", "intact", "rows", "bad_seq", "reason", "checkpoint"}
    assert d["intact"] is True and d["reason"] == "intact"
    assert set(d["checkpoint"]) == {"vault_id", "seq", "head", "time_ms", "key_id"}
    assert d["rows"] > d["checkpoint"]["seq"]
    r = signer.run("audit", "verify", "--checkpoint", cp, "--signing-key", signer.sig)
    assert r.code == 0 and "consistent with the checkpoint" in r.out
    # VOICEOPS_SIGNING_KEY works as --signing-key
    r = signer.run("audit", "verify", "--checkpoint", cp,
                   env={"VOICEOPS_SIGNING_KEY": str(signer.sig)})
    assert r.code == 0, r


def test_rollback_to_an_older_copy_is_detected(signer):
    writes(signer, 2)
    old = signer.dir / "old-copy.db"
    shutil.copy(signer.vault, old)
    writes(signer, 4, start=2)
    cp = signer.dir / "cp.json"
    taken = checkpoint(signer, cp)
    assert verify(signer, cp, "--signing-key", signer.sig).code == 0
    shutil.copy(old, signer.vault)  # the attacker restores the older copy
    # the chain alone cannot see it
    r = signer.json("audit", "verify")
    assert r.code == 0 and r.json["intact"] is True
    r = verify(signer, cp, "--signing-key", signer.sig)
    assert r.code == 1, r
    assert r.json["intact"] is False and r.json["reason"] == "rollback"
    assert 0 < r.json["bad_seq"] <= taken["seq"]
    assert "ROLLBACK" in r.err
    r = signer.run("audit", "verify", "--checkpoint", cp, "--signing-key", signer.sig)
    assert r.code == 1 and "rollback" in r.out


def test_rolled_back_and_written_again_is_a_fork(signer):
    writes(signer, 1)
    old = signer.dir / "old-copy.db"
    shutil.copy(signer.vault, old)
    writes(signer, 2, start=1)
    cp = signer.dir / "cp.json"
    checkpoint(signer, cp)
    shutil.copy(old, signer.vault)
    writes(signer, 4, start=20)  # new rows now sit where the checkpoint's row was
    r = verify(signer, cp, "--signing-key", signer.sig)
    assert r.code == 1, r
    assert r.json["reason"] == "fork" and r.json["intact"] is False


def test_cut_tail_with_rewritten_head_marker_is_detected(signer):
    writes(signer, 5)
    cp = signer.dir / "cp.json"
    taken = checkpoint(signer, cp)
    keep = taken["seq"] - 3
    db = sqlite3.connect(signer.vault)
    db.execute("DELETE FROM audit WHERE seq > ?", (keep,))
    (mac,) = db.execute("SELECT mac FROM audit WHERE seq = ?", (keep,)).fetchone()
    db.execute("UPDATE meta SET value = ? WHERE key = 'audit_head'",
               (keep.to_bytes(8, "big") + bytes(mac),))
    db.commit()
    db.close()
    r = signer.json("audit", "verify")
    assert r.code == 0 and r.json["intact"] is True, r  # invisible to the chain
    r = verify(signer, cp, "--signing-key", signer.sig)
    assert r.code == 1, r
    assert r.json["reason"] == "rollback" and keep < r.json["bad_seq"] <= taken["seq"]


def test_tampered_forged_and_foreign_checkpoints_are_refused(signer):
    writes(signer, 2)
    cp = signer.dir / "cp.json"
    d = checkpoint(signer, cp)
    text = json.loads(d["checkpoint"])
    # an edited field: the signature no longer covers it
    edited = dict(text, seq=text["seq"] - 1)
    bad = signer.dir / "edited.json"
    bad.write_text(json.dumps(edited) + "\n")
    r = verify(signer, bad, "--signing-key", signer.sig)
    assert r.code == 5 and r.json["ok"] is False and r.json["error"]["kind"] == "crypto", r
    assert "signature" in r.json["error"]["message"]
    assert "intact" not in r.json
    # a valid checkpoint checked with another key
    other = signer.dir / "other.key"
    signer.run("keygen", other)
    r = verify(signer, cp, "--signing-key", other)
    assert r.code == 5 and "signature does not verify" in r.err
    # re-serialised JSON (other spacing and order) still verifies
    spaced = signer.dir / "spaced.json"
    spaced.write_text(json.dumps(dict(reversed(list(text.items()))), indent=None) + "\n")
    assert verify(signer, spaced, "--signing-key", signer.sig).code == 0
    # another vault's checkpoint, signed with the right key
    other_vault = signer.dir / "other.db"
    env = {"VOICEOPS_VAULT": str(other_vault)}
    assert signer.run("vault", "init", env=env).code == 0
    foreign = signer.dir / "foreign.json"
    r = signer.json("audit", "checkpoint", "--signing-key", signer.sig, "--out", foreign, env=env)
    assert r.code == 0
    r = verify(signer, foreign, "--signing-key", signer.sig)
    assert r.code == 6 and r.json["error"]["kind"] == "conflict" and "another vault" in r.err
    # malformed, empty, missing
    junk = signer.dir / "junk.json"
    junk.write_text("not a checkpoint\n")
    r = verify(signer, junk, "--signing-key", signer.sig)
    assert r.code == 8 and "malformed" in r.err
    junk.write_text("\n\n")
    assert verify(signer, junk, "--signing-key", signer.sig).code == 8
    r = verify(signer, signer.dir / "absent.json", "--signing-key", signer.sig)
    assert r.code == 3
    # no secret material in any of these messages
    key_text = signer.sig.read_text().strip()
    for out in (r.out, r.err):
        assert key_text not in out


def test_a_log_of_checkpoints_verifies_against_the_latest(signer):
    writes(signer, 1)
    log = signer.dir / "checkpoints.log"
    with open(log, "a") as f:
        r = signer.run("audit", "checkpoint", "--signing-key", signer.sig)
        f.write(r.out)
    old = signer.dir / "old-copy.db"
    shutil.copy(signer.vault, old)
    writes(signer, 3, start=1)
    with open(log, "a") as f:
        f.write(signer.run("audit", "checkpoint", "--signing-key", signer.sig).out + "\n")
    shutil.copy(old, signer.vault)
    # the first line alone would pass; the latest catches the rollback
    first = signer.dir / "first.json"
    first.write_text(log.read_text().splitlines()[0])
    assert verify(signer, first, "--signing-key", signer.sig).code == 0
    r = verify(signer, log, "--signing-key", signer.sig)
    assert r.code == 1 and r.json["reason"] == "rollback", r
    r = signer.json("audit", "verify", "--checkpoint", "-", "--signing-key", signer.sig,
                    input=log.read_text())
    assert r.code == 1 and r.json["reason"] == "rollback", r


def test_usage_errors(signer):
    cp = signer.dir / "cp.json"
    checkpoint(signer, cp)
    assert signer.run("audit", "checkpoint").code == 2  # no signing key
    r = signer.run("audit", "verify", "--checkpoint", cp)
    assert r.code == 2 and "signing key" in r.err
    pub = signer.dir / "pub"
    pub.write_text("too-short\n")
    r = signer.run("audit", "verify", "--checkpoint", cp, "--public-key", pub)
    assert r.code == 2 and "public key" in r.err
    assert signer.run("audit", "verify", "--public-key", pub).code == 2
    assert signer.run("audit", "show", "--out", cp).code == 2
    assert signer.run("audit", "checkpoint", "--signing-key", signer.dir / "nope.key").code == 3
    assert signer.run("audit", "nonsense").code == 2
    r = signer.run("audit", "--help")
    assert r.code == 0 and "audit checkpoint" in r.out and "public-key" in r.out


def test_man_page_help_and_runbook_name_the_checkpoint_commands(tool):
    import pathlib
    root = pathlib.Path(__file__).resolve().parents[3]
    page = (root / "tools" / "voiceops" / "voiceops.1").read_text()
    ops = (root / "docs" / "operations.md").read_text()
    top = tool.run("--help").out
    for name in ("audit checkpoint", r"audit public\-key", r"\-\-checkpoint", "VOICEOPS_SIGNING_KEY"):
        assert name in page, name
    assert "checkpoint|public-key" in top
    for name in ("voiceops audit checkpoint", "voiceops audit public-key",
                 "voiceops audit verify --checkpoint", "rollback", "fork"):
        assert name in ops, name
