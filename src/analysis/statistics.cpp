// Spike-train statistics: one streaming pass over the time-sorted spikes of the window keeps
// O(1) state per unit (ISI moments, LvR sum, Fano bin accumulators) and one spike-count
// histogram per population; a second pass collects the binned counts of the units in sampled
// correlation pairs only. Definitions: statistics.hpp and docs/statistics.md.
#include "analysis/statistics.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <unordered_set>
#include <utility>

#include "core/error.hpp"

namespace sf::analysis {

namespace {

constexpr double nan = std::numeric_limits<double>::quiet_NaN();
constexpr std::uint64_t no_bin = std::numeric_limits<std::uint64_t>::max();
__extension__ typedef __int128 int128;  // exact n*sum(x^2) - sum(x)^2 for large counts

// Full bins of one width over the window (statistics.hpp, "binning").
struct bin_grid {
    double t0 = 0, width = 1;
    std::uint64_t n = 0;

    bin_grid(double t_start_ms, double t_stop_ms, double width_ms) : t0(t_start_ms), width(width_ms) {
        // The 1e-9 keeps e.g. T = 0.3 ms, b = 0.1 ms (0.3 / 0.1 = 2.9999999999999996) at 3 bins.
        const double full = std::floor((t_stop_ms - t_start_ms) / width_ms + 1e-9);
        n = full > 0 ? static_cast<std::uint64_t>(full) : 0;
    }
    // The bin of a spike at t >= t0, or no_bin when it lies after the last full bin.
    std::uint64_t index(double t) const {
        if (n == 0) return no_bin;
        const double k = std::floor((t - t0) / width);
        if (k < static_cast<double>(n)) return static_cast<std::uint64_t>(k);
        // The right edge of the last bin belongs to it (numpy.histogram's closed last bin).
        if (k == static_cast<double>(n) && t <= t0 + static_cast<double>(n) * width) return n - 1;
        return no_bin;
    }
};

// var / mean and std / mean (ddof = 0) of n counts with sum s and sum of squares q, from exact
// integers: var = (n q - s^2) / n^2, so var / mean = (n q - s^2) / (n s). NaN when s == 0.
std::pair<double, double> dispersion(std::uint64_t n, std::uint64_t s, std::uint64_t q) {
    if (n == 0 || s == 0) return {nan, nan};
    const int128 centred = static_cast<int128>(n) * q - static_cast<int128>(s) * s;  // n^2 var >= 0
    const double c = static_cast<double>(centred);
    return {c / (static_cast<double>(n) * static_cast<double>(s)), std::sqrt(c) / static_cast<double>(s)};
}

// What the streaming pass keeps per unit (one cache line and a bit).
struct unit_state {
    double last_t = nan;
    double last_isi = nan;
    std::uint64_t spikes = 0;
    double isi_mean = 0, isi_m2 = 0;             // Welford moments of the ISIs [ms], [ms^2]
    double lvr_sum = 0;                          // sum of the LvR terms over consecutive ISI pairs
    std::uint64_t fano_bin = no_bin;             // bin of the running count
    std::uint64_t fano_count = 0;                // spikes in fano_bin so far
    std::uint64_t fano_sum = 0, fano_sumsq = 0;  // over closed bins

