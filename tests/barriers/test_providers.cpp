// Barrier providers against values worked out by hand.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "hkmc/barriers/BarrierProvider.hpp"
#include "hkmc/barriers/TableProvider.hpp"
#include "hkmc/common/Error.hpp"
#include "hkmc/lattice/Prototypes.hpp"

using namespace hkmc;
using lattice::Occupant;

namespace {

const lattice::SpeciesTable kSpecies({"I", "Br"});  // I = 1, Br = 2

lattice::HopClass some_class() { return lattice::HopClass{}; }

// A context for mechanism/path with given moving species and I/Br counts.
struct Hop {
  lattice::HopClass hc = some_class();
  int counts[5] = {0, 0, 0, 0, 0};
  barriers::HopContext context(std::string_view mech, std::string_view path, Occupant moving, int n_i,
                               int n_br) {
    counts[1] = n_i;
    counts[2] = n_br;
    return barriers::HopContext{hc, mech, path, moving, std::span<const int>(counts, 5), {}};
  }
};

std::string write_table(const std::string& text) {
  static int n = 0;
  const auto path = std::filesystem::temp_directory_path() /
                    ("hkmc_table_" + std::to_string(::getpid()) + "_" + std::to_string(n++) + ".csv");
  std::ofstream(path) << text;
  return path.string();
}

lattice::HopCatalog double_perovskite_catalog() {
  static lattice::Supercell sc(lattice::make_double_perovskite(10.0, false), {2, 2, 2});
  return lattice::HopCatalog(sc, {lattice::Mechanism{"vacancy_edge", lattice::MechanismKind::kVacancy, 1}}, 0.0);
}

}  // namespace

TEST_CASE("constant provider: mechanism/path beats mechanism beats default") {
  barriers::ProviderSettings s;
  s.e_kra_ev = 1.0;
  s.e_kra_overrides = {{"vacancy_edge", 0.5}, {"vacancy_edge/B'", 0.29}};
  auto p = barriers::make_provider(s, kSpecies);
  Hop h;
  CHECK(p->e_kra(h.context("vacancy_edge", "B'", 1, 0, 0)) == 0.29);
  CHECK(p->e_kra(h.context("vacancy_edge", "B", 1, 0, 0)) == 0.5);
  CHECK(p->e_kra(h.context("other", "B", 1, 0, 0)) == 1.0);
  // Cs2KFeCl6-style per-path values pass the lattice check; a wrong path does not.
  p->check(double_perovskite_catalog());
  s.e_kra_overrides = {{"vacancy_edge/X", 0.3}};
  auto bad = barriers::make_provider(s, kSpecies);
  CHECK_THROWS_WITH_AS(bad->check(double_perovskite_catalog()), doctest::Contains("vacancy_edge/B'"),
                       InputError);
}

TEST_CASE("model provider: E0 + sum of slopes times counts") {
  barriers::ProviderSettings s;
  s.provider = "model";
  s.model_e0_ev = 0.2;
  s.model_slopes_ev = {{"Br", 0.03}, {"I", -0.01}};
  auto p = barriers::make_provider(s, kSpecies);
  Hop h;
  // 0.2 + 4 * 0.03 - 2 * 0.01 = 0.3
  CHECK(p->e_kra(h.context("v", "B", 1, 2, 4)) == doctest::Approx(0.3));
  CHECK(p->needs().environment);
  s.model_slopes_ev = {{"Xe", 0.1}};  // halides always have codes; other names must be species
  CHECK_THROWS_WITH_AS(barriers::make_provider(s, lattice::SpeciesTable({"I"})), doctest::Contains("Xe"),
                       InputError);
}

TEST_CASE("model provider refuses slopes that make E_KRA negative") {
  static lattice::Supercell sc(lattice::make_perovskite(6.0, false), {4, 4, 4});
  lattice::HopCatalog cat(sc, {lattice::Mechanism{"v", lattice::MechanismKind::kVacancy, 1}}, 6.0);
  REQUIRE(cat.classes()[0].template_vectors.size() == 10);
  barriers::ProviderSettings s;
  s.provider = "model";
  s.model_e0_ev = 0.2;
  s.model_slopes_ev = {{"I", -0.015}};  // 0.2 - 10 * 0.015 = 0.05: fine
  barriers::make_provider(s, kSpecies)->check(cat);
  s.model_slopes_ev = {{"I", -0.025}};  // 0.2 - 0.25 < 0
  CHECK_THROWS_WITH_AS(barriers::make_provider(s, kSpecies)->check(cat), doctest::Contains("-0.05"),
                       InputError);
}

