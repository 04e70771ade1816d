#include "hkmc/neb/NebProvider.hpp"

#include <fmt/format.h>
#include <oneapi/tbb/concurrent_unordered_map.h>
#include <oneapi/tbb/enumerable_thread_specific.h>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/task_arena.h>

#include <filesystem>
#include <limits>
#include <iostream>
#include <sstream>
#include <unordered_set>

#include "hkmc/common/Error.hpp"
#include "hkmc/neb/PotentialRegistry.hpp"
#include "hkmc/neb/Sha256.hpp"

namespace hkmc::neb {

using lattice::EnvironmentKey;
using lattice::EnvironmentKeyHash;
using lattice::MechanismKind;

struct NebBarrierProvider::Table {
  tbb::concurrent_unordered_map<EnvironmentKey, std::unique_ptr<Entry>, EnvironmentKeyHash> map;
  struct Counters {
    std::int64_t hits = 0, misses = 0, blocked = 0;
  };
  tbb::enumerable_thread_specific<Counters, tbb::cache_aligned_allocator<Counters>, tbb::ets_key_per_instance>
      counters;
};

namespace {

std::string potential_kind(const std::string& potential) {
  return potential == "buckingham_coulomb" ? potential : "torchscript";
}

}  // namespace

HopBarrierSettings hop_barrier_settings(const barriers::NebProviderSettings& s) {
  HopBarrierSettings h;
  h.cell.repeats = s.cell_repeats;
  if (!s.lattice_constants.empty()) h.cell.lattice_constant = s.lattice_constants;
  h.neb.n_images = s.images;
  h.neb.spring = s.spring_ev_per_a2;
  h.neb.fmax = s.fmax_ev_per_a;
  h.neb.max_steps = s.max_steps;
  h.relax.fmax = s.relax_fmax_ev_per_a;
  h.validate();
  return h;
}

HopBarrierSettings split_hop_barrier_settings(const barriers::NebProviderSettings& s) {
  if (!(s.split_fmax_ev_per_a > 0.0 && s.split_fmax_ev_per_a <= 0.02))
    throw InputError(fmt::format("[barriers.neb] split_fmax = {}: must be in (0, 0.02] eV/Å (split-pair NEB bands "
                                 "stop on higher paths above it, docs/neb.md)",
                                 s.split_fmax_ev_per_a));
  HopBarrierSettings h = hop_barrier_settings(s);
  h.neb.fmax = s.split_fmax_ev_per_a;
  h.validate();
  return h;
}

NebBarrierProvider::NebBarrierProvider(const barriers::NebProviderSettings& settings,
                                       const lattice::SpeciesTable& species, BarrierFunction function,
                                       const std::string& function_label)
    : m_settings(settings),
      m_hop_settings(hop_barrier_settings(settings)),
      m_split_hop_settings(split_hop_barrier_settings(settings)),
      m_species(species),
      m_function(std::move(function)),
      m_table(std::make_unique<Table>()),
      m_last_save(std::chrono::steady_clock::now()) {
  if (m_function) {
    m_provenance.potential = "custom function: " + function_label;
    m_provenance.potential_sha256 = "none";
  } else {
    PotentialSpec spec;
    spec.kind = potential_kind(settings.potential);
    spec.path = spec.kind == "torchscript" ? settings.potential : std::string();
    spec.torch.intra_op_threads = 1;  // oneTBB owns the cores; one libtorch thread per NEB
    m_potential = make_potential(spec);
    // The file is identified by its SHA-256; its description names it without
    // the directory, so a cache stays valid when the project moves.
    m_provenance.potential = m_potential->description();
    if (spec.kind == "torchscript") {
      const std::string name = std::filesystem::path(settings.potential).filename().string();
      for (auto at = m_provenance.potential.find(settings.potential); at != std::string::npos;
           at = m_provenance.potential.find(settings.potential))
        m_provenance.potential.replace(at, settings.potential.size(), name);
    }
    m_provenance.potential_sha256 =
        spec.kind == "torchscript" ? sha256_of_file(settings.potential) : "builtin";
    const HopBarrierSettings& h = m_hop_settings;
    const HopBarrierSettings& hs = m_split_hop_settings;
    m_function = [this, h, hs](const HopRequest& request) {
      return compute_hop_barrier(*m_potential, request, request.kind == HopKind::SplitPair ? hs : h);
    };
  }
  m_provenance.settings = m_hop_settings.describe();
  m_provenance.program_version = HKMC_VERSION;
  if (!settings.cache_file.empty() && std::filesystem::exists(settings.cache_file))
    m_file = std::make_unique<CacheFile>(read_cache_file(settings.cache_file));
  // A separate save file (a sweep shard's): what an earlier run of it saved counts too.
  const std::string& out = save_path();
  if (out != settings.cache_file && std::filesystem::exists(out)) {
    CacheFile saved = read_cache_file(out);
    if (m_file) merge_cache(*m_file, saved, settings.cache_file, out);
    else m_file = std::make_unique<CacheFile>(std::move(saved));
  }
}

const std::string& NebBarrierProvider::save_path() const {
  return m_settings.cache_save_file.empty() ? m_settings.cache_file : m_settings.cache_save_file;
}

NebBarrierProvider::~NebBarrierProvider() {
  // Nothing computed is lost when a run ends by an exception.
  try {
    const auto s = statistics();
    if (!save_path().empty() && m_attached && s.computed > m_saved_computed) save();
  } catch (const std::exception& e) {
    std::cerr << "warning: the barrier cache could not be saved: " << e.what() << "\n";
  }
}

void NebBarrierProvider::attach(const lattice::HopCatalog& catalog) {
  std::lock_guard attach_lock(m_attach_mutex);
  const auto& crystal = catalog.supercell().crystal();
  if (crystal.prototype() != "perovskite")
    throw InputError("[barriers] provider = \"neb\" builds cubic-perovskite NEB cells; prototype \"" +
                     crystal.prototype() + "\" is not supported (use provider \"table\" for it)");
  const double a = crystal.cell()(0, 0);
  std::vector<ClassInfo> classes;
  std::map<std::string, int> class_of_signature;
  for (const auto& hc : catalog.classes()) {
    const auto kind = catalog.mechanisms()[hc.mechanism].kind;
    ClassInfo info;
    HopRequest& g = info.geometry;
    switch (kind) {
      case MechanismKind::kVacancy: g.kind = HopKind::Vacancy; break;
      case MechanismKind::kInterstitial: g.kind = HopKind::Interstitial; break;
      case MechanismKind::kInterstitialcy:
        throw InputError("[barriers] provider = \"neb\": interstitialcy hops are not supported (their "
                         "environment key does not record the pushed ion); use vacancy and "
                         "interstitial mechanisms, or provider \"table\"");
      case MechanismKind::kSplit:  // 12h -> 12h; mapped per key in request_of
        g.kind = HopKind::SplitPair;
        info.split = true;
        break;
    }
    g.midpoint = hc.midpoint / a;
    g.origin = hc.origin_vector / a;
    g.target = hc.target_vector / a;
    g.via = hc.via_vector / a;
    for (const auto& v : hc.template_vectors) g.environment.push_back(v / a);
    if (info.split)
      for (const auto& v : g.environment) info.split_site.push_back(is_split_pair_site(g.midpoint + v));
    info.signature = fmt::format("{}|{}|d={:.4f}|n={}", to_string(g.kind), hc.path_type,
                                 hc.distance_angstrom / a, hc.template_vectors.size());
    // Distinct classes that look alike in words get a running number (their
    // order is fixed by the lattice geometry).
    for (int k = 2; class_of_signature.count(info.signature); ++k)
      info.signature = fmt::format("{}|{}|d={:.4f}|n={}#{}", to_string(g.kind), hc.path_type,
                                   hc.distance_angstrom / a, hc.template_vectors.size(), k);
    class_of_signature[info.signature] = static_cast<int>(classes.size());
    classes.push_back(std::move(info));
  }
  const std::string environment = fmt::format("prototype perovskite, r_env/a = {:.4f}", catalog.r_env() / a);
  // The split-pair fmax enters the provenance only with split classes, so
  // vacancy/interstitial caches keep their provenance line.
  bool any_split = false;
  for (const auto& c : classes) any_split = any_split || c.split;
  const std::string settings =
      m_hop_settings.describe() +
      (any_split ? fmt::format(" | split_pair[neb fmax={} checks=v1]", m_split_hop_settings.neb.fmax)
                 : std::string());
  if (m_attached) {
    // Shared by several runs of one process (sweep points): their keys must
    // mean the same hops.
    bool same = environment == m_provenance.environment && settings == m_provenance.settings &&
                classes.size() == m_classes.size();
    for (std::size_t c = 0; same && c < classes.size(); ++c) same = classes[c].signature == m_classes[c].signature;
    if (!same)
      throw InputError("[barriers.neb] cache '" + m_settings.cache_file +
                       "' is shared by runs of this process whose hop classes or r_env differ; give them "
                       "separate cache files");
    return;
  }
  m_classes = std::move(classes);
  m_class_of_signature = std::move(class_of_signature);
  m_provenance.environment = environment;
  m_provenance.settings = settings;
  m_attached = true;
  if (m_file) {
    const std::string diff = m_file->provenance.difference(m_provenance);
    if (!diff.empty())
      throw InputError("barrier cache '" + m_settings.cache_file +
                       "' was computed differently from this run (file vs run):\n" + diff +
                       "\nUse another cache file, or the settings and potential the cache was made with");
    take_records(*m_file, true);
    m_file.reset();
  }
}

void NebBarrierProvider::check(const lattice::HopCatalog& catalog) const {
  // Every class must give a cell that fits (r_env against the NEB cell): try
  // each with its environment filled by the first species.
  for (std::size_t c = 0; c < m_classes.size(); ++c) {
    const auto first = m_species.codes().front();
    EnvironmentKey key{static_cast<int>(c), first,
                       std::string(catalog.classes()[c].template_vectors.size(), static_cast<char>(first))};
    // Split classes: X sites filled, 12h sites empty (one pair: the hop's).
    for (std::size_t k = 0; k < m_classes[c].split_site.size(); ++k)
      if (m_classes[c].split_site[k]) key.occupancy[k] = 0;
    try {
      (void)build_hop_cell(request_of(key), m_hop_settings.cell);
    } catch (const InputError& e) {
      throw InputError("[barriers] provider = \"neb\", hop class " + catalog.classes()[c].label + ": " + e.what());
    }
  }
}

void NebBarrierProvider::take_records(const CacheFile& file, bool from_disk) {
  for (const auto& r : file.records) {
    const auto cls = m_class_of_signature.find(r.hop_class);
    bool addressable = cls != m_class_of_signature.end() && m_species.contains(r.moving);
    EnvironmentKey key;
    if (addressable) {
      key.hop_class = cls->second;
      key.moving_species = m_species.code(r.moving);
      std::stringstream in(r.occupancy);
      std::string name;
      while (addressable && std::getline(in, name, ',')) {
        if (name == "Va") key.occupancy.push_back(0);
        else if (m_species.contains(name)) key.occupancy.push_back(static_cast<char>(m_species.code(name)));
        else addressable = false;
      }
      addressable = addressable && key.occupancy.size() == m_classes[key.hop_class].geometry.environment.size();
    }
    if (!addressable) {
      m_foreign.push_back(r);
      continue;
    }
    auto [it, inserted] = m_table->map.emplace(key, std::make_unique<Entry>());
    if (!inserted) continue;
    Entry& e = *it->second;
    std::call_once(e.once, [&] {
      e.record = r.barrier;
      e.ready.store(true, std::memory_order_release);
    });
    if (from_disk) ++m_loaded;
  }
}

HopRequest NebBarrierProvider::request_of(const EnvironmentKey& key) const {
  const ClassInfo& info = m_classes.at(key.hop_class);
  HopRequest r = info.geometry;
  r.environment_species.reserve(key.occupancy.size());
  for (char c : key.occupancy)
    r.environment_species.push_back(c == 0 ? std::string() : m_species.name(static_cast<lattice::Occupant>(c)));
  r.moving = m_species.name(key.moving_species);
  if (info.split)
    return split_pair_request_from_sites(r.midpoint, r.origin, r.target, r.environment, r.environment_species,
                                         r.moving);
  return r;
}

std::string NebBarrierProvider::blocker(const EnvironmentKey& key) const {
  const ClassInfo& info = m_classes.at(key.hop_class);
  if (!info.split) return {};
  for (std::size_t k = 0; k < key.occupancy.size(); ++k) {
    if (!info.split_site[k] || key.occupancy[k] == 0) continue;
    const Eigen::Vector3d& v = info.geometry.environment[k];
    return fmt::format("split-pair hop with another pair in its environment: the 12h site at ({:.4g}, {:.4g}, {:.4g}) a from "
                       "the hop midpoint (environment site {}) holds {}; the NEB cell holds one pair (not computed)",
                       v[0], v[1], v[2], k, m_species.name(static_cast<lattice::Occupant>(key.occupancy[k])));
  }
  return {};
}

CacheRecord NebBarrierProvider::describe(const EnvironmentKey& key) const {
  CacheRecord r;
  r.hop_class = m_classes.at(key.hop_class).signature;
  r.moving = m_species.name(key.moving_species);
  for (std::size_t k = 0; k < key.occupancy.size(); ++k) {
    if (k) r.occupancy += ',';
    const char c = key.occupancy[k];
    r.occupancy += c == 0 ? std::string("Va") : m_species.name(static_cast<lattice::Occupant>(c));
  }
  return r;
}

NebBarrierProvider::Entry& NebBarrierProvider::entry(const EnvironmentKey& key) const {
  auto it = m_table->map.find(key);
  if (it != m_table->map.end()) return *it->second;
  return *m_table->map.emplace(key, std::make_unique<Entry>()).first->second;
}

void NebBarrierProvider::count_hit() const { ++m_table->counters.local().hits; }
void NebBarrierProvider::count_miss() const { ++m_table->counters.local().misses; }

void NebBarrierProvider::compute(const EnvironmentKey& key, Entry& e) const {
  std::call_once(e.once, [&] {
    const auto start = std::chrono::steady_clock::now();
    HopBarrierRecord record;
    std::string why = blocker(key);
    const bool ran_neb = why.empty();
    if (ran_neb) {
      record = m_function(request_of(key));
    } else {
      record.status = HopBarrierStatus::Failed;  // flagged like an NEB that failed: stops the run or blocks the hop
      record.message = std::move(why);
    }
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start);
    e.record = std::move(record);
    e.ready.store(true, std::memory_order_release);
    if (ran_neb) {  // statistics: "nebs" counts NEBs run; a refused key is only "failed"
      ++m_computed;
      m_compute_microseconds += us.count();
    }
    if (!e.record.usable()) ++m_failed;
  });
}

