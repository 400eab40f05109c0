#!/usr/bin/env python3
"""Build the API reference from the public headers' comments with Doxygen, and fail when a
public function is undocumented.

usage: build_api_docs.py SOURCE_ROOT OUTPUT_DIR [--self-test]

Writes OUTPUT_DIR/Doxyfile (WARN_IF_UNDOCUMENTED=YES, warnings to OUTPUT_DIR/warnings.log),
runs doxygen, and exits 1 when any public function (`vo_*`) has no documentation comment,
listing them. Other warnings (undocumented enum values, macros, struct members; incomplete
parameter lists) are counted and printed but do not fail the build. The HTML reference is
OUTPUT_DIR/html/index.html.

--self-test: run on a copy of the headers with one undocumented function added and check
that it is reported and fails (the test of the check itself).
"""
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile

DOXYFILE = """\
PROJECT_NAME           = libvoiceops
PROJECT_NUMBER         = {version}
PROJECT_BRIEF          = "Tenant-scoped Twilio/Vapi plumbing: credential vault, REST clients, webhook verification"
INPUT                  = {include}/voiceops.h {include}/voiceops
FILE_PATTERNS          = *.h
RECURSIVE              = NO
OUTPUT_DIRECTORY       = {out}
GENERATE_HTML          = YES
GENERATE_LATEX         = NO
OPTIMIZE_OUTPUT_FOR_C  = YES
EXTRACT_ALL            = NO
EXTRACT_STATIC         = NO
MACRO_EXPANSION        = YES
EXPAND_ONLY_PREDEF     = YES
PREDEFINED             = VO_EXTERN= VO_NODISCARD= __cplusplus=0
FULL_PATH_NAMES        = YES
STRIP_FROM_PATH        = {include}
QUIET                  = YES
WARNINGS               = YES
WARN_IF_UNDOCUMENTED   = YES
WARN_IF_DOC_ERROR      = YES
WARN_AS_ERROR          = NO
WARN_LOGFILE           = {out}/warnings.log
"""

UNDOC_FN = re.compile(r"warning: Member (vo_\w+)\(.*\) \(function\) of file (\S+) is not documented")


def version(root):
    m = re.search(r"version\s*:\s*'([^']+)'", (root / "meson.build").read_text())
    return m.group(1) if m else "?"


def build(root, include, out):
    out.mkdir(parents=True, exist_ok=True)
    doxyfile = out / "Doxyfile"
    doxyfile.write_text(DOXYFILE.format(version=version(root), include=include, out=out))
    p = subprocess.run(["doxygen", str(doxyfile)], capture_output=True, text=True)
    if p.returncode != 0:
        print(p.stdout + p.stderr)
        return None
    log = (out / "warnings.log").read_text()
    undocumented = sorted(set(UNDOC_FN.findall(log)))
    other = sum(1 for l in log.splitlines() if "warning:" in l) - len(undocumented)
    return undocumented, other


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    root, out = pathlib.Path(sys.argv[1]).resolve(), pathlib.Path(sys.argv[2]).resolve()
    if shutil.which("doxygen") is None:
        print("doxygen is not installed (Debian: apt-get install doxygen)")
        return 77
    if "--self-test" in sys.argv[3:]:
        with tempfile.TemporaryDirectory() as tmp:
            inc = pathlib.Path(tmp) / "include"
            shutil.copytree(root / "include", inc)
            h = inc / "voiceops" / "common.h"
            h.write_text(h.read_text().replace(
                "#ifdef __cplusplus\n}", "VO_EXTERN int vo_undocumented_probe(void);\n\n"
                "#ifdef __cplusplus\n}", 1))
            res = build(root, inc, out)
            if res is None or [f for f, _ in res[0]] != ["vo_undocumented_probe"]:
                print("self-test FAILED: the undocumented probe was not reported alone:", res)
                return 1
            print("self-test: an undocumented public function is reported and fails the build")
            return 0
    res = build(root, root / "include", out)
    if res is None:
        return 1
    undocumented, other = res
    for fn, f in undocumented:
        print(f"undocumented public function: {fn} ({pathlib.Path(f).name})")
    print(f"API reference: {out}/html/index.html ({len(undocumented)} undocumented functions, "
          f"{other} other warnings in {out}/warnings.log)")
    return 1 if undocumented else 0


if __name__ == "__main__":
    sys.exit(main())