TEST_CASE("table provider: the most specific matching row wins") {
  const auto path = write_table(
      "# comment\n"
      "mechanism,path_type,species,n_Br,E_kra_eV\n"
      "vacancy_edge,*,,,0.25\n"
      "vacancy_edge,B,Br,,0.22\n"
      "vacancy_edge,B,I,4,0.31\n"
      "\n"
      "vacancy_edge,B',,,1.5\n");
  barriers::TableProvider t(path, kSpecies);
  CHECK(t.row_count() == 4);
  CHECK(t.needs().environment);  // has a count column
  Hop h;
  CHECK(t.e_kra(h.context("vacancy_edge", "B", 2, 0, 7)) == 0.22);
  CHECK(t.e_kra(h.context("vacancy_edge", "B", 1, 0, 4)) == 0.31);
  CHECK(t.e_kra(h.context("vacancy_edge", "B", 1, 0, 3)) == 0.25);
  CHECK(t.e_kra(h.context("vacancy_edge", "B'", 1, 0, 3)) == 1.5);
  CHECK_THROWS_AS(t.e_kra(h.context("interstitial_hop", "A", 1, 0, 3)), RuntimeError);
  t.check(double_perovskite_catalog());
}

TEST_CASE("table provider: equally specific rows that disagree are an error") {
  const auto path = write_table("mechanism,path_type,species,n_Br,E_kra_eV\n"
                                "v,B,I,,0.3\n"
                                "v,B,,2,0.4\n");
  barriers::TableProvider t(path, kSpecies);
  Hop h;
  CHECK_THROWS_WITH_AS(t.e_kra(h.context("v", "B", 1, 0, 2)), doctest::Contains("equally specific"),
                       RuntimeError);
}

TEST_CASE("table provider: bad files name the line, column and value") {
  struct Case {
    std::string text;
    std::string expect;
  };
  const std::vector<Case> cases = {
      {"mechanism,E_kra_eV\nv,0.3\n", "required column 'path_type'"},
      {"mechanism,path_type,E_kra_eV,colour\nv,B,0.3,red\n", "unknown column 'colour'"},
      {"mechanism,path_type,E_kra_eV\nv,B,0.3\nv,B\n", ":3: 2 fields, but the header has 3"},
      {"mechanism,path_type,E_kra_eV\nv,B,-0.1\n", ":2: column E_kra_eV = '-0.1'"},
      {"mechanism,path_type,E_kra_eV\nv,B,nan\n", "'nan'"},
      {"mechanism,path_type,n_Br,E_kra_eV\nv,B,two,0.3\n", "column n_Br = 'two'"},
      {"mechanism,path_type,species,E_kra_eV\nv,B,Xe,0.3\n", "species = 'Xe'"},
      {"mechanism,path_type,E_kra_eV\nv,B,0.3\nv,B,0.4\n", ":3: duplicates the row on line 2"},
      {"mechanism,path_type,E_kra_eV\n", "no data rows"},
      {"", "empty"},
  };
  for (const auto& c : cases) {
    const auto path = write_table(c.text);
    INFO(c.text);
    CHECK_THROWS_WITH_AS(barriers::TableProvider(path, kSpecies), doctest::Contains(c.expect.c_str()), InputError);
  }
  CHECK_THROWS_WITH_AS(barriers::TableProvider("/nonexistent/t.csv", kSpecies),
                       doctest::Contains("/nonexistent/t.csv"), InputError);
}

TEST_CASE("table provider: coverage of the lattice's paths is checked up front") {
  const auto path = write_table("mechanism,path_type,E_kra_eV\nvacancy_edge,B,1.578\nghost,B,0.1\n");
  barriers::TableProvider t(path, kSpecies);
  try {
    t.check(double_perovskite_catalog());
    FAIL("expected an InputError");
  } catch (const InputError& e) {
    const std::string all = e.what();
    CHECK(all.find("path type 'B''") != std::string::npos);  // B' hops have no row
    CHECK(all.find("mechanism 'ghost'") != std::string::npos);
  }
}

TEST_CASE("unknown provider names list the valid ones") {
  barriers::ProviderSettings s;
  s.provider = "nebb";
  CHECK_THROWS_WITH_AS(barriers::make_provider(s, kSpecies), doctest::Contains("\"constant\", \"model\", \"table\""),
                       InputError);
}
