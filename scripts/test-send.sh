#!/usr/bin/env bash
# End-to-end check of the send path, as an edge function would use it:
#   bash scripts/test-send.sh [instanceId] [phone] [message]
# Without an instanceId it uses the first connected instance, else TEST_SEND_INSTANCE (default
# test-send), created when unknown: with WHATSAPP_DRIVER=sandbox `bash scripts/test-send.sh` alone
# goes end to end.
# 1. makes sure the instance exists (creates it when unknown) and is connected: the sandbox driver
#    links by itself; with Baileys it prints where to get the QR and waits for the scan
# 2. POST /queue/add-message (answered at once with the message id)
# 3. polls GET /messages/:id until sent (or delivered/read) or failed, printing each status
# Exit 0 when the message was sent. Reads SERVER_PORT and API_KEY from the environment or .env.
# TEST_SEND_CONNECT_TIMEOUT_S (default 180) and TEST_SEND_TIMEOUT_S (default 120) bound the waits.
set -uo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=lib/env.sh
. scripts/lib/env.sh
load_env
say() { printf '[test-send] %s\n' "$*"; }
die() { say "$*"; exit 1; }

instance="${1:-}"
phone="${2:-5511999990000}"
text="${3:-test message from scripts/test-send.sh at $(date -u +%FT%TZ)}"
[[ "$instance" != -* ]] || die "usage: scripts/test-send.sh [instanceId] [phone] [message]"
[ -n "${API_KEY:-}" ] || die "API_KEY is not set (run npm start once, or export it)"
base="http://${HEALTH_HOST:-127.0.0.1}:${SERVER_PORT:-3001}"

# call METHOD PATH [JSON]: sets $status (HTTP status, 000 = no answer) and $out (the body)
body_file=$(mktemp)
trap 'rm -f "$body_file"' EXIT
status=000
took_ms=0
out=""
call() {
  local args=(-s -m 15 -o "$body_file" -w '%{http_code} %{time_total}' -X "$1" -H "Authorization: Bearer $API_KEY")
  [ $# -ge 3 ] && args+=(-H 'Content-Type: application/json' --data "$3")
  : >"$body_file"
  local answer
  answer=$(curl "${args[@]}" "$base$2" 2>/dev/null) || answer="000 0"
  status="${answer%% *}"
  took_ms=$(awk -v s="${answer#* }" 'BEGIN { printf "%d", s * 1000 }')
  out=$(cat "$body_file")
}
json() { node -e 'let v; try { v = JSON.parse(process.argv[1]); for (const k of process.argv[2].split(".")) v = v?.[k]; } catch {} process.stdout.write(v == null ? "" : String(v));' "$1" "$2"; }
quote() { node -e 'process.stdout.write(JSON.stringify(process.argv[1]))' "$1"; }

if [ -z "$instance" ]; then
  call GET /instances
  [ "$status" = "000" ] && die "whatsapp-server does not answer at $base (npm start?)"
  [ "$status" = "200" ] || die "GET /instances: HTTP $status $out"
  instance=$(node -e 'try { const l = JSON.parse(process.argv[1]).instances || []; process.stdout.write((l.find((i) => i.status === "connected") || {}).instanceId || ""); } catch {}' "$out")
  if [ -n "$instance" ]; then say "no instanceId given: using the connected instance $instance"; else
    instance="${TEST_SEND_INSTANCE:-test-send}"; say "no instanceId given and none connected: using $instance"; fi
fi
[[ "$instance" =~ ^[A-Za-z0-9_-]{1,64}$ ]] || die "instanceId must be 1 to 64 letters, digits, _ or -"

call GET "/instance/$instance/status"
if [ "$status" = "000" ]; then die "whatsapp-server does not answer at $base (npm start?)"; fi
if [ "$status" = "404" ]; then
  say "instance $instance does not exist: creating it"
  call POST /instance/create "{\"instanceId\":$(quote "$instance")}"
  [ "$status" = "201" ] || die "create failed: HTTP $status $out"
elif [ "$status" != "200" ]; then
  die "status of $instance: HTTP $status $out"
fi

deadline=$(( $(date +%s) + ${TEST_SEND_CONNECT_TIMEOUT_S:-180} ))
last=""
while :; do
  call GET "/instance/$instance/status"
  st=$(json "$out" status)
  [ "$st" = "connected" ] && break
  if [ "$st" != "$last" ]; then
    say "instance $instance is $st"
    [ "$st" = "qr" ] && say "scan the QR: $base/instance/$instance/qr?format=png (send the API key), or GET /instance/$instance/qr"
    case "$st" in logged_out|qr_expired|failed) say "restart it: POST /instance/$instance/restart";; esac
    last="$st"
  fi
  [ "$(date +%s)" -lt "$deadline" ] || die "instance $instance not connected in time (status $st)"
  sleep 1
done
say "instance $instance is connected"

payload="{\"instanceId\":$(quote "$instance"),\"phone\":$(quote "$phone"),\"message\":$(quote "$text")}"
started=$(date +%s%N)
call POST /queue/add-message "$payload"
[ "$status" = "202" ] || die "add-message failed: HTTP $status $out"
id=$(json "$out" messageId)
say "accepted in $took_ms ms: messageId $id (to $(json "$out" to))"

deadline=$(( $(date +%s) + ${TEST_SEND_TIMEOUT_S:-120} ))
last=""
while :; do
  call GET "/messages/$id"
  st=$(json "$out" message.status)
  if [ -n "$st" ] && [ "$st" != "$last" ]; then
    say "status $st after $(( ($(date +%s%N) - started) / 1000000 )) ms${last:+ (was $last)}"
    last="$st"
  fi
  case "$st" in
    sent|delivered|read) say "OK: message $id was sent"; exit 0 ;;
    failed) die "FAILED: $(json "$out" message.error.code): $(json "$out" message.error.message)" ;;
  esac
  [ "$(date +%s)" -lt "$deadline" ] || die "no outcome in time (last status ${st:-unknown}; pacing may hold it: PACING_MIN_GAP_MS)"
  sleep 0.5
done
