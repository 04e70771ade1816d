#pragma once
// Rejection-free kinetic Monte Carlo (BKL / n-fold way; Bortz, Kalos &
// Lebowitz, J. Comput. Phys. 17, 10, 1975). Events are the hops of mobile
// defects. Each defect's total rate is a leaf of a binary sum tree; an event
// is chosen with probability Γ_i/R and the clock advances by Δt = -ln(u)/R.
// After a hop only the defects whose rates read a changed site are updated.
#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "hkmc/common/Random.hpp"
#include "hkmc/kmc/KmcModel.hpp"
#include "hkmc/kmc/RateMemo.hpp"
#include "hkmc/kmc/SiteDefectMap.hpp"
#include "hkmc/kmc/SumTree.hpp"

namespace hkmc::kmc {

enum class DefectType : std::uint8_t { kVacancy = 0, kInterstitial = 1 };
inline constexpr int kDefectTypes = 2;
const char* defect_type_name(DefectType type);

using Vec3 = std::array<double, 3>;

struct Defect {
  int site = 0;
  DefectType type = DefectType::kVacancy;
  Vec3 displacement{0, 0, 0};  // unwrapped, Å
};

// Everything that evolves during a run (checkpoints). Rates and the sum tree
// are not in it: they are a pure function of the occupancy and are rebuilt on
// restore, so a restored engine continues bit for bit.
struct EngineState {
  std::vector<lattice::Occupant> occupancy;      // by site
  std::vector<int> ion_at_site;                  // by site, -1: no ion
  std::vector<lattice::Occupant> ion_species;    // by ion
  std::vector<Vec3> ion_displacement;            // by ion, unwrapped, Å
  std::vector<Defect> defects;
  std::vector<std::int64_t> hops;                // by species code
  std::vector<double> hop_length_sq;             // by species code, Å²
  double time_s = 0.0;                           // s
  std::int64_t events = 0;
  std::int64_t clamped_events = 0;
  std::uint64_t rng_counter = 0;
  int rng_buffered = 0;
};

// The slot of one defect whose cumulative rate interval holds `local`
// (0 <= local < sum of rates), never one with a zero rate, even when rounding
// puts `local` at an interval's edge; -1 when every rate is zero.
inline int pick_slot(const double* rates, int slots, double local) {
  int chosen = -1;
  for (int k = 0; k < slots; ++k) {
    if (rates[k] <= 0.0) continue;
    chosen = k;
    if (local < rates[k]) break;
    local -= rates[k];
  }
  return chosen;
}

struct PlannedEvent {
  int defect = 0;
  int slot = 0;
  double dt_s = 0.0;
};

class KmcEngine {
 public:
  KmcEngine(const KmcModel& model, std::vector<lattice::Occupant> occupancy, std::uint64_t seed,
            std::uint32_t replica);
  KmcEngine(KmcEngine&&) = default;
  ~KmcEngine() { flush_memo_hits(); }

  // Draws the next event and its waiting time; nothing changes until
  // execute(). Empty when no event has a nonzero rate.
  std::optional<PlannedEvent> plan();
  void execute(const PlannedEvent& event);
  // plan() + execute(); false when nothing can move.
  bool step();

  double time_s() const { return m_time_s; }
  void set_time_s(double t) { m_time_s = t; }
  std::int64_t events() const { return m_events; }
  std::int64_t clamped_events() const { return m_clamped_events; }
  double total_rate_hz() const { return m_tree.total(); }
  // Sum of every hop rate computed from scratch (consistency checks).
  double recomputed_total_rate_hz() const;
  double rate_hz(int defect, int slot) const { return m_rates[index(defect, slot)]; }

  // The exact barrier memo (KmcModel::BarrierMemo; on by default where the
  // model can use one) and the lookups it answered in this engine. Turning
  // it off or on changes no rate, only how they are found.
  void set_barrier_memo(bool on);
  std::int64_t barrier_memo_hits() const { return m_scratch.memo_hits; }
  std::size_t barrier_memo_entries() const { return m_memo.size(); }

  // Snapshot between events, and its inverse. restore() checks the state
  // against the model (sizes, codes, ions and defects agreeing with the
  // occupancy) and throws hkmc::Error before changing anything.
  EngineState state() const;
  void restore(const EngineState& state);

  const KmcModel& model() const { return m_model; }
  std::span<const lattice::Occupant> occupancy() const { return m_occupancy; }
  const std::vector<Defect>& defects() const { return m_defects; }
  // Ions: species and unwrapped displacement (Å) since the start.
  const std::vector<lattice::Occupant>& ion_species() const { return m_ion_species; }
  const std::vector<Vec3>& ion_displacements() const { return m_ion_displacement; }
  const std::vector<int>& ion_at_site() const { return m_ion_at_site; }
  // Per species code: number of hops made and the sum of their squared lengths (Å²).
  const std::vector<std::int64_t>& hops_by_species() const { return m_hops; }
  const std::vector<double>& hop_length_sq_by_species() const { return m_hop_length_sq; }

