"""Build the C library with meson and bundle it in the package (voiceops/_lib/).

`pip install ./bindings/python` (or `pip wheel`) runs `meson setup` + `ninja` on the
repository root (two directories up) with the tests and benchmarks off, and copies
libvoiceops.so.1 into the wheel, so `import voiceops` needs no LD_LIBRARY_PATH. The C
library's own dependencies (libsodium, libcurl, SQLite, cJSON, libcrypto) are the system's.

Environment: VOICEOPS_SOURCE_DIR (the repository root, default ../..), VOICEOPS_PREBUILT_LIBRARY
(bundle this libvoiceops.so.1 instead of building; for fast CI checks), VOICEOPS_BUILD_DIR
(keep and reuse the meson build directory).
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.dist import Distribution

HERE = Path(__file__).resolve().parent
SONAME = "libvoiceops.so.1"


def build_library() -> Path:
    pre = os.environ.get("VOICEOPS_PREBUILT_LIBRARY")
    if pre:
        return Path(pre)
    src = Path(os.environ.get("VOICEOPS_SOURCE_DIR", HERE.parent.parent)).resolve()
    if not (src / "include" / "voiceops.h").exists():
        raise SystemExit(f"voiceops: the C sources are not at {src} (build from a clone of the "
                         "repository, or set VOICEOPS_SOURCE_DIR)")
    bdir = os.environ.get("VOICEOPS_BUILD_DIR") or tempfile.mkdtemp(prefix="voiceops-meson-")
    if not (Path(bdir) / "build.ninja").exists():
        subprocess.run(["meson", "setup", bdir, str(src), "--buildtype=release",
                        "-Dtests=false", "-Dbench=false"], check=True)
    subprocess.run(["ninja", "-C", bdir], check=True)
    return Path(bdir) / "lib" / SONAME


class BuildWithLibrary(build_py):
    def run(self) -> None:
        super().run()
        lib = build_library()
        dest = Path(self.build_lib) / "voiceops" / "_lib"
        dest.mkdir(parents=True, exist_ok=True)
        shutil.copy2(lib.resolve(), dest / SONAME)


class BinaryDistribution(Distribution):
    def has_ext_modules(self) -> bool:  # a platform wheel: it carries a shared library
        return True


setup(cmdclass={"build_py": BuildWithLibrary}, distclass=BinaryDistribution)
