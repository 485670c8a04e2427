// core/permutation.hpp and core/parallel_for.hpp.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <atomic>
#include <numeric>
#include <stdexcept>
#include <vector>

#include "core/parallel_for.hpp"
#include "core/permutation.hpp"

namespace sf::core {
namespace {

TEST(RandomPermutation, IsAPermutationFixedByTheStream) {
    rng_stream a(5, {stream_purpose::dataset_shuffle, 0, 1}), b(5, {stream_purpose::dataset_shuffle, 0, 1});
    rng_stream c(6, {stream_purpose::dataset_shuffle, 0, 1});
    const auto p = random_permutation(1000, a);
    auto sorted = p;
    std::sort(sorted.begin(), sorted.end());
    std::vector<std::uint64_t> identity(1000);
    std::iota(identity.begin(), identity.end(), 0);
    EXPECT_EQ(sorted, identity);
    EXPECT_NE(p, identity);
    EXPECT_EQ(random_permutation(1000, b), p);
    EXPECT_NE(random_permutation(1000, c), p);
    rng_stream d(1, {stream_purpose::dataset_shuffle, 0, 1});
    EXPECT_TRUE(random_permutation(0, d).empty());
}

TEST(RandomPermutation, EveryOrderOfThreeIsAboutEquallyLikely) {
    rng_stream rng(11, {stream_purpose::dataset_shuffle, 0, 9});
    std::vector<int> seen(6, 0);
    const int draws = 60000;
    for (int i = 0; i < draws; ++i) {
        const auto p = random_permutation(3, rng);
        seen[static_cast<std::size_t>(p[0] * 2 + (p[1] > p[2]))]++;
    }
    for (int s : seen) EXPECT_NEAR(s, draws / 6, 5 * std::sqrt(draws / 6.0));  // 5 sigma
}

TEST(ParallelFor, RunsEveryItemOnceForAnyThreadCount) {
    for (int threads : {1, 2, 7}) {
        std::vector<std::atomic<int>> hits(1000);
        parallel_for(hits.size(), threads, [&](std::size_t i) { hits[i]++; });
        for (const auto& h : hits) EXPECT_EQ(h.load(), 1) << threads;
    }
    parallel_for(0, 4, [](std::size_t) { FAIL(); });
}

TEST(ParallelFor, RethrowsTheFirstFailureAfterAllWorkersStop) {
    std::atomic<int> done{0};
    EXPECT_THROW(parallel_for(100, 3,
                              [&](std::size_t i) {
                                  if (i == 10) throw std::runtime_error("item 10");
                                  done++;
                              }),
                 std::runtime_error);
    EXPECT_LT(done.load(), 100);
}

}  // namespace
}  // namespace sf::core
