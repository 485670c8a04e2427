#include "calcium/spikefinder_metric.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include "core/error.hpp"

namespace {

using namespace sf::calcium;
constexpr double nan = std::numeric_limits<double>::quiet_NaN();

TEST(SpikefinderMetric, BinSumsDropTheTrailingPartialBin) {
    const std::vector<double> x{1, 2, 3, 4, 5, 6, 7, 8, 9};
    EXPECT_EQ(bin_sums(x, 4), (std::vector<double>{10, 26}));
    EXPECT_EQ(bin_sums(x, 1), x);
    EXPECT_TRUE(bin_sums(x, 10).empty());
}

TEST(SpikefinderMetric, PearsonByHand) {
    // x = (1,2,3), y = (1,3,2): centered (-1,0,1), (-1,1,0); sxy = 1, sxx = syy = 2 -> r = 1/2.
    EXPECT_DOUBLE_EQ(pearson(std::vector<double>{1, 2, 3}, std::vector<double>{1, 3, 2}), 0.5);
    EXPECT_DOUBLE_EQ(pearson(std::vector<double>{1, 2, 3}, std::vector<double>{6, 4, 2}), -1.0);
    EXPECT_TRUE(std::isnan(pearson(std::vector<double>{1, 1, 1}, std::vector<double>{1, 2, 3})));
    EXPECT_TRUE(std::isnan(pearson(std::vector<double>{1}, std::vector<double>{1})));
}

TEST(SpikefinderMetric, BinsThenCorrelates) {
    // 12 samples, bins of 4: prediction bins (1+0+0+0, 0+2+0+0, 0+0+0+3) = (1,2,3),
    // truth bins (1, 3, 2) -> r = 1/2 (above). A 13th sample would form no bin.
    const std::vector<double> pred{1, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 3, 7};
    const std::vector<double> truth{0, 1, 0, 0, 1, 1, 1, 0, 0, 2, 0, 0, -9};
    EXPECT_DOUBLE_EQ(spikefinder_correlation(pred, truth, 4), 0.5);
}

TEST(SpikefinderMetric, NaNSamplesAreDroppedBeforeBinning) {
    // NaNs removed first, then the remaining samples are binned from 0: the same as above.
    const std::vector<double> pred{1, 0, nan, 0, 0, 0, 2, 0, 0, 0, 0, 0, 3};
    const std::vector<double> truth{0, 1, 5, 0, 0, 1, 1, 1, 0, 0, 2, 0, 0};
    EXPECT_DOUBLE_EQ(spikefinder_correlation(pred, truth, 4), 0.5);
    // A shorter truth column counts as NaN past its end.
    const std::vector<double> longer{1, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 3, 100, 100, 100, 100};
    const std::vector<double> shorter{0, 1, 0, 0, 1, 1, 1, 0, 0, 2, 0, 0};
    EXPECT_DOUBLE_EQ(spikefinder_correlation(longer, shorter, 4), 0.5);
}

TEST(SpikefinderMetric, ScoreTableAndNaNSkippingMean) {
    trace_table pred, truth;
    pred.columns = {{1, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 3}, {1, 2, 3}, {1, 2, 3, 4}};
    truth.columns = {{0, 1, 0, 0, 1, 1, 1, 0, 0, 2, 0, 0}, {6, 4, 2}, {1, 1, 1, 1}};
    truth.names = pred.names = {"0", "1", "2"};
    const auto s = score_spikefinder(pred, truth, 4);
    EXPECT_DOUBLE_EQ(s.correlation[0], 0.5);
    EXPECT_TRUE(std::isnan(s.correlation[1]));  // no complete bin
    EXPECT_TRUE(std::isnan(s.correlation[2]));  // one bin
    EXPECT_EQ(s.bins, (std::vector<std::size_t>{3, 0, 1}));
    EXPECT_DOUBLE_EQ(s.mean, 0.5);
    const auto s1 = score_spikefinder(pred, truth, 1);
    EXPECT_DOUBLE_EQ(s1.correlation[1], -1.0);
    EXPECT_TRUE(std::isnan(s1.correlation[2]));  // constant truth
    // bins of 1: neuron 0 is the raw correlation; mean over the two defined neurons
    EXPECT_DOUBLE_EQ(s1.mean, (s1.correlation[0] - 1.0) / 2.0);
}

TEST(SpikefinderMetric, MismatchedNeuronCountsAreInputErrors) {
    trace_table pred, truth;
    pred.columns = {{1, 2}};
    truth.columns = {{1, 2}, {3, 4}};
    try {
        score_spikefinder(pred, truth, 4, "p.csv", "t.csv");
        FAIL();
    } catch (const sf::core::input_error& e) {
        EXPECT_STREQ(e.what(), "p.csv: 1 neurons (columns), but t.csv has 2; expected the same neurons, column by column");
    }
    EXPECT_THROW(score_spikefinder(truth, truth, 0), sf::core::config_error);
}

}  // namespace
