// Spike-train statistics per population (issue "Read any spike file; statistics, bursts and
// figures"; definitions as in the multi-area model's analysis, seed 004). All times in ms.
#pragma once

#include "core/spike_data.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace sf::analysis {

struct stats_options {
    double t_start_ms = -1.0;         // analysis window [t_start, t_stop]; < 0: the data's span
    double t_stop_ms = -1.0;
    std::vector<std::string> populations;  // empty: all
    double lvr_refractory_ms = 2.0;   // R of the LvR (Shinomoto et al. 2009), as in the MAM analysis
    double fano_bin_ms = 100.0;       // Fano factor of per-unit counts in bins of this width
    double correlation_bin_ms = 10.0; // pairwise correlation of binned counts
    std::uint32_t correlation_pairs = 200;  // sampled pairs per population (seeded)
    std::uint64_t seed = 1;
    double synchrony_bin_ms = 1.0;    // synchrony = var / mean of the population count per bin
    double rate_bin_ms = 1.0;         // population rate histogram bin
    double rate_kernel_sigma_ms = 5.0;  // Gaussian kernel for the smoothed population rate
};

// Per unit of one population, the values the population statistics summarise (NaN where a
// statistic is undefined for that unit, e.g. CV with fewer than 3 spikes).
struct unit_values {
    std::string population;
    std::vector<double> rate_hz;
    std::vector<double> cv_isi;
    std::vector<double> lvr;
    std::vector<double> fano;
    std::vector<double> correlations;  // one per sampled pair
};

struct population_statistics {
    std::string name;
    std::uint32_t units = 0, active_units = 0;  // active: at least one spike in the window
    std::uint64_t spikes = 0;
    double mean_rate_hz = 0, rate_q1_hz = 0, rate_median_hz = 0, rate_q3_hz = 0;
    double cv_isi = 0;       // mean over units with >= 3 spikes
    double lvr = 0;          // mean over units with >= 3 spikes
    double fano = 0;         // mean over active units
    double correlation = 0;  // mean over sampled pairs of active units
    std::uint32_t correlation_pairs = 0;
    double synchrony = 0;    // var / mean of the population spike count in synchrony_bin_ms bins
};

struct population_rate {
    std::string name;
    std::vector<double> t_ms;         // bin centres
    std::vector<double> rate_hz;      // histogram: spikes / (units x bin)
    std::vector<double> smoothed_hz;  // convolved with the Gaussian kernel
};

std::vector<unit_values> per_unit_values(const core::spike_dataset& data, const stats_options& options);
std::vector<population_statistics> compute_statistics(const core::spike_dataset& data, const stats_options& options);
std::vector<population_rate> population_rates(const core::spike_dataset& data, const stats_options& options);

// Single-train statistics (times ascending, ms).
double cv_isi(const std::vector<double>& times_ms);                  // NaN for < 3 spikes
double lvr(const std::vector<double>& times_ms, double refractory_ms); // NaN for < 3 spikes

}  // namespace sf::analysis
