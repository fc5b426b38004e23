#!/usr/bin/env bash
# Wall time of the test suite, measured the same way on two commits, in alternating
# rounds (the machine is shared, so the rounds of both see the same load):
#   base-same  BASE (default 5966683, the state issue 8 was filed against) running only
#              its test functions that still exist here by name (MODE same or both)
#   same       this checkout running only those same test functions (MODE same or both):
#              with base-same, a like-for-like comparison
#   base       the whole suite of BASE (MODE whole or both)
#   whole      this checkout's whole suite (MODE whole or both)
# Usage: bash bench/suite-time.sh [BASE] [ROUNDS] [MODE: same (default), whole, both]
# Each test binary runs under /usr/bin/time (go test -exec), so every round also reports
# each package's CPU seconds, user+sys of the test process and of its PostgreSQL
# clusters (their children): less sensitive to the machine's load than wall time.
set -euo pipefail
cd "$(dirname "$0")/.."
base=${1:-5966683}
rounds=${2:-2}
mode=${3:-same}
work=$(mktemp -d)
trap 'git worktree remove --force "$work/base" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
git worktree add -q --detach "$work/base" "$base"
names() { grep -rhoE '^func (Test[A-Za-z0-9_]+)\(t \*testing\.T\)' --include='*_test.go' "$1" | sed -E 's/func (Test[A-Za-z0-9_]+).*/\1/' | sort -u; }
comm -12 <(names "$work/base") <(names .) >"$work/tests"
echo "$(wc -l <"$work/tests") tests of $base still exist here"
re="^($(paste -sd'|' "$work/tests"))\$"
# timed LABEL: the -exec wrapper appending "user sys wall binary" of each test binary.
timed() {
  local w="$work/exec-$1"
  printf '#!/bin/sh\nexec /usr/bin/time -a -o %s -f "%%U %%S %%e %%C" "$@"\n' "$work/cpu-$1" >"$w"
  chmod +x "$w"
  echo "$w"
}
# cpu LABEL: per-package CPU seconds and the total, from timed's file.
cpu() {
  awk '$1 ~ /^[0-9.]+$/ { n = split($4, p, "/"); sub(/\.test$/, "", p[n]); c[p[n]] += $1 + $2; t += $1 + $2 }
    END { for (k in c) printf "    %-12s %7.1f s CPU\n", k, c[k]; printf "    %-12s %7.1f s CPU\n", "all", t }' "$work/cpu-$1" | sort -k2 -n -r
}
# suite LABEL DIR [go test args...]: one timed run of the suite in DIR.
suite() {
  local label=$1 dir=$2
  shift 2
  (cd "$dir" && /usr/bin/time -f "$label: wall %e s, user %U s, sys %S s" go test -p 2 -count=1 -timeout 30m -exec "$(timed "$label")" "$@" ./... >"$work/$label.log" 2>&1) ||
    { echo "$label FAILED"; grep -E '^(--- FAIL|FAIL|ok )' "$work/$label.log" | head -20; }
  tail -1 "$work/$label.log"
  cpu "$label"
  echo "  load $(cut -d' ' -f1-3 /proc/loadavg)"
}
for i in $(seq "$rounds"); do
  if [ "$mode" != whole ]; then
    suite "base-same-$i" "$work/base" -run "$re"
    suite "same-$i" . -run "$re"
  fi
  if [ "$mode" != same ]; then
    suite "base-$i" "$work/base"
    suite "whole-$i" .
  fi
done
