#include "hkmc/barriers/ConstantProvider.hpp"

#include <set>

#include "hkmc/common/Error.hpp"

namespace hkmc::barriers {

ConstantProvider::ConstantProvider(double default_ev, std::map<std::string, double> overrides)
    : m_default_ev(default_ev), m_overrides(std::move(overrides)) {}

double ConstantProvider::e_kra(const HopContext& hop) const {
  if (!m_overrides.empty()) {
    std::string key(hop.mechanism);
    key += '/';
    key += hop.path_type;
    if (auto it = m_overrides.find(key); it != m_overrides.end()) return it->second;
    if (auto it = m_overrides.find(std::string(hop.mechanism)); it != m_overrides.end())
      return it->second;
  }
  return m_default_ev;
}

void ConstantProvider::check(const lattice::HopCatalog& catalog) const {
  std::set<std::string> valid;
  for (const auto& c : catalog.classes()) {
    const std::string& mech = catalog.mechanisms()[c.mechanism].name;
    valid.insert(mech);
    valid.insert(mech + "/" + c.path_type);
  }
  for (const auto& [key, value] : m_overrides) {
    if (valid.count(key)) continue;
    std::string allowed;
    for (const auto& v : valid) allowed += (allowed.empty() ? "" : ", ") + ("\"" + v + "\"");
    throw InputError("[barriers] E_kra.\"" + key +
                     "\": no such mechanism or mechanism/path in this lattice; allowed: " + allowed);
  }
}

}  // namespace hkmc::barriers
