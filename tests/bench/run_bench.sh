#!/usr/bin/env bash
# Start nginx on a free loopback port serving a canned Twilio numbers page, then run
# bench_http (libvoiceops vs a plain libcurl loop) and twilio-node against it.
#   usage: tests/bench/run_bench.sh <build dir> [requests] [rounds | profile-MODE threads]
# Extra arguments go to bench_http; $BENCH_WRAP, when set, runs it under a profiler, e.g.
#   BENCH_WRAP="valgrind --tool=callgrind --toggle-collect=run" \
#       tests/bench/run_bench.sh build 2000 profile-transport 1
# Needs nginx (apt-get install -y nginx) and, for twilio-node, `npm ci` in tests/bench.
set -eu
build="$1"; total="${2:-4000}"
here="$(cd "$(dirname "$0")" && pwd)"
tmp=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$tmp/www/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef"
python3 "$here/make_page.py" "$tmp/www/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/IncomingPhoneNumbers.json"
cat > "$tmp/nginx.conf" <<CONF
worker_processes 1;
pid $tmp/nginx.pid;
error_log $tmp/error.log;
daemon off;
events { worker_connections 1024; }
http {
  access_log off;
  keepalive_requests 1000000;
  keepalive_timeout 60s;
  default_type application/json;
  client_body_temp_path $tmp; proxy_temp_path $tmp; fastcgi_temp_path $tmp; uwsgi_temp_path $tmp; scgi_temp_path $tmp;
  server {
    listen 127.0.0.1:$port;
    root $tmp/www;
    location / { add_header Twilio-Request-Id RQ0123456789abcdef0123456789abcdef; }
  }
}
CONF
nginx -c "$tmp/nginx.conf" -e "$tmp/error.log" &
npid=$!
trap 'kill $npid 2>/dev/null; wait $npid 2>/dev/null; rm -rf "$tmp"' EXIT
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$port/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/IncomingPhoneNumbers.json" -o /dev/null && break; sleep 0.1; done
echo "nginx $(nginx -v 2>&1 | sed 's/.*\///') on http://127.0.0.1:$port, $(nproc) cores"
${BENCH_WRAP:-} "$build/tests/bench/bench_http" "http://127.0.0.1:$port" "$total" "${@:3}"
if [ -d "$here/node_modules/twilio" ] && [ $# -lt 3 ]; then
    echo
    echo "twilio-node $(node -p "require('$here/node_modules/twilio/package.json').version") on node $(node --version):"
    node "$here/bench_twilio_node.js" "http://127.0.0.1:$port" "$total"
fi
