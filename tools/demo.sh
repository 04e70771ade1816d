#!/usr/bin/env bash
# Installs dependencies, builds halide-kmc in build/ and runs the shipped demos,
# printing their JSON summaries. Outputs go to build/demo/.
#  1. inputs/demo.toml: bromide-vacancy diffusion in CsPbBr3 (checked against
#     the exact random walk);
#  2. inputs/mixed_neb_nn.toml: mixed CsPb(I0.5Br0.5)3 with hop barriers from
#     CI-NEB on the shipped demo NN potential, every one read from the shipped
#     cache (compute_missing = false: nothing may be missing), ΔE from the
#     lattice Hamiltonian fitted to the same NN (docs/barrier_cache.md);
#  3. inputs/split_reference.toml: split-pair bromide interstitials in CsPbBr3
#     with CI-NEB barriers (reference potential) from the shipped cache.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

bash tools/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release
cmake --build build -j"$(nproc)" --target halide-kmc

mkdir -p build/demo
cd build/demo
../bin/halide-kmc run "$root/inputs/demo.toml" --force
echo
echo "== JSON summary (build/demo/demo.json) =="
cat demo.json
echo
if ../bin/halide-kmc barriers --help 2>/dev/null | grep -q precompute; then
  echo "== Mixed CsPb(I,Br)3, NN-NEB barriers from inputs/cache/ (inputs/mixed_neb_nn.toml) =="
  ../bin/halide-kmc run "$root/inputs/mixed_neb_nn.toml" --force
  echo
  echo "== JSON summary (build/demo/mixed_neb_nn.json) =="
  cat mixed_neb_nn.json
  echo
  echo "== Split-pair interstitials in CsPbBr3, NEB barriers from inputs/cache/ (inputs/split_reference.toml) =="
  ../bin/halide-kmc run "$root/inputs/split_reference.toml" --force
else
  echo "(this build has no NEB module (libtorch): the NEB-barrier demo is skipped)"
fi
