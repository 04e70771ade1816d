// halide-kmc command-line interface. Only this file turns exceptions into
// exit codes: 0 ok, 1 usage, 2 invalid input, 3 runtime failure.
#include <fmt/format.h>
#include <tbb/global_control.h>
#include <unistd.h>

#include <atomic>
#include <csignal>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <iostream>

#include "hkmc/common/Error.hpp"
#include "hkmc/input/InputReader.hpp"
#include "hkmc/kmc/Checkpoint.hpp"
#include "hkmc/kmc/RunOutput.hpp"
#include "hkmc/kmc/Simulation.hpp"
#include "hkmc/kmc/Statistics.hpp"
#include "AnalyzeCommand.hpp"
#include "CrossingTable.hpp"
#include "McCommand.hpp"
#include "ProgressReporter.hpp"
#ifdef HKMC_HAVE_NEB_COMMAND
#include "NebCommand.hpp"
#endif
#ifdef HKMC_HAVE_FIT_HAMILTONIAN_COMMAND
#include "FitHamiltonianCommand.hpp"
#endif
#include "SweepCommand.hpp"
#ifdef HKMC_HAVE_NEB_PROVIDER
#include "BarriersCommand.hpp"
#include "hkmc/neb/NebProvider.hpp"
#endif

namespace {

using namespace hkmc;
using hkmc::cli::ProgressReporter;

struct CommonOptions {
  std::string input;
  std::vector<std::string> overrides;
};

std::string format_estimate(double value, double error) {
  if (!std::isfinite(value)) return "n/a";
  if (!std::isfinite(error)) return fmt::format("{:.4e}", value);
  return fmt::format("{:.4e} ± {:.2e}", value, error);
}

void print_model(const kmc::Simulation& sim) {
  const auto& m = sim.model();
  const auto& sc = m.supercell();
  const auto& d = sc.dims();
  std::cout << fmt::format("lattice    {} a = {} Å, supercell {}x{}x{}, {} mobile sites\n",
                           sc.crystal().prototype(), sim.spec().lattice.a_angstrom, d[0], d[1], d[2],
                           sc.num_sites());
  for (const auto& hc : m.catalog().classes()) {
    std::cout << fmt::format("hop class  {:<28} d = {:.4f} Å", hc.label, hc.distance_angstrom);
    if (!hc.template_vectors.empty())
      std::cout << fmt::format(", {} environment sites within r_env = {} Å, {} symmetry operations",
                               hc.template_vectors.size(), m.catalog().r_env(), hc.symmetry_permutations.size());
    std::cout << "\n";
  }
  std::cout << fmt::format("barriers   {} provider, T = {} K, {} replica(s)\n", m.provider().name(),
                           sim.spec().kmc.temperature_k, sim.spec().kmc.replicas);
}

void print_summary(const kmc::Simulation& sim, const kmc::RunStatistics& stats, double wall) {
  std::cout << fmt::format("\nevents     {} in {:.2f} s wall ({:.3g} events/s), simulated time {:.4e} s\n",
                           stats.events, wall, wall > 0 ? stats.events / wall : 0.0, stats.simulated_time_s);
  std::cout << fmt::format("{:<14}{:>10}{:>28}{:>22}\n", "species", "ions", "tracer D (cm²/s)", "correlation f");
  for (const auto& s : stats.species) {
    std::cout << fmt::format("{:<14}{:>10}{:>28}{:>22}\n", s.name, s.ions,
                             format_estimate(s.d_cm2_s.value, s.d_cm2_s.error),
                             format_estimate(s.correlation_factor.value, s.correlation_factor.error));
  }
  std::cout << fmt::format("{:<14}{:>10}{:>28}\n", "defect", "count", "D (cm²/s)");
  for (const auto& d : stats.defects) {
    std::cout << fmt::format("{:<14}{:>10}{:>28}\n", d.type, d.count,
                             format_estimate(d.d_cm2_s.value, d.d_cm2_s.error));
  }
  std::cout << fmt::format("charge D   {} cm²/s, Haven ratio {}\n",
                           format_estimate(stats.charge_d_cm2_s.value, stats.charge_d_cm2_s.error),
                           format_estimate(stats.haven_ratio.value, stats.haven_ratio.error));
  const auto& field = stats.field_v_per_angstrom;
  const bool has_field = field[0] != 0.0 || field[1] != 0.0 || field[2] != 0.0;
  if (has_field) {
    auto vec = [](const kmc::VectorEstimate& v) {
      return fmt::format("({}, {}, {})", format_estimate(v[0].value, v[0].error),
                         format_estimate(v[1].value, v[1].error), format_estimate(v[2].value, v[2].error));
    };
    std::cout << fmt::format("field      F = ({}, {}, {}) V/Å; drift velocity v (cm/s), mobility μ = v·F̂/|F| "
                             "(cm²/V s)\n",
                             field[0], field[1], field[2]);
    for (const auto& s : stats.species)
      std::cout << fmt::format("{:<14}v = {}, μ = {}\n", s.name, vec(s.drift_velocity_cm_s),
                               format_estimate(s.mobility_cm2_v_s.value, s.mobility_cm2_v_s.error));
    for (const auto& d : stats.defects)
      std::cout << fmt::format("{:<14}v = {}, μ = {}\n", d.type, vec(d.drift_velocity_cm_s),
                               format_estimate(d.mobility_cm2_v_s.value, d.mobility_cm2_v_s.error));
    std::cout << fmt::format("current    j = {} A/cm², σ = j·F̂/|F| = {} S/cm\n", vec(stats.current_density_a_cm2),
                             format_estimate(stats.conductivity_s_cm.value, stats.conductivity_s_cm.error));
  }
  std::cout << fmt::format("Nernst–Einstein σ = e² n D_σ/k_BT = {} S/cm{}\n",
                           format_estimate(stats.nernst_einstein_conductivity_s_cm.value,
                                           stats.nernst_einstein_conductivity_s_cm.error),
                           has_field ? " (D_σ of this field run includes the drift: compare a zero-field run)" : "");
  const double exact = kmc::random_walk_vacancy_d_cm2_s(sim);
  for (const auto& d : stats.defects) {
    if (d.type == "vacancy" && std::isfinite(exact)) {
      std::cout << fmt::format("check      exact vacancy random walk Γ z d²/6 = {:.4e} cm²/s: "
                               "simulation differs by {:+.2f} σ\n",
                               exact, (d.d_cm2_s.value - exact) / d.d_cm2_s.error);
    }
  }
  std::cout << std::flush;  // the crossing table prints through stdio
  cli::print_crossings(kmc::crossing_tables(stats.crossings));
  if (stats.clamped_events > 0)
    std::cout << fmt::format("note       {} events had their barrier clamped (transition state below an end state)\n",
                             stats.clamped_events);
  if (stats.stalled_replicas > 0)
    std::cout << fmt::format("note       {} replica(s) stalled: no hop was possible\n", stats.stalled_replicas);
  if (const auto cache = sim.model().barrier_statistics(); cache.on_demand) {
    const double lookups = static_cast<double>(cache.hits + cache.misses);
    std::cout << fmt::format("barriers   {} in the cache ({} loaded), hit rate {:.6f} over {} lookups, "
                             "{} NEBs in {:.1f} s{}\n",
                             cache.entries, cache.loaded, lookups > 0 ? cache.hits / lookups : 1.0,
                             cache.hits + cache.misses, cache.computed, cache.compute_seconds,
                             cache.saves == 0 ? "" : ", saved to " + cache.cache_file);
    if (cache.failed > 0 || cache.blocked > 0)
      std::cout << fmt::format("note       {} flagged NEB barrier(s) computed; {} lookups found a flagged barrier "
                               "and blocked that hop (on_unusable = \"block\")\n",
                               cache.failed, cache.blocked);
  }
}

// Set by SIGINT/SIGTERM; the run polls it, checkpoints and closes its files.
std::atomic<bool> g_stop{false};
static_assert(std::atomic<bool>::is_always_lock_free, "the signal handler needs a lock-free flag");

extern "C" void on_stop_signal(int sig) {
  g_stop.store(true);
  std::signal(sig, SIG_DFL);  // a second signal ends the program at once
}

// Refuse to overwrite results unless asked to; also catch unwritable places
// before spending hours on a run. `replaceable`: an existing file this
// restart may overwrite (the incomplete output of the run it continues).
void check_output_path(const std::string& path, const std::string& key, bool force, bool replaceable = false) {
  if (path.empty()) return;
  namespace fs = std::filesystem;
  if (fs::exists(path) && !force && !replaceable)
    throw InputError("[output] " + key + " = \"" + path +
                     "\": the file exists; choose another name or pass --force to overwrite it");
  const fs::path parent = fs::path(path).parent_path();
  if (!parent.empty() && !fs::is_directory(parent))
    throw InputError("[output] " + key + " = \"" + path + "\": directory '" + parent.string() +
                     "' does not exist");
}

// A word the shell reads back as it is: bare when safe, else in single quotes.
std::string shell_word(const std::string& word) {
  const bool safe = !word.empty() && word.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                                           "0123456789_-+=.,:/@%") == std::string::npos;
  if (safe) return word;
  std::string quoted = "'";
  for (char c : word) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

// How to continue an interrupted run: its input and --set overrides (the
// checkpoint's fingerprint needs them), and the checkpoint.
std::string restart_command(const CommonOptions& opts, const std::string& checkpoint) {
  std::string command = "halide-kmc run " + shell_word(opts.input);
  for (const auto& o : opts.overrides) command += " --set " + shell_word(o);
  return command + " --restart " + shell_word(checkpoint);
}

bool same_file(const std::string& a, const std::string& b) {
  std::error_code ec;
  return !a.empty() && !b.empty() && std::filesystem::equivalent(a, b, ec);
}

int run_command(const CommonOptions& opts, bool force, int threads, bool quiet, const std::string& command_line,
                const std::string& restart_path) {
  kmc::RunSpec spec = input::read_input_file(opts.input, opts.overrides);
  kmc::Simulation sim(std::move(spec));
  const auto& out = sim.spec().output;
  std::optional<kmc::Checkpoint> restart;
  if (!restart_path.empty()) {
    restart = kmc::read_checkpoint(restart_path);
    sim.check_restart(*restart, restart_path);
  }
  const bool restarting = restart.has_value();
  check_output_path(out.file, "file", force, restarting && kmc::is_incomplete_output(out.file));
  check_output_path(out.summary, "summary", force, restarting && kmc::is_interrupted_summary(out.summary));
  check_output_path(out.checkpoint, "checkpoint", force, same_file(out.checkpoint, restart_path));
  std::unique_ptr<tbb::global_control> limit;
  if (threads > 0)
    limit = std::make_unique<tbb::global_control>(tbb::global_control::max_allowed_parallelism, threads);
  const int used_threads = static_cast<int>(
      tbb::global_control::active_value(tbb::global_control::max_allowed_parallelism));
  if (!quiet) print_model(sim);
  if (restarting && !quiet) std::cout << "restart    from " << restart_path << "\n";
  ProgressReporter progress(quiet);
  kmc::RunHooks hooks;
  hooks.checkpoint_path = out.checkpoint;
  hooks.checkpoint_every = out.checkpoint_every;
  hooks.checkpoint_every_s = out.checkpoint_every_s;
  hooks.stop = &g_stop;
  hooks.restart = restart ? &*restart : nullptr;
  hooks.command_line = command_line;
  std::signal(SIGINT, on_stop_signal);
  std::signal(SIGTERM, on_stop_signal);
  const auto outcome = sim.run([&](double f) { progress(f); }, hooks);
  progress.finish();
  if (!outcome.checkpoint_error.empty())  // said now: writing the outputs below may fail for the same reason
    std::cerr << "halide-kmc: warning: " << outcome.checkpoint_error << "\n";
  if (!outcome.cache_error.empty())
    std::cerr << "halide-kmc: warning: the barrier cache was not saved: " << outcome.cache_error << "\n";
  const double wall = progress.seconds();
  const auto& results = outcome.results;
  const auto stats = kmc::summarize(results, sim.model().species());
  kmc::RunInfo info{command_line, wall, used_threads};
  const kmc::RunStatus status{outcome.interrupted, restart_path};
  if (!out.file.empty()) kmc::write_hdf5(out.file, sim, results, stats, info, status);
  const std::string json = kmc::summary_json(sim, stats, info, status);
  if (!out.summary.empty()) kmc::write_text_atomically(out.summary, json);
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
  if (!outcome.interrupted) print_summary(sim, stats, wall);
  if (!out.file.empty()) std::cout << "output     " << out.file << (outcome.interrupted ? " (incomplete)" : "") << "\n";
  if (!out.summary.empty()) std::cout << "summary    " << out.summary << (outcome.interrupted ? " (incomplete)" : "") << "\n";
  if (!out.checkpoint.empty() && outcome.checkpoint_error.empty()) std::cout << "checkpoint " << out.checkpoint << "\n";
  if (!outcome.checkpoint_error.empty())
    throw RuntimeError("writing the checkpoint failed: " + outcome.checkpoint_error +
                       (outcome.checkpoints > 0 ? " (the previous checkpoint is intact)" : ""));
  if (outcome.interrupted) {
    std::string how = out.checkpoint.empty()
                          ? std::string(" (no [output] checkpoint was set, so it cannot be continued)")
                          : "; continue with: " + restart_command(opts, out.checkpoint);
    throw RuntimeError("interrupted by a signal; outputs are marked incomplete" + how);
  }
  return 0;
}

int check_command(const CommonOptions& opts) {
  kmc::RunSpec spec = input::read_input_file(opts.input, opts.overrides);
  kmc::Simulation sim(std::move(spec));  // builds the lattice and provider: cross-checks
  print_model(sim);
  std::cout << opts.input << ": OK\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"halide-kmc: kinetic Monte Carlo of halide-ion migration in perovskites"};
  app.set_version_flag("--version", std::string("halide-kmc ") + HKMC_VERSION);
  app.require_subcommand(1);

  CommonOptions run_opts, check_opts;
  bool force = false, quiet = false;
  int threads = 0;
  auto* run = app.add_subcommand("run", "Run a simulation described by an input file");
  run->add_option("input", run_opts.input, "Input file (TOML)")->required();
  run->add_option("--set", run_opts.overrides, "Override an input key: section.key=value (repeatable)")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  run->add_flag("--force", force, "Overwrite existing output files");
  run->add_option("--threads", threads, "Worker threads (default: all cores)")->check(CLI::Range(1, 4096));
  run->add_flag("--quiet", quiet, "No model description or progress");
  std::string restart_path;
  run->add_option("--restart", restart_path, "Continue the run saved in this checkpoint (same input)");

  auto* check = app.add_subcommand("check", "Validate an input file and print every problem");
  check->add_option("input", check_opts.input, "Input file (TOML)")->required();
  check->add_option("--set", check_opts.overrides, "Override an input key: section.key=value (repeatable)")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);

