#!/usr/bin/env bash
# Installs the Debian packages gosgate needs, quickly and silently when they are all present.
set -euo pipefail

packages=(
  libssl-dev openssl libengine-gost-openssl
  libpcsclite-dev pcscd vsmartcard-vpcd opensc pcsc-tools
  libsqlite3-dev sqlite3 libsystemd-dev
  curl python3
)

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "installing: ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
