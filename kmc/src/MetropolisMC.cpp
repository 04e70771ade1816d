#include "hkmc/kmc/MetropolisMC.hpp"

#include <cmath>

#include "hkmc/common/Error.hpp"
#include "hkmc/common/Random.hpp"
#include "hkmc/common/Units.hpp"

namespace hkmc::kmc {

MetropolisResult run_metropolis(const KmcModel& model, std::vector<lattice::Occupant> occ,
                                const MetropolisControl& control, std::uint64_t seed, int replica,
                                const ShortRangeOrder& sro, std::atomic<std::int64_t>* sweeps_done) {
  const auto& sc = model.supercell();
  const auto* h = model.hamiltonian();
  const int n = sc.num_sites();
  const int codes = model.species().size() + 1;
  const double beta = 1.0 / (units::kBoltzmann_eV_per_K * model.parameters().temperature_k);
  std::vector<int> lattice_sites, interstitial_sites;
  for (int s = 0; s < n; ++s)
    (sc.role(s) == lattice::SiteRole::kLattice ? lattice_sites : interstitial_sites).push_back(s);

  RandomGenerator rng(seed, RandomStream::kMetropolis, static_cast<std::uint32_t>(replica));
  MetropolisResult result;
  double energy = h ? h->energy(occ) : 0.0;
  const std::int64_t total_sweeps = control.equilibration_sweeps + control.sweeps;
  for (std::int64_t sweep = 0; sweep < total_sweeps; ++sweep) {
    for (int attempt = 0; attempt < n; ++attempt) {
      // Pick the role in proportion to its sites, then two sites of it.
      const std::uint64_t pick = rng.below(static_cast<std::uint64_t>(n));
      const auto& pool = pick < lattice_sites.size() ? lattice_sites : interstitial_sites;
      const int a = pool[rng.below(pool.size())];
      const int b = pool[rng.below(pool.size())];
      const double u = rng.uniform_open();  // drawn always: the stream does not depend on the outcome
      ++result.attempts;
      if (occ[a] == occ[b]) continue;
      const int sites[2] = {a, b};
      const lattice::Occupant after[2] = {occ[b], occ[a]};
      const double delta = h ? h->delta_energy(sites, after, occ) : 0.0;
      if (delta <= 0.0 || u < std::exp(-beta * delta)) {
        std::swap(occ[a], occ[b]);
        energy += delta;
        ++result.accepted;
      }
    }
    if (sweeps_done) sweeps_done->store(sweep + 1, std::memory_order_relaxed);
    const std::int64_t sampled = sweep - control.equilibration_sweeps + 1;
    if (sampled > 0 && sampled % control.sample_every == 0) {
      result.energy_per_site_ev.push_back(energy / n);
      result.alpha.push_back(sro.alpha(occ, codes));
    }
  }
  // The running energy must equal a recomputation (guards the local ΔE).
  if (h && std::abs(h->energy(occ) - energy) > 1e-6 * std::max(1.0, std::abs(energy)))
    throw RuntimeError("Metropolis: running energy drifted from the total energy");
  result.final_occupancy = std::move(occ);
  return result;
}

}  // namespace hkmc::kmc
