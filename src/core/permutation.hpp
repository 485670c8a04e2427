// Seeded permutations for dataset row orders (braingrid windows, pile merge, pile raster).
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "core/rng.hpp"

namespace sf::core {

// A uniformly random permutation of 0..n-1 drawn from `rng` (Fisher-Yates from the end:
// position i - 1 swaps with rng.below(i) for i = n .. 2). The same stream gives the same order on
// any machine and thread count.
inline std::vector<std::uint64_t> random_permutation(std::uint64_t n, rng_stream& rng) {
    std::vector<std::uint64_t> order(n);
    for (std::uint64_t r = 0; r < n; ++r) order[r] = r;
    for (std::uint64_t r = n; r > 1; --r) std::swap(order[r - 1], order[rng.below(r)]);
    return order;
}

}  // namespace sf::core
