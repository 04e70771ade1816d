#!/bin/bash
# Parallel efficiency of replicas and sweeps on this machine, and the cost of
# merging shards. Usage: tools/sweep/scaling.sh [BUILD_DIR] (default: build).
# Prints wall times (best of 3) with 1 and 2 threads and the load average,
# because a busy machine makes the 2-thread numbers meaningless.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${1:-$root/build}/bin/halide-kmc
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

best_of_3() {  # prints the smallest wall time (s) of three runs of "$@"
  local best=
  for _ in 1 2 3; do
    local t0 t1
    t0=$(date +%s.%N)
    "$@" > /dev/null 2>&1
    t1=$(date +%s.%N)
    best=$(python3 -c "import sys; a=float('$t1')-float('$t0'); b='$best'; print(min(a, float(b)) if b else a)")
  done
  printf '%.3f' "$best"
}

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for case in replicas sweep; do
  for threads in 1 2; do
    if [ "$case" = replicas ]; then
      # one point, 4 replicas of the demo (16^3 cells, 4e5 events each): replica parallelism
      t=$(best_of_3 "$bin" sweep "$root/inputs/demo.toml" --vary kmc.temperature=300 --replicas 4 \
            --threads "$threads" --force --quiet --out "$tmp/replicas")
    else
      # 4 temperatures x 2 replicas of the mixed-halide input (8^3 cells, 2e5 events each)
      t=$(best_of_3 "$bin" sweep "$root/inputs/sweep_mixed.toml" --vary kmc.temperature=300,350,400,450 \
            --replicas 2 --threads "$threads" --force --quiet --out "$tmp/sweep")
    fi
    echo "$case threads=$threads wall_s=$t"
    eval "t_${case}_$threads=$t"
  done
  python3 -c "t1=$(eval echo \$t_${case}_1); t2=$(eval echo \$t_${case}_2); print(f'$case speed-up {t1/t2:.2f}, efficiency {t1/(2*t2):.2f}')"
done

# Merge: the 20-point example sweep in two shards.
args=(--vary composition.Br=0:1:0.25 --vary kmc.temperature=300,350,400,450 --replicas 4 --quiet)
"$bin" sweep "$root/inputs/sweep_mixed.toml" "${args[@]}" --shard 0/2 --out "$tmp/s0"
"$bin" sweep "$root/inputs/sweep_mixed.toml" "${args[@]}" --shard 1/2 --out "$tmp/s1"
t=$(best_of_3 "$bin" merge "$tmp/s0" "$tmp/s1" --out "$tmp/merged" --force)
echo "merge of 2 shards, 20 points: wall_s=$t (sweep.h5 $(du -k "$tmp/merged/sweep.h5" | cut -f1) kB, points/ $(du -sk "$tmp/merged/points" | cut -f1) kB)"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
