// The NEB cell builder and barrier record for environment keys
// (HopBarrier.hpp): construction rules derived by hand, canonical form and
// covariance, pure-function records, the bulk limit against the plain vacancy
// hop, and the 3c interstitial's instability with the reference potential.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <tuple>

#include "HopRequestSupport.hpp"
#include "VacancyHop.hpp"
#include "hkmc/common/Error.hpp"
#include "hkmc/neb/BuckinghamCoulomb.hpp"

using namespace hkmc::neb;
using hkmc::InputError;

namespace {

std::map<std::string, int> count_symbols(const Structure& s) {
  std::map<std::string, int> out;
  for (const auto& e : s.symbols) ++out[e];
  return out;
}

// Atoms as (symbol, position relative to the midpoint rotated by R, in
// quarters of a, wrapped into the cell): equal for two cells that are images
// of each other under R plus a lattice translation.
std::vector<std::tuple<std::string, int, int, int>> canonical_atoms(const HopEndpointsBuilt& b,
                                                                    const Structure& s,
                                                                    const Eigen::Matrix3i& r) {
  const int n4 = static_cast<int>(std::lround(4 * s.cell(0, 0) / b.a));
  std::vector<std::tuple<std::string, int, int, int>> out;
  for (Eigen::Index i = 0; i < s.positions.rows(); ++i) {
    const Eigen::Vector3d rel = (s.positions.row(i).transpose() - b.midpoint) / b.a;
    Eigen::Vector3i q = r * Eigen::Vector3i((4.0 * rel).array().round().cast<int>());
    for (int d = 0; d < 3; ++d) q[d] = ((q[d] % n4) + n4) % n4;
    out.emplace_back(s.symbols[i], q[0], q[1], q[2]);
  }
  std::sort(out.begin(), out.end());
  return out;
}

// `b` is `a` seen through a symmetry operation (possibly reversed): both
// must have one canonical form, field by field, and build cells that are
// images of each other in the canonical frame. Returns whether their
// canonical forms run the hop in opposite directions.
bool check_canonical_image(const HopRequest& a, const HopRequest& b) {
  const CanonicalHop ca = canonical_hop(a), cb = canonical_hop(b);
  const HopRequest &x = ca.request, &y = cb.request;
  CHECK(y.kind == x.kind);
  CHECK(y.midpoint == x.midpoint);
  CHECK(y.origin == x.origin);
  CHECK(y.target == x.target);
  CHECK(y.via == x.via);
  CHECK(y.environment == x.environment);
  CHECK(y.environment_species == x.environment_species);
  CHECK(y.moving == x.moving);
  CHECK(y.pushed == x.pushed);
  CHECK(y.pair_origin == x.pair_origin);
  CHECK(y.pair_target == x.pair_target);
  CHECK(y.partner == x.partner);
  // Both cells, seen in the canonical frame, hold the same atoms at the same places.
  const HopEndpointsBuilt built_a = build_hop_cell(a, HopCellRule{});
  const HopEndpointsBuilt built_b = build_hop_cell(b, HopCellRule{});
  const Structure& ini_b = cb.reversed != ca.reversed ? built_b.final_state : built_b.initial;
  CHECK(canonical_atoms(built_a, built_a.initial, ca.rotation) == canonical_atoms(built_b, ini_b, cb.rotation));
  CHECK(built_a.a == built_b.a);
  return cb.reversed != ca.reversed;
}

void check_identical(const HopBarrierRecord& a, const HopBarrierRecord& b) {
  CHECK(a.status == b.status);
  CHECK(a.message == b.message);
  CHECK(a.e_forward == b.e_forward);
  CHECK(a.e_backward == b.e_backward);
  CHECK(a.e_kra == b.e_kra);
  CHECK(a.delta_e == b.delta_e);
  CHECK(a.image_energies == b.image_energies);
  CHECK(a.force_calls == b.force_calls);
  CHECK(a.attempts == b.attempts);
  CHECK(a.lattice_constant == b.lattice_constant);
}

// A mixed environment within r_env = 0.8 a (fits a 2x2x2 cell: sites stay
// distinct within half the cell, 1 a) with no symmetry that reverses the hop,
// and its reversed symmetry image.
std::pair<HopRequest, HopRequest> asymmetric_pair() {
  for (unsigned seed = 1; seed < 100; ++seed) {
    const HopRequest a = testing::vacancy_edge_request(0.8, 0.5, seed, "I");
    const HopRequest b =
        testing::transformed(a, testing::signed_permutation(29), Eigen::Vector3i(1, 0, -1), true, 3);
    if (canonical_hop(a).reversed != canonical_hop(b).reversed) return {a, b};
  }
  throw std::logic_error("no asymmetric environment found");
}

}  // namespace

TEST_CASE("hop cell: fill composition, Vegard lattice constant and the hop atoms, derived by hand") {
  HopRequest r;
  r.kind = HopKind::Vacancy;
  r.midpoint = {0.25, 0.25, 0.0};   // vacancy X(1/2,0,0), mover X(0,1/2,0)
  r.origin = {0.25, -0.25, 0.0};
  r.target = {-0.25, 0.25, 0.0};
  r.moving = "Br";
  r.environment = {{-0.25, -0.25, 0.5}, {-0.25, -0.25, -0.5}, {0.25, 0.75, 0.0}, {0.75, 0.25, 0.0},
                   {-0.75, -0.25, 0.0}};
  r.environment_species = {"I", "I", "I", "Br", ""};
  const HopCellRule rule;  // 3x3x3, I 6.20 A, Br 5.76 A
  const HopEndpointsBuilt b = build_hop_cell(r, rule);
  // 81 X sites: 2 hop sites, 5 environment sites (one vacant), 74 filled with
  // the environment's X composition I:Br = 3:1 by the largest-deficit rule,
  // whose sequence is I, Br (tie, alphabetical), I, I, ... with period 4:
  // 18 periods + (I, Br) = 55 I + 19 Br.
  const auto counts = count_symbols(b.initial);
  CHECK(counts.at("Cs") == 27);
  CHECK(counts.at("Pb") == 27);
  CHECK(counts.at("I") == 3 + 55);
  CHECK(counts.at("Br") == 1 + 19 + 1);  // environment, fill, the mover
  CHECK(b.initial.size() == 27 + 27 + 79);
  CHECK(b.a == doctest::Approx((58 * 6.20 + 21 * 5.76) / 79.0).epsilon(1e-14));
  CHECK(b.initial.cell.isApprox(Cell::Identity() * 3 * b.a));
  REQUIRE(b.moving_atom >= 0);
  CHECK(b.initial.symbols[b.moving_atom] == "Br");
  CHECK(b.pushed_atoms.empty());
  // Only the mover differs between the end states, by origin - target.
  const Matrix3N diff = b.final_state.positions - b.initial.positions;
  CHECK(diff.row(b.moving_atom).isApprox(Eigen::RowVector3d(0.5, -0.5, 0.0) * b.a));
  CHECK(diff.norm() == doctest::Approx(std::sqrt(0.5) * b.a));
  // The environment site (3/4, 1/4, 0) from the midpoint holds Br, the vacant
  // one (-3/4, -1/4, 0) nothing.
  auto occupant = [&](const Eigen::Vector3d& rel) {
    for (Eigen::Index i = 0; i < b.initial.positions.rows(); ++i) {
      const Eigen::Vector3d d = minimum_image(
          b.initial.positions.row(i).transpose() - (b.midpoint + rel * b.a), b.initial.cell);
      if (d.norm() < 1e-9) return b.initial.symbols[i];
    }
    return std::string("(none)");
  };
  CHECK(occupant({0.75, 0.25, 0.0}) == "Br");
  CHECK(occupant({-0.25, -0.25, 0.5}) == "I");
  CHECK(occupant({-0.75, -0.25, 0.0}) == "(none)");
  CHECK(occupant(r.origin) == "(none)");
  CHECK(occupant(r.target) == "Br");
  // Midpoint near the cell centre (3/2, 3/2, 3/2) a: shifted by (1, 1, 1) or (1, 1, 2).
  CHECK((b.midpoint / b.a - Eigen::Vector3d(1.5, 1.5, 1.5)).cwiseAbs().maxCoeff() <= 0.5);
}

