#!/usr/bin/env bash
# Installs dependencies, builds halide-kmc in build/ and runs the default
# tests: every ctest label except `validation` (long runs; use
# `tools/test.sh --validation` for those, or `--all` for everything).
#
# --sanitize: AddressSanitizer + UndefinedBehaviorSanitizer build in
# build-sanitize/ (without the libtorch targets) running the unit,
# consistency and statistical tests; any report fails the test.
# --labels REGEX: run only the tests whose labels match (after the others).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

select=(-LE validation)
build_dir=build
cmake_extra=()
sanitize=0
labels=""
while [ $# -gt 0 ]; do
  case "$1" in
    --validation) select=(-L validation) ;;
    --all) select=() ;;
    --sanitize)
      sanitize=1
      build_dir=build-sanitize
      cmake_extra+=(-DHKMC_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHKMC_BUILD_NEB=OFF)
      select=(-L "unit|consistency|statistical") ;;
    --labels) shift; labels="${1:?--labels needs a regular expression}" ;;
    *) echo "usage: tools/test.sh [--validation|--all] [--sanitize] [--labels REGEX]" >&2; exit 1 ;;
  esac
  shift
done
if [ -n "$labels" ]; then select=(-L "$labels"); fi
if [ "$sanitize" = 1 ]; then
  # Stop at the first report, so that ctest sees a failure.
  export ASAN_OPTIONS="halt_on_error=1:detect_leaks=1:abort_on_error=1"
  export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
fi

bash tools/install-deps.sh
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release "${cmake_extra[@]}"
cmake --build "$build_dir" -j"$(nproc)"
cd "$build_dir"
ctest --output-on-failure "${select[@]}" -j"$(nproc)"
