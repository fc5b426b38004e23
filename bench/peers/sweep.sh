#!/usr/bin/env bash
# Several laborx variants on Q1 in alternating short rounds, for settings whose effect
# is smaller than what the machine's other load does to one long run (BENCHMARKS.md,
# "Tail latency"). Needs a data dir seeded by run.sh; starts its PostgreSQL on
# $SWEEP_PORT (default 18500) and the variants on the ports after it, all on 127.0.0.1,
# and stops them at the end.
#
#   bash bench/peers/sweep.sh ROUNDS DURATION NAME=BINARY[:VAR=V,VAR=V]...
#   bash bench/peers/sweep.sh 8 3s main=/tmp/laborx-main gate0=/tmp/laborx:LABORX_MAX_CONCURRENT=0 \
#     gate4=/tmp/laborx:LABORX_MAX_CONCURRENT=4,GODEBUG=gctrace=1
#
# Prints one line per round and variant (req/s, p50/p90/p99, server CPU ms per request,
# PostgreSQL CPU ms per request: every process of the cluster, and statements per
# request from pg_stat_statements, which run.sh's setup loads); each variant's stderr
# (gctrace) goes to $SWEEP_OUT/NAME.err (default /tmp/laborx-sweep).
set -euo pipefail
[ $# -ge 3 ] || { sed -n 2,15p "$0" >&2; exit 2; }
rounds=$1 dur=$2; shift 2
dir=${PEERS_DATA_DIR:-/tmp/laborx-peers}
out=${SWEEP_OUT:-/tmp/laborx-sweep}
port=${SWEEP_PORT:-18500}
mkdir -p "$out"
dsn="postgres://laborx:$(cat "$dir/pg/laborx.password")@127.0.0.1:$port/laborx?sslmode=disable"
su postgres -s /bin/sh -c "/usr/lib/postgresql/15/bin/postgres -D $dir/pg -p $port -c listen_addresses=127.0.0.1 \
  -c unix_socket_directories= -c random_page_cost=1.1 >>$dir/pg/postgres.log 2>&1" &
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait "${pids[@]}" 2>/dev/null || true
  [ -f "$dir/pg/postmaster.pid" ] && kill "$(head -1 "$dir/pg/postmaster.pid")" 2>/dev/null || true
}
trap cleanup EXIT
for _ in $(seq 100); do pg_isready -q -h 127.0.0.1 -p "$port" && break; sleep 0.2; done
first=${1#*=}; first=${first%%:*}
token=$("$first" token mint --data-dir "$dir" --center TNG --roles publisher,coordinator --ttl 1h)
body='{"query":"{ laborDemands(first: 50) { edges { node { id title quantity wageMin wageMax center { code name province { name } } occupation { code titleVi } workProvince { code name } } } } }"}'
printf 'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.headers["Authorization"] = "Bearer %s"\nwrk.body = [==[%s]==]\n' \
  "$token" "$body" > "$out/q1.lua"
export LABORX_PII_KEY; LABORX_PII_KEY=$(cat "$dir/keys/pii.key")
names=() urls=()
for v in "$@"; do
  name=${v%%=*} rest=${v#*=}; bin=${rest%%:*} vars=()
  [[ $rest == *:* ]] && IFS=, read -ra vars <<< "${rest#*:}"
  port=$((port + 1))
  env "${vars[@]}" "$bin" serve --database-url "$dsn" --data-dir "$dir" --addr "127.0.0.1:$port" --rate-limit 0 \
    --log-level warn --no-migrate > "$out/$name.out" 2> "$out/$name.err" &
  pids+=($!) names+=("$name") urls+=("http://127.0.0.1:$port/graphql")
done
for u in "${urls[@]}"; do
  for _ in $(seq 150); do
    curl -sf -o /dev/null -H "Authorization: Bearer $token" -H 'Content-Type: application/json' -d "$body" "$u" && break
    sleep 0.2
  done
done
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
postmaster=$(head -1 "$dir/pg/postmaster.pid")
pgticks() { # user + system of the postmaster, of its children, and of those that have exited
  { sed 's/^.*) //' "/proc/$postmaster/stat" | awk '{print $14 + $15}'
    for p in $postmaster $(pgrep -P "$postmaster"); do cat "/proc/$p/stat" 2>/dev/null || true; done |
      awk '{sub(/^.*\) /, ""); print $12 + $13}'; } | awk '{t += $1} END {print t + 0}'
}
pgcalls() { psql -qtA "$dsn" -c 'SELECT coalesce(sum(calls), 0) FROM pg_stat_statements' 2>/dev/null || echo 0; }
for r in $(seq "$rounds"); do
  for i in "${!names[@]}"; do
    c0=$(pgcalls) t0=$(ticks "${pids[$i]}") g0=$(pgticks)
    w=$(wrk -t1 -c10 -d"$dur" --timeout 10s --latency -s "$out/q1.lua" "${urls[$i]}")
    t1=$(ticks "${pids[$i]}") g1=$(pgticks) c1=$(pgcalls)
    n=$(awk '/requests in/ {print $1}' <<< "$w")
    printf 'round %s %s rps %s p50 %s p90 %s p99 %s cpu_ms %s pg_ms %s stmts %s non2xx %s load %s\n' "$r" "${names[$i]}" \
      "$(awk '/Requests\/sec/ {print $2}' <<< "$w")" "$(awk '$1 == "50%" {print $2}' <<< "$w")" \
      "$(awk '$1 == "90%" {print $2}' <<< "$w")" "$(awk '$1 == "99%" {print $2}' <<< "$w")" \
      "$(awk -v a="$t0" -v b="$t1" -v n="$n" 'BEGIN {printf "%.2f", (b - a) * 10 / n}')" \
      "$(awk -v a="$g0" -v b="$g1" -v n="$n" 'BEGIN {printf "%.2f", (b - a) * 10 / n}')" \
      "$(awk -v a="$c0" -v b="$c1" -v n="$n" 'BEGIN {printf "%.2f", (b - a - 1) / n}')" \
      "$(awk '/Non-2xx/ {print $5}' <<< "$w" | grep . || echo 0)" "$(cut -d' ' -f1 /proc/loadavg)"
  done
done
