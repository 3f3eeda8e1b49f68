#!/usr/bin/env bash
# Health of the four processes: GET /health on each port, one line each.
#   bash scripts/health-check.sh        exit 0 when all four answer 200, else 1
# Ports: SERVER_PORT, MESSAGE_WORKER_PORT, WEBHOOK_WORKER_PORT, BROADCAST_WORKER_PORT from the
# environment, else from .env (ENV_FILE), else 3001-3004. HEALTH_HOST (default 127.0.0.1) and
# HEALTH_TIMEOUT_S (default 3) change where and how long it asks.
set -uo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=lib/env.sh
. scripts/lib/env.sh
load_env

host="${HEALTH_HOST:-127.0.0.1}"
timeout="${HEALTH_TIMEOUT_S:-3}"
processes=()
# SERVER_SHARDS > 1: each shard on SHARD_PORT_BASE + i, plus the front door on SERVER_PORT
if [ "${SERVER_SHARDS:-1}" -gt 1 ] 2>/dev/null; then
  processes+=("front-door ${SERVER_PORT:-3001}")
  for ((i = 0; i < SERVER_SHARDS; i++)); do
    if [ "$i" -eq 0 ]; then name=whatsapp-server; else name="whatsapp-server-$i"; fi
    processes+=("$name $(( ${SHARD_PORT_BASE:-3011} + i ))")
  done
else
  processes+=("whatsapp-server ${SERVER_PORT:-3001}")
fi
processes+=(
  "message-worker ${MESSAGE_WORKER_PORT:-3002}"
  "webhook-worker ${WEBHOOK_WORKER_PORT:-3003}"
  "broadcast-worker ${BROADCAST_WORKER_PORT:-3004}"
)
body=$(mktemp)
trap 'rm -f "$body"' EXIT

field() { grep -o "\"$1\":[^,}]*" "$body" | head -1 | cut -d: -f2- | tr -d '"'; }

bad=0
for entry in "${processes[@]}"; do
  read -r name port <<<"$entry"
  : >"$body"
  code=$(curl -s -m "$timeout" -o "$body" -w '%{http_code}' "http://$host:$port/health" 2>/dev/null)
  code=${code:-000}
  if [ "$code" = "200" ]; then
    printf '%-4s %-17s %s:%-5s pid=%s uptime=%ss redis=ok\n' OK "$name" "$host" "$port" "$(field pid)" "$(field uptime)"
  elif [ "$code" = "000" ]; then
    printf '%-4s %-17s %s:%-5s no answer (not running, or not listening on this port)\n' DOWN "$name" "$host" "$port"
    bad=$((bad + 1))
  else
    reason=$(field error)
    printf '%-4s %-17s %s:%-5s HTTP %s%s\n' FAIL "$name" "$host" "$port" "$code" "${reason:+ ($reason)}"
    bad=$((bad + 1))
  fi
done
if [ "$bad" -gt 0 ]; then
  echo "$bad of 4 processes unhealthy"
  exit 1
fi
