#!/bin/sh
# Alternates BenchmarkImportSupply100kProfile between two checkouts (before, after),
# ROUNDS times each, so both see the same machine load:
#
#	bench/import/alternate.sh /path/to/before /path/to/after [ROUNDS]
#
# Prints, per run, the load average, when the rows were checked, each statement's wall
# and PostgreSQL CPU time, the total and the Go process's CPU time.
set -eu
before=$1 after=$2 rounds=${3:-2}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$before" && go test -c -o "$tmp/before.test" ./internal/postgres/)
(cd "$after" && go test -c -o "$tmp/after.test" ./internal/postgres/)
i=0
while [ "$i" -lt "$rounds" ]; do
	for v in before after; do
		echo "== $v $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg)"
		(cd "$after/internal/postgres" && "$tmp/$v.test" -test.run '^$' -test.bench 'ImportSupply100kProfile' \
			-test.benchtime 1x -test.v 2>&1 | grep -E 'checked|COPY|INSERT INTO labor|total') || true
	done
	i=$((i + 1))
done
