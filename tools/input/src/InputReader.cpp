#include "hkmc/input/InputReader.hpp"

#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "hkmc/common/Error.hpp"
#include "Sections.hpp"

namespace hkmc::input {

namespace {

using detail::Diagnostics;
using detail::Field;
using detail::TableReader;

const std::vector<std::string> kSections = {"lattice", "composition", "defects", "initial",
                                            "mechanisms", "barriers", "energy", "kmc", "mc", "output"};

std::string trim(std::string_view s) {
  std::size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

// Applies one --set "section.key=value" to `root`, or reports why it cannot.
void apply_override(toml::table& root, const std::string& text, Diagnostics& diag) {
  const auto fail = [&](std::string_view why) {
    diag.report_override(fmt::format(
        "--set {}: {}; expected section.key=value, e.g. kmc.temperature=400", text, why));
  };
  const auto eq = text.find('=');
  if (eq == std::string::npos) return fail("no '='");
  const std::string key = trim(std::string_view(text).substr(0, eq));
  const std::string value_text = trim(std::string_view(text).substr(eq + 1));
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    const auto dot = key.find('.', start);
    parts.push_back(trim(std::string_view(key).substr(start, dot - start)));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  if (parts.size() < 2) return fail("the key has no section (no '.')");
  for (const auto& p : parts) {
    if (p.empty()) return fail("empty key component");
  }

  // The value is TOML when it parses as one ("400", "[1, 0, 0]", "\"x\""),
  // otherwise the text itself ("out.h5"), so shells need no extra quoting.
  toml::table parsed;
  bool is_toml = false;
  try {
    parsed = toml::parse(std::string_view("v = " + value_text), detail::kOverrideSource);
    is_toml = parsed.size() == 1 && parsed.contains("v");
  } catch (const toml::parse_error&) {
    is_toml = false;
  }
  if (!is_toml) {
    parsed = toml::table{};
    parsed.insert("v", value_text);
  }

  toml::table* table = &root;
  std::string path;
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
    path += (i ? "." : "") + parts[i];
    toml::node* next = table->get(parts[i]);
    if (!next) {
      table = table->insert(parts[i], toml::table{}).first->second.as_table();
    } else if (auto* t = next->as_table()) {
      table = t;
    } else if (next->is_array()) {
      return fail(fmt::format("{} is an array (such as [[{}]]); --set cannot reach inside it",
                              path, path));
    } else {
      return fail(fmt::format("{} is a value, not a table", path));
    }
  }
  path += "." + parts.back();
  table->insert_or_assign(parts.back(), std::move(*parsed.get("v")));
  diag.add_override(path, text);
}

std::optional<TableReader> section(const toml::table& root, Diagnostics& diag,
                                   const std::string& name, std::vector<std::string> known_keys) {
  const toml::node* node = root.get(name);
  if (!node) return std::nullopt;
  diag.record(name, node);
  if (const auto* t = node->as_table()) {
    return TableReader(diag, *t, name, "[" + name + "]", "", std::move(known_keys));
  }
  Field(diag, node, name, "", name).fail("must be a section, written [" + name + "]");
  return std::nullopt;
}

void report_unknown_sections(const toml::table& root, Diagnostics& diag) {
  for (auto&& [key, node] : root) {
    const std::string name(key.str());
    if (std::find(kSections.begin(), kSections.end(), name) != kSections.end()) continue;
    const auto near = detail::closest_match(name, kSections);
    const std::string hint = near ? "; did you mean '" + *near + "'?"
                                  : "; sections are " + detail::join(kSections, ", ");
    if (node.is_table() || node.is_array_of_tables()) {
      const std::string shown = node.is_table() ? "[" + name + "]" : "[[" + name + "]]";
      diag.report(fmt::format("{}: unknown section{} ({})", shown, hint, diag.location(name, &node)),
                  name, &node);
    } else {
      Field(diag, &node, name, "", detail::format_key(name))
          .fail("unknown key outside any section" + hint);
    }
  }
}

}  // namespace

kmc::RunSpec read_input_string(std::string_view toml_text, const std::string& source_name,
                               const std::vector<std::string>& overrides,
                               const std::string& base_dir) {
  Diagnostics diag(source_name);
  toml::table root;
  try {
    root = toml::parse(toml_text, std::string_view(source_name));
  } catch (const toml::parse_error& e) {
    const auto& where = e.source().begin;
    throw InputError(fmt::format("TOML syntax error: {} (column {}) ({}:{})", e.description(),
                                 where.column, source_name, where.line));
  }
  for (const auto& text : overrides) apply_override(root, text, diag);

  kmc::RunSpec spec;
  spec.source_path = source_name;
  spec.source_text = detail::format_document(root);

  detail::SectionContext ctx{diag, spec, base_dir};
  report_unknown_sections(root, diag);
  detail::read_lattice(ctx, section(root, diag, "lattice",
                                    {"prototype", "a", "supercell", "cell", "basis", "mobile",
                                     "interstitial"}));
  detail::read_composition_and_initial(ctx, section(root, diag, "composition", {}),
                                       section(root, diag, "initial", {"type", "axis", "layers"}));
  detail::read_defects(ctx, section(root, diag, "defects",
                                    {"vacancies", "vacancy_fraction", "interstitials",
                                     "interstitial_species"}));
  {
    const toml::node* node = root.get("mechanisms");
    diag.record("mechanisms", node);
    detail::read_mechanisms(ctx, Field(diag, node, "mechanisms", "", "mechanisms"));
  }
  detail::read_barriers(ctx, section(root, diag, "barriers",
                                     {"provider", "attempt_frequency", "E_kra", "r_env", "E0",
                                      "slope", "file", "neb", "perturbation_sigma", "perturbation_seed"}));
  detail::read_energy(ctx, section(root, diag, "energy", {"hamiltonian"}));
  detail::read_kmc(ctx, section(root, diag, "kmc",
                                {"temperature", "steps", "time", "seed", "replicas", "blocks",
                                 "field", "charges", "parallel", "sectors", "sector_window", "sector_order"}));
  detail::read_mc(ctx, section(root, diag, "mc", {"equilibration", "sweeps", "sample_every", "shells"}));
  detail::read_output(ctx, section(root, diag, "output",
                                   {"file", "summary", "every", "every_s", "samples", "profile",
                                    "profile_axis", "sro_shells", "structure_factor", "domains", "domain_min_sites",
                                    "crossings", "crossing_axis", "checkpoint", "checkpoint_every", "checkpoint_every_s"}));

  if (diag.has_problems()) throw InputError(diag.problems());
  spec.key_locations = std::move(diag.key_locations);
  return spec;
}

kmc::RunSpec read_input_file(const std::string& path, const std::vector<std::string>& overrides) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    throw InputError(fmt::format("cannot read input file {}: it is a directory", path));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw InputError(fmt::format("cannot read input file {}: {}", path, std::strerror(errno)));
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    throw InputError(fmt::format("cannot read input file {}: read error", path));
  }
  fs::path base = fs::path(path).parent_path();
  if (base.empty()) base = ".";
  return read_input_string(text.str(), path, overrides, base.string());
}

}  // namespace hkmc::input
