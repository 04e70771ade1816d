#pragma once
#include <optional>

#include "hkmc/barriers/BarrierProvider.hpp"

namespace hkmc::barriers {

// E_KRA from an external CSV table (e.g. DFT NEB results). Columns:
//   mechanism, path_type, E_kra_eV   required
//   species                          optional: the moving ion; empty = any
//   n_<Species> (e.g. n_I, n_Br)     optional: number of those ions in the
//                                    hop's environment; empty = any
// `path_type` may be empty or "*" for any path. Lines starting with '#' are
// comments. A hop takes the matching row with the most filled-in fields; two
// equally specific matching rows with different values are an error.
class TableProvider final : public BarrierProvider {
 public:
  TableProvider(const std::string& path, const lattice::SpeciesTable& species);
  std::string name() const override { return "table"; }
  ProviderNeeds needs() const override { return {m_uses_counts}; }
  double e_kra(const HopContext& hop) const override;
  void check(const lattice::HopCatalog& catalog) const override;
  std::size_t row_count() const { return m_rows.size(); }

 private:
  struct Row {
    int line = 0;
    std::string mechanism;
    std::string path_type;                      // empty = any
    lattice::Occupant species = lattice::kEmpty;  // kEmpty = any
    std::vector<std::pair<lattice::Occupant, int>> counts;  // required counts
    double e_kra_ev = 0;
    int specificity = 0;
  };
  std::string m_path;
  std::vector<Row> m_rows;
  bool m_uses_counts = false;
};

}  // namespace hkmc::barriers
