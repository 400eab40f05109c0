#!/usr/bin/env python3
"""Write the linker version script of libvoiceops from the public headers.

Every function declared VO_EXTERN in include/ is exported under a version node; everything
else is local. Functions get the node named in lib/symbol_versions.txt ("name NODE" lines,
for functions added after an ABI was frozen) or the base node VOICEOPS_<soversion>.

Usage: gen_version_script.py OUTPUT SOVERSION VERSIONS_FILE HEADER...
"""
import pathlib
import re
import sys


def declared(headers):
    names = set()
    for header in headers:
        text = pathlib.Path(header).read_text()
        text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
        text = re.sub(r"^\s*#(?:[^\n]*\\\n)*[^\n]*", "", text, flags=re.M)
        for decl in re.findall(r"VO_EXTERN\b([^;{]*?)\(", text, flags=re.S):
            m = re.search(r"(\w+)\s*$", decl)
            if m:
                names.add(m.group(1))
    return names


def main():
    out, soversion, versions_file, *headers = sys.argv[1:]
    base = f"VOICEOPS_{soversion}"
    nodes = {}
    for line in pathlib.Path(versions_file).read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, node = line.split()
            nodes[name] = node
    by_node = {}
    for name in sorted(declared(headers)):
        by_node.setdefault(nodes.get(name, base), []).append(name)
    unknown = set(nodes) - declared(headers)
    if unknown:
        sys.exit(f"lib/symbol_versions.txt names undeclared functions: {sorted(unknown)}")
    # The base node first, later nodes inherit from the one before (sorted by version).
    order = [base] + sorted(n for n in by_node if n != base)
    text, prev = [], None
    for node in order:
        syms = by_node.get(node, [])
        body = "".join(f"    {s};\n" for s in syms)
        if prev is None:
            text.append(f"{node} {{\n  global:\n{body}  local:\n    *;\n}};\n")
        else:
            text.append(f"{node} {{\n  global:\n{body}}} {prev};\n")
        prev = node
    pathlib.Path(out).write_text("\n".join(text))


if __name__ == "__main__":
    main()