const HopBarrierRecord& NebBarrierProvider::record(const EnvironmentKey& key) const {
  Entry& e = entry(key);
  if (!e.ready.load(std::memory_order_acquire)) compute(key, e);
  return e.record;
}

HopBarrierRecord NebBarrierProvider::recompute(const EnvironmentKey& key, HopBarrierTrace& trace) const {
  if (!m_potential) throw Error("recompute: this NEB provider has no potential (" + m_provenance.potential + ")");
  const HopRequest request = request_of(key);
  return compute_hop_barrier(*m_potential, request,
                             request.kind == HopKind::SplitPair ? m_split_hop_settings : m_hop_settings, &trace);
}

bool NebBarrierProvider::contains(const EnvironmentKey& key) const {
  auto it = m_table->map.find(key);
  return it != m_table->map.end() && it->second->ready.load(std::memory_order_acquire);
}

namespace {

[[noreturn]] void refuse_unusable(const CacheRecord& key, const HopBarrierRecord& r, bool crowded) {
  // A key refused before any NEB (a second split pair in the environment)
  // is not helped by NEB settings.
  const char* remedy = crowded ? "Use fewer interstitials or a smaller r_env (the NEB cell holds one split pair), supply "
                                 "this barrier from a table, or block such hops with [barriers.neb] on_unusable = "
                                 "\"block\""
                               : "Change the NEB settings in [barriers.neb] (images, max_steps, fmax), supply this "
                                 "barrier from a table, or block such hops with [barriers.neb] on_unusable = \"block\"";
  throw RuntimeError(fmt::format("the NEB barrier of hop {} (moving {}, environment {}) is not usable: {} ({}); it is "
                                 "never used silently. {}",
                                 key.hop_class, key.moving, key.occupancy, to_string(r.status), r.message, remedy));
}

}  // namespace

