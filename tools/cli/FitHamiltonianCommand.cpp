#include "FitHamiltonianCommand.hpp"

#include <fmt/format.h>
#include <tbb/global_control.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <sstream>
#include <toml++/toml.h>

#include "hkmc/neb/Sha256.hpp"
#include "hkmc/barriers/HamiltonianFit.hpp"
#include "hkmc/common/Error.hpp"
#include "hkmc/lattice/Prototypes.hpp"
#include "hkmc/neb/Fire.hpp"
#include "hkmc/neb/PerovskiteCell.hpp"
#include "hkmc/neb/PotentialRegistry.hpp"

namespace hkmc::cli {

bool FitSettings::has(const std::string& defect) const {
  return std::find(defects.begin(), defects.end(), defect) != defects.end();
}

// ---------------------------------------------------------------- settings

namespace {

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

// A value as TOML would show it: strings in double quotes, floats in shortest
// round-trip form, arrays inline; cut at 60 characters.
std::string show_full(const toml::node& node) {
  if (auto v = node.value_exact<std::string>()) return "\"" + *v + "\"";
  if (auto v = node.value_exact<std::int64_t>()) return fmt::format("{}", *v);
  if (auto v = node.value_exact<double>()) {
    std::string t = fmt::format("{}", *v);
    if (t.find_first_of(".eEn") == std::string::npos) t += ".0";
    return t;
  }
  if (auto v = node.value_exact<bool>()) return *v ? "true" : "false";
  if (const auto* arr = node.as_array()) {
    std::string out = "[";
    for (std::size_t k = 0; k < arr->size(); ++k) out += (k ? ", " : "") + show_full((*arr)[k]);
    return out + "]";
  }
  if (node.is_table()) return "{...}";
  std::ostringstream out;
  node.visit([&](const auto& v) { out << v; });
  return out.str();
}

std::string show(const toml::node& node) {
  std::string text = show_full(node);
  if (text.size() > 60) text = text.substr(0, 57) + "...";
  return text;
}

class SettingsReader {
 public:
  SettingsReader(const std::string& path, const toml::table& root) : m_path(path), m_root(root) {}

  std::string where(const toml::node* node) const {
    if (node && node->source().begin) return m_path + ":" + std::to_string(node->source().begin.line);
    return m_path;
  }
  void problem(const std::string& section, const std::string& key, const toml::node* node, const std::string& what) {
    std::string text = "[" + section + "] " + key;
    if (node) text += " = " + show(*node);
    m_problems.push_back(text + ": " + what + " (" + where(node) + ")");
  }

  // Unknown sections/keys, with a "did you mean" where one is close.
  void check_keys(const std::map<std::string, std::set<std::string>>& allowed) {
    for (const auto& [k, node] : m_root) {
      const std::string section(k.str());
      auto it = allowed.find(section);
      if (it == allowed.end()) {
        std::vector<std::string> names;
        for (const auto& [s, keys] : allowed) names.push_back(s);
        m_problems.push_back("[" + section + "]: unknown section" + hint(section, names) + "; allowed: " +
                             list(names, "[", "]") + " (" + where(&node) + ")");
        continue;
      }
      const auto* table = node.as_table();
      if (!table) {
        m_problems.push_back("[" + section + "]: must be a table (" + where(&node) + ")");
        continue;
      }
      for (const auto& [key, value] : *table) {
        const std::string name(key.str());
        if (it->second.count(name)) continue;
        std::vector<std::string> keys(it->second.begin(), it->second.end());
        m_problems.push_back("[" + section + "] " + name + ": unknown key" + hint(name, keys) + "; allowed: " +
                             list(keys, "", "") + " (" + where(&value) + ")");
      }
    }
  }

  const toml::node* get(const std::string& section, const std::string& key) const {
    const auto* table = m_root[section].as_table();
    return table ? table->get(key) : nullptr;
  }
  bool present(const std::string& section, const std::string& key) const { return get(section, key) != nullptr; }

