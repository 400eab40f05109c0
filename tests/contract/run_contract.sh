#!/usr/bin/env bash
# Contract test: start Prism mocks of Twilio's OpenAPI descriptions and run every request the
# Twilio client sends against them (contract_twilio prints TAP). Skips, with a message, when
# the specs folder (../shared/specs beside the repository) or Prism is missing.
#   usage: run_contract.sh <path to contract_twilio> <repository root>
set -u
exe="$1"
root="$2"
specs="$root/../shared/specs"
here="$root/tests/contract"
if [ ! -f "$specs/twilio_api_v2010.json" ] || [ ! -f "$specs/twilio_accounts_v1.json" ]; then
    echo "1..0 # SKIP Twilio OpenAPI specs not found in $specs"
    exit 0
fi
# Prism 5.16 (its faker dependency) needs Node 20.19 or later.
node_ok=$(node -e 'const [a,b]=process.versions.node.split(".").map(Number); console.log(a>20||(a==20&&b>=19)?1:0)' 2>/dev/null)
if [ "$node_ok" != 1 ]; then
    echo "1..0 # SKIP Prism needs Node.js >= 20.19 (found $(node --version 2>/dev/null || echo none))"
    exit 0
fi
prism="$here/node_modules/.bin/prism"
if [ ! -x "$prism" ] && command -v npm >/dev/null 2>&1; then
    (cd "$here" && npm ci --no-audit --no-fund >/dev/null 2>&1) || true
fi
if [ ! -x "$prism" ]; then
    if [ "${CI:-}" = true ]; then # CI installs it (tools/install-deps): missing is a failure
        echo "Bail out! @stoplight/prism-cli is not installed (cd tests/contract && npm ci)"
        exit 1
    fi
    echo "1..0 # SKIP @stoplight/prism-cli not installed (cd tests/contract && npm ci)"
    exit 0
fi
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; rm -rf "$tmp"; }
trap cleanup EXIT
start() { # spec port log
    "$prism" mock --host 127.0.0.1 --port "$2" "$1" >"$3" 2>&1 &
    pids+=($!)
}
p1=$(free_port); p2=$(free_port)
start "$specs/twilio_api_v2010.json" "$p1" "$tmp/api.log"
start "$specs/twilio_accounts_v1.json" "$p2" "$tmp/accounts.log"
for _ in $(seq 1 120); do
    if grep -q "listening" "$tmp/api.log" && grep -q "listening" "$tmp/accounts.log"; then break; fi
    sleep 0.5
done
if ! grep -q "listening" "$tmp/api.log" || ! grep -q "listening" "$tmp/accounts.log"; then
    echo "Bail out! Prism did not start"; cat "$tmp/api.log" "$tmp/accounts.log"; exit 1
fi
VO_CONTRACT_API_URL="http://127.0.0.1:$p1" VO_CONTRACT_ACCOUNTS_URL="http://127.0.0.1:$p2" "$exe"
rc=$?
if [ $rc -ne 0 ]; then
    echo "# Prism logs:"; grep -h -E "Request|violat|422|error" "$tmp/api.log" "$tmp/accounts.log" | tail -40 | sed 's/^/# /'
fi
exit $rc
