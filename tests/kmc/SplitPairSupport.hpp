#pragma once
// Test barriers for split-pair interstitials (test_split_pairs*.cpp).
#include <string>

#include "hkmc/barriers/BarrierProvider.hpp"

namespace hkmc::test {

// E_KRA by hop class and mover; with `per_iodide` > 0 also by the iodides
// in the hop's environment.
class SplitPairBarriers : public barriers::BarrierProvider {
 public:
  SplitPairBarriers(lattice::Occupant iodide, double per_iodide) : m_iodide(iodide), m_per_iodide(per_iodide) {}
  std::string name() const override { return "test"; }
  barriers::ProviderNeeds needs() const override { return {m_per_iodide > 0, false}; }
  double e_kra(const barriers::HopContext& hop) const override {
    double e = hop.path_type == "rotation" ? 0.22 : hop.path_type == "A" ? 0.18 : 0.14;
    if (hop.moving_species == m_iodide) e -= 0.06;
    if (m_per_iodide > 0) e += m_per_iodide * hop.species_counts[m_iodide];
    return e;
  }
  void check(const lattice::HopCatalog&) const override {}

 private:
  lattice::Occupant m_iodide;
  double m_per_iodide;
};

}  // namespace hkmc::test
