#include "hkmc/lattice/InitialConfiguration.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <string>

#include "hkmc/common/Error.hpp"

namespace hkmc::lattice {
namespace {

template <class T>
void shuffle(std::vector<T>& v, RandomGenerator& rng) {
  for (std::size_t i = v.size(); i > 1; --i) {
    const std::size_t j = rng.below(i);
    std::swap(v[i - 1], v[j]);
  }
}

std::vector<int> sites_with_role(const Supercell& supercell, SiteRole role) {
  std::vector<int> out;
  for (int s = 0; s < supercell.num_sites(); ++s)
    if (supercell.role(s) == role) out.push_back(s);
  return out;
}

// Fill `sites` (shuffled in place) with exact counts of `composition`.
void fill(std::vector<int>& sites, const Composition& composition, std::vector<Occupant>& occ,
          RandomGenerator& rng) {
  shuffle(sites, rng);
  std::size_t next = 0;
  for (const auto& [code, count] : exact_counts(composition, static_cast<std::int64_t>(sites.size())))
    for (std::int64_t c = 0; c < count; ++c) occ[sites[next++]] = code;
}

Occupant draw_species(const Composition& composition, RandomGenerator& rng) {
  const double u = rng.uniform_open();
  double acc = 0.0;
  Occupant last = kEmpty;
  for (const auto& [code, f] : composition) {
    if (f <= 0) continue;
    acc += f;
    last = code;
    if (u < acc) return code;
  }
  return last;
}

void place_defects(const Supercell& supercell, const DefectCounts& defects,
                   const std::function<const Composition&(int)>& local_composition_of_site,
                   std::vector<Occupant>& occ, RandomGenerator& rng) {
  auto lattice = sites_with_role(supercell, SiteRole::kLattice);
  if (defects.vacancies > static_cast<std::int64_t>(lattice.size())) {
    throw InputError("[defects] vacancies = " + std::to_string(defects.vacancies) +
                     ": more than the " + std::to_string(lattice.size()) + " lattice sites");
  }
  shuffle(lattice, rng);
  for (std::int64_t v = 0; v < defects.vacancies; ++v) occ[lattice[v]] = kEmpty;

  auto interstitial = sites_with_role(supercell, SiteRole::kInterstitial);
  if (defects.interstitials > static_cast<std::int64_t>(interstitial.size())) {
    throw InputError("[defects] interstitials = " + std::to_string(defects.interstitials) +
                     ": more than the " + std::to_string(interstitial.size()) +
                     " interstitial sites" +
                     (interstitial.empty() ? " (this lattice has none)" : ""));
  }
  shuffle(interstitial, rng);
  if (defects.pair_host) {
    // Split pairs: at most one per host, never on a vacancy (the shuffled
    // order decides which of a host's sites is taken).
    std::vector<int> kept;
    std::vector<std::uint8_t> hosting(occ.size(), 0);
    for (int s : interstitial) {
      const int host = defects.pair_host(s);
      if (host < 0 || occ[host] == kEmpty || hosting[host]) continue;
      hosting[host] = 1;
      kept.push_back(s);
      if (static_cast<std::int64_t>(kept.size()) == defects.interstitials) break;
    }
    if (static_cast<std::int64_t>(kept.size()) < defects.interstitials)
      throw InputError("[defects] interstitials = " + std::to_string(defects.interstitials) +
                       ": only " + std::to_string(kept.size()) +
                       " lattice sites hold an ion that can host a split pair");
    interstitial = std::move(kept);
  }
  for (std::int64_t i = 0; i < defects.interstitials; ++i) {
    const int s = interstitial[i];
    occ[s] = defects.interstitial_species != kEmpty
                 ? defects.interstitial_species
                 : draw_species(local_composition_of_site(s), rng);
  }
}

}  // namespace

std::map<Occupant, std::int64_t> exact_counts(const Composition& composition, std::int64_t n) {
  std::map<Occupant, std::int64_t> counts;
  std::vector<std::pair<double, Occupant>> remainders;
  std::int64_t assigned = 0;
  for (const auto& [code, f] : composition) {
    const double exact = f * static_cast<double>(n);
    const auto whole = static_cast<std::int64_t>(std::floor(exact + 1e-9));
    counts[code] = whole;
    assigned += whole;
    remainders.emplace_back(exact - static_cast<double>(whole), code);
  }
  std::stable_sort(remainders.begin(), remainders.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  for (std::size_t i = 0; assigned < n && i < remainders.size(); ++i, ++assigned)
    counts[remainders[i].second]++;
  return counts;
}

std::vector<Occupant> random_configuration(const Supercell& supercell,
                                           const Composition& composition,
                                           const DefectCounts& defects, RandomGenerator& rng) {
  std::vector<Occupant> occ(supercell.num_sites(), kEmpty);
  auto lattice = sites_with_role(supercell, SiteRole::kLattice);
  fill(lattice, composition, occ, rng);
  place_defects(
      supercell, defects, [&](int) -> const Composition& { return composition; }, occ, rng);
  return occ;
}

std::vector<std::int64_t> layer_vacancies(const Supercell& supercell, int axis, const std::vector<Layer>& layers) {
  bool any = false;
  for (const auto& l : layers) any = any || l.vacancy_fraction >= 0;
  if (!any) return {};
  std::int64_t lattice_per_cell = 0;
  for (int m = 0; m < supercell.mobile_count(); ++m)
    if (supercell.role(supercell.site({0, 0, 0}, m)) == SiteRole::kLattice) ++lattice_per_cell;
  const std::int64_t cells_per_layer_cell =
      static_cast<std::int64_t>(supercell.num_cells()) / supercell.dims()[axis];
  std::vector<std::int64_t> out;
  for (const auto& l : layers) {
    const double sites = static_cast<double>(l.cells * cells_per_layer_cell * lattice_per_cell);
    out.push_back(l.vacancy_fraction >= 0 ? std::llround(l.vacancy_fraction * sites) : 0);
  }
  return out;
}

std::vector<Occupant> layered_configuration(const Supercell& supercell, int axis,
                                            const std::vector<Layer>& layers,
                                            const DefectCounts& defects, RandomGenerator& rng) {
  int total = 0;
  for (const auto& l : layers) total += l.cells;
  if (axis < 0 || axis > 2 || total != supercell.dims()[axis]) {
    throw InputError("[initial] layers: the layer thicknesses sum to " + std::to_string(total) +
                     " cells but the supercell has " +
                     std::to_string(axis >= 0 && axis <= 2 ? supercell.dims()[axis] : -1) +
                     " cells along the axis");
  }
  std::vector<int> layer_of_cell(total);
  for (int l = 0, c = 0; l < static_cast<int>(layers.size()); ++l)
    for (int k = 0; k < layers[l].cells; ++k) layer_of_cell[c++] = l;

  std::vector<Occupant> occ(supercell.num_sites(), kEmpty);
  std::vector<std::vector<int>> sites_of_layer(layers.size());
  auto layer_of_site = [&](int s) { return layer_of_cell[supercell.cell_of(s)[axis]]; };
  for (int s = 0; s < supercell.num_sites(); ++s) {
    if (supercell.role(s) == SiteRole::kLattice) sites_of_layer[layer_of_site(s)].push_back(s);
  }
  for (std::size_t l = 0; l < layers.size(); ++l)
    fill(sites_of_layer[l], layers[l].composition, occ, rng);
  const auto per_layer = layer_vacancies(supercell, axis, layers);
  if (!per_layer.empty()) {
    if (defects.vacancies != 0)
      throw InputError("vacancies are set both per layer and in [defects]; set them in one place");
    for (std::size_t l = 0; l < layers.size(); ++l) {
      // fill() shuffled this layer's sites: its first ones become vacancies.
      for (std::int64_t v = 0; v < per_layer[l]; ++v) occ[sites_of_layer[l][v]] = kEmpty;
    }
  }
  place_defects(
      supercell, defects,
      [&](int s) -> const Composition& { return layers[layer_of_site(s)].composition; }, occ, rng);
  return occ;
}

}  // namespace hkmc::lattice