TEST_CASE("hop cell: an environment of one species equals the empty environment filled with the mover") {
  HopRequest empty = testing::vacancy_edge_request(1.0, 1.0, 1);  // every X site Br
  const HopEndpointsBuilt full = build_hop_cell(empty, HopCellRule{});
  REQUIRE(empty.environment.size() == 25);  // 10 X + 15 3c sites within a
  empty.environment.clear();
  empty.environment_species.clear();
  const HopEndpointsBuilt bare = build_hop_cell(empty, HopCellRule{});
  CHECK(full.initial.symbols == bare.initial.symbols);
  CHECK(full.initial.positions == bare.initial.positions);
  CHECK(full.final_state.positions == bare.final_state.positions);
  CHECK(full.a == 5.76);
  CHECK(count_symbols(full.initial).at("Br") == 80);
  CHECK(count_symbols(full.initial).count("I") == 0);
}

TEST_CASE("hop cell: impossible requests are refused with a message that says why") {
  HopCellRule rule;
  rule.repeats = 2;
  HopRequest r = testing::vacancy_edge_request(0.0, 1.0, 1);
  r.environment = {r.origin + Eigen::Vector3d(2, 0, 0)};  // the origin's periodic image in a 2x2x2 cell
  r.environment_species = {"I"};
  CHECK_THROWS_WITH_AS(build_hop_cell(r, rule),
                       doctest::Contains("origin and environment[0] land on the same site of the 2x2x2"),
                       InputError);
  CHECK_THROWS_WITH_AS(build_hop_cell(r, rule), doctest::Contains("r_env too large for the cell"),
                       InputError);
  rule.repeats = 3;
  CHECK_NOTHROW(build_hop_cell(r, rule));

  HopRequest off = testing::vacancy_edge_request(0.0, 1.0, 1);
  off.environment = {{0.1, 0.0, 0.0}};
  off.environment_species = {"I"};
  CHECK_THROWS_WITH_AS(build_hop_cell(off, rule), doctest::Contains("environment[0]"), InputError);
  off.environment = {{0.25, 0.25, 0.5}};  // absolute (1/2, 1/2, 1/2): the A site
  CHECK_THROWS_WITH_AS(build_hop_cell(off, rule), doctest::Contains("an A (Cs) site"), InputError);

  HopRequest cl = testing::vacancy_edge_request(0.0, 1.0, 1, "Cl");
  CHECK_THROWS_WITH_AS(build_hop_cell(cl, rule),
                       doctest::Contains("element 'Cl' has no lattice constant in the cell rule (known: Br, I)"),
                       InputError);

  HopRequest wrong = testing::interstitial_request(0.0, 1.0, 1);
  wrong.kind = HopKind::Vacancy;
  CHECK_THROWS_WITH_AS(build_hop_cell(wrong, rule),
                       doctest::Contains("origin at (0, 0.5, 0.5)"), InputError);
  CHECK_THROWS_WITH_AS(build_hop_cell(wrong, rule),
                       doctest::Contains("a vacancy hop runs between two X sites"), InputError);

  HopRequest species = testing::vacancy_edge_request(1.0, 1.0, 1);
  species.environment_species.pop_back();
  CHECK_THROWS_WITH_AS(build_hop_cell(species, rule), doctest::Contains("25 environment sites but 24"),
                       InputError);
}

TEST_CASE("canonical form: symmetry images share it, and the cells built in their own orientation are images") {
  for (const HopRequest& a : {testing::vacancy_edge_request(1.0, 0.5, 11), testing::interstitial_request(1.0, 0.4, 12)}) {
    CAPTURE(to_string(a.kind));
    const CanonicalHop ca = canonical_hop(a);
    // A canonical request is its own canonical form.
    const CanonicalHop cc = canonical_hop(ca.request);
    CHECK(cc.rotation == Eigen::Matrix3i::Identity());
    CHECK_FALSE(cc.reversed);
    int differing = 0;
    for (int op : {0, 5, 13, 22, 31, 47}) {
      for (bool reverse : {false, true}) {
        CAPTURE(op);
        CAPTURE(reverse);
        const Eigen::Matrix3i rot = testing::signed_permutation(op);
        const HopRequest b = testing::transformed(a, rot, Eigen::Vector3i(op % 3, -1, 2), reverse, op + 1);
        check_canonical_image(a, b);
        differing += b.environment != a.environment;
      }
    }
    CHECK(differing > 0);  // the images were not trivially the same request
  }
  // A different environment has a different canonical form.
  CHECK(canonical_hop(testing::vacancy_edge_request(1.0, 0.5, 11)).request.environment_species !=
        canonical_hop(testing::vacancy_edge_request(1.0, 0.5, 99)).request.environment_species);
}

