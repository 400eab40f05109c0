"""pip install ./bindings/python into a fresh virtual environment builds and bundles the C
library (import works without LD_LIBRARY_PATH); a wheel from `pip wheel` installs into
another one. About half a minute (one meson build of the library, reused for the wheel).
Skipped with VOICEOPS_SKIP_PACKAGING=1."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from vo_testkit import PKG

pytestmark = pytest.mark.skipif(os.environ.get("VOICEOPS_SKIP_PACKAGING") == "1",
                                reason="VOICEOPS_SKIP_PACKAGING=1")


def _env(tmp: Path) -> dict[str, str]:
    e = {k: v for k, v in os.environ.items()
         if k not in ("VOICEOPS_LIBRARY", "LD_LIBRARY_PATH", "PYTHONPATH")}
    e["VOICEOPS_BUILD_DIR"] = str(tmp / "meson")
    e["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return e


def _pip(venv: Path, env: dict[str, str], *args: str) -> None:
    r = subprocess.run([str(venv / "bin" / "pip"), *args], env=env, capture_output=True,
                       text=True, timeout=600)
    if r.returncode != 0 and "install" in args[:1] and "--no-build-isolation" not in args:
        # no registry for the isolated build's setuptools: build with the venv's own
        r = subprocess.run([str(venv / "bin" / "pip"), *args, "--no-build-isolation"], env=env,
                           capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]


def _check_import(venv: Path, env: dict[str, str], cwd: Path) -> str:
    code = ("import voiceops, os; p = voiceops.LIBRARY_PATH; "
            "assert '/site-packages/voiceops/_lib/' in p, p; "
            "assert 'LD_LIBRARY_PATH' not in os.environ; "
            "v = voiceops.verify_twilio('12345', 'https://mycompany.com/myapp.php?foo=1&bar=2', "
            "'RSOYDt4T1cUTdK1PDd93/VVr8B8=', b'CallSid=CA1234567890ABCDE&Caller=%2B14158675309"
            "&Digits=1234&From=%2B14158675309&To=%2B18005551212'); assert v.ok; print(p)")
    r = subprocess.run([str(venv / "bin" / "python"), "-c", code], env=env, cwd=str(cwd),
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    return r.stdout.strip()


def test_pip_install_and_wheel_into_fresh_venvs(tmp_path: Path) -> None:
    env = _env(tmp_path)
    a, b = tmp_path / "venv-a", tmp_path / "venv-b"
    for v in (a, b):
        subprocess.run([sys.executable, "-m", "venv", str(v)], check=True, timeout=120)
    _pip(a, env, "install", "-q", str(PKG))
    assert _check_import(a, env, tmp_path).startswith(str(a))
    wheels = tmp_path / "wheels"
    r = subprocess.run([str(a / "bin" / "pip"), "wheel", "-q", "--no-deps", "-w", str(wheels),
                        str(PKG)], env=env, capture_output=True, text=True, timeout=600)
    if r.returncode != 0:
        r = subprocess.run([str(a / "bin" / "pip"), "wheel", "-q", "--no-deps",
                            "--no-build-isolation", "-w", str(wheels), str(PKG)], env=env,
                           capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    whl = list(wheels.glob("voiceops-*.whl"))
    assert len(whl) == 1 and "linux" in whl[0].name  # a platform wheel: it carries the .so
    _pip(b, env, "install", "-q", str(whl[0]))
    assert _check_import(b, env, tmp_path).startswith(str(b))
