"""TorchScript potentials in the halide-kmc contract ("hkmc-potential-v1").

The contract (docs/potentials.md is the user-facing copy):

    forward(positions  float64 [N, 3]  Å, Cartesian, not necessarily wrapped
            atom_types int64   [N]     index into the `type_names` metadata
            cell       float64 [3, 3]  Å, rows are lattice vectors (shared by all graphs)
            edge_index int64   [2, E]  full neighbour list within r_max: i = edge_index[0],
                                       j = edge_index[1], both directions present
            edge_shift float64 [E, 3]  integer lattice shifts S: r_ij = pos[j] - pos[i] + S @ cell
            batch      int64   [N]     graph (structure) of each atom, 0 .. num_graphs-1
            num_graphs int)
      -> Dict[str, Tensor]: "energy" float64 [num_graphs] eV, "forces" float64 [N, 3] eV/Å

Graphs in one call are disjoint (no edges between them) and share the cell.
Metadata (TorchScript extra files, all strings):
    hkmc_contract  "hkmc-potential-v1"
    r_max          neighbour-list cutoff, Å
    type_names     space-separated element symbols, in atom_types order
    model_dtype    "float64"
    periodic       "required" (the model needs a cell) or "optional"
    description    one line: what the model is and where it came from

Only /usr/bin/python3 with Debian's python3-torch 1.13 is assumed.
"""
from __future__ import annotations

import math
from typing import Dict, List, Optional, Tuple

import torch

K_COULOMB = 14.39964547842567  # e^2/(4 pi eps0), eV·Å (CODATA 2018), same as C++ kCoulomb_eV_A
CONTRACT = "hkmc-potential-v1"

# shared/data/reference_potential.md: "a Buckingham–Coulomb set from the FLAMA
# fitting library (initial set)". Must equal
# BuckinghamCoulombParameters::cspbx3_flama_initial() in C++.
TYPE_NAMES = ["Cs", "Pb", "I", "Br"]
CHARGES = {"Cs": 1.05200, "Pb": 0.91990, "I": -0.65730, "Br": -0.65730}
BUCKINGHAM = {  # (A eV, rho Å, C eV·Å^6)
    ("Pb", "Pb"): (0.0, 0.250000, 1024.359),
    ("Cs", "Pb"): (8753.5043, 0.418713, 1.1082039),
    ("Cs", "Cs"): (7511.9269, 0.043775, 227.77208),
    ("I", "Pb"): (8955.2901, 0.303895, 267.49087),
    ("I", "I"): (62088.839, 0.275171, 1022.4065),
    ("I", "Cs"): (40322.272, 0.330972, 0.0),
    ("Br", "Pb"): (6446.9831, 0.300951, 330.91084),
    ("Br", "Br"): (370703.45, 0.241959, 277.92647),
    ("Br", "Cs"): (9345.4968, 0.333138, 117.4985),
    ("Br", "I"): (151712.05, 0.266294, 918.44378),
}


def ewald_parameters(real_cutoff: float, accuracy: float) -> Tuple[float, float]:
    """(alpha 1/Å, k_cutoff 1/Å) exactly as EwaldParameters::from_accuracy in C++."""
    p = -math.log(accuracy)
    alpha = math.sqrt(p) / real_cutoff
    return alpha, 2.0 * alpha * math.sqrt(p)


