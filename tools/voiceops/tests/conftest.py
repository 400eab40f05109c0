"""Fixtures of the voiceops tool tests: the built binary, a fresh vault and key per test,
and the sandbox (tools/sandbox) on a free loopback port."""
import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "tools" / "sandbox"))


def _binary():
    env = os.environ.get("VOICEOPS_BIN")
    if env:
        return env
    for build in ("build", "build-asan"):
        p = ROOT / build / "tools" / "voiceops" / "voiceops"
        if p.exists():
            return str(p)
    pytest.skip("voiceops is not built (set VOICEOPS_BIN or build into ./build)")


class Result:
    def __init__(self, proc):
        self.code = proc.returncode
        self.out = proc.stdout
        self.err = proc.stderr

    @property
    def json(self):
        return json.loads(self.out)

    def __repr__(self):
        return f"<exit {self.code} out={self.out[:400]!r} err={self.err[:400]!r}>"


class Tool:
    def __init__(self, binary, workdir):
        self.binary = binary
        self.dir = workdir
        self.key = workdir / "kek.key"
        self.vault = workdir / "vault.db"
        self.env = dict(os.environ)
        self.env.update(VOICEOPS_VAULT=str(self.vault), VOICEOPS_KEY_FILE=str(self.key))
        for k in ("VOICEOPS_TWILIO_URL", "VOICEOPS_VAPI_URL", "VOICEOPS_KEK_ID"):
            self.env.pop(k, None)

    def run(self, *args, input=None, env=None, timeout=120):
        e = dict(self.env)
        if env:
            e.update(env)
        if isinstance(input, str):
            input = input.encode()
        p = subprocess.run([self.binary, *map(str, args)], input=input, capture_output=True,
                           env=e, timeout=timeout, cwd=self.dir)
        p.stdout = p.stdout.decode(errors="replace")
        p.stderr = p.stderr.decode(errors="replace")
        return Result(p)

    def json(self, *args, **kw):
        return self.run("--json", *args, **kw)

    def init(self):
        assert self.run("keygen", self.key).code == 0
        assert self.run("vault", "init").code == 0
        return self


@pytest.fixture
def tool(tmp_path):
    return Tool(_binary(), tmp_path)


@pytest.fixture
def vault(tool):
    return tool.init()


@pytest.fixture(scope="session")
def sandbox_server():
    from voiceops_sandbox import SandboxServer
    srv = SandboxServer(("127.0.0.1", 0)).start_background()
    yield srv
    srv.stop()


class Sandbox:
    def __init__(self, url):
        self.url = url

    def ctl(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + path, data=data, method=method)
        with urllib.request.urlopen(req) as r:
            return json.loads(r.read() or b"null")


@pytest.fixture
def sandbox(sandbox_server):
    sb = Sandbox(sandbox_server.url)
    sb.ctl("POST", "/__sandbox/reset")
    return sb
