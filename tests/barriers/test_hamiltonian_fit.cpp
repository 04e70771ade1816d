// Least-squares fit of the lattice Hamiltonian (HamiltonianFit.hpp): the
// leave-one-out score by hand and against explicit refits, cluster counts by
// hand, exact recovery of known coefficients from synthetic energies (checked
// with the Hamiltonian's own energy()), the gauge worked out by hand, the
// written file read back, and errors.
#include <doctest/doctest.h>

#include <Eigen/Dense>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <unistd.h>

#include "hkmc/barriers/HamiltonianFit.hpp"
#include "hkmc/common/Error.hpp"
#include "hkmc/lattice/Prototypes.hpp"

using namespace hkmc;
using lattice::Occupant;

namespace {

constexpr Occupant kI = 1, kBr = 2;  // fixed halide codes

// Random I/Br occupancy of the X sites with n_br Br, optionally one vacancy.
std::vector<Occupant> random_occupancy(const lattice::Supercell& sc, int n_br, bool vacancy, std::mt19937_64& rng) {
  const int n = sc.num_sites();
  std::vector<Occupant> occ(n, kI);
  std::vector<int> order(n);
  for (int k = 0; k < n; ++k) order[k] = k;
  std::shuffle(order.begin(), order.end(), rng);
  for (int k = 0; k < n_br; ++k) occ[order[k]] = kBr;
  if (vacancy) occ[order[n - 1]] = lattice::kEmpty;
  return occ;
}

}  // namespace

TEST_CASE("fit_linear: one-parameter least squares and its leave-one-out residuals by hand") {
  // y = c x with x = (1, 2, 3), y = (1, 2, 4): c = Σxy/Σx² = 17/14.
  Eigen::MatrixXd x(3, 1);
  x << 1, 2, 3;
  Eigen::VectorXd y(3);
  y << 1, 2, 4;
  const auto fit = barriers::fit_linear(x, y);
  REQUIRE(fit.rank == 1);
  CHECK(fit.coefficients[0] == doctest::Approx(17.0 / 14.0).epsilon(1e-12));
  // Residuals y - 17/14 x = (-3, -6, 5)/14.
  CHECK(fit.rms == doctest::Approx(std::sqrt((9.0 + 36.0 + 25.0) / (196.0 * 3.0))).epsilon(1e-12));
  // Without row 1: c = (4 + 12)/(4 + 9) = 16/13, residual 1 - 16/13 = -3/13;
  // without row 2: c = (1 + 12)/(1 + 9) = 1.3, residual 2 - 2.6 = -0.6;
  // without row 3: c = (1 + 4)/(1 + 4) = 1, residual 4 - 3 = 1.
  CHECK(fit.loo_residual[0] == doctest::Approx(-3.0 / 13.0).epsilon(1e-12));
  CHECK(fit.loo_residual[1] == doctest::Approx(-0.6).epsilon(1e-12));
  CHECK(fit.loo_residual[2] == doctest::Approx(1.0).epsilon(1e-12));
  CHECK(fit.cv_rms == doctest::Approx(std::sqrt((9.0 / 169.0 + 0.36 + 1.0) / 3.0)).epsilon(1e-12));

  SUBCASE("parity rows") {
    std::vector<barriers::FitSample> samples{{"a", {}, 1.0, 0.25, "none"}, {"b", {}, 2.0, 0.5, "V_X"},
                                             {"c", {}, 4.0, 1.0, "Br_i"}};
    const std::string csv = barriers::parity_csv(samples, fit);
    CHECK(csv ==
          "id,label,composition,defects,E_potential_eV,E_fit_eV,residual_meV,loo_residual_meV\n"
          "0,a,0.250000,none,1.000000,1.214286,-214.286,-230.769\n"
          "1,b,0.500000,V_X,2.000000,2.428571,-428.571,-600.000\n"
          "2,c,1.000000,Br_i,4.000000,3.642857,357.143,1000.000\n");
  }
}

