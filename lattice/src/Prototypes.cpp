#include "hkmc/lattice/Prototypes.hpp"

namespace hkmc::lattice {
namespace {

Eigen::Matrix3d cubic(double a) { return a * Eigen::Matrix3d::Identity(); }

void add(std::vector<BasisSite>& basis, const std::string& sublattice, double x, double y,
         double z, SiteRole role) {
  basis.push_back(BasisSite{sublattice, Eigen::Vector3d(x, y, z), role});
}

}  // namespace

Crystal make_perovskite(double a, InterstitialSites sites) {
  std::vector<BasisSite> basis;
  add(basis, "B", 0, 0, 0, SiteRole::kFixed);
  add(basis, "A", 0.5, 0.5, 0.5, SiteRole::kFixed);
  add(basis, "X", 0.5, 0, 0, SiteRole::kLattice);
  add(basis, "X", 0, 0.5, 0, SiteRole::kLattice);
  add(basis, "X", 0, 0, 0.5, SiteRole::kLattice);
  if (sites == InterstitialSites::kWindow3c) {
    add(basis, "i", 0, 0.5, 0.5, SiteRole::kInterstitial);
    add(basis, "i", 0.5, 0, 0.5, SiteRole::kInterstitial);
    add(basis, "i", 0.5, 0.5, 0, SiteRole::kInterstitial);
  } else if (sites == InterstitialSites::kSplit12h) {
    // Per X site (axis d): the four sites a/4 along the two other axes, in [0, 1).
    for (int d = 0; d < 3; ++d)
      for (int e = 0; e < 3; ++e) {
        if (e == d) continue;
        for (double q : {0.25, 0.75}) {
          double f[3] = {0, 0, 0};
          f[d] = 0.5;
          f[e] = q;
          add(basis, "i", f[0], f[1], f[2], SiteRole::kInterstitial);
        }
      }
  }
  return Crystal("perovskite", cubic(a), std::move(basis));
}

Crystal make_double_perovskite(double a, bool with_interstitials) {
  const double fcc[4][3] = {{0, 0, 0}, {0.5, 0.5, 0}, {0.5, 0, 0.5}, {0, 0.5, 0.5}};
  std::vector<BasisSite> basis;
  for (const auto& t : fcc) add(basis, "B", t[0], t[1], t[2], SiteRole::kFixed);
  for (const auto& t : fcc) add(basis, "B'", t[0] + 0.5, t[1], t[2], SiteRole::kFixed);
  for (const auto& t : fcc) {
    add(basis, "A", t[0] + 0.25, t[1] + 0.25, t[2] + 0.25, SiteRole::kFixed);
    add(basis, "A", t[0] + 0.75, t[1] + 0.75, t[2] + 0.75, SiteRole::kFixed);
  }
  // X: the simple-perovskite X positions of all 8 sub-cubes (edge 1/2).
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 2; ++j)
      for (int k = 0; k < 2; ++k) {
        const double x = 0.5 * i, y = 0.5 * j, z = 0.5 * k;
        add(basis, "X", x + 0.25, y, z, SiteRole::kLattice);
        add(basis, "X", x, y + 0.25, z, SiteRole::kLattice);
        add(basis, "X", x, y, z + 0.25, SiteRole::kLattice);
      }
  if (with_interstitials) {
    for (int i = 0; i < 2; ++i)
      for (int j = 0; j < 2; ++j)
        for (int k = 0; k < 2; ++k) {
          const double x = 0.5 * i, y = 0.5 * j, z = 0.5 * k;
          add(basis, "i", x, y + 0.25, z + 0.25, SiteRole::kInterstitial);
          add(basis, "i", x + 0.25, y, z + 0.25, SiteRole::kInterstitial);
          add(basis, "i", x + 0.25, y + 0.25, z, SiteRole::kInterstitial);
        }
  }
  return Crystal("double_perovskite", cubic(a), std::move(basis));
}

Crystal make_fcc(double a) {
  std::vector<BasisSite> basis;
  add(basis, "X", 0, 0, 0, SiteRole::kLattice);
  add(basis, "X", 0.5, 0.5, 0, SiteRole::kLattice);
  add(basis, "X", 0.5, 0, 0.5, SiteRole::kLattice);
  add(basis, "X", 0, 0.5, 0.5, SiteRole::kLattice);
  return Crystal("fcc", cubic(a), std::move(basis));
}

const std::vector<std::string>& prototype_names() {
  static const std::vector<std::string> names{"perovskite", "double_perovskite", "fcc", "custom"};
  return names;
}

}  // namespace hkmc::lattice
