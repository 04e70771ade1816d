#pragma once
// TorchScript (libtorch) potentials behind the Potential interface. This
// header does not include libtorch; only src/TorchPotential.cpp does.
//
// Three calling conventions, chosen from the file's metadata:
//  - Hkmc:   our own contract "hkmc-potential-v1" (extra file `hkmc_contract`);
//            see docs/potentials.md and tools/potentials/hkmc_models.py.
//  - Nequip: NequIP/Allegro deployed models (extra files `r_max`,
//            `type_names`, `model_dtype`; input dict pos, edge_index,
//            edge_cell_shift, cell, atom_types; outputs total_energy, forces,
//            atomic_energy).
//  - Mace:   MACE LAMMPS exports (buffers `r_max`, `atomic_numbers`; input dict
//            positions, node_attrs, edge_index, shifts, unit_shifts, cell,
//            batch, ptr; outputs total_energy_local, forces).
// The C++ side builds the periodic neighbour list (NeighbourList.hpp) with the
// model's r_max. Several structures sharing one cell (NEB images) are sent in
// one call as disjoint graphs.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "hkmc/neb/Potential.hpp"

namespace hkmc::neb {

enum class TorchFlavour { Hkmc, Nequip, Mace };

struct TorchOptions {
  std::string device = "cpu";  // a torch device string: "cpu", "cuda", "cuda:1"
  // libtorch intra-op threads; 0 leaves libtorch's setting. Use 1 when the
  // potential is called from TBB tasks (TBB already owns the cores).
  int intra_op_threads = 0;
  bool batch_images = true;  // evaluate compute_batch in one model call where possible
};

class TorchPotential final : public Potential {
 public:
  // Throws InputError if `path` is missing, is not TorchScript, or matches no
  // supported convention; the message names the file and what was expected.
  static std::unique_ptr<TorchPotential> load(const std::string& path,
                                              const TorchOptions& options = {});
  ~TorchPotential() override;

  EnergyForces compute(const Structure& structure) const override;
  std::vector<EnergyForces> compute_batch(const std::vector<Structure>& structures) const override;
  double cutoff() const override;
  std::vector<std::string> species() const override;
  std::string description() const override;

  TorchFlavour flavour() const;
  // Metadata strings read from the file (extra files, or buffers for MACE).
  const std::map<std::string, std::string>& metadata() const;
  // Number of model invocations so far (for tests and benchmarks).
  long model_calls() const;

 private:
  struct Impl;
  explicit TorchPotential(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> m_impl;
};

// Sets libtorch's intra-op thread count for the process (n >= 1).
void set_torch_threads(int n);

// "hkmc", "nequip" or "mace".
std::string to_string(TorchFlavour flavour);

}  // namespace hkmc::neb
