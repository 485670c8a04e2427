// Spike-train statistics per population (issue "Read any spike file; statistics, bursts and
// figures"; definitions as in the multi-area model's analysis, seed 004). All times in ms,
// rates in Hz. docs/statistics.md explains every definition and where it departs from the
// multi-area model (MAM) code.
//
// Definitions (window W = [t_start, t_stop], T = t_stop - t_start; a spike at t is in the
// window when t_start <= t <= t_stop):
//   rate of a unit        spikes in W / T                                           [Hz]
//   mean rate, quartiles  over ALL units of the population (silent ones count as 0 Hz);
//                         quartiles use numpy's default (linear) percentile
//   CV of ISI             std(ISI) / mean(ISI), std with ddof = 0, units with >= 3 spikes in W
//   LvR                   Shinomoto et al. 2009 with refractoriness R (2 ms), n ISIs I_1..I_n:
//                           LvR = 3/(n-1) sum_{i=1}^{n-1} (1 - 4 I_i I_{i+1} / (I_i + I_{i+1})^2)
//                                                         (1 + 4 R / (I_i + I_{i+1}))
//                         units with >= 3 spikes in W (the MAM's pop_LvR formula)
//   binning               a statistic with bin width b uses n_bins = floor(T / b) full bins
//                         [t_start + k b, t_start + (k+1) b); spike t goes to
//                         k = floor((t - t_start) / b); k == n_bins (t at the right edge of the
//                         last bin) is put in the last bin (closed, like numpy.histogram);
//                         spikes after t_start + n_bins b are not binned. T < b: no bins,
//                         binned statistics are NaN, the rate series is empty.
//   Fano factor           var / mean (ddof = 0) of a unit's counts in fano_bin_ms bins,
//                         active units (>= 1 spike in W) with a non-zero binned mean
//   correlation           Pearson r of two units' counts in correlation_bin_ms bins, averaged
//                         over sampled pairs of distinct active units (sampling: see
//                         sample_pairs); pairs where either unit's counts have zero variance
//                         are skipped (not counted as 0)
//   synchrony             var / mean (ddof = 0) of the population spike count in
//                         synchrony_bin_ms (1 ms) bins; synchrony_cv = std / mean of the same
//                         counts (what the MAM's analysis_helpers.synchrony computes)
//   population rate       histogram in rate_bin_ms bins / (units x bin) [Hz], and that series
//                         convolved with a Gaussian of sigma rate_kernel_sigma_ms sampled at the
//                         bin centres, truncated at 4 sigma and normalised to sum 1; near the
//                         edges the kernel is renormalised over the bins inside W (a constant
//                         rate stays constant up to the edges)
// Population means skip NaN unit values; a mean with no contributing unit is NaN.
//
// Cost: one pass over the spikes in W for per-unit statistics and population histograms, one
// over the spikes of the (at most 2 x correlation_pairs) units in sampled pairs; memory
// O(units + populations x bins), never units x bins.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "core/spike_data.hpp"

namespace sf::analysis {

struct stats_options {
    double t_start_ms = -1.0;  // analysis window [t_start, t_stop]; < 0: the data's span
    double t_stop_ms = -1.0;
    std::vector<std::string> populations;   // empty: all
    double lvr_refractory_ms = 2.0;         // R of the LvR (Shinomoto et al. 2009), as in the MAM analysis
    double fano_bin_ms = 100.0;             // Fano factor of per-unit counts in bins of this width
    double correlation_bin_ms = 10.0;       // pairwise correlation of binned counts
    std::uint32_t correlation_pairs = 200;  // sampled pairs per population (seeded)
    std::uint64_t seed = 1;
    double synchrony_bin_ms = 1.0;      // synchrony = var / mean of the population count per bin
    double rate_bin_ms = 1.0;           // population rate histogram bin
    double rate_kernel_sigma_ms = 5.0;  // Gaussian kernel for the smoothed population rate (0: none)

