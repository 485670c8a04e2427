// CNN training (src/calcium/cnn_training): the targets, the training network's equivalence with
// the inference network (and so with Keras: elephant_predict reproduces Elephant's golden output),
// and reproducibility.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <random>
#include <vector>

#include "calcium/cnn_training.hpp"
#include "calcium/elephant_cnn.hpp"

namespace sf::calcium {
namespace {

std::vector<double> random_trace(std::size_t n, unsigned seed) {
    std::mt19937_64 rng(seed);
    std::normal_distribution<double> normal;
    std::vector<double> x(n);
    double c = 0.0;
    for (double& v : x) v = (c = 0.95 * c + (rng() % 50 == 0 ? 1.0 : 0.0)) + 0.2 * normal(rng);
    return x;
}

TEST(CnnTraining, TargetsAreSmoothedAndZscored) {
    std::vector<double> counts(101, 0.0);
    counts[50] = 1.0;
    const auto t = training_targets(counts, 2.0);
    double mean = 0.0, var = 0.0;
    for (const float v : t) mean += v / 101.0;
    for (const float v : t) var += (v - mean) * (v - mean) / 101.0;
    EXPECT_NEAR(mean, 0.0, 1e-6);
    EXPECT_NEAR(std::sqrt(var), 1.0, 1e-5);
    // a Gaussian of sd 2 around sample 50: values at +-2 samples relative to the peak are exp(-1/2)
    const double base = t[0];
    EXPECT_NEAR((t[52] - base) / (t[50] - base), std::exp(-0.5), 1e-5);
    EXPECT_NEAR(t[48], t[52], 1e-6);
}

// The whole target by hand: counts 1 at 30 and 2 at 60 (far from the ends, so no mirroring),
// each a Gaussian of sd 2 samples truncated at 4 sd (8 samples); the kernel's normalisation
// cancels in the z-score, which uses the population sd (+ 1e-7, as the inputs).
TEST(CnnTraining, TargetsEqualAHandComputation) {
    std::vector<double> counts(101, 0.0);
    counts[30] = 1.0, counts[60] = 2.0;
    std::vector<double> smooth(101, 0.0);
    for (int i = 0; i < 101; ++i)
        for (const auto& [at, count] : {std::pair{30, 1.0}, std::pair{60, 2.0}})
            if (std::abs(i - at) <= 8) smooth[i] += count * std::exp(-0.5 * (i - at) * (i - at) / 4.0);
    double mean = 0.0, var = 0.0;
    for (const double v : smooth) mean += v / 101.0;
    for (const double v : smooth) var += (v - mean) * (v - mean) / 101.0;
    const auto t = training_targets(counts, 2.0);
    ASSERT_EQ(t.size(), 101u);
    for (std::size_t i = 0; i < 101; ++i) EXPECT_NEAR(t[i], (smooth[i] - mean) / (std::sqrt(var) + 1e-7), 1e-5) << i;
}

TEST(CnnTraining, TrainingNetworkEqualsTheInferenceNetworkOnModel1) {
    const auto model = load_named_model("elephant-model1");
    const auto trace = random_trace(3000, 1);
    const auto a = elephant_predict(model, trace);
    const auto b = torch_predict(model, trace);
    ASSERT_EQ(a.size(), b.size());
    for (std::size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], b[i], 2e-4 * (1.0 + std::abs(a[i]))) << i;
}

training_set synthetic_set(unsigned seed) {
    training_set set;
    set.name = "synthetic";
    for (int n = 0; n < 2; ++n) {
        std::mt19937_64 rng(seed + static_cast<unsigned>(n));
        std::normal_distribution<double> normal;
        std::vector<double> calcium(3000), spikes(3000, 0.0);
        double c = 0.0;
        for (std::size_t t = 0; t < calcium.size(); ++t) {
            spikes[t] = rng() % 40 == 0 ? 1.0 : 0.0;
            calcium[t] = (c = 0.97 * c + spikes[t]) + 0.1 * normal(rng);
        }
        set.calcium.columns.push_back(calcium), set.spikes.columns.push_back(spikes);
        set.calcium.names.push_back(std::to_string(n)), set.spikes.names.push_back(std::to_string(n));
    }
    return set;
}

TEST(CnnTraining, LearnsAndIsReproducibleWhateverTheThreadCount) {
    const std::vector<training_set> sets{synthetic_set(3)};
    training_options o;
    o.epochs = 6, o.segment_outputs = 256, o.segments_per_step = 8, o.micro_batches = 4, o.max_steps_per_epoch = 8;
    o.learning_rate = 0.01;
    std::vector<double> losses;
    const auto a = train_cnn(sets, {}, o, [&](const epoch_report& r) { losses.push_back(r.loss); });
    ASSERT_EQ(losses.size(), 6u);
    EXPECT_LT(losses.back(), losses.front());
    EXPECT_LT(losses.back(), 1.0);  // better than a constant prediction of the z-scored target
    o.threads = 2;
    const auto b = train_cnn(sets, {}, o, {});
    EXPECT_EQ(a.w2, b.w2);
    EXPECT_EQ(a.wo, b.wo);
    o.seed = 2;
    const auto c = train_cnn(sets, {}, o, {});
    EXPECT_NE(a.w2, c.w2);
    EXPECT_GT(validation_score(a, sets[0]), 0.5);
}

// The model files: a trained model written and read back is the same model, bit for bit, and
// both networks agree on it. (The export from torch's layout itself is checked by
// LearnsAndIsReproducible..., whose score goes through elephant_predict on the exported weights.)
TEST(CnnTraining, ExportedModelReadsBackAndPredictsAsTrained) {
    const std::vector<training_set> sets{synthetic_set(5)};
    training_options o;
    o.epochs = 2, o.segment_outputs = 256, o.segments_per_step = 8, o.micro_batches = 4, o.max_steps_per_epoch = 4;
    const auto model = train_cnn(sets, {}, o, {});
    const auto dir = std::filesystem::path(::testing::TempDir()) / "sf_cnn_export_test";
    std::filesystem::remove_all(dir);
    save_elephant_model(model, dir, "rt", R"({"seed": 1})");
    const auto loaded = load_elephant_model(dir / "rt_weights.json", dir / "rt_weights_f32le.bin");
    EXPECT_EQ(loaded.w1, model.w1);
    EXPECT_EQ(loaded.wd, model.wd);
    EXPECT_EQ(loaded.wo, model.wo);
    EXPECT_EQ(loaded.bo, model.bo);
    const auto trace = random_trace(2000, 9);
    const auto a = elephant_predict(loaded, trace);
    const auto b = torch_predict(model, trace);
    ASSERT_EQ(a.size(), b.size());
    for (std::size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], b[i], 2e-4 * (1.0 + std::abs(a[i]))) << i;
    std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace sf::calcium