class Ewald(torch.nn.Module):
    """Ewald sum with neutralising background, per graph (see Ewald.hpp)."""

    def __init__(self, charges: List[float], real_cutoff: float, accuracy: float):
        super().__init__()
        self.register_buffer("charges", torch.tensor(charges, dtype=torch.float64))
        alpha, kc = ewald_parameters(real_cutoff, accuracy)
        self.alpha = alpha
        self.k_cutoff = kc
        self.real_cutoff = real_cutoff
        self.k_e = K_COULOMB

    def kvectors(self, cell: torch.Tensor) -> torch.Tensor:
        two_pi = 2.0 * math.pi
        recip = two_pi * torch.linalg.inv(cell).transpose(0, 1)
        lengths = torch.linalg.norm(cell, dim=1)
        nmax = torch.floor(self.k_cutoff * lengths / two_pi).to(torch.int64)
        n0 = int(nmax[0].item())
        n1 = int(nmax[1].item())
        n2 = int(nmax[2].item())
        g = torch.cartesian_prod(torch.arange(0, n0 + 1, dtype=torch.float64, device=cell.device),
                                 torch.arange(-n1, n1 + 1, dtype=torch.float64, device=cell.device),
                                 torch.arange(-n2, n2 + 1, dtype=torch.float64, device=cell.device))
        half = (g[:, 0] > 0) | ((g[:, 0] == 0) & (g[:, 1] > 0)) | (
            (g[:, 0] == 0) & (g[:, 1] == 0) & (g[:, 2] > 0))
        k = (g[:, 0:1] * recip[0] + g[:, 1:2] * recip[1]) + g[:, 2:3] * recip[2]
        k2 = (k * k).sum(dim=1)
        keep = half & (k2 < self.k_cutoff * self.k_cutoff)
        return k[keep]

    def forward(self, pos: torch.Tensor, atom_types: torch.Tensor, cell: torch.Tensor,
                rij: torch.Tensor, edge_index: torch.Tensor, batch: torch.Tensor,
                num_graphs: int) -> torch.Tensor:
        q = self.charges[atom_types]
        volume = torch.abs(torch.linalg.det(cell))
        a = self.alpha
        # real space: full edge list counts each pair twice
        r = torch.linalg.norm(rij, dim=1)
        qq = q[edge_index[0]] * q[edge_index[1]]
        e_edge = torch.where(r < self.real_cutoff, 0.5 * self.k_e * qq * torch.erfc(a * r) / r,
                             torch.zeros_like(r))
        energy = torch.zeros(num_graphs, dtype=pos.dtype, device=pos.device)
        energy = energy.index_add(0, batch[edge_index[0]], e_edge)
        # reciprocal space (half space of k, counted twice)
        k = self.kvectors(cell)
        k2 = (k * k).sum(dim=1)
        w = torch.exp(-k2 / (4.0 * a * a)) / k2
        phase = pos @ k.transpose(0, 1)  # [N, K]
        s_re = torch.zeros(num_graphs, k.shape[0], dtype=pos.dtype, device=pos.device)
        s_im = torch.zeros(num_graphs, k.shape[0], dtype=pos.dtype, device=pos.device)
        s_re = s_re.index_add(0, batch, q.unsqueeze(1) * torch.cos(phase))
        s_im = s_im.index_add(0, batch, q.unsqueeze(1) * torch.sin(phase))
        e_recip = (4.0 * math.pi * self.k_e / volume) * ((s_re * s_re + s_im * s_im) * w).sum(dim=1)
        q2 = torch.zeros(num_graphs, dtype=pos.dtype, device=pos.device).index_add(0, batch, q * q)
        qt = torch.zeros(num_graphs, dtype=pos.dtype, device=pos.device).index_add(0, batch, q)
        e_self = -self.k_e * a / math.sqrt(math.pi) * q2
        e_bg = -self.k_e * math.pi * qt * qt / (2.0 * volume * a * a)
        return energy + e_recip + e_self + e_bg


def edge_vectors(pos: torch.Tensor, cell: torch.Tensor, edge_index: torch.Tensor,
                 edge_shift: torch.Tensor) -> torch.Tensor:
    return pos[edge_index[1]] - pos[edge_index[0]] + edge_shift @ cell


def pair_tables(type_names: List[str]):
    n = len(type_names)
    A = torch.zeros(n, n, dtype=torch.float64)
    rho = torch.ones(n, n, dtype=torch.float64)
    C = torch.zeros(n, n, dtype=torch.float64)
    for (a, b), (va, vr, vc) in BUCKINGHAM.items():
        i, j = type_names.index(a), type_names.index(b)
        for (x, y) in ((i, j), (j, i)):
            A[x, y], rho[x, y], C[x, y] = va, vr, vc
    return A, rho, C


