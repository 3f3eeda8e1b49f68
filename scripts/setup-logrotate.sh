#!/usr/bin/env bash
# Log rotation for the PM2 logs (npm start calls this): installs the pm2-logrotate module into the
# PM2 daemon in use (PM2_HOME) and configures it. Safe to run again: the module is installed once
# and a setting is written only when it differs.
#   LOGROTATE=off              skip (rotate with logrotate(8) instead: docs/operations.md)
#   LOGROTATE_MAX_SIZE=50M     rotate a log file above this size
#   LOGROTATE_RETAIN=14        rotated files kept per log
#   LOGROTATE_INTERVAL="0 0 * * *"  also rotate daily at midnight whatever the size
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=lib/env.sh
. scripts/lib/env.sh
load_env
say() { printf '[logrotate] %s\n' "$*"; }
PM2=node_modules/.bin/pm2

if [ "${LOGROTATE:-on}" = "off" ]; then
  say "LOGROTATE=off: skipped (see docs/operations.md for a logrotate(8) configuration)"
  exit 0
fi
home="${PM2_HOME:-$HOME/.pm2}"

if [ -d "$home/modules/pm2-logrotate/node_modules/pm2-logrotate" ] || [ -d "$home/modules/pm2-logrotate" ]; then
  say "pm2-logrotate already installed"
else
  say "installing pm2-logrotate into PM2 ($home)"
  "$PM2" install pm2-logrotate >/dev/null
fi

# current value of a pm2-logrotate setting, or empty
current() { node -e '
  try { const c = require(process.argv[1])["pm2-logrotate"] || {}; process.stdout.write(String(c[process.argv[2]] ?? "")); } catch {}
' "$home/module_conf.json" "$1"; }

want=(
  "max_size ${LOGROTATE_MAX_SIZE:-50M}"
  "retain ${LOGROTATE_RETAIN:-14}"
  "compress true"
  "dateFormat YYYY-MM-DD_HH-mm-ss"
  "rotateInterval ${LOGROTATE_INTERVAL:-0 0 * * *}"
  "workerInterval 30"
)
for entry in "${want[@]}"; do
  key="${entry%% *}"
  value="${entry#* }"
  if [ "$(current "$key")" != "$value" ]; then
    "$PM2" set "pm2-logrotate:$key" "$value" >/dev/null
    say "set $key = $value"
  fi
done
say "PM2 logs rotate above ${LOGROTATE_MAX_SIZE:-50M} and daily, ${LOGROTATE_RETAIN:-14} compressed files kept"
