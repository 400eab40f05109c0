#!/usr/bin/env python3
"""Write a copy of an OpenAPI description that keeps only the given paths and the components
they reference (transitively). Prism needs minutes to load Vapi's whole 3 MB description; the
operations the client uses validate exactly the same in the trimmed copy.

usage: trim_spec.py SPEC OUT PATH...
"""
import json
import sys


def refs(node, out):
    if isinstance(node, dict):
        r = node.get("$ref")
        if isinstance(r, str) and r.startswith("#/components/"):
            out.add(tuple(r[2:].split("/")[1:3]))
        for v in node.values():
            refs(v, out)
    elif isinstance(node, list):
        for v in node:
            refs(v, out)


def main():
    spec_path, out_path, *paths = sys.argv[1:]
    spec = json.load(open(spec_path))
    keep_paths = {p: spec["paths"][p] for p in paths}
    todo = set()
    refs(keep_paths, todo)
    for scheme in spec.get("security", []) or []:
        for name in scheme:
            todo.add(("securitySchemes", name))
    seen = set()
    while todo:
        kind, name = todo.pop()
        if (kind, name) in seen:
            continue
        seen.add((kind, name))
        node = spec.get("components", {}).get(kind, {}).get(name)
        if node is not None:
            refs(node, todo)
    comps = {}
    for kind, name in seen:
        node = spec.get("components", {}).get(kind, {}).get(name)
        if node is not None:
            comps.setdefault(kind, {})[name] = node
    for kind, table in spec.get("components", {}).items():
        if kind == "securitySchemes":
            comps.setdefault(kind, {}).update(table)
    out = {k: v for k, v in spec.items() if k not in ("paths", "components")}
    out["paths"] = keep_paths
    out["components"] = comps
    json.dump(out, open(out_path, "w"))


if __name__ == "__main__":
    main()
