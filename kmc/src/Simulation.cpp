#include "hkmc/kmc/Simulation.hpp"

#include <tbb/parallel_for.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <set>
#include <thread>

#include "hkmc/common/Error.hpp"
#include "hkmc/lattice/Prototypes.hpp"

namespace hkmc::kmc {
namespace {

using lattice::SiteRole;

bool is_perovskite(const std::string& prototype) {
  return prototype == "perovskite" || prototype == "double_perovskite";
}

lattice::Crystal build_crystal(const RunSpec& spec, bool with_interstitials) {
  const auto& l = spec.lattice;
  const double a = l.a_angstrom;
  if (l.prototype == "perovskite") return lattice::make_perovskite(a, with_interstitials);
  if (l.prototype == "double_perovskite") return lattice::make_double_perovskite(a, with_interstitials);
  if (l.prototype == "fcc") return lattice::make_fcc(a);
  if (l.prototype == "custom") {
    Eigen::Matrix3d cell;
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 3; ++j) cell(i, j) = a * l.cell[i][j];
    std::vector<lattice::BasisSite> basis;
    auto listed = [](const std::vector<std::string>& v, const std::string& s) {
      return std::find(v.begin(), v.end(), s) != v.end();
    };
    for (const auto& site : l.basis) {
      SiteRole role = SiteRole::kFixed;
      if (listed(l.mobile_sublattices, site.sublattice)) role = SiteRole::kLattice;
      if (listed(l.interstitial_sublattices, site.sublattice)) role = SiteRole::kInterstitial;
      basis.push_back({site.sublattice, Eigen::Vector3d(site.frac[0], site.frac[1], site.frac[2]), role});
    }
    try {
      return lattice::Crystal("custom", cell, std::move(basis));
    } catch (const InputError& e) {
      throw InputError(std::string("[lattice] ") + e.what() + " (" + spec.where("lattice.basis") + ")");
    }
  }
  throw InputError("[lattice] prototype = \"" + l.prototype +
                   "\": unknown; allowed: perovskite, double_perovskite, fcc, custom (" +
                   spec.where("lattice.prototype") + ")");
}

// The mechanisms of the input, or the prototype's defaults for the defects present.
std::vector<lattice::Mechanism> build_mechanisms(const RunSpec& spec, bool vacancies, bool interstitials) {
  std::vector<lattice::Mechanism> out;
  if (!spec.mechanisms.empty()) {
    for (const auto& m : spec.mechanisms) {
      try {
        out.push_back({m.name, lattice::mechanism_kind_from_name(m.kind), m.shell});
      } catch (const InputError& e) {
        throw InputError(std::string("[[mechanisms]] ") + e.what() + " (" + spec.where("mechanisms") + ")");
      }
    }
    return out;
  }
  const bool perovskite = is_perovskite(spec.lattice.prototype);
  if (vacancies) out.push_back({perovskite ? "vacancy_edge" : "vacancy_nn", lattice::MechanismKind::kVacancy, 1});
  if (interstitials) out.push_back({"interstitial_hop", lattice::MechanismKind::kInterstitial, 1});
  return out;
}

lattice::Composition to_codes(const CompositionSpec& c, const lattice::SpeciesTable& species) {
  lattice::Composition out;
  for (const auto& [name, f] : c.fractions) out[species.code(name)] = f;
  return out;
}

double default_r_env(const RunSpec& spec) {
  // One simple-perovskite lattice parameter: the X sites around an edge hop
  // out to the next shell; the double perovskite's conventional cell is 2 a_p.
  return spec.lattice.prototype == "double_perovskite" ? spec.lattice.a_angstrom / 2
                                                       : spec.lattice.a_angstrom;
}

}  // namespace

