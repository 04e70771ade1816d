#!/usr/bin/python3
"""Figures of a halide-kmc sweep directory (sweep.csv, arrhenius.csv, sweep.json).

    /usr/bin/python3 tools/plot/plot_sweep.py SWEEP_DIR [--x KEY] [--out DIR]

Writes into --out (default: SWEEP_DIR):
  D_vs_<key>.png   tracer D of every species (and the defect D) against the
                   varied key --x (default: the first varied key that is not
                   kmc.temperature), one line per value of the other varied
                   keys, with the error bars of sweep.csv (standard errors
                   over replicas); points flagged by the convergence check
                   are drawn as open markers;
  arrhenius.png    D against 1000/T on a log axis with error bars, and the
                   weighted least-squares fits of arrhenius.csv,
                   D0 exp(-E_a / k_B T), labelled with E_a ± its error;
  permeability_vs_<key>.png  (sweeps that counted plane crossings:
                   crossings.csv) the interface permeabilities P of every
                   entity against --x, one panel per interface, P against
                   the layer below (filled) and above (open), ± jackknife.
Needs matplotlib and numpy only.
"""
import argparse
import csv
import json
import math
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

K_B = 8.617333262e-5  # eV/K, CODATA 2018
TEMPERATURE_KEY = "kmc.temperature"


def read_csv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def number(text):
    try:
        return float(text)
    except (TypeError, ValueError):
        return math.nan


def quantities(rows):
    """Species and defect names with a D column, in column order."""
    if not rows:
        return []
    names = []
    for col in rows[0]:
        if col.startswith("D_") and col.endswith("_cm2_s") and not col.endswith("_err_cm2_s"):
            names.append(col[2:-6])
    return names


def label_of(params):
    return ", ".join(f"{k.split('.')[-1]}={v}" for k, v in params) if params else ""