  void string(const std::string& section, const std::string& key, std::string& out, bool required = false) {
    const toml::node* n = get(section, key);
    if (!n) {
      if (required) m_problems.push_back("[" + section + "] " + key + ": missing (" + m_path + ")");
      return;
    }
    if (auto s = n->value_exact<std::string>()) {
      out = *s;
    } else {
      problem(section, key, n, "must be a string");
    }
  }
  void integer(const std::string& section, const std::string& key, int& out, int lo, int hi,
               const std::string& unit = "") {
    const toml::node* n = get(section, key);
    if (!n) return;
    auto v = n->value_exact<std::int64_t>();
    if (v && *v >= lo && *v <= hi) {
      out = static_cast<int>(*v);
    } else {
      problem(section, key, n, fmt::format("must be an integer from {} to {}{}", lo, hi, unit));
    }
  }
  void number(const std::string& section, const std::string& key, double& out, double lo, double hi,
              const std::string& rule) {
    const toml::node* n = get(section, key);
    if (!n) return;
    auto v = n->value<double>();
    if (v && std::isfinite(*v) && *v > lo && *v <= hi) {
      out = *v;
    } else {
      problem(section, key, n, rule);
    }
  }
  void boolean(const std::string& section, const std::string& key, bool& out) {
    const toml::node* n = get(section, key);
    if (!n) return;
    if (auto v = n->value_exact<bool>()) {
      out = *v;
    } else {
      problem(section, key, n, "must be true or false");
    }
  }

  std::vector<std::string> m_problems;

 private:
  static std::string list(const std::vector<std::string>& v, const std::string& l, const std::string& r) {
    std::string out;
    for (const auto& s : v) out += (out.empty() ? "" : ", ") + l + s + r;
    return out;
  }
  static std::string hint(const std::string& word, const std::vector<std::string>& candidates) {
    std::string best;
    std::size_t best_d = 3;
    for (const auto& c : candidates) {
      const std::size_t d = edit_distance(word, c);
      if (d < best_d) {
        best_d = d;
        best = c;
      }
    }
    return best.empty() ? "" : "; did you mean '" + best + "'?";
  }

