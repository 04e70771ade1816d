#pragma once
// Synchronous-sublattice (sector) parallel KMC (Shim & Amar, Phys. Rev. B 71,
// 125432 (2005)), in its fractional-step form (Arampatzis et al.,
// arXiv:1105.4673). The periodic box is cut into sectors, each sector
// into 2^d sub-sectors: its halves along the d axes that have more than one
// sector (along the others nothing runs beside it, so no split is needed). A
// cycle visits the 2^d sub-sector types in turn; for each, every sector runs rejection-free KMC on
// the defects inside its sub-sector of that type for the window τ, all
// sectors at once (oneTBB tasks), the first event past τ being discarded. The
// clock then advances by τ per cycle: e^{τL} ≈ Π_s e^{τL_s}, an approximation
// whose error vanishes as τ → 0 (docs/sector_kmc.md). Active sub-sectors of
// different sectors are at least 2·reach cells apart, so their events never
// read or write the same sites: the order in which tasks run changes nothing.
//
// Random numbers of sector k in sub-cycle g come from their own stream
// (seed, replica, sector, g): a seed gives the same trajectory bit for bit
// whatever the number of threads.
#include <array>
#include <atomic>
#include <cstdint>
#include <vector>

#include "hkmc/common/Random.hpp"
#include "hkmc/kmc/KmcEngine.hpp"
#include "hkmc/kmc/PlaneCrossingCounter.hpp"
#include "hkmc/kmc/SumTree.hpp"

namespace hkmc::kmc {

struct SectorSettings {
  std::array<int, 3> sectors{0, 0, 0};  // per axis; all 0: automatic (sector_count_for)
  double window = 0.25;                 // τ in units of 1/Γ_max (dimensionless)
  bool random_order = true;             // sub-sector types in a fresh random order each cycle
};

// Where a sector run stands at a cycle end beyond its KmcEngine's state: what
// a resumed run needs to continue bit for bit (checkpoints). The sector engine
// uses no random stream of its own position: its streams are keyed by
// (seed, replica, sector, sub-cycle), so the cycle count resumes them.
struct SectorState {
  std::array<int, 3> sectors{1, 1, 1};  // the layout it was taken with
  double window_s = 0.0;                // τ, s (+inf when Γ_max = 0); fixed at the run's start
  double max_rate_hz = 0.0;             // Γ_max of the run's initial configuration, Hz
  std::int64_t cycles = 0;              // cycles run
  // Defect ids by region r = sector * 8 + sub-sector type, in
  // defects[offsets[r], offsets[r + 1]). Their order is history dependent
  // (defects join a list in the order they arrive) and sets the tree leaves,
  // hence which defect an event picks: it is state, not derived data.
  std::vector<std::int64_t> offsets;
  std::vector<std::int32_t> defects;
};

class SectorKmcEngine {
 public:
  // Advances the state of `engine` (which must outlive this object). The
  // engine's own rates, sum tree and random stream are not used; finish()
  // rebuilds its derived data so that it can be read or stepped serially.
  // Throws InputError when the sectors are too thin for the model's reach or
  // the provider computes barriers on demand.
  SectorKmcEngine(KmcEngine& engine, const SectorSettings& settings, std::uint64_t seed,
                  std::uint32_t replica);
  // Resumes at the cycle end where `resume` was taken (state()), `engine`
  // holding that cycle end's EngineState. τ and Γ_max are the saved ones, not
  // recomputed from the current configuration. Throws hkmc::Error naming what
  // does not fit (layout, window, sizes, a defect missing, repeated or in
  // another region's list) before anything is built.
  SectorKmcEngine(KmcEngine& engine, const SectorSettings& settings, std::uint64_t seed,
                  std::uint32_t replica, const SectorState& resume);

  // Where the run stands; valid between two run_cycle() calls.
  SectorState state() const;

  // One cycle of `duration_s` (≤ window_s(); the last one of a timed run may
  // be shorter): every sub-sector type once; the clock advances by it.
  void run_cycle(double duration_s);
  void run_cycle() { run_cycle(m_window_s); }
  // Rebuilds the engine's derived data (defect index, rates, sum tree) from its state.
  void finish();
  // Counts plane crossings from the next cycle on (nullptr: stops): each
  // sector counts the hops it makes into counts of its own
  // (PlaneCrossingCounter::count, read before the hop), and every cycle end
  // adds them into `counter`, which must outlive this object. Integer sums:
  // the totals do not depend on the number of threads or the order of tasks.
  void count_crossings(PlaneCrossingCounter* counter);

  double window_s() const { return m_window_s; }            // τ, s
  double max_single_rate_hz() const { return m_max_rate_hz; }  // Γ_max at the start, Hz
  const std::array<int, 3>& sectors() const { return m_sectors_per_axis; }
  std::int64_t cycles() const { return m_cycles; }
  // Whether the last cycle's sub-sectors had no event with a nonzero rate.
  bool stalled() const { return m_stalled; }
  const KmcEngine& engine() const { return m_engine; }

  // Sectors per axis for a box of `cells` cells and a model of reach `reach`
  // (cells): two slabs along the longest axis (if each half slab is at least
  // 2·reach cells wide; else one sector, i.e. serial KMC in windows).
  static std::array<int, 3> sector_count_for(const lattice::CellIndex& cells, int reach);
  // The sectors per axis these settings give for this model; throws
  // InputError (naming the key and what is allowed, without the file) when
  // they do not fit: sectors too thin for the model's reach, a window <= 0,
  // or barriers computed on demand.
  static std::array<int, 3> layout(const KmcModel& model, const SectorSettings& settings);

