#pragma once
// The NEB barrier of one halide hop in one local I/Br environment: builds a
// periodic cubic-perovskite cell around the hop (keyed occupancy inside r_env,
// a deterministic fill outside), relaxes both end states with FIRE, runs
// CI-NEB, checks the result and returns a record. The record is a pure
// function of (request, settings, potential): no randomness, no dependence on
// thread count (for a potential whose compute() is itself deterministic).
//
// Construction rules, checks and fallbacks: docs/neb.md, "NEB cells for
// environment keys". They define what a cached barrier record means; a change
// to them must change HopCellRule::describe() (its rule version tag).
#include <Eigen/Core>
#include <map>
#include <string>
#include <vector>

#include "hkmc/neb/Fire.hpp"
#include "hkmc/neb/Neb.hpp"
#include "hkmc/neb/Potential.hpp"
#include "hkmc/neb/Structure.hpp"

namespace hkmc::neb {

// SplitPair: the split-interstitial edge interstitialcy of docs/neb.md
// ("Halide interstitials: where the minimum is"): a pair of halides shares
// the X site `origin`; its atom at origin + pair_origin moves to
// target + pair_target and forms a new pair with the ion of the X site
// `target`, which moves to target − pair_target; the other atom of the old
// pair (at origin − pair_origin) returns to the X site. With origin = target
// (both zero) it is the on-site rotation of the pair: pair_target ⟂
// pair_origin, the mover goes from origin + pair_origin to origin +
// pair_target and the partner from origin − pair_origin to origin −
// pair_target; `pushed` must be empty.
enum class HopKind { Vacancy, Interstitial, Interstitialcy, SplitPair };
const char* to_string(HopKind kind);

// One hop and its environment, in units of the cubic perovskite lattice
// constant (fractions of a), in the KMC lattice's own orientation. Sites of the
// cubic perovskite: B at the origin, A at (½,½,½), X at (½,0,0), (0,½,0),
// (0,0,½), interstitial (Wyckoff 3c) at (0,½,½), (½,0,½), (½,½,0).
struct HopRequest {
  HopKind kind = HopKind::Vacancy;
  Eigen::Vector3d midpoint = Eigen::Vector3d::Zero();  // absolute hop midpoint (fractions of a; B at the origin)
  // Relative to the midpoint (fractions of a): where the defect is / goes;
  // via = the pushed lattice ion (interstitialcy only).
  Eigen::Vector3d origin = Eigen::Vector3d::Zero();
  Eigen::Vector3d target = Eigen::Vector3d::Zero();
  Eigen::Vector3d via = Eigen::Vector3d::Zero();
  // Mobile sites (X and interstitial) within r_env, relative to the midpoint
  // (fractions of a); origin, target and via excluded.
  std::vector<Eigen::Vector3d> environment;
  // Element per environment site; "" = empty site (vacant X, or empty
  // interstitial site).
  std::vector<std::string> environment_species;
  // Element of the ion that moves. Vacancy hop: the ion at `target` jumps into
  // the vacancy at `origin`. Interstitial hop: the interstitial at `origin`
  // jumps to the empty interstitial site `target`. Interstitialcy: the
  // interstitial at `origin` pushes the lattice ion at `via` into the empty
  // interstitial site `target` and takes its X site.
  std::string moving;
  std::string pushed;  // interstitialcy: element of the pushed ion; split pair: the ion on `target`
  // Split pair only (fractions of a, each a/4 along a cube axis perpendicular
  // to its X site's Pb–X–Pb axis): the mover's start relative to `origin`
  // and its end relative to `target`; `partner` is the element of the other
  // atom of the initial pair, which stays on `origin`.
  Eigen::Vector3d pair_origin = Eigen::Vector3d::Zero();
  Eigen::Vector3d pair_target = Eigen::Vector3d::Zero();
  std::string partner;
};

// The same hop seen through a space-group operation of the cubic perovskite
// (x -> R x + t, R a signed permutation matrix, t integer) and optionally
// reversed (origin <-> target; for an interstitialcy also moving <-> pushed;
// for a split pair also pair_origin <-> pair_target and pushed <-> partner,
// for a rotation only pair_origin <-> pair_target), and for a rotation also
// relabelled (moving <-> partner, pair vectors negated: the same two states):
// the one among all 48 x 2 images that is smallest in a fixed lexicographic
// order (midpoint reduced to [0,1)^3, then origin, target, via, the sorted
// environment vectors, their species, moving, pushed, pair_origin,
// pair_target, partner). Symmetry-equivalent
// requests have identical canonical forms; ties go to the first operation in
// a fixed enumeration (identity first), so a canonical request maps to itself.
struct CanonicalHop {
  HopRequest request;                                       // the canonical image
  Eigen::Matrix3i rotation = Eigen::Matrix3i::Identity();   // R: canonical vector = R · request vector
  bool reversed = false;                                    // the canonical hop runs the request's hop backwards
};
// Throws InputError when a request position is not a mobile site of the
// perovskite (positions must be multiples of ¼ a).
CanonicalHop canonical_hop(const HopRequest& request);

// A lattice split-pair hop (docs/lattice.md: interstitial sites on Wyckoff
// 12h, s ± a/4·u for X site s and u ⟂ its Pb–X–Pb axis; the "host" of a 12h
// site is the X site a/4 away) as the SplitPair request it stands for. All
// vectors in fractions of a: `midpoint` absolute; `origin_12h`, `target_12h`
// (the mover's 12h sites) and `environment` (X and 12h sites, origin and
// target excluded) relative to `midpoint`; `species[k]` is the element on
// environment site k ("" = empty). Hosts differ: the mover joins the ion on
// host(target) (origin = host(origin), target = host(target)); one host: the
// on-site rotation. The hosts' X sites must be in the environment (partner
// and pushed are read there and removed); empty 12h sites are dropped.
// Throws InputError when the geometry is not such a hop, a host site is
// missing or vacant, or an environment 12h site is occupied (another pair:
// the NEB cell holds one; split_pair_blocker() tells it before).
HopRequest split_pair_request_from_sites(const Eigen::Vector3d& midpoint, const Eigen::Vector3d& origin_12h,
                                         const Eigen::Vector3d& target_12h,
                                         const std::vector<Eigen::Vector3d>& environment,
                                         const std::vector<std::string>& species, const std::string& moving);
// Whether `absolute` (fractions of a) is a 12h split-pair site.
bool is_split_pair_site(const Eigen::Vector3d& absolute);
// Empty when no environment 12h site is occupied; else which one, in words.
std::string split_pair_blocker(const Eigen::Vector3d& midpoint, const std::vector<Eigen::Vector3d>& environment,
                               const std::vector<std::string>& species);

struct HopCellRule {  // how the periodic NEB cell is built (part of the cache provenance)
  int repeats = 3;    // n×n×n unit cells
  // Å per pure halide (the reference potential's static minima, as in
  // `halide-kmc neb`); Vegard's law in between.
  std::map<std::string, double> lattice_constant{{"I", 6.20}, {"Br", 5.76}};
  std::string a_site = "Cs", b_site = "Pb";
  // Å. > 0: every cell uses this lattice constant (no Vegard's law), so the
  // cell does not swell or shrink with the keyed composition. 0 (default):
  // Vegard's law over every halide of the cell.
  double fixed_lattice_constant = 0.0;
  // Halide fractions of the X sites outside r_env (each in [0, 1], summing to
  // 1), assigned by the same largest-deficit rule. Empty (default): the keyed
  // environment's X composition, so the far fill changes with the key.
  std::map<std::string, double> fill_composition;

