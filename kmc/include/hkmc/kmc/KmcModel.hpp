#pragma once
// Everything the replicas of one run share and never change: the supercell,
// species, hop catalog, barrier provider and rate law, the field and charges.
// All queries are const, so replicas read it from several threads at once.
#include <Eigen/Core>
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
  };
  barriers::HopRate hop_rate(int site, int slot, std::span<const lattice::Occupant> occupancy,
                             RateScratch& scratch) const;
  // Barriers computed on demand (the NEB provider): see RateScratch.
  bool on_demand() const { return m_provider->on_demand(); }

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
  };
  bool tabulated() const { return !m_needs_environment && !m_hamiltonian; }
  // Barriers independent of the environment but ΔE from a Hamiltonian: the
  // engine's pair-field path. E_KRA and the field's work are tabulated as
  // above; the rate is tabulated_rate(table index, ΔE).
  bool field_rates() const { return !m_needs_environment && m_hamiltonian; }
  barriers::HopRate tabulated_rate(int table_index, double delta_e_ev) const {
    return m_rate_law.rate(m_e_kra_table[table_index], delta_e_ev, m_work_table[table_index]);
  }
  // The sites the hop `slot` of basis site `mobile` changes, as ΔE reads them
  // (origin, via if any, target).
  const barriers::LatticeHamiltonian::ChangedSites& changed_sites(int mobile, int slot) const {
    return m_changed[mobile][slot];
  }
  const std::vector<FastSlot>& fast_slots(int mobile) const { return m_fast_slots[mobile]; }
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
  // Largest cell offset (any axis) in fast slots and dependents: sites at
  // least this far from every face may use the linear deltas.
  int reach() const { return m_reach; }

 private:
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

  // ΔE of the hop `slot` of a defect at `site` (Hamiltonian present).
  double delta_energy(int site, int mobile, int slot_index, lattice::Occupant moving,
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
  int m_codes;  // species codes + 1 (empty)
  // When barriers do not depend on the environment, a hop's rate depends only
  // on (site basis, slot, moving species, pushed species): precomputed here.
  std::vector<barriers::HopRate> m_rate_cache;
  // Same index, whenever barriers do not depend on the environment: E_KRA
  // (eV) and the field's work (eV).
  std::vector<double> m_e_kra_table;
  std::vector<double> m_work_table;
  std::vector<std::vector<FastSlot>> m_fast_slots;
  // Per basis site and slot: Supercell::linear_delta of each environment site.
  std::vector<std::vector<std::vector<int>>> m_env_deltas;
  // Per basis site and slot: the sites a hop changes, for the Hamiltonian.
  std::vector<std::vector<barriers::LatticeHamiltonian::ChangedSites>> m_changed;
  std::vector<std::vector<lattice::SiteOffset>> m_dependents;
  std::vector<std::vector<int>> m_dependent_deltas;
  std::vector<std::vector<std::uint64_t>> m_dependent_slots;
  std::vector<std::vector<std::uint8_t>> m_dependent_is_interstitial;
  int m_reach = 0;
};

}  // namespace hkmc::kmc
