#pragma once
// Every hop a mobile defect can make, grouped into symmetry classes, with the
// local environment of each hop and its canonical key.
//
// A hop is seen from the defect: a vacancy at lattice site s "moves" to the
// lattice site t whose ion jumps into s; an interstitial at s jumps to the
// empty interstitial site t; in an interstitialcy the interstitial at s pushes
// the ion at lattice site `via` into the interstitial site t and takes its place.
// A `split` mechanism moves split-pair interstitials (docs/lattice.md,
// "Split-pair interstitial sites"): an occupied interstitial site and the
// lattice ion of its host (the nearest lattice site) form one pair; its hops
// are slots of the other kinds with extra conditions (HopSlot).
//
// Environment of a hop: the mobile sites within r_env of the midpoint of s and
// t, the moving sites themselves excluded (they hold the moving ion and the
// defect, the same before and after). Its key is canonical: the
// lexicographically smallest occupancy string over the space-group operations
// that map the hop onto itself, reversal included, written in a template order
// shared by all hops of the class. So a hop, its reverse and every
// symmetry-equivalent hop share one key.
#include <Eigen/Core>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "hkmc/lattice/Species.hpp"
#include "hkmc/lattice/Supercell.hpp"

namespace hkmc::lattice {

enum class MechanismKind { kVacancy, kInterstitial, kInterstitialcy, kSplit };

struct Mechanism {
  std::string name;   // e.g. "vacancy_edge"
  MechanismKind kind = MechanismKind::kVacancy;
  int shell = 1;      // neighbour shell of the target sites, 1 = nearest
                      // (split: distance shells from the moving atom's start)
};

MechanismKind mechanism_kind_from_name(const std::string& kind);  // throws InputError
const char* mechanism_kind_name(MechanismKind kind);

struct HopSlot {
  int mechanism = 0;
  // What the hop does to the sites: vacancy, interstitial (origin -> target)
  // or interstitialcy; the mechanism's kind except for split mechanisms.
  MechanismKind kind = MechanismKind::kVacancy;
  int hop_class = 0;
  SiteOffset target;                      // where the defect goes
  SiteOffset via;                         // interstitialcy: the pushed lattice ion; else none
  Eigen::Vector3d defect_displacement;    // Å, origin -> target
  Eigen::Vector3d via_displacement = Eigen::Vector3d::Zero();  // Å, origin -> via (interstitialcy)
  std::vector<SiteOffset> environment;    // in the class's template order

  // Split pairs only (`split` set; all offsets from the origin's cell).
  bool split = false;
  SiteOffset host;                        // the lattice site of the origin's pair
  SiteOffset required_ion;                // the target's host: must hold an ion (no pair on a vacancy)
  std::vector<SiteOffset> required_empty; // the target's other interstitial sites: no second pair there
  // A rotation moves both atoms of the pair; its key is that of one atom's
  // move (its "view"), the same whichever labelling the state is in and
  // for the hop back: the move of the atom with the larger species code,
  // or, for equal species, the move whose midpoint lies on the + side of the
  // host (first non-zero component of the midpoint minus the host). So each
  // rotation has two slots: `view` +1 is the interstitial atom's move, -1
  // the host atom's (mirrored); `equal_species_view` says which one serves
  // equal species. 0: not a rotation.
  int view = 0;
  int equal_species_view = 0;
  // The key is the mirror image's: the same physical hop seen in the pair's
  // other labelling (host and interstitial atom swapped). `environment` then
  // reads the host's ion at the origin and an empty site where the origin
  // is, and the key's moving ion is the host's (the atom that leaves).
  bool mirrored = false;
  // The net displacement of the pair's atoms (host(target) − host(origin),
  // Å): what the field works on when all halides carry the same charge.
  Eigen::Vector3d pair_displacement = Eigen::Vector3d::Zero();
};

struct HopClass {
  int mechanism = 0;
  std::string path_type;        // fixed sublattice(s) nearest the hop midpoint, e.g. "B", "B'"
  std::string label;            // "<mechanism>/<path_type>" (+ "#n" if several classes share it)
  double distance_angstrom = 0; // |defect displacement|
  int representative_mobile = 0;
  // The representative hop in Cartesian Å, for whoever rebuilds it (the NEB
  // provider): its midpoint (absolute) and its origin, target and (interstitialcy)
  // via sites relative to that midpoint.
  Eigen::Vector3d midpoint = Eigen::Vector3d::Zero();
  Eigen::Vector3d origin_vector = Eigen::Vector3d::Zero();
  Eigen::Vector3d target_vector = Eigen::Vector3d::Zero();
  Eigen::Vector3d via_vector = Eigen::Vector3d::Zero();
  std::vector<Eigen::Vector3d> template_vectors;  // Å, env sites relative to the midpoint
  // Stabiliser of the representative hop as permutations of template indices:
  // the string seen through operation g is s_g[k] = s[perm_g[k]].
  std::vector<std::vector<int>> symmetry_permutations;
};

struct EnvironmentKey {
  int hop_class = 0;
  Occupant moving_species = kEmpty;
  std::string occupancy;  // one byte per template site: species code, 0 = empty
  bool operator==(const EnvironmentKey&) const = default;
};

struct EnvironmentKeyHash {
  std::size_t operator()(const EnvironmentKey& k) const noexcept {
    std::size_t h = std::hash<std::string>()(k.occupancy);
    return h ^ (static_cast<std::size_t>(k.hop_class) * 0x9E3779B97F4A7C15ull + k.moving_species);
  }
};

class HopCatalog {
 public:
  HopCatalog(const Supercell& supercell, std::vector<Mechanism> mechanisms, double r_env_angstrom);

  const std::vector<Mechanism>& mechanisms() const { return m_mechanisms; }
  const std::vector<HopClass>& classes() const { return m_classes; }
  // The hops a defect on mobile basis site `mobile` can make (all mechanisms).
  const std::vector<HopSlot>& slots(int mobile) const { return m_slots[mobile]; }
  bool has_split() const;  // a split mechanism is among the mechanisms
  int max_slots() const { return m_max_slots; }
  double r_env() const { return m_r_env; }
  const Supercell& supercell() const { return m_supercell; }

  // Occupancy of the hop's environment in template order (raw, not canonical).
  void environment(const HopSlot& slot, int site, std::span<const Occupant> occupancy,
                   std::string& out) const;
  // Smallest string over the class's symmetry permutations.
  std::string canonicalize(int hop_class, const std::string& raw) const;
  // The same into `out` (no allocation once `out` has the capacity).
  void canonicalize(int hop_class, const std::string& raw, std::string& out) const;
  EnvironmentKey key(const HopSlot& slot, int site, std::span<const Occupant> occupancy,
                     Occupant moving_species) const;

 private:
  Supercell m_supercell;  // a copy: small, and no lifetime coupling
  std::vector<Mechanism> m_mechanisms;
  double m_r_env;
  std::vector<HopClass> m_classes;
  std::vector<std::vector<HopSlot>> m_slots;  // by mobile basis index
  int m_max_slots = 0;
};

}  // namespace hkmc::lattice