TEST_CASE("fit_linear: dependent columns are fixed at 0 in column order; LOO equals explicit refits") {
  std::mt19937_64 rng(5);
  std::normal_distribution<double> g;
  const int rows = 12;
  Eigen::MatrixXd x(rows, 5);
  for (int i = 0; i < rows; ++i) {
    x(i, 0) = g(rng);
    x(i, 1) = g(rng);
    x(i, 2) = 2 * x(i, 0) - x(i, 1);  // dependent on the first two
    x(i, 3) = 0.0;                    // never occurs
    x(i, 4) = g(rng);
  }
  Eigen::VectorXd y(rows);
  for (int i = 0; i < rows; ++i) y[i] = 0.5 * x(i, 0) - 1.5 * x(i, 1) + 0.25 * x(i, 4) + 0.1 * g(rng);
  const auto fit = barriers::fit_linear(x, y);
  CHECK(fit.kept == std::vector<bool>{true, true, false, false, true});
  CHECK(fit.rank == 3);
  CHECK(fit.coefficients[2] == 0.0);
  CHECK(fit.coefficients[3] == 0.0);
  CHECK(fit.rms > 0.01);  // noise: the case is not trivial
  double sum = 0.0;
  for (int out = 0; out < rows; ++out) {
    Eigen::MatrixXd xr(rows - 1, 3);
    Eigen::VectorXd yr(rows - 1);
    for (int i = 0, r = 0; i < rows; ++i) {
      if (i == out) continue;
      xr.row(r) << x(i, 0), x(i, 1), x(i, 4);
      yr[r++] = y[i];
    }
    const Eigen::VectorXd c = xr.colPivHouseholderQr().solve(yr);
    const double predicted = c[0] * x(out, 0) + c[1] * x(out, 1) + c[2] * x(out, 4);
    CHECK(fit.loo_residual[out] == doctest::Approx(y[out] - predicted).epsilon(1e-9));
    sum += (y[out] - predicted) * (y[out] - predicted);
  }
  CHECK(fit.cv_rms == doctest::Approx(std::sqrt(sum / rows)).epsilon(1e-9));
  CHECK(fit.cv_rms > fit.rms);
}

TEST_CASE("fit_hamiltonian: cluster counts of one and two Br in CsPbI3 (2x2x2) by hand") {
  const lattice::Supercell sc(lattice::make_perovskite(6.0, false), {2, 2, 2});
  const lattice::SpeciesTable species({"I", "Br"});
  barriers::HamiltonianTerms candidates;
  candidates.points = {{"X", "I", 0}, {"X", "Br", 0}, {"X", "Va", 0}};
  candidates.pairs = {{{"X", "X"}, 1, {"I", "Br"}, 0}, {{"X", "X"}, 1, {"Va", "Br"}, 0}};
  std::vector<Occupant> one(24, kI), two(24, kI), vac(24, kI);
  one[0] = kBr;  // X_x of cell (0,0,0); its 8 nearest X neighbours are all I
  two[0] = kBr;
  two[1] = kBr;  // X_y of cell (0,0,0), a nearest neighbour of site 0: 2·8 - 2 = 14 I-Br pairs
  vac[0] = lattice::kEmpty;
  vac[1] = kBr;  // one Va-Br pair, 7 Br-I pairs
  std::vector<barriers::FitSample> samples{{"one", one, 1.0, 0, ""},
                                           {"two", two, 2.0, 0, ""},
                                           {"vac", vac, 3.0, 0, ""},
                                           {"pure", std::vector<Occupant>(24, kI), 0.5, 0, ""},
                                           {"again", one, 1.1, 0, ""}};
  const auto r = barriers::fit_hamiltonian(sc, species, candidates, samples);
  REQUIRE(r.correlations.rows() == 5);
  const Eigen::RowVectorXd expected_one = (Eigen::RowVectorXd(5) << 23, 1, 0, 8, 0).finished();
  const Eigen::RowVectorXd expected_two = (Eigen::RowVectorXd(5) << 22, 2, 0, 14, 0).finished();
  const Eigen::RowVectorXd expected_vac = (Eigen::RowVectorXd(5) << 22, 1, 1, 7, 1).finished();
  CHECK(r.correlations.row(0) == expected_one);
  CHECK(r.correlations.row(1) == expected_two);
  CHECK(r.correlations.row(2) == expected_vac);
  CHECK(r.names[3] == "pair X-X shell 1 I-Br");
}