Simulation::Simulation(RunSpec spec, Purpose purpose) : m_spec(std::move(spec)) {
  const RunSpec& s = m_spec;
  bool interstitial_mechanism = false;
  for (const auto& m : s.mechanisms)
    if (m.kind != "vacancy") interstitial_mechanism = true;
  const bool with_interstitials = s.defects.interstitials > 0 || interstitial_mechanism;
  lattice::Supercell supercell(build_crystal(s, with_interstitials), s.lattice.supercell);

  // Defect counts need the lattice.
  std::int64_t lattice_sites = 0;
  for (int site = 0; site < supercell.mobile_count(); ++site)
    if (supercell.role(site) == SiteRole::kLattice) ++lattice_sites;
  lattice_sites *= supercell.num_cells();
  if (s.defects.vacancies) {
    m_defects.vacancies = *s.defects.vacancies;
  } else if (s.defects.vacancy_fraction) {
    m_defects.vacancies = std::llround(*s.defects.vacancy_fraction * static_cast<double>(lattice_sites));
  }
  m_defects.interstitials = s.defects.interstitials;
  if (m_defects.vacancies >= lattice_sites) {
    throw InputError("[defects] vacancies = " + std::to_string(m_defects.vacancies) +
                     ": must be fewer than the " + std::to_string(lattice_sites) +
                     " lattice sites of this supercell (" + s.where("defects.vacancies") + ")");
  }
  if (purpose == Purpose::kKinetics && m_defects.vacancies == 0 && m_defects.interstitials == 0) {
    throw InputError("[defects] the run has no vacancies and no interstitials, so nothing can move; "
                     "set vacancies, vacancy_fraction or interstitials (" + s.source_path + ")");
  }

  // Species: every name the input mentions.
  std::vector<std::string> names;
  for (const auto& [n, f] : s.composition.fractions) names.push_back(n);
  for (const auto& layer : s.initial.layers)
    for (const auto& [n, f] : layer.composition.fractions) names.push_back(n);
  if (!s.defects.interstitial_species.empty()) names.push_back(s.defects.interstitial_species);
  lattice::SpeciesTable species(names);
  m_composition = to_codes(s.composition, species);
  for (const auto& layer : s.initial.layers) m_layers.push_back({layer.cells, to_codes(layer.composition, species)});
  if (!s.defects.interstitial_species.empty())
    m_defects.interstitial_species = species.code(s.defects.interstitial_species);

  auto mechanisms = build_mechanisms(s, m_defects.vacancies > 0, m_defects.interstitials > 0);

  barriers::ProviderSettings ps;
  ps.provider = s.barriers.provider;
  ps.e_kra_ev = s.barriers.e_kra_ev;
  ps.e_kra_overrides = s.barriers.e_kra_overrides;
  ps.model_e0_ev = s.barriers.model_e0_ev;
  ps.model_slopes_ev = s.barriers.model_slopes_ev;
  ps.table_file = s.barriers.table_file;
  auto provider = barriers::make_provider(ps, species);
  const double r_env = provider->needs().environment
                           ? (s.barriers.r_env_angstrom > 0 ? s.barriers.r_env_angstrom : default_r_env(s))
                           : 0.0;

  ModelParameters mp;
  mp.temperature_k = s.kmc.temperature_k;
  mp.attempt_frequency_hz = s.barriers.attempt_frequency_hz;
  mp.field_v_per_angstrom = Eigen::Vector3d(s.kmc.field_v_per_angstrom[0], s.kmc.field_v_per_angstrom[1],
                                            s.kmc.field_v_per_angstrom[2]);
  mp.charge_by_code_e.assign(species.size() + 1, -1.0);
  mp.charge_by_code_e[0] = 0.0;
  for (const auto& [name, q] : s.kmc.charges_e) {
    if (!species.contains(name))
      throw InputError("[kmc] charges." + name + ": '" + name + "' is not a species of this run (" +
                       s.where("kmc.charges") + ")");
    mp.charge_by_code_e[species.code(name)] = q;
  }
  std::unique_ptr<barriers::LatticeHamiltonian> hamiltonian;
  if (!s.energy.hamiltonian_file.empty()) {
    const auto terms = barriers::read_hamiltonian_file(s.energy.hamiltonian_file);
    hamiltonian = std::make_unique<barriers::LatticeHamiltonian>(supercell, species, terms,
                                                                 s.energy.hamiltonian_file);
  }
  try {
    m_model = std::make_unique<KmcModel>(std::move(supercell), std::move(species), std::move(mechanisms),
                                         r_env, std::move(provider), mp, std::move(hamiltonian));
  } catch (const InputError& e) {
    // Messages from the lattice and providers do not know the input file: add it.
    throw InputError(std::string(e.what()) + " (" + s.source_path + ")");
  }
}

RunControl Simulation::control() const {
  RunControl c;
  c.steps = m_spec.kmc.steps;
  c.time_s = m_spec.kmc.time_s;
  c.blocks = m_spec.kmc.blocks;
  c.every_events = m_spec.output.every_events;
  c.every_s = m_spec.output.every_s;
  c.samples = m_spec.output.samples;
  c.profile_axis = m_spec.output.profile ? m_spec.output.profile_axis : -1;
  return c;
}

std::vector<lattice::Occupant> Simulation::initial_configuration(int replica) const {
  RandomGenerator rng(m_spec.kmc.seed, RandomStream::kInitialConfiguration,
                      static_cast<std::uint32_t>(replica));
  if (m_spec.initial.type == "layers")
    return lattice::layered_configuration(m_model->supercell(), m_spec.initial.axis, m_layers, m_defects, rng);
  return lattice::random_configuration(m_model->supercell(), m_composition, m_defects, rng);
}

std::vector<ReplicaResult> Simulation::run(const std::function<void(double)>& progress) const {
  const int n = m_spec.kmc.replicas;
  std::vector<ReplicaResult> results(n);
  std::vector<std::atomic<std::int64_t>> done(n);
  for (auto& d : done) d.store(0);
  std::exception_ptr failure;
  std::atomic<bool> finished{false};
  const RunControl c = control();
  std::thread worker([&] {
    try {
      tbb::parallel_for(0, n, [&](int r) {
        results[r] = run_replica(*m_model, initial_configuration(r), c, m_spec.kmc.seed, r, &done[r]);
      });
    } catch (...) {
      failure = std::current_exception();
    }
    finished.store(true);
  });
  while (!finished.load()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(progress ? 500 : 20));
    if (progress && !finished.load()) {
      double sum = 0.0;
      for (auto& d : done) sum += d.load() * 1e-6;
      progress(sum / n);
    }
  }
  worker.join();
  if (failure) std::rethrow_exception(failure);
  return results;
}

}  // namespace hkmc::kmc
