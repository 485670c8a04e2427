#include "datasets/pile_binning.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "core/error.hpp"

namespace sf::datasets {

std::uint64_t arange_length(double max_t_s, double bin_s) {
    // numpy: ceil((stop - start) / step) with stop = max_t + bin, start = 0, in float64.
    const double n = std::ceil((max_t_s + bin_s) / bin_s);
    return n > 0 ? static_cast<std::uint64_t>(n) : 0;
}

namespace {

// Index of the bin holding t among edges i * bin (i < n_edges), numpy.histogram's rule: bins are
// [e_i, e_i+1) but the last is closed; outside [e_0, e_last]: none (returns n_edges - 1).
std::uint64_t bin_of(double t, double bin_s, std::uint64_t n_edges) {
    const std::uint64_t last_bin = n_edges - 2;
    if (t < 0 || t > static_cast<double>(n_edges - 1) * bin_s) return n_edges - 1;
    // A first guess from the division, corrected against the float64 edges themselves.
    auto k = static_cast<std::uint64_t>(std::min(std::floor(t / bin_s), static_cast<double>(last_bin)));
    while (k > 0 && t < static_cast<double>(k) * bin_s) --k;
    while (k < last_bin && t >= static_cast<double>(k + 1) * bin_s) ++k;
    return k;
}

}  // namespace

namespace {

// units x bins of a session, checked; bins = 0 for a session without spikes.
struct session_extent {
    std::uint32_t units = 0;
    std::uint64_t n_edges = 0, bins = 0;
};

session_extent extent_of(std::span<const std::uint64_t> offsets, std::span<const double> times_s, double bin_s) {
    if (!(bin_s > 0) || !std::isfinite(bin_s)) throw core::config_error(fmt::format("--bin-ms: must be > 0 (got {} s)", bin_s));
    session_extent e;
    e.units = static_cast<std::uint32_t>(offsets.empty() ? 0 : offsets.size() - 1);
    if (times_s.empty()) return e;
    const double max_t = *std::max_element(times_s.begin(), times_s.end());
    e.n_edges = arange_length(max_t, bin_s);
    if (e.n_edges < 2) return e;
    e.bins = e.n_edges - 1;
    if (static_cast<double>(e.units) * static_cast<double>(e.bins) > 1099511627776.0)
        throw core::input_error(fmt::format("{} units x {} bins of {} s: too many tokens for one session", e.units,
                                            e.bins, bin_s));
    return e;
}

// Counts every spike of every unit into cell(u, k) (a uint8_t&) in place: a bin already at 255
// records its overflow apart (saturation is rare), so no wide buffer is filled and narrowed.
// Returns the number of saturated unit-bins.
template <class Cell>
std::uint64_t count_spikes(std::span<const std::uint64_t> offsets, std::span<const double> times_s, double bin_s,
                           const session_extent& e, Cell&& cell) {
    std::uint64_t saturated_bins = 0;
    std::vector<std::uint64_t> saturated;  // bins of the current unit that went past 255
    for (std::uint32_t u = 0; u < e.units; ++u) {
        saturated.clear();
        for (std::uint64_t i = offsets[u]; i < offsets[u + 1]; ++i) {
            const std::uint64_t k = bin_of(times_s[i], bin_s, e.n_edges);
            if (k >= e.bins) continue;
            std::uint8_t& c = cell(u, k);
            if (c != 255)
                ++c;
            else
                saturated.push_back(k);
        }
        std::sort(saturated.begin(), saturated.end());
        saturated_bins += static_cast<std::uint64_t>(std::unique(saturated.begin(), saturated.end()) - saturated.begin());
    }
    return saturated_bins;
}

}  // namespace

binned_session bin_session(std::span<const std::uint64_t> offsets, std::span<const double> times_s, double bin_s) {
    const session_extent e = extent_of(offsets, times_s, bin_s);
    binned_session out;
    out.units = e.units;
    out.bins = e.bins;
    if (e.bins == 0) return out;
    out.counts.assign(static_cast<std::size_t>(out.units) * out.bins, 0);
    out.saturated_bins = count_spikes(offsets, times_s, bin_s, e, [&](std::uint32_t u, std::uint64_t k) -> std::uint8_t& {
        return out.counts[static_cast<std::size_t>(u) * out.bins + k];
    });
    return out;
}

binned_segments bin_session_segments(std::span<const std::uint64_t> offsets, std::span<const double> times_s,
                                     double bin_s, std::uint64_t max_tokens) {
    const session_extent e = extent_of(offsets, times_s, bin_s);
    binned_segments out;
    out.units = e.units;
    out.bins = e.bins;
    out.bounds = segment_bounds(e.units, e.bins, max_tokens);
    const std::size_t n = out.bounds.size() - 1;
    out.counts.resize(n);
    for (std::size_t s = 0; s < n; ++s)
        out.counts[s].assign(static_cast<std::size_t>(e.units) * (out.bounds[s + 1] - out.bounds[s]), 0);
    if (e.bins == 0) return out;
    // Spike times ascend within a unit, so the segment of the next spike is found from the last.
    std::size_t seg = 0;
    std::uint32_t last_unit = 0;
    out.saturated_bins = count_spikes(offsets, times_s, bin_s, e, [&](std::uint32_t u, std::uint64_t k) -> std::uint8_t& {
        if (u != last_unit || k < out.bounds[seg]) seg = 0, last_unit = u;
        while (k >= out.bounds[seg + 1]) ++seg;
        const std::uint64_t width = out.bounds[seg + 1] - out.bounds[seg];
        return out.counts[seg][static_cast<std::size_t>(u) * width + (k - out.bounds[seg])];
    });
    return out;
}

std::vector<std::uint64_t> segment_bounds(std::uint32_t units, std::uint64_t bins, std::uint64_t max_tokens) {
    if (max_tokens == 0) throw core::config_error("--max-tokens: must be >= 1");
    const std::uint64_t tokens = std::uint64_t{units} * bins;
    const std::uint64_t n = std::max<std::uint64_t>(1, (tokens + max_tokens - 1) / max_tokens);
    const std::uint64_t base = bins / n, extra = bins % n;
    std::vector<std::uint64_t> bounds{0};
    for (std::uint64_t s = 0; s < n; ++s) bounds.push_back(bounds.back() + base + (s < extra ? 1 : 0));
    return bounds;
}

}  // namespace sf::datasets
