// The engine: a network description lowered into per-thread arrays, advanced on a fixed grid.
//
// Lowered form (built once, in parallel, per thread):
//   * populations: structure-of-arrays state (sf::sim::population<Model>) and, per thread, a
//     queue of pending inputs per ring slot ((step + delay) mod D) and block of neurons;
//   * each thread owns a contiguous slice of every population (its "targets") and, per
//     projection, an outgoing CSR table: for each source neuron, the synapses onto the thread's
//     own targets (target index, and weight/delay only when they vary). No atomics: a thread
//     only ever writes its own targets' queues.
// Epochs of min_delay steps: (1) every thread updates its neurons for the epoch's steps;
// (2) spikes are gathered in the canonical order (step, gid); (3) every thread delivers them
// to its own targets. Because a spike can only arrive min_delay steps later, the epoch never
// needs its own spikes. The canonical order plus per-gid random streams make the output
// bit-identical for any thread count. Under MPI, rank r runs workers r x T .. r x T + T - 1 of
// R x T and step (2) gathers every rank's spikes (one collective per epoch); the output is the
// same for any R and T.
#pragma once

#include "comm/communicator.hpp"
#include "core/recording.hpp"
#include "sim/model_registry.hpp"
#include "sim/network_spec.hpp"

#include <cstdint>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace sf::sim {

struct population_summary {
    std::string name;
    std::string model;
    std::uint32_t size = 0;
    std::uint32_t first_gid = 0;
    std::uint64_t spikes = 0;
};

// The synapses of one projection as the engine holds them (population-local indices).
struct synapse_list {
    std::vector<std::uint32_t> source, target;
    std::vector<double> weight;    // receptor units (pA or nS); float precision when weights vary
    std::vector<double> delay_ms;  // on the dt grid
};

class simulation {
public:
    // Validates and builds everything; throws core::config_error naming the offending key.
    // `world`: the job's processes (nullptr = this process alone). Under MPI every rank builds
    // the same simulation object with its own share of the targets (run.threads workers each)
    // and only the synapses onto them; run() exchanges spikes once per epoch. Spikes and samples
    // reach the sinks of every rank; attach them on rank 0 only for one set of outputs.
    simulation(const network_spec& network, const run_spec& run, const model_registry& registry,
               comm::communicator* world = nullptr);
    ~simulation();
    simulation(const simulation&) = delete;
    simulation& operator=(const simulation&) = delete;

    // Non-owning; attach before the first run(). The caller calls finish() on them.
    void attach_spike_sink(core::spike_sink* sink);
    void attach_state_sink(core::state_sink* sink);
    // Called from the simulating thread about every epoch with (t_now_ms, t_end_ms).
    void set_progress(std::function<void(double, double)> progress);

    // Advances the network by duration_ms (rounded to whole steps); may be called repeatedly.
    void run(double duration_ms);
    // Between runs (the Python module, PyNN's Population.set): new values for some parameters of
    // every neuron of a population, and new spike times of a spike_source_array (one list per
    // neuron; times not after the current time are never emitted). config_error on bad input.
    void set_parameters(const std::string& population, const std::map<std::string, double>& values);
    void set_spike_times(const std::string& population, const std::vector<std::vector<double>>& times_ms);
    // Between runs: a DC stimulus's amplitude [pA] and window [start, stop) ms (index: network_spec order).
    void set_dc_stimulus(std::size_t index, double amplitude_pa, double start_ms, double stop_ms);

    double time_ms() const;
    double dt_ms() const;
    std::int64_t min_delay_steps() const;
    std::int64_t max_delay_steps() const;
    int threads() const;                // of this rank
    int rank() const;
    int ranks() const;
    double communicate_seconds() const;  // wall time this rank spent in spike exchanges [s]
    std::uint64_t neuron_count() const;
    std::uint64_t synapse_count() const;
    // This rank's share (sum over ranks for the job's): synapses, deliveries, table bytes.
    std::uint64_t events_delivered() const;  // spike -> synapse deliveries so far
    std::uint64_t synapse_bytes() const;     // memory held by the synapse tables
    std::vector<population_summary> populations() const;
    // The synapses of projection `index` (network_spec order), grouped by thread, then source.
    synapse_list connections(std::size_t index) const;
    std::vector<core::population_info> population_infos() const;
    std::vector<core::state_probe> probes() const;

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

}  // namespace sf::sim