TEST_CASE("barrier record: a pure function of the request, and of the key in the canonical frame") {
  const BuckinghamCoulomb pot(BuckinghamCoulombParameters::cspbx3_flama_initial());
  HopBarrierSettings settings;
  settings.cell.repeats = 2;
  const auto [a, b] = asymmetric_pair();
  const HopBarrierRecord r1 = compute_hop_barrier(pot, a, settings);
  const HopBarrierRecord r2 = compute_hop_barrier(pot, a, settings);
  REQUIRE(r1.usable());
  check_identical(r1, r2);
  CHECK(r1.e_kra == doctest::Approx(0.5 * (r1.e_forward + r1.e_backward)));
  CHECK(r1.e_forward - r1.e_backward == doctest::Approx(r1.delta_e));
  CHECK(std::abs(r1.delta_e) > 1e-3);  // an asymmetric environment: a real test of the reversal below
  CHECK(r1.image_energies.front() == 0.0);
  CHECK(r1.image_energies.back() == doctest::Approx(r1.delta_e));
  CHECK(r1.attempts >= 1);
  CHECK(r1.force_calls > 0);

  // The reversed symmetry image: the same numbers with forward and backward swapped.
  const HopBarrierRecord rb = compute_hop_barrier(pot, b, settings);
  CHECK(rb.status == r1.status);
  CHECK(rb.e_kra == r1.e_kra);
  CHECK(rb.e_forward == r1.e_backward);
  CHECK(rb.e_backward == r1.e_forward);
  CHECK(rb.delta_e == -r1.delta_e);
  CHECK(rb.force_calls == r1.force_calls);
}

TEST_CASE("barrier record: the empty environment in 3x3x3 CsPbBr3 is the plain V_Br hop of halide-kmc neb") {
  const BuckinghamCoulomb pot(BuckinghamCoulombParameters::cspbx3_flama_initial());
  const auto plain = testing::vacancy_hop(pot, "Br", 5.76, 3);
  REQUIRE(plain.neb.converged);
  for (bool canonical : {true, false}) {
    CAPTURE(canonical);
    HopBarrierSettings settings;
    settings.canonical_frame = canonical;
    const HopBarrierRecord r = compute_hop_barrier(pot, testing::vacancy_edge_request(0.0, 1.0, 1), settings);
    REQUIRE(r.usable());
    CHECK(r.lattice_constant == 5.76);
    CHECK(std::abs(r.e_kra - plain.neb.e_kra) < 1e-3);
    CHECK(std::abs(r.e_forward - r.e_backward) < 2e-3);  // symmetric environment
    CHECK(std::abs(r.delta_e) < 2e-3);
    CHECK(r.e_kra > 0.3);
    CHECK(r.attempts == 1);
    MESSAGE("3x3x3 V_Br, empty environment: E_KRA = ", r.e_kra, " eV (plain hop ", plain.neb.e_kra,
            " eV), ", r.force_calls, " force calls, ", r.wall_seconds, " s");
  }
}

TEST_CASE("barrier record: the 3c interstitial site is a saddle of the reference potential (BasinChange)") {
  const BuckinghamCoulomb pot(BuckinghamCoulombParameters::cspbx3_flama_initial());
  HopBarrierSettings settings;
  const HopBarrierRecord r = compute_hop_barrier(pot, testing::interstitial_request(0.0, 1.0, 1), settings);
  CHECK(r.status == HopBarrierStatus::BasinChange);
  CHECK_FALSE(r.usable());
  CHECK(r.message.find("not a minimum") != std::string::npos);
  MESSAGE("Br_i at 3c, 3x3x3 CsPbBr3: ", r.message);
  // Without the probe the symmetric 3c end states pass and the NEB path
  // runs through the lower split-interstitial minimum: still not usable.
  settings.probe_displacement = 0.0;
  settings.max_attempts = 1;
  const HopBarrierRecord unprobed =
      compute_hop_barrier(pot, testing::interstitial_request(0.0, 1.0, 1), settings);
  CHECK(unprobed.status == HopBarrierStatus::BelowEndpoint);
  CHECK(unprobed.message.find("intermediate image") != std::string::npos);
}

TEST_CASE("settings: describe() names every field that changes the result; bad values are refused") {
  HopBarrierSettings s;
  const std::string base = s.describe();
  CHECK(base.find("repeats=3") != std::string::npos);
  CHECK(base.find("lattice_constant[Br=5.76,I=6.2]") != std::string::npos);
  auto changed = [&](auto mutate) {
    HopBarrierSettings t;
    mutate(t);
    return t.describe() != base;
  };
  CHECK(changed([](auto& t) { t.cell.repeats = 4; }));
  CHECK(changed([](auto& t) { t.cell.lattice_constant["I"] = 6.3; }));
  CHECK(changed([](auto& t) { t.cell.a_site = "Rb"; }));
  CHECK(changed([](auto& t) { t.neb.fmax = 0.03; }));
  CHECK(changed([](auto& t) { t.neb.n_images = 7; }));
  CHECK(changed([](auto& t) { t.neb.interpolation = Interpolation::Linear; }));
  CHECK(changed([](auto& t) { t.neb.spring = 0.2; }));
  CHECK(changed([](auto& t) { t.neb.climb = false; }));
  CHECK(changed([](auto& t) { t.neb.fire.max_step = 0.1; }));
  CHECK(changed([](auto& t) { t.relax.fmax = 0.02; }));
  CHECK(changed([](auto& t) { t.basin_tolerance = 0.3; }));
  CHECK(changed([](auto& t) { t.probe_displacement = 0.1; }));
  CHECK(changed([](auto& t) { t.probe_drop = 0.02; }));
  CHECK(changed([](auto& t) { t.canonical_frame = false; }));
  CHECK(changed([](auto& t) { t.max_attempts = 1; }));
  HopBarrierSettings bad;
  bad.basin_tolerance = 0.0;
  CHECK_THROWS_WITH_AS(bad.validate(), doctest::Contains("basin_tolerance = 0"), InputError);
  bad = HopBarrierSettings{};
  bad.cell.lattice_constant["Br"] = -1;
  CHECK_THROWS_WITH_AS(bad.validate(), doctest::Contains("lattice_constant[Br] = -1"), InputError);
}

