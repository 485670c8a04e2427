// Trace statistics (`calcium stats`, docs/calcium.md): the features Spikefinder-Elephant used to
// place a recording in its embedding space and to pick similar training datasets, computed per
// neuron at the trace's own rate:
//   variance, skewness, excess kurtosis (scipy.stats defaults: biased moments, Fisher kurtosis),
//   autocorrelation at 0.5, 1 and 2 s (biased autocovariance / variance, lag rounded to samples),
//   generalised Hurst exponents H(q), q = 1..5: K_q(tau) = <|x(t+tau) - x(t)|^q> ~ tau^(q H(q)),
//     H(q) = slope of log K_q over log tau, tau = 1..min(19, T/4) samples, divided by q,
//   power spectrum (Welch, 256-sample segments): the fraction of power in 0-1, 1-3, 3-10 Hz and
//     above 10 Hz, the spectral centroid [Hz], the estimated noise sd and the trace's effective rate.
#pragma once

#include <array>
#include <span>
#include <string>
#include <vector>

#include "calcium/spikefinder_csv.hpp"

namespace sf::calcium {

struct trace_statistics {
    double variance = 0.0, skewness = 0.0, kurtosis = 0.0;
    std::array<double, 3> autocorrelation{};  // at 0.5, 1, 2 s
    std::array<double, 5> hurst{};            // H(q), q = 1..5
    std::array<double, 4> band_power{};       // fraction of power in 0-1, 1-3, 3-10, >10 Hz
    double spectral_centroid_hz = 0.0;
    double noise_sd = 0.0;
    double effective_rate_hz = 0.0;
};

// The feature names in the order of as_vector().
const std::vector<std::string>& trace_statistic_names();
std::vector<double> as_vector(const trace_statistics& s);

// Statistics of one trace sampled at `rate_hz`. Undefined values (a constant trace, lags past
// the end) are NaN.
trace_statistics compute_trace_statistics(std::span<const double> trace, double rate_hz);

// Per neuron, the statistics of every column of a table (as_vector order), and their per-feature
// mean over neurons (NaN skipped): a dataset's place in the embedding.
std::vector<std::vector<double>> table_statistics(const trace_table& table);
std::vector<double> mean_statistics(const std::vector<std::vector<double>>& per_neuron);

// Weights of training datasets by the similarity of their mean statistics to a target's: each
// feature is standardised over the training datasets (sd 0 -> ignored, NaN skipped), d_i is the
// Euclidean distance of dataset i to the target, w_i = exp(-d_i^2 / (2 median(d)^2)), scaled to
// sum to the number of datasets (all 1 when every distance is equal).
std::vector<double> similarity_weights(const std::vector<std::vector<double>>& training_means,
                                       const std::vector<double>& target_mean);

}  // namespace sf::calcium
