#!/usr/bin/env bash
# Installs the Debian packages pnsim needs to build and test, when missing.
# Idempotent: prints what it installs, and nothing else when all is there.
set -euo pipefail

packages=(gcc g++ make cmake pkg-config libxml2-dev libgraphviz-dev
          libcmocka-dev libedit-dev)
# `make test` also runs `make tsan` (ThreadSanitizer over the parallel
# explorer: clang, its sanitizer runtimes in libclang-rt-14-dev, and LLVM's
# OpenMP runtime with its Archer tool, in libomp-dev) and `make lint`
# (clang-tidy, cppcheck).  `make fuzz` uses the same clang and runtimes.
packages+=(clang libclang-rt-14-dev libomp-dev clang-tidy cppcheck)
# Some shell tests read pnsim's JSON with Python; any python3 will do.
command -v python3 >/dev/null || packages+=(python3)

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
