// Counter-based random streams (Random123 Philox4x32-10).
//
// Every random number in spikeforge belongs to something: a synapse of a target neuron, the
// initial value of a neuron, the Poisson input of a neuron at one step. Its stream is keyed by
// (seed) and its counter by (purpose, object index, neuron gid, position), never by thread or
// rank. So the network, the input and therefore the spikes are bit-identical for any thread or
// MPI rank count (DESIGN.md §3, STYLE.md 6).
#pragma once

#include <Random123/philox.h>

#include <array>
#include <cmath>
#include <cstdint>

namespace sf::core {

// What a stream is used for; part of the counter so that purposes never share numbers.
enum class stream_purpose : std::uint32_t {
    connectivity = 1,   // which sources a target receives from
    synapse_values = 2, // weights and delays of a target's synapses
    initial_state = 3,  // random initial values of a neuron
    poisson_input = 4,  // per-target Poisson stimulus, one block per step
    source_spikes = 5,  // spikes of a source neuron (Poisson source), one block per step
    projection_totals = 6, // per-target counts of a fixed-total-number projection
    dataset_shuffle = 7,   // row order of a training dataset (object = a per-file key, e.g. window size)
    synthetic_background = 8,  // background spikes of a synthetic culture neuron
    synthetic_bursts = 9,  // burst schedule (gid 0) and burst spikes of a synthetic culture neuron
    calcium_imaging = 10,  // synthetic fluorescence of a neuron: spike-time jitter and noise (object 0/1)
    cnn_training = 11,     // CNN training: initial weights (object 0, gid = tensor), segments (object 1, gid = step)
};

// The 128-bit counter address of one stream: purpose and object (e.g. projection #3), neuron gid.
struct stream_id {
    stream_purpose purpose;
    std::uint32_t object = 0;  // index of the projection / population / stimulus (< 2^24)
    std::uint32_t gid = 0;     // global neuron id the numbers belong to
};

// One 128-bit block of randomness: Philox4x32-10 at (seed; id, position).
inline std::array<std::uint32_t, 4> random_block(std::uint64_t seed, const stream_id& id,
                                                 std::uint64_t position) {
    using philox = r123::Philox4x32;
    philox::ctr_type ctr = {{(static_cast<std::uint32_t>(id.purpose) << 24) | (id.object & 0xFFFFFFu), id.gid,
                             static_cast<std::uint32_t>(position),
                             static_cast<std::uint32_t>(position >> 32)}};
    philox::key_type key = {{static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32)}};
    philox::ctr_type out = philox()(ctr, key);
    return {out[0], out[1], out[2], out[3]};
}

// A uniform double in [0, 1) with 53 random bits from two 32-bit words.
inline double uniform_from_words(std::uint32_t hi, std::uint32_t lo) {
    constexpr double two_pow_minus_53 = 1.0 / 9007199254740992.0;
    return static_cast<double>((static_cast<std::uint64_t>(hi >> 5) << 26) | (lo >> 6)) * two_pow_minus_53;
}

// A sequential stream: successive blocks at positions 0, 1, 2, ... of one stream id.
// Cheap to create (no state but the position), so code makes one per target neuron.
class rng_stream {
public:
    rng_stream(std::uint64_t seed, const stream_id& id, std::uint64_t first_position = 0)
        : seed_(seed), id_(id), position_(first_position) {}

    std::uint32_t next_u32() {
        if (used_ == 4) refill();
        return block_[used_++];
    }
    // Uniform in [0, 1).
    double uniform() {
        std::uint32_t hi = next_u32();
        return uniform_from_words(hi, next_u32());
    }
    // Uniform in (0, 1]: safe for log().
    double uniform_open0() { return 1.0 - uniform(); }
    // Uniform integer in [0, n) for n >= 1, without modulo bias (Lemire's method).
    std::uint64_t below(std::uint64_t n);
    double normal();  // standard normal (Box-Muller, both values used)
    // Number of failures before the first success of Bernoulli(p) trials, 0 < p <= 1.
    std::uint64_t geometric(double log1m_p);
    std::uint64_t poisson(double mean);  // inversion; for mean < ~30
    std::uint64_t binomial(std::uint64_t n, double p);

private:
    void refill() {
        block_ = random_block(seed_, id_, position_++);
        used_ = 0;
    }
    std::uint64_t seed_;
    stream_id id_;
    std::uint64_t position_;
    std::array<std::uint32_t, 4> block_{};
    int used_ = 4;
    bool has_spare_normal_ = false;
    double spare_normal_ = 0.0;
};

// Poisson count with mean `mean` from one uniform u in [0,1) by inversion of the CDF.
// Used per neuron per step where one block per (gid, step) is drawn; exact for any mean,
// cost grows with the mean (callers use it for means below a few tens).
std::uint64_t poisson_by_inversion(double mean, double u);

}  // namespace sf::core