TEST_CASE("fit_hamiltonian recovers known coefficients exactly from synthetic energies") {
  // 3x3x3 cells allow X-X shells 1-3; one vacancy or none; compositions 0..1.
  const lattice::Supercell sc(lattice::make_perovskite(6.0, false), {3, 3, 3});
  const lattice::SpeciesTable species({"I", "Br"});
  // Known terms in the fit's gauge: like pairs 0, Va-Br pairs 0.
  barriers::HamiltonianTerms known;
  known.points = {{"X", "I", -3.2}, {"X", "Br", -3.05}, {"X", "Va", 2.4}};
  known.pairs = {{{"X", "X"}, 1, {"I", "Br"}, 0.0041},
                 {{"X", "X"}, 2, {"I", "Br"}, -0.0013},
                 {{"X", "X"}, 3, {"I", "Br"}, 0.0007},
                 {{"X", "X"}, 1, {"Va", "I"}, 0.021},
                 {{"X", "X"}, 2, {"Va", "I"}, -0.008}};
  known.triplets = {{"X", 1, {"I", "I", "Br"}, 0.0009}};
  const barriers::LatticeHamiltonian truth(sc, species, known);
  barriers::HamiltonianTerms candidates = known;
  candidates.pairs.insert(candidates.pairs.begin() + 4, {{"X", "X"}, 1, {"Va", "Br"}, 0});
  candidates.pairs.push_back({{"X", "X"}, 2, {"Va", "Br"}, 0});
  candidates.triplets.push_back({"X", 1, {"I", "Br", "Br"}, 0});
  std::mt19937_64 rng(11);
  std::vector<barriers::FitSample> samples;
  for (int n_br : {0, 5, 20, 40, 41, 60, 76, 81})
    for (int r = 0; r < 4; ++r)
      for (bool vacancy : {false, true}) {
        auto occ = random_occupancy(sc, n_br, vacancy, rng);
        samples.push_back({"s", occ, truth.energy(occ), n_br / 81.0, vacancy ? "V_X" : "none"});
      }
  const auto r = barriers::fit_hamiltonian(sc, species, candidates, samples);
  // With one vacancy N(Va,I) + N(Va,Br) = z n_Va in each shell. The second
  // triplet stays: without vacancies 2 (T_IIBr + T_IBrBr) = t N_IBr (each
  // unlike nearest-neighbour pair lies on t triangles), but triangles with a
  // vacancy corner break that relation, so it is identifiable (and 0).
  CHECK(r.dropped == std::vector<std::string>{"pair X-X shell 1 Va-Br", "pair X-X shell 2 Va-Br"});
  REQUIRE(r.fitted.points.size() == 3);
  REQUIRE(r.fitted.pairs.size() == 5);
  REQUIRE(r.fitted.triplets.size() == 2);
  for (std::size_t k = 0; k < 3; ++k)
    CHECK(r.fitted.points[k].energy_ev == doctest::Approx(known.points[k].energy_ev).epsilon(1e-9));
  for (std::size_t k = 0; k < 5; ++k)
    CHECK(r.fitted.pairs[k].j_ev == doctest::Approx(known.pairs[k].j_ev).epsilon(1e-7).scale(0));
  CHECK(r.fitted.triplets[0].k_ev == doctest::Approx(0.0009).epsilon(1e-7).scale(0));
  CHECK(std::abs(r.fitted.triplets[1].k_ev) < 1e-7);
  CHECK(r.fit.rms < 1e-9);
  CHECK(r.fit.cv_rms < 1e-8);

  SUBCASE("the written file reads back and reproduces the fitted energies") {
    const auto path = std::filesystem::temp_directory_path() /
                      ("hkmc_test_fit_" + std::to_string(::getpid()) + ".toml");
    std::ofstream(path) << barriers::hamiltonian_toml(r.fitted, "synthetic \"test\" fit",
                                                      {"provenance line", "", "rms 0"});
    const auto terms = barriers::read_hamiltonian_file(path.string());
    std::filesystem::remove(path);
    REQUIRE(terms.points.size() == 3);
    REQUIRE(terms.pairs.size() == 5);
    REQUIRE(terms.triplets.size() == 2);
    const barriers::LatticeHamiltonian read_back(sc, species, terms);
    double largest = 0.0;
    for (std::size_t i = 0; i < samples.size(); ++i) {
      const double e = read_back.energy(samples[i].occupancy);
      CHECK(e == doctest::Approx(r.fit.predicted[static_cast<Eigen::Index>(i)]).epsilon(1e-10));
      largest = std::max(largest, std::abs(e));
    }
    CHECK(largest > 100.0);  // total energies of 81 X sites: the check is not trivial
  }
}

