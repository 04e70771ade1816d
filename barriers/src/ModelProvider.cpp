#include "hkmc/barriers/ModelProvider.hpp"

#include <algorithm>
#include <string>

#include "hkmc/common/Error.hpp"

namespace hkmc::barriers {

ModelProvider::ModelProvider(double e0_ev, std::vector<double> slope_by_code_ev)
    : m_e0_ev(e0_ev), m_slope_by_code_ev(std::move(slope_by_code_ev)) {}

double ModelProvider::e_kra(const HopContext& hop) const {
  double e = m_e0_ev;
  const std::size_t n = std::min(hop.species_counts.size(), m_slope_by_code_ev.size());
  for (std::size_t code = 1; code < n; ++code) e += m_slope_by_code_ev[code] * hop.species_counts[code];
  return e;
}

}  // namespace hkmc::barriers

namespace hkmc::barriers {

void ModelProvider::check(const lattice::HopCatalog& catalog) const {
  double most_negative = 0.0;
  for (std::size_t code = 1; code < m_slope_by_code_ev.size(); ++code)
    most_negative = std::min(most_negative, m_slope_by_code_ev[code]);
  for (const auto& c : catalog.classes()) {
    const double lowest = m_e0_ev + most_negative * static_cast<double>(c.template_vectors.size());
    if (lowest < 0.0) {
      throw InputError("[barriers] model: E0 + slope * n can reach " + std::to_string(lowest) +
                       " eV < 0 for hop class '" + c.label + "' (" +
                       std::to_string(c.template_vectors.size()) +
                       " environment sites); raise E0 or make the slopes less negative");
    }
  }
}

}  // namespace hkmc::barriers
