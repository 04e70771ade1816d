#!/usr/bin/env bash
# Engine throughput benchmarks (one core). Prints one line per run:
#   hops/s, ns per hop, engine memory per site, for
#   - inputs/bench/fcc_vacancy_walk.toml (SPPARKS-style fcc vacancy walk, 256,000 sites)
#   - inputs/bench/perovskite_64.toml, and the same at 16^3, 32^3, 64^3, 128^3 cells
# Usage: tools/bench/run_benchmarks.sh [build-dir]   (default: build)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
bench="${1:-$root/build}/bin/hkmc-bench"
[ -x "$bench" ] || { echo "build hkmc-bench first: cmake --build build --target hkmc-bench" >&2; exit 1; }
hops=5000000
"$bench" "$root/inputs/bench/fcc_vacancy_walk.toml" "$hops"
for n in 16 32 64 128; do
  "$bench" "$root/inputs/bench/perovskite_64.toml" "$hops" --set "lattice.supercell=[$n,$n,$n]"
done
