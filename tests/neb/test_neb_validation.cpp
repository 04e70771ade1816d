// Validation-size NEB runs (label `validation`, outside the default ctest
// run): vacancy edge hops in n×n×n (n = 2, 3, 4: the cell-size test) cubic CsPbI3 and CsPbBr3 with the C++
// reference potential. Checks the symmetry of each hop and a converged NEB,
// and prints the barriers that docs/neb.md reports.
#include <doctest/doctest.h>

#include <cmath>

#include "VacancyHop.hpp"
#include "hkmc/neb/BuckinghamCoulomb.hpp"

using namespace hkmc::neb;

TEST_CASE("vacancy edge hops in n x n x n CsPbI3 and CsPbBr3 with the reference potential") {
  const BuckinghamCoulomb pot(BuckinghamCoulombParameters::cspbx3_flama_initial());
  for (auto [x, a] : {std::pair{std::string("I"), 6.20}, std::pair{std::string("Br"), 5.76}})
  for (int n : {2, 3, 4}) {
    CAPTURE(x);
    CAPTURE(n);
    const auto run = testing::vacancy_hop(pot, x, a, n);
    CHECK(run.initial.converged);
    CHECK(run.neb.converged);
    CHECK(std::abs(run.neb.barrier_forward - run.neb.barrier_backward) < 2e-3);
    MESSAGE(n, "x", n, "x", n, " CsPb", x, "3 V_", x, " (a = ", a, " A): E_fwd = ", run.neb.barrier_forward,
            " eV, E_bwd = ", run.neb.barrier_backward, " eV, E_KRA = ", run.neb.e_kra, " eV, ",
            run.neb.force_calls, " NEB force calls, ", run.seconds, " s");
  }
}
