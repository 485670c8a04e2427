// Synthetic calcium imaging (`calcium simulate`, docs/calcium.md): fluorescence traces from spike
// trains, for tests of the inference methods and for training-data augmentation.
//
// Model per neuron (dF/F, baseline 1 removed): every spike at time t_s adds A k(t - t_s) with
//     k(u) = (exp(-u / tau_decay) - exp(-u / tau_rise)) / peak,  u >= 0,
// normalised so one spike peaks at A. Frame i is exposed over [t_start + i/fps, t_start + (i+1)/fps)
// and sampled at the end of its exposure (exact times, no time grid), so a spike shows in the
// frame that counts it; then Gaussian white noise of sd `noise` is added. Linear in the spike
// count (no saturation), which is what AR(2) deconvolution assumes.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "calcium/spikefinder_csv.hpp"

namespace sf::calcium {

struct indicator {
    std::string name;
    double amplitude = 0.0;   // dF/F at the peak of one spike's transient
    double rise_s = 0.0;      // [s] rise time constant
    double decay_s = 0.0;     // [s] decay time constant
};

// ogb1, gcamp6s, gcamp6f (docs/calcium.md gives the sources); unknown name: core::config_error.
indicator named_indicator(const std::string& name);

struct imaging_options {
    indicator sensor;
    double fps = 100.0;        // [Hz] frame rate of the output
    double noise = 0.0;        // sd of the additive Gaussian noise [dF/F]
    double t_start_s = 0.0;    // [s] time of frame 0
    std::size_t frames = 0;    // frames per neuron
    std::uint64_t seed = 1;
};

// Fluorescence of one neuron (index `neuron`, used for its random stream) from its ascending spike
// times [s]. O(frames + spikes). Same seed and neuron => identical trace.
std::vector<double> simulate_fluorescence(std::span<const double> spike_times_s, std::uint32_t neuron,
                                          const imaging_options& options);

// Spike counts per frame: frame i counts spikes in [t_start + i/fps, t_start + (i+1)/fps).
std::vector<double> spike_counts_per_frame(std::span<const double> spike_times_s, const imaging_options& options);

// Spike times [s] of a table of spike counts per sample (e.g. Spikefinder *.spikes.csv): each of
// the n spikes of sample i at a uniform random time inside [i, i+1) / rate (seeded per neuron), sorted.
std::vector<double> spike_times_from_counts(std::span<const double> counts, double rate_hz, std::uint32_t neuron,
                                            std::uint64_t seed, const std::string& what);

}  // namespace sf::calcium
