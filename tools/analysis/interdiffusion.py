#!/usr/bin/python3
"""Interdiffusion coefficient of a layered run (heterojunction) from its
concentration profiles (HDF5 written with [output] profile = true).

For each interface of the periodic bilayer the script takes the profile of
one species (fraction of the ions per cell layer, averaged over replicas) at
a chosen sample and
  * fits the solution of Fick's law for constant D on the periodic box,
    c(z,t) = sum_m 1/2 [erf((b + mL - z)/(2 sqrt(D t))) - erf((a + mL - z)/(2 sqrt(D t)))],
    with [a, b) the species' slab at the first sample: D_erf (one parameter);
  * applies the Boltzmann-Matano construction at c = 1/2:
    D(c*) = -1/(2t) * (dz/dc)|c* * integral_{c_a}^{c*} (z - z_M) dc,
    with the Matano plane z_M from equal areas: D_BM.
Lengths from the cell layers (layer thickness = |box along the axis| / n).
Boltzmann-Matano is flagged unresolved (matano_resolved = false, and a
warning) when 2 sqrt(D_erf t) is less than three layers or the fitted profile
at the slab centres is more than 0.01 from the end compositions (the
construction assumes a diffusion couple whose ends are untouched).
Errors (D_erf_err_cm2_s, D_BM_err_cm2_s): jackknife over the replicas (each
estimate repeated on the profile averaged without one replica); none with a
single replica.

Usage: /usr/bin/python3 tools/analysis/interdiffusion.py RUN.h5 [--species I] [--sample -1] [--json]
"""
import argparse
import json
import math

import h5py
import numpy as np


