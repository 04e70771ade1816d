#pragma once
// Site -> defect index for the few sites that hold a defect (about 1 %).
// An open-addressing hash table (linear probing, backward-shift deletion)
// sized to twice the defect count: it stays in cache where a site-indexed
// array of 4 bytes a site would not (25 MB at 128^3 perovskite cells).
#include <cstdint>
#include <vector>

namespace hkmc::kmc {

class SiteDefectMap {
 public:
  explicit SiteDefectMap(std::size_t defects = 0) { reset(defects); }

  void reset(std::size_t defects) {
    std::size_t capacity = 16;
    while (capacity < 2 * defects + 1) capacity *= 2;
    m_mask = capacity - 1;
    m_slots.assign(capacity, Entry{kFree, -1});
  }
  // Defect at `site`, or -1.
  int find(int site) const {
    for (std::size_t i = hash(site);; i = (i + 1) & m_mask) {
      const Entry& e = m_slots[i];
      if (e.site == site) return e.defect;
      if (e.site == kFree) return -1;
    }
  }
  void insert(int site, int defect) {
    std::size_t i = hash(site);
    while (m_slots[i].site != kFree && m_slots[i].site != site) i = (i + 1) & m_mask;
    m_slots[i] = Entry{site, defect};
  }
  void erase(int site) {
    std::size_t i = hash(site);
    while (m_slots[i].site != site) {
      if (m_slots[i].site == kFree) return;
      i = (i + 1) & m_mask;
    }
    // Backward shift: pull later entries of the probe run into the hole.
    std::size_t hole = i;
    for (std::size_t j = (i + 1) & m_mask; m_slots[j].site != kFree; j = (j + 1) & m_mask) {
      const std::size_t home = hash(m_slots[j].site);
      // Move j into the hole unless its home lies cyclically in (hole, j].
      const bool stays = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
      if (!stays) {
        m_slots[hole] = m_slots[j];
        hole = j;
      }
    }
    m_slots[hole] = Entry{kFree, -1};
  }

 private:
  static constexpr int kFree = -1;
  struct Entry {
    int site;
    int defect;
  };
  std::size_t hash(int site) const {
    return (static_cast<std::uint32_t>(site) * 2654435761u) & m_mask;  // Knuth's multiplicative hash
  }
  std::size_t m_mask = 15;
  std::vector<Entry> m_slots;
};

}  // namespace hkmc::kmc
