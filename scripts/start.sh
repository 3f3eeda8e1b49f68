#!/usr/bin/env bash
# The one command that starts everything (npm start): install, build, .env, Redis, PM2, then wait
# until all four processes report healthy and print a status table.
# Variables set in the shell win over .env (LOG_LEVEL=debug npm start). START_PREBUILT=1 skips the
# install and the build (CI and tests that did both already).
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s%N)
say() { printf '[start] %s\n' "$*"; }

node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' || { say "Node.js 20 or newer is required"; exit 1; }

# Install only when package-lock.json changed since the last install.
stamp=node_modules/.install-stamp
lock_sum=$(sha1sum package-lock.json | cut -d' ' -f1)
if [ "${START_PREBUILT:-}" = "1" ]; then
  say "START_PREBUILT=1: using the installed dependencies and dist/ as they are"
else
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$lock_sum" ]; then
    say "installing dependencies (npm ci)"
    bash scripts/lib/install-deps.sh
    echo "$lock_sum" > "$stamp"
  fi
  say "building"
  npm run build --silent
fi

node scripts/lib/init-env.js
# .env fills in only what the shell did not set (sourcing it would overwrite LOG_LEVEL=debug npm start)
# shellcheck source=lib/env.sh
. scripts/lib/env.sh
load_env

bash scripts/ensure-redis.sh pm2
# voice notes (ptt) are transcoded to Ogg/Opus by ffmpeg (src/whatsapp/baileys/voice-note.ts); without
# it they go out as plain audio files, so a failed install warns instead of stopping the start
timeout 300 bash scripts/lib/apt-install.sh ffmpeg ffmpeg || say "WARNING: no ffmpeg: voice notes are sent as plain audio files until it is installed"
# the message log's PostgreSQL: DATABASE_URL, else the machine's, else Debian's (it may write DATABASE_URL into .env)
if ! bash scripts/ensure-postgres.sh start; then say "WARNING: no PostgreSQL for the message log; messages are still sent, their log waits in Redis"; fi
if [ -z "${DATABASE_URL:-}" ]; then unset DATABASE_URL; load_env; fi

PM2=node_modules/.bin/pm2
if [ -f scripts/setup-logrotate.sh ]; then bash scripts/setup-logrotate.sh || say "going on without log rotation (the line above says why)"; fi
say "starting the four processes under PM2"
"$PM2" startOrReload ecosystem.config.js --update-env >/dev/null
"$PM2" save >/dev/null 2>&1 || true

say "waiting until all four report healthy"
if node scripts/lib/wait-healthy.js "${START_TIMEOUT_S:-120}"; then
  elapsed=$(( ($(date +%s%N) - started) / 1000000 ))
  say "all healthy in ${elapsed} ms. Logs: pm2 logs | Monitor: pm2 monit | Stop: npm run stop"
  say "Dashboard: http://127.0.0.1:${SERVER_PORT:-3001}/dashboard (log in with the API key)"
  say "API key: API_KEY in ${ENV_FILE:-.env}; try: curl -H \"apikey: \$API_KEY\" http://127.0.0.1:${SERVER_PORT:-3001}/queue-status"
else
  say "not all processes are healthy; see: $PM2 logs --lines 50"
  exit 1
fi
