// A value that is either constant or drawn per object (synapse weight, delay, initial state).
//
// Normal values may be clipped to [low, high]; clipping follows NEST's "normal_clipped"
// meaning: values outside are redrawn, so the result is a truncated normal (not a pile-up at the
// bounds).
#pragma once

#include "core/rng.hpp"

#include <limits>
#include <string>

namespace sf::sim {

struct distribution {
    enum class kind { constant, uniform, normal };
    kind type = kind::constant;
    double value = 0.0;  // constant
    double low = -std::numeric_limits<double>::infinity();  // uniform bounds / normal clip
    double high = std::numeric_limits<double>::infinity();
    double mean = 0.0;  // normal
    double sd = 0.0;    // normal

    static distribution constant(double v) {
        distribution d;
        d.value = v;
        return d;
    }
    static distribution uniform(double lo, double hi) {
        distribution d;
        d.type = kind::uniform;
        d.low = lo;
        d.high = hi;
        return d;
    }
    static distribution normal(double mu, double sigma, double lo = -std::numeric_limits<double>::infinity(),
                               double hi = std::numeric_limits<double>::infinity()) {
        distribution d;
        d.type = kind::normal;
        d.mean = mu;
        d.sd = sigma;
        d.low = lo;
        d.high = hi;
        return d;
    }

    bool is_constant() const { return type == kind::constant; }
    // Smallest and largest value a draw can take.
    double min_value() const { return type == kind::constant ? value : low; }
    double max_value() const { return type == kind::constant ? value : high; }

    double draw(core::rng_stream& rng) const {
        switch (type) {
            case kind::constant: return value;
            case kind::uniform: return low + (high - low) * rng.uniform();
            case kind::normal: {
                // Rejection keeps the truncated normal exact; validate() guarantees the window
                // holds enough mass (at least 1e-6) for this to terminate quickly.
                for (;;) {
                    const double x = mean + sd * rng.normal();
                    if (x >= low && x <= high) return x;
                }
            }
        }
        return value;
    }

    // Throws config_error naming `key` when the description is inconsistent.
    void validate(const std::string& key) const;
    std::string describe() const;
};

}  // namespace sf::sim
