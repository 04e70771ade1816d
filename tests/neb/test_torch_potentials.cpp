// TorchScript adapters against the C++ reference potential.
#include <doctest/doctest.h>

#include <cmath>
#include <random>
#include <string>

#include "VacancyHop.hpp"
#include "hkmc/common/Error.hpp"
#include "hkmc/neb/BuckinghamCoulomb.hpp"
#include "hkmc/neb/PerovskiteCell.hpp"
#include "hkmc/neb/PotentialRegistry.hpp"
#include "hkmc/neb/TorchPotential.hpp"

using namespace hkmc::neb;

namespace {

const std::string kSource = HKMC_SOURCE_DIR;
const std::string kReference = kSource + "/inputs/potentials/cspbx3_buckingham_coulomb.pt";
const std::string kData = kSource + "/tests/neb/data/";

Structure rattled(const std::vector<std::string>& x, int n, double a, unsigned seed,
                  bool vacancy, bool shear) {
  CubicPerovskiteSpec spec;
  spec.a = a;
  spec.repeats = {n, n, n};
  spec.x_species = x;
  Structure s = build_cubic_perovskite(spec);
  if (vacancy) {
    s = make_vacancy_hop(s, x_atom_index(spec, 0, 0, 0, 0), x_atom_index(spec, 0, 0, 0, 1)).initial;
  }
  if (shear) {
    // A triclinic cell: tilt lattice vectors (positions follow the strain).
    Eigen::Matrix3d strain = Eigen::Matrix3d::Identity();
    strain(0, 1) = 0.04;
    strain(2, 0) = -0.03;
    s.cell = s.cell * strain;
    s.positions = s.positions * strain;
  }
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(-0.12, 0.12);
  for (Eigen::Index i = 0; i < s.positions.rows(); ++i) {
    s.positions.row(i) += Eigen::RowVector3d(u(rng), u(rng), u(rng));
  }
  return s;
}

// Relative agreement of energies, and of forces relative to the largest force.
void check_agree(const EnergyForces& a, const EnergyForces& b, double rel) {
  CHECK(std::abs(a.energy - b.energy) <= rel * std::abs(b.energy));
  const double fscale = max_abs(b.forces);
  CHECK(fscale > 0.05);  // not a trivially force-free configuration
  CHECK(max_abs(a.forces - b.forces) <= rel * fscale);
}

BuckinghamCoulomb uncharged_reference(double cutoff) {
  auto p = BuckinghamCoulombParameters::cspbx3_flama_initial();
  for (auto& [name, q] : p.charges) q = 0.0;
  p.buckingham_cutoff = cutoff;
  p.ewald_real_cutoff = cutoff;
  return BuckinghamCoulomb(p);
}

}  // namespace

TEST_CASE("TorchScript reference potential equals the C++ Buckingham-Coulomb to 1e-8") {
  const BuckinghamCoulomb cpp(BuckinghamCoulombParameters::cspbx3_flama_initial());
  const auto ts = TorchPotential::load(kReference);
  CHECK(ts->flavour() == TorchFlavour::Hkmc);
  CHECK(ts->cutoff() == 12.0);
  std::vector<std::string> mixed(81);
  for (std::size_t k = 0; k < mixed.size(); ++k) mixed[k] = (k * 7 % 3 == 0) ? "Br" : "I";
  const std::vector<Structure> cases = {
      rattled({"I"}, 2, 6.2, 1, true, false),    // charged vacancy cell
      rattled({"Br"}, 2, 5.76, 2, false, true),  // triclinic
      rattled(mixed, 3, 6.0, 3, true, false),    // I/Br mixture, 134 atoms
  };
  for (const auto& s : cases) {
    CAPTURE(s.size());
    check_agree(ts->compute(s), cpp.compute(s), 1e-8);
  }
}