    // Throws core::config_error (exit 2) for non-positive bins, negative sigma / R, or
    // t_stop <= t_start when both are given.
    void validate() const;
};

// Per unit of one population, the values the population statistics summarise (NaN where a
// statistic is undefined for that unit, e.g. CV with fewer than 3 spikes).
struct unit_values {
    std::string population;
    std::vector<std::uint32_t> units;  // global unit indices (rows of the unit_table), ascending
    std::vector<double> rate_hz;
    std::vector<double> cv_isi;
    std::vector<double> lvr;
    std::vector<double> fano;
    std::vector<double> correlations;  // one per used (non-skipped) sampled pair
};

// Summary of one population. (Named population_stats, not population_statistics, because
// analysis/spike_summary.hpp already defines an analysis::population_statistics: two classes
// of one name in one namespace would break the one-definition rule in the CLI binary.)
struct population_stats {
    std::string name;
    std::uint32_t units = 0, active_units = 0;  // active: at least one spike in the window
    std::uint64_t spikes = 0;                   // spikes in the window
    double mean_rate_hz = 0, rate_q1_hz = 0, rate_median_hz = 0, rate_q3_hz = 0;
    double cv_isi = 0;  // mean over units with >= 3 spikes
    std::uint32_t cv_units = 0;
    double lvr = 0;   // mean over units with >= 3 spikes
    double fano = 0;  // mean over active units with a non-zero binned mean
    std::uint32_t fano_units = 0;
    double correlation = 0;                       // mean over used pairs
    std::uint32_t correlation_pairs = 0;          // used pairs (sampled minus skipped)
    std::uint32_t correlation_pairs_skipped = 0;  // sampled pairs with a zero-variance unit
    // Sampled pairs as global unit indices (rows of the unit_table), used and skipped, in
    // sampling order, so that a reference computation can use the same pairs.
    std::vector<std::array<std::uint32_t, 2>> sampled_pairs;
    std::vector<double> pair_correlations;  // per sampled pair; NaN for a skipped one
    double synchrony = 0;                   // var / mean of the population spike count in synchrony_bin_ms bins
    double synchrony_cv = 0;                // std / mean of the same counts (the MAM's analysis_helpers.synchrony)
};

struct population_rate {
    std::string name;
    std::vector<double> t_ms;         // bin centres
    std::vector<double> rate_hz;      // histogram: spikes / (units x bin)
    std::vector<double> smoothed_hz;  // convolved with the Gaussian kernel
};

// Everything `spikeforge stats` reports, computed in one pass.
struct statistics_report {
    double t_start_ms = 0, t_stop_ms = 0;  // the resolved window
    std::vector<population_stats> populations;
    std::vector<unit_values> units;      // same order as populations
    std::vector<population_rate> rates;  // same order as populations
};

std::vector<unit_values> per_unit_values(const core::spike_dataset& data, const stats_options& options);
std::vector<population_stats> compute_statistics(const core::spike_dataset& data, const stats_options& options);
std::vector<population_rate> population_rates(const core::spike_dataset& data, const stats_options& options);
statistics_report analyse(const core::spike_dataset& data, const stats_options& options);

// The window the options resolve to: given bounds, else the data's span
// (spikes.t_start_ms / t_stop_ms). Throws core::config_error when it is empty.
std::array<double, 2> resolve_window(const core::spike_trains& spikes, const stats_options& options);

// Single-train statistics (times ascending, ms).
double cv_isi(const std::vector<double>& times_ms);                     // NaN for < 3 spikes
double lvr(const std::vector<double>& times_ms, double refractory_ms);  // NaN for < 3 spikes

// numpy.percentile(values, q) with the default linear interpolation; q in [0, 100].
// `values` is taken by value (it is partially sorted). NaN for an empty input.
double percentile_linear(std::vector<double> values, double q);

// Up to `count` distinct unordered pairs of distinct members of `members` (global unit indices),
// deterministic for a seed: when all pairs number <= count, all pairs (i < j in member order);
// otherwise pairs drawn uniformly without replacement (index pairs from std::mt19937_64 seeded
// with `seed`, rejection for unbiased bounds, duplicates redrawn). Each pair is {smaller, larger}.
std::vector<std::array<std::uint32_t, 2>> sample_pairs(const std::vector<std::uint32_t>& members, std::uint32_t count,
                                                       std::uint64_t seed);

// Gaussian smoothing of a series sampled every bin_ms (see the header comment for the edges).
std::vector<double> gaussian_smooth(const std::vector<double>& series, double bin_ms, double sigma_ms);

}  // namespace sf::analysis
