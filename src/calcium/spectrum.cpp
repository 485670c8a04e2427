#include "calcium/spectrum.hpp"

#include <bit>
#include <cmath>
#include <numbers>
#include <numeric>
#include <stdexcept>

namespace sf::calcium {

fft_plan::fft_plan(std::size_t n) : n_(n) {
    if (n == 0 || !std::has_single_bit(n)) throw std::invalid_argument("fft_plan: size is not a power of two");
    // Twiddles from the angle directly (not by repeated multiplication, whose rounding errors
    // grow with n); a stage of length len uses every (n / len)-th one.
    for (std::size_t k = 0; k < n / 2; ++k) {
        const double angle = -2.0 * std::numbers::pi * static_cast<double>(k) / static_cast<double>(n);
        cos_.push_back(std::cos(angle));
        sin_.push_back(std::sin(angle));
    }
    bit_reversed_.resize(n);
    const int bits = std::countr_zero(n);
    for (std::size_t i = 0; i < n; ++i) {
        std::size_t r = 0;
        for (int b = 0; b < bits; ++b) r |= ((i >> b) & 1u) << (bits - 1 - b);
        bit_reversed_[i] = static_cast<std::uint32_t>(r);
    }
}

void fft_plan::transform(std::span<double> re, std::span<double> im) const {
    for (std::size_t i = 0; i < n_; ++i) {
        const std::size_t j = bit_reversed_[i];
        if (i < j) std::swap(re[i], re[j]), std::swap(im[i], im[j]);
    }
    for (std::size_t len = 2; len <= n_; len <<= 1) {
        const std::size_t half = len / 2, stride = n_ / len;
        for (std::size_t i = 0; i < n_; i += len) {
            double* ar = re.data() + i;
            double* ai = im.data() + i;
            double* br = ar + half;
            double* bi = ai + half;
            for (std::size_t k = 0; k < half; ++k) {
                const double wr = cos_[k * stride], wi = sin_[k * stride];
                const double vr = br[k] * wr - bi[k] * wi, vi = br[k] * wi + bi[k] * wr;
                br[k] = ar[k] - vr, bi[k] = ai[k] - vi;
                ar[k] += vr, ai[k] += vi;
            }
        }
    }
}

void fft_radix2(std::span<std::complex<double>> x) {
    if (x.size() < 2) return;
    const fft_plan plan(x.size());
    std::vector<double> re(x.size()), im(x.size());
    for (std::size_t i = 0; i < x.size(); ++i) re[i] = x[i].real(), im[i] = x[i].imag();
    plan.transform(re, im);
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = {re[i], im[i]};
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
    const fft_plan plan(n);
    std::vector<double> re(n), im(n);
    std::size_t segments = 0;
    for (std::size_t start = 0; start + n <= y.size(); start += step, ++segments) {
        const auto seg = y.subspan(start, n);
        const double mean = std::accumulate(seg.begin(), seg.end(), 0.0) / static_cast<double>(n);
        for (std::size_t i = 0; i < n; ++i) re[i] = (seg[i] - mean) * window[i], im[i] = 0.0;
        plan.transform(re, im);
        for (std::size_t k = 0; k < bins; ++k) out.density[k] += re[k] * re[k] + im[k] * im[k];
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
