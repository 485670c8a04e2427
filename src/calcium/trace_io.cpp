#include "calcium/trace_io.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>
#include <regex>

#include "core/error.hpp"
#include "io/atomic_file.hpp"
#include "io/hdf5.hpp"
#include "io/npy.hpp"

namespace sf::calcium {

namespace {

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
    return s;
}

// Rows of a neurons x samples matrix become columns; trailing NaNs of a row are its padding.
trace_table table_from_rows(const std::vector<double>& values, std::size_t neurons, std::size_t samples, double rate_hz) {
    trace_table table;
    table.rate_hz = rate_hz;
    for (std::size_t n = 0; n < neurons; ++n) {
        const auto row = values.begin() + static_cast<std::ptrdiff_t>(n * samples);
        std::size_t length = samples;
        while (length > 0 && std::isnan(row[static_cast<std::ptrdiff_t>(length - 1)])) --length;
        table.columns.emplace_back(row, row + static_cast<std::ptrdiff_t>(length));
        table.names.push_back(std::to_string(n));
    }
    return table;
}

// --- NPY -------------------------------------------------------------------------------------

struct npy_layout {
    char kind = 'f';          // f (float), i (signed), u (unsigned)
    std::size_t size = 8;     // bytes per element
    bool fortran = false;
    std::vector<std::size_t> shape;
    std::size_t data_offset = 0;
};

[[noreturn]] void npy_error(const std::filesystem::path& path, const std::string& what) {
    throw core::input_error(fmt::format("{}: {}", path.string(), what));
}

npy_layout parse_npy_header(const std::filesystem::path& path, std::istream& in) {
    std::array<char, 10> lead{};
    if (!in.read(lead.data(), lead.size()) || std::memcmp(lead.data(), "\x93NUMPY", 6) != 0)
        npy_error(path, "not an NPY file (no \\x93NUMPY magic at byte 0); expected a numpy .npy array");
    const int major = static_cast<unsigned char>(lead[6]);
    std::size_t header_length = static_cast<unsigned char>(lead[8]) | (static_cast<std::size_t>(static_cast<unsigned char>(lead[9])) << 8);
    std::size_t offset = 10;
    if (major >= 2) {  // versions 2 and 3: a 4-byte header length
        std::array<char, 2> more{};
        if (!in.read(more.data(), 2)) npy_error(path, "truncated NPY header");
        header_length |= (static_cast<std::size_t>(static_cast<unsigned char>(more[0])) << 16) |
                         (static_cast<std::size_t>(static_cast<unsigned char>(more[1])) << 24);
        offset = 12;
    }
    std::string header(header_length, '\0');
    if (!in.read(header.data(), static_cast<std::streamsize>(header_length))) npy_error(path, "truncated NPY header");
    npy_layout layout;
    layout.data_offset = offset + header_length;
    std::smatch m;
    if (!std::regex_search(header, m, std::regex(R"('descr'\s*:\s*'([<>|=])([fiu])(\d+)')")))
        npy_error(path, fmt::format("NPY dtype in header {} is not a plain number type; expected float or integer", header));
    if (m[1] == ">" && m[3] != "1") npy_error(path, "big-endian NPY data; expected little-endian ('<f8', '<f4', ...)");
    layout.kind = m[2].str()[0];
    layout.size = std::stoul(m[3]);
    if (!(layout.kind == 'f' ? (layout.size == 4 || layout.size == 8) : (layout.size == 1 || layout.size == 2 || layout.size == 4 || layout.size == 8)))
        npy_error(path, fmt::format("NPY dtype '{}{}' is not supported; expected float32/float64 or an integer type", layout.kind, layout.size));
    layout.fortran = std::regex_search(header, std::regex(R"('fortran_order'\s*:\s*True)"));
    if (!std::regex_search(header, m, std::regex(R"('shape'\s*:\s*\(([^)]*)\))"))) npy_error(path, "NPY header without a shape");
    const std::string dims = m[1];
    const std::regex number(R"(\d+)");
    for (auto it = std::sregex_iterator(dims.begin(), dims.end(), number); it != std::sregex_iterator(); ++it)
        layout.shape.push_back(std::stoull(it->str()));
    if (layout.shape.empty() || layout.shape.size() > 2)
        npy_error(path, fmt::format("NPY array of {} dimensions; expected 1 (one trace) or 2 (neurons x samples)", layout.shape.size()));
    return layout;
}

double element_value(const char* p, const npy_layout& layout) {
    auto read = [p]<class T>(T) { T v; std::memcpy(&v, p, sizeof v); return static_cast<double>(v); };
    if (layout.kind == 'f') return layout.size == 4 ? read(float{}) : read(double{});
    if (layout.kind == 'i') {
        switch (layout.size) {
            case 1: return read(std::int8_t{});
            case 2: return read(std::int16_t{});
            case 4: return read(std::int32_t{});
            default: return read(std::int64_t{});
        }
    }
    switch (layout.size) {
        case 1: return read(std::uint8_t{});
        case 2: return read(std::uint16_t{});
        case 4: return read(std::uint32_t{});
        default: return read(std::uint64_t{});
    }
}

trace_table read_npy_traces(const std::filesystem::path& path, double rate_hz) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw core::input_error(fmt::format("{}: cannot open", path.string()));
    const npy_layout layout = parse_npy_header(path, in);
    const std::size_t neurons = layout.shape.size() == 1 ? 1 : layout.shape[0];
    const std::size_t samples = layout.shape.back();
    const std::size_t count = neurons * samples;
    const auto expected = static_cast<std::uintmax_t>(layout.data_offset + count * layout.size);
    const auto actual = std::filesystem::file_size(path);
    if (actual != expected)
        npy_error(path, fmt::format("{} bytes; expected {} (header {} + {} x {} elements of {} bytes)", actual, expected,
                                    layout.data_offset, neurons, samples, layout.size));
    std::vector<char> raw(count * layout.size);
    in.read(raw.data(), static_cast<std::streamsize>(raw.size()));
    std::vector<double> values(count);
    for (std::size_t n = 0; n < neurons; ++n)
        for (std::size_t t = 0; t < samples; ++t) {
            const std::size_t stored = layout.fortran ? t * neurons + n : n * samples + t;
            values[n * samples + t] = element_value(raw.data() + stored * layout.size, layout);
        }
    for (std::size_t i = 0; i < count; ++i)
        if (std::isinf(values[i]))
            npy_error(path, fmt::format("neuron {}, sample {}: infinite value; expected finite numbers (NaN only as padding)",
                                        i / samples, i % samples));
    return table_from_rows(values, neurons, samples, rate_hz);
}

