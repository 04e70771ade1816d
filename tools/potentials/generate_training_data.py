#!/usr/bin/python3
"""Training data for the demo NN: configurations of cubic CsPb(I,Br)3 labelled
with the reference Buckingham–Coulomb potential (TorchScript twin of the C++
reference). Thermal rattles, strained cells, vacancies, vacancy hops along an
octahedron edge (NEB-like images, with the outward bulge of the real path),
interstitials, I/Br mixtures. Written with torch.save to OUT (not shipped).

    nice /usr/bin/python3 tools/potentials/generate_training_data.py build-neb/nn/data.pt
"""
import sys

import numpy as np
import torch
from ase import Atoms

import hkmc_models as hm

torch.set_default_dtype(torch.float64)


def perovskite(a, n, x_species):
    """Cubic ABX3 n×n×n in the same atom order as PerovskiteCell.cpp."""
    symbols, frac = [], []
    k = 0
    for i in range(n):
        for j in range(n):
            for l in range(n):
                o = np.array([i, j, l], float)
                symbols += ["Cs", "Pb"]
                frac += [o + 0.5, o.copy()]
                for ax in range(3):
                    d = np.zeros(3)
                    d[ax] = 0.5
                    symbols.append(x_species[k])
                    frac.append(o + d)
                    k += 1
    return Atoms(symbols, positions=np.array(frac) * a, cell=np.eye(3) * a * n, pbc=True)


def x_indices(atoms):
    return [i for i, s in enumerate(atoms.get_chemical_symbols()) if s in ("I", "Br")]


def hop_config(rng, atoms, a, t, bulge, sigma):
    """Vacancy at one X, a neighbouring X (a/√2 away) at fraction t of the hop,
    displaced by `bulge` Å away from the shared Pb."""
    at = atoms.copy()
    xs = x_indices(at)
    v = rng.choice(xs)
    d = at.get_distances(v, xs, mic=True, vector=False)
    partners = [xs[k] for k in np.nonzero(np.abs(d - a / np.sqrt(2)) < 0.05 * a)[0]]
    m = rng.choice(partners)
    dv = at.get_distance(m, v, mic=True, vector=True)
    mid = at.positions[m] + 0.5 * dv
    pbs = [i for i, s in enumerate(at.get_chemical_symbols()) if s == "Pb"]
    dpb = at.get_distances(v, pbs, mic=True)
    # Pb shared by both X sites: nearest Pb to the edge midpoint
    ghost = Atoms("X", positions=[mid], cell=at.cell, pbc=True) + at[pbs]
    dm = ghost.get_distances(0, list(range(1, len(ghost))), mic=True, vector=True)
    out = dm[np.argmin(np.linalg.norm(dm, axis=1))]
    out = -out / np.linalg.norm(out)
    at.positions[m] = at.positions[m] + t * dv + bulge * 4 * t * (1 - t) * out
    del at[v]
    at.positions += rng.normal(0, sigma, at.positions.shape)
    return at


def interstitial_config(rng, atoms, halide, sigma):
    """An extra halide at the most open of 3000 random points (largest distance
    to any atom), then a rattle."""
    at = atoms.copy()
    pts = rng.uniform(0, 1, (3000, 3)) @ at.cell.array
    best, best_d = None, -1.0
    for p in pts:
        test = at + Atoms(halide, positions=[p])
        d = test.get_distances(len(at), list(range(len(at))), mic=True).min()
        if d > best_d:
            best, best_d = test, d
    best.positions += rng.normal(0, sigma, best.positions.shape)
    return best


def build_configs(seed=2024):
    rng = np.random.default_rng(seed)
    configs = []
    for x_br in (0.0, 0.25, 0.5, 0.75, 1.0):
        a0 = 6.20 - 0.44 * x_br  # Vegard between the static minima of the two end members
        for n in (2, 3):
            nx = 3 * n ** 3
            for rep in range(6 if n == 2 else 3):
                xs = ["Br" if rng.uniform() < x_br else "I" for _ in range(nx)]
                strain = rng.uniform(-0.02, 0.02)
                base = perovskite(a0 * (1 + strain), n, xs)
                for sigma in (0.04, 0.1, 0.17):
                    at = base.copy()
                    at.positions += rng.normal(0, sigma, at.positions.shape)
                    configs.append(("thermal", at))
                for sigma in (0.05, 0.12):
                    at = base.copy()
                    del at[int(rng.choice(x_indices(at)))]
                    at.positions += rng.normal(0, sigma, at.positions.shape)
                    configs.append(("vacancy", at))
                for _ in range(4):
                    configs.append(("hop", hop_config(rng, base, a0 * (1 + strain), rng.uniform(0, 1),
                                                      rng.uniform(0.0, 0.7), 0.05)))
                halide = "Br" if rng.uniform() < x_br else "I"
                configs.append(("interstitial", interstitial_config(rng, base, halide, 0.05)))
    return configs


def main(out):
    ref = hm.BuckinghamCoulombTS()
    ewald_only = hm.BuckinghamCoulombTS()
    ewald_only.A.zero_()
    ewald_only.C.zero_()
    configs = build_configs()
    data = []
    for k, (kind, at) in enumerate(configs):
        e_ref, f_ref = hm.evaluate(ref, [at], hm.TYPE_NAMES, 12.0)
        e_ew, f_ew = hm.evaluate(ewald_only, [at], hm.TYPE_NAMES, 12.0)
        ei, es = hm.neighbour_list(at.positions, at.cell.array, 7.0)
        data.append(dict(kind=kind, positions=torch.tensor(at.positions),
                         types=torch.tensor([hm.TYPE_NAMES.index(s) for s in at.get_chemical_symbols()]),
                         cell=torch.tensor(at.cell.array), edge_index=ei, edge_shift=es,
                         energy=float(e_ref[0]), forces=torch.tensor(f_ref[0]),
                         energy_sr=float(e_ref[0] - e_ew[0]), forces_sr=torch.tensor(f_ref[0] - f_ew[0])))
        if k % 50 == 0:
            print(f"{k}/{len(configs)} {kind} N={len(at)} E={e_ref[0]:.3f} eV", flush=True)
    torch.save(data, out)
    kinds = {}
    for d in data:
        kinds[d["kind"]] = kinds.get(d["kind"], 0) + 1
    print(f"wrote {len(data)} configurations to {out}: {kinds}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "build-neb/nn/data.pt")
