#!/usr/bin/env bash
# apt-install.sh <command> <debian-package>: installs the package when the command is missing, with
# apt-get as root or through passwordless sudo. Exit 1 with a message when that is not possible.
set -euo pipefail
cmd="$1"; pkg="$2"
command -v "$cmd" >/dev/null 2>&1 && exit 0
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo -n"
echo "[install] $cmd is missing: installing the $pkg package with apt-get"
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$pkg" >/dev/null 2>&1 || {
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null &&
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$pkg" >/dev/null; } || {
  echo "[install] could not install $pkg (needs root or passwordless sudo); install it by hand" >&2; exit 1; }
