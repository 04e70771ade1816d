#include "hkmc/kmc/DiffusionObserver.hpp"

#include <cmath>
#include <limits>
#include <string>

#include "hkmc/common/Error.hpp"

namespace hkmc::kmc {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double norm2(const Vec3& v) { return v[0] * v[0] + v[1] * v[1] + v[2] * v[2]; }

}  // namespace

double tracer_d(const DiffusionMoments& m, const Populations& p, int code) {
  if (code >= static_cast<int>(p.ions.size()) || p.ions[code] == 0 || !(m.duration_s > 0)) return kNaN;
  return m.ion_r2[code] / (6.0 * static_cast<double>(p.ions[code]) * m.duration_s);
}

double correlation_factor(const DiffusionMoments& m, int code) {
  if (code >= static_cast<int>(m.hop_length_sq.size()) || !(m.hop_length_sq[code] > 0)) return kNaN;
  return m.ion_r2[code] / m.hop_length_sq[code];
}

double defect_d(const DiffusionMoments& m, const Populations& p, DefectType t) {
  const auto n = p.defects[static_cast<int>(t)];
  if (n == 0 || !(m.duration_s > 0)) return kNaN;
  return m.defect_r2[static_cast<int>(t)] / (6.0 * static_cast<double>(n) * m.duration_s);
}

double charge_d(const DiffusionMoments& m, const Populations& p) {
  if (!(p.charge_sq_sum > 0) || !(m.duration_s > 0)) return kNaN;
  return norm2(m.charge_displacement) / (6.0 * p.charge_sq_sum * m.duration_s);
}

double charge_weighted_tracer_d(const DiffusionMoments& m, const Populations& p) {
  if (!(p.charge_sq_sum > 0) || !(m.duration_s > 0)) return kNaN;
  return m.charge_weighted_r2 / (6.0 * p.charge_sq_sum * m.duration_s);
}

Vec3 drift_velocity(const DiffusionMoments& m, const Populations& p, int code) {
  if (code >= static_cast<int>(p.ions.size()) || code >= static_cast<int>(m.ion_displacement.size()) ||
      p.ions[code] == 0 || !(m.duration_s > 0))
    return Vec3{kNaN, kNaN, kNaN};
  const double scale = 1.0 / (static_cast<double>(p.ions[code]) * m.duration_s);
  const Vec3& r = m.ion_displacement[code];
  return Vec3{r[0] * scale, r[1] * scale, r[2] * scale};
}

Vec3 defect_drift_velocity(const DiffusionMoments& m, const Populations& p, DefectType t) {
  const auto n = p.defects[static_cast<int>(t)];
  if (n == 0 || !(m.duration_s > 0)) return Vec3{kNaN, kNaN, kNaN};
  const double scale = 1.0 / (static_cast<double>(n) * m.duration_s);
  const Vec3& r = m.defect_displacement[static_cast<int>(t)];
  return Vec3{r[0] * scale, r[1] * scale, r[2] * scale};
}

Vec3 charge_flux(const DiffusionMoments& m) {
  if (!(m.duration_s > 0)) return Vec3{kNaN, kNaN, kNaN};
  const Vec3& r = m.charge_displacement;
  return Vec3{r[0] / m.duration_s, r[1] / m.duration_s, r[2] / m.duration_s};
}

DiffusionObserver::DiffusionObserver(const KmcEngine& engine, int profile_axis)
    : m_codes(engine.model().species().size() + 1), m_profile_axis(profile_axis) {
  const auto& q = engine.model().parameters().charge_by_code_e;
  m_z.assign(m_codes, 0.0);
  for (int c = 0; c < m_codes && c < static_cast<int>(q.size()); ++c) m_z[c] = q[c];
  m_populations.ions.assign(m_codes, 0);
  for (auto s : engine.ion_species()) {
    m_populations.ions[s]++;
    m_populations.charge_sq_sum += m_z[s] * m_z[s];
  }
  for (const auto& d : engine.defects()) m_populations.defects[static_cast<int>(d.type)]++;
  if (m_profile_axis >= 0) m_layers = engine.model().supercell().dims()[m_profile_axis];
  m_block_ion_start.assign(engine.ion_displacements().size(), Vec3{0, 0, 0});
  m_block_defect_start.assign(engine.defects().size(), Vec3{0, 0, 0});
  m_block_hops_start.assign(m_codes, 0);
  m_block_hop_sq_start.assign(m_codes, 0.0);
}

