#!/usr/bin/env bash
# Installs dependencies, builds halide-kmc in build/ and runs the default
# tests: every ctest label except `validation` (long runs; use
# `tools/test.sh --validation` for those, or `--all` for everything).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

select=(-LE validation)
build_dir=build
cmake_extra=()
for arg in "$@"; do
  case "$arg" in
    --validation) select=(-L validation) ;;
    --all) select=() ;;
    --sanitize) build_dir=build-sanitize; cmake_extra+=(-DHKMC_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo) ;;
    *) echo "usage: tools/test.sh [--validation|--all] [--sanitize]" >&2; exit 1 ;;
  esac
done

bash tools/install-deps.sh
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release "${cmake_extra[@]}"
cmake --build "$build_dir" -j"$(nproc)"
cd "$build_dir"
ctest --output-on-failure "${select[@]}" -j"$(nproc)"