TEST_CASE("hop cell options: a fixed lattice constant and a fixed fill composition, derived by hand") {
  HopRequest r;
  r.kind = HopKind::Vacancy;
  r.midpoint = {0.25, 0.25, 0.0};
  r.origin = {0.25, -0.25, 0.0};
  r.target = {-0.25, 0.25, 0.0};
  r.moving = "Br";
  r.environment = {{-0.25, -0.25, 0.5}, {-0.25, -0.25, -0.5}, {0.25, 0.75, 0.0}, {0.75, 0.25, 0.0},
                   {-0.75, -0.25, 0.0}};
  r.environment_species = {"Br", "Br", "Br", "Br", ""};
  HopCellRule rule;
  rule.fixed_lattice_constant = 6.0;
  rule.fill_composition = {{"I", 0.75}, {"Br", 0.25}};
  const HopEndpointsBuilt b = build_hop_cell(r, rule);
  // 74 outside X sites filled I:Br = 3:1 whatever the (all-Br) environment:
  // largest deficit gives I, Br (tie 0.5/0.5, alphabetical), I, I, ... =
  // 18 periods + (I, Br) = 55 I + 19 Br.
  const auto counts = count_symbols(b.initial);
  CHECK(counts.at("I") == 55);
  CHECK(counts.at("Br") == 4 + 19 + 1);  // environment, fill, the mover
  CHECK(b.a == 6.0);                     // not Vegard's (55·6.20 + 24·5.76)/79
  CHECK(b.initial.cell.isApprox(Cell::Identity() * 18.0));
  // Without the options: the environment's composition (all Br) and Vegard.
  const HopEndpointsBuilt plain = build_hop_cell(r, HopCellRule{});
  CHECK(count_symbols(plain.initial).count("I") == 0);
  CHECK(plain.a == 5.76);
}

TEST_CASE("embedded cell: atoms beyond relax_radius stay on their ideal sites in every structure") {
  const BuckinghamCoulomb pot(BuckinghamCoulombParameters::cspbx3_flama_initial());
  HopBarrierSettings s;
  s.relax_radius = 1.0;
  s.cell.fixed_lattice_constant = 5.98;
  s.cell.fill_composition = {{"Br", 0.5}, {"I", 0.5}};
  const HopRequest req = testing::vacancy_edge_request(1.0, 0.5, 1, "Br");
  HopBarrierTrace trace;
  const HopBarrierRecord rec = compute_hop_barrier(pot, req, s, &trace);
  REQUIRE(rec.usable());
  CHECK(rec.lattice_constant == 5.98);
  // The trace is in the canonical frame: compare with that frame's ideal cell.
  const HopEndpointsBuilt built = build_hop_cell(canonical_hop(req).request, s.cell);
  std::vector<bool> outside(built.initial.size());
  int n_outside = 0;
  for (Eigen::Index i = 0; i < built.initial.positions.rows(); ++i) {
    const double r = minimum_image(built.initial.positions.row(i).transpose() - built.midpoint,
                                   built.initial.cell).norm();
    outside[i] = r > 1.0 * built.a + 1e-9;
    n_outside += outside[i];
  }
  CHECK(n_outside > 100);                                      // 134 atoms, most of them outside a
  CHECK(n_outside < static_cast<int>(built.initial.size()) - 10);
  REQUIRE(trace.structures.size() >= 2 + 2 + 7);  // relaxed, probed, one NEB path (5 images + ends)
  double moved_inside = 0.0;
  for (std::size_t k = 0; k < trace.structures.size(); ++k) {
    CAPTURE(trace.labels[k]);
    double moved_outside = 0.0;
    for (Eigen::Index i = 0; i < built.initial.positions.rows(); ++i) {
      const double d = (trace.structures[k].positions.row(i) - built.initial.positions.row(i)).norm();
      if (outside[i]) moved_outside = std::max(moved_outside, d);
      else if (i != built.moving_atom) moved_inside = std::max(moved_inside, d);
    }
    CHECK(moved_outside == 0.0);
  }
  CHECK(moved_inside > 0.05);  // the atoms inside did relax (the test is not trivial)
  // The fully relaxed cell gives another barrier: the option changes the result.
  HopBarrierSettings all = s;
  all.relax_radius = 0.0;
  const HopBarrierRecord full = compute_hop_barrier(pot, req, all);
  REQUIRE(full.usable());
  CHECK(std::abs(full.e_kra - rec.e_kra) > 0.005);
  MESSAGE("embedded (R = a) E_KRA ", rec.e_kra, " eV, fully relaxed ", full.e_kra, " eV");
}

TEST_CASE("settings: the cell options change describe() and are validated; the default line is unchanged") {
  HopBarrierSettings s;
  const std::string base = s.describe();
  // The defaults keep the wording of the caches made before the options existed.
  CHECK(base.find("vegard=all-halides fill=env-X-composition/largest-deficit") != std::string::npos);
  CHECK(base.find("relax_radius") == std::string::npos);
  HopBarrierSettings t = s;
  t.relax_radius = 1.5;
  CHECK(t.describe().find("relax_radius=1.5 (embedded cell)") != std::string::npos);
  t = s;
  t.cell.fixed_lattice_constant = 5.98;
  CHECK(t.describe().find("a=fixed:5.98") != std::string::npos);
  t = s;
  t.cell.fill_composition = {{"Br", 0.5}, {"I", 0.5}};
  CHECK(t.describe().find("fill=fixed-composition[Br=0.5,I=0.5]") != std::string::npos);
  HopBarrierSettings bad;
  bad.relax_radius = 0.5;
  CHECK_THROWS_WITH_AS(bad.validate(), doctest::Contains("relax_radius = 0.5"), InputError);
  bad = HopBarrierSettings{};
  bad.cell.fixed_lattice_constant = -1;
  CHECK_THROWS_WITH_AS(bad.validate(), doctest::Contains("fixed_lattice_constant = -1"), InputError);
  bad = HopBarrierSettings{};
  bad.cell.fill_composition = {{"Br", 0.5}, {"I", 0.4}};
  CHECK_THROWS_WITH_AS(bad.validate(), doctest::Contains("fill_composition sums to 0.9"), InputError);
  bad = HopBarrierSettings{};
  bad.cell.fill_composition = {{"Cl", 1.0}};
  CHECK_THROWS_WITH_AS(bad.validate(), doctest::Contains("'Cl', which has no lattice_constant"), InputError);
}

// Position of an atom relative to the cell's hop midpoint, fractions of a.
static Eigen::Vector3d rel_position(const HopEndpointsBuilt& b, const Structure& s, int atom) {
  return (s.positions.row(atom).transpose() - b.midpoint) / b.a;
}

