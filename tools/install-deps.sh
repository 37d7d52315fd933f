#!/usr/bin/env bash
# Installs the Debian packages pnsim needs to build and test, when missing.
# Idempotent: prints what it installs, and nothing else when all is there.
set -euo pipefail

packages=(gcc g++ make cmake pkg-config libxml2-dev libgraphviz-dev
          libcmocka-dev libedit-dev)
# For `make tsan`: clang with LLVM's OpenMP runtime.
if [ "${PNSIM_WITH_CLANG:-0}" = 1 ]; then
    packages+=(clang libomp-dev)
fi

missing=()
for package in "${packages[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
    case "$status" in
        *"install ok installed"*) ;;
        *) missing+=("$package") ;;
    esac
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "pnsim: installing missing packages: ${missing[*]}"
sudo=""
if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null; then
        sudo="sudo"
    else
        echo "pnsim: need root (or sudo) to install: ${missing[*]}" >&2
        exit 1
    fi
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
