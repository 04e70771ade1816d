#include "hkmc/barriers/BarrierProvider.hpp"

#include <mutex>

#include "hkmc/barriers/ConstantProvider.hpp"
#include "hkmc/barriers/ModelProvider.hpp"
#include "hkmc/barriers/PerturbedProvider.hpp"
#include "hkmc/barriers/TableProvider.hpp"
#include "hkmc/common/Error.hpp"

namespace hkmc::barriers {
namespace {

std::mutex g_registry_mutex;
std::map<std::string, ProviderFactory>& registry() {
  static std::map<std::string, ProviderFactory> factories;
  return factories;
}

}  // namespace

const std::vector<std::string>& provider_names() {
  // "neb" is always listed: a build without libtorch names it in its error.
  static const std::vector<std::string> names{"constant", "model", "table", "neb"};
  return names;
}

void register_provider(const std::string& name, ProviderFactory factory) {
  std::lock_guard lock(g_registry_mutex);
  registry()[name] = std::move(factory);
}

namespace {

std::unique_ptr<BarrierProvider> make_base_provider(const ProviderSettings& settings,
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
  ProviderFactory factory;
  {
    std::lock_guard lock(g_registry_mutex);
    auto it = registry().find(settings.provider);
    if (it != registry().end()) factory = it->second;
  }
  if (factory) return factory(settings, species);
  if (settings.provider == "neb")
    throw InputError("[barriers] provider = \"neb\": this halide-kmc was built without the NEB "
                     "module (libtorch not found, or -DHKMC_BUILD_NEB=OFF); rebuild with it, or use "
                     "provider \"constant\", \"model\" or \"table\"");
  std::string allowed;
  for (const auto& n : provider_names()) allowed += (allowed.empty() ? "" : ", ") + ("\"" + n + "\"");
  throw InputError("[barriers] provider = \"" + settings.provider + "\": unknown; allowed: " + allowed);
}

}  // namespace

std::unique_ptr<BarrierProvider> make_provider(const ProviderSettings& settings,
                                               const lattice::SpeciesTable& species) {
  auto provider = make_base_provider(settings, species);
  if (settings.perturbation_sigma_ev == 0.0) return provider;
  return std::make_unique<PerturbedProvider>(std::move(provider), settings.perturbation_sigma_ev,
                                             settings.perturbation_seed);
}

}  // namespace hkmc::barriers