double NebBarrierProvider::unusable(const EnvironmentKey& key, const HopBarrierRecord& r) const {
  if (!m_settings.block_unusable) refuse_unusable(describe(key), r, !blocker(key).empty());
  ++m_table->counters.local().blocked;
  return std::numeric_limits<double>::infinity();  // rate exp(-inf) = 0, both directions
}

double NebBarrierProvider::e_kra(const barriers::HopContext& hop) const {
  if (!hop.key) throw Error("internal: the neb provider needs the canonical key");
  Entry& e = entry(*hop.key);
  if (e.ready.load(std::memory_order_acquire)) {
    count_hit();
  } else {
    count_miss();
    if (!m_settings.compute_missing) {
      const auto d = describe(*hop.key);
      throw RuntimeError(fmt::format("no barrier in the cache for hop {} (moving {}, environment {}), and "
                                     "[barriers.neb] compute_missing = false",
                                     d.hop_class, d.moving, d.occupancy));
    }
    compute(*hop.key, e);
    save_if_due();
  }
  if (!e.record.usable()) return unusable(*hop.key, e.record);
  return e.record.e_kra;
}

std::optional<double> NebBarrierProvider::find(const barriers::HopContext& hop) const {
  if (!hop.key) throw Error("internal: the neb provider needs the canonical key");
  auto it = m_table->map.find(*hop.key);
  if (it == m_table->map.end() || !it->second->ready.load(std::memory_order_acquire)) {
    count_miss();
    return std::nullopt;
  }
  count_hit();
  const HopBarrierRecord& r = it->second->record;
  if (!r.usable()) return unusable(*hop.key, r);
  return r.e_kra;
}

