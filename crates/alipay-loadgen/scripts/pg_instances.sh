#!/usr/bin/env bash
# 1 vs 2 sandbox instances on one PostgreSQL store, in one invocation (alternating, fresh schemas), with the CPU
# that PostgreSQL's own processes spent per answer beside the sandboxes' (alipay-loadgen reports theirs).
#
#   cargo build --release -p alipay-cli -p alipay-loadgen
#   PG=postgres://alipay:alipay@127.0.0.1:5432/alipay crates/alipay-loadgen/scripts/pg_instances.sh [ROUNDS] [LOADGEN ARGS...]
#
# INSTANCES="sqlite 1 2" by default: the embedded store for comparison, then 1 and 2 instances on PostgreSQL.
# Defaults: 2 rounds, METHODS="precreate query" (one loadgen invocation each, so PostgreSQL's CPU is per
# method), `--concurrency 32,64 --runs 2 --no-half-load`.
set -euo pipefail
cd "$(dirname "$0")/../../.."
PG=${PG:-postgres://alipay:alipay@127.0.0.1:5432/alipay}
ROUNDS=${1:-2}
shift || true
ARGS=("$@")
[ ${#ARGS[@]} -gt 0 ] || ARGS=(--concurrency 32,64 --runs 2 --no-half-load)
METHODS=${METHODS:-precreate query}
BIN=target/release
WORK=$(mktemp -d /tmp/lg-pg.XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT

# Total CPU seconds (user + system) of every process whose command is postgres.
pg_cpu() {
  local hz ticks=0 pid
  hz=$(getconf CLK_TCK)
  for pid in $(pgrep -x postgres); do
    # fields 14 and 15 of /proc/PID/stat: utime, stime (in clock ticks); the command may hold spaces
    ticks=$((ticks + $(awk '{sub(/^.*\) /, ""); print $12 + $13}' "/proc/$pid/stat" 2>/dev/null || echo 0)))
  done
  echo "scale=3; $ticks / $hz" | bc
}

wait_for() { for _ in $(seq 1 200); do [ -s "$1" ] && return 0; sleep 0.05; done; echo "no $1" >&2; exit 1; }

run() { # N|sqlite round
  local n=$1 r=$2 schema="lg_${1}_${2}_$$" configs=() pids=() i store=()
  if [ "$n" = sqlite ]; then
    n=1 # the embedded store, for comparison
  else
    psql -q "$PG" -c "CREATE SCHEMA $schema" >/dev/null
    store=(--store "$PG?options=-csearch_path%3D$schema")
  fi
  for i in $(seq 1 "$n"); do
    "$BIN/alipay" sandbox --data "$WORK/$schema-$i" --listen 127.0.0.1:0 "${store[@]}" >"$WORK/$schema-$i.log" 2>&1 &
    pids+=($!)
    configs+=("$WORK/$schema-$i/app.json")
  done
  for c in "${configs[@]}"; do wait_for "$c"; done
  local before after m
  for m in $METHODS; do
    before=$(pg_cpu)
    echo "== $1 instance(s), round $r, $m (schema $schema)"
    "$BIN/alipay-loadgen" --config "$(IFS=,; echo "${configs[*]}")" --pid "$(IFS=,; echo "${pids[*]}")" \
      --methods "$m" "${ARGS[@]}"
    after=$(pg_cpu)
    echo "postgres CPU during the $m run (its setup and warm-up included): $(echo "$after - $before" | bc) s"
  done
  kill "${pids[@]}"; wait "${pids[@]}" 2>/dev/null || true
  [ ${#store[@]} -eq 0 ] || psql -q "$PG" -c "SET client_min_messages = warning" -c "DROP SCHEMA $schema CASCADE" >/dev/null
}

for r in $(seq 1 "$ROUNDS"); do
  for n in ${INSTANCES:-sqlite 1 2}; do
    run "$n" "$r"
  done
done
