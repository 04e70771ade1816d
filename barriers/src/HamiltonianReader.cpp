// The lattice Hamiltonian file (TOML, eV); format in docs/hamiltonian.md.
#include <toml++/toml.h>

#include <cmath>
#include <map>
#include <set>
#include <sstream>

#include "hkmc/barriers/LatticeHamiltonian.hpp"
#include "hkmc/common/Error.hpp"

namespace hkmc::barriers {
namespace {

class Reader {
 public:
  explicit Reader(std::string path) : m_path(std::move(path)) {}

  std::string where(const toml::node* node) const {
    if (node && node->source().begin) return m_path + ":" + std::to_string(node->source().begin.line);
    return m_path;
  }
  void fail(const std::string& label, const toml::node* node, const std::string& what) {
    std::ostringstream value;
    if (node) {
      value << " = ";
      node->visit([&](const auto& v) { value << v; });
    }
    m_problems.push_back(label + value.str() + ": " + what + " (" + where(node) + ")");
  }

  std::optional<std::string> string(const toml::table& t, const std::string& label, const char* key) {
    const toml::node* n = t.get(key);
    if (!n) {
      m_problems.push_back(label + " " + key + ": missing (" + where(&t) + ")");
      return std::nullopt;
    }
    if (auto s = n->value<std::string>()) return *s;
    fail(label + " " + key, n, "must be a string");
    return std::nullopt;
  }
  std::optional<double> number(const toml::table& t, const std::string& label, const char* key) {
    const toml::node* n = t.get(key);
    if (!n) {
      m_problems.push_back(label + " " + key + ": missing (" + where(&t) + ")");
      return std::nullopt;
    }
    if (auto v = n->value<double>(); v && std::isfinite(*v) && std::abs(*v) <= 100.0) return *v;
    fail(label + " " + key, n, "must be a finite number of eV, |value| <= 100");
    return std::nullopt;
  }
  std::optional<int> shell(const toml::table& t, const std::string& label) {
    const toml::node* n = t.get("shell");
    if (!n) return 1;
    if (auto v = n->value<std::int64_t>(); v && *v >= 1 && *v <= 50) return static_cast<int>(*v);
    fail(label + " shell", n, "must be an integer from 1 to 50 (1 = nearest neighbours)");
    return std::nullopt;
  }
  template <std::size_t N>
  std::optional<std::array<std::string, N>> strings(const toml::table& t, const std::string& label,
                                                    const char* key) {
    const toml::node* n = t.get(key);
    if (!n) {
      m_problems.push_back(label + " " + key + ": missing (" + where(&t) + ")");
      return std::nullopt;
    }
    const auto* arr = n->as_array();
    std::array<std::string, N> out;
    if (arr && arr->size() == N) {
      bool ok = true;
      for (std::size_t i = 0; i < N; ++i) {
        auto s = (*arr)[i].value<std::string>();
        ok = ok && s.has_value();
        if (s) out[i] = *s;
      }
      if (ok) return out;
    }
    fail(label + " " + key, n, "must be an array of " + std::to_string(N) + " strings");
    return std::nullopt;
  }
  void unknown_keys(const toml::table& t, const std::string& label, std::set<std::string> allowed) {
    for (const auto& [k, v] : t) {
      if (allowed.count(std::string(k.str()))) continue;
      std::string list;
      for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
      m_problems.push_back(label + " " + std::string(k.str()) + ": unknown key; allowed: " + list + " (" +
                           where(&v) + ")");
    }
  }

  std::vector<std::string> m_problems;
  std::string m_path;
};

}  // namespace

HamiltonianTerms read_hamiltonian_file(const std::string& path) {
  toml::table root;
  try {
    root = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    std::ostringstream msg;
    msg << "Hamiltonian file '" << path << "'";
    if (e.source().begin) msg << ":" << e.source().begin.line;
    msg << ": " << e.description();
    throw InputError(msg.str());
  }
  Reader r(path);
  HamiltonianTerms terms;
  for (const auto& [key, node] : root) {
    const std::string k(key.str());
    if (k != "point" && k != "pair" && k != "triplet" && k != "description") {
      r.m_problems.push_back("[" + k + "]: unknown section; allowed: [[point]], [[pair]], [[triplet]], description (" +
                             r.where(&node) + ")");
    }
  }
  auto each = [&](const char* name, auto&& read_one) {
    const toml::node* n = root.get(name);
    if (!n) return;
    const auto* arr = n->as_array();
    if (!arr || !arr->is_array_of_tables()) {
      r.m_problems.push_back(std::string(name) + ": must be an array of tables, [[" + name + "]] (" + r.where(n) + ")");
      return;
    }
    int i = 0;
    for (const auto& entry : *arr) read_one(*entry.as_table(), "[[" + std::string(name) + "]] #" + std::to_string(++i));
  };
  std::map<std::string, std::string> seen;  // canonical term -> location, for duplicates
  auto unique = [&](const std::string& canonical, const toml::table& t, const std::string& label) {
    auto [it, inserted] = seen.emplace(canonical, r.where(&t));
    if (!inserted)
      r.m_problems.push_back(label + ": repeats the term at " + it->second + " (" + r.where(&t) + ")");
  };
  each("point", [&](const toml::table& t, const std::string& label) {
    r.unknown_keys(t, label, {"sublattice", "species", "energy"});
    auto sub = r.string(t, label, "sublattice");
    auto sp = r.string(t, label, "species");
    auto e = r.number(t, label, "energy");
    if (sub && sp && e) {
      unique("point " + *sub + " " + *sp, t, label);
      terms.points.push_back({*sub, *sp, *e});
    }
  });
  each("pair", [&](const toml::table& t, const std::string& label) {
    r.unknown_keys(t, label, {"sublattices", "shell", "species", "J"});
    auto subs = r.strings<2>(t, label, "sublattices");
    auto shell = r.shell(t, label);
    auto sp = r.strings<2>(t, label, "species");
    auto j = r.number(t, label, "J");
    if (subs && shell && sp && j) {
      // (a on A, b on B) and (b on B, a on A) are the same term.
      auto x = std::make_pair((*subs)[0] + "/" + (*sp)[0], (*subs)[1] + "/" + (*sp)[1]);
      if (x.second < x.first) std::swap(x.first, x.second);
      unique("pair " + std::to_string(*shell) + " " + x.first + " " + x.second, t, label);
      terms.pairs.push_back({*subs, *shell, *sp, *j});
    }
  });
  each("triplet", [&](const toml::table& t, const std::string& label) {
    r.unknown_keys(t, label, {"sublattice", "shell", "species", "K"});
    auto sub = r.string(t, label, "sublattice");
    auto shell = r.shell(t, label);
    auto sp = r.strings<3>(t, label, "species");
    auto k = r.number(t, label, "K");
    if (sub && shell && sp && k) {
      auto sorted = *sp;
      std::sort(sorted.begin(), sorted.end());
      unique("triplet " + *sub + " " + std::to_string(*shell) + " " + sorted[0] + " " + sorted[1] + " " + sorted[2],
             t, label);
      terms.triplets.push_back({*sub, *shell, *sp, *k});
    }
  });
  if (!r.m_problems.empty()) throw InputError(r.m_problems);
  return terms;
}

}  // namespace hkmc::barriers