 private:
  static constexpr int kTypes = 8;  // sub-sector types: one bit per axis (0 on unsplit axes)
  struct Sector {
    std::array<std::vector<int>, kTypes> defects;  // defect ids, by sub-sector type
    std::vector<int> leaving;      // moved into another sector in the last sub-cycle
    std::vector<int> active;       // this sub-cycle's defects (tree leaves)
    SumTree tree;
    KmcModel::RateScratch scratch;
    std::vector<int> impacted;                 // scratch of execute(): defects to refresh
    std::vector<std::int64_t> hops;            // by species code, since the last merge
    std::vector<double> hop_length_sq;         // Å², by species code
    CrossingCounts crossings;                  // since the last merge; empty unless counted
    std::int64_t events = 0;
    std::int64_t clamped = 0;
    bool had_rate = false;
  };
  // Region of a cell: sector id * kTypes + sub-sector type.
  int region_of(const lattice::CellIndex& c) const {
    const auto& n = m_sectors_per_axis;
    const int sector = (m_sector_of[0][c[0]] * n[1] + m_sector_of[1][c[1]]) * n[2] + m_sector_of[2][c[2]];
    return sector * kTypes + (m_half_of[0][c[0]] | m_half_of[1][c[1]] << 1 | m_half_of[2][c[2]] << 2);
  }
  // What both public constructors start from (they delegate to it): the
  // members and set_up(), without defect lists, τ or cycle count.
  struct Bare {};
  SectorKmcEngine(Bare, KmcEngine& engine, const SectorSettings& settings, std::uint64_t seed,
                  std::uint32_t replica);
  // Layout, region tables, site maps, rate arrays.
  void set_up();
  // Throws hkmc::Error when `resume` does not fit this engine (see the constructor).
  void check(const SectorState& resume) const;
  // Rates of a defect's slots into m_rates; returns their sum (Hz).
  double refresh(int defect, KmcModel::RateScratch& scratch);
  void run_sector(int sector, int type, double duration_s, std::uint64_t subcycle);
  void execute(Sector& s, int region, int leaf, int defect, int slot);
  // After a sub-cycle: defects that left the active sub-sector move to their new list.
  void sort_out(int sector, int type);

  KmcEngine& m_engine;
  const KmcModel& m_model;
  const lattice::Supercell& m_supercell;
  SectorSettings m_settings;
  std::uint64_t m_seed;
  std::uint32_t m_replica;
  std::array<int, 3> m_sectors_per_axis{1, 1, 1};
  std::array<std::vector<int>, 3> m_sector_of;        // by axis and cell coordinate
  std::array<std::vector<std::uint8_t>, 3> m_half_of;  // 0: lower half of its sector, 1: upper
  std::vector<Sector> m_sectors;
  PlaneCrossingCounter* m_crossings = nullptr;  // totals the sectors' crossing counts go to; null: not counted
  // Site -> defect, -1: none. A plain array (sectors write it at once),
  // accessed atomically: a sector may read entries next to another's moves.
  std::vector<int> m_defect_at_site;
  int defect_at(int site) const {
    return std::atomic_ref<const int>(m_defect_at_site[site]).load(std::memory_order_relaxed);
  }
  void set_defect_at(int site, int defect) {
    std::atomic_ref<int>(m_defect_at_site[site]).store(defect, std::memory_order_relaxed);
  }
  // Per defect: its m_rates and m_total are those of the current occupancy.
  // Two sectors may mark one idle defect stale at once: atomic (relaxed; the
  // flag is read after the sub-cycle's barrier).
  std::vector<std::uint8_t> m_fresh;
  bool is_fresh(int d) const {
    return std::atomic_ref<const std::uint8_t>(m_fresh[d]).load(std::memory_order_relaxed);
  }
  void set_fresh(int d, bool on) {
    std::atomic_ref<std::uint8_t>(m_fresh[d]).store(on, std::memory_order_relaxed);
  }
  std::vector<double> m_total;        // defect -> sum of its rates, Hz (valid when fresh)
  // One bit a site: a defect is there. Neighbouring sectors may share a word,
  // so bits are set and read atomically (relaxed: only a sector's own bits matter to it).
  std::vector<std::uint64_t> m_defect_bits;
  bool has_defect(int site) const {
    return std::atomic_ref<const std::uint64_t>(m_defect_bits[site >> 6]).load(std::memory_order_relaxed) >>
               (site & 63) & 1u;
  }
  void set_defect_bit(int site, bool on) {
    std::atomic_ref<std::uint64_t> word(m_defect_bits[site >> 6]);
    const std::uint64_t bit = std::uint64_t{1} << (site & 63);
    if (on) word.fetch_or(bit, std::memory_order_relaxed);
    else word.fetch_and(~bit, std::memory_order_relaxed);
  }
  int m_stride;
  std::vector<double> m_rates;        // defect * stride + slot, Hz (valid for active defects)
  std::vector<std::uint8_t> m_clamped;
  std::vector<int> m_leaf;            // defect -> leaf in its sector's tree; -1: not active
  double m_max_rate_hz = 0.0;
  double m_window_s = 0.0;
  std::int64_t m_cycles = 0;
  bool m_stalled = false;
};

}  // namespace hkmc::kmc
