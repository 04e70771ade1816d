#include "hkmc/lattice/HopCatalog.hpp"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <set>
#include <sstream>

#include "hkmc/common/Error.hpp"
#include "hkmc/lattice/SpaceGroup.hpp"

namespace hkmc::lattice {

MechanismKind mechanism_kind_from_name(const std::string& kind) {
  if (kind == "vacancy") return MechanismKind::kVacancy;
  if (kind == "interstitial") return MechanismKind::kInterstitial;
  if (kind == "interstitialcy") return MechanismKind::kInterstitialcy;
  if (kind == "split") return MechanismKind::kSplit;
  throw InputError("mechanism kind '" + kind +
                   "' is not known; allowed: vacancy, interstitial, interstitialcy, split");
}

const char* mechanism_kind_name(MechanismKind kind) {
  switch (kind) {
    case MechanismKind::kVacancy: return "vacancy";
    case MechanismKind::kInterstitial: return "interstitial";
    case MechanismKind::kInterstitialcy: return "interstitialcy";
    case MechanismKind::kSplit: return "split";
  }
  return "?";
}

namespace {

constexpr double kDistanceTolerance = 1e-3;  // Å: sites closer than this in distance share a shell
constexpr double kFracTolerance = 1e-5;

// A site in absolute unit-cell fractional coordinates (cell index + basis frac).
Eigen::Vector3d frac_of(const Crystal& crystal, const SiteOffset& s) {
  return Eigen::Vector3d(s.cell[0], s.cell[1], s.cell[2]) +
         crystal.basis()[crystal.mobile_basis()[s.mobile]].frac;
}

// The mobile site at fractional position `x`; mobile = -1 if none.
SiteOffset locate(const Crystal& crystal, const Eigen::Vector3d& x) {
  const auto& mobile = crystal.mobile_basis();
  for (int m = 0; m < static_cast<int>(mobile.size()); ++m) {
    Eigen::Vector3d shift;
    if (lattice_equivalent(x, crystal.basis()[mobile[m]].frac, &shift, kFracTolerance)) {
      return SiteOffset{m, {static_cast<int>(shift[0]), static_cast<int>(shift[1]),
                            static_cast<int>(shift[2])}};
    }
  }
  return SiteOffset{};
}

// Cell range that certainly contains every point within r (Å) of the unit cell.
CellIndex cell_range(const Crystal& crystal, double r) {
  const Eigen::Matrix3d inv_t = crystal.cell().transpose().inverse();
  CellIndex n;
  for (int d = 0; d < 3; ++d) n[d] = static_cast<int>(std::ceil(r * inv_t.row(d).norm())) + 1;
  return n;
}

struct Neighbor {
  SiteOffset site;
  double distance;
};

// Mobile sites of the given role within r of fractional point `center`.
std::vector<Neighbor> mobile_within(const Crystal& crystal, const Eigen::Vector3d& center,
                                    double r, SiteRole role) {
  std::vector<Neighbor> out;
  const CellIndex range = cell_range(crystal, r);
  const Eigen::Vector3d origin = crystal.cartesian(center);
  const auto& mobile = crystal.mobile_basis();
  for (int i = -range[0]; i <= range[0]; ++i)
    for (int j = -range[1]; j <= range[1]; ++j)
      for (int k = -range[2]; k <= range[2]; ++k)
        for (int m = 0; m < static_cast<int>(mobile.size()); ++m) {
          if (crystal.basis()[mobile[m]].role != role) continue;
          const SiteOffset s{m, {i, j, k}};
          const double d = (crystal.cartesian(frac_of(crystal, s)) - origin).norm();
          if (d <= r + kDistanceTolerance && d > kDistanceTolerance) out.push_back({s, d});
        }
  std::sort(out.begin(), out.end(),
            [](const Neighbor& a, const Neighbor& b) { return a.distance < b.distance; });
  return out;
}

// Sites of shell `shell` (1-based) among `candidates` (sorted by distance).
std::vector<SiteOffset> shell_sites(const std::vector<Neighbor>& candidates, int shell,
                                    double* distance) {
  int current = 0;
  double last = -1.0;
  std::vector<SiteOffset> out;
  for (const auto& n : candidates) {
    if (n.distance > last + kDistanceTolerance) {
      ++current;
      last = n.distance;
      if (current > shell) break;
    }
    if (current == shell) {
      out.push_back(n.site);
      *distance = n.distance;
    }
  }
  return out;
}

std::string nearest_fixed_sublattices(const Crystal& crystal, const Eigen::Vector3d& point_frac) {
  if (!crystal.has_role(SiteRole::kFixed)) return "-";
  const Eigen::Vector3d origin = crystal.cartesian(point_frac);
  double best = 1e300;
  std::set<std::string> names;
  for (int i = -2; i <= 2; ++i)
    for (int j = -2; j <= 2; ++j)
      for (int k = -2; k <= 2; ++k)
        for (const auto& site : crystal.basis()) {
          if (site.role != SiteRole::kFixed) continue;
          const double d =
              (crystal.cartesian(Eigen::Vector3d(i, j, k) + site.frac) - origin).norm();
          if (d < best - kDistanceTolerance) {
            best = d;
            names = {site.sublattice};
          } else if (d <= best + kDistanceTolerance) {
            names.insert(site.sublattice);
          }
        }
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : "+") + n;
  return out;
}

// Geometry of one slot in absolute fractional coordinates (origin in cell 0).
struct SlotGeometry {
  int mobile;
  int slot;
  Eigen::Vector3d origin, target, via;
  bool has_via;
};

// Does op (plus a lattice translation) map hop a onto hop b? `reversed`
// allows origin and target to swap. On success `shift` holds the translation
// to subtract after applying the op.
bool maps_hop(const SymmetryOperation& op, const SlotGeometry& a, const SlotGeometry& b,
              bool reversed, Eigen::Vector3d* shift) {
  const Eigen::Vector3d q0 = op.apply_frac(a.origin);
  const Eigen::Vector3d q1 = op.apply_frac(a.target);
  const Eigen::Vector3d& b0 = reversed ? b.target : b.origin;
  const Eigen::Vector3d& b1 = reversed ? b.origin : b.target;
  Eigen::Vector3d l;
  if (!lattice_equivalent(q0, b0, &l, kFracTolerance)) return false;
  if (((q1 - l) - b1).norm() > kFracTolerance) return false;
  if (a.has_via != b.has_via) return false;
  if (a.has_via && ((op.apply_frac(a.via) - l) - b.via).norm() > kFracTolerance) return false;
  *shift = l;
  return true;
}

struct Vec3Key {
  long long x, y, z;
  auto operator<=>(const Vec3Key&) const = default;
};
Vec3Key vec_key(const Eigen::Vector3d& v) {
  return {std::llround(v[0] * 1e4), std::llround(v[1] * 1e4), std::llround(v[2] * 1e4)};
}

// Split pairs: the host of an interstitial site at absolute fractional
// position x, its unique nearest mobile lattice site (absolute fractional).
Eigen::Vector3d host_of(const Crystal& crystal, const Eigen::Vector3d& x, const std::string& mechanism) {
  const double r = crystal.cell().rowwise().norm().maxCoeff();
  const auto near = mobile_within(crystal, x, r, SiteRole::kLattice);
  if (near.empty() || (near.size() > 1 && near[1].distance < near[0].distance + kDistanceTolerance)) {
    std::ostringstream msg;
    msg << "mechanism '" << mechanism << "' (kind split): the interstitial site at fractional ("
        << x.transpose() << ") has no unique nearest lattice site to pair with; split pairs need "
        << "interstitial sites like the perovskite's 12h sites (a/4 from one X site)";
    throw InputError(msg.str());
  }
  return frac_of(crystal, near[0].site);
}

// Split pairs: the slots an interstitial at absolute position `x` can make
// as the pair's interstitial atom: targets in distance shells 1..shells
// from x, the pair's own opposite site excluded.
std::vector<SiteOffset> split_targets(const Crystal& crystal, const Eigen::Vector3d& x, const Eigen::Vector3d& host,
                                      int shells, double search) {
  const Eigen::Vector3d opposite = 2.0 * host - x;
  std::vector<Neighbor> candidates;
  for (const auto& n : mobile_within(crystal, x, search, SiteRole::kInterstitial))
    if ((frac_of(crystal, n.site) - opposite).norm() > kFracTolerance) candidates.push_back(n);
  std::vector<SiteOffset> out;
  for (int shell = 1; shell <= shells; ++shell) {
    double distance = 0;
    const auto sites = shell_sites(candidates, shell, &distance);
    out.insert(out.end(), sites.begin(), sites.end());
  }
  return out;
}

int find_root(std::vector<int>& parent, int i) {
  while (parent[i] != i) i = parent[i] = parent[parent[i]];
  return i;
}

}  // namespace