TEST_CASE("batched TorchScript evaluation equals one call per structure") {
  const auto ts = TorchPotential::load(kReference);
  std::vector<Structure> images;
  for (unsigned k = 0; k < 3; ++k) images.push_back(rattled({"I"}, 2, 6.2, 10 + k, true, false));
  const long before = ts->model_calls();
  const auto batch = ts->compute_batch(images);
  CHECK(ts->model_calls() == before + 1);  // one model call for three images
  for (std::size_t k = 0; k < images.size(); ++k) {
    const auto one = ts->compute(images[k]);
    CHECK(batch[k].energy == doctest::Approx(one.energy).epsilon(1e-12));
    CHECK(max_abs(batch[k].forces - one.forces) < 1e-10);
  }
  CHECK(std::abs(batch[0].energy - batch[1].energy) > 1e-3);  // the images differ
}

TEST_CASE("NequIP- and MACE-interface models agree with the C++ pair potential") {
  const BuckinghamCoulomb cpp = uncharged_reference(7.0);
  struct Model {
    std::string file;
    TorchFlavour flavour;
    double rel;
  };
  for (const Model& m : {Model{"nequip_style_buckingham.pth", TorchFlavour::Nequip, 1e-10},
                         Model{"nequip_style_buckingham_float32.pth", TorchFlavour::Nequip, 1e-4},
                         Model{"mace_style_buckingham.pt", TorchFlavour::Mace, 1e-10}}) {
    CAPTURE(m.file);
    const auto pot = TorchPotential::load(kData + m.file);
    CHECK(pot->flavour() == m.flavour);
    CHECK(pot->cutoff() == doctest::Approx(7.0));
    std::vector<std::string> mixed(24);
    for (std::size_t k = 0; k < mixed.size(); ++k) mixed[k] = (k % 3 == 0) ? "I" : "Br";
    std::vector<Structure> images;
    for (unsigned k = 0; k < 3; ++k) images.push_back(rattled(mixed, 2, 6.0, 20 + k, false, false));
    const auto batch = pot->compute_batch(images);
    for (std::size_t k = 0; k < images.size(); ++k) {
      const auto ref = cpp.compute(images[k]);
      check_agree(pot->compute(images[k]), ref, m.rel);
      check_agree(batch[k], ref, m.rel);
    }
  }
}

TEST_CASE("TorchScript errors are clear") {
  using hkmc::InputError;
  using hkmc::RuntimeError;
  CHECK_THROWS_WITH_AS(TorchPotential::load(kData + "missing.pt"),
                       doctest::Contains("does not exist"), InputError);
  CHECK_THROWS_WITH_AS(TorchPotential::load(kData + "not_torchscript.pt"),
                       doctest::Contains("is not a TorchScript model"), InputError);
  const auto ts = TorchPotential::load(kReference);
  CubicPerovskiteSpec spec;
  spec.repeats = {2, 2, 2};
  spec.x_species = {"Cl"};
  CHECK_THROWS_WITH_AS(ts->compute(build_cubic_perovskite(spec)),
                       doctest::Contains("species 'Cl'"), InputError);
  spec.x_species = {"I"};
  spec.a = 0.62;  // nm typed for Å
  CHECK_THROWS_WITH_AS(ts->compute(build_cubic_perovskite(spec)),
                       doctest::Contains("too small"), InputError);
  spec.a = 6.2;
  const auto nan = TorchPotential::load(kData + "hkmc_nan.pt");
  CHECK_THROWS_WITH_AS(nan->compute(build_cubic_perovskite(spec)),
                       doctest::Contains("not finite"), RuntimeError);
  CHECK_THROWS_WITH_AS(make_potential(PotentialSpec{"lj", "", {}}),
                       doctest::Contains("buckingham_coulomb, torchscript"), InputError);
}

TEST_CASE("CI-NEB with the TorchScript reference reproduces the C++ barrier") {
  const BuckinghamCoulomb cpp(BuckinghamCoulombParameters::cspbx3_flama_initial());
  const auto ts = TorchPotential::load(kReference);
  const auto a = testing::vacancy_hop(cpp, "I", 6.2, 2);
  const auto b = testing::vacancy_hop(*ts, "I", 6.2, 2);
  REQUIRE(a.neb.converged);
  REQUIRE(b.neb.converged);
  CHECK(b.neb.barrier_forward == doctest::Approx(a.neb.barrier_forward).epsilon(1e-6));
  CHECK(b.neb.force_calls == a.neb.force_calls);  // same arithmetic, same trajectory
}
