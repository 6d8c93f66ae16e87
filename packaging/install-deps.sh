#!/usr/bin/env bash
# Installs the Debian 12 / Raspberry Pi OS packages Hearth needs, only those missing.
# Usage: packaging/install-deps.sh        (build, test and demo dependencies)
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config ccache
  libpaho-mqttpp-dev libpaho-mqtt-dev libssl-dev libboost1.81-dev libsqlite3-dev sqlite3 nlohmann-json3-dev
  libyaml-cpp-dev libcli11-dev libspdlog-dev libsodium-dev libsystemd-dev libcurl4-openssl-dev
  libgtest-dev libgmock-dev mosquitto mosquitto-clients openssl curl clang-format
  clang  # firmware-interface: hearth_fw.h is also compiled as C99 with clang (hearth_fw_c99_clang)
  chromium nodejs  # dashboard browser tests (tests/browser)
  python3-jsonschema  # firmware-interface: examples and C encoder output against the JSON Schemas
  libpqxx-dev  # hearth-coordinator's PostgreSQL backend (coordinator/postgres_store.cpp; Debian 12 ships 6.4)
  postgresql   # its tests and bench/coordinator --store postgresql start a private cluster (initdb, postgres)
)
# Debian's npm conflicts with NodeSource's nodejs, which bundles its own npm: add it only if absent.
command -v npm >/dev/null 2>&1 || PACKAGES+=(npm)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  SUDO="sudo"
fi
echo "install-deps: installing ${missing[*]}"
$SUDO apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
