#!/usr/bin/env bash
# Type-checks and bundles the console's pages into OUT_DIR (default dist/): app.js (+ its
# source map), index.html, app.css. The packages come from package-lock.json through `npm ci`
# (scripts/setup runs it); this script never downloads anything.
set -euo pipefail
web=$(cd "$(dirname "$0")" && pwd)
out=$(realpath -m "${1:-$web/dist}")
if [ ! -x "$web/node_modules/.bin/esbuild" ] || [ ! -x "$web/node_modules/.bin/tsc" ]; then
  echo "console pages: $web/node_modules is missing; run scripts/setup (npm ci)" >&2
  exit 1
fi
mkdir -p "$out"
cd "$web"
node_modules/.bin/tsc --noEmit -p tsconfig.json
node_modules/.bin/esbuild src/main.ts --bundle --minify --sourcemap --target=es2020 \
  --log-level=warning --outfile="$out/app.js"
cp static/index.html static/app.css "$out/"
