#include "hkmc/kmc/KmcEngine.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

#include "hkmc/common/Error.hpp"

namespace hkmc::kmc {

using lattice::kEmpty;
using lattice::MechanismKind;
using lattice::Occupant;
using lattice::SiteRole;

const char* defect_type_name(DefectType type) {
  return type == DefectType::kVacancy ? "vacancy" : "interstitial";
}

KmcEngine::KmcEngine(const KmcModel& model, std::vector<Occupant> occupancy, std::uint64_t seed,
                     std::uint32_t replica)
    : m_model(model),
      m_supercell(model.supercell()),
      m_occupancy(std::move(occupancy)),
      m_stride(std::max(1, model.catalog().max_slots())),
      m_memo_on(model.memo_usable()),
      m_pending_memo_hits(&model),
      m_rate_memo(model.rate_law()),
      m_rng(seed, RandomStream::kKmcEvents, replica) {
  const int n = m_supercell.num_sites();
  if (static_cast<int>(m_occupancy.size()) != n)
    throw Error("occupancy has " + std::to_string(m_occupancy.size()) + " entries for " +
                std::to_string(n) + " sites");
  if (const std::string why = model.split_pair_violation(m_occupancy); !why.empty())
    throw Error("the initial occupancy breaks the split-pair rules: " + why);
  m_ion_at_site.assign(n, -1);
  const int codes = model.species().size() + 1;
  m_hops.assign(codes, 0);
  m_hop_length_sq.assign(codes, 0.0);
  for (int s = 0; s < n; ++s) {
    const Occupant o = m_occupancy[s];
    if (o != kEmpty) {
      if (o >= codes) throw Error("occupancy holds an unknown species code");
      m_ion_at_site[s] = static_cast<int>(m_ion_species.size());
      m_ion_species.push_back(o);
    }
    const SiteRole role = m_supercell.role(s);
    const bool vacancy = role == SiteRole::kLattice && o == kEmpty;
    const bool interstitial = role == SiteRole::kInterstitial && o != kEmpty;
    if (vacancy || interstitial) {
      m_defects.push_back(
          Defect{s, vacancy ? DefectType::kVacancy : DefectType::kInterstitial, {0, 0, 0}});
    }
  }
  m_ion_displacement.assign(m_ion_species.size(), Vec3{0, 0, 0});
  m_defect_at_site.reset(m_defects.size());
  for (int d = 0; d < static_cast<int>(m_defects.size()); ++d) m_defect_at_site.insert(m_defects[d].site, d);
  rebuild_defect_bits();
  for (const auto& d : m_defects) m_defect_cell.push_back(m_supercell.cell_of(d.site));
  m_rates.assign(m_defects.size() * m_stride, 0.0);
  m_clamped.assign(m_rates.size(), 0);
  m_refreshed_at.assign(m_defects.size(), -1);
  m_tree.resize(m_defects.size());
  rebuild_pair_field();
  for (int d = 0; d < static_cast<int>(m_defects.size()); ++d) refresh_defect(d);
  settle_missing();
}

void KmcEngine::settle_missing() {
  if (m_missing_defects.empty()) return;
  // The barriers are pure functions of their keys, so computing them here, in
  // any order and on any number of threads, leaves the trajectory unchanged.
  m_model.provider().prepare(m_missing_keys);
  m_missing_keys.clear();
  std::vector<int> again;
  again.swap(m_missing_defects);
  for (int d : again) refresh_defect(d);
  if (!m_missing_defects.empty())
    throw Error("internal: the barrier provider did not provide the barriers it prepared");
}

void KmcEngine::set_barrier_memo(bool on) {
  m_memo_on = on && m_model.memo_usable();
  if (!m_memo_on) m_memo.clear();
}

void KmcEngine::rebuild_defect_bits() {
  m_defect_bits.assign((m_occupancy.size() + 63) / 64 + 1, 0);  // + 1: defect_window reads one word past a site
  for (const auto& d : m_defects) m_defect_bits[d.site >> 6] |= std::uint64_t{1} << (d.site & 63);
}

void KmcEngine::rebuild_pair_field() {
  const auto* h = m_model.hamiltonian();
  if (!h || h->field_stride() == 0) return;
  const std::size_t stride = h->field_stride();
  m_pair_field.assign(m_occupancy.size() * stride, 0);
  for (int s = 0; s < static_cast<int>(m_occupancy.size()); ++s)
    h->count_field(s, m_occupancy, m_pair_field.data() + s * stride);
}

void KmcEngine::update_pair_field(int site, const lattice::CellIndex& cell, Occupant before) {
  if (m_pair_field.empty()) return;
  const auto* h = m_model.hamiltonian();
  const int col_before = h->field_column(before), col_now = h->field_column(m_occupancy[site]);
  if (col_before == col_now) return;
  const std::size_t stride = h->field_stride();
  auto update = [&](int partner, int index) {
    std::uint8_t* counts = m_pair_field.data() + static_cast<std::size_t>(partner) * stride + index;
    if (col_before >= 0) --counts[col_before];
    if (col_now >= 0) ++counts[col_now];
  };
  const auto& links = h->field_links(m_supercell.mobile_of(site));
  if (m_supercell.interior(cell, h->reach())) {
    for (const auto& link : links) update(site + link.delta, link.index);
  } else {
    const auto frame = m_supercell.frame(cell, h->reach());
    for (const auto& link : links) update(frame.site(link.other), link.index);
  }
}

void KmcEngine::apply_field_updates(const KmcModel::FieldUpdateList& list, int origin,
                                    const lattice::CellIndex& origin_cell) {
  // After the hop the origin holds the ion that moved; the vacancy's column
  // (pair terms with "Va") changes the other way.
  const auto& h = *m_model.hamiltonian();
  const int col = h.field_column(m_occupancy[origin]), col_vacancy = h.field_column(kEmpty);
  if (col < 0 && col_vacancy < 0) return;
  const std::size_t stride = h.field_stride();
  auto update = [&](int partner, const KmcModel::FieldUpdate& u) {
    std::uint8_t* counts = &m_pair_field[static_cast<std::size_t>(partner) * stride + u.index];
    if (col >= 0) counts[col] = static_cast<std::uint8_t>(counts[col] + u.sign);
    if (col_vacancy >= 0) counts[col_vacancy] = static_cast<std::uint8_t>(counts[col_vacancy] - u.sign);
  };
  if (m_supercell.interior(origin_cell, list.reach)) {
    std::uint8_t* here = &m_pair_field[static_cast<std::size_t>(origin) * stride];
    for (const int c : {col, col_vacancy}) {
      if (c < 0) continue;
      const int gain = c == col ? 1 : -1;
      for (const int at : list.gains) here[at + c] = static_cast<std::uint8_t>(here[at + c] + gain);
      for (const int at : list.losses) here[at + c] = static_cast<std::uint8_t>(here[at + c] - gain);
    }
  } else {
    const auto frame = m_supercell.frame(origin_cell, list.reach);
    for (const auto& u : list.updates) update(frame.site(u.partner), u);
  }
}

void KmcEngine::note_hop_change(const int* changed, const Occupant* before) {
  const auto& h = *m_model.hamiltonian();
  m_hop_change.columns = 0;
  for (int i = 0; i < 3; ++i) {
    m_hop_change.sites[i] = changed[i];
    if (changed[i] < 0 || before[i] == m_occupancy[changed[i]]) continue;
    for (const Occupant o : {before[i], m_occupancy[changed[i]]})
      if (const int c = h.field_column(o); c >= 0) m_hop_change.columns |= std::uint64_t{1} << c;
  }
}

void KmcEngine::refresh_defect(int d, std::uint64_t slots_to_update) {
  const int site = m_defects[d].site;
  const int mobile = m_supercell.mobile_of(site);
  const auto& cell = m_defect_cell[d];
  const std::size_t base = index(d, 0);
  double total = 0.0;
  int n_slots = 0;
  if (m_model.tabulated()) {
    // Fast path: the same decisions as KmcModel::hop_rate, with the rates read
    // from the model's table (the consistency tests compare the two).
    n_slots = static_cast<int>(m_model.fast_slots(mobile).size());
    total = m_model.tabulated_rates(site, cell, m_occupancy, &m_rates[base], &m_clamped[base]);
  } else if (m_model.field_rates()) {
    n_slots = static_cast<int>(m_model.fast_slots(mobile).size());
    field_rates(d, site, mobile, base, slots_to_update);
    for (int k = 0; k < n_slots; ++k) total += m_rates[base + k];
  } else {
    n_slots = static_cast<int>(m_model.catalog().slots(mobile).size());
    m_scratch.was_missing = false;
    // Set here: engines may move.
    m_scratch.missing = m_model.on_demand() ? &m_missing_keys : nullptr;
    m_scratch.pair_field = m_pair_field.empty() ? nullptr : m_pair_field.data();
    m_scratch.memo = m_memo_on ? &m_memo : nullptr;
    if (m_scratch.memo) {  // one defect's lookups at once: their cache misses overlap
      m_model.prefetch_barriers(site, cell, slots_to_update, m_occupancy, m_scratch);
      m_scratch.slot_keys_ready = !m_scratch.slot_keys.empty();
    }
    for (int k = 0; k < n_slots; ++k) {
      if (!(slots_to_update >> std::min(k, 63) & 1u)) continue;
      const auto* hit = m_model.memo_rest_entry(mobile, k, m_scratch);  // the warm-cache shortcut
      const auto r = hit ? KmcModel::rest_rate(*hit) : m_model.hop_rate(site, cell, k, m_occupancy, m_scratch);
      m_rates[base + k] = r.rate_hz;
      m_clamped[base + k] = r.clamped;
    }
    m_scratch.slot_keys_ready = false;
    // Summed in slot order, whichever slots changed: the same bits as a full refresh.
    for (int k = 0; k < n_slots; ++k) total += m_rates[base + k];
    if (m_scratch.was_missing) m_missing_defects.push_back(d);
    if (m_scratch.memo_hits - m_pending_memo_hits.flushed >= 4096) flush_memo_hits();
  }
  for (int k = n_slots; k < m_stride; ++k) m_rates[base + k] = 0.0;
  m_tree.set(d, total);
  m_refreshed_at[d] = m_events;
}

void KmcEngine::field_rates(int d, int site, int mobile, std::size_t base, std::uint64_t slots_to_update) {
  // The decisions of KmcModel::hop_rate and its ΔE (the same calls on the same
  // counts, so the same bits; the consistency tests compare the two), with
  // the origin's part of ΔE computed once per occupant it would take.
  // Arrays are read through local pointers: the byte stores to m_clamped may
  // alias anything, which would otherwise reload every vector each slot.
  const auto& slots = m_model.fast_slots(mobile);
  const int n_slots = static_cast<int>(slots.size());
  const KmcModel::FastSlot* slot_data = slots.data();
  const auto& h = *m_model.hamiltonian();
  const auto& cell = m_defect_cell[d];
  const int codes = m_model.codes();
  const int stride = h.field_stride();
  const Occupant* occupancy = m_occupancy.data();
  const std::uint8_t* pair_field = m_pair_field.data();
  double* rates = m_rates.data() + base;
  std::uint8_t* clamped = m_clamped.data() + base;
  auto field_of = [&](int s) { return stride ? pair_field + static_cast<std::size_t>(s) * stride : nullptr; };
  const bool interior = m_supercell.interior(cell, m_model.slot_reach());
  const Occupant here = occupancy[site];
  constexpr int kCachedCodes = 16;
  double origin_part[kCachedCodes];
  std::uint32_t have_origin = 0;
  const HopChange change = m_hop_change;
  if (const KmcModel::VacancyHop* hops = m_model.vacancy_hops(mobile); hops && codes <= kCachedCodes) {
    // A vacancy: the hop's constants in one record, the origin's part once
    // per moving species.
    for (int k = 0; k < n_slots; ++k) {
      if (!(slots_to_update >> std::min(k, 63) & 1u)) continue;
      const auto& fs = slot_data[k];
      const int target = interior ? site + fs.target_delta : m_supercell.shifted_from(cell, fs.target);
      const Occupant moving = occupancy[target];
      if (moving == kEmpty) {
        rates[k] = 0.0;
        clamped[k] = 0;
        continue;
      }
      const KmcModel::VacancyHop& hop = hops[fs.table_base + moving * codes];
      if (change.active && !(hop.columns_read & change.columns) && target != change.sites[0] &&
          target != change.sites[1] && target != change.sites[2])
        continue;  // nothing this rate reads has changed
      if (!(have_origin >> moving & 1u)) {
        origin_part[moving] = h.site_part(mobile, here, moving, field_of(site));
        have_origin |= 1u << moving;
      }
      const double target_part = barriers::LatticeHamiltonian::add_weighted_counts(
          hop.target_point, hop.weights, pair_field + static_cast<std::size_t>(target) * stride);
      double delta_e = 0.0;  // LatticeHamiltonian::combine's order
      delta_e += origin_part[moving];
      delta_e += target_part;
      delta_e += hop.bond;
      const auto a = m_model.rate_law().activation(hop.e_kra, delta_e, hop.work);
      rates[k] = m_rate_memo.rate_at(a.e_a_ev);
      clamped[k] = a.clamped;
    }
    return;
  }
  for (int k = 0; k < n_slots; ++k) {
    if (!(slots_to_update >> std::min(k, 63) & 1u)) continue;
    const auto& fs = slot_data[k];
    const int target = interior ? site + fs.target_delta : m_supercell.shifted_from(cell, fs.target);
    const Occupant at_target = occupancy[target];
    int sites[3] = {site, target, -1};
    Occupant after[3] = {kEmpty, kEmpty, kEmpty};
    int table = -1;
    switch (fs.kind) {
      case MechanismKind::kVacancy:
        if (at_target != kEmpty) {
          after[0] = at_target;
          table = fs.table_base + at_target * codes;
        }
        break;
      case MechanismKind::kInterstitial:
        if (at_target == kEmpty) {
          after[1] = here;
          table = fs.table_base + here * codes;
        }
        break;
      case MechanismKind::kInterstitialcy: {
        const int via = interior ? site + fs.via_delta : m_supercell.shifted_from(cell, fs.via);
        const Occupant pushed = occupancy[via];
        if (at_target == kEmpty && pushed != kEmpty) {
          sites[1] = via;
          sites[2] = target;
          after[1] = here;
          after[2] = pushed;
          table = fs.table_base + here * codes + pushed;
        }
        break;
      }
      case MechanismKind::kSplit:  // never a slot's kind; no Hamiltonian with split pairs (KmcModel)
        break;
    }
    if (table < 0) {
      rates[k] = 0.0;
      clamped[k] = 0;
      continue;
    }
    const auto& changed = m_model.changed_sites(mobile, k);
    double parts[3];
    if (after[0] < kCachedCodes && (have_origin >> after[0] & 1u)) {
      parts[0] = origin_part[after[0]];
    } else {
      parts[0] = h.site_part(changed.mobile[0], here, after[0], field_of(site));
      if (after[0] < kCachedCodes) {
        origin_part[after[0]] = parts[0];
        have_origin |= 1u << after[0];
      }
    }
    for (int i = 1; i < changed.n; ++i)
      parts[i] = h.site_part(changed.mobile[i], occupancy[sites[i]], after[i], field_of(sites[i]));
    const double delta_e = h.combine(changed, parts, m_model.bond_part(table), std::span<const int>(sites, changed.n),
                                     std::span<const Occupant>(after, changed.n), m_occupancy);
    const auto a = m_model.tabulated_activation(table, delta_e);
    rates[k] = m_rate_memo.rate_at(a.e_a_ev);
    clamped[k] = a.clamped;
  }
}

double KmcEngine::recomputed_total_rate_hz() const {
  std::string buffer;
  double total = 0.0;
  for (const auto& defect : m_defects) {
    const auto& slots = m_model.catalog().slots(m_supercell.mobile_of(defect.site));
    for (int k = 0; k < static_cast<int>(slots.size()); ++k)
      total += m_model.hop_rate(defect.site, k, m_occupancy, buffer).rate_hz;
  }
  return total;
}

std::optional<PlannedEvent> KmcEngine::plan() {
  const double total = m_tree.total();
  if (!(total > 0.0)) return std::nullopt;
  const double u_select = m_rng.uniform_open();
  const double u_time = m_rng.uniform_open();
  double local = 0.0;  // position inside the chosen defect's interval
  const int d = static_cast<int>(m_tree.find(u_select * total, &local));
  const int chosen = pick_slot(&m_rates[index(d, 0)], m_stride, local);
  // The hop will read the moving ion's index: start loading it now.
  const int site = m_defects[d].site;
  const auto& slot = m_model.fast_slots(m_supercell.mobile_of(site))[chosen];
  __builtin_prefetch(&m_ion_at_site[m_supercell.shifted_from(m_defect_cell[d], slot.target)]);
  __builtin_prefetch(&m_ion_at_site[site]);
  return PlannedEvent{d, chosen, -std::log(u_time) / total};
}

void KmcEngine::move_ion(int from, int to, const Eigen::Vector3d& displacement) {
  const int ion = m_ion_at_site[from];
  const Occupant species = m_occupancy[from];
  __builtin_prefetch(&m_ion_displacement[ion], 1);
  m_occupancy[to] = species;
  m_occupancy[from] = kEmpty;
  m_ion_at_site[to] = ion;
  m_ion_at_site[from] = -1;
  m_pending[m_pending_count++] = PendingMove{ion, species, displacement};
}

void KmcEngine::apply_pending_displacements() {
  for (int i = 0; i < m_pending_count; ++i) {
    const PendingMove& move = m_pending[i];
    auto& r = m_ion_displacement[move.ion];
    for (int k = 0; k < 3; ++k) r[k] += move.displacement[k];
    m_hops[move.species] += 1;
    m_hop_length_sq[move.species] += move.displacement.squaredNorm();
  }
  m_pending_count = 0;
}

void KmcEngine::execute(const PlannedEvent& event) {
  Defect& defect = m_defects[event.defect];
  const int origin = defect.site;
  const lattice::CellIndex origin_cell = m_defect_cell[event.defect];
  const auto& slot = m_model.catalog().slots(m_supercell.mobile_of(origin))[event.slot];
  // Changed sites and their cells, for the impact update below.
  const KmcModel::HopEffect hop = m_model.hop_effect(origin, origin_cell, event.slot);
  const auto& changed = hop.changed;
  const auto& changed_cell = hop.changed_cell;
  const int target = changed[1];
  const lattice::CellIndex& target_cell = changed_cell[1];
  const Occupant before[3] = {m_occupancy[origin], m_occupancy[target],
                              changed[2] >= 0 ? m_occupancy[changed[2]] : kEmpty};
  for (int i = 0; i < hop.n_moves; ++i) move_ion(hop.moves[i].from, hop.moves[i].to, hop.moves[i].displacement);
  if (m_clamped[index(event.defect, event.slot)]) ++m_clamped_events;
  m_defect_at_site.erase(origin);
  m_defect_at_site.insert(target, event.defect);
  m_defect_bits[origin >> 6] &= ~(std::uint64_t{1} << (origin & 63));
  m_defect_bits[target >> 6] |= std::uint64_t{1} << (target & 63);
  defect.site = target;
  m_defect_cell[event.defect] = target_cell;
  for (int k = 0; k < 3; ++k) defect.displacement[k] += slot.defect_displacement[k];
  m_time_s += event.dt_s;
  ++m_events;

  if (!m_pair_field.empty()) {
    if (const auto* updates = m_model.vacancy_field_updates(m_supercell.mobile_of(origin), event.slot)) {
      apply_field_updates(*updates, origin, origin_cell);
    } else {
      for (int i = 0; i < 3; ++i)
        if (changed[i] >= 0) update_pair_field(changed[i], changed_cell[i], before[i]);
    }
    note_hop_change(changed, before);
  }
  refresh_defect(event.defect);
  // The other defects whose rates read a changed site, with the slots that
  // read one (a slot whose inputs did not change keeps its rate).
  m_impacted.clear();
  auto impact = [this](int w, std::uint64_t slots) {
    if (w < 0 || m_refreshed_at[w] == m_events) return;  // none, or the defect that moved
    for (auto& [d, mask] : m_impacted)
      if (d == w) {
        mask |= slots;
        return;
      }
    m_impacted.emplace_back(w, slots);
  };
  // The hop's impact list: rows of consecutive sites, each tested against
  // the defect bitmap (one bit a site: stays in L1 where the occupancy would
  // not) a word at a time. Near a face along the fastest axis a row wraps
  // once (when a column of the box holds at least 64 sites): its members up
  // to the face are consecutive from its start, the rest from the column's
  // first site. In smaller boxes, member by member.
  const auto& list = m_model.impact_list(m_supercell.mobile_of(origin), event.slot);
  const bool interior = m_supercell.interior(origin_cell, list.reach);
  const int nz = m_supercell.dims()[2];
  const int column_sites = nz * m_supercell.mobile_count();
  const bool rows_consecutive = origin_cell[2] >= list.z_reach && origin_cell[2] < nz - list.z_reach;
  const auto frame = m_supercell.frame(origin_cell, interior ? 0 : list.reach);
  // Members of `row` whose bits (from `shift` on) are in `members`, the window starting at site `base`.
  auto scan = [&](const KmcModel::ImpactRow& row, int base, std::uint64_t members, int shift) {
    for (std::uint64_t hits = defect_window(base) & members; hits; hits &= hits - 1) {
      const int bit = std::countr_zero(hits);
      const int member = row.first + std::popcount(row.members & ((std::uint64_t{1} << (bit + shift)) - 1));
      impact(m_defect_at_site.find(base + bit), list.slots[member]);
    }
  };
  for (const auto& row : list.rows) {
    if (rows_consecutive) {
      scan(row, interior ? origin + row.delta : frame.site(row.start), row.members, 0);
    } else if (column_sites >= 64) {
      const int start = frame.site(row.start);
      const int before_face = column_sites - start % column_sites;  // sites from start to the column's end
      if (before_face >= 64) {
        scan(row, start, row.members, 0);
      } else {
        scan(row, start, row.members & ((std::uint64_t{1} << before_face) - 1), 0);
        scan(row, start + before_face - column_sites, row.members >> before_face, before_face);
      }
    } else {
      for (int member = row.first, end = row.first + row.count; member < end; ++member) {
        const int x = frame.site(list.offsets[member]);
        if (m_defect_bits[x >> 6] >> (x & 63) & 1u) impact(m_defect_at_site.find(x), list.slots[member]);
      }
    }
  }
  m_hop_change.active = !m_pair_field.empty();
  for (const auto& [w, slots] : m_impacted) refresh_defect(w, slots);
  m_hop_change.active = false;
  settle_missing();
  apply_pending_displacements();
}

EngineState KmcEngine::state() const {
  EngineState s;
  s.occupancy = m_occupancy;
  s.ion_at_site = m_ion_at_site;
  s.ion_species = m_ion_species;
  s.ion_displacement = m_ion_displacement;
  s.defects = m_defects;
  s.hops = m_hops;
  s.hop_length_sq = m_hop_length_sq;
  s.time_s = m_time_s;
  s.events = m_events;
  s.clamped_events = m_clamped_events;
  s.rng_counter = m_rng.counter();
  s.rng_buffered = m_rng.buffered();
  return s;
}

void KmcEngine::restore(const EngineState& s) {
  // Every check happens before the first assignment: a state that does not
  // belong to this model (a foreign or damaged checkpoint) leaves the engine as it was.
  const int n = m_supercell.num_sites();
  const int codes = m_model.species().size() + 1;
  auto fail = [](const std::string& why) { throw Error("engine state does not fit the model: " + why); };
  if (static_cast<int>(s.occupancy.size()) != n || static_cast<int>(s.ion_at_site.size()) != n)
    fail("site arrays hold " + std::to_string(s.occupancy.size()) + " and " +
         std::to_string(s.ion_at_site.size()) + " entries for " + std::to_string(n) + " sites");
  // Ions keep their species for ever and defects their type: both must be this run's.
  if (s.ion_species != m_ion_species) fail("the ions' species differ from this run's");
  if (s.ion_displacement.size() != m_ion_species.size()) fail("ion displacement count differs");
  if (s.defects.size() != m_defects.size()) fail("defect count differs");
  for (std::size_t d = 0; d < m_defects.size(); ++d)
    if (s.defects[d].type != m_defects[d].type) fail("defect types differ");
  if (static_cast<int>(s.hops.size()) != codes || static_cast<int>(s.hop_length_sq.size()) != codes)
    fail("per-species counters have the wrong length");
  std::vector<std::uint8_t> seen(m_ion_species.size(), 0);
  std::size_t expected_defects = 0;
  for (int site = 0; site < n; ++site) {
    const Occupant o = s.occupancy[site];
    const int ion = s.ion_at_site[site];
    if (o >= codes) fail("unknown species code at site " + std::to_string(site));
    if ((o == kEmpty) != (ion == -1)) fail("ion index and occupancy disagree at site " + std::to_string(site));
    if (ion != -1) {
      if (ion < 0 || ion >= static_cast<int>(seen.size()) || seen[ion] || s.ion_species[ion] != o)
        fail("bad ion index at site " + std::to_string(site));
      seen[ion] = 1;
    }
    const SiteRole role = m_supercell.role(site);
    if ((role == SiteRole::kLattice && o == kEmpty) || (role == SiteRole::kInterstitial && o != kEmpty))
      ++expected_defects;
  }
  if (expected_defects != s.defects.size()) fail("occupancy and defect list disagree");
  if (const std::string why = m_model.split_pair_violation(s.occupancy); !why.empty()) fail(why);
  std::vector<std::uint8_t> defect_site(n, 0);
  for (const auto& d : s.defects) {
    if (d.site < 0 || d.site >= n || defect_site[d.site]) fail("bad or repeated defect site");
    defect_site[d.site] = 1;
    const SiteRole role = m_supercell.role(d.site);
    const bool ok = d.type == DefectType::kVacancy
                        ? role == SiteRole::kLattice && s.occupancy[d.site] == kEmpty
                        : role == SiteRole::kInterstitial && s.occupancy[d.site] != kEmpty;
    if (!ok) fail("defect at site " + std::to_string(d.site) + " is not where the occupancy puts one");
    for (double x : d.displacement)
      if (!std::isfinite(x)) fail("non-finite defect displacement");
  }
  for (const auto& r : s.ion_displacement)
    for (double x : r)
      if (!std::isfinite(x)) fail("non-finite ion displacement");
  for (int c = 0; c < codes; ++c)
    if (s.hops[c] < 0 || !std::isfinite(s.hop_length_sq[c]) || s.hop_length_sq[c] < 0) fail("bad hop counters");
  if (!std::isfinite(s.time_s) || s.time_s < 0 || s.events < 0 || s.clamped_events < 0 ||
      s.clamped_events > s.events)
    fail("bad clock or event counters");
  if (s.rng_buffered < 0 || s.rng_buffered > 2) fail("bad random-stream position");

  m_occupancy = s.occupancy;
  m_ion_at_site = s.ion_at_site;
  m_ion_displacement = s.ion_displacement;
  m_defects = s.defects;
  m_hops = s.hops;
  m_hop_length_sq = s.hop_length_sq;
  m_time_s = s.time_s;
  m_events = s.events;
  m_clamped_events = s.clamped_events;
  m_rng.restore(s.rng_counter, s.rng_buffered);
  m_pending_count = 0;
  // Derived data, rebuilt exactly as the constructor builds it: rates and
  // sum-tree nodes are pure functions of the occupancy, so they come out
  // bitwise equal to those of the uninterrupted run.
  m_defect_at_site.reset(m_defects.size());
  for (int d = 0; d < static_cast<int>(m_defects.size()); ++d) {
    m_defect_at_site.insert(m_defects[d].site, d);
    m_defect_cell[d] = m_supercell.cell_of(m_defects[d].site);
  }
  rebuild_defect_bits();
  m_memo.clear();  // still exact, but a restored engine starts like a new process
  m_missing_keys.clear();
  m_missing_defects.clear();
  rebuild_pair_field();
  for (int d = 0; d < static_cast<int>(m_defects.size()); ++d) refresh_defect(d);
  settle_missing();
}

bool KmcEngine::step() {
  const auto event = plan();
  if (!event) return false;
  execute(*event);
  return true;
}

}  // namespace hkmc::kmc
