#!/usr/bin/env python3
"""The prefix of every public function tells its header (docs/conventions.md).

Reads the "| prefix | header |" table of docs/conventions.md and checks that each function
declared VO_EXTERN in include/voiceops/*.h is in the header that its longest matching prefix
names, and that every function has a matching prefix.

Usage: check_prefixes.py SOURCE_ROOT
"""
import pathlib
import re
import sys


def table(doc: pathlib.Path) -> dict[str, str]:
    rows, in_table = {}, False
    for line in doc.read_text().splitlines():
        if re.match(r"\s*\|\s*prefix\s*\|\s*header\s*\|", line):
            in_table = True
            continue
        if in_table:
            if not line.strip().startswith("|"):
                break
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if set(cells[0]) <= {"-", " "}:
                continue
            header = re.search(r"`voiceops/([\w.]+)`", cells[1]).group(1)
            # a cell may say "`vo_secret_` (not `vo_secret_list_`)": the exception is listed
            # in its own row, so only the prefixes before a parenthesis count here
            for prefix in re.findall(r"`(\w+)`", cells[0].split("(")[0]):
                if prefix.lower().startswith("vo_"):
                    rows[prefix] = header
    return rows


def declared(header: pathlib.Path) -> set[str]:
    text = re.sub(r"/\*.*?\*/", "", header.read_text(), flags=re.S)
    text = re.sub(r"^\s*#(?:[^\n]*\\\n)*[^\n]*", "", text, flags=re.M)
    names = set()
    for decl in re.findall(r"VO_EXTERN\b([^;{]*?)\(", text, flags=re.S):
        m = re.search(r"(\w+)\s*$", decl)
        if m:
            names.add(m.group(1))
    return names


def main() -> int:
    root = pathlib.Path(sys.argv[1])
    rows = table(root / "docs" / "conventions.md")
    if not rows:
        print("no prefix table in docs/conventions.md")
        return 1
    ok, count = True, 0
    for header in sorted((root / "include" / "voiceops").glob("*.h")):
        for name in sorted(declared(header)):
            count += 1
            matches = [p for p in rows if name.startswith(p)]
            if not matches:
                print(f"{name} ({header.name}): no prefix in docs/conventions.md matches it")
                ok = False
                continue
            best = max(matches, key=len)
            if rows[best] != header.name:
                print(f"{name} is declared in {header.name}, but its prefix {best} says "
                      f"{rows[best]}")
                ok = False
    print(f"{count} functions checked against {len(rows)} prefixes")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
