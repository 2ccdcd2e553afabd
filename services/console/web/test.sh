#!/usr/bin/env bash
# Unit tests of the pages' pure modules: each tests/*.test.ts is bundled by esbuild for node
# and run by node's test runner.
set -euo pipefail
web=$(cd "$(dirname "$0")" && pwd)
[ -x "$web/node_modules/.bin/esbuild" ] || { echo "run scripts/setup (npm ci in $web)"; exit 1; }
out=$(mktemp -d /tmp/blend-console-web-test.XXXXXX)
trap 'rm -rf "$out"' EXIT
cd "$web"
node_modules/.bin/tsc --noEmit -p tests/tsconfig.json
for t in tests/*.test.ts; do
  node_modules/.bin/esbuild "$t" --bundle --platform=node --format=esm --main-fields=module,main --log-level=warning \
    --outfile="$out/$(basename "$t" .ts).mjs"
done
node --test "$out"/*.mjs
