#!/usr/bin/python3
"""Figures from a halide-kmc run file (HDF5, docs/output.md).

Writes PNGs next to OUT (or into --out DIR):
  <stem>_msd.png       mean-squared displacement per species and defect vs time
  <stem>_profiles.png  concentration of each species per cell layer along the
                       profile axis at several times (runs with [output] profile = true)
  <stem>_slice.png     a 2D slice (x-z plane) of the final halide occupancy
  <stem>_sro.png       Warren-Cowley alpha_k(i, j) of unlike pairs per shell vs time (log time axis)
  <stem>_length.png    L(t) = 2 pi/<k> from S(k) on log-log axes, with a power-law fit L ~ t^n
  <stem>_sk.png        the spherically averaged S(k) of one halide at several times
(the last three for runs with [output] sro_shells / structure_factor; means over replicas)
  <stem>_crossings.png total crossing rate of every plane normal to the crossing axis,
                       per species and vacancy, ± replica error; interfaces dashed
                       (runs with [output] crossings = true)

Usage: /usr/bin/python3 tools/plot/plot_run.py OUT.h5 [--out DIR] [--replica N] [--fit T0 T1]
--fit: time window (s) of the power-law fit of L(t); default: the last decade of the run.
Needs Debian's python3-h5py, python3-numpy and python3-matplotlib.
"""
import argparse
import os
import warnings

import h5py
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

COLOURS = {"I": "tab:purple", "Br": "tab:orange", "Cl": "tab:green", "F": "tab:cyan", "empty": "white"}


def save(fig, path):
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def finish(fig, ax, path, xlabel, ylabel):
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend(fontsize=7)
    save(fig, path)


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
    save(fig, path)


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
    finish(fig, ax, path, "cell layer along the profile axis", "fraction of the ions in the layer")
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
    save(fig, path)


def replica_mean(f, dataset):
    """Mean over replicas of a timeseries dataset (samples x ...), cut to the shortest replica."""
    series = [f[f"replicas/{r}/timeseries/{dataset}"][:] for r in f["replicas"]]
    n = min(len(x) for x in series)
    stacked = np.stack([x[:n] for x in series]).astype(float)
    with warnings.catch_warnings():  # α of absent species is NaN in every replica
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmean(stacked, axis=0), stacked


def sample_times(f):
    t, _ = replica_mean(f, "time_s")
    return t


def ion_codes(f):
    names = names_of(f)
    species = f["observables/species"]
    present = [c for c in range(1, len(names)) if names[c] in species and species[names[c]].attrs["ions"] > 0]
    return names, present


def plot_sro(f, path):
    if "sro_alpha" not in next(iter(f["replicas"].values()))["timeseries"]:
        return False
    t = sample_times(f)
    alpha, _ = replica_mean(f, "sro_alpha")  # samples x shells x codes x codes
    names, ions = ion_codes(f)
    dist = f["segregation/sro_shell_distance_A"][:]
    fig, ax = plt.subplots(figsize=(5, 4))
    late = t > 0
    for k in range(alpha.shape[1]):
        for a in range(len(ions)):
            for b in range(a + 1, len(ions)):
                i, j = ions[a], ions[b]
                ax.plot(t[late], alpha[late, k, i, j], marker="o", ms=2,
                        label=f"shell {k + 1} ({dist[k]:.2f} Å), {names[i]}-{names[j]}")
    ax.axhline(0, color="k", lw=0.5)
    ax.set_xscale("log")
    finish(fig, ax, path, "time (s)", "Warren-Cowley α")
    return True


def power_law_fit(t, length, window):
    """Least-squares fit of log L = log A + n log t over the window; returns n, its standard error, A, window."""
    t0, t1 = window if window else (t[-1] / 10, t[-1])
    m = (t >= t0) & (t <= t1) & np.isfinite(length) & (length > 0)
    if m.sum() < 3:
        return None
    x, y = np.log(t[m]), np.log(length[m])
    coef, cov = np.polyfit(x, y, 1, cov=True)
    return coef[0], np.sqrt(cov[0, 0]), np.exp(coef[1]), (t0, t1)


