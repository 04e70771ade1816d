#pragma once
// Everything the replicas of one run share and never change: the supercell,
// species, hop catalog, barrier provider and rate law, the field and charges.
// All queries are const, so replicas read it from several threads at once.
#include <Eigen/Core>
#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <span>
#include <vector>

#include "hkmc/barriers/BarrierProvider.hpp"
#include "hkmc/barriers/LatticeHamiltonian.hpp"
#include "hkmc/barriers/RateLaw.hpp"
#include "hkmc/lattice/HopCatalog.hpp"
#include "hkmc/lattice/Species.hpp"
#include "hkmc/lattice/Supercell.hpp"

namespace hkmc::kmc {

struct ModelParameters {
  double temperature_k = 300.0;
  double attempt_frequency_hz = 1e13;
  Eigen::Vector3d field_v_per_angstrom = Eigen::Vector3d::Zero();
  std::vector<double> charge_by_code_e;  // index = species code; halides default -1 e
};

class KmcModel {
 public:
  KmcModel(lattice::Supercell supercell, lattice::SpeciesTable species,
           std::vector<lattice::Mechanism> mechanisms, double r_env_angstrom,
           std::unique_ptr<barriers::BarrierProvider> provider, const ModelParameters& parameters,
           std::unique_ptr<barriers::LatticeHamiltonian> hamiltonian = nullptr);

  const lattice::Supercell& supercell() const { return m_supercell; }
  const lattice::SpeciesTable& species() const { return m_species; }
  const lattice::HopCatalog& catalog() const { return m_catalog; }
  const barriers::BarrierProvider& provider() const { return *m_provider; }
  const barriers::RateLaw& rate_law() const { return m_rate_law; }
  const ModelParameters& parameters() const { return m_parameters; }
  // The lattice Hamiltonian giving ΔE of hops; null: ΔE = 0.
  const barriers::LatticeHamiltonian* hamiltonian() const { return m_hamiltonian.get(); }

  // Rate of the hop `slot` of a defect at `site` in `occupancy`; 0 when the
  // hop is blocked (target taken, nothing to push). `env_buffer` is scratch.
  // An on-demand provider computes a missing barrier here, serially.
  barriers::HopRate hop_rate(int site, int slot, std::span<const lattice::Occupant> occupancy,
                             std::string& env_buffer) const;

  // Scratch for the engine's rate updates. With `missing` set, a barrier the
  // on-demand provider does not have yet is not computed: its key is appended
  // to `missing`, the rate returned is 0 and `was_missing` is set; the engine
  // computes all of them at once (provider().prepare) and asks again.
  // An engine's exact memo of barriers by raw environment (on-demand
  // providers): key = hop class, moving species and the environment's codes
  // packed into 63 bits, value = E_KRA (eV). It holds only barriers the
  // provider found final and usable; blocked (+inf) and missing ones always go
  // to the provider, so its blocked and miss counts are unchanged, and every
  // memo hit is a lookup the provider did not see (KmcModel::barrier_statistics).
  // Each entry also holds the hop's rate at ΔE = 0 and no field work
  // (RateLaw::rate(E_KRA, 0, 0)), which is the rate itself in runs without
  // a Hamiltonian and a field: hop_rate() then skips the exponential.
  class BarrierMemo {
   public:
    struct Entry {
      double e_kra_ev = 0.0;
      double rest_rate_hz = 0.0;
      bool rest_clamped = false;
    };
    const Entry* find(std::uint64_t key) const {
      if (m_slots.empty()) return nullptr;
      for (std::size_t i = slot_of(key);; i = (i + 1) & m_mask) {
        if (m_slots[i].key == key) return &m_slots[i].entry;
        if (m_slots[i].key == kFree) return nullptr;
      }
    }
    void prefetch(std::uint64_t key) const {
      if (!m_slots.empty()) __builtin_prefetch(&m_slots[slot_of(key)]);
    }
    void insert(std::uint64_t key, const Entry& entry);
    void clear() { m_slots.clear(), m_size = 0; }
    std::size_t size() const { return m_size; }

   private:
    static constexpr std::uint64_t kFree = ~std::uint64_t{0};  // packed keys use 63 bits at most

   public:
    static constexpr std::uint64_t kNoKey = kFree;  // never a packed key

