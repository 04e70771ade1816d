// Drift, mobility, current and Nernst–Einstein estimators on displacement
// sums written by hand: every expected number is the arithmetic in the test.
#include <doctest/doctest.h>

#include <cmath>

#include "../Close.hpp"
#include "hkmc/common/Units.hpp"
#include "hkmc/kmc/Statistics.hpp"

using namespace hkmc;

namespace {

// Species codes: 0 empty, 1 "I" (2 ions, z = -1), 2 "Br" (1 ion, z = -1).
kmc::ReplicaResult replica(double duration_s, kmc::Vec3 sum_i, kmc::Vec3 sum_br, kmc::Vec3 sum_vac) {
  kmc::ReplicaResult r;
  r.populations.ions = {0, 2, 1};
  r.populations.defects = {1, 0};
  r.populations.charge_sq_sum = 3.0;
  r.conditions.volume_A3 = 1000.0;  // 10 Å cube
  r.conditions.field_v_per_angstrom = {0.0, 0.02, 0.0};
  r.conditions.temperature_k = 500.0;
  kmc::DiffusionMoments m;
  m.duration_s = duration_s;
  m.ion_r2 = {0, 0, 0};
  m.hop_length_sq = {0, 0, 0};
  m.hops = {0, 0, 0};
  m.ion_displacement = {kmc::Vec3{0, 0, 0}, sum_i, sum_br};
  m.defect_displacement = {sum_vac, kmc::Vec3{0, 0, 0}};
  for (int k = 0; k < 3; ++k) m.charge_displacement[k] = -(sum_i[k] + sum_br[k]);
  r.total = m;
  // Two blocks: the first holds the whole displacement over half the time, the second none.
  kmc::DiffusionMoments first = m, second = m;
  first.duration_s = second.duration_s = duration_s / 2;
  second.ion_displacement = {kmc::Vec3{0, 0, 0}, kmc::Vec3{0, 0, 0}, kmc::Vec3{0, 0, 0}};
  second.defect_displacement = {kmc::Vec3{0, 0, 0}, kmc::Vec3{0, 0, 0}};
  second.charge_displacement = {0, 0, 0};
  r.blocks = {first, second};
  return r;
}

}  // namespace

