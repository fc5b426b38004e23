#!/usr/bin/env bash
# Side-by-side benchmark: laborx, PostGraphile v4 over the same tables, and pgbench
# replaying laborx's own SQL, in alternating rounds on one database (demo data +
# `laborx seed --scale 20000`). See BENCHMARKS.md for what it prints.
#
#   bash bench/peers/run.sh [--quick] [--baseline REF] [-- extra flags of bench/peers]
#
# --quick         1 round × 3 s (a sanity run); default 3 rounds × 10 s
# --baseline REF  also measure laborx built from git REF (e.g. main) in the same rounds
#                 (--baseline HEAD -- --baseline-flags "--max-concurrent 0" measures one
#                 setting against the default: --laborx-flags and --baseline-flags add
#                 serve flags to either)
#
# It installs what it needs when missing: wrk and pgbench (Debian packages), and
# postgraphile@4 with postgraphile-plugin-connection-filter from npm into a temporary
# folder ($PEERS_NODE_DIR, default /tmp/laborx-peers-node), never into the repository.
# Everything listens on 127.0.0.1 and is stopped at the end. The database lives in
# $PEERS_DATA_DIR (default /tmp/laborx-peers) and is seeded once, then reused.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)

rounds=3 duration=10s baseline=""
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) rounds=1 duration=3s ;;
    --baseline) baseline=$2; shift ;;
    --) shift; extra=("$@"); break ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done

need_apt=()
command -v wrk >/dev/null || need_apt+=(wrk)
command -v pgbench >/dev/null || need_apt+=(postgresql-client)
if [ ${#need_apt[@]} -gt 0 ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
command -v node >/dev/null || { echo "node is missing: apt-get install -y nodejs npm" >&2; exit 1; }

node_dir=${PEERS_NODE_DIR:-/tmp/laborx-peers-node}
if [ ! -d "$node_dir/node_modules/postgraphile" ]; then
  mkdir -p "$node_dir"
  (cd "$node_dir" && npm init -y >/dev/null && npm install --no-audit --no-fund --silent \
    postgraphile@4 postgraphile-plugin-connection-filter@2)
fi

bin=$(mktemp -d /tmp/laborx-peers-bin.XXXXXX)
trap 'rm -rf "$bin"' EXIT
go build -o "$bin/laborx" ./cmd/laborx
go build -o "$bin/peers" ./bench/peers
args=(--laborx "$bin/laborx")
if [ -n "$baseline" ]; then
  mkdir "$bin/src"
  git archive "$baseline" | tar -x -C "$bin/src"
  (cd "$bin/src" && go build -o "$bin/laborx-before" ./cmd/laborx)
  args+=(--baseline "$bin/laborx-before")
fi
PEERS_DIR="$root/bench/peers" "$bin/peers" "${args[@]}" --node-path "$node_dir/node_modules" \
  --data-dir "${PEERS_DATA_DIR:-/tmp/laborx-peers}" --rounds "$rounds" --duration "$duration" "${extra[@]}"
