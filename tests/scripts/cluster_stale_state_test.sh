#!/usr/bin/env bash
# `scripts/cluster up` after the servers died without `down` (a reboot, an OOM kill: the state
# folder and the old data are still there, no server runs) starts a fresh cluster instead of
# failing on the old broker's data, and leaves no old PostgreSQL data folder behind. Runs on
# its own state folder; stops what it starts (trap).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d /tmp/blend-cluster-stale.XXXXXX)
export BLEND_CLUSTER_DIR=$work/cluster BLEND_CLUSTER_ENV=$work/cluster.env
cleanup() { "$repo/scripts/cluster" down >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$repo/scripts/cluster" up
old_pg_dir=$(cat "$BLEND_CLUSTER_DIR/pg.dir")
kafka_pid=$(cat "$BLEND_CLUSTER_DIR/kafka.pid")
pg_pid=$(head -n1 "$old_pg_dir/data/postmaster.pid")
kill -KILL "$kafka_pid" "$pg_pid"
for _ in $(seq 1 80); do
  kill -0 "$kafka_pid" 2>/dev/null || kill -0 "$pg_pid" 2>/dev/null || break
  sleep 0.25
done

"$repo/scripts/cluster" up || fail "'cluster up' after the servers died exited $?"
# shellcheck disable=SC1090
source "$BLEND_CLUSTER_ENV"
psql -q "$BLEND_PG_URL" -c "SELECT 1" >/dev/null || fail "PostgreSQL does not answer"
kcat -b "$BLEND_KAFKA_BROKERS" -L -m 5 >/dev/null || fail "Kafka does not answer"
[ ! -e "$old_pg_dir" ] || fail "the dead server's data folder $old_pg_dir was left behind"
echo "cluster up after the servers died: ok"