   private:
    struct alignas(32) Slot {  // one cache line holds whole slots
      std::uint64_t key = kFree;
      Entry entry;
    };
    std::size_t slot_of(std::uint64_t key) const { return (key * 0x9E3779B97F4A7C15ull) >> 32 & m_mask; }
    std::vector<Slot> m_slots;
    std::size_t m_mask = 0;
    std::size_t m_size = 0;
  };

  // With `pair_field` set (the engine's counts, LatticeHamiltonian::
  // field_stride() bytes per site, kept equal to counts taken afresh), ΔE
  // reads the pair field there instead of counting the neighbours.
  struct RateScratch {
    std::string environment;
    lattice::EnvironmentKey key;
    std::vector<lattice::EnvironmentKey>* missing = nullptr;
    bool was_missing = false;
    const std::uint8_t* pair_field = nullptr;
    std::vector<std::uint8_t> field_buffer;
    BarrierMemo* memo = nullptr;   // consulted before the canonical key when set
    std::int64_t memo_hits = 0;    // lookups the memo answered
    // Memo keys of one defect's hops from prefetch_barriers() (kNoKey: none),
    // valid while `slot_keys_ready`: hop_rate() then looks a hop up without
    // gathering its environment again, and gathers it only on a miss.
    std::vector<std::uint64_t> slot_keys;
    bool slot_keys_ready = false;
  };
  barriers::HopRate hop_rate(int site, int slot, std::span<const lattice::Occupant> occupancy,
                             RateScratch& scratch) const {
    return hop_rate(site, m_supercell.cell_of(site), slot, occupancy, scratch);
  }
  // Same, with the cell of `site` known (saves its divisions in the engine's loops).
  barriers::HopRate hop_rate(int site, const lattice::CellIndex& cell, int slot,
                             std::span<const lattice::Occupant> occupancy, RateScratch& scratch) const;
  // The memo entry of hop `slot` of a defect on basis site `mobile` whose
  // rest rate is its rate (no Hamiltonian, no field), for a vacancy hop
  // whose key prefetch_barriers() packed (it has an ion to move); null when
  // that does not apply or the memo misses (then hop_rate() decides).
  const BarrierMemo::Entry* memo_rest_entry(int mobile, int slot, RateScratch& scratch) const {
    if (!m_rest_rates || !scratch.slot_keys_ready || !scratch.memo) return nullptr;
    const std::uint64_t key = scratch.slot_keys[slot];
    if (key == BarrierMemo::kNoKey || m_fast_slots[mobile][slot].kind != lattice::MechanismKind::kVacancy)
      return nullptr;
    const BarrierMemo::Entry* hit = scratch.memo->find(key);
    if (hit) ++scratch.memo_hits;
    return hit;
  }
  // RateLaw::rate(E_KRA, 0, 0) from a memo entry.
  static barriers::HopRate rest_rate(const BarrierMemo::Entry& e) {
    return {e.rest_rate_hz, e.rest_clamped ? 0.0 : e.e_kra_ev, e.rest_clamped};
  }
  // Starts loading the memo entries hop_rate() will look up for the slots
  // of a defect in `slots_to_update` (bit k: slot k, bit 63 also every later
  // slot), so that their (likely cache-missing) loads overlap, and keeps
  // their keys in scratch.slot_keys (kNoKey for a hop with no ion to move).
  void prefetch_barriers(int site, const lattice::CellIndex& cell, std::uint64_t slots_to_update,
                         std::span<const lattice::Occupant> occupancy, RateScratch& scratch) const;
  // Barriers computed on demand (the NEB provider): see RateScratch.
  bool on_demand() const { return m_provider->on_demand(); }
  // Whether a BarrierMemo can serve this model (canonical keys, and the raw
  // environment with its class and species fits in 63 bits).
  bool memo_usable() const { return m_memo_code_bits > 0; }
  // The provider's counters with the engines' memo hits added to `hits`:
  // lookups = hits + misses then counts every barrier the engines asked
  // for, as without a memo. Engines add their memo hits when destroyed (and
  // every few thousand hits), so read this after the replicas have finished.
  barriers::ProviderStatistics barrier_statistics() const;
  std::int64_t barrier_memo_hits() const { return m_memo_hits.load(std::memory_order_relaxed); }
  void add_barrier_memo_hits(std::int64_t n) const { m_memo_hits.fetch_add(n, std::memory_order_relaxed); }

