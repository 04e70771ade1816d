#include "hkmc/barriers/ModelProvider.hpp"

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
