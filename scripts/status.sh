#!/usr/bin/env bash
# npm run status: PM2's process table, then the queues (GET /queue-status with the API key) and
# the dead-letter count. Reads .env like the other scripts (variables already set win).
set -uo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=lib/env.sh
. scripts/lib/env.sh
load_env
PM2=node_modules/.bin/pm2
port="${SERVER_PORT:-3001}"
host="${HEALTH_HOST:-127.0.0.1}"

# `pm2 status` would start a PM2 daemon when none runs; only ask a running one.
pidfile="${PM2_HOME:-$HOME/.pm2}/pm2.pid"
if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
  "$PM2" status
else
  echo "PM2 is not running (npm start starts it)"
fi
echo
if [ -z "${API_KEY:-}" ]; then
  echo "queues: API_KEY is not set (no .env?); run npm start first"
  exit 1
fi
auth=(-H "Authorization: Bearer $API_KEY")
queues=$(curl -s -m 5 "${auth[@]}" "http://$host:$port/queue-status") || { echo "queues: whatsapp-server does not answer on $host:$port"; exit 1; }
dead=$(curl -s -m 5 "${auth[@]}" "http://$host:$port/webhooks/dead?limit=1" 2>/dev/null || true)
QUEUES="$queues" DEAD="$dead" node -e '
const q = JSON.parse(process.env.QUEUES || "{}");
if (!q.success) { console.log("queues: " + ((q.error && q.error.message) || "no answer")); process.exit(1); }
const cols = ["waiting", "active", "delayed", "failed", "completed", "paused"];
console.log(["QUEUE".padEnd(10), ...cols.map((c) => c.toUpperCase().padStart(10))].join(""));
for (const [name, c] of Object.entries(q.queues)) console.log([name.padEnd(10), ...cols.map((k) => String(c[k] ?? 0).padStart(10))].join(""));
let dead = {};
try { dead = JSON.parse(process.env.DEAD || "{}"); } catch {}
if (typeof dead.total === "number") console.log(`\nwebhook dead letters: ${dead.total}${dead.total ? " (GET /webhooks/dead, POST /webhooks/replay)" : ""}`);
'
