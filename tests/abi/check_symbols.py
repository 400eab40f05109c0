#!/usr/bin/env python3
"""The shared library exports exactly the functions the public headers declare VO_EXTERN,
each with a VOICEOPS_* symbol version (lib/gen_version_script.py); every VO_<STRUCT>_INIT
macro has its exported vo_<struct>_init() (bindings cannot see macros); and the soname's number
is VO_ABI_VERSION.

Usage: check_symbols.py LIBVOICEOPS_SO INCLUDE_DIR
"""
import pathlib
import re
import subprocess
import sys


def declared(include_dir: pathlib.Path) -> set[str]:
    names = set()
    for header in sorted(include_dir.rglob("*.h")):
        text = header.read_text()
        text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)  # drop comments
        text = re.sub(r"^\s*#(?:[^\n]*\\\n)*[^\n]*", "", text, flags=re.M)  # and directives
        for decl in re.findall(r"VO_EXTERN\b([^;{]*?)\(", text, flags=re.S):
            m = re.search(r"(\w+)\s*$", decl)
            if m:
                names.add(m.group(1))
    return names


def init_macros(include_dir: pathlib.Path) -> set[str]:
    """vo_<struct>_init for every `#define VO_<STRUCT>_INIT` in the public headers."""
    names = set()
    for header in sorted(include_dir.rglob("*.h")):
        for m in re.finditer(r"^\s*#\s*define\s+VO_(\w+)_INIT\b", header.read_text(), flags=re.M):
            names.add("vo_" + m.group(1).lower() + "_init")
    return names


def abi_version(include_dir: pathlib.Path) -> str | None:
    m = re.search(r"^#define VO_ABI_VERSION (\d+)\s*$",
                  (include_dir / "voiceops" / "common.h").read_text(), flags=re.M)
    return m.group(1) if m else None


def soname(lib: str) -> str | None:
    out = subprocess.run(["readelf", "-d", lib], check=True, capture_output=True,
                         text=True).stdout
    m = re.search(r"\(SONAME\).*\[(.*)\]", out)
    return m.group(1) if m else None


def exported(lib: str) -> tuple[set[str], set[str], dict[str, str]]:
    """Exported functions, other exported symbols, and each function's version node."""
    out = subprocess.run(["nm", "-D", "--defined-only", "--with-symbol-versions", lib],
                         check=True, capture_output=True, text=True).stdout
    funcs, other, versions = set(), set(), {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) != 3:
            continue
        kind, name = parts[1], parts[2]
        name, _, node = name.partition("@")
        node = node.lstrip("@")
        if kind == "A" and (name == node or not node):  # a version node (VOICEOPS_n)
            continue
        (funcs if kind in "TtWiI" else other).add(name)
        versions[name] = node
    return funcs, other, versions


def main() -> int:
    lib, include_dir = sys.argv[1], pathlib.Path(sys.argv[2])
    want = declared(include_dir)
    funcs, other, versions = exported(lib)
    ok = True
    for name in sorted(funcs):
        if not versions.get(name, "").startswith("VOICEOPS_"):
            print(f"exported without a VOICEOPS_* symbol version: {name}")
            ok = False
    for name in sorted(funcs - want):
        print(f"exported but not declared VO_EXTERN in a public header: {name}")
        ok = False
    for name in sorted(want - funcs):
        print(f"declared VO_EXTERN but not exported: {name}")
        ok = False
    for name in sorted(n for n in funcs | other if not n.startswith("vo_")):
        print(f"exported symbol outside the vo_ namespace: {name}")
        ok = False
    for name in sorted(other):
        print(f"exported data symbol (only functions are public): {name}")
        ok = False
    inits = init_macros(include_dir)
    for name in sorted(inits - funcs):
        print(f"an *_INIT macro has no exported init function: {name}")
        ok = False
    abi = abi_version(include_dir)
    so = soname(lib)
    if abi is None or so != f"libvoiceops.so.{abi}":
        print(f"soname {so} does not match VO_ABI_VERSION {abi}")
        ok = False
    print(f"{len(funcs)} exported functions, {len(want)} declared, all versioned; "
          f"{len(inits)} *_INIT macros with their init functions; soname {so}")
    return 0 if ok and want and inits else 1


if __name__ == "__main__":
    sys.exit(main())
