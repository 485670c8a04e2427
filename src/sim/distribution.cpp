#include "sim/distribution.hpp"

#include "core/error.hpp"

#include <cmath>
#include <fmt/format.h>

namespace sf::sim {

void distribution::validate(const std::string& key) const {
    auto fail = [&](const std::string& rule) { throw core::config_error(fmt::format("{}: {}", key, rule)); };
    switch (type) {
        case kind::constant:
            if (!std::isfinite(value)) fail("value must be finite");
            break;
        case kind::uniform:
            if (!std::isfinite(low) || !std::isfinite(high)) fail("uniform bounds must be finite");
            if (!(low <= high)) fail(fmt::format("uniform needs low <= high (got {} > {})", low, high));
            break;
        case kind::normal: {
            if (!std::isfinite(mean) || !(sd >= 0.0) || !std::isfinite(sd)) fail("normal needs a finite mean and sd >= 0");
            if (!(low <= high)) fail(fmt::format("normal clip needs low <= high (got {} > {})", low, high));
            // Mass of the clip window; below 1e-6 rejection sampling would effectively hang.
            auto cdf = [&](double x) {
                return sd == 0.0 ? (x >= mean ? 1.0 : 0.0) : 0.5 * std::erfc(-(x - mean) / (sd * std::sqrt(2.0)));
            };
            if (cdf(high) - cdf(low) < 1e-6 && !(sd == 0.0 && mean >= low && mean <= high))
                fail(fmt::format("normal clip window [{}, {}] holds almost no probability mass", low, high));
            break;
        }
    }
}

std::string distribution::describe() const {
    switch (type) {
        case kind::constant: return fmt::format("{}", value);
        case kind::uniform: return fmt::format("uniform({}, {})", low, high);
        case kind::normal: return fmt::format("normal({}, {}) clipped to [{}, {}]", mean, sd, low, high);
    }
    return {};
}

}  // namespace sf::sim
