#pragma once
// A crystal replicated n1 x n2 x n3 times with periodic boundaries. Only the
// mobile sites are indexed: site = ((i*n2 + j)*n3 + k)*M + m, with m the index
// into Crystal::mobile_basis() and M their number.
#include <Eigen/Core>
#include <array>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "hkmc/lattice/Crystal.hpp"

namespace hkmc::lattice {

using CellIndex = std::array<int, 3>;

// A mobile site relative to another site's unit cell.
struct SiteOffset {
  int mobile = -1;        // index into Crystal::mobile_basis(); -1 = none
  CellIndex cell{0, 0, 0};  // cell offset
  bool operator==(const SiteOffset&) const = default;
};

class Supercell {
 public:
  Supercell(Crystal crystal, CellIndex dims);

  const Crystal& crystal() const { return m_crystal; }
  const CellIndex& dims() const { return m_dims; }
  int num_cells() const { return m_dims[0] * m_dims[1] * m_dims[2]; }
  int mobile_count() const { return m_mobile_count; }
  int num_sites() const { return num_cells() * m_mobile_count; }

  int site(const CellIndex& cell, int mobile) const {
    return ((cell[0] * m_dims[1] + cell[1]) * m_dims[2] + cell[2]) * m_mobile_count + mobile;
  }
  int mobile_of(int site) const { return site % m_mobile_count; }
  CellIndex cell_of(int site) const {
    int c = site / m_mobile_count;
    const int k = c % m_dims[2];
    c /= m_dims[2];
    return {c / m_dims[1], c % m_dims[1], k};
  }
  // The site at `offset` from the cell of `site`, wrapped periodically.
  int shifted(int site, const SiteOffset& offset) const {
    return shifted_from(cell_of(site), offset);
  }
  // Same, from a cell already decomposed (saves the divisions in hot loops).
  int shifted_from(const CellIndex& c, const SiteOffset& offset) const {
    return this->site(shift_cell(c, offset), offset.mobile);
  }
  // The cell at `offset` from cell `c`, wrapped periodically.
  CellIndex shift_cell(const CellIndex& c, const SiteOffset& offset) const {
    CellIndex n;
    for (int d = 0; d < 3; ++d) {
      const int v = c[d] + offset.cell[d];
      // Offsets are a few cells at most: a lookup table wraps them without a
      // division or a branch; larger ones take the general path.
      if (v >= -kWrapReach && v < m_dims[d] + kWrapReach) {
        n[d] = m_wrap[d][v + kWrapReach];
      } else {
        n[d] = ((v % m_dims[d]) + m_dims[d]) % m_dims[d];
      }
    }
    return n;
  }

  // The sites at offsets of at most `reach` cells (any axis) from one cell:
  // three pointers into per-axis tables of wrapped, pre-scaled index parts,
  // so loops over many offsets near the box faces add three table entries
  // per site instead of wrapping each one, and making a frame costs nothing.
  // A frame reads the Supercell's tables: it must not outlive it.
  static constexpr int kFrameReach = 16;
  class Frame {
   public:
    int site(const SiteOffset& o) const {
      return m_base[0][o.cell[0]] + m_base[1][o.cell[1]] + m_base[2][o.cell[2]] + o.mobile;
    }

   private:
    friend class Supercell;
    std::array<const int*, 3> m_base;  // m_base[d][o] = the index part of cell coordinate c_d + o
  };
  // reach <= kFrameReach (throws std::logic_error otherwise: callers check).
  Frame frame(const CellIndex& cell, int reach) const {
    static_assert(kFrameReach <= kWrapReach);
    if (reach < 0 || reach > kFrameReach) throw std::logic_error("Supercell::frame: reach beyond kFrameReach");
    Frame f;
    for (int d = 0; d < 3; ++d) f.m_base[d] = m_wrapped_part[d].data() + cell[d] + kWrapReach;
    return f;
  }

  // Index difference between the site at `offset` from a site of basis
  // `from_mobile` and that site, valid whenever no periodic wrap occurs, i.e.
  // for sites at least `reach(offset)` cells away from every box face: the
  // hot loops use it there instead of wrapping coordinates.
  int linear_delta(const SiteOffset& offset, int from_mobile) const {
    return ((offset.cell[0] * m_dims[1] + offset.cell[1]) * m_dims[2] + offset.cell[2]) * m_mobile_count +
           offset.mobile - from_mobile;
  }
  // True when every offset of reach <= `reach` cells from `cell` stays inside the box.
  bool interior(const CellIndex& cell, int reach) const {
    for (int d = 0; d < 3; ++d)
      if (cell[d] < reach || cell[d] >= m_dims[d] - reach) return false;
    return true;
  }

  // Cartesian position (Å) of a site inside the box.
  Eigen::Vector3d position(int site) const;
  // Fractional position in units of the unit cell (unwrapped cell index + basis).
  Eigen::Vector3d cell_frac(int site) const;
  const BasisSite& basis_site(int site) const {
    return m_crystal.basis()[m_crystal.mobile_basis()[mobile_of(site)]];
  }
  SiteRole role(int site) const { return basis_site(site).role; }
  // Rows: the periodic box vectors (Å).
  Eigen::Matrix3d box() const;
  // Shortest distance between a periodic box face and the opposite face (Å).
  double min_width() const;

 private:
  static constexpr int kWrapReach = 16;
  Crystal m_crystal;
  CellIndex m_dims;
  int m_mobile_count;
  std::array<std::vector<int>, 3> m_wrap;  // m_wrap[d][v + kWrapReach] = v mod n_d
  std::array<std::vector<int>, 3> m_wrapped_part;  // m_wrap[d][...] times the index stride of axis d
};

}  // namespace hkmc::lattice