HopCatalog::HopCatalog(const Supercell& supercell, std::vector<Mechanism> mechanisms,
                       double r_env_angstrom)
    : m_supercell(supercell), m_mechanisms(std::move(mechanisms)), m_r_env(r_env_angstrom) {
  const Crystal& crystal = m_supercell.crystal();
  const auto& mobile = crystal.mobile_basis();
  const int n_mobile = static_cast<int>(mobile.size());
  m_slots.assign(n_mobile, {});
  if (!(r_env_angstrom >= 0.0)) throw InputError("r_env must be >= 0 Å");

  // 1. Enumerate slots per mobile basis site and mechanism.
  const double search = 2.5 * crystal.cell().rowwise().norm().maxCoeff();
  std::vector<SlotGeometry> geometry;
  // Mirrored split slots: their key is that of the primary slot from
  // `origin` to `target` (absolute fractional positions), filled in after the classes.
  struct MirrorSlot {
    int mobile, slot;
    Eigen::Vector3d origin, target;
  };
  std::vector<MirrorSlot> mirrors;
  for (int mech = 0; mech < static_cast<int>(m_mechanisms.size()); ++mech) {
    const Mechanism& mechanism = m_mechanisms[mech];
    if (mechanism.shell < 1) throw InputError("mechanism '" + mechanism.name + "': shell must be >= 1");
    bool any_site = false;
    for (int m = 0; m < n_mobile; ++m) {
      const SiteRole role = crystal.basis()[mobile[m]].role;
      const bool on_lattice = role == SiteRole::kLattice;
      if ((mechanism.kind == MechanismKind::kVacancy) != on_lattice) continue;
      any_site = true;
      const Eigen::Vector3d origin = crystal.basis()[mobile[m]].frac;
      auto add_slot = [&](const SiteOffset& target, const SiteOffset& via) -> HopSlot& {
        HopSlot slot;
        slot.mechanism = mech;
        slot.kind = mechanism.kind == MechanismKind::kSplit ? MechanismKind::kInterstitial : mechanism.kind;
        slot.target = target;
        slot.via = via;
        slot.defect_displacement =
            crystal.cartesian(frac_of(crystal, target)) - crystal.cartesian(origin);
        if (via.mobile >= 0)
          slot.via_displacement =
              crystal.cartesian(frac_of(crystal, via)) - crystal.cartesian(origin);
        SlotGeometry g{m, static_cast<int>(m_slots[m].size()), origin, frac_of(crystal, target),
                       via.mobile >= 0 ? frac_of(crystal, via) : Eigen::Vector3d::Zero(),
                       via.mobile >= 0};
        geometry.push_back(g);
        m_slots[m].push_back(std::move(slot));
        return m_slots[m].back();
      };
      if (mechanism.kind == MechanismKind::kSplit) {
        // Split pairs (docs/lattice.md): the interstitial atom leaves for an
        // interstitial site of another host, or rotates to one of its own
        // host's; and, mirrored, the host's atom leaves ("A leaves") and the
        // rotation seen from the other labelling.
        const Eigen::Vector3d host = host_of(crystal, origin, mechanism.name);
        const Eigen::Vector3d opposite = 2.0 * host - origin;
        const double pair_reach = (crystal.cartesian(origin) - crystal.cartesian(host)).norm();
        auto at = [&](const Eigen::Vector3d& x) {
          const SiteOffset s = locate(crystal, x);
          if (s.mobile < 0) throw Error("internal: split-pair site not found");
          return s;
        };
        auto make_split = [&](HopSlot& slot, const Eigen::Vector3d& target) {
          const Eigen::Vector3d target_host = host_of(crystal, target, mechanism.name);
          slot.split = true;
          slot.host = at(host);
          slot.required_ion = at(target_host);
          for (const auto& n : mobile_within(crystal, target_host, pair_reach, SiteRole::kInterstitial)) {
            const Eigen::Vector3d x = frac_of(crystal, n.site);
            if ((x - target).norm() < kFracTolerance || (x - origin).norm() < kFracTolerance) continue;
            if ((host_of(crystal, x, mechanism.name) - target_host).norm() > kFracTolerance)
              throw InputError("mechanism '" + mechanism.name +
                               "' (kind split): interstitial sites of different hosts lie at the same distance "
                               "from a lattice site; split pairs need the perovskite's 12h sites");
            slot.required_empty.push_back(n.site);
          }
          slot.pair_displacement = crystal.cartesian(target_host) - crystal.cartesian(host);
          return (target_host - host).norm() < kFracTolerance;  // a rotation
        };
        for (const auto& site : split_targets(crystal, origin, host, mechanism.shell, search)) {
          const Eigen::Vector3d target = frac_of(crystal, site);
          HopSlot& slot = add_slot(site, SiteOffset{});
          if (!make_split(slot, target)) continue;
          slot.view = +1;
          const Eigen::Vector3d side = 0.5 * (origin + target) - host;
          for (int d = 0; d < 3 && slot.equal_species_view == 0; ++d)
            if (std::abs(side[d]) > kFracTolerance) slot.equal_species_view = side[d] > 0 ? +1 : -1;
          HopSlot twin = slot;
          twin.view = -1;
          twin.mirrored = true;
          mirrors.push_back({m, static_cast<int>(m_slots[m].size()), opposite, 2.0 * host - target});
          m_slots[m].push_back(std::move(twin));
        }
        for (const auto& site : split_targets(crystal, opposite, host, mechanism.shell, search)) {
          const Eigen::Vector3d target = frac_of(crystal, site);
          HopSlot slot;
          slot.mechanism = mech;
          slot.kind = MechanismKind::kInterstitialcy;
          slot.target = site;
          slot.via = at(host);
          slot.defect_displacement = crystal.cartesian(target) - crystal.cartesian(origin);
          slot.via_displacement = crystal.cartesian(host) - crystal.cartesian(origin);
          if (make_split(slot, target)) continue;  // rotations: the twins above
          slot.mirrored = true;
          mirrors.push_back({m, static_cast<int>(m_slots[m].size()), opposite, target});
          m_slots[m].push_back(std::move(slot));
        }
      } else if (mechanism.kind == MechanismKind::kInterstitialcy) {
        double d_via = 0;
        const auto vias =
            shell_sites(mobile_within(crystal, origin, search, SiteRole::kLattice), 1, &d_via);
        for (const auto& via : vias) {
          double d_t = 0;
          const auto targets = shell_sites(
              mobile_within(crystal, frac_of(crystal, via), search, SiteRole::kInterstitial),
              mechanism.shell, &d_t);
          for (const auto& t : targets) {
            if (t == SiteOffset{m, {0, 0, 0}}) continue;
            add_slot(t, via);
          }
        }
      } else {
        const SiteRole target_role =
            mechanism.kind == MechanismKind::kVacancy ? SiteRole::kLattice : SiteRole::kInterstitial;
        double d = 0;
        const auto targets =
            shell_sites(mobile_within(crystal, origin, search, target_role), mechanism.shell, &d);
        if (targets.empty()) {
          throw InputError("mechanism '" + mechanism.name + "': shell " +
                           std::to_string(mechanism.shell) + " does not exist within " +
                           std::to_string(search) + " Å");
        }
        for (const auto& t : targets) add_slot(t, SiteOffset{});
      }
    }
    if (!any_site) {
      throw InputError(std::string("mechanism '") + mechanism.name + "' (kind " +
                       mechanism_kind_name(mechanism.kind) + ") has no sites: the crystal has no " +
                       (mechanism.kind == MechanismKind::kVacancy ? "mobile lattice"
                                                                  : "interstitial") +
                       " sublattice");
    }
  }

  // 2. Classes: orbits of slots under the space group, reversal included.
  const auto ops = space_group(crystal);
  const int n_slots = static_cast<int>(geometry.size());
  std::vector<int> parent(n_slots);
  std::iota(parent.begin(), parent.end(), 0);
  auto mech_of = [&](int g) { return m_slots[geometry[g].mobile][geometry[g].slot].mechanism; };
  for (int a = 0; a < n_slots; ++a) {
    for (const auto& op : ops) {
      for (int b = a + 1; b < n_slots; ++b) {
        if (mech_of(a) != mech_of(b) || find_root(parent, a) == find_root(parent, b)) continue;
        Eigen::Vector3d l;
        if (maps_hop(op, geometry[a], geometry[b], false, &l) ||
            maps_hop(op, geometry[a], geometry[b], true, &l)) {
          parent[find_root(parent, b)] = find_root(parent, a);
        }
      }
    }
  }

  // 3. Per class: template from the representative (smallest slot id), its
  //    stabiliser, and each member's environment in template order.
  std::map<int, int> class_of_root;
  for (int g = 0; g < n_slots; ++g) {
    const int root = find_root(parent, g);
    if (class_of_root.count(root)) continue;
    const int cls = static_cast<int>(m_classes.size());
    class_of_root[root] = cls;
    const SlotGeometry& rep = geometry[root];
    HopClass hc;
    hc.mechanism = mech_of(root);
    hc.representative_mobile = rep.mobile;
    const Eigen::Vector3d mid_frac = 0.5 * (rep.origin + rep.target);
    const Eigen::Vector3d mid = crystal.cartesian(mid_frac);
    if (m_mechanisms[hc.mechanism].kind == MechanismKind::kSplit) {
      // Split pairs: named by what the pair does, the way its hosts' hop would be.
      const std::string& name = m_mechanisms[hc.mechanism].name;
      const Eigen::Vector3d h0 = host_of(crystal, rep.origin, name), h1 = host_of(crystal, rep.target, name);
      hc.path_type = (h0 - h1).norm() < kFracTolerance ? "rotation" : nearest_fixed_sublattices(crystal, 0.5 * (h0 + h1));
    } else {
      hc.path_type = nearest_fixed_sublattices(crystal, mid_frac);
    }
    hc.distance_angstrom = (crystal.cartesian(rep.target) - crystal.cartesian(rep.origin)).norm();
    hc.midpoint = mid;
    hc.origin_vector = crystal.cartesian(rep.origin) - mid;
    hc.target_vector = crystal.cartesian(rep.target) - mid;
    if (rep.has_via) hc.via_vector = crystal.cartesian(rep.via) - mid;

    // Environment sites of the representative, sorted by their vector from the midpoint.
    std::vector<std::pair<Vec3Key, Eigen::Vector3d>> env;  // (key, absolute frac)
    for (SiteRole role : {SiteRole::kLattice, SiteRole::kInterstitial}) {
      for (const auto& n : mobile_within(crystal, mid_frac, m_r_env, role)) {
        const Eigen::Vector3d f = frac_of(crystal, n.site);
        if ((f - rep.origin).norm() < kFracTolerance || (f - rep.target).norm() < kFracTolerance ||
            (rep.has_via && (f - rep.via).norm() < kFracTolerance))
          continue;
        if ((crystal.cartesian(f) - mid).norm() > m_r_env + kDistanceTolerance) continue;
        env.emplace_back(vec_key(crystal.cartesian(f) - mid), f);
      }
    }
    std::sort(env.begin(), env.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    std::map<Vec3Key, int> index_of;
    for (int k = 0; k < static_cast<int>(env.size()); ++k) {
      index_of[env[k].first] = k;
      hc.template_vectors.push_back(crystal.cartesian(env[k].second) - mid);
    }
    for (const auto& op : ops) {
      for (bool reversed : {false, true}) {
        Eigen::Vector3d l;
        if (!maps_hop(op, rep, rep, reversed, &l)) continue;
        std::vector<int> perm(env.size());
        for (int k = 0; k < static_cast<int>(env.size()); ++k) {
          const auto it = index_of.find(vec_key(op.rotation_cart * hc.template_vectors[k]));
          if (it == index_of.end()) throw Error("internal: symmetry does not map environment");
          perm[k] = it->second;
        }
        if (std::find(hc.symmetry_permutations.begin(), hc.symmetry_permutations.end(), perm) ==
            hc.symmetry_permutations.end())
          hc.symmetry_permutations.push_back(std::move(perm));
      }
    }
    // Members: map the representative onto each, and read its environment.
    for (int h = 0; h < n_slots; ++h) {
      if (find_root(parent, h) != root) continue;
      const SlotGeometry& member = geometry[h];
      bool mapped = false;
      for (const auto& op : ops) {
        for (bool reversed : {false, true}) {
          Eigen::Vector3d l;
          if (!maps_hop(op, rep, member, reversed, &l)) continue;
          HopSlot& slot = m_slots[member.mobile][member.slot];
          slot.hop_class = cls;
          for (const auto& e : env) {
            const SiteOffset s = locate(crystal, op.apply_frac(e.second) - l);
            if (s.mobile < 0) throw Error("internal: environment site not found");
            slot.environment.push_back(s);
          }
          mapped = true;
          break;
        }
        if (mapped) break;
      }
      if (!mapped) throw Error("internal: hop class member not reachable by symmetry");
    }
    m_classes.push_back(std::move(hc));
  }

  // 3b. Mirrored split slots: the class and environment of their mirror image,
  //     read through the pair's other labelling (HopSlot::mirrored).
  for (const auto& mirror : mirrors) {
    HopSlot& slot = m_slots[mirror.mobile][mirror.slot];
    const SiteOffset from = locate(crystal, mirror.origin);
    const SiteOffset to = locate(crystal, mirror.target);
    const SiteOffset to_rel{to.mobile, {to.cell[0] - from.cell[0], to.cell[1] - from.cell[1], to.cell[2] - from.cell[2]}};
    const HopSlot* primary = nullptr;
    for (const auto& p : m_slots[from.mobile])
      if (!p.mirrored && p.mechanism == slot.mechanism && p.target == to_rel) primary = &p;
    if (!primary) throw Error("internal: a split slot has no mirror image");
    slot.hop_class = primary->hop_class;
    const SiteOffset self{mirror.mobile, {0, 0, 0}};
    for (const auto& e : primary->environment) {
      const SiteOffset abs{e.mobile, {e.cell[0] + from.cell[0], e.cell[1] + from.cell[1], e.cell[2] + from.cell[2]}};
      // The host holds the interstitial atom in the other labelling; the
      // origin is empty there (read the target, which a possible hop has empty).
      slot.environment.push_back(abs == slot.host ? self : abs == self ? slot.target : abs);
    }
  }

  // 4. Labels: mechanism/path, numbered when several classes share one.
  std::map<std::string, int> seen;
  for (auto& hc : m_classes) seen[m_mechanisms[hc.mechanism].name + "/" + hc.path_type]++;
  std::map<std::string, int> numbered;
  for (auto& hc : m_classes) {
    const std::string base = m_mechanisms[hc.mechanism].name + "/" + hc.path_type;
    hc.label = seen[base] > 1 ? base + "#" + std::to_string(numbered[base]++) : base;
  }

  // 5. The supercell must be large enough that no hop sees itself through the
  //    periodic boundary: all sites of a slot must be distinct.
  for (int m = 0; m < n_mobile; ++m) {
    const int site = m_supercell.site({0, 0, 0}, m);
    for (const auto& slot : m_slots[m]) {
      if (slot.mirrored) continue;  // reads the sites of its primary, which is checked
      std::vector<int> sites{site, m_supercell.shifted(site, slot.target)};
      if (slot.via.mobile >= 0) sites.push_back(m_supercell.shifted(site, slot.via));
      for (const auto& e : slot.environment) sites.push_back(m_supercell.shifted(site, e));
      std::sort(sites.begin(), sites.end());
      if (std::adjacent_find(sites.begin(), sites.end()) != sites.end()) {
        const auto& d = m_supercell.dims();
        std::ostringstream msg;
        msg << "supercell [" << d[0] << ", " << d[1] << ", " << d[2]
            << "] is too small for the hops of mechanism '" << m_mechanisms[slot.mechanism].name
            << "' with r_env = " << m_r_env
            << " Å: a hop environment wraps onto itself through the periodic boundary; "
               "enlarge the supercell or reduce r_env";
        throw InputError(msg.str());
      }
    }
    m_max_slots = std::max(m_max_slots, static_cast<int>(m_slots[m].size()));
  }
}

bool HopCatalog::has_split() const {
  return std::any_of(m_mechanisms.begin(), m_mechanisms.end(),
                     [](const Mechanism& m) { return m.kind == MechanismKind::kSplit; });
}

void HopCatalog::environment(const HopSlot& slot, int site, std::span<const Occupant> occupancy,
                             std::string& out) const {
  const CellIndex cell = m_supercell.cell_of(site);
  out.resize(slot.environment.size());
  for (size_t k = 0; k < slot.environment.size(); ++k) {
    out[k] = static_cast<char>(occupancy[m_supercell.shifted_from(cell, slot.environment[k])]);
  }
}

std::string HopCatalog::canonicalize(int hop_class, const std::string& raw) const {
  std::string best;
  canonicalize(hop_class, raw, best);
  return best;
}

void HopCatalog::canonicalize(int hop_class, const std::string& raw, std::string& best) const {
  best = raw;
  for (const auto& perm : m_classes[hop_class].symmetry_permutations) {
    // Compare the permuted string with the best so far without building it.
    std::size_t k = 0;
    while (k < perm.size() && raw[perm[k]] == best[k]) ++k;
    if (k < perm.size() && static_cast<unsigned char>(raw[perm[k]]) < static_cast<unsigned char>(best[k]))
      for (; k < perm.size(); ++k) best[k] = raw[perm[k]];
  }
}

EnvironmentKey HopCatalog::key(const HopSlot& slot, int site, std::span<const Occupant> occupancy,
                               Occupant moving_species) const {
  std::string raw;
  environment(slot, site, occupancy, raw);
  return EnvironmentKey{slot.hop_class, moving_species, canonicalize(slot.hop_class, raw)};
}

}  // namespace hkmc::lattice
