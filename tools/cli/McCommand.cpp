#include "McCommand.hpp"

#include <fmt/format.h>
#include <tbb/parallel_for.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <exception>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

#include "hkmc/common/Error.hpp"
#include "hkmc/input/InputReader.hpp"
#include "hkmc/kmc/MetropolisMC.hpp"
#include "hkmc/kmc/RunOutput.hpp"
#include "hkmc/kmc/Simulation.hpp"
#include "hkmc/kmc/Statistics.hpp"
#include "ProgressReporter.hpp"

namespace hkmc::cli {
namespace {

struct McOptions {
  std::string input;
  std::vector<std::string> overrides;
  std::string summary;
  bool force = false;
  bool quiet = false;
};
McOptions g_options;

// Mean over replicas of the per-replica sample means; error from the replica
// spread (>= 2 replicas) or else from 10 blocks of the single chain.
kmc::Estimate average(const std::vector<std::vector<double>>& per_replica) {
  std::vector<double> means, blocks;
  for (const auto& samples : per_replica) {
    std::vector<double> finite;
    for (double x : samples)
      if (std::isfinite(x)) finite.push_back(x);
    means.push_back(kmc::mean_and_error(finite).value);
    const std::size_t b = 10, size = finite.size() / b;
    for (std::size_t k = 0; size > 0 && k < b; ++k) {
      double sum = 0;
      for (std::size_t i = 0; i < size; ++i) sum += finite[k * size + i];
      blocks.push_back(sum / size);
    }
  }
  kmc::Estimate e = kmc::mean_and_error(means);
  e.error_replicas = e.error;
  e.error_blocks = kmc::mean_and_error(blocks).error;
  e.error = per_replica.size() >= 2 ? e.error_replicas : e.error_blocks;
  return e;
}

}  // namespace

CLI::App* add_mc_command(CLI::App& app) {
  auto* mc = app.add_subcommand("mc", "Equilibrium Metropolis Monte Carlo on the lattice Hamiltonian");
  mc->add_option("input", g_options.input, "Input file (TOML); uses [energy], [kmc] temperature/seed/replicas, [mc]")
      ->required();
  mc->add_option("--set", g_options.overrides, "Override an input key: section.key=value (repeatable)")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  mc->add_option("--summary", g_options.summary, "Write the results as JSON to this file");
  mc->add_flag("--force", g_options.force, "Overwrite an existing summary file");
  mc->add_flag("--quiet", g_options.quiet, "No progress display");
  return mc;
}

int run_mc_command() {
  kmc::RunSpec spec = input::read_input_file(g_options.input, g_options.overrides);
  if (!g_options.summary.empty() && std::filesystem::exists(g_options.summary) && !g_options.force)
    throw InputError("--summary " + g_options.summary + ": the file exists; pass --force to overwrite it");
  kmc::Simulation sim(std::move(spec), kmc::Simulation::Purpose::kEquilibrium);
  const auto& s = sim.spec();
  const auto& model = sim.model();
  if (!model.hamiltonian())
    std::cout << "note       no [energy] hamiltonian: every configuration has the same energy (random alloy)\n";
  kmc::ShortRangeOrder sro(model.supercell(), s.mc.shells);
  kmc::MetropolisControl control{s.mc.equilibration_sweeps, s.mc.sweeps, s.mc.sample_every, s.mc.shells};
  const int replicas = s.kmc.replicas;
  std::vector<kmc::MetropolisResult> results(replicas);
  // The replicas run on a worker thread (oneTBB tasks); this thread shows
  // their progress, as `run` does.
  std::vector<std::atomic<std::int64_t>> sweeps_done(replicas);
  for (auto& d : sweeps_done) d.store(0);
  std::atomic<bool> finished{false};
  std::exception_ptr failure;
  std::thread worker([&] {
    try {
      tbb::parallel_for(0, replicas, [&](int r) {
        results[r] = kmc::run_metropolis(model, sim.initial_configuration(r), control, s.kmc.seed, r, sro,
                                         &sweeps_done[r]);
      });
    } catch (...) {
      failure = std::current_exception();
    }
    finished.store(true);
  });
  ProgressReporter progress(g_options.quiet);
  const double total = static_cast<double>(replicas) * (control.equilibration_sweeps + control.sweeps);
  auto fraction = [&] {
    double done = 0;
    for (const auto& d : sweeps_done) done += static_cast<double>(d.load(std::memory_order_relaxed));
    return total > 0 ? done / total : 1.0;
  };
  while (!finished.load()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    progress(fraction());
  }
  worker.join();
  if (failure) std::rethrow_exception(failure);
  progress(1.0);
  progress.finish();

  const int codes = model.species().size() + 1;
  std::vector<std::vector<double>> energy;
  std::int64_t attempts = 0, accepted = 0;
  for (const auto& r : results) {
    energy.push_back(r.energy_per_site_ev);
    attempts += r.attempts;
    accepted += r.accepted;
  }
  const auto e = average(energy);
  std::cout << fmt::format("mc         T = {} K, {} replica(s), {} sweeps after {} of equilibration, acceptance {:.3f}\n",
                           s.kmc.temperature_k, replicas, s.mc.sweeps, s.mc.equilibration_sweeps,
                           attempts ? static_cast<double>(accepted) / attempts : 0.0);
  std::cout << fmt::format("energy     {:.6e} ± {:.1e} eV per mobile site\n", e.value, e.error);
  nlohmann::json j;
  j["temperature_K"] = s.kmc.temperature_k;
  j["replicas"] = replicas;
  j["sweeps"] = s.mc.sweeps;
  j["acceptance"] = attempts ? static_cast<double>(accepted) / attempts : 0.0;
  j["energy_per_site_eV"] = e.value;
  j["energy_per_site_err_eV"] = std::isfinite(e.error) ? nlohmann::json(e.error) : nlohmann::json(nullptr);
  nlohmann::json sro_json = nlohmann::json::array();
  std::cout << fmt::format("{:<8}{:>10}{:>8}{:>8}{:>26}\n", "shell", "d (Å)", "i", "j", "Warren–Cowley α");
  std::vector<int> present;
  for (int c = 1; c < codes; ++c) {
    bool any = false;
    for (auto o : results.front().final_occupancy) any = any || o == c;
    if (any) present.push_back(c);
  }
  for (int k = 0; k < sro.shells(); ++k)
    for (int i : present)
      for (int jj : present) {
        std::vector<std::vector<double>> per_replica;
        for (const auto& r : results) {
          std::vector<double> v;
          for (const auto& a : r.alpha) v.push_back(a[(static_cast<std::size_t>(k) * codes + i) * codes + jj]);
          per_replica.push_back(v);
        }
        const auto a = average(per_replica);
        const auto& ni = model.species().name(static_cast<lattice::Occupant>(i));
        const auto& nj = model.species().name(static_cast<lattice::Occupant>(jj));
        std::cout << fmt::format("{:<8}{:>10.4f}{:>8}{:>8}{:>26}\n", k + 1, sro.shell_distance_angstrom(k), ni, nj,
                                 fmt::format("{:+.4f} ± {:.4f}", a.value, a.error));
        sro_json.push_back({{"shell", k + 1},
                            {"distance_A", sro.shell_distance_angstrom(k)},
                            {"i", ni},
                            {"j", nj},
                            {"alpha", std::isfinite(a.value) ? nlohmann::json(a.value) : nlohmann::json(nullptr)},
                            {"alpha_err", std::isfinite(a.error) ? nlohmann::json(a.error) : nlohmann::json(nullptr)}});
      }
  j["warren_cowley"] = sro_json;
  if (!g_options.summary.empty()) kmc::write_text_atomically(g_options.summary, j.dump(2) + "\n");
  return 0;
}

}  // namespace hkmc::cli