  std::string m_path;
  const toml::table& m_root;
};

std::string resolve(const std::string& base_dir, const std::string& path) {
  if (path.empty()) return path;
  const std::filesystem::path p(path);
  return p.is_absolute() ? path : (std::filesystem::path(base_dir) / p).lexically_normal().string();
}

}  // namespace

FitSettings read_fit_settings(const std::string& path) {
  toml::table root;
  try {
    root = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    std::string where = path;
    if (e.source().begin) where += ":" + std::to_string(e.source().begin.line);
    throw InputError(fmt::format("{}: {}", where, e.description()));
  }
  FitSettings s;
  s.source = path;
  const std::string dir = std::filesystem::path(path).parent_path().string();
  SettingsReader r(path, root);
  r.check_keys({{"potential", {"model"}},
                {"cell", {"supercell", "lattice_constant", "vegard"}},
                {"sampling", {"seed", "x_br", "samples", "defects"}},
                {"relax", {"fmax", "max_steps", "rattle"}},
                {"fit", {"pair_shells", "vacancy_pair_shells", "interstitial_pair_shells", "triplets"}},
                {"output", {"hamiltonian", "parity", "description"}}});

  // [potential] model = "buckingham_coulomb" or a TorchScript file.
  std::string model;
  r.string("potential", "model", model, true);
  if (!model.empty()) {
    if (model == "buckingham_coulomb") {
      s.potential = model;
    } else {
      s.potential = "torchscript";
      s.model_as_written = model;
      s.model = resolve(dir, model);
      if (!std::filesystem::is_regular_file(s.model))
        r.problem("potential", "model", r.get("potential", "model"),
                  "no such file (looked for '" + s.model +
                      "'); give \"buckingham_coulomb\" or a TorchScript model file, relative to the settings file");
    }
  }

  // [cell]
  r.integer("cell", "supercell", s.supercell, 1, 8, " (n for an n x n x n supercell)");
  if (const toml::node* n = r.get("cell", "lattice_constant")) {
    if (auto text = n->value_exact<std::string>(); text && *text == "vegard") {
      s.vegard = true;
    } else if (auto v = n->value<double>(); v && !n->is_string() && std::isfinite(*v) && *v >= 3.0 && *v <= 20.0) {
      s.vegard = false;
      s.fixed_a = *v;
    } else {
      r.problem("cell", "lattice_constant", n, "must be \"vegard\" or a number of Å from 3 to 20");
    }
  }
  if (const toml::node* n = r.get("cell", "vegard")) {
    const auto* arr = n->as_array();
    bool ok = arr && arr->size() == 2;
    for (std::size_t k = 0; ok && k < 2; ++k) {
      auto v = (*arr)[k].value<double>();
      ok = v && !(*arr)[k].is_string() && std::isfinite(*v) && *v >= 3.0 && *v <= 20.0;
      if (ok) s.vegard_a[k] = *v;
    }
    if (!ok) r.problem("cell", "vegard", n, "must be [a(x_Br = 0), a(x_Br = 1)], two numbers of Å from 3 to 20");
  }

  // [sampling]
  if (const toml::node* n = r.get("sampling", "seed")) {
    if (auto v = n->value_exact<std::int64_t>(); v && *v >= 0) {
      s.seed = static_cast<std::uint64_t>(*v);
    } else {
      r.problem("sampling", "seed", n, "must be an integer >= 0");
    }
  }
  if (const toml::node* n = r.get("sampling", "x_br")) {
    const auto* arr = n->as_array();
    bool ok = arr && !arr->empty();
    for (std::size_t k = 0; ok && k < arr->size(); ++k) {
      auto v = (*arr)[k].value<double>();
      ok = v && !(*arr)[k].is_string() && *v >= 0.0 && *v <= 1.0;
      if (ok) s.x_br.push_back(*v);
    }
    if (!ok) {
      s.x_br.clear();
      r.problem("sampling", "x_br", n, "must be a non-empty array of Br fractions from 0 to 1");
    }
  } else {
    r.m_problems.push_back("[sampling] x_br: missing; give the Br fractions to sample, e.g. [0.0, 0.25, 0.5, 0.75, 1.0] (" +
                           path + ")");
  }
  r.integer("sampling", "samples", s.samples, 1, 10000, " (random configurations per composition and defect kind)");
  if (const toml::node* n = r.get("sampling", "defects")) {
    const auto* arr = n->as_array();
    std::vector<std::string> defects;
    bool ok = arr && !arr->empty();
    for (std::size_t k = 0; ok && k < arr->size(); ++k) {
      auto v = (*arr)[k].value_exact<std::string>();
      ok = v && (*v == "none" || *v == "vacancy" || *v == "interstitial") &&
           std::find(defects.begin(), defects.end(), *v) == defects.end();
      if (ok) defects.push_back(*v);
    }
    if (ok) {
      s.defects = defects;
    } else {
      r.problem("sampling", "defects", n,
                "must be a non-empty array of distinct names from \"none\", \"vacancy\", \"interstitial\"");
    }
  }

  // [relax]
  r.number("relax", "fmax", s.fmax, 0.0, 1.0, "must be > 0 and <= 1 eV/Å");
  r.integer("relax", "max_steps", s.max_steps, 10, 1000000);
  if (const toml::node* n = r.get("relax", "rattle")) {
    auto v = n->value<double>();
    if (v && !n->is_string() && *v >= 0.0 && *v <= 0.5) {
      s.rattle = *v;
    } else {
      r.problem("relax", "rattle", n, "must be a number from 0 to 0.5 Å");
    }
  }

  // [fit]
  r.integer("fit", "pair_shells", s.pair_shells, 0, 3, " (X-X shells of I-Br pairs)");
  r.integer("fit", "vacancy_pair_shells", s.vacancy_pair_shells, 0, 3, " (X-X shells of vacancy-halide pairs)");
  r.integer("fit", "interstitial_pair_shells", s.interstitial_pair_shells, 0, 2,
            " (X-i shells of halide-interstitial pairs)");
  r.boolean("fit", "triplets", s.triplets);

  // [output]
  std::string hamiltonian, parity;
  r.string("output", "hamiltonian", hamiltonian, true);
  r.string("output", "parity", parity, true);
  r.string("output", "description", s.description);
  s.hamiltonian = resolve(dir, hamiltonian);
  s.parity = resolve(dir, parity);
  if (!s.hamiltonian.empty() && s.hamiltonian == s.parity)
    r.problem("output", "parity", r.get("output", "parity"), "must differ from [output] hamiltonian");

  // Cross-checks.
  if (r.m_problems.empty()) {
    const int longest = std::max({s.pair_shells, s.has("vacancy") ? s.vacancy_pair_shells : 0});
    // Shell k of X-X needs a box wide enough that a site's shell-k neighbours
    // are distinct sites: 2 cells for shell 1, 3 for shells 2 and 3.
    const int needed = longest >= 2 ? 3 : 2;
    if (s.supercell < needed)
      r.problem("cell", "supercell", r.get("cell", "supercell"),
                fmt::format("too small for {} X-X pair shell(s): needs >= {} (shell 1 needs 2, shells 2-3 need 3)",
                            longest, needed));
  }
  if (!r.m_problems.empty()) throw InputError(r.m_problems);
  return s;
}


// ---------------------------------------------------------------- the command

namespace {

struct Options {
  std::string settings;
  bool force = false;
  int threads = 0;
  bool quiet = false;
};
Options g_options;

using lattice::Occupant;

// One sampled configuration: its lattice occupancy and the atoms that realise it.
struct Sample {
  std::string label;
  std::string defect;       // "none", "vacancy", "interstitial"
  double x_br = 0.0;        // Br fraction of all halide ions of the sample
  double a = 0.0;           // Å
  std::vector<Occupant> occupancy;
  neb::Structure start;
  std::vector<int> site_of_atom;  // lattice site of each atom, -1 for Cs/Pb
  // Results.
  double energy = 0.0;
  double fmax = 0.0;
  int force_calls = 0;
  bool converged = false;
  double max_displacement = 0.0;  // Å, largest halide displacement in the relaxation
  std::string fate;               // "" kept; "remapped"; or why it was dropped
};

// Unbiased integer in [0, n) from a 64-bit engine (rejection; the same on every platform).
std::uint64_t below(std::mt19937_64& rng, std::uint64_t n) {
  const std::uint64_t limit = std::numeric_limits<std::uint64_t>::max() - std::numeric_limits<std::uint64_t>::max() % n;
  std::uint64_t v;
  do v = rng();
  while (v >= limit);
  return v % n;
}

// Interstitial basis (the lattice's 3c sites), fractional in the unit cell.
const double kInterstitialFrac[3][3] = {{0, 0.5, 0.5}, {0.5, 0, 0.5}, {0.5, 0.5, 0}};

std::vector<Sample> make_samples(const FitSettings& s, const lattice::Supercell& supercell,
                                 const lattice::SpeciesTable& species) {
  const int n = s.supercell;
  const int cells = n * n * n;
  const int nx = 3 * cells;
  const int mobile = supercell.mobile_count();
  const Occupant code_i = species.code("I"), code_br = species.code("Br");
  std::mt19937_64 rng(s.seed);
  std::vector<Sample> out;
  for (const auto& defect : s.defects) {
    for (double x : s.x_br) {
      const int n_br = static_cast<int>(std::lround(x * nx));
      // In a pure cell all vacancy (or interstitial) sites are equivalent by
      // symmetry: one sample, not `samples` identical ones.
      const bool pure = n_br == 0 || n_br == nx;
      const int count = pure && !(s.rattle > 0.0) ? 1 : s.samples;
      for (int r = 0; r < count; ++r) {
        Sample smp;
        smp.defect = defect;
        // Halides on the X sites, exactly n_br Br, at random (partial Fisher-Yates).
        std::vector<int> order(nx);
        for (int k = 0; k < nx; ++k) order[k] = k;
        for (int k = 0; k < n_br; ++k) std::swap(order[k], order[k + below(rng, nx - k)]);
        std::vector<std::string> x_species(nx, "I");
        for (int k = 0; k < n_br; ++k) x_species[order[k]] = "Br";
        int vacant = -1;
        std::string interstitial;
        int interstitial_site = -1;
        if (defect == "vacancy") vacant = static_cast<int>(below(rng, nx));
        if (defect == "interstitial") {
          interstitial_site = static_cast<int>(below(rng, 3 * cells));
          interstitial = std::uniform_real_distribution<double>(0.0, 1.0)(rng) < x ? "Br" : "I";
        }
        int halides = 0, bromides = 0;
        for (int k = 0; k < nx; ++k)
          if (k != vacant) ++halides, bromides += x_species[k] == "Br";
        if (!interstitial.empty()) ++halides, bromides += interstitial == "Br";
        smp.x_br = static_cast<double>(bromides) / halides;
        smp.a = s.vegard ? s.vegard_a[0] + (s.vegard_a[1] - s.vegard_a[0]) * smp.x_br : s.fixed_a;

        neb::CubicPerovskiteSpec spec;
        spec.a = smp.a;
        spec.repeats = {n, n, n};
        spec.x_species = x_species;
        neb::Structure perfect = neb::build_cubic_perovskite(spec);
        // Lattice site of each atom: X atom 5c+2+axis is site c*mobile + axis
        // (the perovskite prototype's X basis is X_x, X_y, X_z in that order,
        // the same unit-cell order (i*n+j)*n+k as PerovskiteCell).
        smp.occupancy.assign(static_cast<std::size_t>(supercell.num_sites()), lattice::kEmpty);
        neb::Structure st;
        st.cell = perfect.cell;
        st.periodic = true;
        std::vector<Eigen::RowVector3d> rows;
        for (int atom = 0; atom < static_cast<int>(perfect.size()); ++atom) {
          const int c = atom / 5, kind = atom % 5;
          int site = -1;
          if (kind >= 2) {
            if (3 * c + kind - 2 == vacant) continue;
            site = c * mobile + (kind - 2);
            smp.occupancy[site] = perfect.symbols[atom] == "Br" ? code_br : code_i;
          }
          rows.push_back(perfect.positions.row(atom));
          st.symbols.push_back(perfect.symbols[atom]);
          smp.site_of_atom.push_back(site);
        }
        if (interstitial_site >= 0) {
          const int c = interstitial_site / 3, k = interstitial_site % 3;
          const int i = c / (n * n), j = (c / n) % n, l = c % n;
          const Eigen::RowVector3d pos =
              smp.a * Eigen::RowVector3d(i + kInterstitialFrac[k][0], j + kInterstitialFrac[k][1],
                                         l + kInterstitialFrac[k][2]);
          rows.push_back(pos);
          st.symbols.push_back(interstitial);
          const int site = c * mobile + 3 + k;
          smp.site_of_atom.push_back(site);
          smp.occupancy[site] = interstitial == "Br" ? code_br : code_i;
        }
        st.positions.resize(static_cast<Eigen::Index>(rows.size()), 3);
        std::uniform_real_distribution<double> shake(-s.rattle, s.rattle);
        for (std::size_t q = 0; q < rows.size(); ++q) {
          st.positions.row(static_cast<Eigen::Index>(q)) = rows[q];
          if (s.rattle > 0.0)
            for (int d = 0; d < 3; ++d) st.positions(static_cast<Eigen::Index>(q), d) += shake(rng);
        }
        smp.start = std::move(st);
        smp.label = fmt::format("{}_x{:.4f}_{:03d}", defect, x, r);
        out.push_back(std::move(smp));
      }
    }
  }
  return out;
}

// After relaxation, each halide must still sit nearer to its own site than to
// any other X or interstitial site; otherwise its occupancy is read from the
// relaxed positions if that gives one halide per site ("remapped"), else the
// sample is dropped.
void check_sites(Sample& smp, const neb::Structure& relaxed, const lattice::Supercell& supercell,
                 const lattice::SpeciesTable& species, bool interstitial_sites) {
  const double a = smp.a;
  std::vector<Eigen::Vector3d> site_pos(static_cast<std::size_t>(supercell.num_sites()));
  std::vector<bool> is_candidate(site_pos.size(), false);
  for (int site = 0; site < supercell.num_sites(); ++site) {
    const auto c = supercell.cell_of(site);
    const int m = supercell.mobile_of(site);
    Eigen::Vector3d f(c[0], c[1], c[2]);
    if (m < 3) {
      f[m] += 0.5;
    } else {
      for (int d = 0; d < 3; ++d) f[d] += kInterstitialFrac[m - 3][d];
    }
    site_pos[site] = a * f;
    is_candidate[site] = m < 3 || interstitial_sites;
  }
  std::vector<Occupant> occ(site_pos.size(), lattice::kEmpty);
  bool valid = true, moved = false;
  for (int atom = 0; atom < static_cast<int>(relaxed.size()); ++atom) {
    const int own = smp.site_of_atom[atom];
    if (own < 0) continue;
    const Eigen::Vector3d r = relaxed.positions.row(atom).transpose();
    smp.max_displacement = std::max(
        smp.max_displacement,
        neb::minimum_image(r - smp.start.positions.row(atom).transpose(), relaxed.cell).norm());
    int best = -1;
    double best_d = 1e300;
    for (int site = 0; site < supercell.num_sites(); ++site) {
      if (!is_candidate[site]) continue;
      const double d = neb::minimum_image(r - site_pos[site], relaxed.cell).norm();
      if (d < best_d) best_d = d, best = site;
    }
    moved = moved || best != own;
    if (occ[best] != lattice::kEmpty) valid = false;
    occ[best] = species.code(relaxed.symbols[atom]);
  }
  // A vacancy needs a lattice site left empty; interstitial sites may be empty.
  if (!valid) {
    smp.fate = "dropped: two halides relaxed onto one site";
  } else if (moved) {
    smp.fate = "remapped";
    smp.occupancy = occ;
  }
}

barriers::HamiltonianTerms candidate_terms(const FitSettings& s) {
  barriers::HamiltonianTerms t;
  const bool vac = s.has("vacancy"), inter = s.has("interstitial");
  t.points.push_back({"X", "I", 0.0});
  t.points.push_back({"X", "Br", 0.0});
  if (vac) t.points.push_back({"X", barriers::kVacancyName, 0.0});
  if (inter) {
    t.points.push_back({"i", "I", 0.0});
    t.points.push_back({"i", "Br", 0.0});
  }
  // Like pairs are left out: they are a linear combination of the points and
  // the unlike pairs (2 N_aa + Σ_b N_ab = z n_a), so J_aa = 0 is the gauge.
  for (int k = 1; k <= s.pair_shells; ++k) t.pairs.push_back({{"X", "X"}, k, {"I", "Br"}, 0.0});
  if (vac)
    for (int k = 1; k <= s.vacancy_pair_shells; ++k) {
      t.pairs.push_back({{"X", "X"}, k, {barriers::kVacancyName, "I"}, 0.0});
      t.pairs.push_back({{"X", "X"}, k, {barriers::kVacancyName, "Br"}, 0.0});
    }
  if (inter)
    for (int k = 1; k <= s.interstitial_pair_shells; ++k)
      for (const char* on_i : {"I", "Br"})
        for (const char* on_x : {"I", "Br"}) t.pairs.push_back({{"X", "i"}, k, {on_x, on_i}, 0.0});
  if (s.triplets) {
    t.triplets.push_back({"X", 1, {"I", "I", "Br"}, 0.0});
    t.triplets.push_back({"X", 1, {"I", "Br", "Br"}, 0.0});
  }
  return t;
}

void check_output(const std::string& path, const std::string& key, bool force) {
  namespace fs = std::filesystem;
  if (fs::exists(path) && !force)
    throw InputError("[output] " + key + " = \"" + path +
                     "\": the file exists; choose another name or pass --force to overwrite it");
  const fs::path parent = fs::path(path).parent_path();
  if (!parent.empty() && !fs::is_directory(parent))
    throw InputError("[output] " + key + " = \"" + path + "\": directory '" + parent.string() + "' does not exist");
}

void write_file(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp);
    out << text;
    out.close();
    if (!out) throw RuntimeError("cannot write '" + tmp + "'");
  }
  std::filesystem::rename(tmp, path);
}

}  // namespace

