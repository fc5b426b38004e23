#!/usr/bin/env bash
# Shared rate limits with two real `laborx serve` processes on one database (issue 14
# point 5, docs/rate-limits.md): both instances are hammered by one caller, with CLIENTS
# parallel curl connections each, for SECONDS; prints what each admitted (200) and
# refused (429 RATE_LIMITED) and the total against limit × seconds + burst.
# Loopback only, on ports PORT and PORT+1; everything it starts is stopped at the end.
# Usage: [LABORX_BIN=path] bash bench/ratelimit.sh [LIMIT] [SECONDS] [CLIENTS] [PORT]
set -euo pipefail
cd "$(dirname "$0")/.."
limit=${1:-50}
seconds=${2:-20}
clients=${3:-4}
port=${4:-18250}
burst=200 # server.DefaultConfig().Burst: not a flag
work=$(mktemp -d /tmp/laborx-ratelimit-XXXXXX)
chmod 755 "$work" # the embedded cluster runs as the postgres user
pids=()
stop() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  "$work/laborx" data-dir remove --data-dir "$work/data" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap stop EXIT
if [ -n "${LABORX_BIN:-}" ]; then # another build, e.g. one from before the limits were shared
  cp "$LABORX_BIN" "$work/laborx"
else
  go build -o "$work/laborx" ./cmd/laborx
fi

ready() { # ready N: wait until the Nth instance answers /readyz
  local addr="127.0.0.1:$((port + $1 - 1))"
  for _ in $(seq 1200); do
    curl -sf "http://$addr/readyz" >/dev/null 2>&1 && return 0
    kill -0 "${pids[-1]}" 2>/dev/null || break
    sleep 0.1
  done
  echo "instance $1 did not become ready:" >&2
  cat "$work/serve-$1.log" >&2
  exit 1
}
# The first instance starts the embedded cluster with the demo data; the second is a
# `laborx serve` on that database, as a second machine would be.
"$work/laborx" serve --demo --data-dir "$work/data" --addr "127.0.0.1:$port" --rate-limit "$limit" \
  --log-level warn >"$work/serve-1.log" 2>&1 &
pids+=($!)
ready 1
pg="$work/data/pg"
pgport=$(sed -n 4p "$pg/postmaster.pid")
LABORX_DATABASE_URL="postgres://laborx_app:$(cat "$pg/laborx_app.password")@127.0.0.1:$pgport/laborx?sslmode=disable" \
  LABORX_MIGRATE_DATABASE_URL="postgres://laborx:$(cat "$pg/laborx.password")@127.0.0.1:$pgport/laborx?sslmode=disable" \
  LABORX_PII_KEY=$(cat "$work/data/keys/pii.key") \
  "$work/laborx" serve --no-migrate --data-dir "$work/data" --addr "127.0.0.1:$((port + 1))" --rate-limit "$limit" \
  --log-level warn >"$work/serve-2.log" 2>&1 &
pids+=($!)
ready 2
token=$("$work/laborx" token mint --data-dir "$work/data" --center TNG --roles viewer --ttl 15m)
# Both instances see each other's heartbeat before the caller's first request.
for i in 1 2; do
  for _ in $(seq 100); do
    curl -s "http://127.0.0.1:$((port + i - 1))/metrics" | grep -qx 'laborx_rate_limit_instances 2' && break
    sleep 0.1
  done
done

# One curl per client, each sending back-to-back requests on one connection until the
# time is up (the URL's glob, in the fragment that is never sent, repeats it); every
# answer's status is one line.
printf '{"query":"{ viewer { subject } }"}' >"$work/body.json"
hammers=()
start=$(date +%s.%N)
for i in 1 2; do
  for c in $(seq "$clients"); do
    timeout "$seconds" stdbuf -oL curl -s -X POST -H 'Content-Type: application/json' -H "Authorization: Bearer $token" \
      --data-binary @"$work/body.json" -o /dev/null -w '%{http_code}\n' \
      "http://127.0.0.1:$((port + i - 1))/graphql#[1-1000000]" >"$work/codes-$i-$c" 2>/dev/null &
    hammers+=($!)
  done
done
for p in "${hammers[@]}"; do wait "$p" || true; done
elapsed=$(echo "$(date +%s.%N) - $start" | bc)

total=0
for i in 1 2; do
  ok=$(cat "$work"/codes-"$i"-* | grep -cx 200 || true)
  limited=$(cat "$work"/codes-"$i"-* | grep -cx 429 || true)
  other=$(cat "$work"/codes-"$i"-* | grep -cvxE '200|429' || true)
  echo "instance $i (127.0.0.1:$((port + i - 1))): admitted $ok, refused $limited (429), other $other"
  total=$((total + ok))
done
allowed=$((limit * seconds + burst))
echo "limit $limit/s, burst $burst, 2 instances × $clients clients for ${seconds}s (${elapsed}s with starting and stopping the clients):" \
  "admitted $total of an allowance of $allowed ($(echo "scale=1; 100 * $total / $allowed" | bc) %)"
