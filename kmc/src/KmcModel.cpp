#include "hkmc/kmc/KmcModel.hpp"

#include <algorithm>

#include "hkmc/common/Error.hpp"

namespace hkmc::kmc {

using lattice::kEmpty;
using lattice::MechanismKind;
using lattice::Occupant;
using lattice::SiteOffset;

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
      m_codes(m_species.size() + 1) {
  m_parameters.charge_by_code_e.resize(m_codes, -1.0);
  m_provider->attach(m_catalog);
  m_provider->check(m_catalog);

  const int n_mobile = m_supercell.mobile_count();
  if (tabulated()) {
    m_rate_cache.resize(static_cast<std::size_t>(n_mobile) * std::max(1, m_catalog.max_slots()) *
                        m_codes * m_codes);
    for (int m = 0; m < n_mobile; ++m)
      for (int k = 0; k < static_cast<int>(m_catalog.slots(m).size()); ++k)
        for (int moving = 1; moving < m_codes; ++moving)
          for (int pushed = 0; pushed < m_codes; ++pushed)
            m_rate_cache[cache_index(m, k, moving, pushed)] =
                rate_of(m, k, static_cast<Occupant>(moving), static_cast<Occupant>(pushed),
                        *barrier(m, k, static_cast<Occupant>(moving), {}, {}, nullptr), 0.0);
  }

  m_env_deltas.assign(n_mobile, {});
  for (int m = 0; m < n_mobile; ++m)
    for (const auto& slot : m_catalog.slots(m)) {
      std::vector<int> deltas;
      for (const auto& e : slot.environment) deltas.push_back(m_supercell.linear_delta(e, m));
      m_env_deltas[m].push_back(std::move(deltas));
    }
  m_fast_slots.assign(n_mobile, {});
  for (int m = 0; m < n_mobile; ++m)
    for (int k = 0; k < static_cast<int>(m_catalog.slots(m).size()); ++k) {
      const auto& slot = m_catalog.slots(m)[k];
      m_fast_slots[m].push_back(FastSlot{
          slot.target, slot.via, m_supercell.linear_delta(slot.target, m),
          slot.via.mobile >= 0 ? m_supercell.linear_delta(slot.via, m) : 0,
          m_catalog.mechanisms()[slot.mechanism].kind, cache_index(m, k, 0, 0)});
    }

  // Reverse the dependency of each defect's rates on the sites they read.
  m_dependents.assign(n_mobile, {});
  for (int w = 0; w < n_mobile; ++w) {
    for (const auto& slot : m_catalog.slots(w)) {
      std::vector<SiteOffset> reads{slot.target};
      if (slot.via.mobile >= 0) reads.push_back(slot.via);
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
        if (std::find(list.begin(), list.end(), back) == list.end()) list.push_back(back);
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
    for (const auto& fs : m_fast_slots[m]) {
      widen(fs.target);
      if (fs.via.mobile >= 0) widen(fs.via);
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
  // The canonical key of this hop (a hop, its reverse and its symmetry images
  // share it). The moving ion is the key's: for an interstitialcy the
  // interstitial that pushes.
  scratch->key.hop_class = slot.hop_class;
  scratch->key.moving_species = moving;
  m_catalog.canonicalize(slot.hop_class, scratch->environment, scratch->key.occupancy);
  context.key = &scratch->key;
  if (!scratch->missing) return m_provider->e_kra(context);
  const auto found = m_provider->find(context);
  if (!found) {
    scratch->missing->push_back(scratch->key);
    scratch->was_missing = true;
  }
  return found;
}

barriers::HopRate KmcModel::rate_of(int mobile, int slot_index, Occupant moving, Occupant pushed,
                                    double e_kra, double delta_e_ev) const {
  const auto& slot = m_catalog.slots(mobile)[slot_index];
  const auto kind = m_catalog.mechanisms()[slot.mechanism].kind;
  // Work done by the field on every moving charge: W = sum q F·Δr (e·V/Å·Å = eV).
  const Eigen::Vector3d& field = m_parameters.field_v_per_angstrom;
  const auto& q = m_parameters.charge_by_code_e;
  double work = 0.0;
  switch (kind) {
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
  return m_rate_law.rate(e_kra, delta_e_ev, work);
}

barriers::HopRate KmcModel::hop_rate(int site, int slot_index, std::span<const Occupant> occupancy,
                                     std::string& env_buffer) const {
  RateScratch scratch;
  scratch.environment.swap(env_buffer);
  const auto rate = hop_rate(site, slot_index, occupancy, scratch);
  env_buffer.swap(scratch.environment);
  return rate;
}

barriers::HopRate KmcModel::hop_rate(int site, int slot_index, std::span<const Occupant> occupancy,
                                     RateScratch& scratch) const {
  std::string& env_buffer = scratch.environment;
  const int mobile = m_supercell.mobile_of(site);
  const auto& slot = m_catalog.slots(mobile)[slot_index];
  const auto cell = m_supercell.cell_of(site);
  const Occupant at_target = occupancy[m_supercell.shifted_from(cell, slot.target)];
  Occupant moving = kEmpty, pushed = kEmpty;
  switch (m_catalog.mechanisms()[slot.mechanism].kind) {
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
  int counts[256] = {0};
  if (m_needs_environment) {
    if (m_supercell.interior(cell, m_reach)) {
      // Away from the box faces the environment sites are fixed index offsets.
      const auto& deltas = m_env_deltas[mobile][slot_index];
      env_buffer.resize(deltas.size());
      for (std::size_t k = 0; k < deltas.size(); ++k)
        env_buffer[k] = static_cast<char>(occupancy[site + deltas[k]]);
    } else {
      m_catalog.environment(slot, site, occupancy, env_buffer);
    }
    for (char c : env_buffer) counts[static_cast<unsigned char>(c)]++;
  } else {
    env_buffer.clear();
  }
  double delta_e = 0.0;
  if (m_hamiltonian) {
    const int target = m_supercell.shifted_from(cell, slot.target);
    switch (m_catalog.mechanisms()[slot.mechanism].kind) {
      case MechanismKind::kVacancy: {
        const int sites[2] = {site, target};
        const Occupant after[2] = {moving, kEmpty};
        delta_e = m_hamiltonian->delta_energy(sites, after, occupancy);
        break;
      }
      case MechanismKind::kInterstitial: {
        const int sites[2] = {site, target};
        const Occupant after[2] = {kEmpty, moving};
        delta_e = m_hamiltonian->delta_energy(sites, after, occupancy);
        break;
      }
      case MechanismKind::kInterstitialcy: {
        const int sites[3] = {site, m_supercell.shifted_from(cell, slot.via), target};
        const Occupant after[3] = {kEmpty, moving, pushed};
        delta_e = m_hamiltonian->delta_energy(sites, after, occupancy);
        break;
      }
    }
  }
  const auto e_kra = barrier(mobile, slot_index, moving, env_buffer, std::span<const int>(counts, m_codes), &scratch);
  if (!e_kra) return {0.0, 0.0, false};
  return rate_of(mobile, slot_index, moving, pushed, *e_kra, delta_e);
}

}  // namespace hkmc::kmc
