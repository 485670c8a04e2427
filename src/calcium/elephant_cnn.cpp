#include "calcium/elephant_cnn.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "io/atomic_file.hpp"
#include "core/kernel_attributes.hpp"
#include "io/readers/reader_common.hpp"

namespace sf::calcium {

static_assert(std::endian::native == std::endian::little, "the weight files are little-endian float32");

std::size_t elephant_model::window() const noexcept {
    // conv1, conv2 (stride 1), pool 2 (a stride-1 max of neighbours), conv3 dilated by 2, pool 2
    // (dilated by 2), then `steps` positions 4 apart: the span of trace one output depends on.
    return (k1 - 1) + (k2 - 1) + 1 + 2 * (k3 - 1) + 2 + 4 * (steps - 1) + 1;
}

std::filesystem::path data_dir() {
    if (const char* env = std::getenv("SPIKEFORGE_DATA_DIR")) return env;
    return SF_DATA_DIR;
}

namespace {

using io::readers::bad_input;
using json = nlohmann::json;

struct tensor_spec {
    const char* param;
    std::vector<std::size_t> shape;
    std::vector<float>* target;
};

std::string shape_text(const std::vector<std::size_t>& s) { return fmt::format("[{}]", fmt::join(s, ", ")); }

}  // namespace

elephant_model load_elephant_model(const std::filesystem::path& json_path, const std::filesystem::path& weights_path) {
    const std::string jfile = json_path.string(), wfile = weights_path.string();
    std::ifstream jin(json_path);
    if (!jin) throw core::io_error(fmt::format("{}: cannot open the file for reading", jfile));
    json doc;
    try {
        jin >> doc;
    } catch (const json::exception& e) {
        bad_input(jfile, "(document)", fmt::format("not JSON ({})", e.what()), "the model's tensor list");
    }
    const json* tensors = nullptr;
    std::uint64_t total = 0;
    try {
        tensors = &doc.at("tensors");
        total = doc.at("total_floats").get<std::uint64_t>();
    } catch (const json::exception&) {
        bad_input(jfile, "(root)", "no 'tensors' list or 'total_floats'", "{\"total_floats\": N, \"tensors\": [...]}");
    }
    if (!tensors->is_array() || tensors->size() != 10)
        bad_input(jfile, "tensors", "not a list of 10 tensors",
                  "kernel and bias of conv1, conv2, conv3, the per-step dense and the output dense, in that order");

    std::ifstream win(weights_path, std::ios::binary);
    if (!win) throw core::io_error(fmt::format("{}: cannot open the file for reading", wfile));
    std::vector<float> raw(total);
    win.read(reinterpret_cast<char*>(raw.data()), static_cast<std::streamsize>(total * sizeof(float)));
    if (static_cast<std::uint64_t>(win.gcount()) != total * sizeof(float) || win.peek() != EOF)
        bad_input(wfile, "(file size)", "wrong size", fmt::format("{} bytes ({} float32, from {})", total * 4, total, jfile));

    elephant_model m;
    m.name = json_path.parent_path().string();
    // The shapes the architecture needs, filled in as the chain of layers is read.
    auto read_tensor = [&](std::size_t i, std::string_view param, std::size_t rank) {
        const json& t = (*tensors)[i];
        std::vector<std::size_t> shape;
        std::uint64_t offset = 0;
        try {
            if (t.at("param").get<std::string>() != param) throw std::runtime_error("param");
            shape = t.at("shape").get<std::vector<std::size_t>>();
            offset = t.at("offset_floats").get<std::uint64_t>();
        } catch (const std::exception&) {
            bad_input(jfile, fmt::format("tensors[{}]", i), "not the expected entry",
                      fmt::format("{{\"param\": \"{}\", \"shape\": [...], \"offset_floats\": N}}", param));
        }
        std::uint64_t n = 1;
        for (auto s : shape) n *= s;
        if (shape.size() != rank || n == 0 || offset + n > total)
            bad_input(jfile, fmt::format("tensors[{}]", i), fmt::format("shape {} at offset {}", shape_text(shape), offset),
                      fmt::format("a non-empty rank-{} {} inside the {} floats", rank, param, total));
        return std::pair{shape, std::vector<float>(raw.begin() + static_cast<std::ptrdiff_t>(offset),
                                                   raw.begin() + static_cast<std::ptrdiff_t>(offset + n))};
    };
    auto expect = [&](std::size_t i, bool ok, std::string_view what) {
        if (!ok)
            bad_input(jfile, fmt::format("tensors[{}]", i), "shape does not fit the layer before",
                      fmt::format("{} (Elephant: conv 41x1x50, 21x50x60, 7x60x70, dense 70x300, 4200x1)", what));
    };
    auto [s0, w1] = read_tensor(0, "kernel", 3);
    expect(0, s0[1] == 1, "conv1 kernel [k][1][out]");
    m.k1 = s0[0], m.c1 = s0[2], m.w1 = std::move(w1);
    auto [s1, b1] = read_tensor(1, "bias", 1);
    expect(1, s1[0] == m.c1, "conv1 bias [out]");
    m.b1 = std::move(b1);
    auto [s2, w2] = read_tensor(2, "kernel", 3);
    expect(2, s2[1] == m.c1, "conv2 kernel [k][conv1 out][out]");
    m.k2 = s2[0], m.c2 = s2[2], m.w2 = std::move(w2);
    auto [s3, b2] = read_tensor(3, "bias", 1);
    expect(3, s3[0] == m.c2, "conv2 bias [out]");
    m.b2 = std::move(b2);
    auto [s4, w3] = read_tensor(4, "kernel", 3);
    expect(4, s4[1] == m.c2, "conv3 kernel [k][conv2 out][out]");
    m.k3 = s4[0], m.c3 = s4[2], m.w3 = std::move(w3);
    auto [s5, b3] = read_tensor(5, "bias", 1);
    expect(5, s5[0] == m.c3, "conv3 bias [out]");
    m.b3 = std::move(b3);
    auto [s6, wd] = read_tensor(6, "kernel", 2);
    expect(6, s6[0] == m.c3, "dense kernel [conv3 out][units]");
    m.dense = s6[1], m.wd = std::move(wd);
    auto [s7, bd] = read_tensor(7, "bias", 1);
    expect(7, s7[0] == m.dense, "dense bias [units]");
    m.bd = std::move(bd);
    auto [s8, wo] = read_tensor(8, "kernel", 2);
    expect(8, s8[1] == 1 && s8[0] % m.dense == 0, "output kernel [steps * units][1]");
    m.steps = s8[0] / m.dense, m.wo = std::move(wo);
    auto [s9, bo] = read_tensor(9, "bias", 1);
    expect(9, s9[0] == 1, "output bias [1]");
    m.bo = bo[0];
    return m;
}

void save_elephant_model(const elephant_model& m, const std::filesystem::path& dir, const std::string& name,
                         const std::string& metadata_json) {
    std::filesystem::create_directories(dir);
    json tensors = json::array();
    std::string bytes;
    const auto add = [&](const std::string& layer, const char* param, std::vector<std::size_t> shape,
                         const std::vector<float>& values) {
        tensors.push_back({{"layer", layer}, {"param", param}, {"shape", shape}, {"offset_floats", bytes.size() / 4}});
        for (const float v : values) {  // little-endian float32 on every host
            std::uint32_t u = std::bit_cast<std::uint32_t>(v);
            for (int b = 0; b < 4; ++b) bytes.push_back(static_cast<char>((u >> (8 * b)) & 0xFFu));
        }
    };
    add("conv1d_1", "kernel", {m.k1, 1, m.c1}, m.w1);
    add("conv1d_1", "bias", {m.c1}, m.b1);
    add("conv1d_2", "kernel", {m.k2, m.c1, m.c2}, m.w2);
    add("conv1d_2", "bias", {m.c2}, m.b2);
    add("conv1d_3", "kernel", {m.k3, m.c2, m.c3}, m.w3);
    add("conv1d_3", "bias", {m.c3}, m.b3);
    add("dense_1", "kernel", {m.c3, m.dense}, m.wd);
    add("dense_1", "bias", {m.dense}, m.bd);
    add("dense_2", "kernel", {m.steps * m.dense, 1}, m.wo);
    add("dense_2", "bias", {1}, std::vector<float>{m.bo});
    const json j = {{"total_floats", bytes.size() / 4},
                    {"layout", "row-major (C order); conv kernels are [k][in_ch][out_ch] (Keras Conv1D, "
                               "cross-correlation); dense kernels [in][out]"},
                    {"tensors", tensors},
                    {"metadata", json::parse(metadata_json)}};
    io::write_text_atomically(dir / (name + "_weights_f32le.bin"), bytes);
    io::write_text_atomically(dir / (name + "_weights.json"), j.dump(1) + "\n");
}

elephant_model load_named_model(const std::string& name_or_dir) {
    std::filesystem::path dir;
    if (name_or_dir == "elephant-model1")
        dir = data_dir() / "calcium" / "elephant_model1";
    else if (name_or_dir == "spikeforge-default")
        dir = data_dir() / "calcium" / "spikeforge_default";
    else
        dir = name_or_dir;
    if (!std::filesystem::is_directory(dir))
        throw core::config_error(fmt::format(
            "--model {}: neither a known model (spikeforge-default, elephant-model1) nor a folder with a *_weights.json",
            name_or_dir));
    std::vector<std::filesystem::path> found;
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
        const std::string f = e.path().filename().string();
        if (f.size() > 13 && f.ends_with("_weights.json")) found.push_back(e.path());
    }
    if (found.size() != 1)
        throw core::config_error(fmt::format("--model {}: {} has {} *_weights.json files; expected exactly one",
                                             name_or_dir, dir.string(), found.size()));
    auto weights = found[0];
    weights.replace_filename(found[0].stem().string() + "_f32le.bin");
    if (!std::filesystem::is_regular_file(weights))
        throw core::config_error(fmt::format("--model {}: {} is missing (the weights of {})", name_or_dir,
                                             weights.string(), found[0].string()));
    auto m = load_elephant_model(found[0], weights);
    m.name = name_or_dir;
    return m;
}

