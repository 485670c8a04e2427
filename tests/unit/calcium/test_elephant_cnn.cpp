#include "calcium/elephant_cnn.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "core/error.hpp"

namespace {

using sf::calcium::elephant_model;

// The Keras network applied to one window, literally (valid convolutions, floor pooling), in double.
double windowed_forward(const elephant_model& m, const std::vector<double>& w) {
    auto conv = [](const std::vector<double>& in, std::size_t c_in, const std::vector<float>& k,
                   const std::vector<float>& b, std::size_t ks, std::size_t c_out) {
        const std::size_t t_in = in.size() / c_in, t_out = t_in - ks + 1;
        std::vector<double> out(t_out * c_out);
        for (std::size_t t = 0; t < t_out; ++t)
            for (std::size_t o = 0; o < c_out; ++o) {
                double s = b[o];
                for (std::size_t q = 0; q < ks; ++q)
                    for (std::size_t c = 0; c < c_in; ++c) s += k[(q * c_in + c) * c_out + o] * in[(t + q) * c_in + c];
                out[t * c_out + o] = std::max(s, 0.0);
            }
        return out;
    };
    auto pool = [](const std::vector<double>& in, std::size_t c_n) {
        const std::size_t t_out = in.size() / c_n / 2;
        std::vector<double> out(t_out * c_n);
        for (std::size_t t = 0; t < t_out; ++t)
            for (std::size_t c = 0; c < c_n; ++c) out[t * c_n + c] = std::max(in[2 * t * c_n + c], in[(2 * t + 1) * c_n + c]);
        return out;
    };
    auto a = conv(w, 1, m.w1, m.b1, m.k1, m.c1);
    a = conv(a, m.c1, m.w2, m.b2, m.k2, m.c2);
    a = pool(a, m.c2);
    a = conv(a, m.c2, m.w3, m.b3, m.k3, m.c3);
    a = pool(a, m.c3);
    EXPECT_EQ(a.size() / m.c3, m.steps);
    a = conv(a, m.c3, m.wd, m.bd, 1, m.dense);  // per-step dense = a convolution of width 1
    double y = m.bo;
    for (std::size_t i = 0; i < m.steps * m.dense; ++i) y += m.wo[i] * a[i];
    return y;
}

// Checks elephant_predict against the window-by-window network on a random trace.
void expect_matches_windowed(const elephant_model& m, std::size_t n, double tol) {
    std::mt19937_64 rng(7);
    std::normal_distribution<double> normal(3.0, 2.0);
    std::vector<double> trace(n);
    for (auto& v : trace) v = normal(rng);
    const auto y = sf::calcium::elephant_predict(m, trace);
    ASSERT_EQ(y.size(), n);
    double mean = 0, var = 0;
    for (double v : trace) mean += v;
    mean /= n;
    for (double v : trace) var += (v - mean) * (v - mean);
    const double sd = std::sqrt(var / n);
    std::vector<double> z(n);
    for (std::size_t i = 0; i < n; ++i) z[i] = static_cast<float>((trace[i] - mean) / (sd + 1e-7));
    const std::size_t window = m.window(), before = m.before();
    for (std::size_t i = 0; i < n; ++i) {
        if (i < before || i + window - before >= n) {  // Elephant leaves out the last full window
            EXPECT_EQ(y[i], 0.0f) << i;
            continue;
        }
        const std::vector<double> w(z.begin() + (i - before), z.begin() + (i - before + window));
        EXPECT_NEAR(y[i], windowed_forward(m, w), tol) << "output " << i;
    }
}

elephant_model random_small_model() {
    elephant_model m;
    m.k1 = 5, m.c1 = 3, m.k2 = 3, m.c2 = 17, m.k3 = 3, m.c3 = 5, m.dense = 6, m.steps = 3;
    std::mt19937_64 rng(3);
    std::normal_distribution<float> normal(0.0f, 0.5f);
    auto fill = [&](std::vector<float>& v, std::size_t n) {
        v.resize(n);
        for (auto& x : v) x = normal(rng);
    };
    fill(m.w1, m.k1 * m.c1), fill(m.b1, m.c1), fill(m.w2, m.k2 * m.c1 * m.c2), fill(m.b2, m.c2);
    fill(m.w3, m.k3 * m.c2 * m.c3), fill(m.b3, m.c3), fill(m.wd, m.c3 * m.dense), fill(m.bd, m.dense);
    fill(m.wo, m.steps * m.dense);
    m.bo = 0.25f;
    return m;
}

TEST(ElephantCnn, WindowOfTheElephantLayout) {
    const auto m = sf::calcium::load_named_model("elephant-model1");
    EXPECT_EQ(m.k1, 41u);
    EXPECT_EQ(m.c1, 50u);
    EXPECT_EQ(m.k2, 21u);
    EXPECT_EQ(m.c2, 60u);
    EXPECT_EQ(m.k3, 7u);
    EXPECT_EQ(m.c3, 70u);
    EXPECT_EQ(m.dense, 300u);
    EXPECT_EQ(m.steps, 14u);
    EXPECT_EQ(m.window(), 128u);
    EXPECT_EQ(m.before(), 32u);
}

TEST(ElephantCnn, WholeTraceEqualsWindowByWindowSmallModel) {
    const auto m = random_small_model();
    EXPECT_EQ(m.window(), 22u);
    // Lengths around the block size and the micro-kernel's time block, both pooling phases.
    for (std::size_t n : {21u, 22u, 23u, 60u, 2048u + 21u + 9u})
        expect_matches_windowed(m, n, 1e-4);
}

TEST(ElephantCnn, WholeTraceEqualsWindowByWindowModel1) {
    expect_matches_windowed(sf::calcium::load_named_model("elephant-model1"), 180, 1e-4);
}

TEST(ElephantCnn, UnknownModelIsAConfigError) {
    EXPECT_THROW(sf::calcium::load_named_model("no-such-model"), sf::core::config_error);
}

}  // namespace