DiffusionMoments DiffusionObserver::since(const KmcEngine& engine, const std::vector<Vec3>& ion_start,
                                          const std::vector<Vec3>& defect_start,
                                          const std::vector<std::int64_t>& hops_start,
                                          const std::vector<double>& hop_sq_start,
                                          double duration) const {
  DiffusionMoments m;
  m.duration_s = duration;
  m.ion_r2.assign(m_codes, 0.0);
  m.hop_length_sq.assign(m_codes, 0.0);
  m.hops.assign(m_codes, 0);
  m.ion_displacement.assign(m_codes, Vec3{0, 0, 0});
  const auto& species = engine.ion_species();
  const auto& r = engine.ion_displacements();
  for (std::size_t i = 0; i < r.size(); ++i) {
    const Vec3 d{r[i][0] - ion_start[i][0], r[i][1] - ion_start[i][1], r[i][2] - ion_start[i][2]};
    const double z = m_z[species[i]];
    const double d2 = norm2(d);
    m.ion_r2[species[i]] += d2;
    m.charge_weighted_r2 += z * z * d2;
    Vec3& sum = m.ion_displacement[species[i]];
    for (int k = 0; k < 3; ++k) {
      m.charge_displacement[k] += z * d[k];
      sum[k] += d[k];
    }
  }
  const auto& defects = engine.defects();
  for (std::size_t j = 0; j < defects.size(); ++j) {
    const auto& x = defects[j].displacement;
    const Vec3 d{x[0] - defect_start[j][0], x[1] - defect_start[j][1], x[2] - defect_start[j][2]};
    const int t = static_cast<int>(defects[j].type);
    m.defect_r2[t] += norm2(d);
    for (int k = 0; k < 3; ++k) m.defect_displacement[t][k] += d[k];
  }
  for (int c = 0; c < m_codes; ++c) {
    m.hops[c] = engine.hops_by_species()[c] - hops_start[c];
    m.hop_length_sq[c] = engine.hop_length_sq_by_species()[c] - hop_sq_start[c];
  }
  return m;
}

DiffusionMoments DiffusionObserver::total(const KmcEngine& engine, double time_s) const {
  const std::vector<Vec3> ion0(engine.ion_displacements().size(), Vec3{0, 0, 0});
  const std::vector<Vec3> def0(engine.defects().size(), Vec3{0, 0, 0});
  return since(engine, ion0, def0, std::vector<std::int64_t>(m_codes, 0),
               std::vector<double>(m_codes, 0.0), time_s);
}

void DiffusionObserver::sample(const KmcEngine& engine, double time_s) {
  TimeSample s;
  s.time_s = time_s;
  s.events = engine.events();
  const DiffusionMoments m = total(engine, time_s);
  s.msd_by_species.assign(m_codes, 0.0);
  for (int c = 1; c < m_codes; ++c)
    s.msd_by_species[c] = m_populations.ions[c] ? m.ion_r2[c] / m_populations.ions[c] : 0.0;
  for (int t = 0; t < kDefectTypes; ++t)
    s.msd_by_defect[t] = m_populations.defects[t] ? m.defect_r2[t] / m_populations.defects[t] : 0.0;
  s.charge_msd = m_populations.charge_sq_sum > 0 ? norm2(m.charge_displacement) / m_populations.charge_sq_sum : 0.0;
  m_samples.push_back(std::move(s));

  if (m_profile_axis >= 0) {
    const auto& sc = engine.model().supercell();
    const std::size_t base = m_profiles.size();
    m_profiles.resize(base + static_cast<std::size_t>(m_layers) * m_codes, 0);
    const auto occ = engine.occupancy();
    for (int site = 0; site < sc.num_sites(); ++site) {
      if (occ[site] == lattice::kEmpty) continue;
      const int layer = sc.cell_of(site)[m_profile_axis];
      m_profiles[base + static_cast<std::size_t>(layer) * m_codes + occ[site]]++;
    }
  }
}

void DiffusionObserver::close_block(const KmcEngine& engine, double time_s) {
  m_blocks.push_back(since(engine, m_block_ion_start, m_block_defect_start, m_block_hops_start,
                           m_block_hop_sq_start, time_s - m_block_start_s));
  m_block_start_s = time_s;
  m_block_ion_start = engine.ion_displacements();
  for (std::size_t j = 0; j < engine.defects().size(); ++j)
    m_block_defect_start[j] = engine.defects()[j].displacement;
  m_block_hops_start = engine.hops_by_species();
  m_block_hop_sq_start = engine.hop_length_sq_by_species();
}

ObserverState DiffusionObserver::state() const {
  return ObserverState{m_samples,          m_profiles,         m_blocks,           m_block_start_s,
                       m_block_ion_start,  m_block_defect_start, m_block_hops_start, m_block_hop_sq_start};
}

void DiffusionObserver::restore(const ObserverState& s) {
  auto fail = [](const std::string& why) { throw Error("observer state does not fit the run: " + why); };
  const auto codes = static_cast<std::size_t>(m_codes);
  if (s.block_ion_start.size() != m_block_ion_start.size() ||
      s.block_defect_start.size() != m_block_defect_start.size() ||
      s.block_hops_start.size() != codes || s.block_hop_sq_start.size() != codes)
    fail("block-start arrays have the wrong length");
  for (const auto& t : s.samples)
    if (t.msd_by_species.size() != codes) fail("a time sample has the wrong number of species");
  for (const auto& b : s.blocks)
    if (b.ion_r2.size() != codes || b.hop_length_sq.size() != codes || b.hops.size() != codes ||
        b.ion_displacement.size() != codes)
      fail("a block has the wrong number of species");
  const std::size_t per_sample = m_profile_axis >= 0 ? static_cast<std::size_t>(m_layers) * codes : 0;
  if (s.profiles.size() != per_sample * s.samples.size()) fail("profile counts do not match the samples");
  if (!std::isfinite(s.block_start_s)) fail("non-finite block start");
  m_samples = s.samples;
  m_profiles = s.profiles;
  m_blocks = s.blocks;
  m_block_start_s = s.block_start_s;
  m_block_ion_start = s.block_ion_start;
  m_block_defect_start = s.block_defect_start;
  m_block_hops_start = s.block_hops_start;
  m_block_hop_sq_start = s.block_hop_sq_start;
}

}  // namespace hkmc::kmc
