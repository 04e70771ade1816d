#include "BarriersCommand.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>

#include "hkmc/common/Error.hpp"
#include "hkmc/input/InputReader.hpp"
#include "hkmc/kmc/Simulation.hpp"
#include "hkmc/neb/BarrierCacheFile.hpp"
#include "hkmc/neb/ExtXyz.hpp"
#include "hkmc/neb/NebProvider.hpp"

namespace hkmc::cli {
namespace {

struct Options {
  std::string input;
  std::vector<std::string> overrides;
  int max_vacancies = 0;
  std::size_t limit = 20000;
  std::string cache;
  std::vector<std::string> caches;
  std::string output;
  bool force = false;
  bool all = false;
};
Options g;

void refuse_overwrite(const std::string& path, bool force) {
  if (!force && std::filesystem::exists(path))
    throw InputError("output '" + path + "' exists; use --force to replace it");
}

// Every canonical environment of every hop class for the run's species:
// occupancies of the template sites by the run's species, with at most
// `max_vacancies` empty sites, and each species as the moving ion.
std::vector<lattice::EnvironmentKey> enumerate_keys(const kmc::KmcModel& model,
                                                    const std::vector<lattice::Occupant>& codes,
                                                    int max_vacancies, std::size_t limit) {
  const auto& catalog = model.catalog();
  std::vector<lattice::EnvironmentKey> keys;
  for (int c = 0; c < static_cast<int>(catalog.classes().size()); ++c) {
    const std::size_t n = catalog.classes()[c].template_vectors.size();
    // Interstitial sites of a template hold no halide in this enumeration:
    // only lattice sites take species; interstitial sites stay empty.
    std::vector<bool> interstitial(n, false);
    const auto& slot0 = catalog.slots(catalog.classes()[c].representative_mobile);
    const lattice::HopSlot* rep = nullptr;
    for (const auto& s : slot0)  // not a mirrored split slot: it reads its sites in the other labelling
      if (s.hop_class == c && !s.mirrored) rep = &s;
    if (!rep) throw Error("internal: no slot for hop class " + std::to_string(c));
    const auto& cell = model.supercell();
    const int origin = cell.site({0, 0, 0}, catalog.classes()[c].representative_mobile);
    for (std::size_t k = 0; k < n; ++k)
      interstitial[k] = cell.role(cell.shifted_from(cell.cell_of(origin), rep->environment[k])) ==
                        lattice::SiteRole::kInterstitial;
    std::vector<int> lattice_sites;
    for (std::size_t k = 0; k < n; ++k)
      if (!interstitial[k]) lattice_sites.push_back(static_cast<int>(k));
    const double raw = std::pow(static_cast<double>(codes.size() + (max_vacancies > 0)), lattice_sites.size());
    if (raw > 50.0 * static_cast<double>(limit))
      throw InputError(fmt::format("barriers precompute: hop class {} has {} environment sites, {:.3g} "
                                   "occupancies to enumerate; reduce [barriers] r_env or raise --limit",
                                   catalog.classes()[c].label, lattice_sites.size(), raw));
    std::set<std::string> seen;
    std::string occupancy(n, '\0'), canonical;
    std::vector<int> digit(lattice_sites.size(), 0);
    const int base = static_cast<int>(codes.size()) + 1;  // 0 = vacancy, 1.. = species
    while (true) {
      int vacancies = 0;
      for (std::size_t i = 0; i < digit.size(); ++i) {
        occupancy[lattice_sites[i]] = digit[i] == 0 ? '\0' : static_cast<char>(codes[digit[i] - 1]);
        vacancies += digit[i] == 0;
      }
      if (vacancies <= max_vacancies) {
        catalog.canonicalize(c, occupancy, canonical);
        seen.insert(canonical);
      }
      std::size_t i = 0;
      while (i < digit.size() && ++digit[i] == base) digit[i++] = 0;
      if (i == digit.size()) break;
    }
    for (const auto& occ : seen)
      for (auto moving : codes) keys.push_back(lattice::EnvironmentKey{c, moving, occ});
    if (keys.size() > limit)
      throw InputError(fmt::format("barriers precompute: more than {} environments (--limit); reduce "
                                   "[barriers] r_env or --max-vacancies, or raise --limit",
                                   limit));
  }
  return keys;
}

// An input's NEB provider and the environments its hops can meet.
struct InputEnvironments {
  kmc::RunSpec spec;
  std::unique_ptr<kmc::Simulation> simulation;
  const neb::NebBarrierProvider* provider = nullptr;
  std::vector<lattice::EnvironmentKey> keys;
};

InputEnvironments input_environments(const std::string& command, bool compute_missing) {
  InputEnvironments in;
  in.spec = input::read_input_file(g.input, g.overrides);
  auto& spec = in.spec;
  if (spec.barriers.provider != "neb")
    throw InputError("barriers " + command + ": " + g.input + " uses provider \"" + spec.barriers.provider +
                     "\"; it needs [barriers] provider = \"neb\"");
  if (spec.barriers.neb.cache_file.empty())
    throw InputError("barriers " + command + ": " + g.input + " has no [barriers.neb] cache file");
  spec.barriers.neb.compute_missing = compute_missing;
  in.simulation = std::make_unique<kmc::Simulation>(spec, kmc::Simulation::Purpose::kEquilibrium);
  in.provider = neb::as_neb_provider(in.simulation->model().provider());
  if (!in.provider) throw Error("internal: provider \"neb\" is not the NEB provider");
  // The species the input can put on the lattice (any composition of them).
  std::set<std::string> names;
  for (const auto& [name, f] : spec.composition.fractions)
    if (f > 0) names.insert(name);
  for (const auto& layer : spec.initial.layers)
    for (const auto& [name, f] : layer.composition.fractions)
      if (f > 0) names.insert(name);
  if (!spec.defects.interstitial_species.empty()) names.insert(spec.defects.interstitial_species);
  std::vector<lattice::Occupant> codes;
  for (const auto& name : names) codes.push_back(in.simulation->model().species().code(name));
  std::sort(codes.begin(), codes.end());
  in.keys = enumerate_keys(in.simulation->model(), codes, g.max_vacancies, g.limit);
  return in;
}

int run_precompute() {
  const InputEnvironments in = input_environments("precompute", true);
  const auto& provider = *in.provider;
  const auto& keys = in.keys;
  const auto& spec = in.spec;
  std::vector<lattice::EnvironmentKey> missing;
  for (const auto& k : keys)
    if (!provider.contains(k)) missing.push_back(k);
  std::cout << fmt::format("{} environments ({} hop classes, up to {} vacancies in an environment): {} in the "
                           "cache, {} to compute\n",
                           keys.size(), in.simulation->model().catalog().classes().size(), g.max_vacancies,
                           keys.size() - missing.size(), missing.size())
            << std::flush;  // the first chunk can take minutes
  // In chunks of 8, saving after each: a killed precompute resumes where it stopped.
  const std::size_t chunk = 8;
  const auto start = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < missing.size(); i += chunk) {
    const std::size_t end = std::min(missing.size(), i + chunk);
    provider.prepare(std::span<const lattice::EnvironmentKey>(missing.data() + i, end - i));
    provider.save();
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const double eta = elapsed / static_cast<double>(end) * static_cast<double>(missing.size() - end);
    std::cout << fmt::format("{}/{} computed, {:.0f} s elapsed, about {:.0f} s left\n", end, missing.size(),
                             elapsed, eta)
              << std::flush;
  }
  provider.save();
  const auto stats = provider.statistics();
  std::cout << fmt::format("cache {}: {} entries, {} computed now ({} unusable), {:.1f} s of NEB\n",
                           spec.barriers.neb.cache_file, stats.entries, stats.computed, stats.failed,
                           stats.compute_seconds);
  return 0;
}

// Recomputes cached records (the flagged ones, or all) with the input's
// potential and settings and writes the structures each went through as
// extended XYZ: to see why an environment was flagged, and to give a
// potential's trainer the configurations it got wrong.
int run_inspect() {
  const InputEnvironments in = input_environments("inspect", false);
  const auto& provider = *in.provider;
  if (std::filesystem::exists(g.output) && !std::filesystem::is_directory(g.output))
    throw InputError("barriers inspect: '" + g.output + "' exists and is not a directory");
  std::filesystem::create_directories(g.output);
  int inspected = 0, absent = 0, same = 0;
  for (const auto& key : in.keys) {
    if (!provider.contains(key)) {
      ++absent;
      continue;
    }
    const auto& cached = provider.record(key);
    if (cached.usable() && !g.all) continue;
    const std::string path = (std::filesystem::path(g.output) / fmt::format("environment_{:04d}.xyz", inspected)).string();
    refuse_overwrite(path, g.force);
    const auto name = provider.describe(key);
    neb::HopBarrierTrace trace;
    const auto again = provider.recompute(key, trace);
    const bool reproduced = again.status == cached.status && again.e_kra == cached.e_kra;
    same += reproduced;
    {
      std::ofstream out(path + ".tmp");
      for (std::size_t i = 0; i < trace.structures.size(); ++i)
        neb::write_extxyz_frame(out, trace.structures[i], nullptr,
                                fmt::format("{}; E = {:.6f} eV; moving {}; environment {}", trace.labels[i],
                                            trace.energies[i], name.moving, name.occupancy));
      if (!out) throw RuntimeError("barriers inspect: writing '" + path + "' failed");
    }
    std::filesystem::rename(path + ".tmp", path);
    std::cout << fmt::format("{}: moving {} [{}]\n  cached:     {} E_KRA {:.4f} eV {}\n  recomputed: {} E_KRA {:.4f} eV {}{}\n"
                             "  {} structures in {}\n",
                             inspected, name.moving, name.occupancy, neb::to_string(cached.status), cached.e_kra,
                             cached.message, neb::to_string(again.status), again.e_kra, again.message,
                             reproduced ? " (same as cached)" : " (DIFFERS from the cached record)",
                             trace.structures.size(), path)
              << std::flush;
    ++inspected;
  }
  std::cout << fmt::format("{} records inspected ({} reproduced exactly); {} of the input's environments are not "
                           "in the cache\n",
                           inspected, same, absent);
  return 0;
}

int run_show() {
  const auto file = neb::read_cache_file(g.cache);
  const auto& p = file.provenance;
  std::cout << "cache            " << g.cache << "\n"
            << "potential        " << p.potential << "\n"
            << "potential_sha256 " << p.potential_sha256 << "\n"
            << "settings         " << p.settings << "\n"
            << "environment      " << p.environment << "\n"
            << "written by       halide-kmc " << p.program_version << "\n";
  std::map<std::string, int> by_status, by_class;
  std::vector<double> barriers;
  double wall = 0, calls = 0;
  for (const auto& r : file.records) {
    by_status[neb::to_string(r.barrier.status)]++;
    by_class[r.hop_class + " (moving " + r.moving + ")"]++;
    if (r.barrier.usable()) barriers.push_back(r.barrier.e_kra);
    wall += r.barrier.wall_seconds;
    calls += r.barrier.force_calls;
  }
  std::cout << fmt::format("entries          {}\n", file.records.size());
  for (const auto& [s, n] : by_status) std::cout << fmt::format("  {:<14} {}\n", s, n);
  for (const auto& [c, n] : by_class) std::cout << fmt::format("  {:<40} {}\n", c, n);
  const double lookups = static_cast<double>(file.usage_hits + file.usage_misses);
  std::cout << fmt::format("lookups          {} hits, {} misses over the runs that saved here (hit rate {})\n",
                           file.usage_hits, file.usage_misses,
                           lookups > 0 ? fmt::format("{:.5f}", file.usage_hits / lookups) : std::string("n/a"));
  if (!file.records.empty())
    std::cout << fmt::format("NEB cost         {:.0f} force calls and {:.2f} s per record on average\n",
                             calls / file.records.size(), wall / file.records.size());
  if (barriers.empty()) return 0;
  std::sort(barriers.begin(), barriers.end());
  std::cout << fmt::format("E_KRA (eV)       min {:.4f}  median {:.4f}  max {:.4f}\n", barriers.front(),
                           barriers[barriers.size() / 2], barriers.back());
  const double width = 0.05;
  std::map<int, int> histogram;
  for (double e : barriers) histogram[static_cast<int>(std::floor(e / width))]++;
  const int most = std::max_element(histogram.begin(), histogram.end(),
                                    [](auto& a, auto& b) { return a.second < b.second; })->second;
  for (const auto& [bin, n] : histogram)
    std::cout << fmt::format("  {:6.2f}-{:<6.2f} {:6d} {}\n", bin * width, (bin + 1) * width, n,
                             std::string(static_cast<std::size_t>(std::ceil(40.0 * n / most)), '#'));
  return 0;
}

const char* kCsvHeader =
    "hop_class,moving,occupancy,e_kra_eV,e_forward_eV,e_backward_eV,delta_e_eV,status,force_calls,attempts,"
    "lattice_constant_A,max_force_eV_A,wall_s,message";

std::string csv_quote(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

int run_export() {
  const auto file = neb::read_cache_file(g.cache);
  refuse_overwrite(g.output, g.force);
  std::ostringstream out;
  const auto& p = file.provenance;
  out << "# halide-kmc barrier cache export (" << g.cache << ")\n"
      << "# potential: " << p.potential << "\n# potential_sha256: " << p.potential_sha256 << "\n"
      << "# settings: " << p.settings << "\n# environment: " << p.environment << "\n"
      << "# program_version: " << p.program_version << "\n"
      << kCsvHeader << "\n";
  for (const auto& r : file.records) {
    const auto& b = r.barrier;
    out << fmt::format("{},{},{},{:.17g},{:.17g},{:.17g},{:.17g},{},{},{},{:.17g},{:.17g},{:.17g},{}\n",
                       csv_quote(r.hop_class), r.moving, csv_quote(r.occupancy), b.e_kra, b.e_forward,
                       b.e_backward, b.delta_e, neb::to_string(b.status), b.force_calls, b.attempts,
                       b.lattice_constant, b.max_force, b.wall_seconds, csv_quote(b.message));
  }
  std::ofstream(g.output + ".tmp") << out.str();
  std::filesystem::rename(g.output + ".tmp", g.output);
  std::cout << fmt::format("{} records written to {}\n", file.records.size(), g.output);
  return 0;
}

std::vector<std::string> split_csv(const std::string& line) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') fields.back() += '"', ++i;
      else if (c == '"') quoted = false;
      else fields.back() += c;
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.emplace_back();
    } else {
      fields.back() += c;
    }
  }
  return fields;
}

