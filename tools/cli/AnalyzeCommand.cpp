#include "AnalyzeCommand.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <iostream>
#include <string>
#include <vector>

#include "CrossingTable.hpp"
#include "hkmc/kmc/RunFile.hpp"
#include "hkmc/kmc/Statistics.hpp"

namespace hkmc::cli {
namespace {

struct AnalyzeOptions {
  std::string file;
  int rows = 16;
};
AnalyzeOptions g_options;

std::string num(double x) { return std::isfinite(x) ? fmt::format("{:.4g}", x) : "-"; }

std::string with_error(const kmc::RunFileEstimate& e) {
  if (!std::isfinite(e.value)) return "-";
  return std::isfinite(e.error) ? fmt::format("{:.4g} ± {:.2g}", e.value, e.error) : fmt::format("{:.4g}", e.value);
}

// Sample rows to print: all when they fit, else the first, the last and
// logarithmically spaced ones between (coarsening is read on log axes).
std::vector<std::size_t> rows_to_print(std::size_t samples, int rows) {
  std::vector<std::size_t> out;
  if (rows <= 0 || samples <= static_cast<std::size_t>(rows)) {
    for (std::size_t i = 0; i < samples; ++i) out.push_back(i);
    return out;
  }
  out.push_back(0);
  const double last = static_cast<double>(samples - 1);
  for (int r = 0; r < rows - 1; ++r) {
    const auto i = static_cast<std::size_t>(std::llround(std::pow(last, double(r) / (rows - 2))));
    if (i > out.back()) out.push_back(std::min<std::size_t>(i, samples - 1));
  }
  return out;
}

// Mean over replicas of value(replica, sample) ± standard error across replicas.
template <class F>
kmc::Estimate across(const kmc::RunFile& f, std::size_t sample, F value) {
  std::vector<double> v;
  for (const auto& r : f.replica_series) v.push_back(value(r, sample));
  return kmc::mean_and_error(v);
}

std::string cell(const kmc::Estimate& e) {
  if (!std::isfinite(e.value)) return "-";
  return std::isfinite(e.error) ? fmt::format("{:.4g}±{:.2g}", e.value, e.error) : fmt::format("{:.4g}", e.value);
}

void print_run(const kmc::RunFile& f) {
  fmt::print("Run: {}\n", f.path);
  fmt::print("  {:<22}{} (written {}){}\n", "program", f.program_version, f.created_utc,
             f.complete ? "" : "  INCOMPLETE: stopped by a signal, results are partial");
  fmt::print("  {:<22}{}\n", "command", f.command_line);
  std::string species;  // those the run has, in code order
  for (std::size_t c = 1; c < f.species_names.size(); ++c)
    for (const auto& s : f.species)
      if (s.name == f.species_names[c] && s.ions > 0) species += (species.empty() ? "" : ", ") + s.name;
  fmt::print("  {:<22}{} {} x {} x {}; species {}\n", "lattice", f.prototype, f.supercell[0], f.supercell[1],
             f.supercell[2], species);
  fmt::print("  {:<22}{} K\n", "temperature", num(f.temperature_k));
  fmt::print("  {:<22}{} ({} events in all, {} s simulated per replica)\n", "replicas", f.replicas, f.events,
             num(f.simulated_time_s));
  fmt::print("  {:<22}[{}, {}, {}] V/Å\n", "field", num(f.field_v_per_angstrom[0]), num(f.field_v_per_angstrom[1]),
             num(f.field_v_per_angstrom[2]));
}

void print_diffusion(const kmc::RunFile& f) {
  fmt::print("\nDiffusion (tracer D in cm²/s; ± combines replica and block errors, docs/physics.md)\n");
  fmt::print("  {:<14}{:>10}{:>12}  {:<24}{:<20}\n", "species", "count", "hops", "D", "correlation f");
  for (const auto& s : f.species)
    if (s.ions > 0)
      fmt::print("  {:<14}{:>10}{:>12}  {:<24}{:<20}\n", s.name, s.ions, s.hops, with_error(s.d_cm2_s),
               with_error(s.correlation_factor));
  for (const auto& d : f.defects)
    if (d.ions > 0)
      fmt::print("  {:<14}{:>10}{:>12}  {:<24}{:<20}\n", d.name, d.ions, "", with_error(d.d_cm2_s), "");
  fmt::print("  {:<22}{}\n", "charge D (cm²/s)", with_error(f.charge_d_cm2_s));
  fmt::print("  {:<22}{}\n", "Haven ratio", with_error(f.haven_ratio));
}

void print_drift(const kmc::RunFile& f) {
  const auto& F = f.field_v_per_angstrom;
  if (!(F[0] != 0 || F[1] != 0 || F[2] != 0)) return;
  fmt::print("\nDrift and current (field [{}, {}, {}] V/Å)\n", num(F[0]), num(F[1]), num(F[2]));
  fmt::print("  {:<14}{:<60}{}\n", "species", "drift velocity x, y, z (cm/s)", "mobility (cm²/(V s))");
  auto row = [](const kmc::RunFileSpecies& s) {
    const auto& v = s.drift_velocity_cm_s;
    fmt::print("  {:<14}{:<60}{}\n", s.name,
               fmt::format("{}, {}, {}", with_error(v[0]), with_error(v[1]), with_error(v[2])),
               with_error(s.mobility_cm2_v_s));
  };
  for (const auto& s : f.species)
    if (s.ions > 0) row(s);
  for (const auto& d : f.defects)
    if (d.ions > 0) row(d);
  const auto& j = f.current_density_a_cm2;
  fmt::print("  {:<22}{}, {}, {}\n", "current density (A/cm²)", with_error(j[0]), with_error(j[1]), with_error(j[2]));
  fmt::print("  {:<22}{}  (Nernst–Einstein from D_σ: {})\n", "conductivity (S/cm)", with_error(f.conductivity_s_cm),
             with_error(f.nernst_einstein_s_cm));
}

void print_segregation(const kmc::RunFile& f, int rows) {
  if (f.replica_series.empty()) return;
  const auto& first = f.replica_series.front();
  const bool sro = !first.sro_alpha.empty(), length = !first.length_A.empty(), domains = !first.domains.empty();
  if (!sro && !length && !domains) return;
  std::size_t samples = SIZE_MAX;
  for (const auto& r : f.replica_series) samples = std::min(samples, r.sample_time_s.size());
  const std::size_t codes = f.species_names.size();
  std::vector<std::size_t> ions;  // codes of the species the run has
  for (std::size_t c = 1; c < codes; ++c)
    for (const auto& s : f.species)
      if (s.name == f.species_names[c] && s.ions > 0) ions.push_back(c);
  fmt::print("\nSegregation: mean over {} replica(s) at each sample, ± standard error across replicas\n",
             f.replica_series.size());
  if (length)
    fmt::print("  L = 2π/<k> from the first moment of S(k), {} shells of k up to {} Å⁻¹ (docs/output.md)\n",
               f.structure_factor_k_inv_A.size(), num(f.structure_factor_cutoff_inv_A));
  if (domains)
    fmt::print("  domains: clusters of >= {} like sites joined by nearest-neighbour bonds\n", f.domain_min_sites);
  if (sro) {
    std::string shells;
    for (int k = 0; k < f.sro_shells; ++k) shells += fmt::format("{}{} Å", k ? ", " : "", num(f.sro_shell_distance_A[k]));
    fmt::print("  Warren–Cowley α_k(i,j) of shells k = 1..{} at {}\n", f.sro_shells, shells);
  }
  std::vector<std::string> header{"time (s)"};
  if (length)
    for (auto c : ions) header.push_back("L " + f.species_names[c] + " (Å)");
  if (domains)
    for (auto c : ions) header.push_back("domains " + f.species_names[c]);
  if (sro)
    for (int k = 0; k < f.sro_shells; ++k)
      for (std::size_t a = 0; a < ions.size(); ++a)
        for (std::size_t b = a + 1; b < ions.size(); ++b)
          header.push_back(fmt::format("α{}({},{})", k + 1, f.species_names[ions[a]], f.species_names[ions[b]]));
  std::string line = "  ";
  for (const auto& h : header) line += fmt::format("{:<20}", h);
  fmt::print("{}\n", line);
  for (std::size_t i : rows_to_print(samples, rows)) {
    line = "  " + fmt::format("{:<20}", num(across(f, i, [](const kmc::RunFileReplica& r, std::size_t s) {
                                              return r.sample_time_s[s];
                                            }).value));
    if (length)
      for (auto c : ions)
        line += fmt::format("{:<20}", cell(across(f, i, [&](const kmc::RunFileReplica& r, std::size_t s) {
                                          return r.length_A[s * codes + c];
                                        })));
    if (domains)
      for (auto c : ions)
        line += fmt::format("{:<20}", cell(across(f, i, [&](const kmc::RunFileReplica& r, std::size_t s) {
                                          return double(r.domains[s * codes + c]);
                                        })));
    if (sro)
      for (int k = 0; k < f.sro_shells; ++k)
        for (std::size_t a = 0; a < ions.size(); ++a)
          for (std::size_t b = a + 1; b < ions.size(); ++b)
            line += fmt::format("{:<20}", cell(across(f, i, [&](const kmc::RunFileReplica& r, std::size_t s) {
                                              return r.sro_alpha[((s * f.sro_shells + k) * codes + ions[a]) * codes +
                                                                 ions[b]];
                                            })));
    fmt::print("{}\n", line);
  }
}

void print_profiles(const kmc::RunFile& f) {
  if (f.replica_series.empty() || f.replica_series.front().profile_counts.empty()) return;
  const auto& r = f.replica_series.front();
  const std::size_t codes = f.species_names.size(), layers = r.profile_layers;
  const std::size_t samples = r.sample_time_s.size();
  fmt::print("\nConcentration profile (replica {}, {} cell layers): fraction of each species per layer,\n"
             "  lowest – highest layer\n",
             r.name, layers);
  fmt::print("  {:<14}{:<28}{:<28}\n", "species", fmt::format("t = {} s", num(r.sample_time_s.front())),
             fmt::format("t = {} s", num(r.sample_time_s.back())));
  auto range = [&](std::size_t sample, std::size_t code) {
    double lo = 1, hi = 0;
    for (std::size_t l = 0; l < layers; ++l) {
      double total = 0;
      for (std::size_t c = 1; c < codes; ++c) total += r.profile_counts[(sample * layers + l) * codes + c];
      const double x = total > 0 ? r.profile_counts[(sample * layers + l) * codes + code] / total : 0;
      lo = std::min(lo, x), hi = std::max(hi, x);
    }
    return fmt::format("{:.3f} – {:.3f}", lo, hi);
  };
  for (const auto& s : f.species) {
    const auto it = std::find(f.species_names.begin(), f.species_names.end(), s.name);
    if (s.ions > 0 && it != f.species_names.end()) {
      const auto c = static_cast<std::size_t>(it - f.species_names.begin());
      fmt::print("  {:<14}{:<28}{:<28}\n", s.name, range(0, c), range(samples - 1, c));
    }
  }
}

}  // namespace

CLI::App* add_analyze_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("analyze", "Print the tables of a run's HDF5 output");
  cmd->add_option("file", g_options.file, "HDF5 output of `halide-kmc run` ([output] file)")->required();
  cmd->add_option("--rows", g_options.rows, "Time-series rows to print (log-spaced; 0: all)")
      ->check(CLI::Range(0, 1000000));
  return cmd;
}

int run_analyze_command() {
  const kmc::RunFile f = kmc::read_run_file(g_options.file);
  print_run(f);
  print_diffusion(f);
  print_drift(f);
  print_segregation(f, g_options.rows);
  print_profiles(f);
  print_crossings(f.crossings);
  return 0;
}

}  // namespace hkmc::cli
