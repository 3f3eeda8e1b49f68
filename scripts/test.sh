#!/usr/bin/env bash
# The test command (npm test): builds dist/ (the PM2 end-to-end tests run the compiled processes),
# then runs jest. Needs a Redis: TEST_REDIS_URL or REDIS_URL, default redis://127.0.0.1:6379.
set -euo pipefail
cd "$(dirname "$0")/.."
npm run build --silent
# Baileys 7 is ESM only; jest loads it through the adapter's import() only with vm modules on.
export NODE_OPTIONS="${NODE_OPTIONS:-} --experimental-vm-modules --no-warnings=ExperimentalWarning"
exec npx jest "$@"
