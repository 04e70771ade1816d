#include "hkmc/barriers/BarrierProvider.hpp"

#include "hkmc/barriers/ConstantProvider.hpp"
#include "hkmc/barriers/ModelProvider.hpp"
#include "hkmc/barriers/TableProvider.hpp"
#include "hkmc/common/Error.hpp"

namespace hkmc::barriers {

const std::vector<std::string>& provider_names() {
  static const std::vector<std::string> names{"constant", "model", "table"};
  return names;
}

std::unique_ptr<BarrierProvider> make_provider(const ProviderSettings& settings,
                                               const lattice::SpeciesTable& species) {
  if (settings.provider == "constant") {
    return std::make_unique<ConstantProvider>(settings.e_kra_ev, settings.e_kra_overrides);
  }
  if (settings.provider == "model") {
    std::vector<double> slopes(species.size() + 1, 0.0);
    for (const auto& [name, slope] : settings.model_slopes_ev) {
      if (!species.contains(name))
        throw InputError("[barriers] slope." + name + ": '" + name + "' is not a species of this run");
      slopes[species.code(name)] = slope;
    }
    return std::make_unique<ModelProvider>(settings.model_e0_ev, std::move(slopes));
  }
  if (settings.provider == "table") {
    return std::make_unique<TableProvider>(settings.table_file, species);
  }
  std::string allowed;
  for (const auto& n : provider_names()) allowed += (allowed.empty() ? "" : ", ") + ("\"" + n + "\"");
  throw InputError("[barriers] provider = \"" + settings.provider + "\": unknown; allowed: " + allowed);
}

}  // namespace hkmc::barriers
