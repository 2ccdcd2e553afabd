#!/usr/bin/env bash
# CTest smoke of bench/cost-curve/run (label integration): the tiny profile, on the running
# cluster when BLEND_PG_URL / BLEND_KAFKA_BROKERS are set (scripts/cluster up), else on a
# cluster of its own. Passes when every figure of both benchmarks is produced.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d /tmp/blend-cost-curve-smoke.XXXXXX)
cleanup() { if [ $? = 0 ]; then rm -rf "$work"; else echo "cost-curve smoke: output kept in $work" >&2; fi; }
trap cleanup EXIT
cluster=()
[ -n "${BLEND_PG_URL:-}" ] && [ -n "${BLEND_KAFKA_BROKERS:-}" ] && cluster=(--use-cluster)
BLEND_COST_CURVE_DIR=$work "$here/run" --smoke --no-nice "${cluster[@]}"
