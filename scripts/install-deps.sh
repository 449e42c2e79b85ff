#!/usr/bin/env bash
# Installs the Debian 12 packages fqldb needs to build and test. Does nothing
# when every package is already installed, so `make test` stays fast.
set -euo pipefail
PACKAGES=(
  cmake g++ make pkg-config
  antlr4 libantlr4-runtime-dev
  llvm-14-dev
  libleveldb-dev
  libzmq3-dev cppzmq-dev
  libedit-dev libpcre2-dev libicu-dev
  libgtest-dev libgmock-dev
  libflatbuffers-dev
  python3 python3-zmq
)
missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
