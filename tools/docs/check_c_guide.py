#!/usr/bin/env python3
"""Compile every C snippet of docs/c.md against the build tree, and run the ones marked
`/* guide-run: yes */`, so the guide's programs stay complete and correct.

usage: check_c_guide.py SOURCE_ROOT BUILD_ROOT
"""
import os
import pathlib
import re
import subprocess
import sys
import tempfile


def main():
    root, build = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
    text = (root / "docs" / "c.md").read_text()
    blocks = re.findall(r"```c\n(.*?)```", text, re.S)
    if not blocks:
        print("no C snippets in docs/c.md")
        return 1
    lib = build / "lib"
    failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        for i, code in enumerate(blocks, 1):
            src = pathlib.Path(tmp) / f"snippet{i}.c"
            exe = pathlib.Path(tmp) / f"snippet{i}"
            src.write_text(code)
            cc = subprocess.run(["cc", "-std=c11", "-Wall", "-Wextra", "-Werror", "-D_GNU_SOURCE",
                                 f"-I{root / 'include'}", str(src), f"-L{lib}", "-lvoiceops",
                                 f"-Wl,-rpath,{lib}", "-o", str(exe)],
                                capture_output=True, text=True)
            if cc.returncode != 0:
                print(f"snippet {i}: does not compile:\n{cc.stderr}")
                failed += 1
                continue
            if "guide-run: yes" not in code:
                print(f"snippet {i}: compiles")
                continue
            r = subprocess.run([str(exe)], capture_output=True, text=True, timeout=60,
                               env=dict(os.environ, LD_LIBRARY_PATH=str(lib)))
            if r.returncode != 0:
                print(f"snippet {i}: exit {r.returncode}:\n{r.stdout}{r.stderr}")
                failed += 1
            else:
                print(f"snippet {i}: compiles and runs: {r.stdout.strip().splitlines()[-1]}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
