#!/usr/bin/env bash
# Installs dependencies exactly as package-lock.json pins them. Some npm 11 releases refuse `npm ci`
# when the lock file leaves out optional packages for other platforms; `npm install` then installs
# from the same lock file without changing it.
set -euo pipefail
cd "$(dirname "$0")/../.."
if ! npm ci --no-audit --no-fund --loglevel=error 2>/tmp/npm-ci.$$.log; then
  if grep -q 'EUSAGE' /tmp/npm-ci.$$.log; then
    echo "[install] npm ci refused the lock file; installing from it with npm install"
    npm install --no-audit --no-fund --loglevel=error
  else
    cat /tmp/npm-ci.$$.log >&2; rm -f /tmp/npm-ci.$$.log; exit 1
  fi
fi
rm -f /tmp/npm-ci.$$.log