void write_npy_traces(const std::filesystem::path& path, const trace_table& table, bool float32) {
    const std::size_t samples = table.longest();
    const std::string shape = fmt::format("({}, {})", table.neurons(), samples);
    std::string bytes = io::npy_header(float32 ? "'<f4'" : "'<f8'", shape);
    const double nan = std::numeric_limits<double>::quiet_NaN();
    for (const auto& column : table.columns)
        for (std::size_t t = 0; t < samples; ++t) {
            const double v = t < column.size() ? column[t] : nan;
            if (float32) {
                const auto f = static_cast<float>(v);
                bytes.append(reinterpret_cast<const char*>(&f), sizeof f);
            } else {
                bytes.append(reinterpret_cast<const char*>(&v), sizeof v);
            }
        }
    io::write_text_atomically(path, bytes);
}

// --- HDF5 ------------------------------------------------------------------------------------

io::h5::dataset find_trace_dataset(const io::h5::file& file, const std::filesystem::path& path, const std::string& name) {
    const auto root = file.root();
    if (!name.empty()) {
        if (!root.contains(name)) throw core::input_error(fmt::format("{}: no dataset '{}'", path.string(), name));
        return root.open_dataset(name);
    }
    if (root.contains("traces") && !io::h5::is_group_member(root, "traces")) return root.open_dataset("traces");
    std::vector<std::string> matrices;
    for (const auto& member : io::h5::member_names(root))
        if (!io::h5::is_group_member(root, member) && root.open_dataset(member).shape().size() == 2) matrices.push_back(member);
    if (matrices.size() != 1)
        throw core::input_error(fmt::format(
            "{}: {} 2-D datasets at the root and none named 'traces'; expected one, or name it with --dataset",
            path.string(), matrices.size()));
    return root.open_dataset(matrices.front());
}

