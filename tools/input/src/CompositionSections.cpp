// [composition], [initial] (with its layers) and [defects]: what occupies the
// mobile sites at the start. See docs/input/{composition,initial,defects}.md.
#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdint>
#include <limits>

#include <fmt/format.h>

#include "Sections.hpp"

namespace hkmc::input::detail {

namespace {

const std::vector<std::string> kHalides = {"I", "Br", "Cl", "F"};

bool is_perovskite(const std::optional<std::string>& prototype) {
  return prototype && (*prototype == "perovskite" || *prototype == "double_perovskite");
}

// A fraction reads as "within 1e-6 of 1" in messages; keep the two in step.
constexpr double kSumTolerance = 1e-6;

std::optional<kmc::CompositionSpec> read_composition(SectionContext& ctx, const TableReader& t) {
  bool ok = true;
  std::map<std::string, double> fractions;
  std::optional<std::string> balance;
  std::optional<Field> balance_field;
  for (const auto& key : t.keys()) {
    const Field f = t.field(key);
    if (key == "balance") {
      auto name = f.string();
      if (name && check_species_name(ctx, f, *name, false)) {
        balance = *name;
        balance_field = f;
      } else {
        ok = false;
      }
      continue;
    }
    if (!check_species_name(ctx, f, key, true)) {
      ok = false;
      continue;
    }
    if (auto v = f.number([](double x) { return x >= 0 && x <= 1; },
                          "must be a fraction >= 0 and <= 1")) {
      fractions[key] = *v;
    } else {
      ok = false;
    }
  }
  if (!ok) return std::nullopt;
  if (fractions.empty() && !balance) {
    t.fail("must give at least one species and its fraction, e.g. I = 1.0");
    return std::nullopt;
  }
  double sum = 0.0;
  for (const auto& [name, x] : fractions) sum += x;
  if (balance) {
    if (fractions.count(*balance)) {
      balance_field->fail(fmt::format(
          "{} is also given a fraction ({}); give it a fraction or make it the balance, not both",
          *balance, t.field(*balance).location()));
      return std::nullopt;
    }
    const double rest = 1.0 - sum;
    if (rest < -kSumTolerance) {
      balance_field->fail(fmt::format(
          "the other fractions sum to {}, leaving {} for {}; the remainder must be >= 0",
          format_number(sum), format_number(rest), *balance));
      return std::nullopt;
    }
    fractions[*balance] = std::max(0.0, rest);
  } else if (std::abs(sum - 1.0) > kSumTolerance) {
    t.fail(fmt::format(
        "fractions sum to {}; they must sum to 1 (within 1e-6), or set balance = \"<species>\" "
        "to give one species the remainder",
        format_number(sum)));
    return std::nullopt;
  }
  kmc::CompositionSpec spec;
  spec.fractions = std::move(fractions);
  return spec;
}

void add_species(SectionContext& ctx, const kmc::CompositionSpec& composition) {
  for (const auto& [name, x] : composition.fractions) {
    if (std::find(ctx.species.begin(), ctx.species.end(), name) == ctx.species.end()) {
      ctx.species.push_back(name);
    }
  }
}

}  // namespace

bool check_species_name(const SectionContext& ctx, const Field& field, const std::string& name,
                        bool name_is_key) {
  // A key names the species itself ("Xe = 0.5"); a value names it in quotes.
  const std::string shown = name_is_key ? "species " + quote(name) : "species";
  if (is_perovskite(ctx.prototype)) {
    if (std::find(kHalides.begin(), kHalides.end(), name) != kHalides.end()) return true;
    std::string rule = fmt::format("unknown {}; perovskite prototypes allow only I, Br, Cl, F", shown);
    if (auto near = closest_match(name, kHalides)) rule += "; did you mean '" + *near + "'?";
    field.fail(rule);
    return false;
  }
  if (is_identifier(name)) return true;
  field.fail(fmt::format("{} is not a valid name; species names match [A-Za-z][A-Za-z0-9_]*",
                         name_is_key ? quote(name) : std::string("the species")));
  return false;
}

bool check_known_species(const SectionContext& ctx, const Field& field, const std::string& name,
                         bool name_is_key) {
  if (!check_species_name(ctx, field, name, name_is_key)) return false;
  if (!ctx.species_complete) return true;  // cannot tell; the composition has its own message
  if (std::find(ctx.species.begin(), ctx.species.end(), name) != ctx.species.end()) return true;
  std::string rule = fmt::format("{} is not a species of the composition ({})", quote(name),
                                 join(ctx.species, ", "));
  if (auto near = closest_match(name, ctx.species)) rule += "; did you mean '" + *near + "'?";
  field.fail(rule);
  return false;
}

void read_composition_and_initial(SectionContext& ctx, const std::optional<TableReader>& composition,
                                  const std::optional<TableReader>& initial) {
  auto& spec = ctx.spec;
  std::optional<kmc::CompositionSpec> global;
  bool all_valid = true;
  if (composition) {
    global = read_composition(ctx, *composition);
    if (global) {
      spec.composition = *global;
      add_species(ctx, *global);
    } else {
      all_valid = false;
    }
  }

  bool layered = false;                  // type = "layers" with a usable layer list
  bool layers_give_composition = false;  // ... and every layer has its own composition
  if (initial) {
    const TableReader& t = *initial;
    t.report_unknown_keys();
    std::optional<std::string> type = "random";
    const Field type_field = t.field("type");
    if (type_field) type = type_field.choice({"random", "layers"});
    if (type) spec.initial.type = *type;
    if (auto axis = t.field("axis").axis()) spec.initial.axis = *axis;
    const Field layers_field = t.field("layers");
    if (type && *type == "random" && layers_field) {
      layers_field.fail(type_field ? "only allowed with type = \"layers\" (type is \"random\")"
                                   : "only allowed with type = \"layers\" (type defaults to "
                                     "\"random\")");
    } else if (type && *type == "layers") {
      t.require("layers", "[[initial.layers]] tables with cells and composition");
      std::vector<TableReader> layers;
      if (auto parsed = layers_field.table_array(
              {"cells", "composition", "vacancy_fraction"},
              "must be an array of tables ([[initial.layers]]) with cells and composition")) {
        layers = std::move(*parsed);
        layered = !layers.empty();
        if (layers.empty()) layers_field.fail("must list at least one layer");
      }
      if (!layered) all_valid = false;
      if (layered) {
        bool cells_valid = true;
        layers_give_composition = true;
        std::vector<std::string> cell_terms;
        std::int64_t cell_sum = 0;
        for (const auto& layer_table : layers) {
          layer_table.report_unknown_keys();
          kmc::LayerSpec layer;
          layer_table.require("cells", "the layer thickness in unit cells (integer >= 1)");
          if (auto cells = layer_table.field("cells").integer(1, INT_MAX, "must be an integer >= 1")) {
            layer.cells = static_cast<int>(*cells);
            cell_sum += *cells;
            cell_terms.push_back(std::to_string(*cells));
          } else {
            cells_valid = false;
          }
          if (const Field f = layer_table.field("composition")) {
            std::optional<kmc::CompositionSpec> c;
            if (auto sub = f.table({})) c = read_composition(ctx, *sub);
            if (c) {
              layer.composition = *c;
              add_species(ctx, *c);
            } else {
              all_valid = false;
            }
          } else {
            layers_give_composition = false;
            if (global) {
              layer.composition = *global;  // a layer without its own takes [composition]
            } else if (!composition) {
              layer_table.require("composition",
                                  "an inline table of species fractions, because there is no "
                                  "[composition] section to fall back on");
              all_valid = false;
            }
          }
          if (auto f = layer_table.field("vacancy_fraction")
                           .number([](double x) { return x >= 0 && x < 1; }, "must be >= 0 and < 1")) {
            layer.vacancy_fraction = *f;
          }
          spec.initial.layers.push_back(std::move(layer));
        }
        if (cells_valid && ctx.supercell_valid) {
          const int axis = spec.initial.axis;
          const int size = spec.lattice.supercell[axis];
          if (cell_sum != size) {
            ctx.diag.report(
                fmt::format("[initial] layers: cells sum to {}{}, but the supercell has {} cells "
                            "along {}; the layers must fill it exactly ({})",
                            join(cell_terms, " + "),
                            cell_terms.size() > 1 ? " = " + std::to_string(cell_sum) : "", size,
                            static_cast<char>('x' + axis), layers_field.location()),
                layers_field.path(), layers_field.node());
          }
        }
      }
    }
  }

  if (!composition && !layered) {
    ctx.diag.report(fmt::format(
        "[composition]: missing; required section (species = fraction), unless [initial] "
        "type = \"layers\" gives every layer its own composition ({})",
        ctx.diag.source_name()));
    all_valid = false;
  }
  if (!composition && layers_give_composition && all_valid) {
    // The overall composition is the cell-weighted mean of the layers, so that
    // code which only needs the species list (or an average) finds it here.
    double total = 0.0;
    for (const auto& layer : spec.initial.layers) total += layer.cells;
    for (const auto& layer : spec.initial.layers) {
      for (const auto& [name, x] : layer.composition.fractions) {
        spec.composition.fractions[name] += x * layer.cells / total;
      }
    }
  }
  ctx.species_complete = all_valid;
}

void read_defects(SectionContext& ctx, const std::optional<TableReader>& table) {
  if (!table) return;
  const TableReader& t = *table;
  t.report_unknown_keys();
  auto& defects = ctx.spec.defects;
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();

  report_exclusive(t, "vacancies", "vacancy_fraction");
  if (auto n = t.field("vacancies").integer(0, kMax, "must be an integer >= 0")) {
    if (!t.has("vacancy_fraction")) defects.vacancies = *n;
  }
  if (auto f = t.field("vacancy_fraction")
                   .number([](double x) { return x >= 0 && x < 1; }, "must be >= 0 and < 1")) {
    if (!t.has("vacancies")) defects.vacancy_fraction = *f;
  }

  const Field interstitials = t.field("interstitials");
  if (auto n = interstitials.integer(0, kMax, "must be an integer >= 0")) {
    defects.interstitials = *n;
    const auto& lattice = ctx.spec.lattice;
    if (*n > 0 && ctx.prototype && *ctx.prototype == "custom" &&
        lattice.interstitial_sublattices.empty() && !lattice.basis.empty()) {
      interstitials.fail(
          "needs interstitial sites, but [lattice] interstitial names no sublattice for them");
    } else if (*n > 0 && ctx.prototype && *ctx.prototype == "fcc") {
      interstitials.fail("must be 0: the fcc prototype has no interstitial sites");
    }
  }

  if (const Field f = t.field("interstitial_species")) {
    if (auto name = f.string()) {
      if (check_known_species(ctx, f, *name, false)) defects.interstitial_species = *name;
    }
  }
}

}  // namespace hkmc::input::detail
