#include "calcium/spikefinder_metric.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/error.hpp"

namespace sf::calcium {

double pearson(std::span<const double> x, std::span<const double> y) {
    const std::size_t n = std::min(x.size(), y.size());
    if (n < 2) return std::numeric_limits<double>::quiet_NaN();
    double mx = 0.0, my = 0.0;
    for (std::size_t i = 0; i < n; ++i) mx += x[i], my += y[i];
    mx /= static_cast<double>(n);
    my /= static_cast<double>(n);
    double sxy = 0.0, sxx = 0.0, syy = 0.0;  // two passes: exact for large offsets
    for (std::size_t i = 0; i < n; ++i) {
        const double dx = x[i] - mx, dy = y[i] - my;
        sxy += dx * dy;
        sxx += dx * dx;
        syy += dy * dy;
    }
    if (sxx == 0.0 || syy == 0.0) return std::numeric_limits<double>::quiet_NaN();
    return sxy / std::sqrt(sxx * syy);
}

std::vector<double> bin_sums(std::span<const double> x, std::size_t bin) {
    std::vector<double> out(bin ? x.size() / bin : 0, 0.0);
    for (std::size_t b = 0; b < out.size(); ++b)
        for (std::size_t k = 0; k < bin; ++k) out[b] += x[b * bin + k];
    return out;
}

double spikefinder_correlation(std::span<const double> prediction, std::span<const double> truth, std::size_t bin) {
    const std::size_t n = std::min(prediction.size(), truth.size());
    std::vector<double> p, t;
    p.reserve(n);
    t.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
        if (std::isnan(prediction[i]) || std::isnan(truth[i])) continue;
        p.push_back(prediction[i]);
        t.push_back(truth[i]);
    }
    return pearson(bin_sums(p, bin), bin_sums(t, bin));
}

spikefinder_score score_spikefinder(const trace_table& prediction, const trace_table& truth, std::size_t bin,
                                    const std::string& pred_file, const std::string& truth_file) {
    if (bin == 0) throw core::config_error("--bin 0: the bin width must be at least 1 sample");
    if (prediction.neurons() != truth.neurons())
        throw core::input_error(fmt::format(
            "{}: {} neurons (columns), but {} has {}; expected the same neurons, column by column", pred_file,
            prediction.neurons(), truth_file, truth.neurons()));
    spikefinder_score score;
    score.bin = bin;
    double sum = 0.0;
    std::size_t defined = 0;
    for (std::size_t c = 0; c < truth.neurons(); ++c) {
        const auto& p = prediction.columns[c];
        const auto& t = truth.columns[c];
        std::size_t valid = 0;
        for (std::size_t i = 0; i < std::min(p.size(), t.size()); ++i) valid += !std::isnan(p[i]) && !std::isnan(t[i]);
        const double r = spikefinder_correlation(p, t, bin);
        score.correlation.push_back(r);
        score.bins.push_back(valid / bin);
        if (!std::isnan(r)) sum += r, ++defined;
    }
    score.mean = defined ? sum / static_cast<double>(defined) : std::numeric_limits<double>::quiet_NaN();
    return score;
}

}  // namespace sf::calcium
