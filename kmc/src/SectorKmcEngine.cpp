#include "hkmc/kmc/SectorKmcEngine.hpp"

#include <tbb/parallel_for.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include <fmt/format.h>

#include "hkmc/common/Error.hpp"

namespace hkmc::kmc {

using lattice::kEmpty;
using lattice::Occupant;

namespace {
// Sector ids share the 32-bit replica word of the random stream with the replica.
constexpr int kSectorBits = 20;
constexpr std::uint32_t kOrderStream = (1u << kSectorBits) - 1;  // the sub-sector order's stream
}  // namespace

std::array<int, 3> SectorKmcEngine::sector_count_for(const lattice::CellIndex& cells, int reach) {
  // Two slabs along the longest axis where they fit: few boundaries keep
  // the share of defects near one, and with it the splitting error, small.
  std::array<int, 3> counts{1, 1, 1};
  const int a = static_cast<int>(std::max_element(cells.begin(), cells.end()) - cells.begin());
  if (cells[a] / 2 / 2 >= 2 * reach) counts[a] = 2;
  return counts;
}

std::array<int, 3> SectorKmcEngine::layout(const KmcModel& model, const SectorSettings& settings) {
  if (model.provider().computes_missing())
    throw InputError("[kmc] parallel = \"sectors\": not available with barriers computed on demand (provider \"" +
                     model.provider().name() + "\"); allowed: parallel = \"replicas\", or a complete barrier cache "
                     "read with [barriers.neb] compute_missing = false");
  if (!(settings.window > 0) || !std::isfinite(settings.window))
    throw InputError("[kmc] sector_window = " + std::to_string(settings.window) + ": must be > 0");
  const auto& dims = model.supercell().dims();
  const int reach = std::max(1, model.reach());
  const bool automatic = settings.sectors == std::array<int, 3>{0, 0, 0};
  const std::array<int, 3> counts = automatic ? sector_count_for(dims, reach) : settings.sectors;
  const char axis_name[3] = {'x', 'y', 'z'};
  for (int a = 0; a < 3; ++a) {
    const int n = dims[a], k = counts[a];
    // Two sectors side by side are kept apart by an idle half at least
    // 2·reach cells wide: what one sector writes (≤ reach from its active
    // half) is never what another reads (≤ reach from its own).
    if (k < 1 || (k > 1 && n / k / 2 < 2 * reach))
      throw InputError("[kmc] sectors = [" + std::to_string(counts[0]) + ", " + std::to_string(counts[1]) + ", " +
                       std::to_string(counts[2]) + "]: along " + axis_name[a] + " the box has " + std::to_string(n) +
                       " cells and each half of a sector must be at least " + std::to_string(2 * reach) +
                       " cells wide (2 x the model's reach of " + std::to_string(reach) + " cells): allowed 1 to " +
                       std::to_string(std::max(1, n / (4 * reach))) + " sectors along " + axis_name[a]);
  }
  if (static_cast<long>(counts[0]) * counts[1] * counts[2] >= kOrderStream)
    throw InputError("[kmc] sectors: at most " + std::to_string(kOrderStream - 1) + " sectors in all");
  return counts;
}

SectorKmcEngine::SectorKmcEngine(Bare, KmcEngine& engine, const SectorSettings& settings, std::uint64_t seed,
                                 std::uint32_t replica)
    : m_engine(engine),
      m_model(engine.model()),
      m_supercell(engine.model().supercell()),
      m_settings(settings),
      m_seed(seed),
      m_replica(replica),
      m_stride(engine.m_stride) {
  set_up();
}

SectorKmcEngine::SectorKmcEngine(KmcEngine& engine, const SectorSettings& settings, std::uint64_t seed,
                                 std::uint32_t replica)
    : SectorKmcEngine(Bare{}, engine, settings, seed, replica) {
  const int n_defects = static_cast<int>(engine.m_defects.size());
  for (int d = 0; d < n_defects; ++d) {
    const int region = region_of(engine.m_defect_cell[d]);
    m_sectors[region / kTypes].defects[region % kTypes].push_back(d);
  }
  // Γ_max: the fastest single hop of the starting configuration (a maximum,
  // so the same whatever the split of the work).
  std::vector<double> sector_max(m_sectors.size(), 0.0);
  tbb::parallel_for(0, static_cast<int>(m_sectors.size()), [&](int k) {
    for (const auto& list : m_sectors[k].defects)
      for (int d : list) {
        refresh(d, m_sectors[k].scratch);
        for (int j = 0; j < m_stride; ++j)
          sector_max[k] = std::max(sector_max[k], m_rates[static_cast<std::size_t>(d) * m_stride + j]);
      }
  });
  m_max_rate_hz = *std::max_element(sector_max.begin(), sector_max.end());
  m_window_s = m_max_rate_hz > 0 ? settings.window / m_max_rate_hz : std::numeric_limits<double>::infinity();
}

SectorKmcEngine::SectorKmcEngine(KmcEngine& engine, const SectorSettings& settings, std::uint64_t seed,
                                 std::uint32_t replica, const SectorState& resume)
    : SectorKmcEngine(Bare{}, engine, settings, seed, replica) {
  check(resume);
  for (std::size_t r = 0; r + 1 < resume.offsets.size(); ++r)
    m_sectors[r / kTypes].defects[r % kTypes].assign(resume.defects.begin() + resume.offsets[r],
                                                     resume.defects.begin() + resume.offsets[r + 1]);
  m_max_rate_hz = resume.max_rate_hz;
  m_window_s = resume.window_s;
  m_cycles = resume.cycles;
  // Every defect starts stale: rates are a pure function of the occupancy,
  // so computing them on first use gives the bits the cached ones had.
}

void SectorKmcEngine::check(const SectorState& resume) const {
  auto refuse = [](const std::string& why) { throw Error("sector state does not fit the run: " + why); };
  auto triple = [](const std::array<int, 3>& a) { return fmt::format("[{}, {}, {}]", a[0], a[1], a[2]); };
  if (resume.sectors != m_sectors_per_axis)
    refuse("taken with sectors " + triple(resume.sectors) + ", this run has " + triple(m_sectors_per_axis));
  // τ = window / Γ_max exactly as the fresh constructor computes it: a state
  // from another sector_window, or a damaged τ, does not match.
  const double tau = resume.max_rate_hz > 0 ? m_settings.window / resume.max_rate_hz
                                            : std::numeric_limits<double>::infinity();
  if (!(resume.max_rate_hz >= 0) || !std::isfinite(resume.max_rate_hz) || !(resume.window_s == tau))
    refuse(fmt::format("window {} s with a fastest rate of {} Hz, but sector_window = {} gives {} s",
                       resume.window_s, resume.max_rate_hz, m_settings.window, tau));
  if (resume.cycles < 0) refuse("negative cycle count " + std::to_string(resume.cycles));
  const std::size_t regions = m_sectors.size() * kTypes;
  const std::size_t n_defects = m_engine.m_defects.size();
  if (resume.offsets.size() != regions + 1)
    refuse(std::to_string(resume.offsets.size()) + " list offsets for " + std::to_string(regions) + " regions");
  if (resume.defects.size() != n_defects)
    refuse(std::to_string(resume.defects.size()) + " listed defects, the engine has " + std::to_string(n_defects));
  if (resume.offsets.front() != 0 || resume.offsets.back() != static_cast<std::int64_t>(n_defects))
    refuse("the list offsets do not span the defect list");
  std::vector<std::uint8_t> seen(n_defects, 0);
  for (std::size_t r = 0; r < regions; ++r) {
    if (resume.offsets[r + 1] < resume.offsets[r] || resume.offsets[r + 1] > static_cast<std::int64_t>(n_defects))
      refuse("the list offsets decrease or pass the end of the list");
    for (auto i = resume.offsets[r]; i < resume.offsets[r + 1]; ++i) {
      const std::int32_t d = resume.defects[static_cast<std::size_t>(i)];
      if (d < 0 || static_cast<std::size_t>(d) >= n_defects) refuse("defect id " + std::to_string(d) + " out of range");
      if (seen[d]++) refuse("defect " + std::to_string(d) + " is listed twice");
      if (region_of(m_engine.m_defect_cell[d]) != static_cast<int>(r))
        refuse("defect " + std::to_string(d) + " is listed in sector " + std::to_string(r / kTypes) +
               ", sub-sector " + std::to_string(r % kTypes) + ", but its site lies elsewhere");
    }
  }
}

SectorState SectorKmcEngine::state() const {
  SectorState s;
  s.sectors = m_sectors_per_axis;
  s.window_s = m_window_s;
  s.max_rate_hz = m_max_rate_hz;
  s.cycles = m_cycles;
  s.offsets.reserve(m_sectors.size() * kTypes + 1);
  s.offsets.push_back(0);
  s.defects.reserve(m_engine.m_defects.size());
  for (const auto& sector : m_sectors)
    for (const auto& list : sector.defects) {
      s.defects.insert(s.defects.end(), list.begin(), list.end());
      s.offsets.push_back(static_cast<std::int64_t>(s.defects.size()));
    }
  return s;
}

void SectorKmcEngine::set_up() {
  const auto& engine = m_engine;
  const std::uint32_t replica = m_replica;
  m_sectors_per_axis = layout(m_model, m_settings);
  if (replica >= (1u << (32 - kSectorBits)))
    throw InputError("[kmc] parallel = \"sectors\": at most " + std::to_string(1u << (32 - kSectorBits)) +
                     " replicas");
  const auto& dims = m_supercell.dims();
  for (int a = 0; a < 3; ++a) {
    const int n = dims[a], k = m_sectors_per_axis[a];
    m_sector_of[a].resize(n);
    m_half_of[a].resize(n);
    for (int s = 0; s < k; ++s) {
      const int begin = static_cast<int>(static_cast<long>(s) * n / k);
      const int end = static_cast<int>(static_cast<long>(s + 1) * n / k);
      for (int c = begin; c < end; ++c) {
        m_sector_of[a][c] = s;
        // An axis with one sector is not split: nothing runs beside it along that axis.
        m_half_of[a][c] = k > 1 && c >= begin + (end - begin) / 2;
      }
    }
  }
  m_sectors.resize(static_cast<std::size_t>(m_sectors_per_axis[0]) * m_sectors_per_axis[1] * m_sectors_per_axis[2]);
  const int codes = m_model.codes();
  for (auto& s : m_sectors) {
    s.hops.assign(codes, 0);
    s.hop_length_sq.assign(codes, 0.0);
  }

  const auto& defects = engine.m_defects;
  const int n_defects = static_cast<int>(defects.size());
  m_defect_at_site.assign(m_supercell.num_sites(), -1);
  m_defect_bits.assign((m_supercell.num_sites() + 63) / 64, 0);
  for (int d = 0; d < n_defects; ++d) {
    set_defect_at(defects[d].site, d);
    set_defect_bit(defects[d].site, true);
  }
  m_rates.assign(static_cast<std::size_t>(n_defects) * m_stride, 0.0);
  m_clamped.assign(m_rates.size(), 0);
  m_leaf.assign(n_defects, -1);
  m_total.assign(n_defects, 0.0);
  m_fresh.assign(n_defects, 0);
}

double SectorKmcEngine::refresh(int d, KmcModel::RateScratch& scratch) {
  const int site = m_engine.m_defects[d].site;
  const auto& cell = m_engine.m_defect_cell[d];
  const int mobile = m_supercell.mobile_of(site);
  const std::size_t base = static_cast<std::size_t>(d) * m_stride;
  const std::span<const Occupant> occupancy(m_engine.m_occupancy);
  double total = 0.0;
  int n_slots = 0;
  if (m_model.tabulated()) {
    n_slots = static_cast<int>(m_model.fast_slots(mobile).size());
    total = m_model.tabulated_rates(site, cell, occupancy, &m_rates[base], &m_clamped[base]);
  } else {
    n_slots = static_cast<int>(m_model.catalog().slots(mobile).size());
    for (int k = 0; k < n_slots; ++k) {
      const auto r = m_model.hop_rate(site, cell, k, occupancy, scratch);
      m_rates[base + k] = r.rate_hz;
      m_clamped[base + k] = r.clamped;
      total += r.rate_hz;
    }
  }
  for (int k = n_slots; k < m_stride; ++k) m_rates[base + k] = 0.0;
  m_total[d] = total;
  set_fresh(d, true);
  return total;
}

void SectorKmcEngine::run_cycle(double duration_s) {
  if (!std::isfinite(duration_s)) {  // Γ_max = 0: nothing can ever move
    m_stalled = true;
    return;
  }
  std::array<int, kTypes> order;
  for (int i = 0; i < kTypes; ++i) order[i] = i;
  if (m_settings.random_order) {
    RandomGenerator rng(m_seed, RandomStream::kSectorKmcEvents, m_replica << kSectorBits | kOrderStream);
    rng.restore(static_cast<std::uint64_t>(m_cycles), 0);
    for (int i = kTypes - 1; i > 0; --i) std::swap(order[i], order[rng.below(i + 1)]);
  }
  const int n = static_cast<int>(m_sectors.size());
  bool had_rate = false;
  int unsplit = 0;  // type bits of axes with one sector: those types are empty
  for (int a = 0; a < 3; ++a)
    if (m_sectors_per_axis[a] == 1) unsplit |= 1 << a;
  for (int i = 0; i < kTypes; ++i) {
    if (order[i] & unsplit) continue;
    const std::uint64_t subcycle = static_cast<std::uint64_t>(m_cycles) * kTypes + i;
    tbb::parallel_for(0, n, [&](int k) { run_sector(k, order[i], duration_s, subcycle); });
    // Synchronisation: defects that crossed into another sector join its lists,
    // in sector order (the same order whatever ran first).
    for (int k = 0; k < n; ++k) {
      for (int d : m_sectors[k].leaving) {
        const int region = region_of(m_engine.m_defect_cell[d]);
        m_sectors[region / kTypes].defects[region % kTypes].push_back(d);
      }
      m_sectors[k].leaving.clear();
      had_rate = had_rate || m_sectors[k].had_rate;
    }
  }
  for (auto& s : m_sectors) {
    for (std::size_t c = 0; c < s.hops.size(); ++c) {
      m_engine.m_hops[c] += s.hops[c];
      m_engine.m_hop_length_sq[c] += s.hop_length_sq[c];
      s.hops[c] = 0;
      s.hop_length_sq[c] = 0.0;
    }
    if (m_crossings) m_crossings->add(s.crossings);
    m_engine.m_events += s.events;
    m_engine.m_clamped_events += s.clamped;
    s.events = s.clamped = 0;
  }
  m_engine.m_time_s += duration_s;
  ++m_cycles;
  m_stalled = !had_rate;
}

void SectorKmcEngine::run_sector(int k, int type, double duration_s, std::uint64_t subcycle) {
  Sector& s = m_sectors[k];
  const auto& list = s.defects[type];
  const int n = static_cast<int>(list.size());
  s.tree.resize(n);
  for (int i = 0; i < n; ++i) {
    const int d = list[i];
    // Rates still fresh (no site they read changed since) are reused as they are.
    s.tree.set_leaf_only(i, is_fresh(d) ? m_total[d] : refresh(d, s.scratch));
    m_leaf[d] = i;
  }
  s.tree.rebuild();
  s.had_rate = s.tree.total() > 0.0;
  RandomGenerator rng(m_seed, RandomStream::kSectorKmcEvents, m_replica << kSectorBits | static_cast<std::uint32_t>(k));
  rng.restore(subcycle << 32, 0);
  const int region = k * kTypes + type;
  double t = 0.0;
  while (true) {
    const double total = s.tree.total();
    if (!(total > 0.0)) break;
    const double u_select = rng.uniform_open();
    const double u_time = rng.uniform_open();
    t += -std::log(u_time) / total;
    if (t > duration_s) break;  // the event past the window is discarded (Shim & Amar)
    double local = 0.0;
    const int leaf = static_cast<int>(s.tree.find(u_select * total, &local));
    const int d = list[leaf];
    execute(s, region, leaf, d, pick_slot(&m_rates[static_cast<std::size_t>(d) * m_stride], m_stride, local));
  }
  for (int d : list) m_leaf[d] = -1;
  sort_out(k, type);
}

void SectorKmcEngine::execute(Sector& s, int region, int leaf, int d, int slot_index) {
  auto& e = m_engine;
  Defect& defect = e.m_defects[d];
  const int origin = defect.site;
  const lattice::CellIndex origin_cell = e.m_defect_cell[d];
  const auto& slot = m_model.catalog().slots(m_supercell.mobile_of(origin))[slot_index];
  const KmcModel::HopEffect hop = m_model.hop_effect(origin, origin_cell, slot_index);
  const auto& changed = hop.changed;
  const auto& changed_cell = hop.changed_cell;
  const int target = changed[1];
  const lattice::CellIndex target_cell = changed_cell[1];
  // From the occupancy before the hop, as the serial runner counts them.
  if (m_crossings) m_crossings->count(defect, slot_index, e.m_occupancy, s.crossings);
  for (int i = 0; i < hop.n_moves; ++i) {
    const auto& move = hop.moves[i];
    const int ion = e.m_ion_at_site[move.from];
    const Occupant species = e.m_occupancy[move.from];
    e.m_occupancy[move.to] = species;
    e.m_occupancy[move.from] = kEmpty;
    e.m_ion_at_site[move.to] = ion;
    e.m_ion_at_site[move.from] = -1;
    for (int c = 0; c < 3; ++c) e.m_ion_displacement[ion][c] += move.displacement[c];
    s.hops[species] += 1;
    s.hop_length_sq[species] += move.displacement.squaredNorm();
  }
  if (m_clamped[static_cast<std::size_t>(d) * m_stride + slot_index]) ++s.clamped;
  ++s.events;
  set_defect_at(origin, -1);
  set_defect_at(target, d);
  set_defect_bit(origin, false);
  set_defect_bit(target, true);
  defect.site = target;
  e.m_defect_cell[d] = target_cell;
  for (int c = 0; c < 3; ++c) defect.displacement[c] += slot.defect_displacement[c];

  // A defect that left the active sub-sector waits for its own sub-sector's turn.
  if (region_of(target_cell) == region) {
    s.tree.set(leaf, refresh(d, s.scratch));
  } else {
    s.tree.set(leaf, 0.0);
    m_leaf[d] = -1;
    set_fresh(d, false);
  }
  // The other defects whose rates read a changed site: active ones are
  // refreshed now, the others (idle sub-sectors, other sectors' idle halves)
  // marked stale and refreshed when their turn comes. Beyond the active
  // sub-sector another sector may be moving defects: there only the atomic
  // bitmap, site index and flag are touched (a defect arriving there unseen
  // is stale anyway: it left its own active sub-sector).
  s.impacted.clear();
  for (int i = 0; i < 3; ++i) {
    if (changed[i] < 0) continue;
    const int mobile = m_supercell.mobile_of(changed[i]);
    const auto& offsets = m_model.dependents(mobile);
    const auto& deltas = m_model.dependent_deltas(mobile);
    const bool interior = m_supercell.interior(changed_cell[i], m_model.reach());
    const auto frame = m_supercell.frame(changed_cell[i], interior ? 0 : m_model.reach());
    for (std::size_t j = 0; j < offsets.size(); ++j) {
      const int x = interior ? changed[i] + deltas[j] : frame.site(offsets[j]);
      if (!has_defect(x)) continue;  // the bitmap rules out most sites cheaply
      const int w = defect_at(x);
      if (w < 0 || w == d) continue;
      if (region_of(m_supercell.cell_of(x)) != region) {
        set_fresh(w, false);
      } else if (std::find(s.impacted.begin(), s.impacted.end(), w) == s.impacted.end()) {
        s.impacted.push_back(w);
      }
    }
  }
  for (int w : s.impacted) s.tree.set(m_leaf[w], refresh(w, s.scratch));
}

void SectorKmcEngine::sort_out(int k, int type) {
  Sector& s = m_sectors[k];
  auto& list = s.defects[type];
  std::size_t kept = 0;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const int d = list[i];
    const int region = region_of(m_engine.m_defect_cell[d]);
    if (region == k * kTypes + type) {
      list[kept++] = d;
    } else if (region / kTypes == k) {
      s.defects[region % kTypes].push_back(d);
    } else {
      s.leaving.push_back(d);
    }
  }
  list.resize(kept);
}

void SectorKmcEngine::count_crossings(PlaneCrossingCounter* counter) {
  m_crossings = counter;
  for (auto& s : m_sectors) s.crossings = counter ? counter->zero_counts() : CrossingCounts{};
}

void SectorKmcEngine::finish() { m_engine.restore(m_engine.state()); }

}  // namespace hkmc::kmc
