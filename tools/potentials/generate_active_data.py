#!/usr/bin/python3
"""Active learning for the demo NN: the structures that the NN's own NEBs went
through on environments where it failed (written by
`halide-kmc barriers inspect INPUT -o DIR`), labelled with the reference
potential and appended to the training data.

    nice /usr/bin/python3 tools/potentials/generate_active_data.py [--round N] DATA_IN DATA_OUT DIR [DIR ...]

Configurations are tagged with the active-learning round N (default 1):
train_nn.py holds out 10 % of each round separately, so a model continued
from an earlier round is scored only on configurations it never saw.

Every frame of every DIR/*.xyz is used. A frame in which two atoms came closer
than D_CLOSE (where the NN, whose descriptors start at 2.4 A, lets the Ewald
attraction pull ions together) is not labelled as is: the reference
potential's Buckingham form turns over there too. It is replaced by the point
of the straight line from the file's first frame (the relaxed initial state)
towards it where the closest pair is D_TARGET apart, so the NN learns the
repulsive wall along the direction it fell. Frames whose reference forces
exceed F_MAX are dropped (reported). Every second kept frame also gets a
rattled copy (0.05 A Gaussian, fixed seed).
"""
import glob
import os
import sys

import numpy as np
import torch
from ase.io import read

import hkmc_models as hm
from generate_neb_data import label, reference_labellers

torch.set_default_dtype(torch.float64)
torch.set_num_threads(1)

D_CLOSE = 2.0    # A: closest pair below this -> pull back along the path
D_TARGET = 2.2   # A: closest pair of the pulled-back frame
F_MAX = 30.0     # eV/A: larger reference forces are outside the useful range


def closest_pair(at):
    ei, es = hm.neighbour_list(at.positions, at.cell.array, 3.5)
    if ei.shape[1] == 0:
        return 3.5
    rij = at.positions[ei[1].numpy()] - at.positions[ei[0].numpy()] + es.numpy() @ at.cell.array
    return float(np.linalg.norm(rij, axis=1).min())


def toward(start, end, t):
    """start + t (end - start), displacements taken by the minimum image."""
    d = end.positions - start.positions
    frac = d @ np.linalg.inv(start.cell.array)
    d = (frac - np.round(frac)) @ start.cell.array
    at = start.copy()
    at.positions = start.positions + t * d
    return at


def pulled_back(start, end):
    lo, hi = 0.0, 1.0
    if closest_pair(start) < D_TARGET:
        return None
    for _ in range(30):
        mid = 0.5 * (lo + hi)
        if closest_pair(toward(start, end, mid)) >= D_TARGET:
            lo = mid
        else:
            hi = mid
    return toward(start, end, lo)


def main(data_in, data_out, dirs, round_number=1):
    ref, ewald_only = reference_labellers()

    def labelled(at, kind):
        item = label(ref, ewald_only, at, kind)
        item["round"] = round_number
        return item

    data = torch.load(data_in)
    rng = np.random.default_rng(2026)
    added = pulled = dropped = 0
    kept = 0
    for path in sorted(p for d in dirs for p in glob.glob(os.path.join(d, "*.xyz"))):
        frames = read(path, index=":")
        start = frames[0]
        for k, at in enumerate(frames):
            at.calc = None
            at.wrap()
            kind = "active"
            if closest_pair(at) < D_CLOSE:
                at = pulled_back(start, at)
                if at is None:
                    dropped += 1
                    continue
                at.wrap()
                kind = "active_pulled"
                pulled += 1
            item = labelled(at, kind)
            if item["forces"].abs().max().item() > F_MAX:
                dropped += 1
                continue
            data.append(item)
            added += 1
            kept += 1
            if kept % 2 == 0:
                r = at.copy()
                r.positions += rng.normal(0, 0.05, r.positions.shape)
                data.append(labelled(r, kind + "_rattled"))
                added += 1
        print(f"{path}: {len(frames)} frames", flush=True)
    torch.save(data, data_out)
    print(f"wrote {len(data)} configurations to {data_out}: {added} new ({pulled} pulled back from "
          f"closest pairs < {D_CLOSE} A), {dropped} dropped (forces > {F_MAX} eV/A or no safe point)")


if __name__ == "__main__":
    args = sys.argv[1:]
    round_number = 1
    if args[:1] == ["--round"]:
        round_number, args = int(args[1]), args[2:]
    if len(args) < 3:
        sys.exit(__doc__)
    main(args[0], args[1], args[2:], round_number)
