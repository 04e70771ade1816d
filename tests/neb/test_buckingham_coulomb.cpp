#include <doctest/doctest.h>

#include <cmath>
#include <numbers>
#include <random>

#include "hkmc/common/Error.hpp"
#include "hkmc/neb/BuckinghamCoulomb.hpp"
#include "hkmc/neb/Ewald.hpp"
#include "hkmc/neb/Fire.hpp"
#include "hkmc/neb/PerovskiteCell.hpp"

using namespace hkmc::neb;
using doctest::Approx;

namespace {

Structure rock_salt(double a) {
  Structure s;
  s.cell = Cell::Identity() * a;
  const double f[4][3] = {{0, 0, 0}, {0, .5, .5}, {.5, 0, .5}, {.5, .5, 0}};
  s.positions.resize(8, 3);
  for (int i = 0; i < 4; ++i) {
    s.positions.row(i) = Eigen::RowVector3d(f[i][0], f[i][1], f[i][2]) * a;
    s.positions.row(4 + i) = Eigen::RowVector3d(f[i][0] + .5, f[i][1], f[i][2]) * a;
    s.symbols.push_back("Na");
  }
  for (int i = 0; i < 4; ++i) s.symbols.push_back("Cl");
  return s;
}

// CsPbI3 2×2×2 with one I removed (net charge +0.6573 e) and random
// displacements so that no force vanishes by symmetry.
Structure distorted_vacancy_cell(unsigned seed, double amplitude) {
  CubicPerovskiteSpec spec;
  spec.a = 6.2;
  spec.repeats = {2, 2, 2};
  const Structure perfect = build_cubic_perovskite(spec);
  Structure s = make_vacancy_hop(perfect, x_atom_index(spec, 0, 0, 0, 0),
                                 x_atom_index(spec, 0, 0, 0, 1)).initial;
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(-amplitude, amplitude);
  for (Eigen::Index i = 0; i < s.positions.rows(); ++i) {
    s.positions.row(i) += Eigen::RowVector3d(u(rng), u(rng), u(rng));
  }
  return s;
}

}  // namespace

TEST_CASE("Ewald reproduces the Madelung constants of rock salt and CsCl") {
  const Ewald ewald(EwaldParameters::from_accuracy(12.0, 1e-8));
  {
    const double a = 5.64;  // Å; nearest-neighbour distance a/2
    const Structure s = rock_salt(a);
    Eigen::VectorXd q(8);
    q << 1, 1, 1, 1, -1, -1, -1, -1;
    Matrix3N f;
    const double e = ewald.energy_forces(s, q, f);
    // E = −M k_e / r0 per ion pair, 4 pairs; M(NaCl) = 1.747564594633...
    const double expected = -4.0 * 1.747564594633182 * kCoulomb_eV_A / (a / 2);
    CHECK(e == Approx(expected).epsilon(1e-8));
    CHECK(max_abs(f) < 1e-9);
  }
  {
    const double a = 4.11;
    Structure s;
    s.cell = Cell::Identity() * a;
    s.positions.resize(2, 3);
    s.positions << 0, 0, 0, a / 2, a / 2, a / 2;
    s.symbols = {"Cs", "Cl"};
    Eigen::VectorXd q(2);
    q << 1, -1;
    Matrix3N f;
    const double e = ewald.energy_forces(s, q, f);
    // M(CsCl) = 1.762674773070988 referred to r0 = a√3/2.
    CHECK(e == Approx(-1.762674773070988 * kCoulomb_eV_A / (a * std::sqrt(3.0) / 2))
                   .epsilon(1e-8));
  }
}

TEST_CASE("charged-cell Ewald energy does not depend on the splitting parameter") {
  const Structure s = distorted_vacancy_cell(3, 0.1);
  auto energy = [&](double rc, double accuracy) {
    auto p = BuckinghamCoulombParameters::cspbx3_flama_initial();
    p.ewald_real_cutoff = rc;
    p.ewald_accuracy = accuracy;
    return BuckinghamCoulomb(p).compute(s).energy;
  };
  const double e_ref = energy(12.0, 1e-12);
  const double e_a = energy(12.0, 1e-8);
  const double e_b = energy(9.0, 1e-10);
  CHECK(std::abs(e_a - e_ref) < 1e-6);
  CHECK(std::abs(e_b - e_ref) < 1e-6);
  // Not trivial: the background term alone differs by far more between the
  // two α, so a missing or wrong background would fail the checks above.
  const double q = 0.6573, volume = s.volume();
  auto background = [&](double rc, double accuracy) {
    const double alpha = EwaldParameters::from_accuracy(rc, accuracy).alpha;
    return -kCoulomb_eV_A * std::numbers::pi * q * q / (2 * volume * alpha * alpha);
  };
  CHECK(std::abs(background(12.0, 1e-8) - background(9.0, 1e-10)) > 1e-3);
}

