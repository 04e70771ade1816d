#!/usr/bin/python3
"""Spread of a sweep's results over barrier perturbations.

For a sweep that varies `barriers.perturbation_seed` (docs/input/barriers.md:
every environment key's E_KRA offset by sigma * N(0, 1), one set of offsets
per seed), groups the rows of DIR/sweep.csv by every other varied key and
prints, for each diffusion coefficient column (D_<name>_cm2_s), the mean and
standard deviation over the seeds, their range, the ratio max/min, and the
mean statistical error of one point beside them. Every point of a sweep has
its own KMC seed too, so the spread over seeds holds the statistical scatter
as well; sqrt(sd^2 - error^2) estimates the part the barrier errors cause.

Usage: /usr/bin/python3 tools/analysis/barrier_uncertainty.py DIR [--json]
"""
import argparse
import csv
import json
import math
import os
import statistics
import sys

SEED_KEY = "barriers.perturbation_seed"


def summarize(rows, varied_keys):
    """{group (tuple of (key, value)): {quantity: summary}} over the seeds of each group."""
    others = [k for k in varied_keys if k != SEED_KEY]
    quantities = [c for c in rows[0] if c.startswith("D_") and c.endswith("_cm2_s") and "_err_" not in c]
    groups = {}
    for r in rows:
        groups.setdefault(tuple((k, r[k]) for k in others), []).append(r)
    out = {}
    for group, members in groups.items():
        table = {}
        for q in quantities:
            err_column = q[: -len("_cm2_s")] + "_err_cm2_s"
            values = [float(r[q]) for r in members if r[q] not in ("", "nan")]
            errors = [float(r[err_column]) for r in members if r.get(err_column) not in (None, "", "nan")]
            if not values:
                continue
            table[q] = {
                "seeds": len(values),
                "mean": statistics.fmean(values),
                "sd": statistics.stdev(values) if len(values) > 1 else math.nan,
                "min": min(values),
                "max": max(values),
                "max_over_min": max(values) / min(values) if min(values) > 0 else math.nan,
                "mean_statistical_error": statistics.fmean(errors) if errors else math.nan,
            }
            # Each point also has its own KMC seed, so the sd over seeds holds
            # the statistical scatter too; what is left is the barriers' part.
            s = table[q]
            s["systematic_sd"] = math.sqrt(max(0.0, s["sd"] ** 2 - s["mean_statistical_error"] ** 2))
        out[group] = table
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("sweep_dir")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    a = p.parse_args()
    path = os.path.join(a.sweep_dir, "sweep.csv")
    if not os.path.exists(path):
        sys.exit(f"{path}: no such file (a directory written by `halide-kmc sweep`)")
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    if not rows:
        sys.exit(f"{path}: no finished points")
    with open(os.path.join(a.sweep_dir, "sweep.json")) as f:
        varied = [axis["key"] for axis in json.load(f)["vary"]]
    if SEED_KEY not in varied:
        sys.exit(f"{path}: the sweep does not vary {SEED_KEY} (e.g. --vary {SEED_KEY}=1:8:1 "
                 "--set barriers.perturbation_sigma=0.064)")
    result = summarize(rows, varied)
    if a.json:
        print(json.dumps([{"group": dict(g), "quantities": t} for g, t in result.items()]))
        return
    for group, table in result.items():
        label = ", ".join(f"{k}={v}" for k, v in group) or "all points"
        print(f"{label}:")
        for q, s in table.items():
            print(f"  {q:<22} mean {s['mean']:.3e} sd {s['sd']:.2e} over {s['seeds']} seeds, "
                  f"range [{s['min']:.3e}, {s['max']:.3e}] (x{s['max_over_min']:.2f}); "
                  f"statistical error of one point {s['mean_statistical_error']:.2e}, "
                  f"so from the barriers sd ~ {s['systematic_sd']:.2e}")


if __name__ == "__main__":
    main()