  CLI::App* mc = hkmc::cli::add_mc_command(app);
  CLI::App* analyze = hkmc::cli::add_analyze_command(app);
#ifdef HKMC_HAVE_NEB_COMMAND
  CLI::App* neb = hkmc::cli::add_neb_command(app);
#endif
#ifdef HKMC_HAVE_FIT_HAMILTONIAN_COMMAND
  CLI::App* fit_hamiltonian = hkmc::cli::add_fit_hamiltonian_command(app);
#endif
  const auto sweep_commands = hkmc::cli::add_sweep_commands(app);
#ifdef HKMC_HAVE_NEB_PROVIDER
  hkmc::neb::register_neb_provider();  // [barriers] provider = "neb" in every command
  const auto barriers_commands = hkmc::cli::add_barriers_commands(app);
#endif

  // A full disk quota (ulimit -f) must give an error, not kill the program.
  std::signal(SIGXFSZ, SIG_IGN);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 1;
  }
  std::string command_line;
  for (int i = 0; i < argc; ++i) command_line += (i ? " " : "") + std::string(argv[i]);

  try {
    if (*run) return run_command(run_opts, force, threads, quiet, command_line, restart_path);
    if (*check) return check_command(check_opts);
    if (*mc) return hkmc::cli::run_mc_command();
    if (*analyze) return hkmc::cli::run_analyze_command();
    if (*sweep_commands.sweep || *sweep_commands.merge)
      return hkmc::cli::run_sweep_commands(sweep_commands, command_line);
#ifdef HKMC_HAVE_NEB_COMMAND
    if (*neb) return hkmc::cli::run_neb_command();
#endif
#ifdef HKMC_HAVE_FIT_HAMILTONIAN_COMMAND
    if (*fit_hamiltonian) return hkmc::cli::run_fit_hamiltonian_command();
#endif
#ifdef HKMC_HAVE_NEB_PROVIDER
    if (*barriers_commands.barriers) return hkmc::cli::run_barriers_commands(barriers_commands);
#endif
  } catch (const InputError& e) {
    std::cerr << "halide-kmc: invalid input:\n";
    for (const auto& p : e.problems()) std::cerr << "  " << p << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "halide-kmc: error: " << e.what() << "\n";
    return 3;
  }
  return 1;
}
