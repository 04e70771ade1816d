#!/usr/bin/env bash
# Fault injection against checkpoints and outputs (docs/reliability.md):
#  1. SIGKILL at random instants of a run that checkpoints continuously: the
#     checkpoint on disk must always be absent or complete (it is verified by
#     reading it: a --restart with a changed seed is refused *after* the file
#     was read and checked, so "different input" means "intact").
#  2. A full disk (a 1 MiB tmpfs, needs root) and a file-size limit (ulimit -f):
#     the run reports the failure (exit 3), the previous checkpoint stays
#     intact, and no half-written file appears under a final name.
# Usage: tools/reliability/fault_injection.sh [BUILD_DIR] [KILLS]
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="$(cd "${1:-$root/build-rel}" && pwd)"
bin="$build/bin/halide-kmc"
[ -x "$bin" ] || { echo "no $bin" >&2; exit 1; }
kills="${2:-40}"
work="$(mktemp -d /tmp/hkmc_faults.XXXXXX)"
trap 'umount "$work/small" 2>/dev/null; rm -rf "$work"' EXIT
cd "$work"

input() {  # input NAME SUPERCELL STEPS CHECKPOINT_EVERY [DIR]
  local dir="${5:-.}"
  cat > "$1.toml" <<EOT
[lattice]
prototype = "perovskite"
a = 5.87
supercell = [$2, $2, $2]
[composition]
Br = 0.5
I = 0.5
[defects]
vacancies = 40
[kmc]
temperature = 300.0
steps = $3
seed = 7
replicas = 2
[output]
file = "$dir/$1.h5"
summary = "$dir/$1.json"
checkpoint = "$dir/$1.ckpt.h5"
checkpoint_every = $4
EOT
}

verify() {  # prints intact | corrupt:<message> | absent
  [ -e "$1" ] || { echo absent; return; }
  local msg
  msg="$("$bin" run "$2" --quiet --force --restart "$1" --set kmc.seed=999 2>&1)"
  if grep -q "was written for a different input" <<<"$msg"; then echo intact; else echo "corrupt:$msg"; fi
}

echo "== 1. SIGKILL during continuous checkpointing ($kills kills)"
input kill 32 1000000000 20000
intact=0; absent=0; corrupt=0; tmp_left=0
for i in $(seq 1 "$kills"); do
  rm -f kill.ckpt.h5 kill.ckpt.h5.tmp kill.h5 kill.json
  "$bin" run kill.toml --quiet --force >/dev/null 2>&1 &
  pid=$!
  sleep "$(awk -v s=$RANDOM 'BEGIN{srand(s); printf "%.3f", 0.3 + rand() * 1.5}')"
  kill -9 "$pid"; wait "$pid" 2>/dev/null
  [ -e kill.ckpt.h5.tmp ] && tmp_left=$((tmp_left + 1))
  r="$(verify kill.ckpt.h5 kill.toml)"
  case "$r" in intact) intact=$((intact + 1));; absent) absent=$((absent + 1));; *) corrupt=$((corrupt + 1)); echo "  kill $i: $r";; esac
done
size=$(stat -c %s kill.ckpt.h5 2>/dev/null || echo 0)
echo "kills=$kills intact=$intact absent=$absent corrupt=$corrupt (killed mid-write: .tmp left $tmp_left times; checkpoint $size bytes)"

echo "== 2a. full disk: 1 MiB tmpfs"
mkdir -p small
if mount -t tmpfs -o size=1m tmpfs small 2>/dev/null; then
  input full 6 2000000 200000 small
  "$bin" run full.toml --quiet --force >/dev/null 2>&1   # small run: fits (checkpoint ~0.1 MB)
  cp small/full.ckpt.h5 good.ckpt.h5
  head -c $(( $(df --output=avail -B1 small | tail -1) - 20000 )) /dev/zero > small/filler 2>/dev/null
  input full 6 4000000 200000 small   # longer: the restart must write new checkpoints and outputs
  sed -i 's/steps = 4000000/steps = 2000000/' full.toml
  # Continue the finished run's checkpoint (nothing left to do) onto the full disk.
  out="$("$bin" run full.toml --quiet --force --restart small/full.ckpt.h5 2>&1)"; code=$?
  echo "exit $code: $(tail -1 <<<"$out")"
  echo "previous checkpoint: $(verify small/full.ckpt.h5 full.toml); unchanged: $(cmp -s small/full.ckpt.h5 good.ckpt.h5 && echo yes || echo no)"
  ls small
  umount small
else
  echo "skipped (mounting a tmpfs needs root)"
fi

echo "== 2b. file-size limit (ulimit -f 64 KiB) on a run whose checkpoint is larger"
input lim 16 3000000 300000
"$bin" run lim.toml --quiet --force >/dev/null 2>&1 &
pid=$!; for _ in $(seq 200); do [ -e lim.ckpt.h5 ] && break; sleep 0.05; done; kill -INT "$pid"; wait "$pid"
cp lim.ckpt.h5 before.ckpt.h5
echo "checkpoint before: $(stat -c %s lim.ckpt.h5) bytes, $(verify lim.ckpt.h5 lim.toml)"
out="$(ulimit -f 64; "$bin" run lim.toml --quiet --force --restart lim.ckpt.h5 2>&1)"; code=$?
echo "exit $code: $(tail -1 <<<"$out")"
echo "previous checkpoint: $(verify lim.ckpt.h5 lim.toml); unchanged: $(cmp -s lim.ckpt.h5 before.ckpt.h5 && echo yes || echo no)"
echo "files: $(ls lim.* | tr '\n' ' ')"