class BuckinghamCoulombTS(torch.nn.Module):
    """The reference potential in TorchScript; same formula as BuckinghamCoulomb.cpp."""

    def __init__(self, buckingham_cutoff: float = 12.0, ewald_real_cutoff: float = 12.0,
                 ewald_accuracy: float = 1e-8):
        super().__init__()
        A, rho, C = pair_tables(TYPE_NAMES)
        self.register_buffer("A", A)
        self.register_buffer("rho", rho)
        self.register_buffer("C", C)
        self.buckingham_cutoff = buckingham_cutoff
        self.ewald = Ewald([CHARGES[t] for t in TYPE_NAMES], ewald_real_cutoff, ewald_accuracy)

    def forward(self, positions: torch.Tensor, atom_types: torch.Tensor, cell: torch.Tensor,
                edge_index: torch.Tensor, edge_shift: torch.Tensor, batch: torch.Tensor,
                num_graphs: int) -> Dict[str, torch.Tensor]:
        pos = positions.detach().requires_grad_(True)
        rij = edge_vectors(pos, cell, edge_index, edge_shift)
        r = torch.linalg.norm(rij, dim=1)
        ti = atom_types[edge_index[0]]
        tj = atom_types[edge_index[1]]
        e_pair = self.A[ti, tj] * torch.exp(-r / self.rho[ti, tj]) - self.C[ti, tj] / r ** 6
        e_pair = torch.where(r < self.buckingham_cutoff, 0.5 * e_pair, torch.zeros_like(r))
        energy = torch.zeros(num_graphs, dtype=pos.dtype, device=pos.device)
        energy = energy.index_add(0, batch[edge_index[0]], e_pair)
        energy = energy + self.ewald(pos, atom_types, cell, rij, edge_index, batch, num_graphs)
        grads = torch.autograd.grad([energy.sum()], [pos])
        g = grads[0]
        assert g is not None
        return {"energy": energy.detach(), "forces": -g}


def save_with_metadata(module: torch.nn.Module, path: str, r_max: float, type_names: List[str],
                       description: str, periodic: str = "required") -> None:
    scripted = torch.jit.script(module)
    extra = {
        "hkmc_contract": CONTRACT,
        "r_max": repr(float(r_max)),
        "type_names": " ".join(type_names),
        "model_dtype": "float64",
        "periodic": periodic,
        "description": description,
    }
    torch.jit.save(scripted, path, _extra_files=extra)


def neighbour_list(positions, cell, r_max: float, pbc=True):
    """Full neighbour list in the contract's convention, from ASE."""
    import numpy as np
    from ase.neighborlist import primitive_neighbor_list
    i, j, S = primitive_neighbor_list("ijS", [pbc] * 3, np.asarray(cell), np.asarray(positions),
                                      r_max, self_interaction=False, use_scaled_positions=False)
    return (torch.tensor(np.stack([i, j]), dtype=torch.int64),
            torch.tensor(S, dtype=torch.float64))


def evaluate(model, atoms_list, type_names, r_max):
    """Energies (eV) and forces (eV/Å) of a list of ase.Atoms sharing one cell, one model call."""
    import numpy as np
    pos, types, edges, shifts, batch = [], [], [], [], []
    offset = 0
    for g, atoms in enumerate(atoms_list):
        ei, es = neighbour_list(atoms.positions, atoms.cell.array, r_max)
        pos.append(torch.tensor(atoms.positions, dtype=torch.float64))
        types.append(torch.tensor([type_names.index(s) for s in atoms.get_chemical_symbols()]))
        edges.append(ei + offset)
        shifts.append(es)
        batch.append(torch.full((len(atoms),), g, dtype=torch.int64))
        offset += len(atoms)
    out = model(torch.cat(pos), torch.cat(types), torch.tensor(atoms_list[0].cell.array),
                torch.cat(edges, dim=1), torch.cat(shifts), torch.cat(batch), len(atoms_list))
    e = out["energy"].detach().numpy()
    f = out["forces"].detach().numpy()
    sizes = np.cumsum([0] + [len(a) for a in atoms_list])
    return e, [f[sizes[k]:sizes[k + 1]] for k in range(len(atoms_list))]


ATOMIC_NUMBERS = {"Cs": 55, "Pb": 82, "I": 53, "Br": 35}


