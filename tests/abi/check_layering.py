#!/usr/bin/env python3
"""docs/architecture.md tells the truth about module dependencies.

The dependency table in docs/architecture.md ("| module | uses |" rows) must match what the
object files of each module really call (undefined vo_ symbols resolved to the module that
defines them), and no module may include another module's private header: the shared internal interfaces are
`core/internal.h` (every module), `rest/rest_internal.h` (the provider clients) and
`http/transport.h` (the REST layer only).

Usage: check_layering.py LIBVOICEOPS_A SOURCE_ROOT
"""
import pathlib
import re
import subprocess
import sys

# Internal headers one module offers others, and which modules may include them.
SHARED_INTERNAL = {
    "core/internal.h": None,          # every module
    "rest/rest_internal.h": {"twilio", "vapi"},
    "http/transport.h": {"rest"},
}


def members(archive: pathlib.Path):
    """(module, defined, undefined) per object of the static library. meson names objects
    <folder>_<file>.c.o, so the folder under lib/ is the module."""
    out = subprocess.run(["nm", str(archive)], check=True, capture_output=True, text=True).stdout
    result, cur = [], None
    for line in out.splitlines():
        m = re.match(r"^(\S+\.o):$", line)
        if m:
            cur = (m.group(1).split("_", 1)[0], set(), set())
            result.append(cur)
            continue
        parts = line.split()
        if cur is None:
            continue
        if len(parts) == 3 and parts[1] in "TtDdBbRr":
            cur[1].add(parts[2])
        elif len(parts) == 2 and parts[0] == "U":
            cur[2].add(parts[1])
    return result


def documented(doc: pathlib.Path):
    deps = {}
    in_table = False
    for line in doc.read_text().splitlines():
        if re.match(r"\|\s*module\s*\|\s*uses\s*\|", line):
            in_table = True
            continue
        if in_table:
            if not line.startswith("|"):
                break
            cells = [c.strip() for c in line.strip("|").split("|")]
            if set(cells[0]) <= {"-", " "}:
                continue
            mod = cells[0].strip("`")
            uses = {u.strip().strip("`") for u in cells[1].split(",") if u.strip() not in ("", "-", "nothing")}
            deps[mod] = uses
    return deps


def main() -> int:
    archive, root = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
    objs = members(archive)
    if not objs:
        print(f"no object files in {archive}")
        return 1
    owner, needs = {}, {}
    for mod, defined, undefined in objs:
        for s in defined:
            owner[s] = mod
        needs.setdefault(mod, set()).update(s for s in undefined if s.startswith("vo_"))
    actual = {}
    for mod, syms in needs.items():
        actual[mod] = {owner[s] for s in syms if s in owner and owner[s] != mod}
    want = documented(root / "docs" / "architecture.md")
    ok = True
    for mod in sorted(set(actual) | set(want)):
        a, w = actual.get(mod, set()), want.get(mod)
        if w is None:
            print(f"module {mod} is missing from the dependency table in docs/architecture.md")
            ok = False
            continue
        for extra in sorted(a - w):
            examples = sorted(s for s in needs.get(mod, ()) if owner.get(s) == extra)[:3]
            print(f"{mod} uses {extra} ({', '.join(examples)}) but docs/architecture.md does not say so")
            ok = False
        for gone in sorted(w - a):
            print(f"docs/architecture.md says {mod} uses {gone}, but it does not")
            ok = False
    for src in sorted((root / "lib").rglob("*.[ch]")):
        mod = src.parent.name
        for inc in re.findall(r'#include\s+"([^"]+)"', src.read_text()):
            inc_norm = inc.replace("../", "")
            if "/" in inc_norm and not inc_norm.startswith("voiceops/"):
                owner_mod = inc_norm.split("/")[0]
                if owner_mod == mod:
                    continue
                if inc_norm not in SHARED_INTERNAL:
                    print(f"{src.relative_to(root)} includes another module's private header {inc}")
                    ok = False
                elif SHARED_INTERNAL[inc_norm] is not None and mod not in SHARED_INTERNAL[inc_norm]:
                    print(f"{src.relative_to(root)} includes {inc}, which only "
                          f"{', '.join(sorted(SHARED_INTERNAL[inc_norm]))} may use")
                    ok = False
    layers = {}
    in_block = False
    for line in (root / "docs" / "architecture.md").read_text().splitlines():
        if line.startswith("```"):
            in_block = not in_block
            continue
        m = re.match(r"^\s+(\d)\s+(.*)$", line) if in_block else None
        if m:
            for word in re.findall(r"[a-z]+", m.group(2).split("\u2500")[0]):
                if word in want:
                    layers[word] = int(m.group(1))
    for mod in sorted(actual):
        if mod not in layers:
            print(f"module {mod} has no layer in docs/architecture.md")
            ok = False
            continue
        for dep in sorted(actual[mod]):
            if dep in layers and layers[dep] >= layers[mod]:
                print(f"{mod} (layer {layers[mod]}) uses {dep} (layer {layers[dep]}): not a lower layer")
                ok = False
    for mod in sorted(actual):
        print(f"{mod}: uses {', '.join(sorted(actual[mod])) or 'nothing'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
