#!/usr/bin/python3
"""Cross-check of halide-kmc's CI-NEB against ASE's on the same TorchScript potential.

For a vacancy edge hop in a 3x3x3 cubic cell (CsPbBr3, a = 5.76 Å and CsPbI3,
a = 6.20 Å, same endpoints and atom order as `halide-kmc neb`), ASE relaxes the
endpoints with FIRE (fmax 0.01 eV/Å), interpolates 5 images (IDPP), and runs
NEB(k=0.1, climb=True, method='improvedtangent') with ase.optimize.FIRE to
fmax 0.05 eV/Å. The C++ side is run through the given `halide-kmc` (or
test driver) command with the same settings. Exits 1 if the barriers differ by
more than 0.01 eV.

    /usr/bin/python3 tools/potentials/ase_neb_crosscheck.py \
        --model inputs/potentials/cspbx3_buckingham_coulomb.pt \
        --halide-kmc build-neb/bin/halide-kmc
"""
import argparse
import re
import subprocess
import sys
import time

import numpy as np
import torch
from ase.calculators.calculator import Calculator, all_changes
from ase.neb import NEB
from ase.optimize import FIRE

import hkmc_models as hm

torch.set_num_threads(1)


class TorchScriptCalculator(Calculator):
    """ASE calculator for a model in the hkmc-potential-v1 contract."""
    implemented_properties = ["energy", "forces"]

    def __init__(self, path, **kw):
        super().__init__(**kw)
        extra = {"r_max": "", "type_names": ""}
        self.model = torch.jit.load(path, _extra_files=extra)
        self.r_max = float(extra["r_max"])
        self.type_names = extra["type_names"].decode().split() if isinstance(
            extra["type_names"], bytes) else extra["type_names"].split()
        self.calls = 0

    def calculate(self, atoms=None, properties=("energy",), system_changes=all_changes):
        super().calculate(atoms, properties, system_changes)
        e, f = hm.evaluate(self.model, [self.atoms], self.type_names, self.r_max)
        self.calls += 1
        self.results = {"energy": float(e[0]), "forces": f[0]}


def endpoints(halide, a, n=3):
    from generate_training_data import perovskite
    at = perovskite(a, n, [halide] * (3 * n ** 3))
    # x_atom_index(cell 0,0,0, axis 0) = 2 (vacancy); axis 1 = 3 (mover)
    vac, mover = 2, 3
    hop = at.get_distance(mover, vac, mic=True, vector=True)
    ini = at.copy()
    del ini[vac]
    fin = ini.copy()
    fin.positions[mover - 1] += hop
    return ini, fin


def ase_neb(model, halide, a):
    t0 = time.time()
    ini, fin = endpoints(halide, a)
    calls = 0
    for atoms in (ini, fin):
        atoms.calc = TorchScriptCalculator(model)
        FIRE(atoms, logfile=None).run(fmax=0.01, steps=5000)
        calls += atoms.calc.calls
    images = [ini] + [ini.copy() for _ in range(5)] + [fin]
    for im in images[1:-1]:
        im.calc = TorchScriptCalculator(model)
    neb = NEB(images, k=0.1, climb=True, method="improvedtangent")
    neb.interpolate("idpp")
    opt = FIRE(neb, logfile=None)
    converged = opt.run(fmax=0.05, steps=1000)
    e = np.array([im.get_potential_energy() for im in images])
    neb_calls = sum(im.calc.calls for im in images[1:-1])
    return {"forward": e.max() - e[0], "backward": e.max() - e[-1], "neb_force_calls": neb_calls,
            "endpoint_force_calls": calls, "converged": bool(converged), "seconds": time.time() - t0}


def cpp_neb(command, model, halide):
    out = subprocess.run(command + ["neb", "--potential", model, "--halide", halide,
                                    "--supercell", "3", "--images", "5"],
                         capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"halide-kmc neb failed:\n{out.stdout}\n{out.stderr}")
    m = re.search(r"forward ([-\d.]+) eV, backward ([-\d.]+) eV", out.stdout)
    c = re.search(r"in (\d+) FIRE steps, (\d+) force calls", out.stdout)
    t = re.search(r"time\s+([\d.]+) s", out.stdout)
    return {"forward": float(m.group(1)), "backward": float(m.group(2)),
            "neb_force_calls": int(c.group(2)), "seconds": float(t.group(1))}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--model", default="inputs/potentials/cspbx3_buckingham_coulomb.pt")
    p.add_argument("--halide-kmc", default=None, help="halide-kmc executable (omit: ASE only)")
    p.add_argument("--tolerance", type=float, default=0.01, help="eV")
    args = p.parse_args()
    ok = True
    for halide, a in (("Br", 5.76), ("I", 6.20)):
        r_ase = ase_neb(args.model, halide, a)
        line = (f"V_{halide} 3x3x3 a={a}: ASE forward {r_ase['forward']:.4f} eV backward "
                f"{r_ase['backward']:.4f} eV, {r_ase['neb_force_calls']} NEB force calls, "
                f"converged={r_ase['converged']}, {r_ase['seconds']:.1f} s")
        if args.halide_kmc:
            r_cpp = cpp_neb([args.halide_kmc], args.model, halide)
            diff = abs(r_cpp["forward"] - r_ase["forward"])
            ok = ok and diff <= args.tolerance and r_ase["converged"]
            line += (f" | halide-kmc forward {r_cpp['forward']:.4f} eV, {r_cpp['neb_force_calls']} "
                     f"NEB force calls, {r_cpp['seconds']:.1f} s | |diff| = {diff:.4f} eV")
        print(line, flush=True)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
