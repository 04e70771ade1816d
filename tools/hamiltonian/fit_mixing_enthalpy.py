#!/usr/bin/python3
"""Fit a nearest-neighbour I-Br pair interaction to DFT mixing enthalpies.

Model: a random (mean-field) CsPb(I1-xBrx)3 alloy with one pair interaction
J1 per unlike nearest-neighbour X-X pair (8 neighbours per X site, 3 X per
formula unit). The mixing enthalpy per formula unit is

    dH(x) = 3 * Omega * x (1 - x),   Omega = z1 * J1 = 8 * J1   (per X site),

and the mean-field critical temperature of this regular solution is
Tc = Omega / (2 k_B). The DFT points are ordered configurations of a 12-X
orthorhombic cell, not random alloys: the fit is an approximation, and the
residuals show how far. Writes the Hamiltonian file and prints the report.

Usage: /usr/bin/python3 tools/hamiltonian/fit_mixing_enthalpy.py \
           ../shared/data/dft/pols2024_reaxff_trainingset_DFT_mixing_CsPbBrxI1-x_ortho.csv \
           inputs/hamiltonians/cspb_ibr_nn.toml
"""
import csv
import sys

import numpy as np

K_B_EV = 8.617333262e-5


def main(data_path: str, out_path: str) -> None:
    with open(data_path, newline="") as f:
        rows = list(csv.DictReader(f))
    x = np.array([float(r["x_Br"]) for r in rows])
    dh = np.array([float(r["dH_mix_DFT_meV_per_fu"]) for r in rows]) * 1e-3  # eV per f.u.
    g = 3.0 * x * (1.0 - x)
    omega = float(g @ dh / (g @ g))  # least squares through the origin, eV per X site
    resid = dh - omega * g
    dof = len(x) - 1
    omega_err = float(np.sqrt(resid @ resid / dof / (g @ g)))
    j1 = omega / 8.0
    tc = omega / (2.0 * K_B_EV)
    rms = float(np.sqrt(np.mean(resid**2)))

    print(f"points: {len(x)}; Omega = {omega*1e3:.1f} +- {omega_err*1e3:.1f} meV per X site; "
          f"J1(I-Br) = {j1*1e3:.2f} meV; mean-field Tc = {tc:.0f} K")
    print(f"rms residual {rms*1e3:.1f} meV per f.u.")
    print("x_Br   dH_DFT(meV/fu)  dH_fit  residual")
    for xi, d, r in zip(x, dh, resid):
        print(f"{xi:.4f}  {d*1e3:8.2f}  {(d-r)*1e3:8.2f}  {r*1e3:8.2f}")

    with open(out_path, "w") as out:
        out.write(
            "# Lattice Hamiltonian for CsPb(I,Br)3 halide mixing (eV).\n"
            "# One nearest-neighbour I-Br pair interaction on the X sublattice, fitted by\n"
            "# tools/hamiltonian/fit_mixing_enthalpy.py to the DFT mixing enthalpies of the\n"
            "# Tao group ReaxFF training set (Pols et al. 2024; 11 ordered configurations of a\n"
            "# 12-X orthorhombic cell) under the random-alloy approximation:\n"
            f"#   Omega = 8 J1 = {omega*1e3:.1f} +- {omega_err*1e3:.1f} meV per X site, "
            f"rms residual {rms*1e3:.1f} meV per formula unit,\n"
            f"#   mean-field Tc = Omega / (2 k_B) = {tc:.0f} K (the lattice model's own Tc is lower).\n"
            "# Vacancy and interstitial interactions are not fitted: none are given.\n"
            f'description = "CsPb(I,Br)3 nearest-neighbour I-Br pair, fit to DFT mixing enthalpies"\n\n'
            "[[pair]]\n"
            'sublattices = ["X", "X"]\n'
            "shell = 1\n"
            'species = ["I", "Br"]\n'
            f"J = {j1:.6f}\n")
    print(f"wrote {out_path}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