TEST_CASE("fit_hamiltonian: like pairs and a constant are absorbed as worked out by hand") {
  // Binary I/Br, no vacancies, 2x2x2 cells (24 X sites), shell 1 (z = 8):
  // E = e_I n_I + e_Br n_Br + J_II N_II + J_BB N_BB + J_IB N_IB + E0, and
  // 2 N_II + N_IB = 8 n_I, 2 N_BB + N_IB = 8 n_Br, n_I + n_Br = 24, so
  // E = (e_I + 4 J_II + E0/24) n_I + (e_Br + 4 J_BB + E0/24) n_Br + (J_IB - (J_II + J_BB)/2) N_IB.
  const lattice::Supercell sc(lattice::make_perovskite(6.0, false), {2, 2, 2});
  const lattice::SpeciesTable species({"I", "Br"});
  const double e_i = 0.1, e_br = 0.3, j_ii = 0.02, j_bb = -0.01, j_ib = 0.012, e0 = -5.0;
  barriers::HamiltonianTerms known;
  known.points = {{"X", "I", e_i}, {"X", "Br", e_br}};
  known.pairs = {{{"X", "X"}, 1, {"I", "I"}, j_ii}, {{"X", "X"}, 1, {"Br", "Br"}, j_bb},
                 {{"X", "X"}, 1, {"I", "Br"}, j_ib}};
  const barriers::LatticeHamiltonian truth(sc, species, known);
  barriers::HamiltonianTerms candidates;
  candidates.points = {{"X", "I", 0}, {"X", "Br", 0}};
  candidates.pairs = {{{"X", "X"}, 1, {"I", "Br"}, 0}};
  std::mt19937_64 rng(3);
  std::vector<barriers::FitSample> samples;
  for (int n_br = 0; n_br <= 24; n_br += 3) {
    auto occ = random_occupancy(sc, n_br, false, rng);
    samples.push_back({"s", occ, truth.energy(occ) + e0, n_br / 24.0, "none"});
  }
  const auto r = barriers::fit_hamiltonian(sc, species, candidates, samples);
  REQUIRE(r.dropped.empty());
  CHECK(r.fitted.points[0].energy_ev == doctest::Approx(e_i + 4 * j_ii + e0 / 24).epsilon(1e-9));
  CHECK(r.fitted.points[1].energy_ev == doctest::Approx(e_br + 4 * j_bb + e0 / 24).epsilon(1e-9));
  CHECK(r.fitted.pairs[0].j_ev == doctest::Approx(j_ib - (j_ii + j_bb) / 2).epsilon(1e-9));
  CHECK(r.fit.rms < 1e-9);
}

TEST_CASE("fit_hamiltonian errors") {
  const lattice::SpeciesTable species({"I", "Br"});
  barriers::HamiltonianTerms candidates;
  candidates.points = {{"X", "I", 0}, {"X", "Br", 0}};
  candidates.pairs = {{{"X", "X"}, 1, {"I", "Br"}, 0}};
  const lattice::Supercell small(lattice::make_perovskite(6.0, false), {2, 2, 2});
  std::mt19937_64 rng(1);
  std::vector<barriers::FitSample> three;
  for (int n_br : {1, 5, 9}) three.push_back({"s", random_occupancy(small, n_br, false, rng), 1.0 * n_br, 0, ""});
  SUBCASE("fewer samples than terms + 1") {
    CHECK_THROWS_WITH_AS(barriers::fit_hamiltonian(small, species, candidates, three),
                         doctest::Contains("3 samples for 3 identifiable terms: need at least 4"), InputError);
  }
  SUBCASE("a shell the supercell cannot hold") {
    candidates.pairs.push_back({{"X", "X"}, 2, {"I", "Br"}, 0});
    three.push_back(three.front());
    CHECK_THROWS_WITH_AS(barriers::fit_hamiltonian(small, species, candidates, three),
                         doctest::Contains("too small for the Hamiltonian"), InputError);
  }
  SUBCASE("an unknown species") {
    candidates.points.push_back({"X", "Zz", 0});
    CHECK_THROWS_WITH_AS(barriers::fit_hamiltonian(small, species, candidates, three),
                         doctest::Contains("\"Zz\" is not a species of this run"), InputError);
  }
  SUBCASE("an occupancy of the wrong length") {
    three[1].occupancy.pop_back();
    CHECK_THROWS_WITH_AS(barriers::fit_hamiltonian(small, species, candidates, three),
                         doctest::Contains("has 23 sites, the supercell 24"), InputError);
  }
}
