#include "calcium/spectrum.hpp"

#include <bit>
#include <cmath>
#include <numbers>
#include <numeric>
#include <stdexcept>

namespace sf::calcium {

void fft_radix2(std::span<std::complex<double>> x) {
    const std::size_t n = x.size();
    if (n < 2) return;
    if (!std::has_single_bit(n)) throw std::invalid_argument("fft_radix2: size is not a power of two");
    // Bit-reversal permutation, then log2(n) butterfly passes.
    for (std::size_t i = 1, j = 0; i < n; ++i) {
        std::size_t bit = n >> 1;
        for (; j & bit; bit >>= 1) j ^= bit;
        j ^= bit;
        if (i < j) std::swap(x[i], x[j]);
    }
    for (std::size_t len = 2; len <= n; len <<= 1) {
        const double angle = -2.0 * std::numbers::pi / static_cast<double>(len);
        for (std::size_t k = 0; k < len / 2; ++k) {
            // Twiddles from the angle directly (not by repeated multiplication) so rounding
            // errors do not grow with the transform size.
            const std::complex<double> w(std::cos(angle * static_cast<double>(k)), std::sin(angle * static_cast<double>(k)));
            for (std::size_t i = k; i < n; i += len) {
                const auto u = x[i];
                const auto v = x[i + len / 2] * w;
                x[i] = u + v;
                x[i + len / 2] = u - v;
            }
        }
    }
}

power_spectrum welch_psd(std::span<const double> y, std::size_t segment) {
    power_spectrum out;
    if (y.size() < 2 || segment < 2) return out;
    const std::size_t n = std::bit_floor(std::min(segment, y.size()));
    const std::size_t step = n - n / 2;  // noverlap = n/2
    std::vector<double> window(n);
    double window_power = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
        window[i] = 0.5 - 0.5 * std::cos(2.0 * std::numbers::pi * static_cast<double>(i) / static_cast<double>(n));
        window_power += window[i] * window[i];
    }
    const std::size_t bins = n / 2 + 1;
    out.density.assign(bins, 0.0);
    std::vector<std::complex<double>> buffer(n);
    std::size_t segments = 0;
    for (std::size_t start = 0; start + n <= y.size(); start += step, ++segments) {
        const auto seg = y.subspan(start, n);
        const double mean = std::accumulate(seg.begin(), seg.end(), 0.0) / static_cast<double>(n);
        for (std::size_t i = 0; i < n; ++i) buffer[i] = {(seg[i] - mean) * window[i], 0.0};
        fft_radix2(buffer);
        for (std::size_t k = 0; k < bins; ++k) out.density[k] += std::norm(buffer[k]);
    }
    out.frequency.resize(bins);
    for (std::size_t k = 0; k < bins; ++k) {
        // One-sided: every bin but DC and Nyquist holds the power of +f and -f.
        const double one_sided = (k == 0 || k == n / 2) ? 1.0 : 2.0;
        out.density[k] *= one_sided / (window_power * static_cast<double>(segments));
        out.frequency[k] = static_cast<double>(k) / static_cast<double>(n);
    }
    return out;
}

std::vector<double> autocovariance(std::span<const double> y, std::size_t max_lag) {
    std::vector<double> a(max_lag + 1, 0.0);
    const std::size_t n = y.size();
    if (n == 0) return a;
    const double mean = std::accumulate(y.begin(), y.end(), 0.0) / static_cast<double>(n);
    for (std::size_t k = 0; k <= max_lag && k < n; ++k) {
        double sum = 0.0;
        for (std::size_t t = 0; t + k < n; ++t) sum += (y[t] - mean) * (y[t + k] - mean);
        a[k] = sum / static_cast<double>(n);
    }
    return a;
}

}  // namespace sf::calcium