CLI::App* add_fit_hamiltonian_command(CLI::App& app) {
  auto& o = g_options;
  auto* cmd = app.add_subcommand(
      "fit-hamiltonian",
      "Fit the lattice Hamiltonian to relaxed energies of sampled CsPb(I,Br)3 cells from a potential");
  cmd->add_option("settings", o.settings, "Settings file (TOML; docs/input/fit_hamiltonian.md)")->required();
  cmd->add_flag("--force", o.force, "Overwrite existing output files");
  cmd->add_option("--threads", o.threads, "Parallel relaxations (default: all cores)")->check(CLI::Range(1, 4096));
  cmd->add_flag("--quiet", o.quiet, "No progress lines");
  return cmd;
}

int run_fit_hamiltonian_command() {
  const auto& o = g_options;
  const auto t0 = std::chrono::steady_clock::now();
  auto seconds = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };
  const FitSettings s = read_fit_settings(o.settings);
  check_output(s.hamiltonian, "hamiltonian", o.force);
  check_output(s.parity, "parity", o.force);

  neb::PotentialSpec pspec;
  pspec.kind = s.potential;
  pspec.path = s.model;
  pspec.torch.intra_op_threads = 1;  // TBB owns the cores; one libtorch thread per relaxation
  const auto potential = neb::make_potential(pspec);
  const std::string sha = s.model.empty() ? std::string() : neb::sha256_of_file(s.model);

  const bool interstitials = s.has("interstitial");
  const lattice::Supercell supercell(lattice::make_perovskite(s.vegard ? s.vegard_a[0] : s.fixed_a, interstitials),
                                     {s.supercell, s.supercell, s.supercell});
  const lattice::SpeciesTable species({"I", "Br"});
  const auto candidates = candidate_terms(s);
  {  // Lattice errors (e.g. a shell too long for the supercell) before hours of relaxations.
    auto all = candidates;
    for (auto& p : all.points) p.energy_ev = 1.0;
    for (auto& p : all.pairs) p.j_ev = 1.0;
    for (auto& p : all.triplets) p.k_ev = 1.0;
    barriers::LatticeHamiltonian check(supercell, species, all, s.source + " [fit]");
  }
  std::vector<Sample> samples = make_samples(s, supercell, species);

  std::unique_ptr<tbb::global_control> limit;
  if (o.threads > 0)
    limit = std::make_unique<tbb::global_control>(tbb::global_control::max_allowed_parallelism, o.threads);
  const int threads =
      static_cast<int>(tbb::global_control::active_value(tbb::global_control::max_allowed_parallelism));
  std::cout << fmt::format("potential  {}\n", potential->description());
  if (!sha.empty()) std::cout << fmt::format("           {} (SHA-256 {})\n", s.model, sha);
  std::cout << fmt::format("cells      {0}x{0}x{0} cubic CsPbX3 ({1} X sites), a = {2}\n", s.supercell,
                           3 * s.supercell * s.supercell * s.supercell,
                           s.vegard ? fmt::format("{:.4f} + ({:.4f} - {:.4f}) x_Br Å (Vegard, each sample's own x_Br)",
                                                  s.vegard_a[0], s.vegard_a[1], s.vegard_a[0])
                                    : fmt::format("{:.4f} Å for every sample", s.fixed_a));
  std::cout << fmt::format("samples    {} ({} compositions, defects: {}), seed {}; FIRE to fmax {} eV/Å at fixed "
                           "cell, {} thread(s)\n",
                           samples.size(), s.x_br.size(), fmt::join(s.defects, ", "), s.seed, s.fmax, threads);

  // Relax in parallel: each sample is one sequential FIRE run, so the results
  // do not depend on the thread count.
  neb::FireOptions fire;
  fire.fmax = s.fmax;
  fire.max_steps = s.max_steps;
  std::cout.flush();
  std::atomic<int> done{0};
  std::mutex print;
  double last_print = 0.0;
  std::vector<std::string> failures(samples.size());
  tbb::parallel_for(std::size_t{0}, samples.size(), [&](std::size_t k) {
    Sample& smp = samples[k];
    try {
      const neb::RelaxResult r = neb::relax(*potential, smp.start, fire);
      smp.energy = r.energy;
      smp.fmax = r.fmax;
      smp.force_calls = r.force_calls;
      smp.converged = r.converged;
      check_sites(smp, r.structure, supercell, species, interstitials);
      if (!r.converged && smp.fate.empty())
        smp.fate = fmt::format("dropped: not converged in {} steps (fmax {:.3f} eV/Å)", r.steps, r.fmax);
    } catch (const std::exception& e) {
      failures[k] = e.what();
    }
    const int n_done = ++done;
    if (o.quiet) return;
    std::lock_guard<std::mutex> lock(print);
    const double t = seconds();
    if (t - last_print >= 10.0 || n_done == static_cast<int>(samples.size())) {
      last_print = t;
      std::fprintf(stderr, "relaxed    %d/%zu (%.0f s, ETA %.0f s)\n", n_done, samples.size(), t,
                   t * (static_cast<double>(samples.size()) - n_done) / n_done);
    }
  });
  for (std::size_t k = 0; k < samples.size(); ++k)
    if (!failures[k].empty())
      throw RuntimeError("relaxing sample " + samples[k].label + " failed: " + failures[k]);

  std::vector<barriers::FitSample> fit_samples;
  int remapped = 0, dropped = 0;
  long force_calls = 0;
  double max_disp = 0.0;
  for (const auto& smp : samples) {
    force_calls += smp.force_calls;
    if (smp.fate.rfind("dropped", 0) == 0) {
      ++dropped;
      std::cout << fmt::format("note       sample {} {}\n", smp.label, smp.fate);
      continue;
    }
    max_disp = std::max(max_disp, smp.max_displacement);
    if (smp.fate == "remapped") {
      ++remapped;
      std::cout << fmt::format("note       sample {}: a halide relaxed nearer to another site (largest "
                               "displacement {:.2f} Å); occupancy read from the relaxed positions\n",
                               smp.label, smp.max_displacement);
    }
    std::string defect = "none";
    for (std::size_t site = 0; site < smp.occupancy.size(); ++site) {
      const int m = supercell.mobile_of(static_cast<int>(site));
      if (m < 3 && smp.occupancy[site] == lattice::kEmpty) defect = "V_X";
      if (m >= 3 && smp.occupancy[site] != lattice::kEmpty) defect = species.name(smp.occupancy[site]) + "_i";
    }
    fit_samples.push_back({smp.label, smp.occupancy, smp.energy, smp.x_br, defect});
  }
  const double relax_seconds = seconds();
  std::cout << fmt::format("relaxed    {} samples in {:.1f} s, {} force calls; {} kept, {} remapped, {} dropped; "
                           "largest halide displacement {:.2f} Å\n",
                           samples.size(), relax_seconds, force_calls, fit_samples.size(), remapped, dropped, max_disp);

  const auto result = barriers::fit_hamiltonian(supercell, species, candidates, fit_samples);
  const auto& fit = result.fit;
  const int fu = s.supercell * s.supercell * s.supercell;
  std::cout << fmt::format("\n{:<34}{:>16}\n", "term", "value (eV)");
  for (std::size_t c = 0; c < result.names.size(); ++c)
    std::cout << fmt::format("{:<34}{:>16}\n", result.names[c],
                             fit.kept[c] ? fmt::format("{:.6f}", fit.coefficients[static_cast<Eigen::Index>(c)])
                                         : std::string("0 (not identifiable)"));
  std::cout << fmt::format("\nfit        {} samples, {} fitted terms; rms {:.3f} meV per cell ({:.3f} meV per "
                           "formula unit); leave-one-out CV {:.3f} meV per cell ({:.3f} meV per formula unit)\n",
                           fit_samples.size(), fit.rank, 1e3 * fit.rms, 1e3 * fit.rms / fu, 1e3 * fit.cv_rms,
                           1e3 * fit.cv_rms / fu);
  // Random-alloy mixing enthalpy of the I-Br pair terms: Ω = Σ_k z_k J_k per X site.
  double omega = 0.0;
  const int z[4] = {0, 8, 6, 16};
  for (const auto& p : result.fitted.pairs)
    if (p.sublattices[0] == "X" && p.sublattices[1] == "X" &&
        ((p.species[0] == "I" && p.species[1] == "Br") || (p.species[0] == "Br" && p.species[1] == "I")))
      omega += z[p.shell] * p.j_ev;
  std::cout << fmt::format("mixing     random-alloy pair part Ω = Σ_k z_k J_k = {:.2f} meV per X site: "
                           "ΔH(x) = 3 Ω x(1-x) = {:.2f} meV per formula unit at x = 1/2{}\n",
                           1e3 * omega, 1e3 * 0.75 * omega, s.triplets ? " (triplets not included)" : "");

  std::vector<std::string> header{
      "Lattice Hamiltonian fitted by `halide-kmc fit-hamiltonian` (docs/hamiltonian.md).",
      "settings:  " + s.source,
      "potential: " + potential->description(),
  };
  if (!sha.empty())
    header.push_back("           file " + (s.model_as_written.empty() ? s.model : s.model_as_written) +
                     ", SHA-256 " + sha);
  header.push_back(fmt::format("cells:     {0}x{0}x{0} cubic CsPbX3, {1}", s.supercell,
                               s.vegard ? fmt::format("a = {} + ({} - {}) x_Br Å (Vegard, each sample's x_Br)",
                                                      s.vegard_a[0], s.vegard_a[1], s.vegard_a[0])
                                        : fmt::format("a = {} Å", s.fixed_a)));
  header.push_back(fmt::format("sampling:  x_Br = [{}], {} per composition and defect kind ({}), seed {}",
                               fmt::join(s.x_br, ", "), s.samples, fmt::join(s.defects, ", "), s.seed));
  header.push_back(fmt::format("relax:     FIRE, positions only, fmax {} eV/Å; {} samples, {} fitted ({} "
                               "remapped, {} dropped)",
                               s.fmax, samples.size(), fit_samples.size(), remapped, dropped));
  header.push_back(fmt::format("fit:       {} terms fitted; rms {:.3f} meV/f.u., leave-one-out CV {:.3f} meV/f.u. "
                               "({:.2f} / {:.2f} meV per cell)",
                               fit.rank, 1e3 * fit.rms / fu, 1e3 * fit.cv_rms / fu, 1e3 * fit.rms,
                               1e3 * fit.cv_rms));
  header.push_back("gauge:     like pairs J(a,a) = 0; not identifiable from these samples, fixed at 0:");
  for (const auto& d : result.dropped) header.push_back("             " + d);
  header.push_back("Point energies absorb the energy of the Cs and Pb sublattices; only energy differences at");
  header.push_back("fixed numbers of ions and defects have a meaning.");
  header.push_back("parity:    " + s.parity);
  const std::string description =
      s.description.empty() ? "fitted by halide-kmc fit-hamiltonian from " + s.source : s.description;
  write_file(s.hamiltonian, barriers::hamiltonian_toml(result.fitted, description, header));
  write_file(s.parity, barriers::parity_csv(fit_samples, fit));
  std::cout << fmt::format("output     {}\n           {}\ntime       {:.1f} s\n", s.hamiltonian, s.parity, seconds());
  return 0;
}

}  // namespace hkmc::cli