namespace {

constexpr std::size_t lanes = 16;   // output channels per micro-kernel block (one AVX-512 vector)
constexpr std::size_t t_block = 8;  // time steps per micro-kernel block
constexpr std::size_t round_up(std::size_t n, std::size_t m) { return (n + m - 1) / m * m; }

// A convolution (or per-step dense layer, k = 1) lowered for the kernel: weights [k][c][o_pad]
// with o padded to a multiple of `lanes` by zeros, bias [o_pad].
struct lowered_layer {
    std::size_t k = 0, c = 0, o = 0, o_pad = 0, dilation = 1;
    std::vector<float> w, b;
    lowered_layer(const std::vector<float>& keras_w, const std::vector<float>& keras_b, std::size_t k_, std::size_t c_,
                  std::size_t o_, std::size_t dilation_)
        : k(k_), c(c_), o(o_), o_pad(round_up(o_, lanes)), dilation(dilation_), w(k_ * c_ * o_pad, 0.0f),
          b(o_pad, 0.0f) {
        for (std::size_t kc = 0; kc < k * c; ++kc)
            std::copy_n(keras_w.begin() + static_cast<std::ptrdiff_t>(kc * o), o, w.begin() + static_cast<std::ptrdiff_t>(kc * o_pad));
        std::copy(keras_b.begin(), keras_b.end(), b.begin());
    }
    std::size_t span() const noexcept { return dilation * (k - 1); }
};

// 16 floats: one AVX-512 register (GCC vector extension; two AVX2 or four SSE registers in the
// other clones). Element-wise operations only, so every clone rounds alike.
typedef float v16 __attribute__((vector_size(lanes * sizeof(float))));

// out[t][o] = relu(b[o] + sum_k sum_c w[k][c][o] * in[t + dilation*k][c]) for t < t_out.
// `in` rows have c floats; it must hold round_up(t_out, t_block) + span() rows (the rows past
// the end are read, not stored). The micro-kernel keeps t_block x 16 sums in registers; each
// output element sums in the same (k, c) order in every clone, so results do not depend on the CPU.
SF_HOT_KERNEL void conv_relu(const float* in, std::size_t t_out, const float* w, const float* bias, std::size_t k_n,
                             std::size_t c_n, std::size_t o_n, std::size_t o_pad, std::size_t dilation, float* out) {
    for (std::size_t t0 = 0; t0 < t_out; t0 += t_block) {
        for (std::size_t ob = 0; ob < o_pad; ob += lanes) {
            v16 acc[t_block];
            v16 b0;  // memcpy: unaligned loads (and no vector-returning helper, whose ABI differs per clone)
            std::memcpy(&b0, bias + ob, sizeof b0);
#pragma GCC unroll 8
            for (std::size_t b = 0; b < t_block; ++b) acc[b] = b0;
            for (std::size_t k = 0; k < k_n; ++k) {
                const float* rows = in + (t0 + dilation * k) * c_n;
                const float* wk = w + k * c_n * o_pad + ob;
                for (std::size_t c = 0; c < c_n; ++c) {
                    v16 wv;
                    std::memcpy(&wv, wk + c * o_pad, sizeof wv);
#pragma GCC unroll 8
                    for (std::size_t b = 0; b < t_block; ++b) acc[b] += rows[b * c_n + c] * wv;
                }
            }
            const std::size_t t_end = std::min(t_block, t_out - t0);
            const std::size_t l_end = std::min(lanes, o_n - std::min(o_n, ob));
            for (std::size_t b = 0; b < t_end; ++b)
                for (std::size_t l = 0; l < l_end; ++l) out[(t0 + b) * o_n + ob + l] = std::max(acc[b][l], 0.0f);
        }
    }
}

// out[t][c] = max(in[t][c], in[t + step][c]): a pool of 2 for every window phase at once.
void pairwise_max(const float* in, std::size_t t_out, std::size_t c_n, std::size_t step, float* out) {
    for (std::size_t i = 0; i < t_out * c_n; ++i) out[i] = std::max(in[i], in[i + step * c_n]);
}

class elephant_engine {
public:
    explicit elephant_engine(const elephant_model& m)
        : m_(m), l1_(m.w1, m.b1, m.k1, 1, m.c1, 1), l2_(m.w2, m.b2, m.k2, m.c1, m.c2, 1),
          l3_(m.w3, m.b3, m.k3, m.c2, m.c3, 2), ld_(m.wd, m.bd, 1, m.c3, m.dense, 1) {}

