// Fuzz target: the lattice-Hamiltonian file reader and the resolution of its
// terms on a small perovskite supercell, then one energy evaluation.
#include <cstdint>
#include <vector>

#include "FuzzFile.hpp"
#include "hkmc/barriers/LatticeHamiltonian.hpp"
#include "hkmc/common/Error.hpp"
#include "hkmc/lattice/Prototypes.hpp"
#include "hkmc/lattice/Supercell.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const hkmc::lattice::SpeciesTable species({"I", "Br"});
  static const hkmc::lattice::Supercell supercell(hkmc::lattice::make_perovskite(6.0, false), {4, 4, 4});
  const std::string path = hkmc::fuzz::scratch_file("hamiltonian.toml", data, size);
  try {
    const auto terms = hkmc::barriers::read_hamiltonian_file(path);
    hkmc::barriers::LatticeHamiltonian h(supercell, species, terms, path);
    std::vector<hkmc::lattice::Occupant> occupancy(supercell.num_sites(), 1);
    for (std::size_t i = 0; i < occupancy.size(); i += 3) occupancy[i] = 2;
    occupancy[0] = hkmc::lattice::kEmpty;
    (void)h.energy(occupancy);
  } catch (const hkmc::Error&) {
  }
  return 0;
}
