#!/usr/bin/python3
"""Figures from a halide-kmc run file (HDF5, docs/output.md).

Writes PNGs next to OUT (or into --out DIR):
  <stem>_msd.png       mean-squared displacement per species and defect vs time
  <stem>_profiles.png  concentration of each species per cell layer along the
                       profile axis at several times (runs with [output] profile = true)
  <stem>_slice.png     a 2D slice (x-z plane) of the final halide occupancy

Usage: /usr/bin/python3 tools/plot/plot_run.py OUT.h5 [--out DIR] [--replica N]
Needs Debian's python3-h5py, python3-numpy and python3-matplotlib.
"""
import argparse
import os

import h5py
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

COLOURS = {"I": "tab:purple", "Br": "tab:orange", "Cl": "tab:green", "F": "tab:cyan", "empty": "white"}


def names_of(f):
    return [n.decode() for n in f["lattice/species_names"][:]]


def plot_msd(f, replica, path):
    ts = f[f"replicas/{replica}/timeseries"]
    t = ts["time_s"][:]
    msd = ts["msd_species_A2"][:]
    names = names_of(f)
    fig, ax = plt.subplots(figsize=(5, 4))
    for code, name in enumerate(names):
        if code == 0 or not np.any(msd[:, code]):
            continue
        ax.plot(t, msd[:, code], label=name, color=COLOURS.get(name))
    for k, label in enumerate(["vacancy", "interstitial"]):
        if np.any(ts["msd_defect_A2"][:, k]):
            ax.plot(t, ts["msd_defect_A2"][:, k], "--", label=label)
    ax.set_xlabel("time (s)")
    ax.set_ylabel("MSD (Å²)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def plot_profiles(f, replica, path):
    ts = f[f"replicas/{replica}/timeseries"]
    if "profile_counts" not in ts:
        return False
    counts = ts["profile_counts"][:]  # samples x layers x codes
    t = ts["time_s"][:]
    names = names_of(f)
    ions = counts[:, :, 1:].sum(axis=2)
    picks = sorted(set([0, len(t) // 4, len(t) // 2, len(t) - 1]))
    fig, ax = plt.subplots(figsize=(6, 4))
    for code, name in enumerate(names):
        if code == 0 or not counts[:, :, code].any():
            continue
        for j, s in enumerate(picks):
            frac = np.divide(counts[s, :, code], ions[s], out=np.zeros_like(ions[s], dtype=float), where=ions[s] > 0)
            ax.plot(np.arange(len(frac)), frac, color=COLOURS.get(name), alpha=0.3 + 0.7 * j / max(1, len(picks) - 1),
                    label=f"{name}, t = {t[s]:.2e} s")
    ax.set_xlabel("cell layer along the profile axis")
    ax.set_ylabel("fraction of the ions in the layer")
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return True


def plot_slice(f, replica, path):
    occ = f[f"replicas/{replica}/final/occupancy"][:]
    pos = f["lattice/site_positions_A"][:]
    interstitial = f["lattice/site_is_interstitial"][:].astype(bool)
    names = names_of(f)
    y = pos[:, 1]
    y0 = np.min(y[~interstitial])
    sel = (~interstitial) & (np.abs(y - y0) < 1e-3)  # the lowest X plane normal to y: shows x and z
    fig, ax = plt.subplots(figsize=(4, 7))
    for code, name in enumerate(names):
        m = sel & (occ == code)
        if m.any():
            ax.scatter(pos[m, 0], pos[m, 2], s=8, color=COLOURS.get(name, "k"), edgecolors="k", linewidths=0.2,
                       label="vacancy" if code == 0 else name)
    ax.set_aspect("equal")
    ax.set_xlabel("x (Å)")
    ax.set_ylabel("z (Å)")
    ax.set_title(f"final occupancy, plane y = {y0:.2f} Å")
    ax.legend(fontsize=7, loc="upper right")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("run", help="HDF5 output of halide-kmc run")
    p.add_argument("--out", help="directory for the PNGs (default: next to the run file)")
    p.add_argument("--replica", type=int, default=0)
    a = p.parse_args()
    out = a.out or os.path.dirname(os.path.abspath(a.run))
    os.makedirs(out, exist_ok=True)
    stem = os.path.splitext(os.path.basename(a.run))[0]
    replica = f"{a.replica:04d}"
    with h5py.File(a.run, "r") as f:
        written = [os.path.join(out, f"{stem}_msd.png")]
        plot_msd(f, replica, written[0])
        prof = os.path.join(out, f"{stem}_profiles.png")
        if plot_profiles(f, replica, prof):
            written.append(prof)
        written.append(os.path.join(out, f"{stem}_slice.png"))
        plot_slice(f, replica, written[-1])
    for w in written:
        print(w)


if __name__ == "__main__":
    main()
