#!/usr/bin/env bash
# Installs dependencies exactly as package-lock.json pins them, with `npm ci` only. There is no
# fallback to `npm install`: it would rewrite the tracked lock file (and the next start would
# install again). A lock file `npm ci` refuses is a bug of the commit, so this fails loudly, in CI
# first. The committed lock records every platform's optional packages (test/unit/lockfile.test.ts).
set -euo pipefail
cd "$(dirname "$0")/../.."
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! npm ci --no-audit --no-fund --loglevel=error 2>"$log"; then
  cat "$log" >&2
  if grep -q 'EUSAGE' "$log"; then
    echo "[install] npm ci refused package-lock.json (out of step with package.json, or incomplete)." >&2
    echo "[install] Fix the commit: run 'npm install --package-lock-only' on a machine with registry access and commit the lock file." >&2
  fi
  exit 1
fi
