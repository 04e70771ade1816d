#!/bin/bash
# Reference-potential CI-NEB paths of mixed I/Br vacancy hops in 3x3x3 cells,
# written as extended XYZ for generate_active_data.py (active-learning round 3
# of the demo NN, inputs/potentials/cspbx3_nn_demo_report.json "recipe").
# Seeds 11-16 (and 11-12 at x_Br = 0.1, 0.9): test_nn_validation's hops
# (seeds 101-103 and the pure 3x3x3 cells) stay held out.
#
#     tools/potentials/generate_reference_paths.sh build/bin/halide-kmc OUT_DIR
set -euo pipefail
exe=$1
out=$2
mkdir -p "$out"
k=0
hop() {  # args: halide-kmc neb options
  local name
  name=$(printf "%s/path%03d" "$out" "$k")
  "$exe" neb "$@" --supercell 3 -o "$name.xyz" > "$name.log" 2>&1
  echo "$k: $* -> $name.xyz"
  k=$((k + 1))
}
for x in 0.25 0.5 0.75; do
  for seed in 11 12 13 14 15 16; do
    for mover in 0,0,0,1 0,-1,0,1; do hop --x-br "$x" --seed "$seed" --mover "$mover"; done
  done
done
for x in 0.1 0.9; do
  for seed in 11 12; do hop --x-br "$x" --seed "$seed"; done
done