def plot_length(f, path, window):
    if "length_A" not in next(iter(f["replicas"].values()))["timeseries"]:
        return False
    t = sample_times(f)
    length, each = replica_mean(f, "length_A")  # samples x codes
    names, ions = ion_codes(f)
    code = ions[-1]
    late = t > 0
    fig, ax = plt.subplots(figsize=(5, 4))
    for r in range(each.shape[0]):
        ax.plot(t[late], each[r, late, code], color="0.7", lw=0.7)
    ax.plot(t[late], length[late, code], "o", ms=3, color=COLOURS.get(names[code], "k"),
            label=f"L of {names[code]}, mean of {each.shape[0]} replicas")
    fit = power_law_fit(t, length[:, code], window)
    if fit:
        n, dn, amp, (t0, t1) = fit
        tt = np.geomspace(t0, t1, 20)
        ax.plot(tt, amp * tt**n, "k-", label=f"fit {t0:.3g}-{t1:.3g} s: n = {n:.3f} ± {dn:.3f}")
        ax.plot(tt, amp * t0 ** (n - 1 / 3) * tt ** (1 / 3), "k:", label="t^(1/3) (Lifshitz-Slyozov)")
        print(f"L(t) ~ t^n over {t0:.4g}-{t1:.4g} s: n = {n:.4f} +- {dn:.4f}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    finish(fig, ax, path, "time (s)", "L = 2π/<k> (Å)")
    return True


def plot_structure_factor(f, path):
    if "structure_factor" not in next(iter(f["replicas"].values()))["timeseries"]:
        return False
    t = sample_times(f)
    sk, _ = replica_mean(f, "structure_factor")  # samples x codes x shells
    k = f["segregation/structure_factor_k_inv_A"][:]
    names, ions = ion_codes(f)
    code = ions[-1]
    picks = sorted(set(np.unique(np.geomspace(1, len(t) - 1, 5).astype(int)).tolist() + [0]))
    fig, ax = plt.subplots(figsize=(5, 4))
    for j, s in enumerate(picks):
        ax.plot(k, sk[s, code], marker="o", ms=3, color=plt.cm.viridis(j / max(1, len(picks) - 1)),
                label=f"t = {t[s]:.3g} s")
    ax.set_yscale("log")
    finish(fig, ax, path, "k (1/Å)", f"S(k) of {names[code]}")
    return True


def plot_crossings(f, path):
    if "observables/crossings" not in f:
        return False
    c = f["observables/crossings"]
    entities = [n.decode() for n in c["entities"][:]]
    z = f["crossings/plane_position_A"][:]
    rate, err = c["plane_total_per_cm2_s"][:], c["plane_total_per_cm2_s_err"][:]
    fig, ax = plt.subplots(figsize=(6.5, 3.8))
    for e, name in enumerate(entities):
        ax.errorbar(z, rate[:, e], yerr=err[:, e], marker=".", lw=1, capsize=2, label=name,
                    color=COLOURS.get(name, "black" if name == "vacancy" else None))
    for k, plane in enumerate(f["crossings"].get("interface_planes", [])):
        ax.axvline(z[plane], color="grey", ls="--", lw=0.8, label="interface" if k == 0 else None)
    axis = "xyz"[int(f["crossings"].attrs["axis"])]
    finish(fig, ax, path, f"plane position {axis} (Å)", "crossings (cm⁻² s⁻¹)")
    return True


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("run", help="HDF5 output of halide-kmc run")
    p.add_argument("--out", help="directory for the PNGs (default: next to the run file)")
    p.add_argument("--replica", type=int, default=0)
    p.add_argument("--fit", type=float, nargs=2, metavar=("T0", "T1"), help="time window (s) of the L(t) fit")
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
        for name, draw in (("sro", plot_sro), ("length", lambda f, p: plot_length(f, p, a.fit)),
                           ("sk", plot_structure_factor), ("crossings", plot_crossings)):
            path = os.path.join(out, f"{stem}_{name}.png")
            if draw(f, path):
                written.append(path)
    for w in written:
        print(w)


if __name__ == "__main__":
    main()
