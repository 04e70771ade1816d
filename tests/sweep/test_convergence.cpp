// The half-run convergence check on synthetic block moments, where the
// first- and second-half D are known by construction.
#include <doctest/doctest.h>

#include <cmath>

#include "../Close.hpp"
#include "hkmc/common/Error.hpp"
#include "hkmc/sweep/PointResult.hpp"

using namespace hkmc;
using hkmc::test::close_rel;

namespace {

constexpr std::int64_t kIons = 100, kVacancies = 5;

// A block of 1 s in which the tracer D of `code` is d_ion and the vacancy D
// is d_vac (both Å²/s): Σ|ΔR|² = 6 N D T.
kmc::DiffusionMoments block(int codes, int code, double d_ion, double d_vac) {
  kmc::DiffusionMoments m;
  m.duration_s = 1.0;
  m.ion_r2.assign(codes, 0.0);
  m.hop_length_sq.assign(codes, 0.0);
  m.hops.assign(codes, 0);
  m.ion_r2[code] = 6.0 * kIons * d_ion;
  m.defect_r2[0] = 6.0 * kVacancies * d_vac;
  return m;
}

// Replicas whose blocks have D = first(r) in the first half and second(r) in
// the second (the middle block of an odd count gets `middle`).
std::vector<kmc::ReplicaResult> replicas(int count, int blocks, int codes, int code, double (*first)(int),
                                         double (*second)(int), double middle = 0.0) {
  std::vector<kmc::ReplicaResult> out(count);
  for (int r = 0; r < count; ++r) {
    auto& rep = out[r];
    rep.replica = r;
    rep.populations.ions.assign(codes, 0);
    rep.populations.ions[code] = kIons;
    rep.populations.defects = {kVacancies, 0};
    for (int b = 0; b < blocks; ++b) {
      double d = b < blocks / 2 ? first(r) : second(r);
      if (blocks % 2 == 1 && b == blocks / 2) d = middle;
      rep.blocks.push_back(block(codes, code, d, d));
    }
    rep.total = sweep::sum_moments(rep.blocks, 0, blocks);
  }
  return out;
}

}  // namespace

TEST_CASE("a drifting D is flagged, a steady one is not") {
  const lattice::SpeciesTable species({"Br"});
  const int code = species.code("Br"), codes = species.size() + 1;
  const double to_cm2 = 1e-16;
  SUBCASE("steady: halves equal in every replica") {
    const auto reps = replicas(4, 10, codes, code, [](int r) { return 1.0 + 0.01 * r; },
                               [](int r) { return 1.0 + 0.01 * r; });
    const auto p = sweep::make_point_result(reps, species);
    REQUIRE(p.species.size() == 1);
    REQUIRE(p.defects.size() == 1);
    CHECK(p.max_half_difference_sigmas() == 0.0);
    CHECK(p.converged() == 1);
  }
  SUBCASE("drift: D halves from the first to the second half") {
    // First halves 2(1 + 0.01 r), r = 0..3: mean 2.03, sample sd 0.02 sqrt(5/3),
    // standard error 0.01 sqrt(5/3); second halves: half of both.
    const auto reps = replicas(4, 10, codes, code, [](int r) { return 2.0 * (1 + 0.01 * r); },
                               [](int r) { return 1.0 + 0.01 * r; });
    const auto p = sweep::make_point_result(reps, species);
    const auto& br = p.species.front();
    CHECK(close_rel(br.first_half_d_cm2_s.value, 2.03 * to_cm2, 1e-12));
    CHECK(close_rel(br.first_half_d_cm2_s.error, 0.01 * std::sqrt(5.0 / 3) * to_cm2, 1e-9));
    CHECK(close_rel(br.second_half_d_cm2_s.value, 1.015 * to_cm2, 1e-12));
    const double sigma = std::sqrt(1.25) * 0.01 * std::sqrt(5.0 / 3);
    CHECK(close_rel(br.half_difference_sigmas(), 1.015 / sigma, 1e-9));
    // Whole-run D is the mean of the two halves.
    CHECK(close_rel(br.d_cm2_s.value, 1.5225 * to_cm2, 1e-12));
    CHECK(p.converged() == 0);
  }
  SUBCASE("a difference just inside and just outside 2 sigma") {
    // Two replicas: first halves 1 ± 0.1 → mean 1, se 0.1; second halves
    // c ± 0.1 → se 0.1; σ = 0.1 √2 = 0.1414; threshold |1 - c| = 0.2828.
    static double shift = 0.0;
    auto first = [](int r) { return r == 0 ? 0.9 : 1.1; };
    auto second = [](int r) { return (r == 0 ? 0.9 : 1.1) + shift; };
    shift = 0.27;
    CHECK(sweep::make_point_result(replicas(2, 4, codes, code, first, second), species).converged() == 1);
    shift = 0.29;
    CHECK(sweep::make_point_result(replicas(2, 4, codes, code, first, second), species).converged() == 0);
  }
  SUBCASE("an odd block count leaves out the middle block") {
    const auto reps = replicas(3, 5, codes, code, [](int r) { return 1.0 + 0.01 * r; },
                               [](int r) { return 1.0 + 0.01 * r; }, 99.0);
    const auto p = sweep::make_point_result(reps, species);
    CHECK(close_rel(p.species.front().first_half_d_cm2_s.value, 1.01 * to_cm2, 1e-12));
    CHECK(close_rel(p.species.front().second_half_d_cm2_s.value, 1.01 * to_cm2, 1e-12));
    CHECK(p.converged() == 1);
  }
  SUBCASE("one replica: errors from the blocks of each half; one block: unchecked") {
    const auto reps = replicas(1, 4, codes, code, [](int) { return 3.0; }, [](int) { return 1.0; });
    const auto p = sweep::make_point_result(reps, species);
    // Both blocks of a half are equal: zero spread, so the difference cannot be weighed.
    CHECK(std::isnan(p.species.front().half_difference_sigmas()));
    CHECK(p.converged() == -1);
    const auto one = sweep::make_point_result(replicas(3, 1, codes, code, [](int) { return 1.0; },
                                                       [](int) { return 1.0; }),
                                              species);
    CHECK(std::isnan(one.species.front().first_half_d_cm2_s.value));
    CHECK(one.converged() == -1);
  }
}

