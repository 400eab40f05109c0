#!/usr/bin/env bash
# Contract test: start a Prism mock of Vapi's OpenAPI description and run every request the
# Vapi client sends against it (contract_vapi prints TAP). Skips, with a message, when the
# spec (../shared/specs/vapi_openapi.json) is missing, or Prism outside CI.
#   usage: run_contract_vapi.sh <path to contract_vapi> <repository root>
set -u
exe="$1"
root="$2"
spec="$root/../shared/specs/vapi_openapi.json"
here="$root/tests/contract"
if [ ! -f "$spec" ]; then
    echo "1..0 # SKIP Vapi OpenAPI spec not found at $spec"
    exit 0
fi
# Prism 5.16 (its faker dependency) needs Node 20.19 or later.
node_ok=$(node -e 'const [a,b]=process.versions.node.split(".").map(Number); console.log(a>20||(a==20&&b>=19)?1:0)' 2>/dev/null)
if [ "$node_ok" != 1 ]; then
    echo "1..0 # SKIP Prism needs Node.js >= 20.19 (found $(node --version 2>/dev/null || echo none))"
    exit 0
fi
prism="$here/node_modules/.bin/prism"
if [ ! -x "$prism" ]; then
    if [ "${CI:-}" = true ]; then
        echo "Bail out! @stoplight/prism-cli is not installed (cd tests/contract && npm ci)"
        exit 1
    fi
    echo "1..0 # SKIP @stoplight/prism-cli not installed (cd tests/contract && npm ci)"
    exit 0
fi
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
tmp=$(mktemp -d)
# Only the paths the client uses, with the schema references inlined three named schemas deep
# (see trim_spec.py: Prism does not finish dereferencing Vapi's description otherwise).
python3 "$here/trim_spec.py" --inline-depth "${VO_CONTRACT_INLINE_DEPTH:-3}" "$spec" "$tmp/vapi.json" /assistant '/assistant/{id}' /call '/call/{id}' \
    /phone-number '/phone-number/{id}' /v2/phone-number || { echo "Bail out! cannot trim $spec"; exit 1; }
"$prism" mock --host 127.0.0.1 --port "$port" "$tmp/vapi.json" >"$tmp/vapi.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$tmp"' EXIT
for _ in $(seq 1 ${VO_PRISM_START_SECONDS:-120}); do
    grep -q "listening" "$tmp/vapi.log" && break
    sleep 1
done
if ! grep -q "listening" "$tmp/vapi.log"; then
    echo "Bail out! Prism did not load the Vapi description within ${VO_PRISM_START_SECONDS:-120} s"
    tail -5 "$tmp/vapi.log" | sed 's/^/# /'
    exit 1
fi
VO_CONTRACT_VAPI_URL="http://127.0.0.1:$port" "$exe"
rc=$?
if [ $rc -ne 0 ]; then
    echo "# Prism log:"; grep -h -E "violat|422|error" "$tmp/vapi.log" | tail -40 | sed 's/^/# /'
fi
exit $rc
