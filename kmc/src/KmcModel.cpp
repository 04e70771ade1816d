#include "hkmc/kmc/KmcModel.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <optional>
#include <tuple>

#include "hkmc/common/Error.hpp"

namespace hkmc::kmc {

using lattice::kEmpty;
using lattice::MechanismKind;
using lattice::Occupant;
using lattice::SiteOffset;

namespace {

// The sites a split slot's pair rules read besides its target (KmcModel::split_allowed).
std::vector<SiteOffset> pair_rule_sites(const lattice::HopSlot& slot) {
  std::vector<SiteOffset> sites{slot.host, slot.required_ion};
  sites.insert(sites.end(), slot.required_empty.begin(), slot.required_empty.end());
  return sites;
}

}  // namespace

KmcModel::KmcModel(lattice::Supercell supercell, lattice::SpeciesTable species,
                   std::vector<lattice::Mechanism> mechanisms, double r_env_angstrom,
                   std::unique_ptr<barriers::BarrierProvider> provider,
                   const ModelParameters& parameters,
                   std::unique_ptr<barriers::LatticeHamiltonian> hamiltonian)
    : m_supercell(std::move(supercell)),
      m_species(std::move(species)),
      m_catalog(m_supercell, std::move(mechanisms), r_env_angstrom),
      m_provider(std::move(provider)),
      m_hamiltonian(std::move(hamiltonian)),
      m_parameters(parameters),
      m_rate_law(parameters.attempt_frequency_hz, parameters.temperature_k),
      m_needs_environment(m_provider->needs().environment || m_provider->needs().canonical_key),
      m_needs_key(m_provider->needs().canonical_key),
      m_rest_rates(!m_hamiltonian && parameters.field_v_per_angstrom.isZero()),
      m_codes(m_species.size() + 1) {
  m_parameters.charge_by_code_e.resize(m_codes, -1.0);
  if (m_catalog.has_split()) {
    // Split pairs: ΔE would need pair energies that do not depend on which
    // atom of a pair sits on the lattice site (docs/lattice.md); not built.
    if (m_hamiltonian)
      throw InputError("split interstitials cannot be combined with a lattice Hamiltonian yet ([energy] "
                       "hamiltonian): its terms would have to treat the two atoms of a pair alike; "
                       "leave out [energy] hamiltonian or use the interstitial mechanisms");
    // The field's work on a pair hop counts the three atoms that move, whose
    // net displacement is host to host only when all halides carry one charge.
    if (!m_parameters.field_v_per_angstrom.isZero())
      for (int c = 2; c < m_codes; ++c)
        if (m_parameters.charge_by_code_e[c] != m_parameters.charge_by_code_e[1])
          throw InputError("split interstitials in a field need every mobile species to carry the same "
                           "charge ([field] charges: " + m_species.name(1) + " and " +
                           m_species.name(static_cast<Occupant>(c)) + " differ)");
  }
  m_provider->attach(m_catalog);
  m_provider->check(m_catalog);

  const int n_mobile = m_supercell.mobile_count();
  if (!m_needs_environment) {
    const std::size_t size =
        static_cast<std::size_t>(n_mobile) * std::max(1, m_catalog.max_slots()) * m_codes * m_codes;
    m_e_kra_table.resize(size);
    m_work_table.resize(size);
    if (tabulated()) m_rate_cache.resize(size);
    for (int m = 0; m < n_mobile; ++m)
      for (int k = 0; k < static_cast<int>(m_catalog.slots(m).size()); ++k)
        for (int moving = 1; moving < m_codes; ++moving)
          for (int pushed = 0; pushed < m_codes; ++pushed) {
            const int i = cache_index(m, k, moving, pushed);
            const auto mover = static_cast<Occupant>(moving);
            // A mirrored split slot's key has the host's ion (indexed as `pushed`) as its mover.
            const auto key_mover = m_catalog.slots(m)[k].mirrored ? static_cast<Occupant>(pushed) : mover;
            m_e_kra_table[i] = key_mover == kEmpty ? std::numeric_limits<double>::infinity()
                                                   : *barrier(m, k, key_mover, {}, {}, nullptr);
            m_work_table[i] = field_work(m, k, mover, static_cast<Occupant>(pushed));
            if (tabulated()) m_rate_cache[i] = m_rate_law.rate(m_e_kra_table[i], 0.0, m_work_table[i]);
          }
  }

  if (m_needs_key) {
    // Memo key layout: [hop class | moving species | environment codes], 63 bits at most.
    int code_bits = 1;
    while ((1 << code_bits) < m_codes) ++code_bits;
    int class_bits = 0;
    while ((std::size_t{1} << class_bits) < m_catalog.classes().size()) ++class_bits;
    std::size_t longest = 0;
    for (int m = 0; m < n_mobile; ++m)
      for (const auto& slot : m_catalog.slots(m)) longest = std::max(longest, slot.environment.size());
    const std::size_t bits = (longest + 1) * code_bits + class_bits;
    if (bits <= 63) {
      m_memo_code_bits = code_bits;
      m_memo_class_shift = static_cast<int>((longest + 1) * code_bits);
    }
  }

  m_env_deltas.assign(n_mobile, {});
  for (int m = 0; m < n_mobile; ++m)
    for (const auto& slot : m_catalog.slots(m)) {
      std::vector<int> deltas;
      for (const auto& e : slot.environment) deltas.push_back(m_supercell.linear_delta(e, m));
      m_env_deltas[m].push_back(std::move(deltas));
    }
  if (m_hamiltonian) {
    // Changed sites in the order delta_energy() lists them: origin, (via,) target.
    m_changed.assign(n_mobile, {});
    for (int m = 0; m < n_mobile; ++m)
      for (const auto& slot : m_catalog.slots(m)) {
        std::vector<SiteOffset> sites{SiteOffset{m, {0, 0, 0}}};
        if (slot.via.mobile >= 0) sites.push_back(slot.via);
        sites.push_back(slot.target);
        m_changed[m].push_back(m_hamiltonian->changed_sites(sites));
      }
  }
  if (field_rates()) {
    // The bond part of every tabulated hop's ΔE: it depends on the hop and
    // its occupants only (LatticeHamiltonian::bond_part).
    m_bond_table.assign(m_e_kra_table.size(), 0.0);
    for (int m = 0; m < n_mobile; ++m)
      for (int k = 0; k < static_cast<int>(m_catalog.slots(m).size()); ++k)
        for (int moving = 1; moving < m_codes; ++moving)
          for (int pushed = 0; pushed < m_codes; ++pushed) {
            const auto s = static_cast<Occupant>(moving), p = static_cast<Occupant>(pushed);
            // Occupants of origin, (via,) target before and after, as delta_energy() lists them.
            Occupant before[3] = {kEmpty, s, kEmpty}, after[3] = {s, kEmpty, kEmpty};
            switch (m_catalog.slots(m)[k].kind) {
              case MechanismKind::kVacancy:
              case MechanismKind::kSplit:  // never a slot's kind; no Hamiltonian with split pairs
                break;
              case MechanismKind::kInterstitial:
                before[0] = s, before[1] = kEmpty, after[0] = kEmpty, after[1] = s;
                break;
              case MechanismKind::kInterstitialcy:
                before[0] = s, before[1] = p, after[0] = kEmpty, after[1] = s, after[2] = p;
                break;
            }
            m_bond_table[cache_index(m, k, s, p)] = m_hamiltonian->bond_part(m_changed[m][k], before, after);
          }
    if (m_hamiltonian->field_stride() > 0 && !m_hamiltonian->has_triplets()) {
      m_vacancy_hops.assign(m_e_kra_table.size(), {});
      m_all_vacancy_slots.assign(n_mobile, 1);
      for (int m = 0; m < n_mobile; ++m)
        for (int k = 0; k < static_cast<int>(m_catalog.slots(m).size()); ++k) {
          const auto& slot = m_catalog.slots(m)[k];
          if (slot.kind != MechanismKind::kVacancy) {
            m_all_vacancy_slots[m] = 0;
            continue;
          }
          for (int moving = 1; moving < m_codes; ++moving) {
            const auto s = static_cast<Occupant>(moving);
            const int i = cache_index(m, k, s, 0);
            const auto target_weights = m_hamiltonian->site_weights(slot.target.mobile, s, kEmpty);
            std::uint64_t columns_read = 0;
            const int columns = m_hamiltonian->field_columns();
            for (const auto& w : target_weights) columns_read |= std::uint64_t{1} << (w.index % columns);
            for (const auto& w : m_hamiltonian->site_weights(m, kEmpty, s))  // the origin's part
              columns_read |= std::uint64_t{1} << (w.index % columns);
            m_vacancy_hops[i] = VacancyHop{m_e_kra_table[i], m_work_table[i], m_bond_table[i],
                                           m_hamiltonian->point_difference(slot.target.mobile, s, kEmpty),
                                           target_weights, columns_read};
          }
        }
    }
  }
  m_fast_slots.assign(n_mobile, {});
  for (int m = 0; m < n_mobile; ++m)
    for (int k = 0; k < static_cast<int>(m_catalog.slots(m).size()); ++k) {
      const auto& slot = m_catalog.slots(m)[k];
      m_fast_slots[m].push_back(FastSlot{
          slot.target, slot.via, m_supercell.linear_delta(slot.target, m),
          slot.via.mobile >= 0 ? m_supercell.linear_delta(slot.via, m) : 0,
          slot.kind, cache_index(m, k, 0, 0), slot.split ? &slot : nullptr});
    }

  // Reverse the dependency of each defect's rates on the sites they read.
  m_dependents.assign(n_mobile, {});
  m_dependent_slots.assign(n_mobile, {});
  for (int w = 0; w < n_mobile; ++w) {
    for (int k = 0; k < static_cast<int>(m_catalog.slots(w).size()); ++k) {
      const auto& slot = m_catalog.slots(w)[k];
      // Slots past the mask's width are refreshed with the last bit.
      const std::uint64_t bit = std::uint64_t{1} << std::min(k, 63);
      std::vector<SiteOffset> reads{slot.target};
      if (slot.via.mobile >= 0) reads.push_back(slot.via);
      if (slot.split) {  // the pair rules read the hosts and the target's other sites
        const auto pair_reads = pair_rule_sites(slot);
        reads.insert(reads.end(), pair_reads.begin(), pair_reads.end());
      }
      if (m_needs_environment) reads.insert(reads.end(), slot.environment.begin(), slot.environment.end());
      if (m_hamiltonian) {
        // ΔE reads the cluster partners of every site the hop changes.
        std::vector<SiteOffset> changed{SiteOffset{w, {0, 0, 0}}, slot.target};
        if (slot.via.mobile >= 0) changed.push_back(slot.via);
        for (const auto& c : changed)
          for (const auto& p : m_hamiltonian->partners(c.mobile))
            reads.push_back(SiteOffset{p.mobile, {c.cell[0] + p.cell[0], c.cell[1] + p.cell[1], c.cell[2] + p.cell[2]}});
      }
      for (const auto& r : reads) {
        SiteOffset back{w, {-r.cell[0], -r.cell[1], -r.cell[2]}};
        auto& list = m_dependents[r.mobile];
        const auto at = std::find(list.begin(), list.end(), back) - list.begin();
        if (at == static_cast<std::ptrdiff_t>(list.size())) {
          list.push_back(back);
          m_dependent_slots[r.mobile].push_back(0);
        }
        m_dependent_slots[r.mobile][at] |= bit;
      }
    }
  }
  auto widen = [this](const SiteOffset& o) {
    for (int d = 0; d < 3; ++d) m_reach = std::max(m_reach, std::abs(o.cell[d]));
  };
  m_dependent_deltas.assign(n_mobile, {});
  m_dependent_is_interstitial.assign(n_mobile, {});
  const int probe = m_supercell.site({0, 0, 0}, 0);  // cell 0: roles depend on the basis only
  for (int c = 0; c < n_mobile; ++c)
    for (const auto& o : m_dependents[c]) {
      m_dependent_deltas[c].push_back(m_supercell.linear_delta(o, c));
      m_dependent_is_interstitial[c].push_back(
          m_supercell.role(probe + o.mobile) == lattice::SiteRole::kInterstitial);
      widen(o);
    }
  for (int m = 0; m < n_mobile; ++m)
    for (const auto& fs : m_fast_slots[m])
      for (const auto& o : {fs.target, fs.via})
        if (o.mobile >= 0)
          for (int d = 0; d < 3; ++d) m_slot_reach = std::max(m_slot_reach, std::abs(o.cell[d]));
  for (int m = 0; m < n_mobile; ++m)
    for (const auto& slot : m_catalog.slots(m))
      if (slot.split)
        for (const auto& o : pair_rule_sites(slot))
          for (int d = 0; d < 3; ++d) m_slot_reach = std::max(m_slot_reach, std::abs(o.cell[d]));
  m_reach = std::max(m_reach, m_slot_reach);
  // The engines index sites near the box faces through Supercell::Frame,
  // up to a hop's reach plus its dependents' (impact lists).
  constexpr int kMaxReach = lattice::Supercell::kFrameReach / 2;
  if (m_reach > kMaxReach)
    throw InputError("the hops, their environments and the Hamiltonian's clusters reach " + std::to_string(m_reach) +
                     " unit cells from a site; at most " + std::to_string(kMaxReach) +
                     " are supported (use fewer or shorter interaction shells, or a smaller r_env)");
  build_impact_lists();
  if (m_hamiltonian && m_hamiltonian->field_stride() > 0) build_field_updates();
}

void KmcModel::build_field_updates() {
  const int n_mobile = m_supercell.mobile_count();
  m_field_updates.assign(n_mobile, {});
  for (int m = 0; m < n_mobile; ++m)
    for (const auto& slot : m_catalog.slots(m)) {
      FieldUpdateList list;
      if (slot.kind != MechanismKind::kVacancy) {
        list.reach = -1;
        m_field_updates[m].push_back(std::move(list));
        continue;
      }
      // (partner offset from the origin's cell, field index) -> net change
      std::map<std::tuple<int, int, int, int, int>, int> net;
      for (const auto& [end, sign] : {std::pair{SiteOffset{m, {0, 0, 0}}, +1}, std::pair{slot.target, -1}})
        for (const auto& link : m_hamiltonian->field_links(end.mobile)) {
          const auto& o = link.other;
          net[{end.cell[0] + o.cell[0], end.cell[1] + o.cell[1], end.cell[2] + o.cell[2], o.mobile, link.index}] += sign;
        }
      for (const auto& [key, change] : net) {
        if (change == 0) continue;
        const auto [dx, dy, dz, mobile, index] = key;
        const SiteOffset partner{mobile, {dx, dy, dz}};
        const int delta = m_supercell.linear_delta(partner, m);
        list.updates.push_back(FieldUpdate{partner, index, change});
        for (int n = 0; n < std::abs(change); ++n)
          (change > 0 ? list.gains : list.losses).push_back(delta * m_hamiltonian->field_stride() + index);
        list.reach = std::max({list.reach, std::abs(dx), std::abs(dy), std::abs(dz)});
      }
      m_field_updates[m].push_back(std::move(list));
    }
}

void KmcModel::build_impact_lists() {
  // For each hop: the union over its changed sites of their dependents, as
  // offsets from the origin's cell with the slots they read, sorted into
  // rows of consecutive site indices (fixed cell offsets along the two slow
  // axes, at most 64 sites along the fastest one).
  const int n_mobile = m_supercell.mobile_count();
  const int M = n_mobile;
  m_impact.assign(n_mobile, {});
  for (int m = 0; m < n_mobile; ++m)
    for (const auto& slot : m_catalog.slots(m)) {
      std::vector<SiteOffset> changed{SiteOffset{m, {0, 0, 0}}, slot.target};
      if (slot.via.mobile >= 0) changed.push_back(slot.via);
      // (dx, dy, position along the row = dz * M + mobile) -> slots
      std::map<std::array<int, 3>, std::uint64_t> entries;
      for (const auto& c : changed)
        for (std::size_t j = 0; j < m_dependents[c.mobile].size(); ++j) {
          const SiteOffset& o = m_dependents[c.mobile][j];
          const std::array<int, 3> at{c.cell[0] + o.cell[0], c.cell[1] + o.cell[1], (c.cell[2] + o.cell[2]) * M + o.mobile};
          entries[at] |= m_dependent_slots[c.mobile][j];
        }
      ImpactList list;
      for (const auto& [at, slots] : entries) {
        const int dz = at[2] >= 0 ? at[2] / M : -((-at[2] + M - 1) / M);
        const SiteOffset offset{at[2] - dz * M, {at[0], at[1], dz}};
        list.reach = std::max({list.reach, std::abs(at[0]), std::abs(at[1]), std::abs(dz)});
        list.z_reach = std::max(list.z_reach, std::abs(dz));
        ImpactRow* row = list.rows.empty() ? nullptr : &list.rows.back();
        const bool same_row = row && row->start.cell[0] == at[0] && row->start.cell[1] == at[1] &&
                              at[2] - (row->start.cell[2] * M + row->start.mobile) < 64;
        if (!same_row) {
          list.rows.push_back(ImpactRow{offset, m_supercell.linear_delta(offset, m), 0,
                                        static_cast<int>(list.slots.size()), 0});
          row = &list.rows.back();
        }
        const int bit = at[2] - (row->start.cell[2] * M + row->start.mobile);
        row->members |= std::uint64_t{1} << bit;
        ++row->count;
        list.slots.push_back(slots);
        list.offsets.push_back(offset);
      }
      m_impact[m].push_back(std::move(list));
    }
}

std::optional<double> KmcModel::barrier(int mobile, int slot_index, Occupant moving,
                                        std::string_view env, std::span<const int> counts,
                                        RateScratch* scratch) const {
  const auto& slot = m_catalog.slots(mobile)[slot_index];
  const auto& hop_class = m_catalog.classes()[slot.hop_class];
  const auto& mechanism = m_catalog.mechanisms()[slot.mechanism];
  barriers::HopContext context{hop_class, mechanism.name, hop_class.path_type, moving, counts, env};
  if (!m_needs_key || !scratch) return m_provider->e_kra(context);
  // The memo first: the raw environment of a hop class determines its
  // canonical key, so the same raw key means the same barrier.
  BarrierMemo* memo = m_memo_code_bits > 0 ? scratch->memo : nullptr;
  std::uint64_t memo_key = 0;
  if (memo) {
    memo_key = this->memo_key(slot.hop_class, moving, env);
    if (const BarrierMemo::Entry* e = memo->find(memo_key)) {
      ++scratch->memo_hits;
      return e->e_kra_ev;
    }
  }
  // The canonical key of this hop (a hop, its reverse and its symmetry images
  // share it). The moving ion is the key's: for an interstitialcy the
  // interstitial that pushes.
  scratch->key.hop_class = slot.hop_class;
  scratch->key.moving_species = moving;
  m_catalog.canonicalize(slot.hop_class, scratch->environment, scratch->key.occupancy);
  context.key = &scratch->key;
  const auto found = scratch->missing ? m_provider->find(context) : std::optional<double>(m_provider->e_kra(context));
  if (!found) {
    scratch->missing->push_back(scratch->key);
    scratch->was_missing = true;
  } else if (memo && std::isfinite(*found)) {
    // Final: found only once computed; blocked (+inf) stays out.
    const auto rest = m_rate_law.rate(*found, 0.0, 0.0);
    memo->insert(memo_key, BarrierMemo::Entry{*found, rest.rate_hz, rest.clamped});
  }
  return found;
}

void KmcModel::BarrierMemo::insert(std::uint64_t key, const Entry& entry) {
  if (2 * (m_size + 1) > m_slots.size()) {  // load factor <= 1/2
    std::vector<Slot> old;
    old.swap(m_slots);
    m_slots.assign(std::max<std::size_t>(1024, 2 * old.size()), Slot{});
    m_mask = m_slots.size() - 1;
    m_size = 0;
    for (const auto& e : old)
      if (e.key != kFree) insert(e.key, e.entry);
  }
  std::size_t i = slot_of(key);
  while (m_slots[i].key != kFree && m_slots[i].key != key) i = (i + 1) & m_mask;
  if (m_slots[i].key == kFree) ++m_size;
  m_slots[i] = Slot{key, entry};
}

void KmcModel::gather_environment(int site, const lattice::CellIndex& cell, int mobile, int slot_index,
                                  std::span<const Occupant> occupancy, char* codes) const {
  if (m_supercell.interior(cell, m_reach)) {
    // Away from the box faces the environment sites are fixed index offsets.
    const auto& deltas = m_env_deltas[mobile][slot_index];
    for (std::size_t k = 0; k < deltas.size(); ++k) codes[k] = static_cast<char>(occupancy[site + deltas[k]]);
  } else {
    const auto frame = m_supercell.frame(cell, m_reach);
    const auto& environment = m_catalog.slots(mobile)[slot_index].environment;
    for (std::size_t k = 0; k < environment.size(); ++k)
      codes[k] = static_cast<char>(occupancy[frame.site(environment[k])]);
  }
}

void KmcModel::prefetch_barriers(int site, const lattice::CellIndex& cell, std::uint64_t slots_to_update,
                                 std::span<const Occupant> occupancy, RateScratch& scratch) const {
  if (!scratch.memo || m_memo_code_bits == 0) return;
  const int mobile = m_supercell.mobile_of(site);
  const auto& slots = m_catalog.slots(mobile);
  if (scratch.slot_keys.size() < slots.size()) scratch.slot_keys.resize(std::max(1, m_catalog.max_slots()));
  // Away from the box faces the sites are fixed index offsets; near them,
  // one frame serves every slot.
  const bool interior = m_supercell.interior(cell, m_reach);
  const std::optional<lattice::Supercell::Frame> frame =
      interior ? std::nullopt : std::optional(m_supercell.frame(cell, m_reach));
  const auto& fast = m_fast_slots[mobile];
  const auto& env_deltas = m_env_deltas[mobile];
  const Occupant* occ = occupancy.data();
  for (int k = 0; k < static_cast<int>(slots.size()); ++k) {
    if (!(slots_to_update >> std::min(k, 63) & 1u)) continue;
    const auto& slot = slots[k];
    // The moving ion as hop_rate() decides it; a blocked hop is never looked up.
    const Occupant moving =
        slot.kind == MechanismKind::kVacancy
            ? occ[interior ? site + fast[k].target_delta : frame->site(slot.target)]
        : slot.mirrored ? occ[m_supercell.shifted_from(cell, slot.host)]
                        : occ[site];
    std::uint64_t& key = scratch.slot_keys[k];
    if (moving == kEmpty) {
      key = BarrierMemo::kNoKey;
      continue;
    }
    if (interior) {
      const auto& deltas = env_deltas[k];
      key = pack_memo_key(slot.hop_class, moving, deltas.size(), [&](std::size_t j) { return occ[site + deltas[j]]; });
    } else {
      const auto& environment = slot.environment;
      key = pack_memo_key(slot.hop_class, moving, environment.size(),
                          [&](std::size_t j) { return occ[frame->site(environment[j])]; });
    }
    scratch.memo->prefetch(key);
  }
}

barriers::ProviderStatistics KmcModel::barrier_statistics() const {
  auto s = m_provider->statistics();
  if (s.on_demand) s.hits += barrier_memo_hits();
  return s;
}

double KmcModel::field_work(int mobile, int slot_index, Occupant moving, Occupant pushed) const {
  const auto& slot = m_catalog.slots(mobile)[slot_index];
  // Work done by the field on every moving charge: W = sum q F·Δr (e·V/Å·Å = eV).
  const Eigen::Vector3d& field = m_parameters.field_v_per_angstrom;
  const auto& q = m_parameters.charge_by_code_e;
  // A split-pair hop moves three atoms of one charge (checked in the
  // constructor); together they go from host to host, whichever labelling.
  if (slot.split) return q[moving] * field.dot(slot.pair_displacement);
  double work = 0.0;
  switch (slot.kind) {
    case MechanismKind::kSplit:  // never a slot's kind
      break;
    case MechanismKind::kVacancy:  // the ion jumps from the target into the vacancy
      work = q[moving] * field.dot(-slot.defect_displacement);
      break;
    case MechanismKind::kInterstitial:
      work = q[moving] * field.dot(slot.defect_displacement);
      break;
    case MechanismKind::kInterstitialcy:
      work = q[moving] * field.dot(slot.via_displacement) +
             q[pushed] * field.dot(slot.defect_displacement - slot.via_displacement);
      break;
  }
  return work;
}

barriers::HopRate KmcModel::hop_rate(int site, int slot_index, std::span<const Occupant> occupancy,
                                     std::string& env_buffer) const {
  RateScratch scratch;
  scratch.environment.swap(env_buffer);
  const auto rate = hop_rate(site, slot_index, occupancy, scratch);
  env_buffer.swap(scratch.environment);
  return rate;
}

barriers::HopRate KmcModel::hop_rate(int site, const lattice::CellIndex& cell, int slot_index,
                                     std::span<const Occupant> occupancy, RateScratch& scratch) const {
  std::string& env_buffer = scratch.environment;
  const int mobile = m_supercell.mobile_of(site);
  const auto& slot = m_catalog.slots(mobile)[slot_index];
  const Occupant at_target = occupancy[m_supercell.shifted_from(cell, slot.target)];
  Occupant moving = kEmpty, pushed = kEmpty;
  if (slot.split && !split_allowed(slot, site, cell, occupancy, &moving, &pushed)) return {0.0, 0.0, false};
  switch (slot.split ? MechanismKind::kSplit : slot.kind) {
    case MechanismKind::kSplit:  // decided above
      break;
    case MechanismKind::kVacancy:
      moving = at_target;
      if (moving == kEmpty) return {0.0, 0.0, false};
      break;
    case MechanismKind::kInterstitial:
      moving = occupancy[site];
      if (at_target != kEmpty || moving == kEmpty) return {0.0, 0.0, false};
      break;
    case MechanismKind::kInterstitialcy:
      moving = occupancy[site];
      pushed = occupancy[m_supercell.shifted_from(cell, slot.via)];
      if (at_target != kEmpty || moving == kEmpty || pushed == kEmpty) return {0.0, 0.0, false};
      break;
  }
  if (tabulated()) return m_rate_cache[cache_index(mobile, slot_index, moving, pushed)];
  // The engine's memo with the key prefetch_barriers() packed: on a hit the
  // environment is not gathered again.
  const BarrierMemo::Entry* memo_hit = nullptr;
  if (scratch.slot_keys_ready && scratch.memo && scratch.slot_keys[slot_index] != BarrierMemo::kNoKey) {
    memo_hit = scratch.memo->find(scratch.slot_keys[slot_index]);
    if (memo_hit) {
      ++scratch.memo_hits;
      if (m_rest_rates) return rest_rate(*memo_hit);  // as below with ΔE = 0 and no work
    }
  }
  int counts[256];
  std::fill_n(counts, m_codes, 0);
  if (m_needs_environment && !memo_hit) {
    env_buffer.resize(slot.environment.size());
    gather_environment(site, cell, mobile, slot_index, occupancy, env_buffer.data());
    for (char c : env_buffer) counts[static_cast<unsigned char>(c)]++;
  } else {
    env_buffer.clear();
  }
  const double delta_e = m_hamiltonian ? delta_energy(site, cell, mobile, slot_index, moving, pushed, occupancy, scratch) : 0.0;
  if (!m_needs_environment) return tabulated_rate(cache_index(mobile, slot_index, moving, pushed), delta_e);
  const auto e_kra = memo_hit ? std::optional<double>(memo_hit->e_kra_ev)
                              : barrier(mobile, slot_index, slot.mirrored ? pushed : moving, env_buffer,
                                        std::span<const int>(counts, m_codes), &scratch);
  if (!e_kra) return {0.0, 0.0, false};
  return m_rate_law.rate(*e_kra, delta_e, field_work(mobile, slot_index, moving, pushed));
}

double KmcModel::delta_energy(int site, const lattice::CellIndex& cell, int mobile, int slot_index,
                              Occupant moving, Occupant pushed, std::span<const Occupant> occupancy,
                              RateScratch& scratch) const {
  const auto& slot = m_catalog.slots(mobile)[slot_index];
  const int target = m_supercell.shifted_from(cell, slot.target);
  int sites[3] = {site, target, -1};
  Occupant after[3] = {moving, kEmpty, kEmpty};
  switch (slot.kind) {
    case MechanismKind::kVacancy:
    case MechanismKind::kSplit:  // never a slot's kind; no Hamiltonian with split pairs
      break;
    case MechanismKind::kInterstitial:
      after[0] = kEmpty;
      after[1] = moving;
      break;
    case MechanismKind::kInterstitialcy:
      sites[1] = m_supercell.shifted_from(cell, slot.via);
      sites[2] = target;
      after[0] = kEmpty;
      after[1] = moving;
      after[2] = pushed;
      break;
  }
  const auto& changed = m_changed[mobile][slot_index];
  const int stride = m_hamiltonian->field_stride();
  const std::uint8_t* field[3] = {nullptr, nullptr, nullptr};
  if (stride > 0) {
    if (scratch.pair_field) {
      for (int k = 0; k < changed.n; ++k) field[k] = scratch.pair_field + static_cast<std::size_t>(sites[k]) * stride;
    } else {
      // No engine field: count the neighbours now (the same integers).
      scratch.field_buffer.resize(static_cast<std::size_t>(3) * stride);
      for (int k = 0; k < changed.n; ++k) {
        m_hamiltonian->count_field(sites[k], occupancy, scratch.field_buffer.data() + k * stride);
        field[k] = scratch.field_buffer.data() + k * stride;
      }
    }
  }
  return m_hamiltonian->delta_energy_from_field(changed, std::span<const int>(sites, changed.n),
                                                std::span<const Occupant>(after, changed.n), occupancy, field);
}

bool KmcModel::split_allowed(const lattice::HopSlot& slot, int site, const lattice::CellIndex& cell,
                             std::span<const Occupant> occupancy, Occupant* moving, Occupant* second) const {
  const Occupant host = occupancy[m_supercell.shifted_from(cell, slot.host)];
  *moving = occupancy[site];
  *second = host;
  if (*moving == kEmpty || host == kEmpty) return false;
  if (occupancy[m_supercell.shifted_from(cell, slot.target)] != kEmpty) return false;
  if (occupancy[m_supercell.shifted_from(cell, slot.required_ion)] == kEmpty) return false;
  for (const auto& e : slot.required_empty)
    if (occupancy[m_supercell.shifted_from(cell, e)] != kEmpty) return false;
  if (slot.view != 0) {  // a rotation: only the slot of its view (HopSlot::view)
    const int view = *moving == host ? slot.equal_species_view : *moving > host ? +1 : -1;
    if (slot.view != view) return false;
  }
  return true;
}

const barriers::HopRate* KmcModel::split_tabulated_hop(const FastSlot& fs, int site, const lattice::CellIndex& cell,
                                                       std::span<const Occupant> occupancy) const {
  Occupant moving = kEmpty, second = kEmpty;
  if (!split_allowed(*fs.split, site, cell, occupancy, &moving, &second)) return nullptr;
  return &m_rate_cache[fs.table_base + moving * m_codes + second];
}

int KmcModel::split_host(int site) const {
  if (m_supercell.role(site) != lattice::SiteRole::kInterstitial) return -1;
  const auto& slots = m_catalog.slots(m_supercell.mobile_of(site));
  const auto split = std::find_if(slots.begin(), slots.end(), [](const auto& s) { return s.split; });
  return split == slots.end() ? -1 : m_supercell.shifted_from(m_supercell.cell_of(site), split->host);
}

std::string KmcModel::split_pair_violation(std::span<const Occupant> occupancy) const {
  if (!m_catalog.has_split()) return {};
  // Every interstitial site of a split mechanism names its host; count the pairs per host.
  std::vector<int> pairs(m_supercell.num_sites(), 0);
  for (int site = 0; site < m_supercell.num_sites(); ++site) {
    if (occupancy[site] == kEmpty) continue;
    const int host = split_host(site);
    if (host < 0) continue;
    if (occupancy[host] == kEmpty)
      return "the interstitial at site " + std::to_string(site) + " pairs with the vacant lattice site " +
             std::to_string(host);
    if (++pairs[host] > 1)
      return "lattice site " + std::to_string(host) + " hosts two split pairs (site " + std::to_string(site) + ")";
  }
  return {};
}

}  // namespace hkmc::kmc