class ZBLCore(torch.nn.Module):
    """Screened nuclear repulsion (Ziegler, Biersack & Littmark 1985, the
    "universal" ZBL screening function) between every pair of atoms, switched
    off smoothly between r_in and r_out:

        E = sum_{i<j} k_e Z_i Z_j / r * phi(r / a_ij) * S(r),  a_ij = 0.46850 / (Z_i^0.23 + Z_j^0.23) Å
        S = 1 (r <= r_in), (1 + cos(pi (r - r_in)/(r_out - r_in)))/2, 0 (r >= r_out)

    A short-range NN on an Ewald baseline has no repulsion where its training
    data stop (its radial functions start at 2.4 Å), so nothing stops the
    Coulomb attraction of a cation and an anion: NEBs of the first demo NN
    fell into that hole (Pb-Br pairs at 0.02 Å, energies 500 eV too low). A
    fixed ZBL core is the usual remedy in machine-learned potentials; the NN
    learns what the reference potential adds on top of Ewald + core.
    """

    def __init__(self, type_names: List[str], r_in: float = 1.0, r_out: float = 2.5):
        super().__init__()
        self.register_buffer("z", torch.tensor([float(ATOMIC_NUMBERS[t]) for t in type_names],
                                               dtype=torch.float64))
        self.r_in = r_in
        self.r_out = r_out
        self.k_e = K_COULOMB

    def forward(self, rij: torch.Tensor, edge_index: torch.Tensor, atom_types: torch.Tensor,
                batch: torch.Tensor, num_graphs: int) -> torch.Tensor:
        r = torch.linalg.norm(rij, dim=1)
        near = r < self.r_out
        r = r[near]
        i = edge_index[0][near]
        zi = self.z[atom_types[i]]
        zj = self.z[atom_types[edge_index[1][near]]]
        a = 0.46850 / (zi ** 0.23 + zj ** 0.23)
        x = r / a
        phi = (0.18175 * torch.exp(-3.19980 * x) + 0.50986 * torch.exp(-0.94229 * x) +
               0.28022 * torch.exp(-0.40290 * x) + 0.02817 * torch.exp(-0.20162 * x))
        t = ((r - self.r_in) / (self.r_out - self.r_in)).clamp(0.0, 1.0)
        switch = 0.5 * (1.0 + torch.cos(math.pi * t))
        e_pair = 0.5 * self.k_e * zi * zj / r * phi * switch  # 0.5: both directions are listed
        energy = torch.zeros(num_graphs, dtype=rij.dtype, device=rij.device)
        return energy.index_add(0, batch[i], e_pair)