TEST_CASE("split pair: the cell holds the pair on origin and moves three atoms, derived by hand") {
  // Pair on X(0,1/2,0) along z, its atom at (0,1/2,-1/4) joins X(0,0,-1/2);
  // relative to the midpoint (0,1/4,-1/4): origin (0,1/4,1/4), target
  // (0,-1/4,-1/4), pair_origin (0,0,-1/4), pair_target (0,1/4,0).
  const HopRequest r = testing::split_pair_request(0.0, 1.0, 1);
  const HopEndpointsBuilt b = build_hop_cell(r, HopCellRule{});
  CHECK(b.a == 5.76);  // every halide Br (the fill takes the mover's species)
  const auto counts = count_symbols(b.initial);
  CHECK(counts.at("Cs") == 27);
  CHECK(counts.at("Pb") == 27);
  CHECK(counts.at("Br") == 81 + 1);  // every X site occupied, plus the extra halide
  REQUIRE(b.pushed_atoms.size() == 2);
  const int mover = b.moving_atom, pushed = b.pushed_atoms[0], partner = b.pushed_atoms[1];
  CHECK(mover == static_cast<int>(b.initial.size()) - 1);  // appended after the lattice
  auto near = [](const Eigen::Vector3d& x, const Eigen::Vector3d& y) { return (x - y).norm() < 1e-12; };
  // initial: mover at origin + pair_origin, partner at origin - pair_origin, pushed on target
  CHECK(near(rel_position(b, b.initial, mover), {0.0, 0.25, 0.0}));
  CHECK(near(rel_position(b, b.initial, partner), {0.0, 0.25, 0.5}));
  CHECK(near(rel_position(b, b.initial, pushed), {0.0, -0.25, -0.25}));
  // final: mover at target + pair_target, pushed at target - pair_target, partner back on origin
  CHECK(near(rel_position(b, b.final_state, mover), {0.0, 0.0, -0.25}));
  CHECK(near(rel_position(b, b.final_state, pushed), {0.0, -0.5, -0.25}));
  CHECK(near(rel_position(b, b.final_state, partner), {0.0, 0.25, 0.25}));
  int moved = 0;
  for (Eigen::Index i = 0; i < b.initial.positions.rows(); ++i)
    moved += (b.initial.positions.row(i) - b.final_state.positions.row(i)).norm() > 1e-12;
  CHECK(moved == 3);
  // the mover travels a/(2 sqrt 2): between the two a/4 offsets, one octahedron edge apart
  CHECK((b.final_state.positions.row(mover) - b.initial.positions.row(mover)).norm() ==
        doctest::Approx(5.76 * std::sqrt(2.0) / 4).epsilon(1e-12));
}

TEST_CASE("split pair: requests the model cannot hold are refused with a message that says why") {
  HopRequest axial = testing::split_pair_request(0.0, 1.0, 1);
  axial.pair_origin = {0.0, -0.25, 0.0};  // along the Pb-X-Pb axis (y) of X(0,1/2,0)
  CHECK_THROWS_WITH_AS(build_hop_cell(axial, HopCellRule{}),
                       doctest::Contains("pair_origin = (0, -0.25, 0) lies along the Pb-X-Pb axis"), InputError);
  HopRequest diagonal = testing::split_pair_request(0.0, 1.0, 1);
  diagonal.pair_target = {0.25, 0.25, 0.0};
  CHECK_THROWS_WITH_AS(build_hop_cell(diagonal, HopCellRule{}),
                       doctest::Contains("pair_target = (0.25, 0.25, 0) must be a/4 along one cube axis"),
                       InputError);
  HopRequest half = testing::split_pair_request(0.0, 1.0, 1);
  half.pair_origin = {0.0, 0.0, -0.5};  // a/2: onto the 3c site, not a pair
  CHECK_THROWS_WITH_AS(build_hop_cell(half, HopCellRule{}),
                       doctest::Contains("pair_origin = (0, 0, -0.5) must be a/4 along one cube axis"), InputError);
  HopRequest rotation = testing::split_pair_request(0.0, 1.0, 1);  // origin = target, but still a pushed ion
  rotation.midpoint = {0.0, 0.5, 0.0};
  rotation.origin = rotation.target = Eigen::Vector3d::Zero();
  CHECK_THROWS_WITH_AS(build_hop_cell(rotation, HopCellRule{}), doctest::Contains("a rotation pushes no ion"),
                       InputError);
  HopRequest no_partner = testing::split_pair_request(0.0, 1.0, 1);
  no_partner.partner.clear();
  CHECK_THROWS_WITH_AS(build_hop_cell(no_partner, HopCellRule{}), doctest::Contains("partner"), InputError);
  HopRequest on_3c = testing::interstitial_request(0.0, 1.0, 1);  // 3c (0,1/2,1/2) -> 3c (1/2,0,1/2)
  on_3c.kind = HopKind::SplitPair;
  on_3c.partner = on_3c.pushed = "Br";
  on_3c.pair_origin = on_3c.pair_target = {0.0, 0.0, 0.25};
  CHECK_THROWS_WITH_AS(build_hop_cell(on_3c, HopCellRule{}), doctest::Contains("a split pair sits on an X site"),
                       InputError);
  CHECK_NOTHROW(build_hop_cell(testing::split_pair_request(0.0, 1.0, 1), HopCellRule{}));
}

TEST_CASE("split pair: symmetry images share the canonical form and build images of one cell") {
  const HopRequest a = testing::split_pair_request(1.0, 0.5, 21, "I", "Br", "I");
  int differing = 0, reversed = 0;
  for (int op : {0, 3, 13, 22, 31, 44}) {
    for (bool reverse : {false, true}) {
      CAPTURE(op);
      CAPTURE(reverse);
      const HopRequest b =
          testing::transformed(a, testing::signed_permutation(op), Eigen::Vector3i(1, op % 2, -1), reverse, op + 7);
      reversed += check_canonical_image(a, b);
      differing += b.environment != a.environment;
    }
  }
  CHECK(differing > 0);
  CHECK(reversed > 0);  // reversal (pushed <-> partner, pair_origin <-> pair_target) was exercised
  // The partner is part of the form: another partner species, another form.
  CHECK(canonical_hop(testing::split_pair_request(1.0, 0.5, 21, "I", "I", "I")).request.partner !=
        canonical_hop(testing::split_pair_request(1.0, 0.5, 21, "I", "Br", "I")).request.partner);
}

