#!/usr/bin/env bash
# The console in a real browser: `scripts/demo --keep` (a small run on its own PostgreSQL +
# Kafka, every service on free loopback ports, the console among them), then
# console.test.mjs drives Debian's chromium through playwright-core against it; the demo is
# stopped whatever happens (trap). Screenshots go to $1 (default build/console-screenshots).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
shots=$(realpath -m "${1:-$repo/build/console-screenshots}")
work=$(mktemp -d /tmp/blend-console-browser.XXXXXX)
export BLEND_CLUSTER_DIR=$work/cluster BLEND_CLUSTER_ENV=$work/cluster.env
export BLEND_DEMO_DIR=$work/demo BLEND_DEMO_ANY_PORTS=1
cleanup() {
  local rc=$?
  "$repo/scripts/demo" stop >/dev/null 2>&1 || true
  [ "$rc" = 0 ] || tail -20 "$work/demo/logs/console.log" 2>/dev/null || true
  rm -rf "$work"
  exit "$rc"
}
trap cleanup EXIT
[ -x /usr/bin/chromium ] || { echo "chromium is not installed (scripts/setup installs it)"; exit 1; }
[ -d "$repo/tests/browser/node_modules/playwright-core" ] || { echo "run scripts/setup (npm ci in tests/browser)"; exit 1; }

# A small run: 60 customers, a day lasting 5 s; the demo prints the console's address.
"$repo/scripts/demo" --customers 60 --seed 11 --time-scale 0.00006 --timeout 60s --keep | tee "$work/demo.out"
url=$(sed -n 's|^console: \(http://127\.0\.0\.1:[0-9]*/\)$|\1|p' "$work/demo.out")
[ -n "$url" ] || { echo "the demo printed no 'console: http://127.0.0.1:PORT/' line"; exit 1; }
# shellcheck disable=SC1091
source "$work/demo/demo.env"
[ "$BLEND_CONSOLE_URL" = "$url" ] || { echo "demo.env names $BLEND_CONSOLE_URL, the demo printed $url"; exit 1; }

mkdir -p "$shots"
CONSOLE_URL=$url SIM_URL=$BLEND_SIM_URL ORCHESTRATOR_ADDR=$BLEND_ORCHESTRATOR_ADDR \
  BLENDCTL=$repo/build/bin/blendctl REPO=$repo SCREENSHOTS=$shots WORK=$work \
  node --test --test-reporter=spec "$repo/tests/browser/console.test.mjs"
