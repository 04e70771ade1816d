#pragma once
// One run described by a RunSpec: builds the lattice, provider and model
// (cross-checking the spec against the built lattice, with input locations in
// the messages), draws each replica's initial configuration and runs the
// replicas as oneTBB tasks. Replica r always uses the streams of index r, so
// results do not depend on the number of threads.
#include <functional>
#include <memory>
#include <vector>

#include "hkmc/kmc/KmcModel.hpp"
#include "hkmc/lattice/InitialConfiguration.hpp"
#include "hkmc/kmc/ReplicaRunner.hpp"
#include "hkmc/kmc/RunSpec.hpp"
#include "hkmc/kmc/Statistics.hpp"

namespace hkmc::kmc {

class Simulation {
 public:
  // kKinetics refuses systems without defects (nothing could move);
  // kEquilibrium (Metropolis MC) accepts them.
  enum class Purpose { kKinetics, kEquilibrium };
  explicit Simulation(RunSpec spec, Purpose purpose = Purpose::kKinetics);

  const RunSpec& spec() const { return m_spec; }
  const KmcModel& model() const { return *m_model; }
  RunControl control() const;
  std::int64_t vacancies() const { return m_defects.vacancies; }
  std::vector<lattice::Occupant> initial_configuration(int replica) const;

  // Runs every replica; `progress` (optional) is called about twice a second
  // from the calling thread with the mean fraction done.
  std::vector<ReplicaResult> run(const std::function<void(double)>& progress = {}) const;

 private:
  RunSpec m_spec;
  std::unique_ptr<KmcModel> m_model;
  lattice::Composition m_composition;
  std::vector<lattice::Layer> m_layers;
  lattice::DefectCounts m_defects;
};

}  // namespace hkmc::kmc
