#include "calcium/trace_stats.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "calcium/oasis.hpp"
#include "calcium/spectrum.hpp"

namespace sf::calcium {

namespace {

constexpr double nan = std::numeric_limits<double>::quiet_NaN();

// H(q) from the scaling of the q-th moment of increments over lags 1..max_lag.
double hurst_exponent(std::span<const double> x, int q, std::size_t max_lag) {
    if (max_lag < 2) return nan;
    double sx = 0.0, sy = 0.0, sxx = 0.0, sxy = 0.0;
    std::size_t n = 0;
    for (std::size_t tau = 1; tau <= max_lag; ++tau) {
        double moment = 0.0;
        for (std::size_t t = 0; t + tau < x.size(); ++t) moment += std::pow(std::abs(x[t + tau] - x[t]), q);
        moment /= static_cast<double>(x.size() - tau);
        if (!(moment > 0.0)) return nan;
        const double lx = std::log(static_cast<double>(tau)), ly = std::log(moment);
        sx += lx, sy += ly, sxx += lx * lx, sxy += lx * ly, ++n;
    }
    const double slope = (static_cast<double>(n) * sxy - sx * sy) / (static_cast<double>(n) * sxx - sx * sx);
    return slope / q;
}

void spectrum_features(std::span<const double> x, double rate_hz, trace_statistics& s) {
    const auto psd = welch_psd(x);
    const std::array<double, 3> edges{1.0, 3.0, 10.0};
    double total = 0.0, weighted = 0.0;
    s.band_power.fill(0.0);
    for (std::size_t k = 1; k < psd.frequency.size(); ++k) {  // DC excluded: the mean is not a signal
        const double f = psd.frequency[k] * rate_hz, p = psd.density[k];
        const auto band = static_cast<std::size_t>(std::upper_bound(edges.begin(), edges.end(), f) - edges.begin());
        s.band_power[band] += p;
        total += p, weighted += p * f;
    }
    if (total > 0.0) {
        for (double& b : s.band_power) b /= total;
        s.spectral_centroid_hz = weighted / total;
    } else {
        s.band_power.fill(nan);
        s.spectral_centroid_hz = nan;
    }
}

}  // namespace

const std::vector<std::string>& trace_statistic_names() {
    static const std::vector<std::string> names = {
        "variance", "skewness", "kurtosis", "autocorr_0.5s", "autocorr_1s", "autocorr_2s", "hurst_q1", "hurst_q2",
        "hurst_q3", "hurst_q4", "hurst_q5", "power_0_1hz", "power_1_3hz", "power_3_10hz", "power_above_10hz",
        "spectral_centroid_hz", "noise_sd", "effective_rate_hz"};
    return names;
}

std::vector<double> as_vector(const trace_statistics& s) {
    std::vector<double> v = {s.variance, s.skewness, s.kurtosis};
    v.insert(v.end(), s.autocorrelation.begin(), s.autocorrelation.end());
    v.insert(v.end(), s.hurst.begin(), s.hurst.end());
    v.insert(v.end(), s.band_power.begin(), s.band_power.end());
    v.insert(v.end(), {s.spectral_centroid_hz, s.noise_sd, s.effective_rate_hz});
    return v;
}

trace_statistics compute_trace_statistics(std::span<const double> x, double rate_hz) {
    trace_statistics s;
    const auto n = static_cast<double>(x.size());
    if (x.size() < 4) {
        s.variance = s.skewness = s.kurtosis = s.spectral_centroid_hz = s.noise_sd = nan;
        s.autocorrelation.fill(nan), s.hurst.fill(nan), s.band_power.fill(nan);
        s.effective_rate_hz = rate_hz;
        return s;
    }
    const double mean = std::accumulate(x.begin(), x.end(), 0.0) / n;
    double m2 = 0.0, m3 = 0.0, m4 = 0.0;
    for (const double v : x) {
        const double d = v - mean, d2 = d * d;
        m2 += d2, m3 += d2 * d, m4 += d2 * d2;
    }
    m2 /= n, m3 /= n, m4 /= n;
    s.variance = m2;
    s.skewness = m2 > 0.0 ? m3 / std::pow(m2, 1.5) : nan;
    s.kurtosis = m2 > 0.0 ? m4 / (m2 * m2) - 3.0 : nan;
    const std::array<double, 3> lags_s{0.5, 1.0, 2.0};
    const auto max_lag = static_cast<std::size_t>(std::lround(lags_s.back() * rate_hz));
    const auto acov = autocovariance(x, max_lag);
    for (std::size_t i = 0; i < lags_s.size(); ++i) {
        const auto lag = static_cast<std::size_t>(std::lround(lags_s[i] * rate_hz));
        s.autocorrelation[i] = (m2 > 0.0 && lag < x.size()) ? acov[lag] / acov[0] : nan;
    }
    const std::size_t hurst_lags = std::min<std::size_t>(19, x.size() / 4);
    for (int q = 1; q <= 5; ++q) s.hurst[static_cast<std::size_t>(q - 1)] = hurst_exponent(x, q, hurst_lags);
    spectrum_features(x, rate_hz, s);
    s.noise_sd = estimate_noise_sd(x);
    s.effective_rate_hz = effective_rate_hz(x, rate_hz);
    return s;
}

std::vector<std::vector<double>> table_statistics(const trace_table& table) {
    std::vector<std::vector<double>> out;
    for (const auto& column : table.columns) out.push_back(as_vector(compute_trace_statistics(column, table.rate_hz)));
    return out;
}

std::vector<double> mean_statistics(const std::vector<std::vector<double>>& per_neuron) {
    const std::size_t features = trace_statistic_names().size();
    std::vector<double> mean(features, 0.0);
    for (std::size_t f = 0; f < features; ++f) {
        std::size_t count = 0;
        for (const auto& v : per_neuron)
            if (std::isfinite(v[f])) mean[f] += v[f], ++count;
        mean[f] = count ? mean[f] / static_cast<double>(count) : nan;
    }
    return mean;
}

std::vector<double> similarity_weights(const std::vector<std::vector<double>>& training, const std::vector<double>& target) {
    const std::size_t sets = training.size();
    std::vector<double> distance(sets, 0.0);
    for (std::size_t f = 0; f < target.size(); ++f) {
        double mean = 0.0, sd = 0.0;
        std::size_t count = 0;
        for (const auto& t : training)
            if (std::isfinite(t[f])) mean += t[f], ++count;
        if (count < 2 || !std::isfinite(target[f])) continue;
        mean /= static_cast<double>(count);
        for (const auto& t : training)
            if (std::isfinite(t[f])) sd += (t[f] - mean) * (t[f] - mean);
        sd = std::sqrt(sd / static_cast<double>(count - 1));
        if (!(sd > 0.0)) continue;
        for (std::size_t i = 0; i < sets; ++i)
            if (std::isfinite(training[i][f])) {
                const double z = (training[i][f] - target[f]) / sd;
                distance[i] += z * z;
            }
    }
    std::vector<double> sorted;
    for (double& d : distance) d = std::sqrt(d), sorted.push_back(d);
    std::sort(sorted.begin(), sorted.end());
    const double median = sets ? sorted[sets / 2] : 0.0;
    std::vector<double> weights(sets, 1.0);
    if (!(median > 0.0)) return weights;
    double total = 0.0;
    for (std::size_t i = 0; i < sets; ++i) total += weights[i] = std::exp(-distance[i] * distance[i] / (2.0 * median * median));
    for (double& w : weights) w *= static_cast<double>(sets) / total;
    return weights;
}

}  // namespace sf::calcium
