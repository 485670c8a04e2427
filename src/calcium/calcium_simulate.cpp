#include "calcium/calcium_simulate.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "core/error.hpp"
#include "core/rng.hpp"

namespace sf::calcium {

namespace {

constexpr std::uint32_t jitter_object = 0, noise_object = 1;

// The peak of exp(-u/d) - exp(-u/r) (at u* = ln(d/r) d r / (d - r)), so one spike peaks at A.
double kernel_peak(double rise, double decay) {
    if (rise <= 0.0) return 1.0;
    const double u = std::log(decay / rise) * decay * rise / (decay - rise);
    return std::exp(-u / decay) - std::exp(-u / rise);
}

}  // namespace

indicator named_indicator(const std::string& name) {
    // Single-spike transients in mouse cortex: GCaMP6s and GCaMP6f from Chen et al. 2013 (Nature
    // 499:295, Fig. 1: 1-AP dF/F 23 % / 19 %, rise to peak ~180 ms / ~50 ms, half decay ~550 ms
    // / ~140 ms in vitro and about twice that in vivo); OGB-1 from Kerr et al. 2005 / Grewe et al.
    // 2010 (~8 % per spike, fast rise, decay ~0.7 s).
    if (name == "gcamp6s") return {name, 0.23, 0.07, 1.3};
    if (name == "gcamp6f") return {name, 0.19, 0.02, 0.4};
    if (name == "ogb1") return {name, 0.08, 0.005, 0.7};
    throw core::config_error(fmt::format("--indicator {}: unknown; expected ogb1, gcamp6s or gcamp6f", name));
}

std::vector<double> simulate_fluorescence(std::span<const double> spike_times_s, std::uint32_t neuron,
                                          const imaging_options& o) {
    std::vector<double> f(o.frames, 0.0);
    const double a = o.sensor.amplitude / kernel_peak(o.sensor.rise_s, o.sensor.decay_s);
    // Two exponential states at the current frame time; each spike enters with its exact decay
    // from its own time to the frame's.
    double slow = 0.0, fast = 0.0;
    const double step = 1.0 / o.fps;
    const double slow_step = std::exp(-step / o.sensor.decay_s);
    const double fast_step = o.sensor.rise_s > 0.0 ? std::exp(-step / o.sensor.rise_s) : 0.0;
    std::size_t next = 0;
    const double first_frame = o.t_start_s + step;
    while (next < spike_times_s.size() && spike_times_s[next] < o.t_start_s) {  // before the recording: decays into it
        const double u = first_frame - spike_times_s[next++];
        slow += std::exp(-u / o.sensor.decay_s);
        fast += o.sensor.rise_s > 0.0 ? std::exp(-u / o.sensor.rise_s) : 0.0;
    }
    core::rng_stream noise(o.seed, {core::stream_purpose::calcium_imaging, noise_object, neuron});
    for (std::size_t i = 0; i < o.frames; ++i) {
        const double t = o.t_start_s + static_cast<double>(i + 1) * step;  // the end of frame i's exposure
        if (i > 0) slow *= slow_step, fast *= fast_step;
        for (; next < spike_times_s.size() && spike_times_s[next] <= t; ++next) {
            const double u = t - spike_times_s[next];
            slow += std::exp(-u / o.sensor.decay_s);
            fast += o.sensor.rise_s > 0.0 ? std::exp(-u / o.sensor.rise_s) : 0.0;
        }
        f[i] = a * (slow - fast) + (o.noise > 0.0 ? o.noise * noise.normal() : 0.0);
    }
    return f;
}

std::vector<double> spike_counts_per_frame(std::span<const double> spike_times_s, const imaging_options& o) {
    std::vector<double> counts(o.frames, 0.0);
    for (const double t : spike_times_s) {
        const double frame = std::floor((t - o.t_start_s) * o.fps);
        if (frame >= 0.0 && frame < static_cast<double>(o.frames)) counts[static_cast<std::size_t>(frame)] += 1.0;
    }
    return counts;
}

std::vector<double> spike_times_from_counts(std::span<const double> counts, double rate_hz, std::uint32_t neuron,
                                            std::uint64_t seed, const std::string& what) {
    std::vector<double> times;
    core::rng_stream jitter(seed, {core::stream_purpose::calcium_imaging, jitter_object, neuron});
    for (std::size_t i = 0; i < counts.size(); ++i) {
        const double n = counts[i];
        if (!(n >= 0.0) || n != std::floor(n) || n > 1e6)
            throw core::input_error(fmt::format("{}: sample {}: spike count {}; expected a non-negative whole number", what, i, n));
        for (int k = 0; k < static_cast<int>(n); ++k) times.push_back((static_cast<double>(i) + jitter.uniform()) / rate_hz);
    }
    std::sort(times.begin(), times.end());
    return times;
}

}  // namespace sf::calcium
