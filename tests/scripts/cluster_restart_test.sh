#!/usr/bin/env bash
# `scripts/cluster restart-pg` (an immediate shutdown: a crash) and `restart-kafka` (SIGKILL)
# bring each server back on the same port with its data: a committed row and a produced
# message survive, and the broker runs under a new process id. scripts/chaos relies on both.
# Runs on its own state folder; stops what it starts (trap).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d /tmp/blend-cluster-restart.XXXXXX)
export BLEND_CLUSTER_DIR=$work/cluster BLEND_CLUSTER_ENV=$work/cluster.env
cleanup() { "$repo/scripts/cluster" down >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$repo/scripts/cluster" up
# shellcheck disable=SC1090
source "$BLEND_CLUSTER_ENV"
psql -q "$BLEND_PG_URL" -c "CREATE TABLE survivor (v text); INSERT INTO survivor VALUES ('kept')"
echo "kept-message" | kcat -P -b "$BLEND_KAFKA_BROKERS" -t survivor
old_pid=$(cat "$BLEND_CLUSTER_DIR/kafka.pid")

"$repo/scripts/cluster" restart-pg 1
[ "$(psql -At "$BLEND_PG_URL" -c 'SELECT v FROM survivor')" = kept ] || fail "the row did not survive restart-pg"

"$repo/scripts/cluster" restart-kafka 1
new_pid=$(cat "$BLEND_CLUSTER_DIR/kafka.pid")
[ "$new_pid" != "$old_pid" ] || fail "restart-kafka did not start a new broker process"
kill -0 "$old_pid" 2>/dev/null && fail "the old broker ($old_pid) still runs"
got=$(kcat -C -b "$BLEND_KAFKA_BROKERS" -t survivor -o beginning -c 1 -e -q 2>/dev/null || true)
[ "$got" = kept-message ] || fail "the message did not survive restart-kafka (got '$got')"
"$repo/scripts/cluster" status
echo "cluster restarts: ok"
