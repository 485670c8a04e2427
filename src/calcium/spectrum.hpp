// Spectral and correlation estimates of one trace, shared by OASIS's parameter estimation (noise
// from the power spectrum, AR coefficients from the autocovariance) and `calcium stats`.
// Frequencies are in cycles per sample (0 .. 0.5); multiply by the frame rate for Hz.
#pragma once

#include <complex>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace sf::calcium {

// A forward radix-2 FFT of one size (no scaling), on separate real and imaginary arrays so the
// butterflies vectorize; twiddles and the bit-reversal order are computed once per plan.
class fft_plan {
public:
    // n must be a power of two >= 1 (else std::invalid_argument, a programming error).
    explicit fft_plan(std::size_t n);
    std::size_t size() const noexcept { return n_; }
    // In place; re and im have size() elements.
    void transform(std::span<double> re, std::span<double> im) const;

private:
    std::size_t n_;
    std::vector<double> cos_, sin_;           // twiddle exp(-2 pi i k / n), k < n/2
    std::vector<std::uint32_t> bit_reversed_;
};

// In-place FFT of complex values (a convenience over fft_plan for tests and one-off use).
void fft_radix2(std::span<std::complex<double>> x);

struct power_spectrum {
    std::vector<double> frequency;  // [cycles/sample] 0, 1/n, ..., 1/2
    std::vector<double> density;    // one-sided PSD [units^2 per (cycle/sample)]; white noise of variance v gives 2v
};

// Welch's estimate as scipy.signal.welch(y, fs=1, window='hann', nperseg=min(segment, T),
// noverlap=nperseg/2, detrend='constant', scaling='density'): periodic Hann window, mean of the
// segments' periodograms. The segment length is rounded down to a power of two (scipy's default
// 256 already is one). Traces shorter than 2 samples give an empty spectrum.
power_spectrum welch_psd(std::span<const double> y, std::size_t segment = 256);

// Biased sample autocovariance around the mean, lags 0..max_lag: a[k] = sum_t (y_t - m)(y_{t+k} - m) / T
// (numpy: np.correlate(y - m, y - m, 'full')[T-1:] / T). Lags beyond T-1 are 0.
std::vector<double> autocovariance(std::span<const double> y, std::size_t max_lag);

}  // namespace sf::calcium
