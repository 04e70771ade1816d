// Interface permeability against results derived here, not from the code:
//
// 1. Homogeneous CsPbBr3, constant barrier, no Hamiltonian: every plane
//    normal to z is equivalent. The X sites lie on planes z = 0 (two sites a
//    cell, x- and y-type) and z = a/2 (one, z-type); of the 8 edge hops of a
//    z-type site all 8 change z by ±a/2, of an x- or y-type site 4 do. So
//    every gap between two site planes is spanned by 4 vertical bonds per
//    cell of area a². With constant barriers and ΔE = 0 the rates are
//    symmetric and the stationary distribution of N_v vacancies over the N
//    X sites is uniform: a bond has exactly one vacant end with probability
//    2 (N_v/N)(N - N_v)/(N - 1), and is then crossed at rate Γ = ν e^(-E/kT).
//    Crossings of one plane per unit time:
//        R = 4 n_x n_y · 2 c_v (N - N_v)/(N - 1) · Γ,   c_v = N_v/N,
//    for the vacancies and (the same hops) for Br, with zero net flux; and the
//    two "interfaces" of two identical layers have permeability 1.
// 2. CsPbI3 | CsPbBr3 with E_KRA rising with the Br count around the hop
//    (model provider): hops across the interface see a mixed environment,
//    slower than in the iodide and faster than in the bromide, so the
//    permeability against the iodide bulk is below 1 and against the
//    bromide bulk above 1 (at both interfaces, which differ: one joins an
//    iodide AX plane to a bromide BX2 plane, the other the reverse).
// Fixed seeds; tolerances are 4 standard errors over replicas.
#include <doctest/doctest.h>

#include <cmath>

#include "SpecHelpers.hpp"
#include "hkmc/common/Units.hpp"
#include "hkmc/kmc/Simulation.hpp"
#include "hkmc/kmc/Statistics.hpp"

using namespace hkmc;

namespace {

kmc::RunSpec layered_spec(std::map<std::string, double> lower, std::map<std::string, double> upper) {
  auto s = test::perovskite_spec(6.0, 4, {}, 4, 100000);
  s.lattice.supercell = {4, 4, 8};
  s.initial.type = "layers";
  s.initial.axis = 2;
  s.initial.layers = {{4, {std::move(lower)}, std::nullopt}, {4, {std::move(upper)}, std::nullopt}};
  s.composition = s.initial.layers[0].composition;
  s.kmc.replicas = 8;
  s.kmc.seed = 21;
  s.output.crossings = true;
  return s;
}

int entity(const kmc::CrossingStatistics& c, const std::string& name) {
  for (std::size_t e = 0; e < c.entities.size(); ++e)
    if (c.entities[e] == name) return static_cast<int>(e);
  FAIL("no entity " << name);
  return -1;
}

}  // namespace

