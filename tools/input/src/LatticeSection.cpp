// [lattice]: prototype, lattice parameter, supercell, and for `custom` the cell,
// basis and which sublattices carry halides. See docs/input/lattice.md.
#include <algorithm>
#include <climits>
#include <cmath>

#include <fmt/format.h>

#include "Sections.hpp"

namespace hkmc::input::detail {

namespace {

const std::vector<std::string> kPrototypes = {"perovskite", "double_perovskite", "fcc", "custom"};
const std::vector<std::string> kCustomKeys = {"cell", "basis", "mobile", "interstitial"};

std::optional<std::array<std::array<double, 3>, 3>> read_cell(const Field& field) {
  const auto* rows = field.node()->as_array();
  std::array<std::array<double, 3>, 3> cell{};
  bool ok = rows && rows->size() == 3;
  for (std::size_t i = 0; ok && i < 3; ++i) {
    const auto* row = (*rows)[i].as_array();
    ok = row && row->size() == 3;
    for (std::size_t j = 0; ok && j < 3; ++j) {
      const auto& v = (*row)[j];
      if (const auto* f = v.as_floating_point()) {
        cell[i][j] = f->get();
      } else if (const auto* n = v.as_integer()) {
        cell[i][j] = static_cast<double>(n->get());
      } else {
        ok = false;
      }
      ok = ok && std::isfinite(cell[i][j]);
    }
  }
  if (!ok) {
    field.fail("must be a 3x3 array of numbers (rows are lattice vectors in units of a)");
    return std::nullopt;
  }
  const auto& c = cell;
  const double det = c[0][0] * (c[1][1] * c[2][2] - c[1][2] * c[2][1]) -
                     c[0][1] * (c[1][0] * c[2][2] - c[1][2] * c[2][0]) +
                     c[0][2] * (c[1][0] * c[2][1] - c[1][1] * c[2][0]);
  double scale = 1.0;
  for (const auto& row : c) scale *= std::sqrt(row[0] * row[0] + row[1] * row[1] + row[2] * row[2]);
  // Relative test: rows that are (nearly) coplanar span no volume whatever their length.
  if (!(std::abs(det) > 1e-8 * scale)) {
    field.fail(fmt::format("must be non-singular (determinant {}; the rows span no volume)",
                           format_number(det)));
    return std::nullopt;
  }
  return cell;
}

// Reads a list of sublattice names that must all be basis sublattices.
std::optional<std::vector<std::string>> read_sublattice_list(
    const Field& field, const std::vector<std::string>& basis_names, bool basis_valid) {
  auto names = field.string_list();
  if (!names) return std::nullopt;
  if (names->empty()) {
    field.fail("must name at least one basis sublattice");
    return std::nullopt;
  }
  bool ok = true;
  for (std::size_t i = 0; i < names->size(); ++i) {
    const std::string& name = (*names)[i];
    if (std::find(names->begin(), names->begin() + static_cast<std::ptrdiff_t>(i), name) !=
        names->begin() + static_cast<std::ptrdiff_t>(i)) {
      field.fail(fmt::format("lists {} twice", quote(name)));
      ok = false;
    } else if (basis_valid &&
               std::find(basis_names.begin(), basis_names.end(), name) == basis_names.end()) {
      std::string rule = fmt::format("{} is not a basis sublattice (the basis has {})", quote(name),
                                     quoted_list(basis_names));
      if (auto near = closest_match(name, basis_names)) rule += "; did you mean " + quote(*near) + "?";
      field.fail(rule);
      ok = false;
    }
  }
  if (!ok) return std::nullopt;
  return names;
}

void read_custom(SectionContext& ctx, const TableReader& t) {
  auto& lattice = ctx.spec.lattice;
  if (const Field f = t.field("cell")) {
    if (auto cell = read_cell(f)) lattice.cell = *cell;
  }

  t.require("basis", "an array of tables {sublattice = \"X\", frac = [x, y, z]}");
  std::vector<std::string> basis_names;  // distinct, in order of first use
  bool basis_valid = false;
  const Field basis_field = t.field("basis");
  if (auto entries = basis_field.table_array(
          {"sublattice", "frac"},
          "must be an array of tables {sublattice = \"X\", frac = [x, y, z]}")) {
    basis_valid = true;
    if (entries->empty()) {
      basis_field.fail("must list at least one site");
      basis_valid = false;
    }
    std::vector<std::pair<std::array<double, 3>, std::string>> seen;  // frac, location
    for (const auto& entry : *entries) {
      entry.report_unknown_keys();
      kmc::CustomSiteSpec site;
      bool ok = true;
      entry.require("sublattice", "the sublattice name, e.g. \"X\"");
      entry.require("frac", "fractional coordinates [x, y, z], each in [0, 1)");
      ok = entry.has("sublattice") && entry.has("frac");
      if (const Field f = entry.field("sublattice")) {
        if (auto name = f.string()) {
          if (is_identifier(*name)) {
            site.sublattice = *name;
          } else {
            f.fail("must be a name matching [A-Za-z][A-Za-z0-9_]*");
            ok = false;
          }
        } else {
          ok = false;
        }
      }
      if (const Field f = entry.field("frac")) {
        const char* rule = "must be an array of 3 numbers, each >= 0 and < 1";
        if (auto frac = f.number3(rule)) {
          if (std::all_of(frac->begin(), frac->end(), [](double x) { return x >= 0 && x < 1; })) {
            for (const auto& [other, where] : seen) {
              bool same = true;
              for (int k = 0; k < 3; ++k) same = same && std::abs(other[k] - (*frac)[k]) < 1e-9;
              if (same) {
                f.fail("is the position of another basis site (" + where + ")");
                ok = false;
              }
            }
            seen.emplace_back(*frac, f.location());
            site.frac = *frac;
          } else {
            f.fail(rule);
            ok = false;
          }
        } else {
          ok = false;
        }
      }
      basis_valid = basis_valid && ok;
      if (ok) {
        if (std::find(basis_names.begin(), basis_names.end(), site.sublattice) == basis_names.end()) {
          basis_names.push_back(site.sublattice);
        }
        lattice.basis.push_back(std::move(site));
      }
    }
  }

  if (const Field f = t.field("mobile")) {
    if (auto names = read_sublattice_list(f, basis_names, basis_valid)) {
      lattice.mobile_sublattices = *names;
    }
  } else if (basis_valid) {
    if (std::find(basis_names.begin(), basis_names.end(), "X") != basis_names.end()) {
      lattice.mobile_sublattices = {"X"};  // the documented default
    } else {
      t.require("mobile",
                "the sublattices whose sites carry halides (it defaults to [\"X\"], but no basis "
                "sublattice is named \"X\")");
    }
  }

  if (const Field f = t.field("interstitial")) {
    if (auto names = read_sublattice_list(f, basis_names, basis_valid)) {
      bool ok = true;
      for (const auto& name : *names) {
        if (std::find(lattice.mobile_sublattices.begin(), lattice.mobile_sublattices.end(), name) !=
            lattice.mobile_sublattices.end()) {
          // Regular sites start filled and interstitial ones empty; one sublattice cannot be both.
          f.fail(fmt::format("{} is also in mobile; a sublattice is either regular (mobile) or "
                             "interstitial",
                             quote(name)));
          ok = false;
        }
      }
      if (ok) lattice.interstitial_sublattices = *names;
    }
  }
}

}  // namespace

void read_lattice(SectionContext& ctx, const std::optional<TableReader>& table) {
  if (!table) {
    ctx.diag.report(fmt::format("[lattice]: missing; required section (prototype, a, supercell) ({})",
                                ctx.diag.source_name()));
    return;
  }
  const TableReader& t = *table;
  t.report_unknown_keys();
  auto& lattice = ctx.spec.lattice;

  t.require("prototype", "one of " + quoted_list(kPrototypes));
  if (auto p = t.field("prototype").choice(kPrototypes)) {
    lattice.prototype = *p;
    ctx.prototype = *p;
  }

  t.require("a", "the lattice parameter in Å (> 0)");
  if (auto a = t.field("a").number([](double v) { return v > 0; }, "must be > 0 Å")) {
    lattice.a_angstrom = *a;
  }

  t.require("supercell", "[n1, n2, n3], the unit cells along each lattice vector");
  if (auto s = t.field("supercell").integer3(1, INT_MAX, "must be an array of 3 integers >= 1")) {
    for (int i = 0; i < 3; ++i) lattice.supercell[i] = static_cast<int>((*s)[i]);
    ctx.supercell_valid = true;
  }

  if (!ctx.prototype) return;  // cannot tell whether the custom keys belong
  if (*ctx.prototype == "custom") {
    read_custom(ctx, t);
    return;
  }
  for (const auto& key : kCustomKeys) {
    if (const Field f = t.field(key)) {
      f.fail(fmt::format("only allowed with prototype = \"custom\" (prototype is {})",
                         quote(*ctx.prototype)));
    }
  }
}

}  // namespace hkmc::input::detail