class RadialNN(torch.nn.Module):
    """Small Behler–Parrinello-style NN for the short-range energy, plus the same
    fixed point-charge Ewald sum as the reference potential.

    Atomic energy E_i = MLP_{type(i)}(G_i), with radial descriptors
        G_i[t, m] = sum_{j of type t, r_ij < r_nn} exp(-((r_ij - mu_m)/w)^2) f_c(r_ij),
        f_c(r) = (1 + cos(pi r / r_nn)) / 2,
    standardised by training-set mean and spread. Total energy = sum_i E_i +
    E_core + E_Ewald. The Ewald part uses the reference charges and E_core is
    a switched ZBL repulsion below 2.5 Å (ZBLCore); the NN learns the rest,
    so this is a short-range NN on a fixed electrostatic and core baseline, a
    common design for ionic materials. It stands in for a
    DFT-trained model; it is trained on the reference potential only.
    """

    def __init__(self, r_nn: float = 7.0, n_basis: int = 12, hidden: int = 32,
                 ewald_real_cutoff: float = 12.0, ewald_accuracy: float = 1e-8):
        super().__init__()
        nt = len(TYPE_NAMES)
        self.n_types = nt
        self.n_basis = n_basis
        self.r_nn = r_nn
        self.register_buffer("mu", torch.linspace(2.4, r_nn, n_basis, dtype=torch.float64))
        self.width = float((r_nn - 2.4) / (n_basis - 1)) * 1.2
        nf = nt * n_basis
        self.register_buffer("feat_mean", torch.zeros(nf, dtype=torch.float64))
        self.register_buffer("feat_std", torch.ones(nf, dtype=torch.float64))
        self.register_buffer("energy_shift", torch.zeros(nt, dtype=torch.float64))

        def init(shape, fan_in):
            return torch.nn.Parameter(torch.randn(*shape, dtype=torch.float64) / math.sqrt(fan_in))

        self.w1 = init((nt, nf, hidden), nf)
        self.b1 = torch.nn.Parameter(torch.zeros(nt, hidden, dtype=torch.float64))
        self.w2 = init((nt, hidden, hidden), hidden)
        self.b2 = torch.nn.Parameter(torch.zeros(nt, hidden, dtype=torch.float64))
        self.w3 = init((nt, hidden, 1), hidden)
        self.b3 = torch.nn.Parameter(torch.zeros(nt, 1, dtype=torch.float64))
        self.ewald = Ewald([CHARGES[t] for t in TYPE_NAMES], ewald_real_cutoff, ewald_accuracy)
        self.use_ewald = True
        self.core = ZBLCore(TYPE_NAMES)

    def descriptors(self, rij: torch.Tensor, edge_index: torch.Tensor, atom_types: torch.Tensor,
                    n_atoms: int) -> torch.Tensor:
        r = torch.linalg.norm(rij, dim=1)
        inside = r < self.r_nn
        r = r[inside]
        i = edge_index[0][inside]
        tj = atom_types[edge_index[1][inside]]
        fc = 0.5 * (torch.cos(math.pi * r / self.r_nn) + 1.0)
        g = torch.exp(-((r.unsqueeze(1) - self.mu) / self.width) ** 2) * fc.unsqueeze(1)  # [E, M]
        # scatter into [N, T, M] via flat index i * T + t_j
        flat = torch.zeros(n_atoms * self.n_types, self.n_basis, dtype=rij.dtype, device=rij.device)
        flat = flat.index_add(0, i * self.n_types + tj, g)
        return flat.view(n_atoms, self.n_types * self.n_basis)

    def atomic_energies(self, feats: torch.Tensor, atom_types: torch.Tensor) -> torch.Tensor:
        x = (feats - self.feat_mean) / self.feat_std
        h = torch.nn.functional.silu(torch.einsum("ni,nio->no", x, self.w1[atom_types]) +
                                     self.b1[atom_types])
        h = torch.nn.functional.silu(torch.einsum("ni,nio->no", h, self.w2[atom_types]) +
                                     self.b2[atom_types])
        e = torch.einsum("ni,nio->no", h, self.w3[atom_types]) + self.b3[atom_types]
        return e.squeeze(1) + self.energy_shift[atom_types]

    def short_range(self, pos: torch.Tensor, atom_types: torch.Tensor, cell: torch.Tensor,
                    edge_index: torch.Tensor, edge_shift: torch.Tensor, batch: torch.Tensor,
                    num_graphs: int) -> torch.Tensor:
        rij = edge_vectors(pos, cell, edge_index, edge_shift)
        feats = self.descriptors(rij, edge_index, atom_types, pos.shape[0])
        e_atom = self.atomic_energies(feats, atom_types)
        e_nn = torch.zeros(num_graphs, dtype=pos.dtype, device=pos.device).index_add(0, batch, e_atom)
        return e_nn + self.core(rij, edge_index, atom_types, batch, num_graphs)

    def forward(self, positions: torch.Tensor, atom_types: torch.Tensor, cell: torch.Tensor,
                edge_index: torch.Tensor, edge_shift: torch.Tensor, batch: torch.Tensor,
                num_graphs: int) -> Dict[str, torch.Tensor]:
        pos = positions.detach().requires_grad_(True)
        energy = self.short_range(pos, atom_types, cell, edge_index, edge_shift, batch, num_graphs)
        if self.use_ewald:
            rij = edge_vectors(pos, cell, edge_index, edge_shift)
            energy = energy + self.ewald(pos, atom_types, cell, rij, edge_index, batch, num_graphs)
        g = torch.autograd.grad([energy.sum()], [pos])[0]
        assert g is not None
        return {"energy": energy.detach(), "forces": -g}