def boltzmann_matano(z, c, t):
    """D at c = 1/2 of the normalised profile (c from 0 to 1 along z)."""
    # Matano plane: integral (c - 0) dz over z < zM equals integral (1 - c) dz over z > zM.
    fine = np.linspace(z[0], z[-1], 2001)
    cf = np.interp(fine, z, c)
    dz = fine[1] - fine[0]
    left = np.cumsum(cf) * dz
    right = np.cumsum((1 - cf)[::-1])[::-1] * dz
    z_m = fine[np.argmin(np.abs(left - right))]
    i = np.argmin(np.abs(cf - 0.5))
    # integral_{0}^{1/2} (z - z_M) dc over the part of the profile below c = 1/2.
    integral = np.sum((fine[: i + 1] - z_m) * np.gradient(cf[: i + 1], fine[: i + 1]) * dz)
    slope = np.gradient(cf, fine)[i]
    if slope <= 0:
        return float("nan")
    return -integral / (2 * t * slope)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("run")
    p.add_argument("--species", default="I")
    p.add_argument("--sample", type=int, default=-1)
    p.add_argument("--json", action="store_true", help="print one JSON object")
    a = p.parse_args()
    with h5py.File(a.run, "r") as f:
        names = [n.decode() for n in f["lattice/species_names"][:]]
        code = names.index(a.species)
        box = f["lattice/box_A"][:]
        profiles, times = [], []
        for r in f["replicas"]:
            ts = f[f"replicas/{r}/timeseries"]
            if "profile_counts" not in ts:
                raise SystemExit(f"{a.run}: no profile_counts (run with [output] profile = true)")
            counts = ts["profile_counts"][a.sample]
            profiles.append(counts[:, code] / counts[:, 1:].sum(axis=1))
            times.append(ts["time_s"][a.sample])
        layers = len(profiles[0])
    lengths = np.linalg.norm(box, axis=1)
    c = np.mean(profiles, axis=0)
    t = float(np.mean(times))
    # The profile axis: the box vector with `layers` cells (the last if several).
    with h5py.File(a.run, "r") as f:
        supercell = f["lattice/supercell"][:]
    axis = int(np.where(supercell == layers)[0][-1])
    dz = lengths[axis] / layers
    z_all = (np.arange(layers) + 0.5) * dz
    # The initial slab of the species: layers where it was in the majority.
    with h5py.File(a.run, "r") as f:
        first = [f[f"replicas/{r}/timeseries/profile_counts"][0] for r in f["replicas"]]
    c0 = np.mean([p0[:, code] / p0[:, 1:].sum(axis=1) for p0 in first], axis=0)
    inside = c0 > 0.5
    if inside.all() or not inside.any():
        raise SystemExit("the species fills no slab at the first sample: not a layered run")
    # Start of the slab: a layer inside whose predecessor (periodically) is outside.
    start = next(k for k in range(layers) if inside[k] and not inside[k - 1])
    width = int(inside.sum())
    length = layers * dz
    lo_edge = start * dz
    hi_edge = lo_edge + width * dz

    def periodic(d_t):
        w = 2 * math.sqrt(d_t)
        out = np.zeros(layers)
        for m in range(-3, 4):
            out += 0.5 * (np.vectorize(math.erf)((hi_edge + m * length - z_all) / w) -
                          np.vectorize(math.erf)((lo_edge + m * length - z_all) / w))
        return out

    def fit_d_t(c):
        grid = np.geomspace(1e-2, length**2, 400)
        resid = [np.sum((periodic(g) - c) ** 2) for g in grid]
        k = int(np.argmin(resid))
        fine = np.geomspace(grid[max(0, k - 1)], grid[min(len(grid) - 1, k + 1)], 200)
        return fine[int(np.argmin([np.sum((periodic(g) - c) ** 2) for g in fine]))]

    # Boltzmann-Matano at each interface: the half-profile between the slab
    # centres, c clipped to [0, 1], rising along z.
    centre_in = (start + width // 2) % layers
    centre_out = (start + width + (layers - width) // 2) % layers

    def matano(c, t):
        out = []
        for a_idx, b_idx in ((centre_out, centre_in), (centre_in, centre_out)):
            idx = [(a_idx + k) % layers for k in range((b_idx - a_idx) % layers + 1)]
            seg = np.clip(c[idx], 0.0, 1.0)
            if seg[0] > seg[-1]:
                seg = 1.0 - seg  # make it rise: the other species' view of the same interface
            out.append(boltzmann_matano(dz * np.arange(len(idx)), seg, t) * 1e-16)
        return out

    def estimates(c, t):  # D_erf, D_BM per interface (cm2/s)
        return [fit_d_t(c) / t * 1e-16] + matano(c, t)

    full = estimates(c, t)
    n = len(profiles)
    errors = [None] * len(full)
    if n > 1:
        # Jackknife: var = (n-1)/n * sum_i (theta_(i) - mean)^2 over leave-one-out estimates.
        def without(values, i):
            return np.mean([values[j] for j in range(n) if j != i], axis=0)

        loo = np.array([estimates(without(profiles, i), float(without(times, i))) for i in range(n)])
        errors = [float(math.sqrt((n - 1) / n * np.sum((col - col.mean()) ** 2))) for col in loo.T]
    results = [{"D_BM_cm2_s": full[1 + k], "D_BM_err_cm2_s": errors[1 + k]} for k in range(2)]
    out = {"species": a.species, "time_s": t, "replicas": n, "interfaces": results,
           "D_erf_cm2_s": full[0], "D_erf_err_cm2_s": errors[0],
           "D_BM_cm2_s": float(np.nanmean([r["D_BM_cm2_s"] for r in results]))}

    # Boltzmann-Matano differentiates the profile and integrates it from an
    # end composition: it needs the interface spread over several layers (a
    # narrower one is a step between two layers) and the slab centres still
    # at the end compositions (on the fitted profile; where the two
    # interfaces of the periodic box overlap the integral loses its tails).
    spread_A = 2 * math.sqrt(full[0] * 1e16 * t)
    fitted = periodic(full[0] * 1e16 * t)
    out["profile_spread_A"] = spread_A
    out["matano_resolved"] = bool(spread_A >= 3 * dz and fitted[centre_in] > 0.99 and fitted[centre_out] < 0.01)

    def pm(value, error):
        return f"{value:.4e} cm2/s" + (f" +- {error:.1e}" if error is not None else " (one replica: no error)")

    if a.json:
        print(json.dumps(out))
    else:
        print(f"{a.run}: species {a.species}, t = {t:.4e} s, {n} replica(s); errors: jackknife over replicas")
        print(f"  D_erf (periodic Fick solution, both interfaces) = {pm(out['D_erf_cm2_s'], out['D_erf_err_cm2_s'])}")
        for k, r in enumerate(results):
            print(f"  interface {k}: D_BM(c=1/2) = {pm(r['D_BM_cm2_s'], r['D_BM_err_cm2_s'])}")
        if not out["matano_resolved"]:
            print(f"  warning: Boltzmann-Matano not resolved (interface spread 2 sqrt(D_erf t) = {spread_A:.1f} A; "
                  f"it needs at least three layers, {3 * dz:.1f} A, and slab centres still within 0.01 of the end "
                  f"compositions, fitted {fitted[centre_in]:.3f} and {fitted[centre_out]:.3f}): use D_erf, or "
                  f"another sample or box")


if __name__ == "__main__":
    main()
