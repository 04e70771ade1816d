#include "hkmc/kmc/SegregationObserver.hpp"

#include "hkmc/common/Error.hpp"

namespace hkmc::kmc {

SegregationObserver::SegregationObserver(const lattice::Supercell& supercell, int codes,
                                         const SegregationSettings& settings)
    : m_settings(settings), m_codes(codes) {
  if (settings.sro_shells > 0) m_sro = std::make_unique<ShortRangeOrder>(supercell, settings.sro_shells);
  if (settings.structure_factor) m_sk = std::make_unique<StructureFactor>(supercell);
  if (settings.domains) m_domains = std::make_unique<DomainCounter>(supercell);
}

void SegregationObserver::sample(std::span<const lattice::Occupant> occupancy) {
  SegregationSample s;
  if (m_sro) s.alpha = m_sro->alpha(occupancy, m_codes);
  if (m_sk) {
    s.structure_factor = m_sk->compute(occupancy, m_codes);
    const auto bins = static_cast<std::size_t>(m_sk->bins());
    for (int c = 0; c < m_codes; ++c)
      s.length_A.push_back(m_sk->length(std::span<const double>(s.structure_factor).subspan(c * bins, bins)));
  }
  if (m_domains) s.domains = m_domains->count(occupancy, m_codes, m_settings.domain_min_sites);
  m_samples.push_back(std::move(s));
}

void SegregationObserver::restore(const std::vector<SegregationSample>& samples) {
  const auto codes = static_cast<std::size_t>(m_codes);
  const std::size_t alpha = m_sro ? static_cast<std::size_t>(m_sro->shells()) * codes * codes : 0;
  const std::size_t sk = m_sk ? static_cast<std::size_t>(m_sk->bins()) * codes : 0;
  const std::size_t per_code = m_sk ? codes : 0;
  const std::size_t domains = m_domains ? codes : 0;
  for (const auto& s : samples)
    if (s.alpha.size() != alpha || s.structure_factor.size() != sk || s.length_A.size() != per_code ||
        s.domains.size() != domains)
      throw Error("observer state does not fit the run: a segregation sample has the wrong size");
  m_samples = samples;
}

}  // namespace hkmc::kmc