 private:
  // Advances this state sector by sector (its own rates and trees), then rebuilds ours.
  friend class SectorKmcEngine;
  std::size_t index(int defect, int slot) const {
    return static_cast<std::size_t>(defect) * m_stride + slot;
  }
  // Recomputes the rates of the slots in the mask (bit k: slot k, bit 63 also
  // every later slot; the tabulated path does all) and the defect's total.
  void refresh_defect(int defect, std::uint64_t slots_to_update = ~std::uint64_t{0});
  // Rates of the slots of a defect (KmcModel::field_rates()) into m_rates and m_clamped.
  void field_rates(int defect, int site, int mobile, std::size_t base, std::uint64_t slots_to_update);
  // Pair field of the Hamiltonian (counts per site, LatticeHamiltonian::
  // count_field): rebuilt from the occupancy, and updated for the partners
  // of a site whose occupant went from `before` to the current one.
  void rebuild_pair_field();
  void rebuild_defect_bits();
  // The defect bits of the 64 sites from `site` on (bit i: site + i).
  std::uint64_t defect_window(int site) const {
    const int word = site >> 6, shift = site & 63;
    const std::uint64_t low = m_defect_bits[word] >> shift;
    return shift ? low | m_defect_bits[word + 1] << (64 - shift) : low;
  }
  void update_pair_field(int site, const lattice::CellIndex& cell, lattice::Occupant before);
  // The same for a whole vacancy hop at once (KmcModel::vacancy_field_updates).
  void apply_field_updates(const KmcModel::FieldUpdateList& list, int origin, const lattice::CellIndex& origin_cell);
  // On-demand barriers: computes the keys the last refreshes found missing
  // (in parallel, inside the provider) and refreshes those defects again.
  void settle_missing();
  // Moves the ion's occupancy and index now; its displacement is added by
  // apply_pending_displacements() at the end of execute(), so the (likely
  // cache-missing) load of the ion's record overlaps the rate updates.
  void move_ion(int from, int to, const Eigen::Vector3d& displacement);
  void apply_pending_displacements();
  struct PendingMove {
    int ion;
    lattice::Occupant species;
    Eigen::Vector3d displacement;
  };
  PendingMove m_pending[2];
  int m_pending_count = 0;

  const KmcModel& m_model;
  const lattice::Supercell& m_supercell;
  std::vector<lattice::Occupant> m_occupancy;
  std::vector<int> m_ion_at_site;       // -1: no ion
  SiteDefectMap m_defect_at_site;       // site -> defect (only defect sites are stored)
  std::vector<std::uint64_t> m_defect_bits;  // bit per site: a defect is there
  std::vector<lattice::Occupant> m_ion_species;
  std::vector<Vec3> m_ion_displacement;
  std::vector<Defect> m_defects;
  std::vector<lattice::CellIndex> m_defect_cell;  // cell of each defect's site (no divisions in the hot path)
  std::vector<std::int64_t> m_hops;
  std::vector<double> m_hop_length_sq;

  int m_stride;                          // slots per defect in m_rates
  std::vector<double> m_rates;           // defect * stride + slot
  std::vector<std::uint8_t> m_clamped;   // same layout: the rate was clamped
  SumTree m_tree;                        // leaf = defect total rate
  std::vector<std::int64_t> m_refreshed_at;  // event count of a defect's last refresh
  // Derived from the occupancy like the rates (never checkpointed): per site,
  // the Hamiltonian's pair-field counts; empty without pair terms.
  std::vector<std::uint8_t> m_pair_field;
  KmcModel::RateScratch m_scratch;
  KmcModel::BarrierMemo m_memo;
  bool m_memo_on;
  // Memo hits not yet added to the model's counter; added every few
  // thousand and when the engine ends (exactly once, also after a move).
  struct PendingMemoHits {
    const KmcModel* model;
    std::int64_t flushed = 0;  // of m_scratch.memo_hits
    explicit PendingMemoHits(const KmcModel* m) : model(m) {}
    PendingMemoHits(PendingMemoHits&& o) noexcept : model(std::exchange(o.model, nullptr)), flushed(o.flushed) {}
    PendingMemoHits& operator=(PendingMemoHits&&) = delete;
    void flush(std::int64_t hits) {
      if (model && hits != flushed) model->add_barrier_memo_hits(hits - flushed);
      flushed = hits;
    }
  };
  PendingMemoHits m_pending_memo_hits;
  void flush_memo_hits() { m_pending_memo_hits.flush(m_scratch.memo_hits); }
  RateMemo m_rate_memo;  // field_rates(): rates by E_a
  std::vector<std::pair<int, std::uint64_t>> m_impacted;  // execute(): defect, slots to refresh
  // While execute() refreshes the other defects: the sites the hop changed
  // and the pair-field columns it changed (bit c: column c). A vacancy-hop
  // rate that reads none of those columns and whose target is none of those
  // sites keeps its value (field_rates).
  struct HopChange {
    bool active = false;
    int sites[3] = {-1, -1, -1};
    std::uint64_t columns = 0;
  };
  HopChange m_hop_change;
  // Sets m_hop_change's sites and columns (not `active`) from the hop's
  // changed sites and their occupants before it.
  void note_hop_change(const int* changed, const lattice::Occupant* before);
  std::vector<lattice::EnvironmentKey> m_missing_keys;
  std::vector<int> m_missing_defects;
  RandomGenerator m_rng;
  double m_time_s = 0.0;
  std::int64_t m_events = 0;
  std::int64_t m_clamped_events = 0;
};

}  // namespace hkmc::kmc
