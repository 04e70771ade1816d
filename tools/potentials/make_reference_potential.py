#!/usr/bin/python3
"""Writes the Buckingham–Coulomb reference potential as TorchScript (hkmc contract).

    /usr/bin/python3 tools/potentials/make_reference_potential.py \
        inputs/potentials/cspbx3_buckingham_coulomb.pt
"""
import sys

import torch

from hkmc_models import BuckinghamCoulombTS, TYPE_NAMES, save_with_metadata

torch.set_default_dtype(torch.float64)


def main(path: str) -> None:
    model = BuckinghamCoulombTS(buckingham_cutoff=12.0, ewald_real_cutoff=12.0, ewald_accuracy=1e-8)
    save_with_metadata(
        model, path, r_max=12.0, type_names=TYPE_NAMES,
        description=("Buckingham-Coulomb set from the FLAMA fitting library (initial set) for "
                     "CsPbX3 (X=I,Br); Buckingham truncated at 12 A; Ewald r_c 12 A, "
                     "accuracy 1e-8, neutralising background. Reference potential, not DFT."))
    print(f"wrote {path}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "inputs/potentials/cspbx3_buckingham_coulomb.pt")
