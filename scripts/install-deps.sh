#!/usr/bin/env bash
# Installs everything pg_dts needs to build, run its demo and run its tests on Debian 12.
# Idempotent: when every package is already installed it does nothing (and needs no network).
set -euo pipefail

PACKAGES=(
  build-essential g++ make pkg-config git clang-format
  postgresql-15 postgresql-server-dev-15 postgresql-client-15 libpq-dev
  freetds-dev freetds-bin
  libboost-program-options-dev libboost-system-dev libboost-dev
  libgtest-dev libgmock-dev
  libsqlite3-dev libssl-dev openssl libtcmalloc-minimal4
  prometheus-cpp-dev libcurl4-openssl-dev postgresql-15-cron curl
  python3 python3-tds python3-openssl python3-pytest
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing packages (${missing[*]}); run as root or install them" >&2
  exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Debian's postgresql-common creates a default cluster; we never use it, and it would hold 5432.
if command -v pg_lsclusters >/dev/null && pg_lsclusters -h 2>/dev/null | grep -q '^15 *main'; then
  pg_ctlcluster 15 main stop 2>/dev/null || true
fi
echo "install-deps: done"
