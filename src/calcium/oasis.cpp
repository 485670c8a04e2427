#include "calcium/oasis.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

#include "calcium/spectrum.hpp"
#include "calcium/trace_io.hpp"

namespace sf::calcium {

namespace {

constexpr double max_root = 0.9999;  // decay per sample must stay below 1 (a stable process)

// The penalty moves the data: lambda |s|_1 = lambda (sum_t (1 - g1 - g2) c_t + end terms), so the
// penalized problem is the unpenalized one on y shifted by lambda per sample (more at the end,
// where later samples no longer subtract c_t).
double shifted(std::span<const double> y, std::size_t t, const ar_coefficients& ar, double lambda) {
    const std::size_t from_end = y.size() - 1 - t;
    const double coefficient = from_end == 0 ? 1.0 : (from_end == 1 ? 1.0 - ar.g1 : 1.0 - ar.g1 - ar.g2);
    return y[t] - lambda * coefficient;
}

// AR(1) pools: c on [start, start + length) is v g^k with v = sum_y / weight, the least-squares
// value of the pool (sum_y = sum_k g^k y_{start+k}, weight = sum_k g^2k). Merging two pools keeps
// these sums exact in O(1).
struct ar1_pool {
    double sum_y, weight, g_length;  // g_length = g^length
    std::size_t start, length;
    double value() const noexcept { return sum_y / weight; }
};

void pass_ar1(std::span<const double> y, double g, double lambda, double s_min, std::span<double> c) {
    std::vector<ar1_pool> pools;
    pools.reserve(std::min<std::size_t>(y.size(), 1u << 16));
    for (std::size_t t = 0; t < y.size(); ++t) {
        pools.push_back({shifted(y, t, {1, g, 0.0}, lambda), 1.0, g, t, 1});
        // Pool adjacent violators: merge while the new pool starts below the previous one's decay.
        while (pools.size() > 1) {
            ar1_pool& a = pools[pools.size() - 2];
            const ar1_pool& b = pools.back();
            if (a.value() * a.g_length + s_min <= b.value()) break;
            a.sum_y += a.g_length * b.sum_y;
            a.weight += a.g_length * a.g_length * b.weight;
            a.g_length *= b.g_length;
            a.length += b.length;
            pools.pop_back();
        }
    }
    for (std::size_t j = 0; j < pools.size(); ++j) {
        double v = pools[j].value();
        // c_0 >= 0 (the first pool) and, with s_min, no pool below the minimum spike size.
        if ((j == 0 && v < 0.0) || (j > 0 && v < s_min)) v = 0.0;
        for (std::size_t k = 0; k < pools[j].length; ++k, v *= g) c[pools[j].start + k] = v;
    }
}

// AR(2): c_t = g1 c_{t-1} + g2 c_{t-2} + s_t has the impulse response h_k = (d^{k+1} - r^{k+1}) / (d - r)
// with roots d > r of x^2 = g1 x + g2. Inside a pool after the first, c_{start+k} = h_k v + q_k w
// where v is the pool's first value, w the previous pool's last value and q_k = g2 h_{k-1}. The
// pool's best v needs sum_k h_k y_{start+k} = (d A_d - r A_r) / (d - r) with A_x = sum_k x^k y_{start+k},
// which merge in O(1) like the AR(1) sums; sum h_k^2 and sum h_k q_k come from prefix tables.
struct ar2_pool {
    double first, last;           // c at the pool's first and last sample
    double sum_d, sum_r;          // A_d, A_r
    double d_last, r_last;        // d^(length-1), r^(length-1)
    std::size_t start, length;
};

class ar2_kernel {
public:
    explicit ar2_kernel(const ar_coefficients& ar) : g1_(ar.g1), g2_(ar.g2) {
        const double disc = std::sqrt(ar.g1 * ar.g1 + 4.0 * ar.g2);
        d_ = (ar.g1 + disc) / 2.0;
        r_ = (ar.g1 - disc) / 2.0;
        h_ = {1.0};
        hh_ = {0.0, 1.0};
        hq_ = {0.0, 0.0};
    }
    double d() const noexcept { return d_; }
    double r() const noexcept { return r_; }
    double h(std::size_t k) { grow(k + 1); return h_[k]; }
    double q(std::size_t k) { return k == 0 ? 0.0 : g2_ * h(k - 1); }
    double sum_hh(std::size_t length) { grow(length); return hh_[length]; }  // sum_{k<length} h_k^2
    double sum_hq(std::size_t length) { grow(length); return hq_[length]; }  // sum_{k<length} h_k q_k
    double dot_h(const ar2_pool& p) const noexcept { return (d_ * p.sum_d - r_ * p.sum_r) / (d_ - r_); }

private:
    void grow(std::size_t n) {  // h_0..h_{n-1} and the prefix sums up to length n
        while (h_.size() < n) {
            const std::size_t k = h_.size();
            h_.push_back(g1_ * h_[k - 1] + (k >= 2 ? g2_ * h_[k - 2] : 0.0));
        }
        while (hh_.size() <= n) {
            const std::size_t k = hh_.size() - 1;  // adds term k < n <= h_.size()
            hh_.push_back(hh_.back() + h_[k] * h_[k]);
            hq_.push_back(hq_.back() + h_[k] * (k == 0 ? 0.0 : g2_ * h_[k - 1]));
        }
    }
    double g1_, g2_, d_, r_;
    std::vector<double> h_, hh_, hq_;
};

void refit_first_pool(ar2_pool& p, double d) {
    // c_k = v d^k (the first pool decays with the slow root alone); v = A_d / sum d^2k, >= 0.
    const double d_length = d * p.d_last;
    const double weight = d < 1.0 ? (1.0 - d_length * d_length) / (1.0 - d * d) : static_cast<double>(p.length);
    p.first = std::max(0.0, p.sum_d / weight);
    p.last = p.first * p.d_last;
}

void pass_ar2(std::span<const double> y, const ar_coefficients& ar, double lambda, double s_min, std::span<double> c) {
    ar2_kernel kernel(ar);
    const double d = kernel.d(), r = kernel.r();
    std::vector<ar2_pool> pools;
    pools.reserve(std::min<std::size_t>(y.size(), 1u << 16));
    for (std::size_t t = 0; t < y.size(); ++t) {
        const double yt = shifted(y, t, ar, lambda);
        pools.push_back({yt, yt, yt, yt, 1.0, 1.0, t, 1});
        if (t == 0) refit_first_pool(pools[0], d);
        while (pools.size() > 1) {
            const std::size_t i = pools.size() - 1;
            const ar2_pool& prev = pools[i - 1];
            const double continuation = i == 1 ? prev.last * d
                                               : kernel.h(prev.length) * prev.first + kernel.q(prev.length) * pools[i - 2].last;
            if (continuation + s_min <= pools[i].first) break;
            ar2_pool& a = pools[i - 1];
            const ar2_pool& b = pools[i];
            const double d_length = d * a.d_last, r_length = r * a.r_last;
            a.sum_d += d_length * b.sum_d;
            a.sum_r += r_length * b.sum_r;
            a.d_last = d_length * b.d_last;
            a.r_last = r_length * b.r_last;
            a.length += b.length;
            pools.pop_back();
            if (i - 1 == 0) {
                refit_first_pool(a, d);
            } else {
                const double w = pools[i - 2].last;
                a.first = (kernel.dot_h(a) - w * kernel.sum_hq(a.length)) / kernel.sum_hh(a.length);
                a.last = kernel.h(a.length - 1) * a.first + kernel.q(a.length - 1) * w;
            }
        }
    }
    for (std::size_t j = 0; j < pools.size(); ++j) {
        const ar2_pool& p = pools[j];
        if (j == 0) {
            double v = p.first;
            for (std::size_t k = 0; k < p.length; ++k, v *= d) c[k] = v;
            continue;
        }
        c[p.start] = p.first;
        for (std::size_t t = p.start + 1; t < p.start + p.length; ++t) c[t] = ar.g1 * c[t - 1] + ar.g2 * c[t - 2];
    }
}

double residual_sum_of_squares(std::span<const double> y, double baseline, std::span<const double> c) {
    double sum = 0.0;
    for (std::size_t t = 0; t < y.size(); ++t) {
        const double e = y[t] - baseline - c[t];
        sum += e * e;
    }
    return sum;
}

double percentile(std::span<const double> y, double fraction) {
    std::vector<double> copy(y.begin(), y.end());
    const auto k = static_cast<std::size_t>(fraction * static_cast<double>(copy.size() - 1));
    std::nth_element(copy.begin(), copy.begin() + static_cast<std::ptrdiff_t>(k), copy.end());
    return copy[k];
}

// The lambda >= 0 at which |z - c(lambda)|^2 = target (z: baseline removed). RSS grows
// continuously and monotonically with lambda (piecewise quadratic), so a bracket and regula falsi
// (Illinois variant) converge; 1e-3 relative accuracy on the RSS. Leaves c(lambda) in c.
double lambda_for_noise(std::span<const double> z, const ar_coefficients& ar, double s_min, double target,
                        std::span<double> c) {
    oasis_pass(z, ar, 0.0, s_min, c);
    double lo = 0.0, f_lo = residual_sum_of_squares(z, 0.0, c) - target;
    if (f_lo >= 0.0) return 0.0;  // even the unpenalized fit leaves the noise's residual
    const double scale = std::sqrt(target / static_cast<double>(z.size()));
    double hi = scale, f_hi = 0.0;
    for (int doubling = 0;; ++doubling, hi *= 2.0) {
        oasis_pass(z, ar, hi, s_min, c);
        f_hi = residual_sum_of_squares(z, 0.0, c) - target;
        const bool silent = std::all_of(c.begin(), c.end(), [](double v) { return v == 0.0; });
        if (f_hi >= 0.0) break;
        if (silent || doubling > 200) return hi;  // no spikes left and still within the noise
        lo = hi;
        f_lo = f_hi;
    }
    const double tolerance = 1e-3 * target;
    int side = 0;
    double lambda = hi;
    for (int iteration = 0; iteration < 100 && std::abs(f_hi) > tolerance; ++iteration) {
        lambda = (lo * f_hi - hi * f_lo) / (f_hi - f_lo);
        oasis_pass(z, ar, lambda, s_min, c);
        const double f = residual_sum_of_squares(z, 0.0, c) - target;
        if (std::abs(f) <= tolerance || hi - lo <= 1e-12 * hi) return lambda;
        if (f > 0.0) {
            hi = lambda, f_hi = f;
            if (side == 1) f_lo /= 2.0;  // Illinois: halve the stale end's value
            side = 1;
        } else {
            lo = lambda, f_lo = f;
            if (side == -1) f_hi /= 2.0;
            side = -1;
        }
    }
    if (lambda != hi) oasis_pass(z, ar, hi, s_min, c);
    return hi;
}

void check_options(const oasis_options& o) {
    if (o.order != 1 && o.order != 2) throw std::invalid_argument("OASIS order must be 1 or 2");
    if (o.sigma && !(*o.sigma >= 0.0)) throw std::invalid_argument("OASIS noise sd must be >= 0");
    if (o.lambda && !(*o.lambda >= 0.0)) throw std::invalid_argument("OASIS lambda must be >= 0");
    if (!(o.s_min >= 0.0)) throw std::invalid_argument("OASIS minimum spike size must be >= 0");
    if (o.lags < static_cast<std::size_t>(o.order)) throw std::invalid_argument("OASIS needs at least `order` autocovariance lags");
}

ar_coefficients given_or_estimated_ar(std::span<const double> y, const oasis_options& o, double sigma) {
    if (!o.g1) return estimate_ar(y, o.order, sigma, o.lags);
    ar_coefficients ar{o.order, *o.g1, o.order == 2 ? o.g2.value_or(0.0) : 0.0};
    if (!(ar.g1 >= 0.0 && ar.g1 < 1.0) && o.order == 1) throw std::invalid_argument("OASIS AR(1) g must be in [0, 1)");
    if (o.order == 2) {
        const double disc = ar.g1 * ar.g1 + 4.0 * ar.g2;
        const double d = (ar.g1 + std::sqrt(std::max(disc, 0.0))) / 2.0, r = (ar.g1 - std::sqrt(std::max(disc, 0.0))) / 2.0;
        if (!(disc > 0.0) || d - r < 1e-6 || !(d < 1.0) || !(r > -1.0) || d <= 0.0)
            throw std::invalid_argument(
                "OASIS AR(2) g1, g2 must give two distinct real roots with 0 < d < 1 and |r| < 1 (a rise and a decay)");
    }
    return ar;
}

}  // namespace

double effective_band_limit(const power_spectrum& psd) {
    // A trace resampled up from a lower frame rate (the Spikefinder files: 7.8..60 Hz brought to
    // 100 Hz) has no power above the original Nyquist frequency: its spectrum falls off a cliff
    // there (3-4 decades within two bins), while a natively sampled trace has a flat noise floor.
    const std::size_t bins = psd.density.size();
    if (bins < 8) return 0.5;
    const auto log_density = [&](std::size_t k) { return std::log10(std::max(psd.density[k], 1e-300)); };
    double steepest = 0.0;
    std::size_t edge = bins - 1;
    for (std::size_t k = 1; k + 2 < bins; ++k) {
        const double drop = log_density(k) - log_density(k + 2);
        if (drop > steepest) steepest = drop, edge = k;
    }
    return steepest > 2.0 ? psd.frequency[edge] : 0.5;
}

double effective_rate_hz(std::span<const double> y, double rate_hz) {
    if (y.size() < 4) return rate_hz;
    return 2.0 * effective_band_limit(welch_psd(y)) * rate_hz;
}

double estimate_noise_sd(std::span<const double> y) {
    if (y.size() < 4) return 0.0;
    const auto psd = welch_psd(y);
    // White noise of variance v has a flat one-sided density 2v over 0..0.5; noise limited to
    // 0..f_e (an upsampled trace) has variance D f_e for a flat density D. D is the mean density
    // over the upper half of the band, where calcium transients have little power.
    const double band = effective_band_limit(psd);
    double sum = 0.0;
    std::size_t count = 0;
    for (std::size_t k = 0; k < psd.frequency.size(); ++k)
        if (psd.frequency[k] > band / 2.0 && psd.frequency[k] <= band) sum += psd.density[k], ++count;
    return count ? std::sqrt(sum / static_cast<double>(count) * band) : 0.0;
}

ar_coefficients estimate_ar(std::span<const double> y, int order, double sigma, std::size_t lags) {
    if (order != 1 && order != 2) throw std::invalid_argument("AR order must be 1 or 2");
    lags = std::max<std::size_t>(lags, static_cast<std::size_t>(order));
    auto a = autocovariance(y, lags);
    a[0] -= sigma * sigma;
    ar_coefficients ar{order, 0.0, 0.0};
    if (order == 1) {
        double num = 0.0, den = 0.0;  // least squares of a_k = g a_{k-1}, k = 1..lags
        for (std::size_t k = 1; k <= lags; ++k) num += a[k] * a[k - 1], den += a[k - 1] * a[k - 1];
        ar.g1 = den > 0.0 ? std::clamp(num / den, 0.0, max_root) : 0.0;
        return ar;
    }
    // Normal equations of a_k = g1 a_{k-1} + g2 a_{k-2} (a_{-1} = a_1 by symmetry).
    double s11 = 0.0, s12 = 0.0, s22 = 0.0, t1 = 0.0, t2 = 0.0;
    for (std::size_t k = 1; k <= lags; ++k) {
        const double x1 = a[k - 1], x2 = k >= 2 ? a[k - 2] : a[1];
        s11 += x1 * x1, s12 += x1 * x2, s22 += x2 * x2, t1 += x1 * a[k], t2 += x2 * a[k];
    }
    const double det = s11 * s22 - s12 * s12;
    double g1 = 0.0, g2 = 0.0;
    if (std::abs(det) > 1e-300) g1 = (t1 * s22 - t2 * s12) / det, g2 = (s11 * t2 - s12 * t1) / det;
    // Roots of x^2 = g1 x + g2, made a valid rise-and-decay pair: real, in [0, max_root], distinct.
    const double disc = g1 * g1 + 4.0 * g2;
    double d, r;
    if (disc >= 0.0) {
        d = (g1 + std::sqrt(disc)) / 2.0, r = (g1 - std::sqrt(disc)) / 2.0;
    } else {
        d = r = std::sqrt(std::max(-g2, 0.0));  // complex pair: its modulus
    }
    d = std::clamp(d, 1e-3, max_root);
    r = std::clamp(r, 0.0, d);
    if (d - r < 1e-3) r = std::max(0.0, d - 1e-3);
    ar.g1 = d + r;
    ar.g2 = -d * r;
    return ar;
}

void oasis_pass(std::span<const double> y, const ar_coefficients& ar, double lambda, double s_min, std::span<double> c) {
    if (y.empty()) return;
    if (ar.order == 1)
        pass_ar1(y, ar.g1, lambda, s_min, c);
    else
        pass_ar2(y, ar, lambda, s_min, c);
}

std::vector<double> spikes_from_calcium(std::span<const double> c, const ar_coefficients& ar) {
    std::vector<double> s(c.size(), 0.0);
    const auto first = static_cast<std::size_t>(ar.order);
    for (std::size_t t = first; t < c.size(); ++t)
        s[t] = std::max(0.0, c[t] - ar.g1 * c[t - 1] - (ar.order == 2 ? ar.g2 * c[t - 2] : 0.0));
    return s;
}

oasis_result oasis_deconvolve(std::span<const double> input, const oasis_options& options) {
    check_options(options);
    std::vector<double> detrended;
    if (options.drift_window > 0 && !options.baseline && !input.empty()) {
        detrended = running_percentile(input, options.drift_window, 8.0);
        for (std::size_t t = 0; t < input.size(); ++t) detrended[t] = input[t] - detrended[t];
    }
    const std::span<const double> y = detrended.empty() ? input : std::span<const double>(detrended);
    oasis_result out;
    out.c.assign(y.size(), 0.0);
    out.sigma = options.sigma ? *options.sigma : estimate_noise_sd(y);
    out.ar = given_or_estimated_ar(y, options, out.sigma);
    if (y.empty()) return out;
    const double target = out.sigma * out.sigma * static_cast<double>(y.size());
    // Baseline: given, or alternate (b <- mean of y - c, c <- OASIS of y - b) from a low
    // percentile until b moves less than 1e-3 noise sd; each step lowers the same objective.
    double b = options.baseline ? *options.baseline : percentile(y, 0.15);
    std::vector<double> z(y.size());
    for (int round = 0; round < 50; ++round) {
        for (std::size_t t = 0; t < y.size(); ++t) z[t] = y[t] - b;
        if (options.lambda) {
            out.lambda = *options.lambda;
            oasis_pass(z, out.ar, out.lambda, options.s_min, out.c);
        } else {
            out.lambda = lambda_for_noise(z, out.ar, options.s_min, target, out.c);
        }
        if (options.baseline) break;
        double mean = 0.0;
        for (std::size_t t = 0; t < y.size(); ++t) mean += y[t] - out.c[t];
        mean /= static_cast<double>(y.size());
        const bool settled = std::abs(mean - b) <= 1e-3 * std::max(out.sigma, 1e-12);
        b = mean;
        if (settled) break;
    }
    out.baseline = b;
    out.s = spikes_from_calcium(out.c, out.ar);
    return out;
}

}  // namespace sf::calcium