trace_table read_hdf5_traces(const std::filesystem::path& path, const trace_read_options& options) {
    const auto file = io::h5::file::open_read_only(path);
    const auto ds = find_trace_dataset(file, path, options.dataset);
    const auto shape = ds.shape();
    if (shape.empty() || shape.size() > 2)
        throw core::input_error(fmt::format("{}: dataset '{}' has {} dimensions; expected 2 (neurons x samples) or 1",
                                            path.string(), ds.path(), shape.size()));
    const auto type = io::h5::type_of(ds);
    if (type.type_class != io::h5::stored_class::floating && type.type_class != io::h5::stored_class::integer)
        throw core::input_error(fmt::format("{}: dataset '{}' stores {}; expected numbers", path.string(), ds.path(),
                                            io::h5::type_name(type)));
    const std::size_t neurons = shape.size() == 1 ? 1 : shape[0], samples = shape.back();
    std::vector<double> values(neurons * samples);
    if (shape.size() == 1)
        io::h5::read_slice<double>(ds, 0, values);
    else
        io::h5::read_rows<double>(ds, 0, neurons, samples, values);
    double rate = options.rate_hz.value_or(100.0);
    if (!options.rate_hz && io::h5::has_attribute(ds, "rate_hz")) rate = std::stod(io::h5::read_attribute_text(ds, "rate_hz"));
    auto table = table_from_rows(values, neurons, samples, rate);
    if (io::h5::has_attribute(ds, "names")) {
        // Optional column names (written by write_traces); a count mismatch is a broken file.
        const auto text = io::h5::read_attribute_text(ds, "names");
        std::vector<std::string> names;
        for (std::size_t start = 0;;) {
            const auto comma = text.find(',', start);
            names.push_back(text.substr(start, comma - start));
            if (comma == std::string::npos) break;
            start = comma + 1;
        }
        if (names.size() != neurons)
            throw core::input_error(fmt::format("{}: dataset '{}': {} names for {} neurons", path.string(), ds.path(),
                                                names.size(), neurons));
        table.names = std::move(names);
    }
    return table;
}

void write_hdf5_traces(const std::filesystem::path& path, const trace_table& table, bool float32) {
    io::atomic_file out(path);
    {
        auto file = io::h5::file::create(out.temp_path());
        const std::size_t samples = table.longest();
        const std::array<std::uint64_t, 2> shape{table.neurons(), samples};
        std::vector<double> values(table.neurons() * samples, std::numeric_limits<double>::quiet_NaN());
        for (std::size_t n = 0; n < table.neurons(); ++n)
            std::copy(table.columns[n].begin(), table.columns[n].end(), values.begin() + static_cast<std::ptrdiff_t>(n * samples));
        const std::array<std::uint64_t, 2> start{0, 0};
        io::h5::dataset ds;
        if (float32) {
            ds = io::h5::create_shaped_dataset<float>(file.root(), "traces", shape);
            const std::vector<float> narrow(values.begin(), values.end());
            io::h5::write_block<float>(ds, start, shape, narrow);
        } else {
            ds = io::h5::create_shaped_dataset<double>(file.root(), "traces", shape);
            io::h5::write_block<double>(ds, start, shape, values);
        }
        io::h5::write_scalar_attribute<double>(ds, "rate_hz", table.rate_hz);
        std::string names;
        for (std::size_t n = 0; n < table.names.size(); ++n) names += (n ? "," : "") + table.names[n];
        io::h5::write_attribute(ds, "names", names);
        ds.close();
        file.close();
    }
    out.commit();
}

