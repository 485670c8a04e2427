// The Spikefinder metric (Berens et al. 2018), exactly as the challenge scored entries:
// for each neuron, drop the samples where the prediction or the truth is NaN (a column shorter
// than the other counts as NaN beyond its end), sum the remaining samples into non-overlapping
// bins of `bin` samples starting at index 0 (a trailing partial bin is dropped), and take the
// Pearson correlation of the two binned series. At 100 Hz the default bin of 4 samples is 40 ms.
// The summary is the mean over neurons that skips NaN correlations (a constant series).
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "calcium/spikefinder_csv.hpp"

namespace sf::calcium {

inline constexpr std::size_t spikefinder_bin_samples = 4;  // 40 ms at 100 Hz

// Pearson correlation of x and y (same length); NaN if fewer than 2 values or one is constant.
double pearson(std::span<const double> x, std::span<const double> y);

// Sums of consecutive, non-overlapping `bin`-sample groups from index 0; a partial tail is dropped.
std::vector<double> bin_sums(std::span<const double> x, std::size_t bin);

// The Spikefinder correlation of one neuron (see above). bin >= 1.
double spikefinder_correlation(std::span<const double> prediction, std::span<const double> truth, std::size_t bin);

struct spikefinder_score {
    std::size_t bin = spikefinder_bin_samples;  // samples per bin
    std::vector<double> correlation;            // per neuron (NaN: undefined)
    std::vector<std::size_t> bins;              // per neuron: bins that entered the correlation
    double mean = 0.0;                          // NaN-skipping mean (NaN if every neuron is NaN)
};

// Scores `prediction` against `truth` column by column. Throws core::input_error if the
// neuron counts differ (names pred_file / truth_file in the message), core::config_error if bin == 0.
spikefinder_score score_spikefinder(const trace_table& prediction, const trace_table& truth, std::size_t bin,
                                    const std::string& pred_file = "prediction", const std::string& truth_file = "truth");

}  // namespace sf::calcium
