#!/usr/bin/env bash
# `scripts/cluster up` on a cluster that already runs is a no-op that succeeds (the README
# suggests `scripts/cluster up && ./scripts/demo`, and the demo runs `up` again). Runs on its
# own state folder so it never touches the suite's cluster; stops what it starts (trap).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d /tmp/blend-cluster-test.XXXXXX)
export BLEND_CLUSTER_DIR=$work/cluster BLEND_CLUSTER_ENV=$work/cluster.env
cleanup() { "$repo/scripts/cluster" down >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT

"$repo/scripts/cluster" up
first=$(cat "$BLEND_CLUSTER_ENV" | grep -v '^#')
"$repo/scripts/cluster" up || { echo "FAIL: second 'cluster up' exited $?" >&2; exit 1; }
second=$(cat "$BLEND_CLUSTER_ENV" | grep -v '^#')
[ "$first" = "$second" ] || { echo "FAIL: the second 'up' changed the cluster:" >&2; diff <(echo "$first") <(echo "$second") >&2; exit 1; }
"$repo/scripts/cluster" status
echo "cluster up twice: ok"