// Moving average over `width` samples centred on each sample (shorter at the ends), by prefix sums.
std::vector<double> boxcar(std::span<const double> x, std::size_t width) {
    std::vector<double> prefix(x.size() + 1, 0.0);
    for (std::size_t i = 0; i < x.size(); ++i) prefix[i + 1] = prefix[i] + x[i];
    std::vector<double> out(x.size());
    const std::size_t half = width / 2;
    for (std::size_t i = 0; i < x.size(); ++i) {
        const std::size_t lo = i >= half ? i - half : 0, hi = std::min(x.size(), lo + width);
        out[i] = (prefix[hi] - prefix[lo]) / static_cast<double>(hi - lo);
    }
    return out;
}

std::vector<double> resample_onto(std::span<const double> trace, double from_hz, double to_hz, std::size_t length) {
    std::vector<double> out(length, 0.0);
    if (trace.empty()) return out;
    std::vector<double> smoothed;
    if (to_hz < from_hz) {
        const auto width = static_cast<std::size_t>(std::lround(from_hz / to_hz));
        if (width > 1) smoothed = boxcar(trace, width);
    }
    const std::span<const double> x = smoothed.empty() ? trace : std::span<const double>(smoothed);
    const double step = from_hz / to_hz;  // input samples per output sample
    for (std::size_t i = 0; i < length; ++i) {
        const double position = static_cast<double>(i) * step;
        const auto k = static_cast<std::size_t>(position);
        if (k + 1 >= x.size()) {
            out[i] = x.back();
            continue;
        }
        const double f = position - static_cast<double>(k);
        out[i] = x[k] + f * (x[k + 1] - x[k]);
    }
    return out;
}

}  // namespace

trace_format trace_format_of(const std::filesystem::path& path) {
    const std::string ext = lower(path.extension().string());
    if (ext == ".csv") return trace_format::csv;
    if (ext == ".npy") return trace_format::npy;
    if (ext == ".h5" || ext == ".hdf5") return trace_format::hdf5;
    throw core::config_error(fmt::format("{}: unknown trace file type '{}'; expected .csv (Spikefinder), .npy or .h5/.hdf5",
                                         path.string(), ext));
}

trace_table read_traces(const std::filesystem::path& path, const trace_read_options& options) {
    if (options.rate_hz && !(*options.rate_hz > 0.0 && std::isfinite(*options.rate_hz)))
        throw core::config_error(fmt::format("--fps {}: the frame rate must be a positive number of Hz", *options.rate_hz));
    trace_table table;
    switch (trace_format_of(path)) {
        case trace_format::csv:
            table = read_spikefinder_csv(path);
            if (options.rate_hz) table.rate_hz = *options.rate_hz;
            break;
        case trace_format::npy: table = read_npy_traces(path, options.rate_hz.value_or(100.0)); break;
        case trace_format::hdf5: table = read_hdf5_traces(path, options); break;
    }
    if (!(table.rate_hz > 0.0 && std::isfinite(table.rate_hz)))
        throw core::input_error(fmt::format("{}: frame rate {} Hz; expected a positive number", path.string(), table.rate_hz));
    return table;
}

void write_traces(const std::filesystem::path& path, const trace_table& table, const trace_write_options& options) {
    switch (trace_format_of(path)) {
        case trace_format::csv: write_spikefinder_csv(path, table, {.float32 = options.float32}); break;
        case trace_format::npy: write_npy_traces(path, table, options.float32); break;
        case trace_format::hdf5: write_hdf5_traces(path, table, options.float32); break;
    }
}

std::vector<double> resample_trace(std::span<const double> trace, double from_hz, double to_hz) {
    if (trace.empty()) return {};
    const auto length = static_cast<std::size_t>(std::floor(static_cast<double>(trace.size() - 1) * to_hz / from_hz + 1e-9)) + 1;
    return resample_onto(trace, from_hz, to_hz, length);
}

std::vector<double> resample_to_length(std::span<const double> trace, double from_hz, double to_hz, std::size_t length) {
    return resample_onto(trace, from_hz, to_hz, length);
}