  // Tabulated rates (barriers independent of the environment): the engine's
  // fast path reads them directly; the rate of slot `k` of a defect on basis
  // site m is rate_table()[fast_slots(m)[k].table_base + moving * codes() + pushed].
  struct FastSlot {
    lattice::SiteOffset target;
    lattice::SiteOffset via;
    int target_delta;  // Supercell::linear_delta of target (valid away from the box faces)
    int via_delta;
    lattice::MechanismKind kind;
    int table_base;
    const lattice::HopSlot* split;  // split pairs: the slot (its conditions); else null
  };
  bool tabulated() const { return !m_needs_environment && !m_hamiltonian; }
  // Barriers independent of the environment but ΔE from a Hamiltonian: the
  // engine's pair-field path. E_KRA and the field's work are tabulated as
  // above; the rate is tabulated_rate(table index, ΔE).
  bool field_rates() const { return !m_needs_environment && m_hamiltonian; }
  barriers::HopRate tabulated_rate(int table_index, double delta_e_ev) const {
    return m_rate_law.rate(m_e_kra_table[table_index], delta_e_ev, m_work_table[table_index]);
  }
  // tabulated_rate's first step (RateLaw::activation), for the engine's RateMemo.
  barriers::RateLaw::Activation tabulated_activation(int table_index, double delta_e_ev) const {
    return m_rate_law.activation(m_e_kra_table[table_index], delta_e_ev, m_work_table[table_index]);
  }
  // LatticeHamiltonian::bond_part of the hop with this table index (field_rates()).
  double bond_part(int table_index) const { return m_bond_table[table_index]; }
  // field_rates() with pair terms and no triplets: everything of a vacancy
  // hop's rate but the counts, by table index (fast slot's table_base +
  // moving code * codes). ΔE = (origin's part + target's part) + bond, the
  // target's part point_difference + Σ counts * weights: the order of
  // LatticeHamiltonian::combine, so the engine's rate keeps the model's bits.
  struct VacancyHop {
    double e_kra, work, bond;
    double target_point;  // LatticeHamiltonian::point_difference of the target (s -> Va)
    std::span<const barriers::LatticeHamiltonian::FieldWeight> weights;  // of the target (s -> Va)
    // Bit c: the rate reads pair-field column c, at the origin or the target.
    // A hop that changes no such column elsewhere leaves the rate as it was.
    std::uint64_t columns_read;
  };
  // Null unless every slot of basis site `mobile` is a vacancy hop and the
  // rates qualify (above).
  const VacancyHop* vacancy_hops(int mobile) const {
    return m_vacancy_hops.empty() || !m_all_vacancy_slots[mobile] ? nullptr : m_vacancy_hops.data();
  }
  // The sites the hop `slot` of basis site `mobile` changes, as ΔE reads them
  // (origin, via if any, target).
  const barriers::LatticeHamiltonian::ChangedSites& changed_sites(int mobile, int slot) const {
    return m_changed[mobile][slot];
  }
  const std::vector<FastSlot>& fast_slots(int mobile) const { return m_fast_slots[mobile]; }
  // tabulated(): the rate of fast slot `fs` of a defect at `site` in cell
  // `cell` (`interior`: Supercell::interior(cell, slot_reach()), so the linear
  // deltas apply), or null when the hop is blocked. The decisions of hop_rate.
  const barriers::HopRate* tabulated_hop(const FastSlot& fs, int site, const lattice::CellIndex& cell, bool interior,
                                         std::span<const lattice::Occupant> occupancy) const {
    using lattice::kEmpty;
    if (fs.split) return split_tabulated_hop(fs, site, cell, occupancy);
    const lattice::Occupant at_target =
        occupancy[interior ? site + fs.target_delta : m_supercell.shifted_from(cell, fs.target)];
    switch (fs.kind) {
      case lattice::MechanismKind::kVacancy:
        if (at_target != kEmpty) return &m_rate_cache[fs.table_base + at_target * m_codes];
        break;
      case lattice::MechanismKind::kInterstitial:
        if (at_target == kEmpty) return &m_rate_cache[fs.table_base + occupancy[site] * m_codes];
        break;
      case lattice::MechanismKind::kInterstitialcy: {
        const lattice::Occupant pushed =
            occupancy[interior ? site + fs.via_delta : m_supercell.shifted_from(cell, fs.via)];
        if (at_target == kEmpty && pushed != kEmpty)
          return &m_rate_cache[fs.table_base + occupancy[site] * m_codes + pushed];
        break;
      }
      case lattice::MechanismKind::kSplit:
        break;
    }
    return nullptr;
  }
  // Split pairs (docs/lattice.md): whether the hop keeps the pair rules
  // (target empty, its host holding an ion with no pair yet, rotations in
  // their labelling order), and the species the rate depends on: `moving`
  // (origin) and `second` (the host's ion; for an interstitialcy the pushed one).
  bool split_allowed(const lattice::HopSlot& slot, int site, const lattice::CellIndex& cell,
                     std::span<const lattice::Occupant> occupancy, lattice::Occupant* moving,
                     lattice::Occupant* second) const;
  // The first violation of the pair rules in `occupancy` (a pair on a
  // vacancy, two pairs on one host), as a sentence; empty when none or when
  // the model has no split mechanism.
  std::string split_pair_violation(std::span<const lattice::Occupant> occupancy) const;
  // The host lattice site of interstitial site `site` under a split
  // mechanism; -1 for other sites or without one.
  int split_host(int site) const;
  // What hop `slot_index` of a defect at `origin` (cell `origin_cell`) does:
  // the sites it changes (origin, target and, for an interstitialcy, the
  // pushed ion's site, else -1) with their cells, and its ion moves in the
  // order they are made (the engines apply them; their rates read the sites).
  struct HopEffect {
    struct IonMove {
      int from, to;
      Eigen::Vector3d displacement;  // Å
    };
    int changed[3];
    lattice::CellIndex changed_cell[3];
    IonMove moves[2];
    int n_moves = 0;
  };
  HopEffect hop_effect(int origin, const lattice::CellIndex& origin_cell, int slot_index) const {
    const auto& slot = m_catalog.slots(m_supercell.mobile_of(origin))[slot_index];
    HopEffect h;
    const lattice::CellIndex target_cell = m_supercell.shift_cell(origin_cell, slot.target);
    const int target = m_supercell.site(target_cell, slot.target.mobile);
    h.changed[0] = origin, h.changed[1] = target, h.changed[2] = -1;
    h.changed_cell[0] = origin_cell, h.changed_cell[1] = target_cell, h.changed_cell[2] = origin_cell;
    switch (slot.kind) {
      case lattice::MechanismKind::kSplit:  // never a slot's kind
        break;
      case lattice::MechanismKind::kVacancy:
        h.moves[h.n_moves++] = {target, origin, -slot.defect_displacement};
        break;
      case lattice::MechanismKind::kInterstitial:
        h.moves[h.n_moves++] = {origin, target, slot.defect_displacement};
        break;
      case lattice::MechanismKind::kInterstitialcy: {
        h.changed_cell[2] = m_supercell.shift_cell(origin_cell, slot.via);
        h.changed[2] = m_supercell.site(h.changed_cell[2], slot.via.mobile);
        h.moves[h.n_moves++] = {h.changed[2], target, slot.defect_displacement - slot.via_displacement};
        h.moves[h.n_moves++] = {origin, h.changed[2], slot.via_displacement};
        break;
      }
    }
    return h;
  }
  // tabulated(): the rates (Hz) and clamp flags of every fast slot of a
  // defect at `site` (cell `cell`) into rates[k] and clamped[k]; returns
  // their sum, added in slot order.
  double tabulated_rates(int site, const lattice::CellIndex& cell, std::span<const lattice::Occupant> occupancy,
                         double* rates, std::uint8_t* clamped) const {
    const auto& slots = m_fast_slots[m_supercell.mobile_of(site)];
    const bool interior = m_supercell.interior(cell, m_slot_reach);
    double total = 0.0;
    for (std::size_t k = 0; k < slots.size(); ++k) {
      const barriers::HopRate* r = tabulated_hop(slots[k], site, cell, interior, occupancy);
      rates[k] = r ? r->rate_hz : 0.0;
      clamped[k] = r ? r->clamped : 0;
      total += rates[k];
    }
    return total;
  }
  const barriers::HopRate* rate_table() const { return m_rate_cache.data(); }
  int codes() const { return m_codes; }

