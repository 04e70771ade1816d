// [[mechanisms]] and [barriers]: which hops exist and where their barriers come
// from. See docs/input/{mechanisms,barriers}.md.
#include <algorithm>
#include <climits>
#include <cstdint>
#include <limits>
#include <filesystem>
#include <fstream>
#include <system_error>

#include <fmt/format.h>

#include "Sections.hpp"

namespace hkmc::input::detail {

namespace {

const std::vector<std::string> kProviders = {"constant", "model", "table", "neb"};
constexpr std::int64_t kInt64Max = std::numeric_limits<std::int64_t>::max();
// Keys that only one provider reads; given with another provider they would be
// silently ignored, so they are errors instead.
const std::vector<std::pair<std::string, std::string>> kProviderKeys = {
    {"E_kra", "constant"}, {"E0", "model"}, {"slope", "model"}, {"file", "table"}, {"neb", "neb"}};

bool non_negative(double x) { return x >= 0; }

void read_e_kra(SectionContext& ctx, const Field& f) {
  auto& barriers = ctx.spec.barriers;
  if (f.node()->is_number()) {
    if (auto v = f.number(non_negative, "must be >= 0 eV")) barriers.e_kra_ev = *v;
    return;
  }
  if (!f.node()->is_table()) {
    f.fail("must be a number (eV) or a table of \"mechanism\" or \"mechanism/path\" -> eV");
    return;
  }
  auto t = f.table({});
  for (const auto& key : t->keys()) {
    const Field entry = t->field(key);
    auto v = entry.number(non_negative, "must be >= 0 eV");
    if (key == "default") {
      if (v) barriers.e_kra_ev = *v;
      continue;
    }
    const auto slash = key.find('/');
    const std::string mechanism = key.substr(0, slash);
    const std::string path = slash == std::string::npos ? std::string() : key.substr(slash + 1);
    if (!is_identifier(mechanism) || (slash != std::string::npos && path.empty())) {
      entry.fail("the key must be \"default\", \"<mechanism>\" or \"<mechanism>/<path>\"");
      continue;
    }
    if (ctx.mechanisms_complete && !ctx.mechanism_names.empty() &&
        std::find(ctx.mechanism_names.begin(), ctx.mechanism_names.end(), mechanism) ==
            ctx.mechanism_names.end()) {
      std::string rule = fmt::format("{} is not a mechanism declared in [[mechanisms]] ({})",
                                     quote(mechanism), join(ctx.mechanism_names, ", "));
      if (auto near = closest_match(mechanism, ctx.mechanism_names)) {
        rule += "; did you mean '" + *near + "'?";
      }
      entry.fail(rule);
      continue;
    }
    if (v) barriers.e_kra_overrides[key] = *v;
  }
}

// [barriers.neb]: the potential, the cache file and the NEB settings.
void read_neb(SectionContext& ctx, const Field& field) {
  auto& neb = ctx.spec.barriers.neb;
  if (!field) return;
  auto t = field.table({"potential", "cache", "compute_missing", "on_unusable", "images", "spring", "fmax",
                        "split_fmax", "relax_fmax", "max_steps", "cell", "lattice_constants", "save_every",
                        "threads"});
  if (!t) return;
  t->report_unknown_keys();
  auto positive = [](double x) { return x > 0; };
  if (const Field f = t->field("potential")) {
    if (auto name = f.string()) {
      if (*name == "buckingham_coulomb") neb.potential = *name;
      else if (auto path = readable_file(f, ctx.base_dir, "\"buckingham_coulomb\" or a TorchScript potential file"))
        neb.potential = *path;
    }
  }
  if (const Field f = t->field("cache")) {
    if (auto name = f.string()) {
      namespace fs = std::filesystem;
      fs::path path(*name);
      if (path.is_relative()) path = fs::path(ctx.base_dir) / path;
      path = path.lexically_normal();
      std::error_code ec;
      if (name->empty()) f.fail("must name an HDF5 file (it is created if missing)");
      else if (fs::is_directory(path, ec)) f.fail("must name a file, not a directory: " + path.string());
      else if (!fs::is_directory(path.parent_path().empty() ? fs::path(".") : path.parent_path(), ec))
        f.fail("its directory does not exist: " + path.parent_path().string());
      else neb.cache_file = path.string();
    }
  }
  if (auto b = t->field("compute_missing").boolean()) neb.compute_missing = *b;
  if (auto c = t->field("on_unusable").choice({"stop", "block"})) neb.on_unusable = *c;
  if (auto n = t->field("images").integer(1, 50, "must be an integer from 1 to 50")) neb.images = static_cast<int>(*n);
  if (auto x = t->field("spring").number(positive, "must be > 0 eV/Å²")) neb.spring_ev_per_a2 = *x;
  if (auto x = t->field("fmax").number(positive, "must be > 0 eV/Å")) neb.fmax_ev_per_a = *x;
  if (auto x = t->field("split_fmax").number([](double v) { return v > 0 && v <= 0.02; },
                                              "must be in (0, 0.02] eV/Å (split-pair bands stop on higher paths "
                                              "above it, docs/neb.md)"))
    neb.split_fmax_ev_per_a = *x;
  if (auto x = t->field("relax_fmax").number(positive, "must be > 0 eV/Å")) neb.relax_fmax_ev_per_a = *x;
  if (auto n = t->field("max_steps").integer(1, 1000000, "must be an integer from 1 to 1000000"))
    neb.max_steps = static_cast<int>(*n);
  if (auto n = t->field("cell").integer(2, 8, "must be an integer from 2 to 8 (unit cells per edge)"))
    neb.cell_repeats = static_cast<int>(*n);
  if (const Field f = t->field("lattice_constants")) {
    if (auto table = f.table({})) {
      for (const auto& species : table->keys()) {
        const Field s = table->field(species);
        auto v = s.number(positive, "must be > 0 Å");
        if (check_known_species(ctx, s, species, true) && v) neb.lattice_constants[species] = *v;
      }
    }
  }
  if (auto x = t->field("save_every").number([](double v) { return v >= 0; }, "must be >= 0 s"))
    neb.save_every_s = *x;
  if (auto n = t->field("threads").integer(0, 4096, "must be an integer >= 0 (0 = all cores)"))
    neb.threads = static_cast<int>(*n);
}

void read_table_file(SectionContext& ctx, const Field& f) {
  if (auto path = readable_file(f, ctx.base_dir, "a barrier table file")) ctx.spec.barriers.table_file = *path;
}

}  // namespace

std::optional<std::string> readable_file(const Field& f, const std::string& base_dir, const char* what) {
  auto name = f.string();
  if (!name) return std::nullopt;
  if (name->empty()) {
    f.fail(std::string("must name ") + what);
    return std::nullopt;
  }
  namespace fs = std::filesystem;
  fs::path path(*name);
  if (path.is_relative()) path = fs::path(base_dir) / path;
  std::error_code ec;
  fs::path absolute = fs::absolute(path, ec);
  if (ec) absolute = path;
  absolute = absolute.lexically_normal();
  const auto status = fs::status(absolute, ec);
  std::string why;
  if (!fs::exists(status)) {
    why = "no such file";
  } else if (fs::is_directory(status)) {
    why = "it is a directory";
  } else if (!std::ifstream(absolute).is_open()) {
    why = "cannot be opened for reading";
  }
  if (!why.empty()) {
    f.fail(fmt::format("must be a readable file, relative to the input file's directory; {}: {}",
                       why, absolute.string()));
    return std::nullopt;
  }
  return absolute.string();
}

void read_energy(SectionContext& ctx, const std::optional<TableReader>& table) {
  if (!table) return;
  const TableReader& t = *table;
  t.report_unknown_keys();
  if (const Field f = t.field("hamiltonian")) {
    if (auto path = readable_file(f, ctx.base_dir, "a lattice Hamiltonian file"))
      ctx.spec.energy.hamiltonian_file = *path;
  }
}

void read_mechanisms(SectionContext& ctx, const Field& field) {
  ctx.mechanisms_complete = true;
  if (!field) return;
  auto tables = field.table_array({"name", "kind", "shell"},
                                  "must be an array of tables, written [[mechanisms]]");
  if (!tables) {
    ctx.mechanisms_complete = false;
    return;
  }
  std::vector<std::pair<std::string, std::string>> seen;  // name, location
  for (const auto& t : *tables) {
    t.report_unknown_keys();
    kmc::MechanismSpec mechanism;
    bool ok = t.has("name") && t.has("kind");
    t.require("name", "a unique label such as \"vacancy_edge\"");
    t.require("kind", "one of \"vacancy\", \"interstitial\", \"interstitialcy\", \"split\"");
    if (const Field f = t.field("name")) {
      auto name = f.string();
      if (name && !is_identifier(*name)) {
        f.fail("must be a name matching [A-Za-z][A-Za-z0-9_]*");
        name.reset();
      }
      if (name) {
        auto it = std::find_if(seen.begin(), seen.end(),
                               [&](const auto& s) { return s.first == *name; });
        if (it != seen.end()) {
          f.fail(fmt::format("must be unique; already used at {}", it->second));
          name.reset();
        } else {
          seen.emplace_back(*name, f.location());
          ctx.mechanism_names.push_back(*name);
        }
      }
      if (name) {
        mechanism.name = *name;
      } else {
        ok = false;
        ctx.mechanisms_complete = false;
      }
    } else {
      ctx.mechanisms_complete = false;
    }
    if (auto kind = t.field("kind").choice({"vacancy", "interstitial", "interstitialcy", "split"})) {
      mechanism.kind = *kind;
      // Split pairs: shell 2 adds the hop through the 3c window, the second
      // lowest for Br (docs/lattice.md).
      if (*kind == "split") mechanism.shell = 2;
    } else {
      ok = false;
    }
    if (const Field f = t.field("shell")) {
      if (auto shell = f.integer(1, INT_MAX, "must be an integer >= 1")) {
        mechanism.shell = static_cast<int>(*shell);
      } else {
        ok = false;
      }
    }
    if (ok) ctx.spec.mechanisms.push_back(std::move(mechanism));
  }
}

void read_barriers(SectionContext& ctx, const std::optional<TableReader>& table) {
  if (!table) return;
  const TableReader& t = *table;
  t.report_unknown_keys();
  auto& barriers = ctx.spec.barriers;

  std::optional<std::string> provider = barriers.provider;
  if (const Field f = t.field("provider")) provider = f.choice(kProviders);
  if (provider) barriers.provider = *provider;

  if (auto nu = t.field("attempt_frequency").number([](double x) { return x > 0; },
                                                    "must be > 0 Hz")) {
    barriers.attempt_frequency_hz = *nu;
  }
  if (auto r = t.field("r_env").number([](double x) { return x > 0; }, "must be > 0 Å")) {
    barriers.r_env_angstrom = *r;
  }
  if (auto sigma = t.field("perturbation_sigma").number(non_negative, "must be >= 0 eV (0: off)")) {
    barriers.perturbation_sigma_ev = *sigma;
  }
  if (auto seed = t.field("perturbation_seed").integer(0, kInt64Max, "must be an integer >= 0")) {
    barriers.perturbation_seed = static_cast<std::uint64_t>(*seed);
  }
  if (!provider) return;  // which of the remaining keys belong is unknown

  for (const auto& [key, owner] : kProviderKeys) {
    if (owner == *provider) continue;
    if (const Field f = t.field(key)) {
      f.fail(fmt::format("belongs to provider {}, but provider is {}", quote(owner),
                         quote(*provider)));
    }
  }

  if (*provider == "constant") {
    if (const Field f = t.field("E_kra")) read_e_kra(ctx, f);
  } else if (*provider == "model") {
    // E0 may be negative: only E0 + sum(slope * n) over real environments has
    // to be >= 0, and that is known only once the environments are.
    if (auto e0 = t.field("E0").number()) barriers.model_e0_ev = *e0;
    if (const Field f = t.field("slope")) {
      if (auto slopes = f.table({})) {
        for (const auto& species : slopes->keys()) {
          const Field s = slopes->field(species);
          auto v = s.number();
          if (check_known_species(ctx, s, species, true) && v) {
            barriers.model_slopes_ev[species] = *v;
          }
        }
      }
    }
  } else if (*provider == "table") {
    t.require("file", "the barrier table (CSV), relative to the input file's directory");
    if (const Field f = t.field("file")) read_table_file(ctx, f);
  } else if (*provider == "neb") {
    read_neb(ctx, t.field("neb"));
  }
}

}  // namespace hkmc::input::detail
