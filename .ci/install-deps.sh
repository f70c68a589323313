#!/usr/bin/env bash
# Installs the Debian packages claims needs to build, test and fuzz. Idempotent.
set -euo pipefail
PKGS="build-essential cmake pkg-config git clang libclang-rt-14-dev libomp-14-dev
      libcsv-dev libpcre2-dev libxlsxwriter-dev libpq-dev libmicrohttpd-dev
      libjansson-dev libssl-dev zlib1g-dev postgresql-15 postgresql-client-15
      python3 python3-openpyxl libreoffice-calc-nogui"
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q --no-install-recommends $missing
fi