TEST_CASE("homogeneous lattice: crossing rate of every plane equals 8 n_x n_y c_v (N-N_v)/(N-1) Γ, permeability 1") {
  auto spec = layered_spec({{"Br", 1.0}}, {{"Br", 1.0}});
  kmc::Simulation sim(spec);
  const auto stats = kmc::summarize(sim.run(), sim.model().species());
  const auto& c = stats.crossings;
  REQUIRE(c.axis == 2);
  REQUIRE(c.planes.size() == 16);
  REQUIRE(c.interfaces.size() == 2);

  const double kt = units::kBoltzmann_eV_per_K * spec.kmc.temperature_k;
  const double gamma = spec.barriers.attempt_frequency_hz * std::exp(-spec.barriers.e_kra_ev / kt);
  const double n = 3.0 * 4 * 4 * 8, nv = 4;
  const double per_plane_hz = 4 * 4 * 4 * 2 * (nv / n) * (n - nv) / (n - 1) * gamma;
  const double area_cm2 = 4 * 6.0 * 4 * 6.0 * 1e-16;
  const double expected = per_plane_hz / area_cm2;  // cm⁻² s⁻¹
  REQUIRE(c.area_A2 == doctest::Approx(4 * 6.0 * 4 * 6.0));

  for (const char* name : {"Br", "vacancy"}) {
    CAPTURE(name);
    const auto& mean = c.plane_mean[entity(c, name)];
    CAPTURE(mean.total_per_cm2_s.value);
    CAPTURE(mean.total_per_cm2_s.error);
    CAPTURE(expected);
    REQUIRE(mean.total_per_cm2_s.error > 0);
    CHECK(mean.total_per_cm2_s.error < 0.02 * expected);  // precise enough to mean something
    CHECK(std::abs(mean.total_per_cm2_s.value - expected) < 4 * mean.total_per_cm2_s.error);
    CHECK(std::abs(mean.net_per_cm2_s.value) < 4 * mean.net_per_cm2_s.error);
  }
  // Each interface and each bulk plane alone, and the permeability ratios.
  const int br = entity(c, "Br");
  for (const auto& layer : c.layers) {
    const auto& r = layer.rates[br].total_per_cm2_s;
    CHECK(std::abs(r.value - expected) < 4 * r.error);
  }
  for (const auto& in : c.interfaces) {
    CAPTURE(in.plane);
    for (const auto* p : {&in.permeability_vs_lower[br], &in.permeability_vs_upper[br]}) {
      CAPTURE(p->value);
      CAPTURE(p->error);
      REQUIRE(p->error > 0);
      CHECK(p->error < 0.1);
      CHECK(std::abs(p->value - 1.0) < 4 * p->error);
    }
  }
}

TEST_CASE("I | Br heterojunction with Br-raised barriers: the interface is slower than the iodide, faster than the bromide") {
  auto spec = layered_spec({{"I", 1.0}}, {{"Br", 1.0}});
  spec.barriers.provider = "model";
  spec.barriers.model_e0_ev = 0.2;
  spec.barriers.model_slopes_ev = {{"Br", 0.03}};  // E_KRA grows by 30 meV per Br ion around the hop
  spec.barriers.r_env_angstrom = 4.0;              // the two X sites nearest the hop midpoint
  spec.kmc.temperature_k = 400;
  // Short enough that the slabs stay unmixed (about 8 vacancy hops per site),
  // wide enough for many crossings per plane.
  spec.lattice.supercell = {8, 8, 8};
  spec.defects.vacancies = 16;
  spec.kmc.steps = 12000;
  spec.kmc.replicas = 32;
  kmc::Simulation sim(spec);
  const auto stats = kmc::summarize(sim.run(), sim.model().species());
  const auto& c = stats.crossings;
  REQUIRE(c.interfaces.size() == 2);
  const int vac = entity(c, "vacancy");
  // Not trivial: the bromide bulk is clearly slower than the iodide bulk.
  const auto& iodide = c.layers[0].rates[vac].total_per_cm2_s;
  const auto& bromide = c.layers[1].rates[vac].total_per_cm2_s;
  CAPTURE(iodide.value);
  CAPTURE(bromide.value);
  REQUIRE(bromide.value > 0);
  REQUIRE(iodide.value > 2 * bromide.value);
  for (const auto& in : c.interfaces) {
    CAPTURE(in.plane);
    // Interface 0 lies above layer 0 (iodide), interface 1 (periodic) above layer 1 (bromide).
    const auto& vs_iodide = in.lower_layer == 0 ? in.permeability_vs_lower[vac] : in.permeability_vs_upper[vac];
    const auto& vs_bromide = in.lower_layer == 0 ? in.permeability_vs_upper[vac] : in.permeability_vs_lower[vac];
    CAPTURE(vs_iodide.value);
    CAPTURE(vs_iodide.error);
    CAPTURE(vs_bromide.value);
    CAPTURE(vs_bromide.error);
    CHECK(vs_iodide.value + 4 * vs_iodide.error < 1.0);
    CHECK(vs_bromide.value - 4 * vs_bromide.error > 1.0);
  }
}
