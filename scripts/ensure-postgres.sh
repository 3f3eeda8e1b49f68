#!/usr/bin/env bash
# Makes sure the message log's PostgreSQL answers, as ensure-redis.sh does for Redis.
#   ensure-postgres.sh start  (npm start) DATABASE_URL when set; else the machine's PostgreSQL on
#                             127.0.0.1:5432; else Debian's postgresql, installed with apt-get and
#                             started. Without DATABASE_URL it makes a role and a database
#                             `wa_queue` (PG_DATABASE_NAME) and writes DATABASE_URL into .env.
#   ensure-postgres.sh test   (CI) the same server; prints on stdout a URL for the tests' database
#                             `test` (the postgres role over TCP when it is trusted, else a role `wa_test`).
# Never hangs: every wait is bounded, and a failure says what to set (MESSAGE_LOG=off needs none).
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-start}"
ENV_FILE="${ENV_FILE:-.env}"
say() { printf '[postgres] %s\n' "$*" >&2; }
ping() { timeout 10 node scripts/lib/pg-ping.js "$@" >/dev/null 2>&1; }

if [ "$mode" = "start" ] && [ "${MESSAGE_LOG:-on}" = "off" ]; then say "MESSAGE_LOG=off: no PostgreSQL needed"; exit 0; fi
if [ "$mode" = "start" ] && [ -n "${DATABASE_URL:-}" ]; then
  if ping "$DATABASE_URL"; then say "using DATABASE_URL (reachable)"; else
    say "WARNING: DATABASE_URL does not answer; messages are still sent, their log waits in Redis until it does"; fi
  exit 0
fi

# 1. a server on 127.0.0.1:5432, or Debian's installed and started
if ! ping; then
  if [ "${PG_AUTO_INSTALL:-yes}" = "no" ]; then say "no PostgreSQL on 127.0.0.1:5432 and PG_AUTO_INSTALL=no: set DATABASE_URL or MESSAGE_LOG=off"; exit 1; fi
  timeout 600 bash scripts/lib/apt-install.sh pg_ctlcluster postgresql >&2 || { say "could not install postgresql: set DATABASE_URL or MESSAGE_LOG=off"; exit 1; }
  if ! ping; then
    say "starting PostgreSQL"
    cluster=$(pg_lsclusters -h 2>/dev/null | awk '{print $1" "$2}' | head -1)
    if [ -n "$cluster" ]; then timeout 60 pg_ctlcluster $cluster start >&2 || true; else timeout 60 service postgresql start >&2 || true; fi
  fi
  for _ in $(seq 1 60); do ping && break; sleep 0.5; done
  ping || { say "PostgreSQL did not come up on 127.0.0.1:5432 within 30 s: set DATABASE_URL or MESSAGE_LOG=off"; exit 1; }
  say "PostgreSQL runs on 127.0.0.1:5432"
fi

# 2. a superuser session to make the role and database: trusted TCP, else the local socket as postgres
superuser() {
  if PGCONNECT_TIMEOUT=5 timeout 15 psql "postgresql://postgres@127.0.0.1:5432/postgres" -qtAc 'SELECT 1' >/dev/null 2>&1; then
    PGCONNECT_TIMEOUT=5 timeout 30 psql "postgresql://postgres@127.0.0.1:5432/postgres" -v ON_ERROR_STOP=1 -qtA "$@"
  elif [ "$(id -u)" -eq 0 ] && command -v runuser >/dev/null; then
    (cd /tmp && PGCONNECT_TIMEOUT=5 timeout 30 runuser -u postgres -- psql -v ON_ERROR_STOP=1 -qtA "$@")
  else
    (cd /tmp && PGCONNECT_TIMEOUT=5 timeout 30 sudo -n -u postgres psql -v ON_ERROR_STOP=1 -qtA "$@")
  fi
}

# provision ROLE DB: the role (a new password each time it is made or reset) owns DB; prints its URL
provision() {
  local role="$1" db="$2" pw
  pw=$(node -e 'console.log(require("crypto").randomBytes(18).toString("hex"))')
  superuser -c "DO \$\$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$role') THEN CREATE ROLE $role LOGIN; END IF; END \$\$; ALTER ROLE $role PASSWORD '$pw';" >/dev/null ||
    { say "could not create the role $role (no superuser access): set DATABASE_URL"; exit 1; }
  if [ "$(superuser -c "SELECT 1 FROM pg_database WHERE datname = '$db'")" != "1" ]; then superuser -c "CREATE DATABASE $db OWNER $role" >/dev/null; fi
  echo "postgresql://$role:$pw@127.0.0.1:5432/$db"
}

if [ "$mode" = "test" ]; then
  trusted="postgresql://postgres@127.0.0.1:5432/test"
  if ping "$trusted"; then say "tests use database test (trusted postgres role)"; echo "$trusted"; exit 0; fi
  url=$(provision wa_test test)
  ping "$url" || { say "database test does not answer for wa_test"; exit 1; }
  say "tests use database test (role wa_test)"; echo "$url"; exit 0
fi

name="${PG_DATABASE_NAME:-wa_queue}"
[[ "$name" =~ ^[a-z_][a-z0-9_]{0,40}$ ]] || { say "PG_DATABASE_NAME must be lower-case letters, digits and _"; exit 1; }
url=$(provision "$name" "$name")
ping "$url" || { say "the new role $name cannot log in over TCP (check pg_hba.conf), set DATABASE_URL"; exit 1; }
if grep -qE '^\s*DATABASE_URL\s*=' "$ENV_FILE"; then
  tmp=$(mktemp); grep -vE '^\s*DATABASE_URL\s*=' "$ENV_FILE" > "$tmp"; cat "$tmp" > "$ENV_FILE"; rm -f "$tmp"
fi
printf '\n# written by npm start (scripts/ensure-postgres.sh)\nDATABASE_URL=%s\n' "$url" >> "$ENV_FILE"
say "database $name ready; DATABASE_URL written to $ENV_FILE"
