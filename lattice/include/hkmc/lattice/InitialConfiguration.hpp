#pragma once
// Initial occupancies: random at a composition, or layered slabs along an axis.
// Counts are exact: species s gets floor(f_s N) sites and the remainder goes to
// the largest fractional parts (ties: lower species code first), so a
// composition maps to one set of counts on every machine.
#include <cstdint>
#include <functional>
#include <map>
#include <vector>

#include "hkmc/common/Random.hpp"
#include "hkmc/lattice/Species.hpp"
#include "hkmc/lattice/Supercell.hpp"

namespace hkmc::lattice {

using Composition = std::map<Occupant, double>;  // species code -> fraction, sums to 1

struct DefectCounts {
  std::int64_t vacancies = 0;
  std::int64_t interstitials = 0;
  Occupant interstitial_species = kEmpty;  // kEmpty: drawn from the local composition
  // Split pairs (docs/lattice.md): the host lattice site of an interstitial
  // site. Set: an interstitial goes only where its host holds an ion that
  // has no pair yet. Empty: any interstitial site.
  std::function<int(int)> pair_host;
};

struct Layer {
  int cells = 0;  // thickness along the axis, in unit cells
  Composition composition;
  double vacancy_fraction = -1.0;  // >= 0: this layer's own vacancies (see layered_configuration)
};

// Vacancies of each layer when layers set their own (vacancy_fraction >= 0
// in any layer; the others get none): round(f * lattice sites of the layer).
// Empty when no layer sets one.
std::vector<std::int64_t> layer_vacancies(const Supercell& supercell, int axis, const std::vector<Layer>& layers);

// Exact integer counts for n sites (see the header comment).
std::map<Occupant, std::int64_t> exact_counts(const Composition& composition, std::int64_t n);

std::vector<Occupant> random_configuration(const Supercell& supercell,
                                           const Composition& composition,
                                           const DefectCounts& defects, RandomGenerator& rng);

// Slabs stacked from cell 0 along `axis`; their cells must sum to the supercell
// size along it. Vacancies are then drawn uniformly over all lattice sites —
// or, when layers set their own vacancy fractions, uniformly within each
// layer (and `defects.vacancies` must be 0) — and interstitials over all
// interstitial sites (species from the local layer).
std::vector<Occupant> layered_configuration(const Supercell& supercell, int axis,
                                            const std::vector<Layer>& layers,
                                            const DefectCounts& defects, RandomGenerator& rng);

}  // namespace hkmc::lattice
