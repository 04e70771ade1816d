// Fuzz target: the barrier-table reader (TableProvider, CSV) and its check
// against a perovskite hop catalog.
#include <cstdint>

#include "FuzzFile.hpp"
#include "hkmc/barriers/TableProvider.hpp"
#include "hkmc/common/Error.hpp"
#include "hkmc/lattice/Species.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const hkmc::lattice::SpeciesTable species({"I", "Br", "Cl"});
  const std::string path = hkmc::fuzz::scratch_file("table.csv", data, size);
  try {
    hkmc::barriers::TableProvider table(path, species);
    (void)table.row_count();
  } catch (const hkmc::Error&) {
  }
  return 0;
}