TEST_CASE("split pair rotation: the cell turns the pair on its site, derived by hand") {
  // Pair on X(0,1/2,0) (Pb-X-Pb axis y) along z turns to x: midpoint = the
  // site, origin = target = 0, pair_origin (0,0,-1/4), pair_target (1/4,0,0).
  const HopRequest r = testing::split_rotation_request(0.0, 1.0, 1, "I", "Br");
  const HopEndpointsBuilt b = build_hop_cell(r, HopCellRule{});
  // 81 X sites: the partner Br on the site, the other 80 filled with the
  // mover's species (the empty environment has no X composition): 81 I, 1 Br.
  const auto counts = count_symbols(b.initial);
  CHECK(counts.at("Cs") == 27);
  CHECK(counts.at("Pb") == 27);
  CHECK(counts.at("I") == 81);
  CHECK(counts.at("Br") == 1);
  CHECK(b.a == doctest::Approx((81 * 6.20 + 5.76) / 82).epsilon(1e-12));
  REQUIRE(b.pushed_atoms.size() == 1);
  const int mover = b.moving_atom, partner = b.pushed_atoms[0];
  CHECK(mover == static_cast<int>(b.initial.size()) - 1);
  CHECK(b.initial.symbols[mover] == "I");
  CHECK(b.initial.symbols[partner] == "Br");
  auto near = [](const Eigen::Vector3d& x, const Eigen::Vector3d& y) { return (x - y).norm() < 1e-12; };
  CHECK(near(rel_position(b, b.initial, mover), {0.0, 0.0, -0.25}));
  CHECK(near(rel_position(b, b.initial, partner), {0.0, 0.0, 0.25}));
  CHECK(near(rel_position(b, b.final_state, mover), {0.25, 0.0, 0.0}));
  CHECK(near(rel_position(b, b.final_state, partner), {-0.25, 0.0, 0.0}));
  int moved = 0;
  for (Eigen::Index i = 0; i < b.initial.positions.rows(); ++i)
    moved += (b.initial.positions.row(i) - b.final_state.positions.row(i)).norm() > 1e-12;
  CHECK(moved == 2);
  // each atom of the pair turns by 90 degrees on a circle of radius a/4: chord a sqrt(2)/4
  CHECK((b.final_state.positions.row(mover) - b.initial.positions.row(mover)).norm() ==
        doctest::Approx(b.a * std::sqrt(2.0) / 4).epsilon(1e-12));
}

TEST_CASE("split pair rotation: malformed rotations are refused with a message that says why") {
  HopRequest parallel = testing::split_rotation_request(0.0, 1.0, 1);
  parallel.pair_target = parallel.pair_origin;
  CHECK_THROWS_WITH_AS(build_hop_cell(parallel, HopCellRule{}),
                       doctest::Contains("pair_target = (0, 0, -0.25) must be perpendicular to pair_origin"),
                       InputError);
  HopRequest flip = testing::split_rotation_request(0.0, 1.0, 1);
  flip.pair_target = -flip.pair_origin;  // the same pair, atoms relabelled: no hop
  CHECK_THROWS_WITH_AS(build_hop_cell(flip, HopCellRule{}), doctest::Contains("must be perpendicular"), InputError);
  HopRequest axial = testing::split_rotation_request(0.0, 1.0, 1);
  axial.pair_target = {0.0, 0.25, 0.0};  // along the Pb-X-Pb axis of X(0,1/2,0)
  CHECK_THROWS_WITH_AS(build_hop_cell(axial, HopCellRule{}),
                       doctest::Contains("pair_target = (0, 0.25, 0) lies along the Pb-X-Pb axis"), InputError);
  HopRequest pushed = testing::split_rotation_request(0.0, 1.0, 1);
  pushed.pushed = "I";
  CHECK_THROWS_WITH_AS(build_hop_cell(pushed, HopCellRule{}), doctest::Contains("pushed 'I'"), InputError);
  HopRequest no_partner = testing::split_rotation_request(0.0, 1.0, 1);
  no_partner.partner.clear();
  CHECK_THROWS_WITH_AS(build_hop_cell(no_partner, HopCellRule{}), doctest::Contains("partner (the other atom"),
                       InputError);
  HopRequest on_3c = testing::split_rotation_request(0.0, 1.0, 1);
  on_3c.midpoint = {0.0, 0.5, 0.5};  // a 3c site
  on_3c.pair_origin = {0.25, 0.0, 0.0};
  on_3c.pair_target = {0.0, 0.25, 0.0};
  on_3c.environment.clear();
  on_3c.environment_species.clear();
  CHECK_THROWS_WITH_AS(build_hop_cell(on_3c, HopCellRule{}), doctest::Contains("a split pair sits on an X site"),
                       InputError);
  CHECK_NOTHROW(build_hop_cell(testing::split_rotation_request(1.0, 0.5, 3), HopCellRule{}));
}

TEST_CASE("split pair rotation: reversal and relabelling (mover <-> partner) share the canonical form") {
  const HopRequest a = testing::split_rotation_request(1.0, 0.5, 21, "I", "Br");
  const CanonicalHop ca = canonical_hop(a);
  CHECK(ca.request.origin == Eigen::Vector3d::Zero());
  CHECK(ca.request.target == Eigen::Vector3d::Zero());
  CHECK(ca.request.pushed.empty());
  // The same hop with the labels swapped: the Br is the "mover" at the
  // opposite end of the pair.
  HopRequest relabelled = a;
  std::swap(relabelled.moving, relabelled.partner);
  relabelled.pair_origin = -a.pair_origin;
  relabelled.pair_target = -a.pair_target;
  int differing = 0, reversed = 0;
  for (const HopRequest* base : std::array<const HopRequest*, 2>{&a, &relabelled}) {
    for (int op : {0, 5, 13, 22, 31, 44}) {
      for (bool reverse : {false, true}) {
        CAPTURE(op);
        CAPTURE(reverse);
        const HopRequest b = testing::transformed(*base, testing::signed_permutation(op),
                                                  Eigen::Vector3i(-1, op % 2, 2), reverse, op + 11);
        reversed += check_canonical_image(a, b);
        differing += b.environment != a.environment;
      }
    }
  }
  CHECK(differing > 0);
  CHECK(reversed > 0);
  // The pair's species are part of the form: an I-I pair is another hop.
  const CanonicalHop ii = canonical_hop(testing::split_rotation_request(1.0, 0.5, 21, "I", "I"));
  CHECK((ii.request.moving == "I" && ii.request.partner == "I"));
  CHECK(ca.request.moving != ca.request.partner);
}

