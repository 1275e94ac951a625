#!/usr/bin/env bash
# `make run`, after setup: the web server (one ASGI process, embedded mode) and, once it answers
# /healthz, the traffic simulator at a modest rate. Ctrl-C (or the server stopping) stops both.
#
#   HOST, PORT       where to serve (default 127.0.0.1:8000)
#   SIMULATE_RATE    simulated events per second; 0 = no simulator (default 3)
#   DEMO_CUSTOMERS   the demo population the simulator acts as (as loaded; default 20000)
set -uo pipefail
cd "$(dirname "$0")/.."

HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
SIMULATE_RATE=${SIMULATE_RATE:-3}
DEMO_CUSTOMERS=${DEMO_CUSTOMERS:-20000}
BIN=.venv/bin
URL="http://$HOST:$PORT"

# Access logs are off: the simulator's requests would bury everything else (errors still log).
"$BIN/uvicorn" cdp.asgi:application --host "$HOST" --port "$PORT" --ws websockets-sansio --no-access-log &
web=$!
simulator=""

stop() {
  trap - INT TERM
  if [[ -n "$simulator" ]]; then
    kill -TERM "$simulator" 2>/dev/null
    wait "$simulator" 2>/dev/null
  fi
  kill -TERM "$web" 2>/dev/null
  wait 2>/dev/null
  exit 0
}
trap stop INT TERM

up() {
  "$BIN/python" -c "import sys, urllib.request as u; u.build_opener(u.ProxyHandler({})).open(sys.argv[1], timeout=1)" \
    "$URL/healthz" 2>/dev/null
}
for _ in $(seq 1 300); do
  if ! kill -0 "$web" 2>/dev/null; then
    wait "$web"
    exit $?
  fi
  up && break
  sleep 0.2
done

login="demo login: demo"
[[ -f "${CDP_VAR_DIR:-var}/demo-login.txt" ]] && login+=" (password in ${CDP_VAR_DIR:-var}/demo-login.txt)"
if [[ "$SIMULATE_RATE" != "0" ]]; then
  "$BIN/python" manage.py simulate_traffic --url "$URL" --rate "$SIMULATE_RATE" --customers "$DEMO_CUSTOMERS" \
    --batch --summary-every 60 &
  simulator=$!
  echo "Shoal is up at $URL/  — $login — simulated traffic: $SIMULATE_RATE events/s (SIMULATE_RATE=0 to turn off). Ctrl-C stops."
else
  echo "Shoal is up at $URL/  — $login. Ctrl-C stops."
fi

wait "$web"
status=$?
[[ -n "$simulator" ]] && kill -TERM "$simulator" 2>/dev/null
wait 2>/dev/null
exit $status
