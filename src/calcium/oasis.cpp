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
// penalized problem is the unpenalized one on y shifted by lambda (1 - g1 - g2) per sample (more
// at the last two samples, where later samples no longer subtract c_t). A baseline b shifts every
// sample by b: the fit depends on b and lambda only through these shifts.
struct data_shift {
    double body = 0.0, second_last = 0.0, last = 0.0;
    double at(std::size_t t, std::size_t n) const noexcept {
        return t + 1 == n ? last : (t + 2 == n ? second_last : body);
    }
};

data_shift shift_of(const ar_coefficients& ar, double baseline, double lambda) {
    const double g2 = ar.order == 2 ? ar.g2 : 0.0;
    return {baseline + lambda * (1.0 - ar.g1 - g2), baseline + lambda * (1.0 - ar.g1), baseline + lambda};
}

// AR(1) pools: c on [start, start + length) is v g^k, v the least-squares value of the pool's
// data (v = sum_k g^k y_{start+k} / weight, weight = sum_k g^2k). Merging two pools combines
// value and weight exactly in O(1); comparisons need no division.
struct ar1_pool {
    double value, weight, g_length;  // g_length = g^length
    std::size_t start, length;
};

void pass_ar1(std::span<const double> y, double g, const data_shift& shift, double s_min, std::span<double> c) {
    std::vector<ar1_pool> pools;
    pools.reserve(std::min<std::size_t>(y.size(), 1u << 16));
    for (std::size_t t = 0; t < y.size(); ++t) {
        pools.push_back({y[t] - (t + 1 == y.size() ? shift.last : shift.body), 1.0, g, t, 1});
        // Pool adjacent violators: merge while the new pool starts below the previous one's decay.
        while (pools.size() > 1) {
            ar1_pool& a = pools[pools.size() - 2];
            const ar1_pool& b = pools.back();
            if (a.value * a.g_length + s_min <= b.value) break;
            const double weight = a.weight + a.g_length * a.g_length * b.weight;
            a.value = (a.weight * a.value + a.g_length * b.weight * b.value) / weight;
            a.weight = weight;
            a.g_length *= b.g_length;
            a.length += b.length;
            pools.pop_back();
        }
    }
    for (std::size_t j = 0; j < pools.size(); ++j) {
        double v = pools[j].value;
        // c_0 >= 0 (the first pool) and, with s_min, no pool below the minimum spike size.
        if ((j == 0 && v < 0.0) || (j > 0 && v < s_min)) v = 0.0;
        double* out = c.data() + pools[j].start;
        for (std::size_t k = 0; k < pools[j].length; ++k, v *= g) out[k] = v;
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

void pass_ar2(std::span<const double> y, const ar_coefficients& ar, const data_shift& shift, double s_min,
              std::span<double> c) {
    ar2_kernel kernel(ar);
    const double d = kernel.d(), r = kernel.r();
    std::vector<ar2_pool> pools;
    pools.reserve(std::min<std::size_t>(y.size(), 1u << 16));
    for (std::size_t t = 0; t < y.size(); ++t) {
        const double yt = y[t] - shift.at(t, y.size());
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

void pass(std::span<const double> y, const ar_coefficients& ar, const data_shift& shift, double s_min, std::span<double> c) {
    if (y.empty()) return;
    if (ar.order == 1)
        pass_ar1(y, ar.g1, shift, s_min, c);
    else
        pass_ar2(y, ar, shift, s_min, c);
}

double mean_residual(std::span<const double> y, std::span<const double> c) {
    double sum = 0.0;
    for (std::size_t t = 0; t < y.size(); ++t) sum += y[t] - c[t];
    return sum / static_cast<double>(y.size());
}

// Regula falsi, Illinois variant, for an increasing f with f(lo) < 0 <= f(hi); stops at
// |f| <= tolerance. Returns the last point evaluated, so f's side effects (the fit) belong to it.
template <class F>
double illinois(F&& f, double lo, double f_lo, double hi, double f_hi, double tolerance) {
    if (std::abs(f_hi) <= tolerance) return f(hi), hi;
    int side = 0;
    double x = hi;
    for (int iteration = 0; iteration < 100; ++iteration) {
        x = (lo * f_hi - hi * f_lo) / (f_hi - f_lo);
        const double fx = f(x);
        if (std::abs(fx) <= tolerance || hi - lo <= 1e-12 * std::max(std::abs(hi), std::abs(lo))) return x;
        if (fx > 0.0) {
            hi = x, f_hi = fx;
            if (side == 1) f_lo /= 2.0;  // halve the stale end's value
            side = 1;
        } else {
            lo = x, f_lo = fx;
            if (side == -1) f_hi /= 2.0;
            side = -1;
        }
    }
    return x;
}

// The root of an increasing f near `start`, bracketed by steps of `step` doubling away from it;
// a flat stretch (no root) ends the search where it is found.
template <class F>
double increasing_root(F&& f, double start, double step, double tolerance) {
    double a = start, fa = f(a);
    if (std::abs(fa) <= tolerance) return a;
    const double direction = fa < 0.0 ? 1.0 : -1.0;
    for (int doubling = 0; doubling < 200; ++doubling, step *= 2.0) {
        const double b = a + direction * step, fb = f(b);
        if ((fb >= 0.0) == (direction > 0.0)) {
            return direction > 0.0 ? illinois(f, a, fa, b, fb, tolerance) : illinois(f, b, fb, a, fa, tolerance);
        }
        if (fb == fa) return b;  // flat: no root (e.g. no spikes left and still within the noise)
        a = b, fa = fb;
    }
    return a;
}

// The fit when the baseline and/or lambda are estimated (options leave them open). Leaves the
// fit at out.baseline and out.lambda in out.c.
void fit_shift(std::span<const double> y, const oasis_options& options, oasis_result& out) {
    const double target = out.sigma * out.sigma * static_cast<double>(y.size());
    const double sd = std::max(out.sigma, 1e-12);
    const auto fit = [&](double b, double lambda) { pass(y, out.ar, shift_of(out.ar, b, lambda), options.s_min, out.c); };
    // lambda >= 0 with |y - b - c|^2 = target (RSS grows with lambda), near `guess` when > 0.
    const auto lambda_for_noise = [&](double b, double guess) {
        const auto excess = [&](double lambda) { return fit(b, lambda), residual_sum_of_squares(y, b, out.c) - target; };
        double lambda = 0.0;
        if (guess > 0.0) {
            lambda = increasing_root(excess, guess, 0.2 * guess, 1e-4 * target);
        } else if (excess(0.0) < 0.0) {
            lambda = increasing_root(excess, 0.0, sd, 1e-4 * target);
        }
        return std::max(lambda, 0.0);
    };
    if (options.baseline) {
        out.baseline = *options.baseline;
        out.lambda = lambda_for_noise(out.baseline, 0.0);
    } else {
        // The baseline is the root of G(b) = mean(y - c(b)) - b (the residual's mean is 0 at the
        // joint optimum); c(b) at the given lambda or at the noise constraint's. With lambda = 0
        // and no noise constraint b is not identifiable (a constant calcium offset costs nothing),
        // so the search starts from a low percentile and only follows G. Secant steps,
        // safeguarded by the plain step b <- mean(y - c), until b moves < 1e-2 noise sd.
        double lambda = options.lambda.value_or(0.0);
        const auto G = [&](double b) {
            if (!options.lambda) lambda = lambda_for_noise(b, lambda);
            fit(b, lambda);
            return mean_residual(y, out.c) - b;
        };
        double b = percentile(y, 0.15), g = G(b), b_prev = b, g_prev = g;
        for (int round = 0; round < 30 && std::abs(g) > 1e-2 * sd; ++round) {
            double next = b + g;
            if (round > 0 && g != g_prev) {
                const double secant = b - g * (b - b_prev) / (g - g_prev);
                if (std::abs(secant - b) <= 10.0 * std::abs(g)) next = secant;
            }
            b_prev = b, g_prev = g;
            b = next;
            g = G(b);
        }
        out.baseline = b, out.lambda = lambda;
    }
    fit(out.baseline, out.lambda);
}

void check_options(const oasis_options& o) {
    if (o.order != 1 && o.order != 2) throw std::invalid_argument("OASIS order must be 1 or 2");
    if (o.sigma && !(*o.sigma >= 0.0)) throw std::invalid_argument("OASIS noise sd must be >= 0");
    if (o.lambda && !(*o.lambda >= 0.0)) throw std::invalid_argument("OASIS lambda must be >= 0");
    if (!(o.s_min >= 0.0)) throw std::invalid_argument("OASIS minimum spike size must be >= 0");
    if (o.lags < static_cast<std::size_t>(o.order)) throw std::invalid_argument("OASIS needs at least `order` autocovariance lags");
}

// Caps the slow root at exp(-1 / max_decay) (AR(2): keeping the fast root).
ar_coefficients limit_decay(ar_coefficients ar, double max_decay) {
    if (!(max_decay > 0.0)) return ar;
    const double cap = std::exp(-1.0 / max_decay);
    if (ar.order == 1) {
        ar.g1 = std::min(ar.g1, cap);
        return ar;
    }
    const double disc = std::sqrt(std::max(ar.g1 * ar.g1 + 4.0 * ar.g2, 0.0));
    double d = (ar.g1 + disc) / 2.0, r = (ar.g1 - disc) / 2.0;
    if (d <= cap) return ar;
    d = cap, r = std::min(r, d - 1e-3);
    ar.g1 = d + r, ar.g2 = -d * r;
    return ar;
}

ar_coefficients given_or_estimated_ar(std::span<const double> y, const oasis_options& o, double sigma) {
    if (!o.g1) return limit_decay(estimate_ar(y, o.order, sigma, o.lags), o.max_decay);
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
    pass(y, ar, shift_of(ar, 0.0, lambda), s_min, c);
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
    if (options.baseline && options.lambda) {
        out.baseline = *options.baseline, out.lambda = *options.lambda;
        pass(y, out.ar, shift_of(out.ar, out.baseline, out.lambda), options.s_min, out.c);
    } else {
        fit_shift(y, options, out);
    }
    out.s = spikes_from_calcium(out.c, out.ar);
    return out;
}

}  // namespace sf::calcium
