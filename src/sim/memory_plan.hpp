// Memory of a distributed run before building it (`spikeforge plan`, issue 8): the engine's
// own layout, in bytes, for a network_spec spread over R ranks x T threads.
//
// Per rank (see simulation.cpp):
//   synapses: each synapse lives on the rank of its target: 4 B target index, + 4 B float
//     weight when the projection's weight varies, + 2 B delay when its delay varies;
//   CSR offsets: every worker (thread) keeps, per projection, one 4 B offset per source neuron
//     (+1) for its own targets: T x sum over projections of (N_source + 1) x 4 B per rank;
//   neurons: every rank holds the state arrays of the whole network (bytes_per_neuron, measured
//     by building the network's populations without projections), so this part does not shrink
//     with R;
//   base: the process itself (libraries, buffers), measured;
//   build scratch (during the build only): per fixed-total-number projection, one 4 B count per
//     target neuron (drawn for the whole population by every rank).
// Spikes in flight (queued inputs, 16 B each) are not included: they depend on the activity.
#pragma once

#include <cstdint>
#include <vector>

#include "sim/network_spec.hpp"

namespace sf::sim {

struct network_size {
    std::uint64_t neurons = 0;
    double synapses = 0;           // expected (exact for fixed in-degree / total number / all-to-all)
    double synapse_value_bytes = 0;  // sum over synapses of their bytes (4 / 8 / 10 each)
    double offset_entries = 0;     // sum over projections of (N_source + 1)
    double build_count_bytes = 0;  // sum over fixed-total-number projections of 4 x N_target
};

// Sizes from the specification alone (nothing is built).
network_size size_of(const network_spec& net);

struct rank_memory {
    double synapses = 0, offsets = 0, neurons = 0, base = 0, build_scratch = 0;  // [bytes]
    double total() const { return synapses + offsets + neurons + base; }  // while running
    double peak() const { return total() + build_scratch; }             // at the end of the build
};

// One rank's memory for `ranks` x `threads` (synapses spread evenly over the ranks).
rank_memory memory_per_rank(const network_size& size, double bytes_per_neuron, double base_bytes, int ranks,
                            int threads);

}  // namespace sf::sim
