#!/usr/bin/env bash
# The whole test suite: typecheck, lint, the architecture rule, unit, contract and end-to-end tests.
# PostgreSQL is started (and stopped) by the test run itself; see test/support/.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
if [ ! -x node_modules/.bin/node ]; then
  echo "test: dependencies are not installed; run: bash scripts/install.sh" >&2
  exit 2
fi
echo "== node $(node --version)"
echo "== typecheck (tsc)"
tsc --noEmit -p .
echo "== lint and format (biome)"
biome ci --reporter=summary .
echo "== tests (node --test)"
exec node --test \
  --test-concurrency=2 \
  --test-timeout=180000 \
  --test-global-setup=test/support/global-setup.ts \
  'src/**/*.test.ts' 'test/**/*.test.ts'