    void close_fano_bin() {
        fano_sum += fano_count;
        fano_sumsq += fano_count * fano_count;
        fano_count = 0;
    }
};

// One LvR term of consecutive ISIs a, b with refractoriness r (all ms).
double lvr_term(double a, double b, double r) {
    const double s = a + b;
    return (1.0 - 4.0 * a * b / (s * s)) * (1.0 + 4.0 * r / s);
}

void add_spike(unit_state& u, double t, double refractory_ms, std::uint64_t fano_bin) {
    if (u.spikes > 0) {
        const double isi = t - u.last_t;
        const double isis = static_cast<double>(u.spikes);  // ISIs including this one
        const double delta = isi - u.isi_mean;
        u.isi_mean += delta / isis;
        u.isi_m2 += delta * (isi - u.isi_mean);
        if (u.spikes > 1) u.lvr_sum += lvr_term(u.last_isi, isi, refractory_ms);
        u.last_isi = isi;
    }
    u.last_t = t;
    ++u.spikes;
    if (fano_bin == no_bin) return;
    if (fano_bin != u.fano_bin) {
        u.close_fano_bin();
        u.fano_bin = fano_bin;
    }
    ++u.fano_count;
}

double unit_cv(const unit_state& u) {
    if (u.spikes < 3) return nan;
    return std::sqrt(u.isi_m2 / static_cast<double>(u.spikes - 1)) / u.isi_mean;
}

double unit_lvr(const unit_state& u) {
    if (u.spikes < 3) return nan;
    return 3.0 * u.lvr_sum / static_cast<double>(u.spikes - 2);  // 3 / (n - 1), n = spikes - 1 ISIs
}

// The populations the options select, as indices into units.population_names, in the order
// the user gave (or the dataset's order).
std::vector<std::uint32_t> select_populations(const core::unit_table& units, const stats_options& options) {
    std::vector<std::uint32_t> selected;
    if (options.populations.empty()) {
        for (std::uint32_t p = 0; p < units.population_names.size(); ++p) selected.push_back(p);
        return selected;
    }
    for (const auto& name : options.populations) {
        const auto& names = units.population_names;
        const auto it = std::find(names.begin(), names.end(), name);
        if (it == names.end())
            throw core::config_error(
                fmt::format("--populations: unknown population '{}' (known: {})", name, fmt::join(names, ", ")));
        const auto p = static_cast<std::uint32_t>(it - names.begin());
        if (std::find(selected.begin(), selected.end(), p) == selected.end()) selected.push_back(p);
    }
    return selected;
}

// Everything the statistics need, gathered in one pass over the spikes of the window.
struct pass_result {
    double t0 = 0, t1 = 0;
    std::vector<std::uint32_t> selected;                               // population indices
    std::vector<std::int32_t> slot_of_unit;                            // unit -> position in selected, or -1
    std::vector<std::vector<std::uint32_t>> members;                   // per slot: its units, ascending
    std::vector<unit_state> unit;                                      // per unit
    std::vector<std::uint64_t> spikes;                                 // per slot, in the window
    std::vector<std::vector<std::uint64_t>> sync_counts, rate_counts;  // per slot, per bin
    std::size_t first = 0, last = 0;                                   // spike index range of the window
    std::uint64_t fano_bins = 0;
};

void check_dataset(const core::spike_dataset& data) {
    if (data.units.size() != data.spikes.unit_count)
        throw core::input_error(fmt::format("spike data: unit table has {} units but the spikes name {}",
                                            data.units.size(), data.spikes.unit_count));
}

void assign_units(const core::spike_dataset& data, pass_result& r) {
    const auto& pops = data.units.population;
    std::vector<std::int32_t> slot_of_population(data.units.population_names.size(), -1);
    for (std::size_t s = 0; s < r.selected.size(); ++s)
        slot_of_population[r.selected[s]] = static_cast<std::int32_t>(s);
    r.slot_of_unit.assign(pops.size(), -1);
    r.members.assign(r.selected.size(), {});
    for (std::uint32_t u = 0; u < pops.size(); ++u) {
        const std::int32_t slot = slot_of_population.at(pops[u]);
        r.slot_of_unit[u] = slot;
        if (slot >= 0) r.members[static_cast<std::size_t>(slot)].push_back(u);
    }
}

void count_into(std::vector<std::uint64_t>& counts, const bin_grid& grid, double t) {
    const std::uint64_t k = grid.index(t);
    if (k != no_bin) ++counts[k];
}

pass_result streaming_pass(const core::spike_dataset& data, const stats_options& options) {
    options.validate();
    check_dataset(data);
    pass_result r;
    const auto window = resolve_window(data.spikes, options);
    r.t0 = window[0];
    r.t1 = window[1];
    r.selected = select_populations(data.units, options);
    assign_units(data, r);
    const auto& t = data.spikes.t_ms;
    r.first = static_cast<std::size_t>(std::lower_bound(t.begin(), t.end(), r.t0) - t.begin());
    r.last = static_cast<std::size_t>(std::upper_bound(t.begin(), t.end(), r.t1) - t.begin());

    const bin_grid fano(r.t0, r.t1, options.fano_bin_ms), sync(r.t0, r.t1, options.synchrony_bin_ms),
        rate(r.t0, r.t1, options.rate_bin_ms);
    r.fano_bins = fano.n;
    r.unit.assign(data.units.size(), {});
    r.spikes.assign(r.selected.size(), 0);
    r.sync_counts.assign(r.selected.size(), std::vector<std::uint64_t>(sync.n, 0));
    r.rate_counts.assign(r.selected.size(), std::vector<std::uint64_t>(rate.n, 0));
    const auto& unit = data.spikes.unit;
    // Spikes arrive in time order, so consecutive spikes hit unrelated units: fetching the state
    // of the unit `prefetch_distance` spikes ahead overlaps those cache misses (1e7 spikes of 1e5
    // units, 8 MB of state: 1.18 s -> 0.25 s).
    constexpr std::size_t prefetch_distance = 24;
    for (std::size_t i = r.first; i < r.last; ++i) {
        if (i + prefetch_distance < r.last) {
            const auto* ahead = &r.unit[unit[i + prefetch_distance]];
            __builtin_prefetch(ahead, 1);
            __builtin_prefetch(reinterpret_cast<const char*>(ahead) + sizeof(unit_state) - 1, 1);  // may straddle lines
        }
        const std::uint32_t u = unit[i];
        const std::int32_t slot = r.slot_of_unit[u];
        if (slot < 0) continue;
        add_spike(r.unit[u], t[i], options.lvr_refractory_ms, fano.index(t[i]));
        ++r.spikes[static_cast<std::size_t>(slot)];
        count_into(r.sync_counts[static_cast<std::size_t>(slot)], sync, t[i]);
        count_into(r.rate_counts[static_cast<std::size_t>(slot)], rate, t[i]);
    }
    for (auto& u : r.unit) u.close_fano_bin();
    return r;
}

double mean_of_finite(const std::vector<double>& values, std::uint32_t* used = nullptr) {
    double sum = 0;
    std::uint32_t n = 0;
    for (double v : values)
        if (std::isfinite(v)) {
            sum += v;
            ++n;
        }
    if (used) *used = n;
    return n ? sum / n : nan;
}

unit_values slot_unit_values(const pass_result& r, std::size_t slot, const core::spike_dataset& data) {
    unit_values v;
    v.population = data.units.population_names[r.selected[slot]];
    v.units = r.members[slot];
    const double seconds = (r.t1 - r.t0) / 1000.0;
    for (std::uint32_t u : r.members[slot]) {
        const auto& s = r.unit[u];
        v.rate_hz.push_back(static_cast<double>(s.spikes) / seconds);
        v.cv_isi.push_back(unit_cv(s));
        v.lvr.push_back(unit_lvr(s));
        v.fano.push_back(s.spikes > 0 ? dispersion(r.fano_bins, s.fano_sum, s.fano_sumsq).first : nan);
    }
    return v;
}

// Sparse binned counts of one unit: (bin, count) with ascending bins.
using sparse_counts = std::vector<std::pair<std::uint64_t, std::uint64_t>>;

// Second pass: binned counts of the units that appear in a pair, nothing for the others.
std::vector<sparse_counts> pair_unit_counts(const core::spike_dataset& data, const pass_result& r, const bin_grid& grid,
                                            const std::vector<std::int32_t>& compact) {
    std::uint32_t involved = 0;
    for (auto c : compact) involved = std::max(involved, static_cast<std::uint32_t>(c + 1));
    std::vector<sparse_counts> counts(involved);
    for (std::size_t i = r.first; i < r.last; ++i) {
        const std::int32_t c = compact[data.spikes.unit[i]];
        if (c < 0) continue;
        const std::uint64_t k = grid.index(data.spikes.t_ms[i]);
        if (k == no_bin) continue;
        auto& train = counts[static_cast<std::size_t>(c)];
        if (!train.empty() && train.back().first == k)
            ++train.back().second;
        else
            train.push_back({k, 1});
    }
    return counts;
}

// Pearson r of two binned trains over n bins from exact integer sums; NaN for zero variance.
double pearson(const sparse_counts& a, const sparse_counts& b, std::uint64_t n) {
    std::uint64_t sa = 0, saa = 0, sb = 0, sbb = 0, sab = 0;
    for (const auto& [k, c] : a) sa += c, saa += c * c;
    for (const auto& [k, c] : b) sb += c, sbb += c * c;
    for (std::size_t i = 0, j = 0; i < a.size() && j < b.size();) {
        if (a[i].first < b[j].first)
            ++i;
        else if (b[j].first < a[i].first)
            ++j;
        else
            sab += a[i++].second * b[j++].second;
    }
    const int128 va = static_cast<int128>(n) * saa - static_cast<int128>(sa) * sa;
    const int128 vb = static_cast<int128>(n) * sbb - static_cast<int128>(sb) * sb;
    if (va <= 0 || vb <= 0) return nan;
    const int128 cov = static_cast<int128>(n) * sab - static_cast<int128>(sa) * sb;
    return static_cast<double>(cov) / (std::sqrt(static_cast<double>(va)) * std::sqrt(static_cast<double>(vb)));
}

// Pair sampling of every selected population; fills sampled_pairs, the correlations and their
// summary. The seed of a population's sampler mixes in its index in the dataset, so adding or
// removing other populations (--populations) does not change its pairs.
void correlations(const core::spike_dataset& data, const pass_result& r, const stats_options& options,
                  std::vector<population_stats>& stats, std::vector<unit_values>& values) {
    std::vector<std::int32_t> compact(data.units.size(), -1);
    std::int32_t next = 0;
    for (std::size_t slot = 0; slot < r.selected.size(); ++slot) {
        std::vector<std::uint32_t> active;
        for (std::uint32_t u : r.members[slot])
            if (r.unit[u].spikes > 0) active.push_back(u);
        const std::uint64_t seed = options.seed + 0x9E3779B97F4A7C15ull * (r.selected[slot] + 1ull);
        stats[slot].sampled_pairs = sample_pairs(active, options.correlation_pairs, seed);
        for (const auto& p : stats[slot].sampled_pairs)
            for (std::uint32_t u : p)
                if (compact[u] < 0) compact[u] = next++;
    }
    const bin_grid grid(r.t0, r.t1, options.correlation_bin_ms);
    const auto counts = pair_unit_counts(data, r, grid, compact);
    for (std::size_t slot = 0; slot < r.selected.size(); ++slot) {
        auto& s = stats[slot];
        for (const auto& p : s.sampled_pairs) {
            const double c = pearson(counts[static_cast<std::size_t>(compact[p[0]])],
                                     counts[static_cast<std::size_t>(compact[p[1]])], grid.n);
            s.pair_correlations.push_back(c);
            if (std::isfinite(c))
                values[slot].correlations.push_back(c);
            else
                ++s.correlation_pairs_skipped;
        }
        s.correlation = mean_of_finite(values[slot].correlations, &s.correlation_pairs);
    }
}

population_stats summarise(const pass_result& r, std::size_t slot, const unit_values& v) {
    population_stats s;
    s.name = v.population;
    s.units = static_cast<std::uint32_t>(r.members[slot].size());
    s.spikes = r.spikes[slot];
    for (std::uint32_t u : r.members[slot]) s.active_units += r.unit[u].spikes > 0;
    const double seconds = (r.t1 - r.t0) / 1000.0;
    s.mean_rate_hz = s.units ? static_cast<double>(s.spikes) / (s.units * seconds) : nan;
    s.rate_q1_hz = percentile_linear(v.rate_hz, 25);
    s.rate_median_hz = percentile_linear(v.rate_hz, 50);
    s.rate_q3_hz = percentile_linear(v.rate_hz, 75);
    s.cv_isi = mean_of_finite(v.cv_isi, &s.cv_units);
    s.lvr = mean_of_finite(v.lvr);
    s.fano = mean_of_finite(v.fano, &s.fano_units);
    std::uint64_t sum = 0, sumsq = 0;
    for (std::uint64_t c : r.sync_counts[slot]) sum += c, sumsq += c * c;
    std::tie(s.synchrony, s.synchrony_cv) = dispersion(r.sync_counts[slot].size(), sum, sumsq);
    return s;
}

population_rate slot_rate(const pass_result& r, std::size_t slot, const core::spike_dataset& data,
                          const stats_options& options) {
    population_rate p;
    p.name = data.units.population_names[r.selected[slot]];
    const double b = options.rate_bin_ms;
    const auto units = static_cast<double>(r.members[slot].size());
    const auto& counts = r.rate_counts[slot];
    p.t_ms.reserve(counts.size());
    p.rate_hz.reserve(counts.size());
    for (std::size_t k = 0; k < counts.size(); ++k) {
        p.t_ms.push_back(r.t0 + (static_cast<double>(k) + 0.5) * b);
        p.rate_hz.push_back(units > 0 ? static_cast<double>(counts[k]) / (units * b / 1000.0) : nan);
    }
    p.smoothed_hz = gaussian_smooth(p.rate_hz, b, options.rate_kernel_sigma_ms);
    return p;
}

// Unbiased integer in [0, n) from a 64-bit generator (rejection of the short last block).
std::uint64_t draw_below(std::mt19937_64& gen, std::uint64_t n) {
    const std::uint64_t reject_below = (0 - n) % n;  // 2^64 mod n
    std::uint64_t x = gen();
    while (x < reject_below) x = gen();
    return x % n;
}

}  // namespace

void stats_options::validate() const {
    const auto positive = [](double v, const char* what) {
        if (!(v > 0) || !std::isfinite(v))
            throw core::config_error(fmt::format("{}: must be a positive number of ms (got {})", what, v));
    };
    positive(fano_bin_ms, "fano bin");
    positive(correlation_bin_ms, "--corr-bin");
    positive(synchrony_bin_ms, "synchrony bin");
    positive(rate_bin_ms, "rate bin");
    if (!(rate_kernel_sigma_ms >= 0) || !std::isfinite(rate_kernel_sigma_ms))
        throw core::config_error(fmt::format("rate kernel sigma: must be >= 0 ms (got {})", rate_kernel_sigma_ms));
    if (!(lvr_refractory_ms >= 0) || !std::isfinite(lvr_refractory_ms))
        throw core::config_error(fmt::format("LvR refractoriness: must be >= 0 ms (got {})", lvr_refractory_ms));
    if (t_start_ms >= 0 && t_stop_ms >= 0 && t_stop_ms <= t_start_ms)
        throw core::config_error(
            fmt::format("--t-stop ({} ms) must be greater than --t-start ({} ms)", t_stop_ms, t_start_ms));
}

std::array<double, 2> resolve_window(const core::spike_trains& spikes, const stats_options& options) {
    const double t0 = options.t_start_ms >= 0 ? options.t_start_ms : spikes.t_start_ms;
    const double t1 = options.t_stop_ms >= 0 ? options.t_stop_ms : spikes.t_stop_ms;
    if (!(t1 > t0) || !std::isfinite(t0) || !std::isfinite(t1))
        throw core::config_error(
            fmt::format("analysis window [{}, {}] ms is empty (data span [{}, {}] ms): give --t-start/--t-stop", t0, t1,
                        spikes.t_start_ms, spikes.t_stop_ms));
    return {t0, t1};
}

statistics_report analyse(const core::spike_dataset& data, const stats_options& options) {
    const pass_result r = streaming_pass(data, options);
    statistics_report report;
    report.t_start_ms = r.t0;
    report.t_stop_ms = r.t1;
    for (std::size_t slot = 0; slot < r.selected.size(); ++slot) {
        report.units.push_back(slot_unit_values(r, slot, data));
        report.populations.push_back(summarise(r, slot, report.units.back()));
        report.rates.push_back(slot_rate(r, slot, data, options));
    }
    correlations(data, r, options, report.populations, report.units);
    return report;
}

std::vector<unit_values> per_unit_values(const core::spike_dataset& data, const stats_options& options) {
    return analyse(data, options).units;
}

std::vector<population_stats> compute_statistics(const core::spike_dataset& data, const stats_options& options) {
    return analyse(data, options).populations;
}

std::vector<population_rate> population_rates(const core::spike_dataset& data, const stats_options& options) {
    return analyse(data, options).rates;
}

double cv_isi(const std::vector<double>& times_ms) {
    if (times_ms.size() < 3) return nan;
    const double n = static_cast<double>(times_ms.size() - 1);
    const double mean = (times_ms.back() - times_ms.front()) / n;
    double m2 = 0;
    for (std::size_t i = 1; i < times_ms.size(); ++i) {
        const double d = times_ms[i] - times_ms[i - 1] - mean;
        m2 += d * d;
    }
    return std::sqrt(m2 / n) / mean;
}

double lvr(const std::vector<double>& times_ms, double refractory_ms) {
    if (times_ms.size() < 3) return nan;
    double sum = 0;
    for (std::size_t i = 2; i < times_ms.size(); ++i)
        sum += lvr_term(times_ms[i - 1] - times_ms[i - 2], times_ms[i] - times_ms[i - 1], refractory_ms);
    return 3.0 * sum / static_cast<double>(times_ms.size() - 2);
}

double percentile_linear(std::vector<double> values, double q) {
    if (values.empty()) return nan;
    std::sort(values.begin(), values.end());
    const double h = q / 100.0 * (static_cast<double>(values.size()) - 1.0);  // as numpy computes it
    const auto lo = static_cast<std::size_t>(std::floor(h));
    if (lo + 1 >= values.size()) return values.back();
    const double frac = h - static_cast<double>(lo), a = values[lo], b = values[lo + 1];
    // numpy's _lerp: interpolate from the nearer end, so that frac = 1 gives b exactly.
    return frac >= 0.5 ? b - (b - a) * (1.0 - frac) : a + (b - a) * frac;
}

std::vector<std::array<std::uint32_t, 2>> sample_pairs(const std::vector<std::uint32_t>& members, std::uint32_t count,
                                                       std::uint64_t seed) {
    std::vector<std::array<std::uint32_t, 2>> pairs;
    const std::uint64_t k = members.size();
    const std::uint64_t all = k * (k - (k > 0)) / 2;
    const auto ordered = [](std::uint32_t a, std::uint32_t b) {
        return std::array<std::uint32_t, 2>{std::min(a, b), std::max(a, b)};
    };
    if (all <= count) {
        for (std::size_t i = 0; i < k; ++i)
            for (std::size_t j = i + 1; j < k; ++j) pairs.push_back(ordered(members[i], members[j]));
        return pairs;
    }
    std::mt19937_64 gen(seed);
    std::unordered_set<std::uint64_t> seen;
    while (pairs.size() < count) {
        const std::uint64_t i = draw_below(gen, k);
        std::uint64_t j = draw_below(gen, k - 1);
        if (j >= i) ++j;  // a uniform second member distinct from the first
        const auto pair = ordered(members[i], members[j]);
        if (seen.insert((static_cast<std::uint64_t>(pair[0]) << 32) | pair[1]).second) pairs.push_back(pair);
    }
    return pairs;
}

std::vector<double> gaussian_smooth(const std::vector<double>& series, double bin_ms, double sigma_ms) {
    if (sigma_ms <= 0 || series.empty()) return series;
    const auto half = static_cast<std::ptrdiff_t>(std::floor(4.0 * sigma_ms / bin_ms));
    std::vector<double> kernel(static_cast<std::size_t>(2 * half + 1));
    for (std::ptrdiff_t j = -half; j <= half; ++j) {
        const double x = static_cast<double>(j) * bin_ms / sigma_ms;
        kernel[static_cast<std::size_t>(j + half)] = std::exp(-0.5 * x * x);
    }
    const auto n = static_cast<std::ptrdiff_t>(series.size());
    std::vector<double> out(series.size());
    for (std::ptrdiff_t i = 0; i < n; ++i) {
        // Only kernel weights that land inside the window, renormalised: no droop at the edges.
        const std::ptrdiff_t lo = std::max(-half, -i), hi = std::min(half, n - 1 - i);
        double sum = 0, weight = 0;
        for (std::ptrdiff_t j = lo; j <= hi; ++j) {
            const double w = kernel[static_cast<std::size_t>(j + half)];
            sum += w * series[static_cast<std::size_t>(i + j)];
            weight += w;
        }
        out[static_cast<std::size_t>(i)] = sum / weight;
    }
    return out;
}

}  // namespace sf::analysis
