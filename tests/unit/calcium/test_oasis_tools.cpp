// The numerical pieces under OASIS, calcium simulate and calcium stats, against closed forms.
// (The OASIS solution itself is checked against scipy's NNLS in tests/python/test_calcium_oasis.py.)
#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <numbers>
#include <random>
#include <vector>

#include "calcium/calcium_simulate.hpp"
#include "calcium/oasis.hpp"
#include "calcium/spectrum.hpp"
#include "calcium/trace_io.hpp"
#include "calcium/trace_stats.hpp"

namespace sf::calcium {
namespace {

std::vector<double> white_noise(std::size_t n, double sd, unsigned seed) {
    std::mt19937_64 rng(seed);
    std::normal_distribution<double> normal(0.0, sd);
    std::vector<double> x(n);
    for (double& v : x) v = normal(rng);
    return x;
}

TEST(Spectrum, FftEqualsTheDefinitionOfTheDft) {
    const std::size_t n = 64;
    std::vector<std::complex<double>> x(n);
    for (std::size_t i = 0; i < n; ++i) x[i] = {std::sin(0.3 * i) + 0.1 * i, std::cos(1.7 * i)};
    auto y = x;
    fft_radix2(y);
    for (std::size_t k = 0; k < n; ++k) {
        std::complex<double> sum = 0.0;
        for (std::size_t t = 0; t < n; ++t)
            sum += x[t] * std::polar(1.0, -2.0 * std::numbers::pi * static_cast<double>(k * t) / static_cast<double>(n));
        EXPECT_NEAR(std::abs(y[k] - sum), 0.0, 1e-10) << k;
    }
}

TEST(Spectrum, WelchOfWhiteNoiseIsFlatAtTwiceTheVarianceAndASinePeaksAtItsFrequency) {
    const auto noise = white_noise(1 << 16, 0.5, 3);
    const auto psd = welch_psd(noise);
    ASSERT_EQ(psd.frequency.size(), 129u);
    double mean = 0.0;
    for (std::size_t k = 1; k < 128; ++k) mean += psd.density[k] / 127.0;
    EXPECT_NEAR(mean, 2.0 * 0.25, 0.01);
    std::vector<double> sine(4096);
    for (std::size_t t = 0; t < sine.size(); ++t) sine[t] = std::sin(2.0 * std::numbers::pi * 0.125 * static_cast<double>(t));
    const auto peak = welch_psd(sine);
    const auto top = std::max_element(peak.density.begin(), peak.density.end()) - peak.density.begin();
    EXPECT_DOUBLE_EQ(peak.frequency[static_cast<std::size_t>(top)], 0.125);
}

TEST(Oasis, NoiseAndArEstimatesOfAKnownProcess) {
    // AR(1) calcium with g = 0.95 from sparse unit spikes, white noise sd 0.3.
    std::mt19937_64 rng(5);
    std::bernoulli_distribution spike(0.02);
    auto y = white_noise(200000, 0.3, 6);
    double c = 0.0;
    for (double& v : y) v += (c = 0.95 * c + (spike(rng) ? 1.0 : 0.0));
    const double sigma = estimate_noise_sd(y);
    EXPECT_NEAR(sigma, 0.3, 0.03);
    EXPECT_NEAR(estimate_ar(y, 1, sigma).g1, 0.95, 0.02);
    const auto ar2 = estimate_ar(y, 2, sigma);  // a valid rise-and-decay pair whose slow root is ~g
    const double d = (ar2.g1 + std::sqrt(ar2.g1 * ar2.g1 + 4.0 * ar2.g2)) / 2.0;
    EXPECT_GT(ar2.g1 * ar2.g1 + 4.0 * ar2.g2, 0.0);
    EXPECT_NEAR(d, 0.95, 0.03);
    EXPECT_DOUBLE_EQ(effective_rate_hz(y, 100.0), 100.0);
}

TEST(Oasis, NoiseFreeSpikesAreRecoveredExactly) {
    std::vector<double> s(300, 0.0), y(300);
    s[20] = 1.0, s[90] = 2.0, s[91] = 0.5, s[200] = 1.5;
    double c = 0.0;
    for (std::size_t t = 0; t < s.size(); ++t) y[t] = c = 0.9 * c + s[t];
    std::vector<double> fit(y.size());
    oasis_pass(y, {1, 0.9, 0.0}, 0.0, 0.0, fit);
    for (std::size_t t = 0; t < y.size(); ++t) EXPECT_NEAR(fit[t], y[t], 1e-12) << t;
    const auto spikes = spikes_from_calcium(fit, {1, 0.9, 0.0});
    for (std::size_t t = 1; t < s.size(); ++t) EXPECT_NEAR(spikes[t], s[t], 1e-12) << t;
}

TEST(Oasis, OptionsOutOfRangeAreRejected) {
    const std::vector<double> y(100, 1.0);
    EXPECT_THROW(oasis_deconvolve(y, {.order = 3}), std::invalid_argument);
    EXPECT_THROW(oasis_deconvolve(y, {.g1 = 1.2}), std::invalid_argument);
    EXPECT_THROW(oasis_deconvolve(y, {.order = 2, .g1 = 0.5, .g2 = -0.5}), std::invalid_argument);  // complex roots
    EXPECT_THROW(oasis_deconvolve(y, {.s_min = -1.0}), std::invalid_argument);
}

TEST(TraceIo, ResamplingIsExactOnLinesAndKeepsTheDuration) {
    std::vector<double> ramp(31);
    for (std::size_t i = 0; i < ramp.size(); ++i) ramp[i] = 2.0 * static_cast<double>(i) + 1.0;  // 30 Hz
    const auto up = resample_trace(ramp, 30.0, 100.0);
    ASSERT_EQ(up.size(), 101u);  // 1 s at 100 Hz, both ends included
    for (std::size_t i = 0; i < up.size(); ++i) EXPECT_NEAR(up[i], 2.0 * (static_cast<double>(i) * 0.3) + 1.0, 1e-12);
    const auto back = resample_to_length(up, 100.0, 30.0, ramp.size());
    ASSERT_EQ(back.size(), ramp.size());
    for (std::size_t i = 1; i + 2 < ramp.size(); ++i) EXPECT_NEAR(back[i], ramp[i], 1e-9) << i;  // boxcar of a line: exact inside
    const std::vector<double> constant(1000, 3.0);
    for (const double v : resample_trace(constant, 100.0, 7.0)) EXPECT_DOUBLE_EQ(v, 3.0);
}

TEST(TraceIo, GaussianSmoothingKeepsTheSumAndIsSymmetric) {
    std::vector<double> x(201, 0.0);
    x[100] = 1.0;
    const auto y = gaussian_smooth(x, 4.0);
    double sum = 0.0;
    for (const double v : y) sum += v;
    EXPECT_NEAR(sum, 1.0, 1e-12);
    for (std::size_t k = 1; k <= 16; ++k) EXPECT_NEAR(y[100 - k], y[100 + k], 1e-15);
    EXPECT_NEAR(y[104] / y[100], std::exp(-0.5), 1e-12);
}

TEST(TraceIo, RunningPercentileAndDeltaFOverF) {
    std::vector<double> f(6000, 200.0);
    for (std::size_t t = 0; t < f.size(); t += 300) f[t] = 400.0;  // sparse transients
    const auto dff = delta_f_over_f(f, 100.0, 10.0, 8.0, "test");
    for (std::size_t t = 0; t < f.size(); ++t) EXPECT_NEAR(dff[t], t % 300 == 0 ? 1.0 : 0.0, 1e-12) << t;
    std::vector<double> drift(1000);
    for (std::size_t t = 0; t < drift.size(); ++t) drift[t] = 0.01 * static_cast<double>(t);
    const auto level = running_percentile(drift, 101, 50.0);  // the median of a centred window of a line is the line
    for (std::size_t t = 60; t < 940; ++t) EXPECT_NEAR(level[t], drift[t], 0.011) << t;
}

TEST(CalciumSimulate, OneSpikePeaksAtTheIndicatorAmplitude) {
    for (const char* name : {"ogb1", "gcamp6s", "gcamp6f"}) {
        const auto sensor = named_indicator(name);
        imaging_options o{.sensor = sensor, .fps = 10000.0, .noise = 0.0, .t_start_s = 0.0, .frames = 40000, .seed = 1};
        const std::vector<double> spike{0.1};
        const auto f = simulate_fluorescence(spike, 0, o);
        EXPECT_NEAR(*std::max_element(f.begin(), f.end()), sensor.amplitude, 1e-6 * sensor.amplitude) << name;
        const auto counts = spike_counts_per_frame(spike, o);
        EXPECT_EQ(counts[1000], 1.0);
    }
}

TEST(TraceStats, MomentsOfAKnownSequenceAndSimilarityWeights) {
    const std::vector<double> x{1, 2, 3, 4, 10, 2, 3, 1, 0, 5};
    const auto s = compute_trace_statistics(x, 100.0);
    EXPECT_NEAR(s.variance, 7.29, 1e-12);  // mean 3.1, squared deviations sum to 72.9, / 10
    const auto features = as_vector(s);
    EXPECT_EQ(features.size(), trace_statistic_names().size());
    // The dataset equal to the target gets the largest weight; weights sum to the count.
    const std::vector<std::vector<double>> sets{{0.0, 1.0}, {5.0, 1.0}, {10.0, 1.0}};
    const auto w = similarity_weights(sets, {5.0, 1.0});
    EXPECT_NEAR(w[0] + w[1] + w[2], 3.0, 1e-12);
    EXPECT_GT(w[1], w[0]);
    EXPECT_NEAR(w[0], w[2], 1e-12);
}

}  // namespace
}  // namespace sf::calcium