TEST_CASE("a point result survives the JSON round trip bit for bit") {
  const lattice::SpeciesTable species({"Br"});
  const int code = species.code("Br"), codes = species.size() + 1;
  auto p = sweep::make_point_result(replicas(3, 10, codes, code, [](int r) { return 1.0 / (3.0 + r); },
                                             [](int r) { return 0.1 + 1e-7 * r; }),
                                    species);
  p.index = 7;
  p.parameters = {{"kmc.temperature", "350"}, {"composition.Br", "0.1"}};
  p.input_toml = "[kmc]\ntemperature = 350\n";
  p.seed = 9;
  sweep::CrossingRow row;
  row.kind = "interface";
  row.index = 1;
  row.position_A = 95.76;
  row.lower_layer = 1, row.upper_layer = 0;
  row.entity = "Br";
  row.rate_per_cm2_s.value = 3.4530277401910942e+22, row.rate_per_cm2_s.error = 5.3e21;
  row.permeability_vs_upper.value = 0.6974582288033933, row.permeability_vs_upper.error = 0.13;
  p.crossings.push_back(row);
  const std::string text = sweep::to_json(p);
  const auto back = sweep::point_from_json(text, "test");
  CHECK(sweep::to_json(back) == text);
  REQUIRE(back.crossings.size() == 1);
  CHECK(back.crossings[0].permeability_vs_upper.value == row.permeability_vs_upper.value);
  CHECK(back.crossings[0].upper_layer == 0);
  CHECK(std::isnan(back.crossings[0].permeability_vs_lower.value));

  // A format-2 point file (older sweeps) is still read, without crossings.
  std::string old_format = text;
  old_format.replace(old_format.find("\"format_version\": 3"), 19, "\"format_version\": 2");
  CHECK(sweep::point_from_json(old_format, "old").crossings.empty());
  CHECK(back.species.front().d_cm2_s.value == p.species.front().d_cm2_s.value);
  CHECK(std::isnan(back.charge_d_cm2_s.value));  // NaN travels as null
  CHECK_THROWS_WITH_AS(sweep::point_from_json("{}", "bad.json"), doctest::Contains("bad.json"), RuntimeError);
}
