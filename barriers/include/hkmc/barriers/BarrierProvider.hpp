#pragma once
// Where hop barriers come from. A provider returns the kinetically resolved
// barrier E_KRA (eV) of one hop; the rate law adds the end-state energy
// difference and the field (RateLaw). Queries are const and side-effect free
// so they can run in parallel.
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "hkmc/lattice/HopCatalog.hpp"
#include "hkmc/lattice/Species.hpp"

namespace hkmc::barriers {

// What a provider needs the engine to gather for each hop.
struct ProviderNeeds {
  bool environment = false;  // the hop's environment (and species counts in it)
};

// Everything a provider may read about one hop.
struct HopContext {
  const lattice::HopClass& hop_class;
  std::string_view mechanism;             // mechanism name
  std::string_view path_type;             // e.g. "B", "B'", "-"
  lattice::Occupant moving_species;       // the ion that jumps
  std::span<const int> species_counts;    // by species code (index 0 = empty sites); empty if not gathered
  std::string_view environment;           // raw environment string in template order; empty if not gathered
};

class BarrierProvider {
 public:
  virtual ~BarrierProvider() = default;
  virtual std::string name() const = 0;
  virtual ProviderNeeds needs() const = 0;
  // E_KRA (eV) of a hop. Throws RuntimeError if the provider has no value for it.
  virtual double e_kra(const HopContext& hop) const = 0;
  // Once the lattice is built: every mechanism and path type of the catalog
  // must be covered and every name the provider was given must exist.
  virtual void check(const lattice::HopCatalog& catalog) const = 0;
};

// Settings of every built-in provider (only the chosen provider's are used).
struct ProviderSettings {
  std::string provider = "constant";
  double e_kra_ev = 0.25;                                // constant: default (eV)
  std::map<std::string, double> e_kra_overrides;         // "mechanism" or "mechanism/path" -> eV
  double model_e0_ev = 0.25;                             // model: intercept (eV)
  std::map<std::string, double> model_slopes_ev;         // model: species -> eV per ion in the environment
  std::string table_file;                                // table: CSV path
};

// The names make_provider accepts, in the order the docs list them.
const std::vector<std::string>& provider_names();
// The one registry of built-in providers. Throws InputError for unknown names.
std::unique_ptr<BarrierProvider> make_provider(const ProviderSettings& settings,
                                               const lattice::SpeciesTable& species);

}  // namespace hkmc::barriers