def plot_d_vs_x(rows, keys, x_key, out):
    others = [k for k in keys if k != x_key]
    groups = {}
    for r in rows:
        groups.setdefault(tuple((k, r[k]) for k in others), []).append(r)
    fig, ax = plt.subplots(figsize=(8.6, 4.4))
    markers = "osD^v<>ph"
    for qi, q in enumerate(quantities(rows)):
        for gi, (g, members) in enumerate(groups.items()):
            pts = sorted((number(r[x_key]), number(r[f"D_{q}_cm2_s"]), number(r[f"D_{q}_err_cm2_s"]),
                          r["converged"]) for r in members)
            pts = [p for p in pts if math.isfinite(p[0]) and math.isfinite(p[1]) and p[1] > 0]
            if not pts:
                continue
            x, y, e, conv = zip(*pts)
            e = [v if math.isfinite(v) else 0.0 for v in e]
            name = q if q in ("vacancy", "interstitial") else f"D*({q})"
            label = f"{name} {label_of(g)}".strip()
            line = ax.errorbar(x, y, yerr=e, marker=markers[qi % len(markers)], capsize=3, label=label,
                               linestyle="-" if q not in ("vacancy", "interstitial") else "--")
            flagged = [(xi, yi) for xi, yi, c in zip(x, y, conv) if c == "0"]
            if flagged:
                fx, fy = zip(*flagged)
                ax.plot(fx, fy, linestyle="none", marker="o", markersize=11, markerfacecolor="none",
                        markeredgecolor=line[0].get_color())
    ax.set_yscale("log")
    ax.set_xlabel(x_key)
    ax.set_ylabel("D (cm²/s)")
    ax.set_title("open circles: convergence check flagged", fontsize=8)
    ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5))
    fig.tight_layout()
    path = os.path.join(out, f"D_vs_{x_key.split('.')[-1]}.png")
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def plot_permeability(rows, keys, x_key, out):
    others = [k for k in keys if k != x_key]
    interfaces = sorted({r["index"] for r in rows}, key=number)
    fig, axes = plt.subplots(1, len(interfaces), figsize=(4.8 * len(interfaces), 4.0), squeeze=False)
    for ax, interface in zip(axes[0], interfaces):
        members = [r for r in rows if r["index"] == interface]
        series = {}
        for r in members:
            series.setdefault((r["entity"], tuple((k, r[k]) for k in others)), []).append(r)
        for si, ((entity, group), rs) in enumerate(series.items()):
            color = f"C{si % 10}"
            for side, filled in (("lower", True), ("upper", False)):
                pts = sorted((number(r[x_key]), number(r[f"P_vs_{side}"]), number(r[f"P_vs_{side}_err"])) for r in rs)
                pts = [p for p in pts if math.isfinite(p[0]) and math.isfinite(p[1])]
                if not pts:
                    continue
                x, y, e = zip(*pts)
                e = [v if math.isfinite(v) else 0.0 for v in e]
                ax.errorbar(x, y, yerr=e, marker="o", capsize=3, color=color,
                            markerfacecolor=color if filled else "none", linestyle="-" if filled else "--",
                            label=f"{entity} vs {side} {label_of(group)}".strip())
        ax.axhline(1.0, color="0.6", linewidth=0.8)
        layers = f"layers {members[0]['lower_layer'].split('.')[0]}|{members[0]['upper_layer'].split('.')[0]}"
        ax.set_title(f"interface {interface.split('.')[0]} ({layers})", fontsize=9)
        ax.set_xlabel(x_key)
        ax.set_ylabel("permeability P")
        ax.legend(fontsize=7)
    fig.tight_layout()
    path = os.path.join(out, f"permeability_vs_{x_key.split('.')[-1]}.png")
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def plot_arrhenius(rows, fits, keys, out):
    group_keys = [k for k in keys if k != TEMPERATURE_KEY]
    fig, ax = plt.subplots(figsize=(8.6, 4.4))
    for fi, fit in enumerate(fits):
        q = fit["quantity"]
        name = q[len("tracer_"):] if q.startswith("tracer_") else q
        members = [r for r in rows if all(r[k] == fit[k] for k in group_keys)]
        pts = sorted((number(r["temperature_K"]), number(r[f"D_{name}_cm2_s"]), number(r[f"D_{name}_err_cm2_s"]))
                     for r in members)
        pts = [p for p in pts if p[1] > 0]
        if not pts:
            continue
        t, d, e = (np.array(v) for v in zip(*pts))
        e = np.where(np.isfinite(e), e, 0.0)
        ea, ea_err, d0 = number(fit["Ea_eV"]), number(fit["Ea_err_eV"]), number(fit["D0_cm2_s"])
        shown = ("D*(" + name + ")") if q.startswith("tracer_") else name
        label = f"{shown} {label_of([(k, fit[k]) for k in group_keys])}: Ea = {ea:.3f} ± {ea_err:.3f} eV"
        line = ax.errorbar(1000 / t, d, yerr=e, linestyle="none", marker="os^Dv"[fi % 5], capsize=3, label=label)
        if math.isfinite(ea) and math.isfinite(d0):
            tt = np.linspace(t.min(), t.max(), 50)
            ax.plot(1000 / tt, d0 * np.exp(-ea / (K_B * tt)), color=line[0].get_color(), linewidth=1)
    ax.set_yscale("log")
    ax.set_xlabel("1000 / T (1/K)")
    ax.set_ylabel("D (cm²/s)")
    ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5))
    fig.tight_layout()
    path = os.path.join(out, "arrhenius.png")
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sweep_dir")
    parser.add_argument("--x", help="varied key for the D plot (default: first non-temperature key)")
    parser.add_argument("--out", help="directory for the PNGs (default: the sweep directory)")
    args = parser.parse_args(argv)
    out = args.out or args.sweep_dir
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(args.sweep_dir, "sweep.json")) as f:
        keys = [a["key"] for a in json.load(f)["vary"]]
    rows = read_csv(os.path.join(args.sweep_dir, "sweep.csv"))
    fits = read_csv(os.path.join(args.sweep_dir, "arrhenius.csv"))
    if not rows:
        sys.exit(f"{args.sweep_dir}: sweep.csv has no finished points")
    x_key = args.x or next((k for k in keys if k != TEMPERATURE_KEY), keys[0])
    if x_key not in keys:
        sys.exit(f"--x {x_key}: not a varied key of this sweep ({', '.join(keys)})")
    written = [plot_d_vs_x(rows, keys, x_key, out)]
    if fits:
        written.append(plot_arrhenius(rows, fits, keys, out))
    crossings_path = os.path.join(args.sweep_dir, "crossings.csv")
    if os.path.exists(crossings_path):
        crossings = [r for r in read_csv(crossings_path) if r["plane_kind"] == "interface"]
        if crossings:
            written.append(plot_permeability(crossings, keys, x_key, out))
    for w in written:
        print(w)


if __name__ == "__main__":
    main()
