#!/usr/bin/env python3
"""Emit a Check suite that calls EVERY public function with all-zero arguments (NULL
pointers, zero sizes and numbers) and checks the argument-check message it records: it names
the function and contains no "[REDACTED]" (redaction must remove values, never the library's
own words). Functions returning int must fail with a negative code that matches
vo_error_last()->code, unless they are listed in ACCEPTS_ZERO below with a reason.

The list of functions comes from the headers (as check_symbols.py reads them), so a new
public function is tested without any change here; a stale ACCEPTS_ZERO / SKIP entry fails
the generation.

Usage: gen_null_args.py INCLUDE_DIR OUTPUT.c
"""
import pathlib
import re
import sys

# Functions not called at all.
SKIP = {
    "vo_init": "changes the library's reference count (tested in the core suite)",
    "vo_shutdown": "changes the library's reference count (tested in the core suite)",
}

# int functions for which all-zero arguments are valid, or whose int is not an error code.
ACCEPTS_ZERO = {
    "vo_is_initialized": "returns a flag, not an error code",
    "vo_abi_version": "returns the ABI number, not an error code",
    "vo_feature_enabled": "returns 1/0: NULL names no feature",
    "vo_correlation_id_set": "NULL clears the thread's correlation id",
    "vo_error_snapshot_take": "reports VO_EINVAL without touching the thread's error record",
    "vo_verify_http_status": "returns an HTTP status, not an error code",
    "vo_secure_equal": "returns 1/0: NULL with length 0 compares equal",
    "vo_base64_decode": "empty input without buffers is valid: it decodes to nothing",
    "vo_hex_decode": "empty input without buffers is valid: it decodes to nothing",
    # getters whose int is a value (documented for NULL), not an error code
    "vo_http_response_status": "a value getter: 0 for NULL",
    "vo_http_response_attempts": "a value getter: 0 for NULL",
    "vo_twilio_client_is_fallback": "a value getter: 0 for NULL",
    "vo_twilio_iter_pages": "a value getter: 0 for NULL",
    "vo_vapi_iter_pages": "a value getter: 0 for NULL",
    "vo_number_import_report_status": "a value getter: -1 when out of range",
    "vo_number_import_report_error": "a value getter: VO_ERANGE when out of range",
    "vo_vapi_credentials_webhook_type": "a value getter: -1 when unset",
    "vo_smtp_credentials_port": "a value getter: 0 for NULL",
    "vo_smtp_credentials_tls": "a value getter: -1 for NULL",
    "vo_twilio_error_code": "a pure mapping of (status, code) to a VO_E* code",
    "vo_vapi_error_code": "a pure mapping of (status, text) to a VO_E* code",
}


def declarations(include_dir: pathlib.Path):
    """(return type, name, parameter count) of every VO_EXTERN function."""
    out = []
    for header in sorted(include_dir.rglob("*.h")):
        text = header.read_text()
        text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
        text = re.sub(r"^\s*#(?:[^\n]*\\\n)*[^\n]*", "", text, flags=re.M)
        for m in re.finditer(r"VO_EXTERN\b([^;{]*?)(\w+)\s*\(", text, flags=re.S):
            ret = " ".join(m.group(1).replace("VO_NODISCARD", " ").split())
            name = m.group(2)
            # the parameter list, balancing parentheses (function-pointer parameters)
            i, depth = m.end(), 1
            start = i
            while depth:
                depth += {"(": 1, ")": -1}.get(text[i], 0)
                i += 1
            params = text[start:i - 1]
            parts, depth, cur = [], 0, ""
            for ch in params:
                if ch == "," and depth == 0:
                    parts.append(cur)
                    cur = ""
                    continue
                depth += {"(": 1, ")": -1}.get(ch, 0)
                cur += ch
            parts.append(cur)
            parts = [p.strip() for p in parts if p.strip()]
            if parts == ["void"]:
                parts = []
            out.append((ret, name, len(parts)))
    return out


def main() -> int:
    include_dir, output = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
    decls = declarations(include_dir)
    names = {d[1] for d in decls}
    stale = sorted((set(SKIP) | set(ACCEPTS_ZERO)) - names)
    if stale:
        print("gen_null_args.py: entries for functions that are not public: " + ", ".join(stale),
              file=sys.stderr)
        return 1
    thunks, rows = [], []
    for ret, name, n in decls:
        if name in SKIP:
            continue
        args = ", ".join(["0"] * n)
        kind = "KIND_INT" if ret == "int" else "KIND_VOID" if ret == "void" else "KIND_OTHER"
        if ret == "int":
            body = f"return {name}({args});"
        elif ret == "void":
            body = f"{name}({args}); return 0;"
        else:
            body = f"(void){name}({args}); return 0;"
        thunks.append(f"static int call_{name}(void) {{ {body} }}")
        accepts = "1" if name in ACCEPTS_ZERO else "0"
        rows.append(f'    {{"{name}", {kind}, {accepts}, call_{name}}},')
    output.write_text(f"""/* Generated by tests/abi/gen_null_args.py from the public headers: do not edit. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "voiceops.h"

#if defined(__GNUC__)
#pragma GCC diagnostic ignored "-Wnonnull"
#endif

enum {{ KIND_INT, KIND_VOID, KIND_OTHER }};
typedef struct entry {{
    const char *name;
    int kind;
    int accepts_zero;
    int (*call)(void);
}} entry;

{chr(10).join(thunks)}

static const entry entries[] = {{
{chr(10).join(rows)}
}};
#define N_ENTRIES (sizeof(entries) / sizeof(entries[0]))

START_TEST(null_arguments)
{{
    const entry *e = &entries[_i];
    vo_error_clear();
    int rc = e->call();
    const vo_error *err = vo_error_last();
    if (e->kind == KIND_INT && !e->accepts_zero) {{
        ck_assert_msg(rc < 0, "%s(0, ...) returned %d, want an error code", e->name, rc);
        ck_assert_msg(err->code == rc, "%s returned %s but recorded %s", e->name,
                      vo_error_name(rc), vo_error_name(err->code));
    }}
    if (err->code != VO_OK) {{
        ck_assert_msg(strstr(err->message, "[REDACTED]") == NULL, "%s: '%s'", e->name,
                      err->message);
        ck_assert_msg(strstr(err->message, e->name) != NULL,
                      "%s: the message '%s' does not name the function", e->name, err->message);
    }}
}}
END_TEST

int main(void)
{{
    if (vo_init() != VO_OK)
        return 2;
    Suite *s = suite_create("null_arguments");
    TCase *t = tcase_create("every_public_function");
    tcase_add_loop_test(t, null_arguments, 0, (int)N_ENTRIES);
    suite_add_tcase(s, t);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_ENV);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    vo_shutdown();
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}}
""")
    print(f"{len(rows)} functions")
    return 0


if __name__ == "__main__":
    sys.exit(main())
