#!/usr/bin/env bash
# Log rotation for the PM2 logs (npm start calls this): installs the pm2-logrotate module into the
# PM2 daemon in use (PM2_HOME) and configures it. Safe to run again: the module is installed once
# and a setting is written only when it differs.
#   LOGROTATE=off              skip (rotate with logrotate(8) instead: docs/operations.md)
#   LOGROTATE_MAX_SIZE=50M     rotate a log file above this size
#   LOGROTATE_RETAIN=14        rotated files kept per log
#   LOGROTATE_INTERVAL="0 0 * * *"  also rotate daily at midnight whatever the size
#   LOGROTATE_INSTALL_TIMEOUT_S=90  longest the install may take (it needs the npm registry); past
#                              it the start goes on without rotation and says so
# Exit 0 when rotation is set up, 1 (with a line saying why) when it is not: npm start goes on
# either way, and tries again on its next run.
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
module_dir="$home/modules/pm2-logrotate"
install_timeout="${LOGROTATE_INSTALL_TIMEOUT_S:-90}"
not_set_up() {
  say "NOT set up: $* PM2 logs are not rotated and grow without bound."
  say "npm start tries again next time; or set LOGROTATE=off and rotate with logrotate(8) (docs/operations.md)"
  exit 1
}
# The truth, not a folder: PM2 creates modules/pm2-logrotate before npm has downloaded anything,
# so a cut-off install leaves the folder behind. Installed = PM2 runs the module.
running() {
  timeout -k 2 20 "$PM2" jlist 2>/dev/null | node -e '
    let t = ""; process.stdin.on("data", (d) => (t += d)).on("end", () => {
      try { process.exit(JSON.parse(t).some((p) => p.name === "pm2-logrotate" && p.pm2_env.status === "online") ? 0 : 1); } catch { process.exit(1); }
    });'
}

if running; then
  say "pm2-logrotate is running in PM2 ($home)"
else
  # a folder without the downloaded module is what an interrupted install leaves: start clean
  [ -f "$module_dir/node_modules/pm2-logrotate/package.json" ] || rm -rf "$module_dir"
  # pm2 install asks the npm registry; ask it first, briefly, to fail in seconds when it is unreachable
  registry=$(npm config get registry 2>/dev/null || echo "the npm registry")
  if ! timeout -k 2 15 npm ping --fetch-timeout=10000 --fetch-retries=0 >/dev/null 2>&1; then
    not_set_up "pm2-logrotate could not be installed: $registry does not answer (offline?)."
  fi
  say "installing pm2-logrotate into PM2 ($home; at most ${install_timeout} s)"
  # timeout signals its whole process group: pm2's npm child goes too
  if ! timeout -k 5 "$install_timeout" "$PM2" install pm2-logrotate >/dev/null 2>&1; then
    [ -f "$module_dir/node_modules/pm2-logrotate/package.json" ] || rm -rf "$module_dir"
    not_set_up "installing pm2-logrotate failed or took longer than ${install_timeout} s ($registry)."
  fi
  running || not_set_up "pm2-logrotate was installed but PM2 does not run it (see: $PM2 logs pm2-logrotate)."
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
    timeout -k 2 30 "$PM2" set "pm2-logrotate:$key" "$value" >/dev/null || not_set_up "PM2 did not take the setting $key."
    say "set $key = $value"
  fi
done
say "PM2 logs rotate above ${LOGROTATE_MAX_SIZE:-50M} and daily, ${LOGROTATE_RETAIN:-14} compressed files kept"
