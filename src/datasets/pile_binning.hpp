// Neural-pile rows from one recording session (issue 5, seed 001): spike counts per unit in 20 ms
// bins as uint8, the way the original builder computes them with numpy, and the split of long
// sessions into segments.
//
// Bins: edges = np.arange(0, max_t + b, b) (max_t = the session's last spike [s], b = the bin
// width [s]): n_edges = ceil((max_t + b) / b) computed in float64, edge i = i * b; counts =
// np.histogram(t, edges): half-open bins [e_i, e_i+1), the last one closed. Reproduced on the same
// float64 values (NWB stores seconds), so a spike exactly on an edge lands where numpy puts it.
// Counts saturate at 255 (the original cast to uint8 wraps: 256 spikes became 0); saturated bins
// are counted. A session without spikes has no bins.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace sf::datasets {

struct binned_session {
    std::uint32_t units = 0;
    std::uint64_t bins = 0;
    std::vector<std::uint8_t> counts;  // units x bins, row-major
    std::uint64_t saturated_bins = 0;  // unit-bins whose count exceeded 255
    std::uint8_t at(std::uint32_t unit, std::uint64_t bin) const { return counts[unit * bins + bin]; }
};

// The bin edges np.arange(0, max_t + bin_s, bin_s) gives: how many there are.
std::uint64_t arange_length(double max_t_s, double bin_s);

// Units' spike times [s] as CSR (offsets: units + 1). Throws core::config_error for bin_s <= 0
// and core::input_error when the bins would not fit in memory (units x bins > 2^40).
binned_session bin_session(std::span<const std::uint64_t> offsets, std::span<const double> times_s, double bin_s);

// The session's counts as its segments (segment_bounds for max_tokens), each a units x
// (bounds[s+1] - bounds[s]) matrix: the column blocks of bin_session's matrix, counted in place
// (the whole matrix is never made). `bins` and `saturated_bins` as bin_session's.
struct binned_segments {
    std::uint32_t units = 0;
    std::uint64_t bins = 0;
    std::uint64_t saturated_bins = 0;
    std::vector<std::uint64_t> bounds;               // segments + 1 entries
    std::vector<std::vector<std::uint8_t>> counts;   // per segment, units x its bins, row-major
};
binned_segments bin_session_segments(std::span<const std::uint64_t> offsets, std::span<const double> times_s,
                                     double bin_s, std::uint64_t max_tokens);

// Sessions over max_tokens (units x bins) are split along time into ceil(tokens / max_tokens)
// segments of equal length (np.array_split: the first bins % n segments one bin longer), every
// segment with all units. Returns the first bin of each segment and one past the last.
std::vector<std::uint64_t> segment_bounds(std::uint32_t units, std::uint64_t bins, std::uint64_t max_tokens);

}  // namespace sf::datasets
