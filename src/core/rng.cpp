#include "core/rng.hpp"

#include <algorithm>
#include <limits>
#include <numbers>

namespace sf::core {

std::uint64_t rng_stream::below(std::uint64_t n) {
    // 64-bit Lemire: multiply a random 64-bit word by n, reject the biased low part.
    auto draw64 = [this] {
        std::uint64_t hi = next_u32();
        return (hi << 32) | next_u32();
    };
    __uint128_t m = static_cast<__uint128_t>(draw64()) * n;
    auto low = static_cast<std::uint64_t>(m);
    if (low < n) {
        const std::uint64_t threshold = (0 - n) % n;
        while (low < threshold) {
            m = static_cast<__uint128_t>(draw64()) * n;
            low = static_cast<std::uint64_t>(m);
        }
    }
    return static_cast<std::uint64_t>(m >> 64);
}

double rng_stream::normal() {
    if (has_spare_normal_) {
        has_spare_normal_ = false;
        return spare_normal_;
    }
    const double radius = std::sqrt(-2.0 * std::log(uniform_open0()));
    const double angle = 2.0 * std::numbers::pi * uniform();
    spare_normal_ = radius * std::sin(angle);
    has_spare_normal_ = true;
    return radius * std::cos(angle);
}

std::uint64_t rng_stream::geometric(double log1m_p) {
    // P(k) = (1-p)^k p; inversion: k = floor(log(u) / log(1-p)), u in (0, 1].
    if (log1m_p == -std::numeric_limits<double>::infinity()) return 0;  // p == 1
    const double k = std::floor(std::log(uniform_open0()) / log1m_p);
    return k >= 1.8e19 ? std::numeric_limits<std::uint64_t>::max() : static_cast<std::uint64_t>(k);
}

std::uint64_t poisson_by_inversion(double mean, double u) {
    double term = std::exp(-mean);
    double cdf = term;
    std::uint64_t k = 0;
    // The cap guards against u rounding above the representable CDF tail.
    while (u >= cdf && k < 100000) {
        ++k;
        term *= mean / static_cast<double>(k);
        cdf += term;
        if (term == 0.0 && cdf <= u) break;
    }
    return k;
}

std::uint64_t rng_stream::poisson(double mean) {
    if (mean <= 0.0) return 0;
    if (mean < 30.0) return poisson_by_inversion(mean, uniform());
    // Large means: split into a sum of independent Poisson(<30) parts (exact, cost ~mean/30).
    std::uint64_t total = 0;
    double rest = mean;
    while (rest > 0.0) {
        const double part = std::min(rest, 29.0);
        total += poisson_by_inversion(part, uniform());
        rest -= part;
    }
    return total;
}

namespace {
double log_factorial(double k) {
    int sign = 0;
    return lgamma_r(k + 1.0, &sign);
}
}  // namespace

std::uint64_t rng_stream::binomial(std::uint64_t n, double p) {
    if (n == 0 || p <= 0.0) return 0;
    if (p >= 1.0) return n;
    if (p > 0.5) return n - binomial(n, 1.0 - p);
    const double nd = static_cast<double>(n);
    if (nd * p < 10.0) {
        // Inversion by sequential search; expected cost ~ n p.
        const double q = 1.0 - p;
        const double ratio = p / q;
        double term = std::pow(q, nd);
        double cdf = term;
        const double u = uniform();
        std::uint64_t k = 0;
        while (u >= cdf && k < n) {
            term *= ratio * static_cast<double>(n - k) / static_cast<double>(k + 1);
            ++k;
            cdf += term;
        }
        return k;
    }
    // BTRS: transformed rejection with squeeze (Hoermann 1993), exact, O(1) expected.
    const double q = 1.0 - p;
    const double spq = std::sqrt(nd * p * q);
    const double b = 1.15 + 2.53 * spq;
    const double a = -0.0873 + 0.0248 * b + 0.01 * p;
    const double c = nd * p + 0.5;
    const double v_r = 0.92 - 4.2 / b;
    const double alpha = (2.83 + 5.1 / b) * spq;
    const double lpq = std::log(p / q);
    const double m = std::floor((nd + 1.0) * p);
    const double h = log_factorial(m) + log_factorial(nd - m);
    for (;;) {
        const double u = uniform() - 0.5;
        double v = uniform();
        const double us = 0.5 - std::abs(u);
        const double k = std::floor((2.0 * a / us + b) * u + c);
        if (k < 0.0 || k > nd) continue;
        if (us >= 0.07 && v <= v_r) return static_cast<std::uint64_t>(k);
        v = std::log(v * alpha / (a / (us * us) + b));
        if (v <= h - log_factorial(k) - log_factorial(nd - k) + (k - m) * lpq)
            return static_cast<std::uint64_t>(k);
    }
}

}  // namespace sf::core
