#!/usr/bin/env bash
# Installs every Debian 12 package halide-kmc needs to build, test and run its
# python helpers. Idempotent: packages already present are skipped by apt.
set -euo pipefail

packages=(
  build-essential cmake pkg-config git
  libeigen3-dev libtbb-dev libboost-graph-dev libcli11-dev libhdf5-dev libssl-dev
  libtorch-dev doctest-dev libtomlplusplus-dev libfmt-dev librandom123-dev
  nlohmann-json3-dev
  python3-numpy python3-torch python3-ase python3-h5py python3-matplotlib
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
