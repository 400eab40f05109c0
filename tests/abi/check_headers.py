#!/usr/bin/env python3
"""Each public header compiles alone, as C99 and as C++, with -Wall -Wextra -pedantic -Werror.

Usage: check_headers.py INCLUDE_DIR CC CXX
"""
import pathlib
import subprocess
import sys
import tempfile

FLAGS = ["-Wall", "-Wextra", "-pedantic", "-Werror", "-fsyntax-only"]


def main() -> int:
    include_dir = pathlib.Path(sys.argv[1]).resolve()
    cc, cxx = sys.argv[2], sys.argv[3]
    headers = sorted(include_dir.rglob("*.h"))
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        for header in headers:
            rel = header.relative_to(include_dir).as_posix()
            for lang, compiler, std, ext in (("C99", cc, "-std=c99", "c"),
                                             ("C++", cxx, "-std=c++11", "cpp")):
                src = pathlib.Path(tmp) / f"tu.{ext}"
                # Include twice: include guards must work.
                src.write_text(f'#include "{rel}"\n#include "{rel}"\nint vo_header_test_anchor;\n')
                cmd = [compiler, std, *FLAGS, f"-I{include_dir}", str(src)]
                res = subprocess.run(cmd, capture_output=True, text=True)
                status = "compiled" if res.returncode == 0 else "FAILED"
                print(f"{status}: {rel} as {lang}")
                if res.returncode != 0:
                    print(res.stderr)
                    failures += 1
    print(f"{len(headers)} headers, {failures} failures")
    return 1 if failures or not headers else 0


if __name__ == "__main__":
    sys.exit(main())
