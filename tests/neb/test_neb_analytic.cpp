// CI-NEB on the Müller–Brown surface (Müller & Brown, Theor. Chim. Acta 53,
// 75 (1979)), scaled by 1/100 so its curvatures suit FIRE's default time
// step. The exact saddles are found independently by Newton's method on the
// gradient.
#include <doctest/doctest.h>

#include <Eigen/Dense>
#include <cmath>

#include "hkmc/neb/Fire.hpp"
#include "hkmc/neb/Neb.hpp"

using namespace hkmc::neb;

namespace {

constexpr double kA[4] = {-200, -100, -170, 15};
constexpr double ka[4] = {-1, -1, -6.5, 0.7};
constexpr double kb[4] = {0, 0, 11, 0.6};
constexpr double kc[4] = {-10, -10, -6.5, 0.7};
constexpr double kx0[4] = {1, 0, -0.5, -1};
constexpr double ky0[4] = {0, 0.5, 1.5, 1};
constexpr double kScale = 0.01;

double mb_energy(double x, double y, Eigen::Vector2d* grad = nullptr) {
  double e = 0.0;
  Eigen::Vector2d g = Eigen::Vector2d::Zero();
  for (int k = 0; k < 4; ++k) {
    const double dx = x - kx0[k], dy = y - ky0[k];
    const double t = kScale * kA[k] * std::exp(ka[k] * dx * dx + kb[k] * dx * dy + kc[k] * dy * dy);
    e += t;
    g(0) += t * (2 * ka[k] * dx + kb[k] * dy);
    g(1) += t * (kb[k] * dx + 2 * kc[k] * dy);
  }
  if (grad) *grad = g;
  return e;
}

// One particle in the plane z = 0 (the z force is zero), not periodic.
class MullerBrown final : public Potential {
 public:
  EnergyForces compute(const Structure& s) const override {
    EnergyForces out;
    Eigen::Vector2d g;
    out.energy = mb_energy(s.positions(0, 0), s.positions(0, 1), &g);
    out.forces = Matrix3N::Zero(1, 3);
    out.forces(0, 0) = -g(0);
    out.forces(0, 1) = -g(1);
    return out;
  }
  double cutoff() const override { return 1.0; }
  std::vector<std::string> species() const override { return {"X"}; }
  std::string description() const override { return "Muller-Brown / 100"; }
};

Structure point(double x, double y) {
  Structure s;
  s.periodic = false;
  s.positions = Matrix3N::Zero(1, 3);
  s.positions(0, 0) = x;
  s.positions(0, 1) = y;
  s.symbols = {"X"};
  return s;
}

// Newton's method on ∇V = 0 with a finite-difference Hessian of the analytic
// gradient: converges to the stationary point nearest the guess, saddle or not.
Eigen::Vector2d stationary_point(Eigen::Vector2d p) {
  for (int it = 0; it < 100; ++it) {
    Eigen::Vector2d g;
    mb_energy(p(0), p(1), &g);
    Eigen::Matrix2d h;
    for (int k = 0; k < 2; ++k) {
      Eigen::Vector2d q = p, r = p, gq, gr;
      q(k) += 1e-6;
      r(k) -= 1e-6;
      mb_energy(q(0), q(1), &gq);
      mb_energy(r(0), r(1), &gr);
      h.col(k) = (gq - gr) / 2e-6;
    }
    p -= h.fullPivLu().solve(g);
  }
  return p;
}

}  // namespace

TEST_CASE("CI-NEB finds the exact Muller-Brown saddles") {
  const MullerBrown mb;
  FireOptions fire;
  fire.fmax = 1e-6;
  fire.max_step = 0.05;
  const Eigen::Vector2d min_a = stationary_point({-0.55, 1.44});
  const Eigen::Vector2d min_b = stationary_point({0.62, 0.03});
  const Eigen::Vector2d min_c = stationary_point({-0.05, 0.47});
  const Eigen::Vector2d saddle_ac = stationary_point({-0.82, 0.62});
  const Eigen::Vector2d saddle_cb = stationary_point({0.21, 0.29});
  // The literature values (to the printed digits), as a check on the Newton search.
  CHECK(saddle_ac(0) == doctest::Approx(-0.822).epsilon(0.002));
  CHECK(saddle_ac(1) == doctest::Approx(0.624).epsilon(0.002));
  CHECK(mb_energy(saddle_ac(0), saddle_ac(1)) / kScale == doctest::Approx(-40.665).epsilon(1e-4));

  struct Case {
    Eigen::Vector2d from, to, saddle;
  };
  for (const Case& c : {Case{min_a, min_c, saddle_ac}, Case{min_c, min_b, saddle_cb}}) {
    const auto a = relax(mb, point(c.from(0), c.from(1)), fire);
    const auto b = relax(mb, point(c.to(0), c.to(1)), fire);
    REQUIRE(a.converged);
    REQUIRE(b.converged);
    NebOptions opt;
    opt.n_images = 7;
    opt.fmax = 1e-4;
    opt.max_steps = 5000;
    opt.interpolation = Interpolation::Linear;
    opt.fire.max_step = 0.05;
    const NebResult r = run_neb(mb, a.structure, b.structure, opt);
    CHECK(r.converged);
    REQUIRE(r.climbing_image > 0);
    const auto& top = r.images[r.climbing_image].positions;
    const double e_saddle = mb_energy(c.saddle(0), c.saddle(1));
    CHECK(r.saddle_energy == doctest::Approx(e_saddle).epsilon(1e-6).scale(0));
    CHECK(std::abs(top(0, 0) - c.saddle(0)) < 1e-3);
    CHECK(std::abs(top(0, 1) - c.saddle(1)) < 1e-3);
    CHECK(r.barrier_forward == doctest::Approx(e_saddle - a.energy).epsilon(1e-6).scale(0));
    CHECK(r.barrier_backward == doctest::Approx(e_saddle - b.energy).epsilon(1e-6).scale(0));
    // Without climbing the highest image misses the saddle: the test is not trivial.
    opt.climb = false;
    const NebResult plain = run_neb(mb, a.structure, b.structure, opt);
    CHECK(std::abs(plain.saddle_energy - e_saddle) > 1e-5);
    MESSAGE("MB saddle ", c.saddle.transpose(), ": CI-NEB E = ", r.saddle_energy / kScale,
            " (exact ", e_saddle / kScale, "), ", r.force_calls, " force calls; plain NEB E = ",
            plain.saddle_energy / kScale);
  }
}