int run_import() {
  std::ifstream in(g.input);
  if (!in) throw InputError("barriers import: cannot read '" + g.input + "'");
  refuse_overwrite(g.output, g.force);
  neb::CacheFile file;
  std::map<std::string, std::string*> provenance{{"potential", &file.provenance.potential},
                                                 {"potential_sha256", &file.provenance.potential_sha256},
                                                 {"settings", &file.provenance.settings},
                                                 {"environment", &file.provenance.environment},
                                                 {"program_version", &file.provenance.program_version}};
  std::string line;
  int number = 0;
  bool header = false;
  std::vector<std::string> problems;
  auto problem = [&](const std::string& what) { problems.push_back(fmt::format("{}:{}: {}", g.input, number, what)); };
  while (std::getline(in, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    if (line[0] == '#') {
      const auto colon = line.find(':');
      const std::string key = colon == std::string::npos ? "" : line.substr(2, colon - 2);
      if (auto it = provenance.find(key); it != provenance.end()) *it->second = line.substr(colon + 2);
      continue;
    }
    if (!header) {
      if (line != kCsvHeader) problem(std::string("the header must be exactly: ") + kCsvHeader);
      header = true;
      continue;
    }
    const auto f = split_csv(line);
    if (f.size() != 14) {
      problem(fmt::format("{} fields; 14 expected", f.size()));
      continue;
    }
    neb::CacheRecord r;
    r.hop_class = f[0];
    r.moving = f[1];
    r.occupancy = f[2];
    auto number_of = [&](const std::string& text, const char* column) {
      try {
        std::size_t used = 0;
        const double v = std::stod(text, &used);
        if (used == text.size() && std::isfinite(v)) return v;
      } catch (const std::exception&) {
      }
      problem(fmt::format("column {} = '{}': not a finite number", column, text));
      return 0.0;
    };
    auto& b = r.barrier;
    b.e_kra = number_of(f[3], "e_kra_eV");
    b.e_forward = number_of(f[4], "e_forward_eV");
    b.e_backward = number_of(f[5], "e_backward_eV");
    b.delta_e = number_of(f[6], "delta_e_eV");
    bool known = false;
    for (auto s : {neb::HopBarrierStatus::Ok, neb::HopBarrierStatus::NotConverged, neb::HopBarrierStatus::BelowEndpoint,
                   neb::HopBarrierStatus::BasinChange, neb::HopBarrierStatus::Failed})
      if (neb::to_string(s) == f[7]) b.status = s, known = true;
    if (!known) problem("column status = '" + f[7] + "': not a known status (ok, not_converged, ...)");
    b.force_calls = static_cast<int>(number_of(f[8], "force_calls"));
    b.attempts = static_cast<int>(number_of(f[9], "attempts"));
    b.lattice_constant = number_of(f[10], "lattice_constant_A");
    b.max_force = number_of(f[11], "max_force_eV_A");
    b.wall_seconds = number_of(f[12], "wall_s");
    b.message = f[13];
    if (b.usable() && b.e_kra < 0) problem("column e_kra_eV: a usable barrier must be >= 0 eV");
    file.records.push_back(std::move(r));
  }
  for (const auto& [key, value] : provenance)
    if (value->empty() && key != "program_version")
      problems.push_back(g.input + ": the provenance line '# " + key + ": ...' is missing");
  if (!problems.empty()) throw InputError(problems);
  neb::CacheFile merged = file;
  neb::write_cache_file(g.output, merged);
  std::cout << fmt::format("{} records imported into {}\n", merged.records.size(), g.output);
  return 0;
}

int run_merge() {
  if (g.caches.size() < 2) throw InputError("barriers merge: give at least two cache files");
  refuse_overwrite(g.output, g.force);
  merge_cache_files(g.caches, g.output);
  return 0;
}

// The input and the environment enumeration, shared by precompute and inspect.
void add_environment_options(CLI::App* command) {
  command->add_option("input", g.input, "Input file with [barriers] provider = \"neb\" and a cache")->required();
  command->add_option("--set", g.overrides, "Override an input key: section.key=value (repeatable)")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  command->add_option("--max-vacancies", g.max_vacancies, "Empty sites allowed in an environment")
      ->capture_default_str()
      ->check(CLI::Range(0, 3));
  command->add_option("--limit", g.limit, "Refuse to enumerate more environments than this")->capture_default_str();
}

}  // namespace