std::vector<double> gaussian_smooth(std::span<const double> trace, double sigma_samples) {
    std::vector<double> out(trace.begin(), trace.end());
    if (!(sigma_samples > 0.0) || trace.empty()) return out;
    const auto radius = static_cast<std::ptrdiff_t>(4.0 * sigma_samples + 0.5);
    std::vector<double> kernel(static_cast<std::size_t>(2 * radius + 1));
    double total = 0.0;
    for (std::ptrdiff_t k = -radius; k <= radius; ++k) {
        const double x = static_cast<double>(k) / sigma_samples;
        total += kernel[static_cast<std::size_t>(k + radius)] = std::exp(-0.5 * x * x);
    }
    for (double& w : kernel) w /= total;
    const auto n = static_cast<std::ptrdiff_t>(trace.size());
    const auto reflect = [n](std::ptrdiff_t i) {  // scipy 'reflect': d c b a | a b c d | d c b a
        const std::ptrdiff_t period = 2 * n;
        i %= period;
        if (i < 0) i += period;
        return i < n ? i : period - 1 - i;
    };
    for (std::ptrdiff_t t = 0; t < n; ++t) {
        double sum = 0.0;
        if (t >= radius && t + radius < n) {  // interior: no mirroring, a plain dot product
            const double* x = trace.data() + (t - radius);
            for (std::size_t k = 0; k < kernel.size(); ++k) sum += kernel[k] * x[k];
        } else {
            for (std::ptrdiff_t k = -radius; k <= radius; ++k)
                sum += kernel[static_cast<std::size_t>(k + radius)] * trace[static_cast<std::size_t>(reflect(t + k))];
        }
        out[static_cast<std::size_t>(t)] = sum;
    }
    return out;
}

std::vector<double> running_percentile(std::span<const double> trace, std::size_t window, double percentile) {
    const std::size_t n = trace.size();
    std::vector<double> out(n);
    if (n == 0) return out;
    window = std::max<std::size_t>(1, window);
    const std::size_t block = std::max<std::size_t>(1, window / 10);
    // The percentile at the centre of every block, from the window around it; linear in between.
    std::vector<double> centres, level, scratch;
    for (std::size_t start = 0; start < n; start += block) {
        const std::size_t centre = std::min(n - 1, start + block / 2);
        const std::size_t lo = centre >= window / 2 ? centre - window / 2 : 0, hi = std::min(n, lo + window);
        scratch.assign(trace.begin() + static_cast<std::ptrdiff_t>(lo), trace.begin() + static_cast<std::ptrdiff_t>(hi));
        const auto k = static_cast<std::size_t>(percentile / 100.0 * static_cast<double>(scratch.size() - 1));
        std::nth_element(scratch.begin(), scratch.begin() + static_cast<std::ptrdiff_t>(k), scratch.end());
        centres.push_back(static_cast<double>(centre));
        level.push_back(scratch[k]);
    }
    for (std::size_t t = 0, b = 0; t < n; ++t) {
        while (b + 1 < centres.size() && centres[b + 1] <= static_cast<double>(t)) ++b;
        out[t] = level[b];
        if (b + 1 < centres.size() && static_cast<double>(t) > centres[b]) {
            const double f = (static_cast<double>(t) - centres[b]) / (centres[b + 1] - centres[b]);
            out[t] = level[b] + f * (level[b + 1] - level[b]);
        }
    }
    return out;
}

std::vector<double> delta_f_over_f(std::span<const double> trace, double rate_hz, double window_s, double percentile,
                                   const std::string& what) {
    const auto window = static_cast<std::size_t>(window_s * rate_hz);
    auto out = running_percentile(trace, window, percentile);
    for (std::size_t t = 0; t < trace.size(); ++t) {
        const double base = out[t];
        if (!(base > 0.0))
            throw core::input_error(fmt::format(
                "{}: baseline F0 = {} at sample {}; expected a raw fluorescence trace (F0 > 0) for --preprocess dff", what,
                base, t));
        out[t] = (trace[t] - base) / base;
    }
    return out;
}

}  // namespace sf::calcium
