#!/usr/bin/env bash
# Installs dependencies, builds halide-kmc in build/ and runs the shipped demo
# (inputs/demo.toml: bromide-vacancy diffusion in CsPbBr3), then prints the
# JSON summary. Outputs go to build/demo/.
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
