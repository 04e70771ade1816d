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
With DIR/crossings.csv (sweeps that counted plane crossings) the same for
every interface permeability (P_vs_lower, P_vs_upper) of every entity.

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


def spread(values, errors):
    """Mean, sd and range over the seeds, the mean statistical error, and the
    barriers' part of the sd: each point also has its own KMC seed, so the sd
    over seeds holds the statistical scatter too."""
    s = {"seeds": len(values), "mean": statistics.fmean(values),
         "sd": statistics.stdev(values) if len(values) > 1 else math.nan,
         "min": min(values), "max": max(values),
         "max_over_min": max(values) / min(values) if min(values) > 0 else math.nan,
         "mean_statistical_error": statistics.fmean(errors) if errors else math.nan}
    s["systematic_sd"] = math.sqrt(max(0.0, s["sd"] ** 2 - s["mean_statistical_error"] ** 2))
    return s


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
            table[q] = spread(values, errors)
        out[group] = table
    return out


def summarize_permeabilities(rows, varied_keys):
    """{(group, interface, entity, side): summary} over the seeds, interfaces only."""
    others = [k for k in varied_keys if k != SEED_KEY]
    series = {}
    for r in rows:
        if r["plane_kind"] != "interface":
            continue
        for side in ("lower", "upper"):
            value, error = r[f"P_vs_{side}"], r[f"P_vs_{side}_err"]
            if value in ("", "nan"):
                continue
            key = (tuple((k, r[k]) for k in others), r["index"], r["entity"], side)
            series.setdefault(key, ([], []))
            series[key][0].append(float(value))
            if error not in ("", "nan"):
                series[key][1].append(float(error))
    return {key: spread(v, e) for key, (v, e) in series.items()}


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
    crossings_path = os.path.join(a.sweep_dir, "crossings.csv")
    permeabilities = {}
    if os.path.exists(crossings_path):
        with open(crossings_path, newline="") as f:
            permeabilities = summarize_permeabilities(list(csv.DictReader(f)), varied)
    if a.json:
        print(json.dumps({"diffusion": [{"group": dict(g), "quantities": t} for g, t in result.items()],
                          "permeability": [{"group": dict(g), "interface": i, "entity": e, "vs": side, **t}
                                           for (g, i, e, side), t in permeabilities.items()]}))
        return
    for group, table in result.items():
        label = ", ".join(f"{k}={v}" for k, v in group) or "all points"
        print(f"{label}:")
        for q, s in table.items():
            print(f"  {q:<22} mean {s['mean']:.3e} sd {s['sd']:.2e} over {s['seeds']} seeds, "
                  f"range [{s['min']:.3e}, {s['max']:.3e}] (x{s['max_over_min']:.2f}); "
                  f"statistical error of one point {s['mean_statistical_error']:.2e}, "
                  f"so from the barriers sd ~ {s['systematic_sd']:.2e}")
    for (group, interface, entity, side), t in permeabilities.items():
        label = ", ".join(f"{k}={v}" for k, v in group) or "all points"
        print(f"{label}: interface {interface}, {entity}, P vs {side}: mean {t['mean']:.3f} sd {t['sd']:.3f} over "
              f"{t['seeds']} seeds, range [{t['min']:.3f}, {t['max']:.3f}]; statistical error of one point "
              f"{t['mean_statistical_error']:.3f}, so from the barriers sd ~ {t['systematic_sd']:.3f}")


if __name__ == "__main__":
    main()
