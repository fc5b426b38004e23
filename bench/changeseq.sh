#!/usr/bin/env bash
# The publish rate the one change_sequence row allows (docs/scaling.md): pgbench runs
# the row's UPDATE in a transaction of its own at 10 clients, with durable commits and
# with synchronous_commit off, against a control that commits as often without a shared
# row; then `laborx bench --query publish` at 10 clients. It uses the embedded cluster
# of a running `laborx serve --demo` (its data dir and address are the arguments) and
# leaves the sequence further on, so run it on a throwaway data dir:
#
#   laborx serve --demo --data-dir /tmp/lxseq --addr 127.0.0.1:18201 --rate-limit 0 --log-level warn &
#   bash bench/changeseq.sh /tmp/lxseq http://127.0.0.1:18201 10
set -euo pipefail
data_dir=${1:?data dir of a running laborx serve --demo}
url=${2:?its address, e.g. http://127.0.0.1:18201}
seconds=${3:-10}
pg="$data_dir/pg"
port=$(sed -n 4p "$pg/postmaster.pid")
export PGPASSWORD PGHOST=127.0.0.1 PGPORT=$port PGUSER=laborx PGDATABASE=laborx
PGPASSWORD=$(cat "$pg/laborx.password")
pgbench=$(ls /usr/lib/postgresql/*/bin/pgbench | sort -V | tail -1)
scripts=$(mktemp -d)
trap 'rm -rf "$scripts"; psql -qc "DROP TABLE IF EXISTS changeseq_control" >/dev/null' EXIT

cat >"$scripts/sequence.sql" <<'SQL'
BEGIN;
UPDATE change_sequence SET last = last + 1 RETURNING last;
COMMIT;
SQL
cat >"$scripts/control.sql" <<'SQL'
BEGIN;
INSERT INTO changeseq_control VALUES (:client_id);
COMMIT;
SQL
psql -qc "CREATE TABLE IF NOT EXISTS changeseq_control (client int)" >/dev/null

echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
run() { # name, script, extra PGOPTIONS
  local out
  out=$(PGOPTIONS=${3:-} "$pgbench" -n -M prepared -c 10 -j 2 -T "$seconds" -f "$scripts/$2" 2>&1)
  printf '%-44s %s tps, latency %s ms\n' "$1" "$(awk '/^tps/ {print $3; exit}' <<<"$out")" \
    "$(awk '/latency average/ {print $4}' <<<"$out")"
}
run "change_sequence UPDATE, durable commit" sequence.sql
run "change_sequence UPDATE, synchronous_commit off" sequence.sql "-c synchronous_commit=off"
run "control INSERT (no shared row), durable commit" control.sql
echo "load average after pgbench: $(cut -d' ' -f1-3 /proc/loadavg)"
laborx=${LABORX:-laborx}
"$laborx" bench --data-dir "$data_dir" --url "$url" --query publish --duration "${seconds}s" --concurrency 10
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
