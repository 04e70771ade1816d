// `halide-kmc fit-hamiltonian`: settings errors (file:line, key, value, what
// is allowed; exit code 2), SHA-256 against the FIPS 180-4 examples, and a
// small end-to-end fit with the C++ reference potential whose written
// Hamiltonian reproduces the parity table and does not depend on the thread
// count.
#include <doctest/doctest.h>

#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "hkmc/neb/Sha256.hpp"
#include "../CliTestSupport.hpp"
#include "FitHamiltonianCommand.hpp"
#include "hkmc/barriers/LatticeHamiltonian.hpp"
#include "hkmc/common/Error.hpp"
#include "hkmc/lattice/Prototypes.hpp"

using hkmc::test::read_text;
using hkmc::test::run_command;
using hkmc::test::Scratch;

namespace {

std::string settings(const std::string& extra_fit = "", const std::string& x_br = "[0.0, 0.5, 1.0]") {
  return "[potential]\nmodel = \"buckingham_coulomb\"\n"
         "[cell]\nsupercell = 2\n"
         "[sampling]\nseed = 7\nx_br = " + x_br + "\nsamples = 4\ndefects = [\"none\", \"vacancy\"]\n"
         "[relax]\nfmax = 0.05\n"
         "[fit]\npair_shells = 1\nvacancy_pair_shells = 1\n" + extra_fit +
         "[output]\nhamiltonian = \"h.toml\"\nparity = \"parity.csv\"\n";
}

std::vector<std::vector<std::string>> read_csv(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> cells;
    std::istringstream l(line);
    std::string cell;
    while (std::getline(l, cell, ',')) cells.push_back(cell);
    rows.push_back(cells);
  }
  return rows;
}

}  // namespace

TEST_CASE("fit-hamiltonian settings: every problem with file:line, key, value and what is allowed") {
  Scratch dir("hkmc_fit_settings");
  const std::string path = dir.write("bad.toml",
                                     "[potential]\n"
                                     "model = \"no_such_model.pt\"\n"
                                     "[cell]\n"
                                     "supercell = 0\n"
                                     "lattice_constant = \"vegrad\"\n"
                                     "[sampling]\n"
                                     "x_br = [0.0, 1.5]\n"
                                     "samples = 3\n"
                                     "defects = [\"vacancy\", \"antisite\"]\n"
                                     "seeds = 3\n"
                                     "[relax]\n"
                                     "fmax = -0.1\n"
                                     "[fit]\n"
                                     "pair_shells = 4\n"
                                     "[output]\n"
                                     "hamiltonian = \"h.toml\"\n");
  try {
    hkmc::cli::read_fit_settings(path);
    FAIL("no error");
  } catch (const hkmc::InputError& e) {
    const std::string all = e.what();
    CHECK(all.find("[potential] model = \"no_such_model.pt\": no such file") != std::string::npos);
    CHECK(all.find("bad.toml:2)") != std::string::npos);
    CHECK(all.find("[cell] supercell = 0: must be an integer from 1 to 8") != std::string::npos);
    CHECK(all.find("[cell] lattice_constant = \"vegrad\": must be \"vegard\" or a number") != std::string::npos);
    CHECK(all.find("[sampling] x_br = [0.0, 1.5]: must be a non-empty array of Br fractions from 0 to 1") !=
          std::string::npos);
    CHECK(all.find("[sampling] defects = [\"vacancy\", \"antisite\"]: must be") != std::string::npos);
    CHECK(all.find("[sampling] seeds: unknown key; did you mean 'seed'?") != std::string::npos);
    CHECK(all.find("bad.toml:10)") != std::string::npos);
    CHECK(all.find("[relax] fmax = -0.1: must be > 0 and <= 1 eV/Å (") != std::string::npos);
    CHECK(all.find("[fit] pair_shells = 4: must be an integer from 0 to 3") != std::string::npos);
    CHECK(all.find("[output] parity: missing") != std::string::npos);
    CHECK(e.problems().size() == 9);
  }
}