void merge_cache_files(const std::vector<std::string>& caches, const std::string& output) {
  neb::CacheFile merged = neb::read_cache_file(caches.at(0));
  for (std::size_t i = 1; i < caches.size(); ++i) {
    const auto report = neb::merge_cache(merged, neb::read_cache_file(caches[i]), caches[0], caches[i]);
    std::cout << fmt::format("{}: {} added, {} already present ({} with a different E_KRA: the first kept)\n",
                             caches[i], report.added, report.duplicates, report.conflicts);
  }
  neb::write_cache_file(output, merged);
  std::cout << fmt::format("{} records written to {}\n", merged.records.size(), output);
}

BarriersCommands add_barriers_commands(CLI::App& app) {
  BarriersCommands c;
  c.barriers = app.add_subcommand("barriers", "The NEB barrier cache: precompute, inspect, show, export, import, merge");
  c.barriers->require_subcommand(1);
  c.precompute = c.barriers->add_subcommand(
      "precompute", "Compute the barriers of every symmetry-distinct environment of an input's hops (resumable)");
  add_environment_options(c.precompute);
  c.inspect = c.barriers->add_subcommand(
      "inspect", "Recompute flagged cache records and write their relaxed states and NEB paths as extended XYZ");
  add_environment_options(c.inspect);
  c.inspect->add_flag("--all", g.all, "Recompute usable records too, not only the flagged ones");
  c.inspect->add_option("-o,--output", g.output, "Directory for the XYZ files")->required();
  c.inspect->add_flag("--force", g.force, "Replace existing XYZ files");
  c.show = c.barriers->add_subcommand("show", "Provenance, entries, hit rate and the barrier histogram of a cache");
  c.show->add_option("cache", g.cache, "Cache file (HDF5)")->required();
  c.export_csv = c.barriers->add_subcommand("export", "Write a cache as CSV (provenance in # lines)");
  c.export_csv->add_option("cache", g.cache, "Cache file (HDF5)")->required();
  c.export_csv->add_option("-o,--output", g.output, "CSV file")->required();
  c.export_csv->add_flag("--force", g.force, "Replace an existing output");
  c.import_csv = c.barriers->add_subcommand("import", "Make a cache from CSV in the export format");
  c.import_csv->add_option("csv", g.input, "CSV file")->required();
  c.import_csv->add_option("-o,--output", g.output, "Cache file (HDF5)")->required();
  c.import_csv->add_flag("--force", g.force, "Replace an existing output");
  c.merge = c.barriers->add_subcommand("merge", "Merge caches computed with the same provenance");
  c.merge->add_option("caches", g.caches, "Cache files (HDF5)")->required();
  c.merge->add_option("-o,--output", g.output, "Merged cache file")->required();
  c.merge->add_flag("--force", g.force, "Replace an existing output");
  return c;
}

int run_barriers_commands(const BarriersCommands& c) {
  if (*c.precompute) return run_precompute();
  if (*c.inspect) return run_inspect();
  if (*c.show) return run_show();
  if (*c.export_csv) return run_export();
  if (*c.import_csv) return run_import();
  if (*c.merge) return run_merge();
  return 2;
}

}  // namespace hkmc::cli