    // out[j] for the windows starting at x[j], j < n_out; x holds n_out + window - 1 samples.
    void run(const float* x, std::size_t n_out, float* out) {
        const std::size_t n_in = n_out + m_.window() - 1;
        const std::size_t n1 = n_in - l1_.span(), n2 = n1 - l2_.span(), np = n2 - 1, n3 = np - l3_.span(),
                          nq = n3 - 2;
        // Each buffer has slack rows: the kernel computes whole t_block blocks.
        const std::size_t slack = t_block + 64;
        resize(x_, (n_in + slack) * 1);
        std::copy_n(x, n_in, x_.begin());
        resize(a1_, (n1 + slack) * m_.c1);
        conv(l1_, x_.data(), n1, a1_.data());
        resize(a2_, (n2 + slack) * m_.c2);
        conv(l2_, a1_.data(), n2, a2_.data());
        resize(p2_, (np + slack) * m_.c2);
        pairwise_max(a2_.data(), np, m_.c2, 1, p2_.data());
        resize(a3_, (n3 + slack) * m_.c3);
        conv(l3_, p2_.data(), n3, a3_.data());
        resize(p3_, (nq + slack) * m_.c3);
        pairwise_max(a3_.data(), nq, m_.c3, 2, p3_.data());
        resize(d_, (nq + slack) * m_.dense);
        conv(ld_, p3_.data(), nq, d_.data());
        // The output layer: window j reads the dense rows j, j+4, ..., j+4*(steps-1).
        const std::size_t units = m_.dense;
        partial_.assign(units, 0.0f);
        for (std::size_t j = 0; j < n_out; ++j) {
            std::fill(partial_.begin(), partial_.end(), 0.0f);
            for (std::size_t z = 0; z < m_.steps; ++z) {
                const float* row = d_.data() + (j + 4 * z) * units;
                const float* wz = m_.wo.data() + z * units;
                for (std::size_t u = 0; u < units; ++u) partial_[u] += wz[u] * row[u];
            }
            float sum = m_.bo;
            for (std::size_t u = 0; u < units; ++u) sum += partial_[u];
            out[j] = sum;
        }
    }

private:
    static void resize(std::vector<float>& v, std::size_t n) {
        if (v.size() < n) v.resize(n);
        std::fill(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(n), 0.0f);  // slack rows are zeros
    }
    static void conv(const lowered_layer& l, const float* in, std::size_t t_out, float* out) {
        conv_relu(in, t_out, l.w.data(), l.b.data(), l.k, l.c, l.o, l.o_pad, l.dilation, out);
    }