TEST_CASE("Buckingham-Coulomb forces equal central finite differences of the energy") {
  const BuckinghamCoulomb pot(BuckinghamCoulombParameters::cspbx3_flama_initial());
  Structure s = distorted_vacancy_cell(11, 0.15);
  const EnergyForces ef = pot.compute(s);
  const double fscale = max_abs(ef.forces);
  CHECK(fscale > 0.1);  // distorted: forces are not small
  const double h = 1e-4;
  double worst = 0.0;
  for (int i : {0, 1, 2, 5, 17, 38}) {
    for (int k = 0; k < 3; ++k) {
      Structure p = s, m = s;
      p.positions(i, k) += h;
      m.positions(i, k) -= h;
      const double fd = -(pot.compute(p).energy - pot.compute(m).energy) / (2 * h);
      worst = std::max(worst, std::abs(fd - ef.forces(i, k)));
    }
  }
  CHECK(worst < 1e-6 * fscale);
}

TEST_CASE("Buckingham-Coulomb symmetries: translation, zero net force, perfect-lattice forces") {
  const BuckinghamCoulomb pot(BuckinghamCoulombParameters::cspbx3_flama_initial());
  Structure s = distorted_vacancy_cell(5, 0.1);
  const EnergyForces ef = pot.compute(s);
  CHECK(ef.forces.colwise().sum().norm() < 1e-8);
  Structure t = s;
  t.positions.rowwise() += Eigen::RowVector3d(0.37, -1.91, 4.4);
  CHECK(std::abs(pot.compute(t).energy - ef.energy) < 1e-9);

  CubicPerovskiteSpec spec;
  spec.repeats = {2, 2, 2};
  const EnergyForces perfect = pot.compute(build_cubic_perovskite(spec));
  CHECK(max_abs(perfect.forces) < 1e-9);
}

TEST_CASE("static cubic lattice constants match the values observed with this set") {
  // shared/data/reference_potential.md: a ≈ 6.20 Å (CsPbI3), 5.76 Å (CsPbBr3).
  const BuckinghamCoulomb pot(BuckinghamCoulombParameters::cspbx3_flama_initial());
  for (auto [x, a_expected] : {std::pair{"I", 6.20}, std::pair{"Br", 5.76}}) {
    CAPTURE(x);
    auto energy = [&](double a) {
      CubicPerovskiteSpec spec;
      spec.a = a;
      spec.repeats = {1, 1, 1};
      spec.x_species = {x};
      return pot.compute(build_cubic_perovskite(spec)).energy;
    };
    // Parabola through three points 0.02 Å apart around the expected minimum.
    const double h = 0.02, a0 = a_expected;
    const double em = energy(a0 - h), e0 = energy(a0), ep = energy(a0 + h);
    REQUIRE(em > e0);
    REQUIRE(ep > e0);
    const double a_min = a0 + h * (em - ep) / (2 * (em - 2 * e0 + ep));
    CHECK(a_min == Approx(a_expected).epsilon(0.01 / a_expected));
  }
}

TEST_CASE("Buckingham-Coulomb refuses unknown species and collapsed atoms") {
  const BuckinghamCoulomb pot(BuckinghamCoulombParameters::cspbx3_flama_initial());
  CubicPerovskiteSpec spec;
  spec.repeats = {1, 1, 1};
  spec.x_species = {"Cl"};
  CHECK_THROWS_WITH_AS(pot.compute(build_cubic_perovskite(spec)),
                       doctest::Contains("'Cl'"), hkmc::InputError);
  spec.x_species = {"I"};
  Structure s = build_cubic_perovskite(spec);
  s.positions.row(2) = s.positions.row(1) + Eigen::RowVector3d(0.5, 0, 0);
  CHECK_THROWS_WITH_AS(pot.compute(s), doctest::Contains("min_distance"), hkmc::RuntimeError);
}