void NebBarrierProvider::prepare(std::span<const EnvironmentKey> keys) const {
  std::unordered_set<EnvironmentKey, EnvironmentKeyHash> seen;
  std::vector<std::pair<const EnvironmentKey*, Entry*>> work;
  for (const auto& key : keys) {
    if (!seen.insert(key).second) continue;
    Entry& e = entry(key);
    if (!e.ready.load(std::memory_order_acquire)) work.emplace_back(&key, &e);
  }
  if (work.empty()) return;
  if (!m_settings.compute_missing) {
    const auto d = describe(*work.front().first);
    throw RuntimeError(fmt::format("{} barrier(s) missing from the cache '{}', e.g. hop {} (moving {}, "
                                   "environment {}), and [barriers.neb] compute_missing = false",
                                   work.size(), m_settings.cache_file, d.hop_class, d.moving, d.occupancy));
  }
  // Progress on long batches (the first refresh of a mixed lattice may need
  // hundreds of NEBs): a line when it starts and then every 10 s.
  const bool report = work.size() >= 16;
  const auto start = std::chrono::steady_clock::now();
  std::atomic<int> done{0};
  std::mutex report_mutex;
  auto last_report = start;
  tbb::task_arena arena(m_settings.threads > 0 ? m_settings.threads : tbb::task_arena::automatic);
  if (report)
    std::clog << fmt::format("neb: computing {} new barriers on {} threads\n", work.size(),
                             arena.max_concurrency());
  arena.execute([&] {
    tbb::parallel_for(std::size_t{0}, work.size(), [&](std::size_t i) {
      compute(*work[i].first, *work[i].second);
      const int n = ++done;
      if (!report) return;
      std::lock_guard lock(report_mutex);
      const auto now = std::chrono::steady_clock::now();
      if (now - last_report < std::chrono::seconds(10)) return;
      last_report = now;
      std::clog << fmt::format("neb: {}/{} barriers, {:.0f} s\n", n, work.size(),
                               std::chrono::duration<double>(now - start).count());
    });
  });
  save_if_due();
}