  // Defect positions (as offsets from a changed site of mobile basis `mobile`)
  // whose hop rates may depend on that site's occupancy.
  const std::vector<lattice::SiteOffset>& dependents(int mobile) const { return m_dependents[mobile]; }
  const std::vector<int>& dependent_deltas(int mobile) const { return m_dependent_deltas[mobile]; }
  // Per dependent: the slots of that defect whose rates read the site (bit
  // k: slot k; bit 63 also stands for every slot past it).
  const std::vector<std::uint64_t>& dependent_slots(int mobile) const { return m_dependent_slots[mobile]; }
  // Per dependent: whether its site is an interstitial site (a defect there
  // is an occupied site; on a lattice site an empty one).
  const std::vector<std::uint8_t>& dependent_is_interstitial(int mobile) const {
    return m_dependent_is_interstitial[mobile];
  }
  // The defects whose rates may read a site hop `slot` of a defect on basis
  // site `mobile` changes (the union of its changed sites' dependents), as
  // offsets from the origin's cell, in rows of consecutive site indices so
  // that the engine tests a row against its defect bitmap in one go.
  struct ImpactRow {
    lattice::SiteOffset start;  // the row's first site
    int delta;                  // Supercell::linear_delta(start, mobile)
    std::uint64_t members;      // bit i (< 64): site start + i is a dependent
    int first;                  // its first member's index in ImpactList::slots / offsets
    int count;                  // members
  };
  struct ImpactList {
    std::vector<ImpactRow> rows;
    std::vector<std::uint64_t> slots;           // per member: the slots that read a changed site
    std::vector<lattice::SiteOffset> offsets;   // per member: where it is
    int reach = 0;    // largest cell offset of a member (any axis)
    int z_reach = 0;  // along the fastest axis, within which rows stay consecutive
  };
  const ImpactList& impact_list(int mobile, int slot) const { return m_impact[mobile][slot]; }
  // With a pair field (LatticeHamiltonian::field_stride() > 0), the net
  // count changes a vacancy hop makes: its origin gains the moving species
  // and its target loses it, so each partner of either end changes by ±1 in
  // the moving species' column (∓1 in the vacancy's, if pair terms give "Va"
  // an energy); a partner in the same shell of both ends cancels and is left
  // out. Offsets from the origin's cell. Null for other mechanisms (the
  // engine updates those site by site).
  struct FieldUpdate {
    lattice::SiteOffset partner;
    int index;  // channel * columns in the partner's counts
    int sign;   // +1 or -1
  };
  struct FieldUpdateList {
    std::vector<FieldUpdate> updates;
    // The same away from the faces, as byte offsets from the origin's counts
    // (delta * field_stride() + index), split by sign.
    std::vector<int> gains, losses;
    int reach = 0;  // largest cell offset of a partner (any axis)
  };
  const FieldUpdateList* vacancy_field_updates(int mobile, int slot) const {
    return m_field_updates.empty() || m_field_updates[mobile][slot].reach < 0 ? nullptr : &m_field_updates[mobile][slot];
  }
  // Largest cell offset (any axis) in fast slots and dependents: sites at
  // least this far from every face may use the linear deltas.
  int reach() const { return m_reach; }
  // Largest cell offset of a hop's target or via: a defect at least this far
  // from every face may use the fast slots' linear deltas.
  int slot_reach() const { return m_slot_reach; }