    const elephant_model& m_;
    lowered_layer l1_, l2_, l3_, ld_;
    std::vector<float> x_, a1_, a2_, p2_, a3_, p3_, d_, partial_;
};

}  // namespace

std::vector<float> elephant_predict(const elephant_model& model, std::span<const double> trace) {
    const std::size_t n = trace.size(), window = model.window();
    std::vector<float> out(n, 0.0f);
    if (n <= window) return out;
    double mean = 0.0;
    for (double v : trace) mean += v;
    mean /= static_cast<double>(n);
    double var = 0.0;
    for (double v : trace) var += (v - mean) * (v - mean);
    const double scale = 1.0 / (std::sqrt(var / static_cast<double>(n)) + 1e-7);
    std::vector<float> x(n);
    for (std::size_t i = 0; i < n; ++i) x[i] = static_cast<float>((trace[i] - mean) * scale);

    // Blocks of outputs keep the activations in cache; each block recomputes window - 1 samples.
    constexpr std::size_t block = 2048;
    elephant_engine engine(model);
    // Elephant's windows start at j = 0 .. n - window - 1 (its loop stops one window before the
    // last full one): the golden output's last window - before() samples are 0.
    const std::size_t windows = n - window;
    for (std::size_t j0 = 0; j0 < windows; j0 += block) {
        const std::size_t count = std::min(block, windows - j0);
        engine.run(x.data() + j0, count, out.data() + j0 + model.before());
    }
    return out;
}

}  // namespace sf::calcium
