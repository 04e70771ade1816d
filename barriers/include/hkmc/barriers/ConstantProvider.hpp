#pragma once
#include "hkmc/barriers/BarrierProvider.hpp"

namespace hkmc::barriers {

// One E_KRA per mechanism and path type: "mechanism/path" overrides
// "mechanism", which overrides the default. For tests, benchmarks and
// published per-path values (e.g. Cs2KFeCl6: 1.578 eV along KCl6 edges,
// 0.29 eV along FeCl6 edges, Fang et al. 2026).
class ConstantProvider final : public BarrierProvider {
 public:
  ConstantProvider(double default_ev, std::map<std::string, double> overrides);
  std::string name() const override { return "constant"; }
  ProviderNeeds needs() const override { return {}; }
  double e_kra(const HopContext& hop) const override;
  void check(const lattice::HopCatalog& catalog) const override;

 private:
  double m_default_ev;
  std::map<std::string, double> m_overrides;
};

}  // namespace hkmc::barriers