namespace {

// A lattice split-pair hop between the 12h sites o and t (absolute,
// fractions of a), environment as the lattice lists it within r_env of their
// midpoint: X sites I/Br (hashed_halide), 12h sites empty.
struct LatticeSplitHop {
  Eigen::Vector3d midpoint, origin, target;
  std::vector<Eigen::Vector3d> environment;
  std::vector<std::string> species;
  std::vector<bool> is_12h;
};

LatticeSplitHop lattice_split_hop(const Eigen::Vector3d& o, const Eigen::Vector3d& t, double r_env) {
  LatticeSplitHop h;
  h.midpoint = (o + t) / 2;
  h.origin = o - h.midpoint;
  h.target = t - h.midpoint;
  h.environment = testing::split_sites_within(h.midpoint, r_env, {o, t}, &h.is_12h);
  for (std::size_t k = 0; k < h.environment.size(); ++k)
    h.species.push_back(h.is_12h[k] ? "" : testing::hashed_halide(h.midpoint + h.environment[k], 0.5, 5));
  return h;
}

// The request by hand: the split-pair request with hosts s, t (absolute), its
// environment the hop's X sites other than s and t, relative to (s + t)/2.
HopRequest by_hand(const LatticeSplitHop& h, const Eigen::Vector3d& s, const Eigen::Vector3d& t) {
  HopRequest r;
  r.kind = HopKind::SplitPair;
  r.midpoint = (s + t) / 2;
  r.origin = s - r.midpoint;
  r.target = t - r.midpoint;
  r.pair_origin = h.midpoint + h.origin - s;
  r.pair_target = h.midpoint + h.target - t;
  r.moving = "I";
  for (std::size_t k = 0; k < h.environment.size(); ++k) {
    const Eigen::Vector3d p = h.midpoint + h.environment[k];
    if (h.is_12h[k]) continue;
    if ((p - s).norm() < 1e-9) {
      r.partner = h.species[k];
    } else if ((p - t).norm() < 1e-9) {
      r.pushed = h.species[k];
    } else {
      r.environment.push_back(p - r.midpoint);
      r.environment_species.push_back(h.species[k]);
    }
  }
  return r;
}

void check_same_request(const HopRequest& a, const HopRequest& b) {
  auto near = [](const Eigen::Vector3d& x, const Eigen::Vector3d& y) { return (x - y).norm() < 1e-12; };
  CHECK(a.kind == b.kind);
  CHECK(near(a.midpoint, b.midpoint));
  CHECK(near(a.origin, b.origin));
  CHECK(near(a.target, b.target));
  CHECK(near(a.pair_origin, b.pair_origin));
  CHECK(near(a.pair_target, b.pair_target));
  CHECK(a.moving == b.moving);
  CHECK(a.partner == b.partner);
  CHECK(a.pushed == b.pushed);
  REQUIRE(a.environment.size() == b.environment.size());
  for (std::size_t k = 0; k < a.environment.size(); ++k) {
    CHECK(near(a.environment[k], b.environment[k]));
    CHECK(a.environment_species[k] == b.environment_species[k]);
  }
}

HopRequest mapped(const LatticeSplitHop& h) {
  return split_pair_request_from_sites(h.midpoint, h.origin, h.target, h.environment, h.species, "I");
}

}  // namespace

TEST_CASE("split pair from lattice sites: the three sorts of 12h -> 12h hop map to hand-built requests") {
  const Eigen::Vector3d s(0.0, 0.5, 0.0);  // X site, Pb-X-Pb axis y
  SUBCASE("edge interstitialcy: 12h (0,1/2,-1/4) -> (0,1/4,-1/2), hosts X(0,1/2,0) and X(0,0,-1/2)") {
    const Eigen::Vector3d t(0.0, 0.0, -0.5);
    const LatticeSplitHop h = lattice_split_hop({0.0, 0.5, -0.25}, {0.0, 0.25, -0.5}, 1.0);
    CHECK(h.midpoint[1] == 0.375);  // off the a/4 grid: the mapping must not need it on it
    const HopRequest r = mapped(h);
    const HopRequest expected = by_hand(h, s, t);
    check_same_request(r, expected);
    // the geometry of testing::split_pair_request, derived in its comment
    CHECK(r.midpoint == Eigen::Vector3d(0.0, 0.25, -0.25));
    CHECK(r.origin == Eigen::Vector3d(0.0, 0.25, 0.25));
    CHECK(r.pair_origin == Eigen::Vector3d(0.0, 0.0, -0.25));
    CHECK(r.pair_target == Eigen::Vector3d(0.0, 0.25, 0.0));
    CHECK(!r.partner.empty());
    CHECK(!r.pushed.empty());
    int dropped = 0;
    for (bool b : h.is_12h) dropped += b;
    CHECK(dropped > 0);  // empty 12h sites were listed and dropped
    CHECK(r.environment.size() + dropped + 2 == h.environment.size());
    CHECK_NOTHROW(build_hop_cell(r, HopCellRule{}));
  }
  SUBCASE("through the 3c window: 12h (0,1/2,-1/4) -> (0,1/2,-3/4), hosts a apart along the pair axis") {
    const Eigen::Vector3d t(0.0, 0.5, -1.0);
    const LatticeSplitHop h = lattice_split_hop({0.0, 0.5, -0.25}, {0.0, 0.5, -0.75}, 1.0);
    const HopRequest r = mapped(h);
    check_same_request(r, by_hand(h, s, t));
    CHECK(r.midpoint == Eigen::Vector3d(0.0, 0.5, -0.5));
    CHECK(r.pair_target == Eigen::Vector3d(0.0, 0.0, 0.25));
    CHECK_NOTHROW(build_hop_cell(r, HopCellRule{}));
  }
  SUBCASE("rotation: 12h (0,1/2,-1/4) -> (1/4,1/2,0), one host") {
    const LatticeSplitHop h = lattice_split_hop({0.0, 0.5, -0.25}, {0.25, 0.5, 0.0}, 1.0);
    const HopRequest r = mapped(h);
    HopRequest expected = by_hand(h, s, s);
    CHECK(expected.pushed.empty());
    check_same_request(r, expected);
    CHECK(r.origin == Eigen::Vector3d::Zero());
    CHECK(r.pair_origin == Eigen::Vector3d(0.0, 0.0, -0.25));
    CHECK(r.pair_target == Eigen::Vector3d(0.25, 0.0, 0.0));
    // the same as the rotation request of the other tests, up to the environment
    const HopRequest other = testing::split_rotation_request(0.0, 1.0, 1, "I", r.partner);
    CHECK(other.pair_origin == r.pair_origin);
    CHECK(other.pair_target == r.pair_target);
    CHECK(other.midpoint == r.midpoint);
    CHECK_NOTHROW(build_hop_cell(r, HopCellRule{}));
  }
}

