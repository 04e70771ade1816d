#include "hkmc/neb/PerovskiteCell.hpp"

#include <fmt/format.h>

#include "hkmc/common/Error.hpp"

namespace hkmc::neb {

void CubicPerovskiteSpec::validate() const {
  if (!(a > 0.0)) throw InputError(fmt::format("perovskite: a = {}: must be > 0 A", a));
  for (int k = 0; k < 3; ++k) {
    if (repeats[k] < 1) {
      throw InputError(fmt::format("perovskite: repeats[{}] = {}: must be >= 1", k, repeats[k]));
    }
  }
  const std::size_t nx = 3u * repeats[0] * repeats[1] * repeats[2];
  if (x_species.size() != 1 && x_species.size() != nx) {
    throw InputError(fmt::format("perovskite: x_species has {} entries: must be 1 or {} (one per "
                                 "X site)",
                                 x_species.size(), nx));
  }
}

Structure build_cubic_perovskite(const CubicPerovskiteSpec& spec) {
  spec.validate();
  const auto [n1, n2, n3] = spec.repeats;
  const int ncell = n1 * n2 * n3;
  Structure s;
  s.cell = Cell::Identity() * spec.a;
  s.cell.row(0) *= n1;
  s.cell.row(1) *= n2;
  s.cell.row(2) *= n3;
  s.periodic = true;
  s.positions.resize(5 * ncell, 3);
  s.symbols.resize(5 * ncell);
  const double a = spec.a;
  for (int i = 0; i < n1; ++i) {
    for (int j = 0; j < n2; ++j) {
      for (int k = 0; k < n3; ++k) {
        const int c = (i * n2 + j) * n3 + k;
        const Eigen::RowVector3d o(i * a, j * a, k * a);
        s.symbols[5 * c] = spec.a_site;
        s.positions.row(5 * c) = o + Eigen::RowVector3d(a / 2, a / 2, a / 2);
        s.symbols[5 * c + 1] = spec.b_site;
        s.positions.row(5 * c + 1) = o;
        for (int ax = 0; ax < 3; ++ax) {
          Eigen::RowVector3d d = Eigen::RowVector3d::Zero();
          d(ax) = a / 2;
          const int xi = 3 * c + ax;
          s.symbols[5 * c + 2 + ax] =
              spec.x_species.size() == 1 ? spec.x_species[0] : spec.x_species[xi];
          s.positions.row(5 * c + 2 + ax) = o + d;
        }
      }
    }
  }
  return s;
}

int x_atom_index(const CubicPerovskiteSpec& spec, int i, int j, int k, int axis) {
  const auto [n1, n2, n3] = spec.repeats;
  auto wrap = [](int v, int n) { return ((v % n) + n) % n; };
  const int c = (wrap(i, n1) * n2 + wrap(j, n2)) * n3 + wrap(k, n3);
  if (axis < 0 || axis > 2) throw InputError(fmt::format("perovskite: axis = {}: must be 0, 1 or 2", axis));
  return 5 * c + 2 + axis;
}

HopEndpoints make_vacancy_hop(const Structure& perfect, int vacancy_atom, int moving_atom) {
  const int n = static_cast<int>(perfect.size());
  if (vacancy_atom < 0 || vacancy_atom >= n || moving_atom < 0 || moving_atom >= n ||
      vacancy_atom == moving_atom) {
    throw InputError(fmt::format("vacancy hop: atoms {} (vacancy) and {} (mover) must be two "
                                 "different indices in [0, {})",
                                 vacancy_atom, moving_atom, n));
  }
  HopEndpoints out;
  Structure s;
  s.cell = perfect.cell;
  s.periodic = perfect.periodic;
  s.positions.resize(n - 1, 3);
  for (int i = 0, r = 0; i < n; ++i) {
    if (i == vacancy_atom) continue;
    s.positions.row(r) = perfect.positions.row(i);
    s.symbols.push_back(perfect.symbols[i]);
    ++r;
  }
  out.moving_atom = moving_atom > vacancy_atom ? moving_atom - 1 : moving_atom;
  out.initial = s;
  const Eigen::Vector3d d = (perfect.positions.row(vacancy_atom) -
                             perfect.positions.row(moving_atom)).transpose();
  const Eigen::Vector3d hop = perfect.periodic ? minimum_image(d, perfect.cell) : d;
  s.positions.row(out.moving_atom) += hop.transpose();
  out.final_state = std::move(s);
  return out;
}

}  // namespace hkmc::neb
