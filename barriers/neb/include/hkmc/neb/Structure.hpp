#pragma once
// An atomic configuration: what a Potential evaluates and NEB moves.
#include <Eigen/Core>
#include <cstddef>
#include <string>
#include <vector>

namespace hkmc::neb {

// N×3 row-major so that one atom's coordinates are contiguous (and a block of
// N×3 doubles maps directly onto a torch tensor of shape [N, 3]).
using Matrix3N = Eigen::Matrix<double, Eigen::Dynamic, 3, Eigen::RowMajor>;
// 3×3, rows are the lattice vectors a1, a2, a3 (Å); r = f · cell for a row
// vector f of fractional coordinates.
using Cell = Eigen::Matrix3d;

struct Structure {
  Matrix3N positions;                // N×3 Cartesian positions, Å (need not be wrapped)
  std::vector<std::string> symbols;  // N element symbols, e.g. "Cs", "Pb", "I", "Br"
  Cell cell = Cell::Zero();          // 3×3, rows = lattice vectors, Å
  bool periodic = true;              // periodic in all three directions, or not at all

  std::size_t size() const { return symbols.size(); }
  // Cell volume, Å³ (positive for a right-handed cell).
  double volume() const;
  // Throws InputError unless positions and symbols agree in length, the cell is
  // non-singular when periodic, and every coordinate is finite.
  void validate() const;
};

// Displacement d (3-vector, Å) mapped to its shortest periodic image under
// `cell` (exact for cells whose width exceeds 2|d|; otherwise the image with
// fractional components in [-1/2, 1/2)).
Eigen::Vector3d minimum_image(const Eigen::Vector3d& d, const Cell& cell);

// Positions (N×3, Å) of b after moving every atom by a lattice vector so that
// it sits at the minimum image of its displacement from the same atom in a.
// NEB endpoints must be unwrapped against each other before interpolating.
Matrix3N unwrap_against(const Structure& a, const Structure& b);

}  // namespace hkmc::neb
