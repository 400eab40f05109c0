#!/usr/bin/env python3
"""Write a copy of an OpenAPI description that keeps only the given paths and the components
they reference (transitively), for Prism.

With --inline-depth N, every schema reference is also replaced by the schema it names, down to
N named schemas deep; a reference deeper than that, or one that would recurse into a schema it
is already inside, becomes {} (anything goes). Prism 5 spins for many minutes dereferencing
Vapi's description (its schemas refer to each other in cycles through large oneOf lists, even
when trimmed to the paths the client uses); the inlined copy has no references left and loads
in seconds. Fields down to N levels of named schemas are validated exactly as in the original;
deeper ones (e.g. the inside of a tool definition inside a model inside an assistant) are not.

usage: trim_spec.py [--inline-depth N] SPEC OUT PATH...
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


def inline(node, schemas, depth, stack=frozenset()):
    if isinstance(node, dict):
        r = node.get("$ref")
        if isinstance(r, str) and r.startswith("#/components/schemas/"):
            name = r.rsplit("/", 1)[1]
            if depth <= 0 or name in stack:
                return {}
            return inline(schemas[name], schemas, depth - 1, stack | {name})
        return {k: inline(v, schemas, depth, stack) for k, v in node.items()}
    if isinstance(node, list):
        return [inline(v, schemas, depth, stack) for v in node]
    return node


def main():
    args = sys.argv[1:]
    depth = None
    if args[:1] == ["--inline-depth"]:
        depth = int(args[1])
        args = args[2:]
    spec_path, out_path, *paths = args
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
    if depth is not None:
        out["paths"] = inline(keep_paths, comps.get("schemas", {}), depth)
        out["components"] = {k: v for k, v in comps.items() if k != "schemas"}
    json.dump(out, open(out_path, "w"))


if __name__ == "__main__":
    main()
