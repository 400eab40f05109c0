#!/usr/bin/env python3
"""Generate voiceops/_ffi.py (ctypes declarations) from the public C headers.

Every function, struct, enum and callback type of include/voiceops/*.h becomes a ctypes
declaration, so the binding cannot drift from the headers: tests/test_ffi.py regenerates the
file and fails when it differs from the one in the package.

    python3 bindings/python/tools/gen_ffi.py            # rewrite voiceops/_ffi.py
    python3 bindings/python/tools/gen_ffi.py --check    # exit 1 when out of date
"""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent.parent
OUT = HERE.parent / "voiceops" / "_ffi.py"

# int-returning functions whose value is not a VO_E* code (no errcheck is attached).
NOT_ERROR_CODES = {
    "vo_abi_version", "vo_feature_enabled", "vo_is_initialized", "vo_shutdown",
    "vo_verify_http_status", "vo_secure_equal", "vo_twilio_client_is_fallback",
    "vo_twilio_iter_pages", "vo_vapi_iter_pages", "vo_http_response_status",
    "vo_http_response_attempts", "vo_vapi_credentials_webhook_type",
    "vo_smtp_credentials_port", "vo_smtp_credentials_tls", "vo_number_import_report_status",
    "vo_number_import_report_error", "vo_twilio_error_code", "vo_vapi_error_code",
    # verify functions: the binding reads rc and the result itself
    "vo_webhook_twilio_verify", "vo_webhook_twilio_verify_request", "vo_webhook_vapi_verify",
    "vo_webhook_std_verify", "vo_webhook_std_verify_request", "vo_routing_verify",
    # webhook guard (issue 15): verify outcomes too, VO_EDUPLICATE included
    "vo_webhook_guard_twilio", "vo_webhook_guard_std", "vo_webhook_guard_vapi",
    "vo_routing_guard",
    # the binding's own error plumbing
    "vo_error_snapshot_take", "vo_error_snapshot_init",
}

SCALARS = {
    "void": "None", "int": "C.c_int", "unsigned int": "C.c_uint", "long": "C.c_long",
    "long long": "C.c_longlong", "unsigned long long": "C.c_ulonglong",
    "size_t": "C.c_size_t", "int64_t": "C.c_int64", "uint64_t": "C.c_uint64",
    "char": "C.c_char", "unsigned char": "C.c_ubyte",
}


def headers_text() -> str:
    files = sorted((ROOT / "include" / "voiceops").glob("*.h"))
    out = []
    for f in files:
        # -fpreprocessed: strip comments, keep macros unexpanded (VO_EXTERN stays visible)
        txt = subprocess.run(["cc", "-E", "-P", "-fpreprocessed", "-x", "c", str(f)],
                             check=True, capture_output=True, text=True).stdout
        txt = re.sub(r"^\s*#.*$", "", txt, flags=re.M)  # drop directives
        txt = re.sub(r'extern "C" \{|^\}$', "", txt, flags=re.M)
        out.append(txt)
    return "\n".join(out)


class Model:
    def __init__(self) -> None:
        self.opaque: list[str] = []
        self.enums: dict[str, list[tuple[str, int]]] = {}
        self.structs: dict[str, list[tuple[str, str]]] = {}
        self.callbacks: dict[str, tuple[str, list[str]]] = {}
        self.functions: list[tuple[str, str, list[str]]] = []


def norm(s: str) -> str:
    return re.sub(r"\s+", " ", s).strip()


def split_decl(decl: str) -> tuple[str, str]:
    """'const char *const *name' -> ('const char *const *', 'name')"""
    decl = norm(decl)
    m = re.match(r"^(.*?)([A-Za-z_][A-Za-z0-9_]*)$", decl)
    assert m, decl
    return norm(m.group(1)), m.group(2)


def parse(text: str) -> Model:
    m = Model()
    text = norm(text)
    # enums
    for mm in re.finditer(r"typedef enum (\w+) \{(.*?)\} (\w+) ?;", text):
        vals, cur = [], -1
        for item in mm.group(2).split(","):
            item = item.strip()
            if not item:
                continue
            if "=" in item:
                n, v = item.split("=")
                cur = int(v.strip(), 0)
            else:
                n, cur = item, cur + 1
            vals.append((n.strip(), cur))
        m.enums[mm.group(3)] = vals
    text = re.sub(r"typedef enum \w+ \{.*?\} \w+ ?;", "", text)
    for mm in re.finditer(r"typedef struct (\w+) \{(.*?)\} (\w+) ?;", text):
        fields = []
        for d in mm.group(2).split(";"):
            d = d.strip()
            if not d:
                continue
            arr = re.search(r"\[(\w+)\]$", d)
            if arr:
                d = d[: arr.start()]
            first, *rest = d.split(",")
            t, n = split_decl(first)
            base = t.rstrip("* ").strip()
            fields.append((n, t + (f"[{arr.group(1)}]" if arr else "")))
            for r in rest:
                r = r.strip()
                stars = r.count("*")
                fields.append((r.replace("*", "").strip(), base + " " + "*" * stars))
        m.structs[mm.group(3)] = fields
    text = re.sub(r"typedef struct \w+ \{.*?\} \w+ ?;", "", text)
    for mm in re.finditer(r"typedef struct (\w+) (\w+) ?;", text):
        m.opaque.append(mm.group(2))
    for mm in re.finditer(r"typedef (\w[\w ]*?) \(\*(\w+)\)\((.*?)\) ?;", text):
        m.callbacks[mm.group(2)] = (norm(mm.group(1)), [norm(a) for a in mm.group(3).split(",")])
    for mm in re.finditer(r"VO_EXTERN (?:VO_NODISCARD )?([^;(]*?)\b(vo_\w+) ?\((.*?)\) ?;", text):
        ret, name, args = norm(mm.group(1)), mm.group(2), mm.group(3)
        arglist = [] if args.strip() == "void" else [norm(a) for a in args.split(",")]
        m.functions.append((name, ret, arglist))
    return m