 private:
  const barriers::HopRate* split_tabulated_hop(const FastSlot& fs, int site, const lattice::CellIndex& cell,
                                               std::span<const lattice::Occupant> occupancy) const;
  // E_KRA from the provider, or nothing when `scratch` collects missing keys
  // and the provider lacks this one. `scratch` holds the raw environment.
  std::optional<double> barrier(int mobile, int slot_index, lattice::Occupant moving,
                                std::string_view env, std::span<const int> counts,
                                RateScratch* scratch) const;
  // Work (eV) done by the field on the ions this hop moves.
  double field_work(int mobile, int slot_index, lattice::Occupant moving, lattice::Occupant pushed) const;
  int cache_index(int mobile, int slot, lattice::Occupant moving, lattice::Occupant pushed) const {
    return ((mobile * m_catalog.max_slots() + slot) * m_codes + moving) * m_codes + pushed;
  }

  // The occupant codes of the environment sites of hop `slot_index` of a
  // defect at `site` (cell `cell`, basis `mobile`), in the slot's order, into
  // codes[0 .. slot.environment.size()).
  void gather_environment(int site, const lattice::CellIndex& cell, int mobile, int slot_index,
                          std::span<const lattice::Occupant> occupancy, char* codes) const;
  // The memo key of a hop (layout: see the constructor) from its `n`
  // environment codes, code(k) for k = 0 .. n-1.
  template <class Code>
  std::uint64_t pack_memo_key(int hop_class, lattice::Occupant moving, std::size_t n, Code code) const {
    std::uint64_t key = static_cast<std::uint64_t>(hop_class) << m_memo_class_shift | moving;
    int shift = m_memo_code_bits;
    for (std::size_t k = 0; k < n; ++k) {
      key |= static_cast<std::uint64_t>(static_cast<unsigned char>(code(k))) << shift;
      shift += m_memo_code_bits;
    }
    return key;
  }
  std::uint64_t memo_key(int hop_class, lattice::Occupant moving, std::string_view env) const {
    return pack_memo_key(hop_class, moving, env.size(), [&](std::size_t k) { return env[k]; });
  }
  // ΔE of the hop `slot` of a defect at `site` (Hamiltonian present).
  double delta_energy(int site, const lattice::CellIndex& cell, int mobile, int slot_index, lattice::Occupant moving,
                      lattice::Occupant pushed, std::span<const lattice::Occupant> occupancy,
                      RateScratch& scratch) const;