  void validate() const;         // throws InputError naming the bad field
  std::string describe() const;  // one line for provenance, every field and the rule version
};

struct HopBarrierSettings {
  HopCellRule cell;
  NebOptions neb;  // images, spring, fmax, max_steps, interpolation ... (fixed must be empty)
  // Endpoint relaxation; fmax 0.01 eV/Å like `halide-kmc neb`.
  FireOptions relax = [] {
    FireOptions f;
    f.fmax = 0.01;
    return f;
  }();
  // Basin check: an atom of a relaxed end state farther than this from its
  // ideal site (fractions of a; 0.25 a is half the shortest distance between
  // two mobile sites, X to 3c = a/2) means the end state left its basin.
  // Split pairs (fixed rules, "split_pair[... checks=v1]" in the provider's
  // provenance): halides must also stay within a/8 (half of 12h to 3c, a/4),
  // and the relaxed end states must differ by half the ideal hop (else both
  // relaxed into one minimum).
  double basin_tolerance = 0.25;
  // Stability probe: each relaxed end state is relaxed again after every atom
  // is displaced by a fixed pseudo-random pattern (each Cartesian component
  // uniform in ±probe_displacement Å, a hash of the atom's ideal position
  // relative to the midpoint in the canonical frame, so equivalent requests
  // get equivalent probes); an energy drop of more than `probe_drop` (eV)
  // means the end state was a saddle held by symmetry (the 3c interstitial
  // site with the reference potential) and gives BasinChange. 0 = no probe.
  double probe_displacement = 0.2;
  double probe_drop = 0.01;
  // Build and run the NEB in the canonical orientation (canonical_hop), so
  // symmetry-equivalent requests give bitwise-identical records (a pure
  // function of the environment key). false: in the request's own orientation
  // (used by the symmetry validation).
  bool canonical_frame = true;
  // NEB attempts before giving up: 1 = as given; 2 = then with the other
  // interpolation (IDPP <-> linear); 3 = then max(7, n_images + 2) images and
  // twice the steps.
  int max_attempts = 3;
  // Embedded cell (fractions of a). > 0: only atoms whose ideal site (initial
  // state) lies within relax_radius of the hop midpoint (periodic distance)
  // move in the end-state relaxations, the probe and the NEB; the others stay
  // on their ideal sites, so sites beyond relax_radius act on the barrier
  // only through direct interactions: E_KRA converges once r_env >=
  // relax_radius + 0.75 a, but barriers of I hops come out 0.2-0.3 eV above
  // the fully relaxed ones (docs/neb.md, convergence diagnosis). Must be 0
  // (every atom moves, default) or >= 0.75 (the hop's own sites lie at 0.35 a).
  double relax_radius = 0.0;

