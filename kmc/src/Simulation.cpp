#include "hkmc/kmc/Simulation.hpp"

#include "hkmc/kmc/SegregationObserver.hpp"
#include "hkmc/kmc/SectorRunner.hpp"

#include <tbb/parallel_for.h>

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <climits>
#include <cmath>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "hkmc/common/Error.hpp"
#include "hkmc/lattice/Prototypes.hpp"

namespace hkmc::kmc {
namespace {

using lattice::SiteRole;

bool is_perovskite(const std::string& prototype) {
  return prototype == "perovskite" || prototype == "double_perovskite";
}

lattice::Crystal build_crystal(const RunSpec& spec, bool with_interstitials, bool split_pairs) {
  const auto& l = spec.lattice;
  const double a = l.a_angstrom;
  if (l.prototype == "perovskite")
    return lattice::make_perovskite(a, !with_interstitials ? lattice::InterstitialSites::kNone
                                       : split_pairs       ? lattice::InterstitialSites::kSplit12h
                                                           : lattice::InterstitialSites::kWindow3c);
  if (split_pairs && l.prototype != "custom")
    throw InputError("[[mechanisms]] kind = \"split\" needs prototype \"perovskite\" (or \"custom\" with "
                     "interstitial sites a/4 from one lattice site each); \"" + l.prototype +
                     "\" has no split-pair sites (" + spec.where("mechanisms") + ")");
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
  bool interstitial_mechanism = false, split_pairs = false, other_interstitials = false;
  for (const auto& m : s.mechanisms) {
    if (m.kind != "vacancy") interstitial_mechanism = true;
    if (m.kind == "split") split_pairs = true;
    if (m.kind == "interstitial" || m.kind == "interstitialcy") other_interstitials = true;
  }
  if (split_pairs && other_interstitials)
    throw InputError("[[mechanisms]] kind = \"split\" uses split-pair interstitial sites, \"interstitial\" "
                     "and \"interstitialcy\" the 3c window sites; a run has one kind of interstitial site, so "
                     "do not combine them (" + s.where("mechanisms") + ")");
  const bool with_interstitials = s.defects.interstitials > 0 || interstitial_mechanism;
  lattice::Crystal crystal = build_crystal(s, with_interstitials, split_pairs);
  // Before anything is allocated: a supercell that cannot fit is refused with the numbers.
  m_memory = check_memory(s, static_cast<double>(crystal.mobile_basis().size()) * s.lattice.supercell[0] *
                                 s.lattice.supercell[1] * s.lattice.supercell[2]);
  lattice::Supercell supercell(std::move(crystal), s.lattice.supercell);

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
    // Name the key the input gave: a fraction can round up to every site.
    const std::string given = s.defects.vacancies ? "[defects] vacancies = " + std::to_string(m_defects.vacancies)
                                                  : "[defects] vacancy_fraction = " +
                                                        fmt::format("{}", *s.defects.vacancy_fraction) + " (" +
                                                        std::to_string(m_defects.vacancies) + " vacancies)";
    throw InputError(given + ": must leave fewer vacancies than the " + std::to_string(lattice_sites) +
                     " lattice sites of this supercell (" +
                     s.where(s.defects.vacancies ? "defects.vacancies" : "defects.vacancy_fraction") + ")");
  }
  // Vacancies may instead be given per layer ([[initial.layers]] vacancy_fraction).
  bool layer_vacancies = false;
  for (const auto& layer : s.initial.layers)
    if (layer.vacancy_fraction) {
      layer_vacancies = layer_vacancies || *layer.vacancy_fraction > 0;
      if (s.defects.vacancies || s.defects.vacancy_fraction)
        throw InputError("[initial.layers] vacancy_fraction and [defects] vacancies/vacancy_fraction are both "
                         "set; give vacancies per layer or for the whole supercell, not both (" +
                         s.where("defects") + ")");
    }
  if (split_pairs && (m_defects.vacancies > 0 || layer_vacancies))
    throw InputError("[defects] vacancies together with split interstitials: a pair next to a vacancy "
                     "would need vacancy-interstitial recombination, which is not modelled; run them "
                     "separately (" + s.where("defects") + ")");
  if (purpose == Purpose::kKinetics && m_defects.vacancies == 0 && m_defects.interstitials == 0 &&
      !layer_vacancies) {
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
  for (const auto& layer : s.initial.layers)
    m_layers.push_back({layer.cells, to_codes(layer.composition, species), layer.vacancy_fraction.value_or(-1.0)});
  if (!s.defects.interstitial_species.empty())
    m_defects.interstitial_species = species.code(s.defects.interstitial_species);

  auto mechanisms = build_mechanisms(s, m_defects.vacancies > 0 || layer_vacancies, m_defects.interstitials > 0);

  barriers::ProviderSettings ps;
  ps.provider = s.barriers.provider;
  ps.e_kra_ev = s.barriers.e_kra_ev;
  ps.e_kra_overrides = s.barriers.e_kra_overrides;
  ps.model_e0_ev = s.barriers.model_e0_ev;
  ps.model_slopes_ev = s.barriers.model_slopes_ev;
  ps.table_file = s.barriers.table_file;
  const NebSpec& neb = s.barriers.neb;
  ps.neb.potential = neb.potential;
  ps.neb.cache_file = neb.cache_file;
  ps.neb.cache_save_file = neb.cache_save_file;
  ps.neb.compute_missing = neb.compute_missing;
  ps.neb.block_unusable = neb.on_unusable == "block";
  ps.neb.images = neb.images;
  ps.neb.spring_ev_per_a2 = neb.spring_ev_per_a2;
  ps.neb.fmax_ev_per_a = neb.fmax_ev_per_a;
  ps.neb.split_fmax_ev_per_a = neb.split_fmax_ev_per_a;
  ps.neb.relax_fmax_ev_per_a = neb.relax_fmax_ev_per_a;
  ps.neb.max_steps = neb.max_steps;
  ps.neb.cell_repeats = neb.cell_repeats;
  ps.neb.lattice_constants = neb.lattice_constants;
  ps.neb.save_every_s = neb.save_every_s;
  ps.neb.threads = neb.threads;
  ps.perturbation_sigma_ev = s.barriers.perturbation_sigma_ev;
  ps.perturbation_seed = s.barriers.perturbation_seed;
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
  if (s.kmc.parallel == "sectors") {
    try {
      SectorKmcEngine::layout(*m_model, sector_settings());
    } catch (const InputError& e) {
      throw InputError(std::string(e.what()) + " (" + s.where(s.kmc.sectors == std::array<int, 3>{0, 0, 0}
                                                                 ? "kmc.parallel" : "kmc.sectors") + ")");
    }
  }
  // The segregation observables need neighbour shells that fit the box: refuse
  // here, pointing at the key, rather than inside a replica.
  const SegregationSettings seg = control().segregation;
  if (seg.any()) {
    try {
      SegregationObserver check(m_model->supercell(), m_model->species().size() + 1, seg);
    } catch (const InputError& e) {
      const std::string key = seg.sro_shells > 0 ? "output.sro_shells" : "output.domains";
      throw InputError("[output] " + std::string(e.what()) + " (" + s.where(key) + ")");
    }
  }
}

SectorSettings Simulation::sector_settings() const {
  SectorSettings ss;
  ss.sectors = m_spec.kmc.sectors;
  ss.window = m_spec.kmc.sector_window;
  ss.random_order = m_spec.kmc.sector_order != "fixed";
  return ss;
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
  c.segregation.sro_shells = m_spec.output.sro_shells;
  c.segregation.structure_factor = m_spec.output.structure_factor;
  c.segregation.domains = m_spec.output.domains;
  c.segregation.domain_min_sites = m_spec.output.domain_min_sites;
  if (m_spec.output.crossings) {
    c.crossings.axis = m_spec.output.crossing_axis >= 0 ? m_spec.output.crossing_axis : m_spec.initial.axis;
    // The layers' boundaries are interfaces only for planes normal to the layering axis.
    if (m_spec.initial.type == "layers" && c.crossings.axis == m_spec.initial.axis)
      for (const auto& layer : m_spec.initial.layers) c.crossings.layer_cells.push_back(layer.cells);
  }
  return c;
}

ReplicaOutcome Simulation::advance(const RunControl& control, const ReplicaState& from,
                                   const ReplicaHooks& hooks) const {
  if (m_spec.kmc.parallel == "sectors")
    return advance_sector_replica(*m_model, initial_configuration(from.replica), control, sector_settings(),
                                  m_spec.kmc.seed, from, hooks);
  return advance_replica(*m_model, initial_configuration(from.replica), control, m_spec.kmc.seed, from, hooks);
}

std::vector<lattice::Occupant> Simulation::initial_configuration(int replica) const {
  RandomGenerator rng(m_spec.kmc.seed, RandomStream::kInitialConfiguration,
                      static_cast<std::uint32_t>(replica));
  lattice::DefectCounts defects = m_defects;
  if (m_model->catalog().has_split()) defects.pair_host = [this](int site) { return m_model->split_host(site); };
  if (m_spec.initial.type == "layers")
    return lattice::layered_configuration(m_model->supercell(), m_spec.initial.axis, m_layers, defects, rng);
  return lattice::random_configuration(m_model->supercell(), m_composition, defects, rng);
}

std::vector<ReplicaResult> Simulation::run(const std::function<void(double)>& progress) const {
  return run(progress, RunHooks{}).results;
}

namespace {

double read_meminfo_available() {
  std::ifstream in("/proc/meminfo");
  std::string key;
  double kib = 0;
  std::string unit;
  while (in >> key >> kib >> unit)
    if (key == "MemAvailable:") return kib * 1024.0;
  return 0.0;
}

// cgroup v2 limit of this process's group (containers, batch jobs); 0: none.
double read_cgroup_available() {
  std::ifstream max_file("/sys/fs/cgroup/memory.max"), current_file("/sys/fs/cgroup/memory.current");
  std::string max_text;
  double current = 0;
  if (!(max_file >> max_text) || max_text == "max" || !(current_file >> current)) return 0.0;
  try {
    return std::max(0.0, std::stod(max_text) - current);
  } catch (const std::exception&) {
    return 0.0;
  }
}

}  // namespace

MemoryEstimate check_memory(const RunSpec& spec, double sites, double available_bytes) {
  MemoryEstimate m;
  m.sites = sites;
  // Per site and replica alive at once: occupancy (1 B), ion index (4),
  // species (1), unwrapped displacement (24) and its block start (24), plus a
  // snapshot of the same size while a checkpoint is taken; every replica
  // keeps its final occupancy (1) and, with checkpoints, its last state (~60).
  const double replicas = spec.kmc.replicas;
  const double live = std::min(replicas, static_cast<double>(std::max(1u, std::thread::hardware_concurrency())));
  const bool checkpoints = !spec.output.checkpoint.empty();
  m.bytes = sites * (live * 110.0 + replicas * (checkpoints ? 61.0 : 1.0));
  m.available_bytes = available_bytes > 0 ? available_bytes : read_meminfo_available();
  if (available_bytes <= 0) {
    const double cgroup = read_cgroup_available();
    if (cgroup > 0 && (m.available_bytes <= 0 || cgroup < m.available_bytes)) m.available_bytes = cgroup;
  }
  const auto& n = spec.lattice.supercell;
  const std::string key = fmt::format("[lattice] supercell = [{}, {}, {}]", n[0], n[1], n[2]);
  if (sites > static_cast<double>(INT_MAX)) {
    throw InputError(fmt::format("{}: {:.4g} mobile sites; at most {} fit the program's 32-bit site index ({})",
                                 key, sites, INT_MAX, spec.where("lattice.supercell")));
  }
  if (m.available_bytes > 0 && m.bytes > m.available_bytes) {
    throw InputError(fmt::format(
        "{}: {:.4g} mobile sites need about {:.4g} bytes ({:.1f} GiB) for {} replica(s), more than the "
        "{:.4g} bytes ({:.1f} GiB) of memory available ({})",
        key, sites, m.bytes, m.bytes / 1073741824.0, spec.kmc.replicas, m.available_bytes,
        m.available_bytes / 1073741824.0, spec.where("lattice.supercell")));
  }
  return m;
}

void Simulation::check_restart(const Checkpoint& checkpoint, const std::string& name) const {
  // The fingerprint below names kmc.parallel too; this says what to do.
  const bool from_sectors = checkpoint.fingerprint.find("\nkmc.parallel = sectors\n") != std::string::npos;
  if (from_sectors != (m_spec.kmc.parallel == "sectors"))
    throw InputError("checkpoint '" + name + "' was written by a " +
                     (from_sectors ? "sector-parallel run ([kmc] parallel = \"sectors\")"
                                   : "serial run ([kmc] parallel = \"replicas\")") +
                     " and continues only as one; the input has parallel = \"" + m_spec.kmc.parallel + "\"");
  const std::string diff = fingerprint_difference(checkpoint.fingerprint, run_fingerprint(m_spec));
  if (!diff.empty())
    throw InputError("checkpoint '" + name + "' was written for a different input (" + checkpoint.input_source +
                     "): " + diff);
  if (static_cast<int>(checkpoint.replicas.size()) != m_spec.kmc.replicas)
    throw InputError("checkpoint '" + name + "' holds " + std::to_string(checkpoint.replicas.size()) +
                     " replicas, the input asks for " + std::to_string(m_spec.kmc.replicas));
}

Checkpoint Simulation::checkpoint_of(std::vector<ReplicaState> states, const std::string& command_line,
                                     bool interrupted) const {
  Checkpoint c;
  c.input_source = m_spec.source_path;
  c.input_toml = m_spec.source_text;
  c.fingerprint = run_fingerprint(m_spec);
  c.command_line = command_line;
  c.interrupted = interrupted;
  c.replicas = std::move(states);
  return c;
}

RunOutcome Simulation::run(const std::function<void(double)>& progress, const RunHooks& hooks) const {
  const int n = m_spec.kmc.replicas;
  const bool checkpoints = !hooks.checkpoint_path.empty();
  // Replicas watch `stop_all`: the caller's flag, copied by the loop below,
  // or a failed replica.
  std::atomic<bool> stop_all{false};
  const auto stopping = [&] { return stop_all.load(); };
  if (hooks.restart) check_restart(*hooks.restart, "restart");

  // The latest consistent state of every replica (guarded by `mutex`):
  // its start, a snapshot answering checkpoint request `answered`, or its end.
  struct Slot {
    ReplicaState state;
    std::uint64_t answered = 0;
    bool running = false;
    bool has_result = false;
    bool finished = false;
  };
  constexpr std::uint64_t kFinal = UINT64_MAX;
  std::mutex mutex;
  std::vector<Slot> slots(n);
  for (int r = 0; r < n; ++r) {
    slots[r].state = hooks.restart ? hooks.restart->replicas[r] : ReplicaState{};
    slots[r].state.replica = r;
  }
  std::vector<ReplicaResult> results(n);
  std::atomic<std::uint64_t> request{0};
  std::atomic<bool> checkpoint_due{false};
  std::vector<std::atomic<std::int64_t>> done(n);
  for (auto& d : done) d.store(0);
  std::exception_ptr failure;
  std::atomic<bool> finished{false};
  const RunControl c = control();

  std::thread worker([&] {
    try {
      tbb::parallel_for(0, n, [&](int r) {
        ReplicaState from;
        ReplicaHooks h;
        {
          std::lock_guard lock(mutex);
          // A replica that never started needs no work on a stop; one that
          // did returns at once with its (partial) result.
          if (stopping() && !slots[r].state.started) return;
          from = slots[r].state;
          slots[r].running = true;
          h.snapshot_seen = request.load();
        }
        h.stop = &stop_all;
        h.progress = &done[r];
        if (checkpoints) {
          h.snapshot_request = &request;
          h.on_snapshot = [&, r](std::uint64_t req, ReplicaState&& state) {
            std::lock_guard lock(mutex);
            slots[r].state = std::move(state);
            slots[r].answered = req;
          };
          h.checkpoint_every = m_spec.output.checkpoint_every;
          h.checkpoint_due = &checkpoint_due;
        }
        ReplicaOutcome out;
        try {
          out = advance(c, from, h);
        } catch (...) {
          // Nobody may wait for an answer from this replica; the others pause.
          std::lock_guard lock(mutex);
          slots[r].answered = kFinal;
          slots[r].running = false;
          stop_all.store(true);
          throw;
        }
        std::lock_guard lock(mutex);
        results[r] = std::move(out.result);
        slots[r].finished = out.state.finished;
        if (checkpoints) slots[r].state = std::move(out.state);
        slots[r].answered = kFinal;
        slots[r].running = false;
        slots[r].has_result = true;
      });
    } catch (...) {
      failure = std::current_exception();
    }
    finished.store(true);
  });

  RunOutcome outcome;
  // Asks every running replica for a snapshot, waits for the answers and
  // writes them with the others' current states.
  auto write_checkpoint_now = [&] {
    std::uint64_t g;
    {
      std::lock_guard lock(mutex);
      g = request.load() + 1;
      for (auto& slot : slots)
        if (!slot.running) slot.answered = std::max(slot.answered, g);
      request.store(g);
    }
    while (true) {
      {
        std::lock_guard lock(mutex);
        bool all = true;
        for (const auto& slot : slots) all = all && slot.answered >= g;
        if (all) break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    std::vector<ReplicaState> states;
    {
      std::lock_guard lock(mutex);
      for (const auto& slot : slots) states.push_back(slot.state);
    }
    write_checkpoint(hooks.checkpoint_path, checkpoint_of(std::move(states), hooks.command_line, false));
    ++outcome.checkpoints;
    m_model->provider().save();  // barriers computed so far (NEB cache): a restart finds them
  };

  auto last_checkpoint = std::chrono::steady_clock::now();
  auto last_progress = last_checkpoint;
  bool checkpoint_failed = false;
  while (!finished.load()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (hooks.stop && hooks.stop->load()) stop_all.store(true);
    const auto now = std::chrono::steady_clock::now();
    if (progress && !finished.load() && now - last_progress >= std::chrono::milliseconds(500)) {
      double sum = 0.0;
      for (auto& d : done) sum += d.load() * 1e-6;
      progress(sum / n);
      last_progress = now;
    }
    if (!checkpoints || stopping() || checkpoint_failed) continue;
    const bool by_time = hooks.checkpoint_every_s > 0 &&
                         std::chrono::duration<double>(now - last_checkpoint).count() >= hooks.checkpoint_every_s;
    if (checkpoint_due.exchange(false) || by_time) {
      try {
        write_checkpoint_now();
      } catch (const std::exception& e) {
        // A failed checkpoint (full disk) must not lose the run: the previous
        // checkpoint is intact and the caller reports the failure at the end.
        outcome.checkpoint_error = e.what();
        checkpoint_failed = true;
      }
      last_checkpoint = std::chrono::steady_clock::now();
    }
  }
  worker.join();
  // Barriers computed on the fly (the NEB cache) are kept whatever happens next.
  try {
    m_model->provider().save();
  } catch (const std::exception& e) {
    outcome.cache_error = e.what();
  }
  if (failure) std::rethrow_exception(failure);

  bool all_finished = true;
  // The replicas wrote their slots under the mutex on TBB threads: take it,
  // so the hand-over is visible to ThreadSanitizer too (TBB's own joins are not).
  std::lock_guard lock(mutex);
  for (int r = 0; r < n; ++r) {
    if (slots[r].has_result) outcome.results.push_back(std::move(results[r]));
    if (!(slots[r].has_result && slots[r].finished)) all_finished = false;
  }
  outcome.interrupted = !all_finished;
  if (checkpoints) {
    std::vector<ReplicaState> states;
    for (auto& slot : slots) states.push_back(std::move(slot.state));
    try {
      write_checkpoint(hooks.checkpoint_path,
                       checkpoint_of(std::move(states), hooks.command_line, outcome.interrupted));
      ++outcome.checkpoints;
    } catch (const std::exception& e) {
      outcome.checkpoint_error = e.what();
    }
  }
  return outcome;
}

}  // namespace hkmc::kmc
