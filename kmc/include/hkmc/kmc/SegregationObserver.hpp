#pragma once
// Segregation and mixing observables of one trajectory, recorded at the run's
// sample times from the occupancy (read-only): Warren–Cowley α per shell
// (ShortRangeOrder), the spherically averaged structure factor S(k) and the
// length L = 2π/⟨k⟩ from its first moment (StructureFactor), and the number of
// domains of like occupants (DomainCounter). Each is computed only when asked
// for ([output] sro_shells, structure_factor, domains), so runs that do not
// need them pay nothing.
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "hkmc/kmc/DomainCounter.hpp"
#include "hkmc/kmc/ShortRangeOrder.hpp"
#include "hkmc/kmc/StructureFactor.hpp"

namespace hkmc::kmc {

struct SegregationSettings {
  int sro_shells = 0;             // Warren–Cowley shells recorded; 0: none
  bool structure_factor = false;  // S(k) shells and L
  bool domains = false;           // domain counts
  int domain_min_sites = 1;       // smallest cluster counted as a domain
  bool any() const { return sro_shells > 0 || structure_factor || domains; }
};

// One sample; vectors are empty for observables not recorded.
struct SegregationSample {
  std::vector<double> alpha;             // shells × codes × codes (ShortRangeOrder::alpha layout)
  std::vector<double> structure_factor;  // codes × bins, S_b (dimensionless)
  std::vector<double> length_A;          // codes: L (Å)
  std::vector<std::int32_t> domains;     // codes: number of clusters
};

class SegregationObserver {
 public:
  // Throws InputError when the supercell is too small for the requested shells.
  SegregationObserver(const lattice::Supercell& supercell, int codes, const SegregationSettings& settings);

  const SegregationSettings& settings() const { return m_settings; }
  void sample(std::span<const lattice::Occupant> occupancy);
  const std::vector<SegregationSample>& samples() const { return m_samples; }
  // Throws hkmc::Error, changing nothing, when a sample's sizes do not fit.
  void restore(const std::vector<SegregationSample>& samples);

  // The calculators (null when not recorded), for the k shells and shell distances.
  const StructureFactor* structure_factor() const { return m_sk.get(); }
  const ShortRangeOrder* short_range_order() const { return m_sro.get(); }

 private:
  SegregationSettings m_settings;
  int m_codes;
  std::unique_ptr<ShortRangeOrder> m_sro;
  std::unique_ptr<StructureFactor> m_sk;
  std::unique_ptr<DomainCounter> m_domains;
  std::vector<SegregationSample> m_samples;
};

}  // namespace hkmc::kmc