  void validate() const;         // throws InputError naming the bad field
  std::string describe() const;  // one line for provenance, every field that changes the result
};

enum class HopBarrierStatus { Ok, NotConverged, BelowEndpoint, BasinChange, Failed };
std::string to_string(HopBarrierStatus status);

struct HopBarrierRecord {
  double e_forward = 0, e_backward = 0, e_kra = 0;  // eV; E_KRA = (fwd + bwd)/2
  double delta_e = 0;                               // E_final − E_initial, eV
  std::vector<double> image_energies;               // relative to the initial state, eV (endpoints included)
  double max_force = 0;                             // largest NEB force at the end of the last attempt, eV/Å
  int force_calls = 0;                              // endpoints + NEB, all attempts
  int attempts = 0;                                 // NEB attempts made
  double lattice_constant = 0;                      // Å actually used
  double wall_seconds = 0;                          // informational only (not part of the pure result)
  HopBarrierStatus status = HopBarrierStatus::Failed;
  std::string message;                              // why, when status != Ok
  bool usable() const { return status == HopBarrierStatus::Ok; }
};

struct HopEndpointsBuilt {
  Structure initial, final_state;  // unrelaxed, same atoms in the same order
  int moving_atom = -1;            // index of the moving ion in both
  std::vector<int> pushed_atoms;   // interstitialcy: the pushed ion; split pair: the ion on target, then the
                                   // partner; rotation: the partner
  double a = 0;                    // lattice constant used, Å
  Eigen::Vector3d midpoint = Eigen::Vector3d::Zero();  // hop midpoint in the cell, Å (Cartesian)
  Eigen::Matrix3i rotation = Eigen::Matrix3i::Identity();  // canonical_hop(request).rotation
};

// The unrelaxed end states in the request's own orientation. Throws
// InputError for impossible requests (a position that is not a mobile site,
// sites of the wrong kind for the mechanism, two request sites on one site of
// the periodic cell because r_env is too large for the cell, an element
// without a lattice constant) with a message that says which.
HopEndpointsBuilt build_hop_cell(const HopRequest& request, const HopCellRule& rule);

// The structures one computation went through, in the frame it ran in: the
// relaxed end states, the probed end states, and the last path of every NEB
// attempt. For looking at a flagged record (`halide-kmc barriers inspect`)
// and for adding the configurations a potential got wrong to its training
// data; not part of the record.
struct HopBarrierTrace {
  std::vector<Structure> structures;
  std::vector<std::string> labels;  // one per structure, e.g. "attempt 2 image 3/6"
  std::vector<double> energies;     // eV, the potential's energy of each structure
};

// Builds the cell, relaxes, runs CI-NEB with fallbacks and checks the result.
// Never throws for NEB trouble (status and message say it); throws
// InputError for an impossible request, invalid settings, or an element the
// potential does not know. A non-null `trace` collects the structures.
HopBarrierRecord compute_hop_barrier(const Potential& potential, const HopRequest& request,
                                     const HopBarrierSettings& settings, HopBarrierTrace* trace = nullptr);

}  // namespace hkmc::neb
