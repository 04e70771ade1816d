#!/usr/bin/python3
"""Relaxed NEB paths of the reference potential as NN training data: runs
`halide-kmc neb` (C++ reference potential) for vacancy edge hops in I/Br mixtures
(2x2x2 and 3x3x3, seeds 1-3, two hop directions) and pure 2x2x2 cells, then
labels every image, and a rattled copy of every other image, with the
TorchScript reference. The hops of test_nn_validation (seeds 101-103, pure 3x3x3
cells, sites 1,1,1) are not among them. Appends to the data file of
generate_training_data.py.

    nice /usr/bin/python3 tools/potentials/generate_neb_data.py build-neb/bin/halide-kmc \
        build-neb/nn/data.pt build-neb/nn/data_neb.pt
"""
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch
from ase.io import read

import hkmc_models as hm

torch.set_default_dtype(torch.float64)
torch.set_num_threads(1)


def hops():
    for x in (0.25, 0.5, 0.75):
        for n in (2, 3):
            for seed in (1, 2, 3):
                for mover in ("0,0,0,1", "0,-1,0,1"):
                    yield ["--x-br", str(x), "--seed", str(seed), "--supercell", str(n), "--mover", mover]
    for halide in ("I", "Br"):
        yield ["--halide", halide, "--supercell", "2"]


def label(ref, ewald_only, at, kind):
    e_ref, f_ref = hm.evaluate(ref, [at], hm.TYPE_NAMES, 12.0)
    e_ew, f_ew = hm.evaluate(ewald_only, [at], hm.TYPE_NAMES, 12.0)
    ei, es = hm.neighbour_list(at.positions, at.cell.array, 7.0)
    return dict(kind=kind, positions=torch.tensor(at.positions),
                types=torch.tensor([hm.TYPE_NAMES.index(s) for s in at.get_chemical_symbols()]),
                cell=torch.tensor(at.cell.array), edge_index=ei, edge_shift=es,
                energy=float(e_ref[0]), forces=torch.tensor(f_ref[0]),
                energy_sr=float(e_ref[0] - e_ew[0]), forces_sr=torch.tensor(f_ref[0] - f_ew[0]))


def reference_labellers():
    """The reference potential and its Ewald part alone (label()'s arguments)."""
    ref = hm.BuckinghamCoulombTS()
    ewald_only = hm.BuckinghamCoulombTS()
    ewald_only.A.zero_()
    ewald_only.C.zero_()
    return ref, ewald_only


def main(exe, data_in, data_out):
    ref, ewald_only = reference_labellers()
    data = torch.load(data_in)
    rng = np.random.default_rng(99)
    new = 0
    with tempfile.TemporaryDirectory() as tmp:
        for k, args in enumerate(hops()):
            xyz = os.path.join(tmp, f"path{k}.xyz")
            out = subprocess.run([exe, "neb", *args, "-o", xyz], capture_output=True, text=True)
            if not os.path.exists(xyz):
                print("skipped", args, out.stderr.strip())
                continue
            images = read(xyz, index=":")
            for i, at in enumerate(images):
                at.calc = None
                data.append(label(ref, ewald_only, at, "neb"))
                new += 1
                if i % 2 == 1:
                    r = at.copy()
                    r.positions += rng.normal(0, 0.05, r.positions.shape)
                    data.append(label(ref, ewald_only, r, "neb_rattled"))
                    new += 1
            print(f"{k}: {' '.join(args)}: {len(images)} images, rc {out.returncode}", flush=True)
    torch.save(data, data_out)
    print(f"wrote {len(data)} configurations ({new} new) to {data_out}")


if __name__ == "__main__":
    main(*sys.argv[1:4])