  lattice::Supercell m_supercell;
  lattice::SpeciesTable m_species;
  lattice::HopCatalog m_catalog;
  std::unique_ptr<barriers::BarrierProvider> m_provider;
  std::unique_ptr<barriers::LatticeHamiltonian> m_hamiltonian;
  ModelParameters m_parameters;
  barriers::RateLaw m_rate_law;
  bool m_needs_environment;
  bool m_needs_key;
  bool m_rest_rates;  // no Hamiltonian and no field: a memo entry's rest rate is the rate
  int m_codes;  // species codes + 1 (empty)
  // When barriers do not depend on the environment, a hop's rate depends only
  // on (site basis, slot, moving species, pushed species): precomputed here.
  std::vector<barriers::HopRate> m_rate_cache;
  // Same index, whenever barriers do not depend on the environment: E_KRA
  // (eV) and the field's work (eV).
  std::vector<double> m_e_kra_table;
  std::vector<double> m_work_table;
  std::vector<double> m_bond_table;  // field_rates(): bond part of ΔE by table index
  std::vector<VacancyHop> m_vacancy_hops;  // by table index; see vacancy_hops()
  std::vector<std::uint8_t> m_all_vacancy_slots;  // by basis site
  std::vector<std::vector<FastSlot>> m_fast_slots;
  // Per basis site and slot: Supercell::linear_delta of each environment site.
  std::vector<std::vector<std::vector<int>>> m_env_deltas;
  // Per basis site and slot: the sites a hop changes, for the Hamiltonian.
  std::vector<std::vector<barriers::LatticeHamiltonian::ChangedSites>> m_changed;
  std::vector<std::vector<lattice::SiteOffset>> m_dependents;
  std::vector<std::vector<int>> m_dependent_deltas;
  std::vector<std::vector<std::uint64_t>> m_dependent_slots;
  std::vector<std::vector<std::uint8_t>> m_dependent_is_interstitial;
  std::vector<std::vector<ImpactList>> m_impact;  // by basis site and slot
  void build_impact_lists();
  std::vector<std::vector<FieldUpdateList>> m_field_updates;  // by basis site and slot; reach -1: none
  void build_field_updates();
  int m_reach = 0;
  int m_slot_reach = 0;  // of the fast slots' targets and vias only
  int m_memo_code_bits = 0;   // bits per environment code in a memo key; 0: no memo
  int m_memo_class_shift = 0; // the hop class sits above the codes and the moving species
  mutable std::atomic<std::int64_t> m_memo_hits{0};
};

}  // namespace hkmc::kmc
