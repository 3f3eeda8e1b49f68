#!/usr/bin/env bash
# Makes sure a Redis answers for the daemon (or the tests).
#   ensure-redis.sh pm2     (npm start) when REDIS_URL is unset and nothing answers on
#                           127.0.0.1:6379: run redis-server as the PM2 app "wa-redis", AOF on,
#                           data in ./data/redis, maxmemory-policy noeviction.
#   ensure-redis.sh daemon  (CI, tests) when nothing answers: start a throwaway redis-server
#                           daemon on 127.0.0.1:6379 that keeps nothing on disk.
# redis-server comes from the system; when missing it is installed with apt-get (as root or with
# passwordless sudo), unless REDIS_AUTO_INSTALL=no.
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-pm2}"
say() { printf '[redis] %s\n' "$*"; }

if [ -n "${REDIS_SENTINELS:-}" ]; then
  # the sentinels name the master; every process asks them (docs/operations.md, Redis Sentinel)
  say "using Redis Sentinel ${REDIS_SENTINELS} (master ${REDIS_SENTINEL_NAME:-mymaster})"
  exit 0
fi
if [ -n "${REDIS_URL:-}" ]; then
  if node scripts/lib/redis-ping.js "$REDIS_URL"; then say "using REDIS_URL (reachable)"; else
    say "WARNING: REDIS_URL is set but does not answer; the processes will keep retrying until it does"; fi
  exit 0
fi
if node scripts/lib/redis-ping.js redis://127.0.0.1:6379; then
  say "a Redis already answers on 127.0.0.1:6379; using it (its persistence settings are checked at start)"
  exit 0
fi

if ! command -v redis-server >/dev/null 2>&1; then
  if [ "${REDIS_AUTO_INSTALL:-yes}" = "no" ]; then
    say "redis-server is not installed and REDIS_AUTO_INSTALL=no; install it or set REDIS_URL"; exit 1
  fi
  bash scripts/lib/apt-install.sh redis-server redis-server || { say "install redis-server or set REDIS_URL"; exit 1; }
fi
# Debian's package may start its own service on install; use it if it came up.
if node scripts/lib/redis-ping.js redis://127.0.0.1:6379; then say "redis-server is running"; exit 0; fi

if [ "$mode" = "daemon" ]; then
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save '' --appendonly no --logfile "$(pwd)/redis-test.log"
else
  mkdir -p data/redis
  PM2="node_modules/.bin/pm2"
  "$PM2" delete wa-redis >/dev/null 2>&1 || true
  "$PM2" start "$(command -v redis-server)" --name wa-redis --interpreter none --max-restarts 1000 -- \
    --bind 127.0.0.1 --port 6379 --dir "$(pwd)/data/redis" --appendonly yes --appendfsync everysec \
    --maxmemory-policy noeviction --save '' >/dev/null
fi
for _ in $(seq 1 50); do
  node scripts/lib/redis-ping.js redis://127.0.0.1:6379 && { say "started redis-server ($mode) on 127.0.0.1:6379"; exit 0; }
  sleep 0.2
done
say "redis-server did not come up"; exit 1
