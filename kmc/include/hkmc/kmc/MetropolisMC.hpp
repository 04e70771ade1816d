#pragma once
// Canonical Metropolis Monte Carlo on the lattice Hamiltonian: the
// equilibrium that long KMC runs must reach. A move swaps the occupants of two
// random mobile sites of the same role (lattice or interstitial) anywhere in
// the supercell — unlike halides, or a defect with an ion — and is accepted
// with probability min(1, exp(-ΔE / k_B T)) (Metropolis et al. 1953). Counts
// of every species and defect are conserved. Random numbers come from the
// kMetropolis stream of (seed, replica).
#include <atomic>
#include <cstdint>
#include <vector>

#include "hkmc/kmc/KmcModel.hpp"
#include "hkmc/kmc/ShortRangeOrder.hpp"

namespace hkmc::kmc {

struct MetropolisControl {
  std::int64_t equilibration_sweeps = 1000;  // a sweep = one attempt per mobile site
  std::int64_t sweeps = 5000;                // sampled sweeps
  int sample_every = 10;                     // sweeps between samples
  int shells = 3;                            // Warren–Cowley shells
};

struct MetropolisResult {
  std::vector<double> energy_per_site_ev;    // one per sample
  std::vector<std::vector<double>> alpha;    // one ShortRangeOrder::alpha vector per sample
  std::int64_t attempts = 0;
  std::int64_t accepted = 0;
  std::vector<lattice::Occupant> final_occupancy;
};

// `sweeps_done` (optional) counts the sweeps made so far, equilibration
// included, for a progress display read from another thread.
MetropolisResult run_metropolis(const KmcModel& model, std::vector<lattice::Occupant> occupancy,
                                const MetropolisControl& control, std::uint64_t seed, int replica,
                                const ShortRangeOrder& sro, std::atomic<std::int64_t>* sweeps_done = nullptr);

}  // namespace hkmc::kmc