barriers::ProviderStatistics NebBarrierProvider::statistics() const {
  barriers::ProviderStatistics s;
  s.on_demand = true;
  for (const auto& c : m_table->counters) {
    s.hits += c.hits;
    s.misses += c.misses;
    s.blocked += c.blocked;
  }
  s.entries = static_cast<std::int64_t>(m_table->map.size());
  s.loaded = m_loaded;
  s.computed = m_computed;
  s.failed = m_failed;
  s.compute_seconds = 1e-6 * static_cast<double>(m_compute_microseconds.load());
  s.saves = m_saves;
  s.cache_file = save_path();
  return s;
}

CacheFile NebBarrierProvider::snapshot() const {
  CacheFile file;
  file.provenance = m_provenance;
  for (const auto& [key, e] : m_table->map) {
    if (!e->ready.load(std::memory_order_acquire)) continue;
    CacheRecord r = describe(key);
    r.barrier = e->record;
    file.records.push_back(std::move(r));
  }
  {
    std::lock_guard lock(m_save_mutex);
    file.records.insert(file.records.end(), m_foreign.begin(), m_foreign.end());
  }
  // A stable order: files of equal content are equal.
  std::sort(file.records.begin(), file.records.end(),
            [](const CacheRecord& a, const CacheRecord& b) { return a.key() < b.key(); });
  return file;
}