def ctype(t: str, m: Model, ret: bool = False) -> str:
    t = norm(t.replace("VO_NODISCARD", ""))
    stars = t.count("*")
    base = norm(t.replace("*", " ").replace("const", " "))
    if base in m.enums:
        base = "int"
    if stars == 0:
        if base in SCALARS:
            return SCALARS[base]
        if base in m.callbacks:
            return base
        if base in m.structs:
            return base
        raise ValueError(t)
    if stars == 1:
        if base == "char":
            return "C.c_char_p"
        if base == "void" and not t.startswith("const"):
            return "C.c_void_p"  # a payload pointer
        if base in ("void", "unsigned char"):
            return "C.c_void_p" if ret else "C.c_char_p"
        if base in m.opaque:
            return "C.c_void_p"
        if base in m.structs:
            return f"C.POINTER({base})"
        if base in SCALARS:
            return f"C.POINTER({SCALARS[base]})"
        raise ValueError(t)
    if stars == 2:
        if base == "char" and "const char *const *" in t.replace("  ", " "):
            return "C.POINTER(C.c_char_p)"
        if base == "char" and t.startswith("const char"):
            return "C.POINTER(C.c_char_p)"  # const char **name (out)
        if base == "char":
            return "C.POINTER(C.c_void_p)"  # char **out: free with vo_free()
        if base in m.opaque:
            return "C.POINTER(C.c_void_p)"
        raise ValueError(t)
    raise ValueError(t)


def arg_type(a: str, m: Model, raw: bool = False) -> str:
    if a.startswith("vo_") and a.split()[0] in m.callbacks and "*" not in a:
        return a.split()[0]
    t, _ = split_decl(a)
    return ctype(t, m, ret=raw)


def field_type(t: str, m: Model) -> str:
    arr = re.search(r"\[(\w+)\]$", t)
    if arr:
        size = {"VO_ERROR_MESSAGE_SIZE": 512, "VO_ERROR_ID_SIZE": 72,
                "VO_ERROR_MORE_INFO_SIZE": 256}[arr.group(1)]
        return f"C.c_char * {size}"
    return ctype(t, m, ret=True) if "unsigned char" in t else ctype(t, m)


def render(m: Model) -> str:
    o = ['"""ctypes declarations of the libvoiceops C API. GENERATED by tools/gen_ffi.py from',
         'include/voiceops/*.h: do not edit; run the generator after changing a header."""',
         "# mypy: ignore-errors", "# ruff: noqa", "from __future__ import annotations", "",
         "import ctypes as C", "", "# ---- enums", ""]
    for name, vals in m.enums.items():
        for n, v in vals:
            o.append(f"{n} = {v}")
    o += ["", "# ---- structs", ""]
    for name in m.structs:
        o.append(f"class {name}(C.Structure):\n    pass\n")
    o += ["", "# ---- callback types", ""]
    for name, (ret, args) in m.callbacks.items():
        o.append(f"{name} = C.CFUNCTYPE({ctype(ret, m)}, "
                 + ", ".join(arg_type(a, m, raw=True) for a in args) + ")")
    o.append("")
    for name, fields in m.structs.items():
        o.append(f"{name}._fields_ = [")
        for n, t in fields:
            o.append(f"    ({n!r}, {field_type(t, m)}),")
        o.append("]")
    o += ["", "# ---- functions: name -> (restype, argtypes, returns a VO_E* code)", "",
          "FUNCTIONS = {"]
    for name, ret, args in m.functions:
        rt = ctype(ret, m, ret=True)
        checked = rt == "C.c_int" and name not in NOT_ERROR_CODES and not name.endswith("_kind_of")
        o.append(f"    {name!r}: ({rt}, [{', '.join(arg_type(a, m) for a in args)}], {checked}),")
    o += ["}", ""]
    return "\n".join(o)


def main() -> int:
    src = render(parse(headers_text()))
    if "--check" in sys.argv:
        if not OUT.exists() or OUT.read_text() != src:
            print(f"{OUT} is out of date: run {Path(__file__).name}", file=sys.stderr)
            return 1
        return 0
    OUT.write_text(src)
    print(f"wrote {OUT} ({src.count(chr(10))} lines)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
