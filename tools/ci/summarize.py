#!/usr/bin/env python3
"""Sum the results of every suite that tools/test-all ran into one closing line.

C suites: each Check case (a TAP line in meson's testlog.json) counts once, every other
meson test counts once. Fuzz targets and the install check count once each. pytest from its JUnit XML; Node from
its TAP output. Prints "N passed, N failed, N skipped" last; exits 1 if anything failed.
"""
import json
import pathlib
import re
import sys
import xml.etree.ElementTree as ET


def meson(path: pathlib.Path, totals: dict) -> None:
    for line in path.read_text().splitlines():
        test = json.loads(line)
        taps = re.findall(r"^(ok|not ok) \d+\b[^\n]*?(# *SKIP)?", test.get("stdout") or "",
                          re.M)
        result = test.get("result")
        if taps:
            for verdict, skip in taps:
                key = "skipped" if skip else ("passed" if verdict == "ok" else "failed")
                totals[key] += 1
            # A crash after the last TAP line (sanitizer report at exit) is a failure too.
            if result not in ("OK", "EXPECTEDFAIL") and not any(v == "not ok" for v, _ in taps):
                totals["failed"] += 1
        elif result == "SKIP":
            totals["skipped"] += 1
        elif result in ("OK", "EXPECTEDFAIL"):
            totals["passed"] += 1
        else:
            totals["failed"] += 1


def junit(path: pathlib.Path, totals: dict) -> None:
    root = ET.parse(path).getroot()
    for suite in root.iter("testsuite"):
        tests = int(suite.get("tests", 0))
        failed = int(suite.get("failures", 0)) + int(suite.get("errors", 0))
        skipped = int(suite.get("skipped", 0))
        totals["passed"] += tests - failed - skipped
        totals["failed"] += failed
        totals["skipped"] += skipped


def tap(path: pathlib.Path, totals: dict) -> None:
    text = path.read_text()
    for key, name in (("passed", "pass"), ("failed", "fail"), ("skipped", "skip")):
        m = re.search(rf"^# {name} (\d+)$", text, re.M)
        if m:
            totals[key] += int(m.group(1))


def main() -> int:
    results = pathlib.Path(sys.argv[1])
    totals = {"passed": 0, "failed": 0, "skipped": 0}
    for log in sorted(results.glob("testlog-*.json")):
        meson(log, totals)
    extra = results / "extra.txt"  # fuzz runs, install check: "pass NAME" / "fail NAME"
    if extra.exists():
        for line in extra.read_text().splitlines():
            totals["passed" if line.startswith("pass") else "failed"] += 1
    if (results / "pytest.xml").exists():
        junit(results / "pytest.xml", totals)
    if (results / "node.tap").exists():
        tap(results / "node.tap", totals)
    steps = results / "failed-steps"
    if steps.exists():
        totals["failed"] += len(steps.read_text().split())
    print(f"{totals['passed']} passed, {totals['failed']} failed, {totals['skipped']} skipped")
    return 1 if totals["failed"] or totals["passed"] == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