void NebBarrierProvider::save() const {
  const std::string& path = save_path();
  if (path.empty()) return;
  const auto stats = statistics();
  {
    // Nothing new: leave the file alone (a shipped or shared cache is not
    // rewritten by runs that only read it).
    std::lock_guard lock(m_save_mutex);
    if (stats.computed == m_saved_computed && std::filesystem::exists(path)) return;
  }
  CacheFile file = snapshot();
  std::lock_guard lock(m_save_mutex);
  file.usage_hits = stats.hits - m_saved_hits;
  file.usage_misses = stats.misses - m_saved_misses;
  // Another run may have added records to the same file since we read it:
  // keep them (a concurrent save between this read and our rename can still
  // lose that run's newest records, never the file).
  if (std::filesystem::exists(path)) {
    CacheFile disk = read_cache_file(path);
    merge_cache(file, disk, "this run's cache", path);
  }
  write_cache_file(path, file);
  m_saved_hits = stats.hits;
  m_saved_misses = stats.misses;
  m_saved_computed = stats.computed;
  ++m_saves;
  m_last_save = std::chrono::steady_clock::now();
}

void NebBarrierProvider::save_if_due() const {
  if (save_path().empty()) return;
  {
    std::lock_guard lock(m_save_mutex);
    if (std::chrono::duration<double>(std::chrono::steady_clock::now() - m_last_save).count() <
        m_settings.save_every_s)
      return;
  }
  save();
}

namespace {

// What a run sees: its own provider object forwarding to one cache shared by
// every run of the process with the same settings (the points of a sweep), so
// an environment met by several points is computed once.
class SharedNebProvider final : public barriers::BarrierProvider {
 public:
  explicit SharedNebProvider(std::shared_ptr<NebBarrierProvider> shared) : m_shared(std::move(shared)) {}
  std::string name() const override { return m_shared->name(); }
  barriers::ProviderNeeds needs() const override { return m_shared->needs(); }
  double e_kra(const barriers::HopContext& hop) const override { return m_shared->e_kra(hop); }
  void check(const lattice::HopCatalog& catalog) const override { m_shared->check(catalog); }
  void attach(const lattice::HopCatalog& catalog) override { m_shared->attach(catalog); }
  bool on_demand() const override { return true; }
  bool computes_missing() const override { return m_shared->computes_missing(); }
  std::optional<double> find(const barriers::HopContext& hop) const override { return m_shared->find(hop); }
  void prepare(std::span<const EnvironmentKey> keys) const override { m_shared->prepare(keys); }
  barriers::ProviderStatistics statistics() const override { return m_shared->statistics(); }
  void save() const override { m_shared->save(); }
  const NebBarrierProvider& shared() const { return *m_shared; }

 private:
  std::shared_ptr<NebBarrierProvider> m_shared;
};

std::string sharing_key(const barriers::NebProviderSettings& s, const lattice::SpeciesTable& species) {
  std::string key = fmt::format("{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|", s.potential, s.cache_file,
                                s.cache_save_file, s.compute_missing,
                                s.block_unusable, s.images, s.spring_ev_per_a2, s.fmax_ev_per_a,
                                s.split_fmax_ev_per_a, s.relax_fmax_ev_per_a, s.max_steps, s.cell_repeats,
                                s.save_every_s, s.threads);
  for (const auto& [name, a] : s.lattice_constants) key += fmt::format("{}={};", name, a);
  for (auto code : species.codes()) key += species.name(code) + ",";
  return key;
}

}  // namespace

const NebBarrierProvider* as_neb_provider(const barriers::BarrierProvider& provider) {
  if (const auto* p = dynamic_cast<const NebBarrierProvider*>(&provider)) return p;
  if (const auto* p = dynamic_cast<const SharedNebProvider*>(&provider)) return &p->shared();
  return nullptr;
}

void register_neb_provider() {
  barriers::register_provider("neb", [](const barriers::ProviderSettings& settings,
                                        const lattice::SpeciesTable& species) {
    static std::mutex mutex;
    static std::map<std::string, std::weak_ptr<NebBarrierProvider>> live;
    const std::string key = sharing_key(settings.neb, species);
    std::lock_guard lock(mutex);
    auto shared = live[key].lock();
    if (!shared) {
      shared = std::make_shared<NebBarrierProvider>(settings.neb, species);
      live[key] = shared;
    }
    return std::make_unique<SharedNebProvider>(std::move(shared));
  });
}

}  // namespace hkmc::neb
