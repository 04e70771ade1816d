#pragma once
#include "hkmc/barriers/BarrierProvider.hpp"

namespace hkmc::barriers {

// E_KRA = E0 + sum_s slope_s * n_s, with n_s the number of ions of species s
// in the hop's environment (moving sites excluded). For quick studies whose
// answer is known, e.g. a barrier that grows with the number of Br neighbours.
class ModelProvider final : public BarrierProvider {
 public:
  ModelProvider(double e0_ev, std::vector<double> slope_by_code_ev);
  std::string name() const override { return "model"; }
  ProviderNeeds needs() const override { return {true}; }
  double e_kra(const HopContext& hop) const override;
  // Refuses slopes that can drive E_KRA below 0 in an environment this
  // lattice has (the most negative case: every environment site holds the
  // species with the most negative slope).
  void check(const lattice::HopCatalog& catalog) const override;

 private:
  double m_e0_ev;
  std::vector<double> m_slope_by_code_ev;  // index = species code
};

}  // namespace hkmc::barriers