TEST_CASE("split pair from lattice sites: impossible hops and other pairs in the environment are refused") {
  LatticeSplitHop h = lattice_split_hop({0.0, 0.5, -0.25}, {0.0, 0.25, -0.5}, 1.0);
  CHECK(split_pair_blocker(h.midpoint, h.environment, h.species).empty());
  // another pair: an occupied 12h site within r_env
  LatticeSplitHop crowded = h;
  std::size_t k12 = 0;
  while (!crowded.is_12h[k12]) ++k12;
  crowded.species[k12] = "Br";
  CHECK(split_pair_blocker(crowded.midpoint, crowded.environment, crowded.species).find("holds Br on a split-pair") !=
        std::string::npos);
  CHECK_THROWS_WITH_AS(mapped(crowded), doctest::Contains("another pair within r_env"), InputError);
  // the origin's host X site vacant
  LatticeSplitHop vacant = h;
  for (std::size_t k = 0; k < vacant.environment.size(); ++k)
    if ((vacant.midpoint + vacant.environment[k] - Eigen::Vector3d(0.0, 0.5, 0.0)).norm() < 1e-9) vacant.species[k] = "";
  CHECK_THROWS_WITH_AS(mapped(vacant), doctest::Contains("holds the origin pair is vacant"), InputError);
  // the target's host missing (r_env too small to list it)
  LatticeSplitHop missing = h;
  for (std::size_t k = 0; k < missing.environment.size(); ++k)
    if ((missing.midpoint + missing.environment[k] - Eigen::Vector3d(0.0, 0.0, -0.5)).norm() < 1e-9) {
      missing.environment.erase(missing.environment.begin() + static_cast<long>(k));
      missing.species.erase(missing.species.begin() + static_cast<long>(k));
      break;
    }
  CHECK_THROWS_WITH_AS(mapped(missing), doctest::Contains("does not list the X site (0, 0, -0.5) of the target"),
                       InputError);
  // not a 12h site: X(0,1/2,0) + a/4 along its Pb-X-Pb axis
  LatticeSplitHop axial = lattice_split_hop({0.0, 0.75, 0.0}, {0.0, 0.25, -0.5}, 1.0);
  CHECK_THROWS_WITH_AS(mapped(axial), doctest::Contains("origin at (0, 0.75, 0) (fractions of a, absolute) is not a 12h"),
                       InputError);
}

TEST_CASE("barrier record: the split-pair edge interstitialcy and rotation run between minima (interstitial_report values)") {
  // docs/neb.md, "Halide interstitials": 3x3x3, reference potential,
  // interstitial_report (7 images, relax fmax 0.005, NEB fmax 0.01):
  // 0.0603 eV (Br), 0.1307 eV (I). Here the record's settings (5 images,
  // endpoints to 0.01 eV/A) with NEB fmax 0.01: at the default 0.05 the I
  // band stops on a higher path (0.174 eV). Tolerance 0.01 eV.
  const BuckinghamCoulomb pot(BuckinghamCoulombParameters::cspbx3_flama_initial());
  HopBarrierSettings settings;
  settings.neb.fmax = 0.01;
  for (const auto& [x, expected] : {std::pair{std::string("Br"), 0.0603}, std::pair{std::string("I"), 0.1307}}) {
    CAPTURE(x);
    const HopBarrierRecord r =
        compute_hop_barrier(pot, testing::split_pair_request(0.0, 0.0, 1, x, x, x), settings);
    CHECK(r.status == HopBarrierStatus::Ok);  // the probe finds both end states minima
    CHECK(r.message == "");
    CHECK(std::abs(r.e_kra - expected) < 0.01);
    CHECK(std::abs(r.e_forward - r.e_backward) < 2e-3);  // equivalent end states
    CHECK(r.attempts == 1);
    MESSAGE(x, " split pair, 3x3x3: E_KRA = ", r.e_kra, " eV, ", r.force_calls, " force calls, ", r.wall_seconds,
            " s");
  }
  // The on-site rotation (z -> x on a y site): interstitial_report's
  // "on-site rotation" row, 0.373 eV (I) and 0.630 eV (Br) in 3x3x3.
  for (const auto& [x, expected] : {std::pair{std::string("Br"), 0.630}, std::pair{std::string("I"), 0.373}}) {
    CAPTURE(x);
    const HopBarrierRecord r =
        compute_hop_barrier(pot, testing::split_rotation_request(0.0, 0.0, 1, x, x), settings);
    CHECK(r.status == HopBarrierStatus::Ok);
    CHECK(std::abs(r.e_kra - expected) < 0.01);
    CHECK(std::abs(r.e_forward - r.e_backward) < 2e-3);
    MESSAGE(x, " split pair rotation, 3x3x3: E_KRA = ", r.e_kra, " eV, ", r.force_calls, " force calls, ",
            r.wall_seconds, " s");
  }
  // Mixed pairs the site model does not hold (found by `barriers precompute`
  // of a mixed I/Br input, r_env 3 A, where both were "ok" records before
  // the split-pair checks): an I joining Br hosts in an I-filled cell relaxes
  // into one bridging state from both ends (flat path, E_KRA 0); a Br mover
  // with I partner and pushed ion in a Br-filled cell loses its pair (the
  // partner slides 0.79 A, more than a/8).
  {
    const HopBarrierRecord same = compute_hop_barrier(pot, testing::split_pair_request(0.0, 0.0, 1, "I", "Br", "Br"),
                                                      settings);
    CHECK(same.status == HopBarrierStatus::BasinChange);
    CHECK(same.message.find("relaxed end states coincide") != std::string::npos);
    MESSAGE("I mover, Br hosts: ", same.message);
    const HopBarrierRecord slid = compute_hop_barrier(pot, testing::split_pair_request(0.0, 1.0, 1, "Br", "I", "I"),
                                                      settings);
    CHECK(slid.status == HopBarrierStatus::BasinChange);
    CHECK(slid.message.find("left its split-pair basin: halide atom") != std::string::npos);
    MESSAGE("Br mover, I hosts: ", slid.message);
  }
  // The geometry matters: the same end positions with the mover ending on
  // the far side of the target's pair (pair_target pointing away from
  // origin, so the mover and the target's ion must pass each other) is
  // another path, and its record must not reproduce the edge interstitialcy.
  HopRequest away = testing::split_pair_request(0.0, 1.0, 1);
  away.pair_target = {0.0, -0.25, 0.0};
  const HopBarrierRecord far = compute_hop_barrier(pot, away, settings);
  MESSAGE("Br split pair, end pair atom facing away: ", to_string(far.status), " E_KRA ", far.e_kra, " ", far.message);
  CHECK((!far.usable() || std::abs(far.e_kra - 0.0603) > 0.02));
}