TEST_CASE("fit-hamiltonian settings: a supercell too small for the shells; bad files exit with 2") {
  Scratch dir("hkmc_fit_settings");
  std::string text = settings();
  text.replace(text.find("pair_shells = 1\n"), 16, "pair_shells = 2\n");
  const std::string path = dir.write("small.toml", text);
  CHECK_THROWS_WITH_AS(hkmc::cli::read_fit_settings(path),
                       doctest::Contains("[cell] supercell = 2: too small for 2 X-X pair shell(s): needs >= 3"),
                       hkmc::InputError);
  const auto r = run_command("fit-hamiltonian " + path);
  CHECK(r.code == 2);
  CHECK(r.output.find("small.toml:4)") != std::string::npos);
  CHECK(!std::filesystem::exists(dir.path("h.toml")));
  const auto broken = run_command("fit-hamiltonian " + dir.write("broken.toml", "[cell\nsupercell = 2\n"));
  CHECK(broken.code == 2);
  CHECK(broken.output.find("broken.toml:1") != std::string::npos);
}

TEST_CASE("SHA-256 of the FIPS 180-4 examples") {
  CHECK(hkmc::neb::sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(hkmc::neb::sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(hkmc::neb::sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  CHECK(hkmc::neb::sha256_hex(std::string(1000000, 'a')) ==
        "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST_CASE("fit-hamiltonian end to end with the reference potential (2x2x2 cells)") {
  Scratch dir("hkmc_fit_run");
  const std::string path = dir.write("fit.toml", settings());
  const auto r = run_command("fit-hamiltonian " + path + " --threads 2");
  INFO(r.output);
  REQUIRE(r.code == 0);
  CHECK(r.output.find("leave-one-out CV") != std::string::npos);
  const std::string written = read_text(dir.path("h.toml"));
  CHECK(written.find("# potential: Buckingham") != std::string::npos);
  CHECK(written.find("pair X-X shell 1 Va-Br") != std::string::npos);  // listed as not identifiable

  // The file reads back, and gives the pure cells (the rows whose occupancy
  // is known without the samples) their E_fit. The full check on every
  // sample is in tests/barriers/test_hamiltonian_fit.cpp.
  const auto terms = hkmc::barriers::read_hamiltonian_file(dir.path("h.toml"));
  CHECK(terms.points.size() == 3);  // I, Br, Va
  CHECK(terms.pairs.size() == 2);   // I-Br and Va-I, shell 1
  const auto rows = read_csv(read_text(dir.path("parity.csv")));
  REQUIRE(rows.size() == 1 + 6 + 6);  // header; x = 0, 1 once each and 0.5 four times, with and without a vacancy
  CHECK(rows[0][4] == "E_potential_eV");
  const hkmc::lattice::Supercell sc(hkmc::lattice::make_perovskite(6.0, false), {2, 2, 2});
  const hkmc::lattice::SpeciesTable species({"I", "Br"});
  const hkmc::barriers::LatticeHamiltonian h(sc, species, terms);
  std::vector<hkmc::lattice::Occupant> all_i(24, 1), all_br(24, 2);
  for (const auto& row : rows) {
    if (row[1] == "none_x0.0000_000") CHECK(h.energy(all_i) == doctest::Approx(std::stod(row[5])).epsilon(1e-8));
    if (row[1] == "none_x1.0000_000") CHECK(h.energy(all_br) == doctest::Approx(std::stod(row[5])).epsilon(1e-8));
  }
  double largest = 0.0;
  for (std::size_t i = 1; i < rows.size(); ++i) largest = std::max(largest, std::abs(std::stod(rows[i][6])));
  CHECK(largest > 0.01);  // meV: the fit is not exact, so the test compares real residuals

  SUBCASE("existing outputs are kept unless --force") {
    const auto again = run_command("fit-hamiltonian " + path);
    CHECK(again.code == 2);
    CHECK(again.output.find("the file exists") != std::string::npos);
  }
  SUBCASE("the same result with one thread") {
    const std::string first = read_text(dir.path("h.toml")), parity = read_text(dir.path("parity.csv"));
    const auto one = run_command("fit-hamiltonian " + path + " --threads 1 --force");
    REQUIRE(one.code == 0);
    CHECK(read_text(dir.path("h.toml")) == first);
    CHECK(read_text(dir.path("parity.csv")) == parity);
  }
}
