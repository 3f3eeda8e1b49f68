#!/usr/bin/env bash
# The one command that starts everything (npm start): install, build, .env, Redis, PM2, then wait
# until all four processes report healthy and print a status table.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s%N)
say() { printf '[start] %s\n' "$*"; }

node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' || { say "Node.js 20 or newer is required"; exit 1; }

# Install only when package-lock.json changed since the last install.
stamp=node_modules/.install-stamp
lock_sum=$(sha1sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$lock_sum" ]; then
  say "installing dependencies (npm ci)"
  bash scripts/lib/install-deps.sh
  echo "$lock_sum" > "$stamp"
fi
say "building"
npm run build --silent

node scripts/lib/init-env.js
set -a
# shellcheck disable=SC1090
. "./${ENV_FILE:-.env}"
set +a

bash scripts/ensure-redis.sh pm2

PM2=node_modules/.bin/pm2
if [ -f scripts/setup-logrotate.sh ]; then bash scripts/setup-logrotate.sh || say "log rotation not set up (see README)"; fi
say "starting the four processes under PM2"
"$PM2" startOrReload ecosystem.config.js --update-env >/dev/null
"$PM2" save >/dev/null 2>&1 || true

say "waiting until all four report healthy"
if node scripts/lib/wait-healthy.js "${START_TIMEOUT_S:-120}"; then
  elapsed=$(( ($(date +%s%N) - started) / 1000000 ))
  say "all healthy in ${elapsed} ms. Logs: pm2 logs | Dashboard: pm2 monit | Stop: npm run stop"
  say "API key: API_KEY in ${ENV_FILE:-.env}; try: curl -H \"apikey: \$API_KEY\" http://127.0.0.1:${SERVER_PORT:-3001}/queue-status"
else
  say "not all processes are healthy; see: $PM2 logs --lines 50"
  exit 1
fi
