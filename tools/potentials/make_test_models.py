#!/usr/bin/python3
"""Small TorchScript models that follow the NequIP and MACE deployment interfaces
exactly, for testing the C++ adapters (the real nequip and mace packages cannot
be installed here). Each computes the Buckingham part of the reference potential
(no charges) with a 7 Å cutoff, so the C++ BuckinghamCoulomb with zero charges
and 7 Å cutoffs must give the same energies and forces.

    /usr/bin/python3 tools/potentials/make_test_models.py tests/neb/data

Writes:
  nequip_style_buckingham.pth          float64, NequIP deployed-model interface
  nequip_style_buckingham_float32.pth  same in float32 (model_dtype = float32)
  mace_style_buckingham.pt             float64, MACE LAMMPS_MACE interface
  hkmc_nan.pt                          hkmc contract, returns NaN energy (error test)
  not_torchscript.pt                   a text file (error test)
"""
import os
import sys
from typing import Dict, Optional

import torch

from hkmc_models import pair_tables, save_with_metadata

R_MAX = 7.0
# Deliberately not the C++ order, so a mapping bug shows.
NEQUIP_TYPES = ["I", "Br", "Cs", "Pb"]
MACE_Z = [35, 53, 55, 82]  # Br, I, Cs, Pb: MACE keeps its z table sorted
MACE_TYPES = ["Br", "I", "Cs", "Pb"]


class NequipStyle(torch.nn.Module):
    """forward(Dict[str, Tensor]) -> Dict[str, Tensor] as a nequip-deploy'ed model."""

    def __init__(self, dtype: torch.dtype):
        super().__init__()
        A, rho, C = pair_tables(NEQUIP_TYPES)
        self.register_buffer("A", A.to(dtype))
        self.register_buffer("rho", rho.to(dtype))
        self.register_buffer("C", C.to(dtype))
        self.r_max = R_MAX

    def forward(self, data: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
        pos = data["pos"]
        pos.requires_grad_(True)
        edge_index = data["edge_index"]
        cell = data["cell"].view(-1, 3, 3)[0]
        types = data["atom_types"].view(-1)
        # nequip: edge_vec = pos[j] - pos[i] + edge_cell_shift @ cell
        vec = pos[edge_index[1]] - pos[edge_index[0]] + data["edge_cell_shift"] @ cell
        r = torch.linalg.norm(vec, dim=1)
        ti = types[edge_index[0]]
        tj = types[edge_index[1]]
        e = self.A[ti, tj] * torch.exp(-r / self.rho[ti, tj]) - self.C[ti, tj] / r ** 6
        e = torch.where(r < self.r_max, 0.5 * e, torch.zeros_like(e))
        atomic = torch.zeros(pos.shape[0], dtype=pos.dtype, device=pos.device)
        atomic = atomic.index_add(0, edge_index[0], e)
        total = atomic.sum().view(1, 1)
        g = torch.autograd.grad([total.sum()], [pos])[0]
        assert g is not None
        out = dict(data)
        out["atomic_energy"] = atomic.unsqueeze(-1)
        out["total_energy"] = total
        out["forces"] = -g
        return out


class MaceStyle(torch.nn.Module):
    """forward(data, local_or_ghost, compute_virials) as mace's LAMMPS_MACE."""

    def __init__(self):
        super().__init__()
        A, rho, C = pair_tables(MACE_TYPES)
        self.register_buffer("A", A)
        self.register_buffer("rho", rho)
        self.register_buffer("C", C)
        self.register_buffer("atomic_numbers", torch.tensor(MACE_Z, dtype=torch.int64))
        self.register_buffer("r_max", torch.tensor(R_MAX, dtype=torch.float64))
        self.register_buffer("num_interactions", torch.tensor(2, dtype=torch.int64))
        self.weight = torch.nn.Parameter(torch.ones(1, dtype=torch.float64), requires_grad=False)

    def forward(self, data: Dict[str, torch.Tensor], local_or_ghost: torch.Tensor,
                compute_virials: bool = False) -> Dict[str, Optional[torch.Tensor]]:
        positions = data["positions"]
        positions.requires_grad_(True)
        edge_index = data["edge_index"]
        num_graphs = data["ptr"].numel() - 1
        types = torch.argmax(data["node_attrs"], dim=1)
        # mace: vectors = positions[receiver] - positions[sender] + shifts
        vec = positions[edge_index[1]] - positions[edge_index[0]] + data["shifts"]
        r = torch.linalg.norm(vec, dim=1)
        ti = types[edge_index[0]]
        tj = types[edge_index[1]]
        e = self.A[ti, tj] * torch.exp(-r / self.rho[ti, tj]) - self.C[ti, tj] / r ** 6
        e = torch.where(r < self.r_max, 0.5 * e, torch.zeros_like(e)) * self.weight
        node_energy = torch.zeros(positions.shape[0], dtype=positions.dtype)
        node_energy = node_energy.index_add(0, edge_index[0], e)
        total = torch.zeros(num_graphs, dtype=positions.dtype).index_add(
            0, data["batch"], node_energy * local_or_ghost)
        g = torch.autograd.grad([total.sum()], [positions], allow_unused=True)[0]
        forces: Optional[torch.Tensor] = None
        if g is not None:
            forces = -g
        virials: Optional[torch.Tensor] = None
        return {"total_energy_local": total, "node_energy": node_energy, "forces": forces,
                "virials": virials}


class NanModel(torch.nn.Module):
    def forward(self, positions: torch.Tensor, atom_types: torch.Tensor, cell: torch.Tensor,
                edge_index: torch.Tensor, edge_shift: torch.Tensor, batch: torch.Tensor,
                num_graphs: int) -> Dict[str, torch.Tensor]:
        e = torch.full((num_graphs,), float("nan"), dtype=torch.float64)
        return {"energy": e, "forces": torch.zeros_like(positions)}


def main(outdir: str) -> None:
    os.makedirs(outdir, exist_ok=True)
    for dtype, name in ((torch.float64, "nequip_style_buckingham.pth"),
                        (torch.float32, "nequip_style_buckingham_float32.pth")):
        m = torch.jit.script(NequipStyle(dtype))
        extra = {"r_max": repr(R_MAX), "type_names": " ".join(NEQUIP_TYPES),
                 "n_species": str(len(NEQUIP_TYPES)),
                 "model_dtype": "float64" if dtype == torch.float64 else "float32",
                 "nequip_version": "test-double (not nequip)"}
        torch.jit.save(m, os.path.join(outdir, name), _extra_files=extra)
    torch.jit.save(torch.jit.script(MaceStyle()), os.path.join(outdir, "mace_style_buckingham.pt"))
    save_with_metadata(NanModel(), os.path.join(outdir, "hkmc_nan.pt"), r_max=5.0,
                       type_names=["Cs", "Pb", "I", "Br"], description="returns NaN (test)",
                       periodic="optional")
    with open(os.path.join(outdir, "not_torchscript.pt"), "w") as f:
        f.write("this is not a TorchScript archive\n")
    print(f"wrote test models to {outdir}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "tests/neb/data")