TEST_CASE("drift velocity, mobility, current density and conductivity from displacement sums") {
  // Replica A: in 2 s the two iodides moved Σ = (0, -8, 2) Å, the bromide (0, -2, 0) Å,
  // the vacancy (0, 10, -2) Å. Replica B: half of that in 2 s.
  const auto a = replica(2.0, {0, -8, 2}, {0, -2, 0}, {0, 10, -2});
  const auto b = replica(2.0, {0, -4, 1}, {0, -1, 0}, {0, 5, -1});
  lattice::SpeciesTable species({"I", "Br"});
  const auto s = kmc::summarize({a, b}, species);
  REQUIRE(s.species.size() == 2);
  REQUIRE(s.defects.size() == 1);

  // Iodide, per ion: A (0, -8, 2)/(2·2) = (0, -2, 0.5) Å/s, B (0, -1, 0.25) Å/s;
  // mean (0, -1.5, 0.375) Å/s = (0, -1.5e-8, 3.75e-9) cm/s; error of the mean
  // of two values: |A − B|/2 = (0, 0.5, 0.125) Å/s.
  const auto& vi = s.species[0].drift_velocity_cm_s;
  CHECK(vi[0].value == 0.0);
  CHECK(test::close_rel(vi[1].value, -1.5e-8, 1e-12));
  CHECK(test::close_rel(vi[2].value, 3.75e-9, 1e-12));
  CHECK(test::close_rel(vi[1].error, 0.5e-8, 1e-12));
  CHECK(test::close_rel(vi[2].error_replicas, 0.125e-8, 1e-12));
  // Blocks: A (0, -4, 1), (0, 0, 0); B (0, -2, 0.5), (0, 0, 0) Å/s. Along y: mean -1.5,
  // squared deviations 6.25 + 2.25 + 0.25 + 2.25 = 11, standard error sqrt(11 / (3·4)).
  CHECK(test::close_rel(vi[1].error_blocks, std::sqrt(11.0 / 12.0) * 1e-8, 1e-12));
  // Mobility along F = (0, 0.02, 0) V/Å = 2e6 V/cm: μ = v_y / |F| = -1.5e-8 / 2e6.
  CHECK(test::close_rel(s.species[0].mobility_cm2_v_s.value, -1.5e-8 / 2e6, 1e-12));
  // Bromide (one ion): A (0, -1, 0), B (0, -0.5, 0) Å/s.
  CHECK(test::close_rel(s.species[1].drift_velocity_cm_s[1].value, -0.75e-8, 1e-12));
  // Vacancy: A (0, 5, -1), B (0, 2.5, -0.5) Å/s: drifts with the field.
  CHECK(test::close_rel(s.defects[0].drift_velocity_cm_s[1].value, 3.75e-8, 1e-12));
  CHECK(test::close_rel(s.defects[0].mobility_cm2_v_s.value, 3.75e-8 / 2e6, 1e-12));

  // j = e Σ z ΔR / (V T): A Σ z ΔR = (0, 10, -2) Å over 2 s and 1000 Å³ = 1e-21 cm³:
  // (0, 5, -1) Å/s · 1e-8 cm/Å · e / 1e-21 cm³; B half of it; mean 0.75 × A.
  const double e = units::kElementaryCharge_C;
  const double jy = 0.75 * 5 * 1e-8 * e / 1e-21;  // A/cm²
  CHECK(test::close_rel(s.current_density_a_cm2[1].value, jy, 1e-12));
  CHECK(test::close_rel(s.current_density_a_cm2[2].value, -jy / 5, 1e-12));
  // The same from the species: j = Σ_s q_s n_s v_s with n_s = N_s / V.
  const double n_i = 2 / 1e-21, n_br = 1 / 1e-21;
  const double j_species = -1 * n_i * e * s.species[0].drift_velocity_cm_s[1].value +
                           -1 * n_br * e * s.species[1].drift_velocity_cm_s[1].value;
  CHECK(test::close_rel(s.current_density_a_cm2[1].value, j_species, 1e-12));
  // σ = j·F̂/|F| > 0: positive charge current along the field.
  CHECK(test::close_rel(s.conductivity_s_cm.value, jy / 2e6, 1e-12));

  // Nernst–Einstein: D_σ = |Σ z ΔR|²/(6 T Σz²): A (100 + 4)/(6·2·3) Å²/s, B a quarter of it.
  // σ_NE = e (Σz²/V) D_σ / (k_B T) with Σz²/V = 3 / 1e-21 cm⁻³ and k_B T in eV.
  const double d_sigma = (104.0 / 36.0 + 26.0 / 36.0) / 2 * 1e-16;  // cm²/s
  CHECK(test::close_rel(s.charge_d_cm2_s.value, d_sigma, 1e-12));
  const double kt = units::kBoltzmann_eV_per_K * 500.0;
  CHECK(test::close_rel(s.nernst_einstein_conductivity_s_cm.value, e * 3 / 1e-21 * d_sigma / kt, 1e-12));
}

TEST_CASE("without a field, mobility and conductivity are undefined, drift and current are not") {
  auto a = replica(1.0, {1, 0, 0}, {0, 0, 0}, {-1, 0, 0});
  auto b = replica(1.0, {3, 0, 0}, {0, 0, 0}, {-3, 0, 0});
  a.conditions.field_v_per_angstrom = b.conditions.field_v_per_angstrom = {0, 0, 0};
  const auto s = kmc::summarize({a, b}, lattice::SpeciesTable({"I", "Br"}));
  CHECK(std::isnan(s.species[0].mobility_cm2_v_s.value));
  CHECK(std::isnan(s.conductivity_s_cm.value));
  CHECK(test::close_rel(s.species[0].drift_velocity_cm_s[0].value, 0.5 * (0.5 + 1.5) * 1e-8, 1e-12));
  CHECK(std::isfinite(s.current_density_a_cm2[0].value));
  CHECK(std::isfinite(s.nernst_einstein_conductivity_s_cm.value));
}
