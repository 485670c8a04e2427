// Graphitti / BrainGrid XML recorder output: a sequence of
//     <Matrix name="N" type="complete" rows="R" columns="C" multiplier="1.0"> v v v ... </Matrix>
// elements. Neuron_<i> holds neuron i's spike time steps; x_Location, y_Location and
// vertexTypeMap (1 = inhibitory, 2 = excitatory) describe the neurons. t = step x dt_ms.
// Only this flat layout is parsed (no general XML): the file is read whole, so memory is the
// file size plus the spikes (12 bytes each, and 16 while sorting).
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "io/readers/reader_common.hpp"
#include "io/readers/readers.hpp"

namespace sf::io::readers {

namespace {

struct matrix {
    std::string name;
    std::vector<double> values;
};

std::string read_whole(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw core::io_error(fmt::format("{}: cannot open the file for reading", path));
    std::ostringstream text;
    text << in.rdbuf();
    return std::move(text).str();
}

// The value of attribute `name` inside an opening tag, "" if absent.
std::string_view attribute(std::string_view tag, std::string_view name) {
    const std::string key = fmt::format(" {}=\"", name);
    const std::size_t at = tag.find(key);
    if (at == std::string_view::npos) return {};
    const std::size_t begin = at + key.size();
    const std::size_t end = tag.find('"', begin);
    return end == std::string_view::npos ? std::string_view{} : tag.substr(begin, end - begin);
}

std::vector<double> parse_values(const std::string& path, const std::string& name, std::string_view body) {
    std::vector<double> values;
    const char* p = body.data();
    const char* end = body.data() + body.size();
    while (true) {
        while (p < end && std::isspace(static_cast<unsigned char>(*p))) ++p;
        if (p == end) break;
        double v = 0.0;
        const auto [next, ec] = std::from_chars(p, end, v);
        if (ec != std::errc{}) {
            bad_input(path, fmt::format("Matrix '{}'", name),
                      fmt::format("'{}' is not a number", std::string_view(p, std::min<std::size_t>(20, end - p))),
                      "whitespace-separated numbers");
        }
        values.push_back(v);
        p = next;
    }
    return values;
}

std::vector<matrix> parse_matrices(const std::string& path, const std::string& text) {
    std::vector<matrix> out;
    std::size_t at = 0;
    while ((at = text.find("<Matrix", at)) != std::string::npos) {
        const std::size_t tag_end = text.find('>', at);
        const std::size_t close = text.find("</Matrix>", tag_end == std::string::npos ? at : tag_end);
        if (tag_end == std::string::npos || close == std::string::npos) {
            bad_input(path, fmt::format("byte {}", at), "a Matrix element without its end",
                      "<Matrix ...> values </Matrix>");
        }
        const std::string_view tag(text.data() + at, tag_end - at);
        matrix m;
        m.name = std::string(attribute(tag, "name"));
        m.values = parse_values(path, m.name, std::string_view(text.data() + tag_end + 1, close - tag_end - 1));
        std::uint64_t rows = 0, columns = 0;
        const std::string_view r = attribute(tag, "rows"), c = attribute(tag, "columns");
        std::from_chars(r.data(), r.data() + r.size(), rows);
        std::from_chars(c.data(), c.data() + c.size(), columns);
        if (rows * columns != m.values.size()) {
            bad_input(path, fmt::format("Matrix '{}'", m.name), fmt::format("{} values", m.values.size()),
                      fmt::format("rows x columns = {} x {} values", rows, columns));
        }
        out.push_back(std::move(m));
        at = close;
    }
    return out;
}

// "Neuron_12" -> 12; -1 if the name is not of that form.
std::int64_t neuron_index(std::string_view name) {
    constexpr std::string_view prefix = "Neuron_";
    if (name.substr(0, prefix.size()) != prefix) return -1;
    std::uint64_t i = 0;
    const auto [end, ec] = std::from_chars(name.data() + prefix.size(), name.data() + name.size(), i);
    return ec == std::errc{} && end == name.data() + name.size() ? static_cast<std::int64_t>(i) : -1;
}

}  // namespace

core::spike_dataset read_graphitti(const std::string& path, const read_options& options) {
    const std::vector<matrix> matrices = parse_matrices(path, read_whole(path));
    std::map<std::string, const matrix*> by_name;
    std::uint64_t neurons = 0;
    bool any_neuron = false;
    for (const matrix& m : matrices) {
        by_name[m.name] = &m;
        if (const std::int64_t i = neuron_index(m.name); i >= 0) {
            neurons = std::max<std::uint64_t>(neurons, static_cast<std::uint64_t>(i) + 1);
            any_neuron = true;
        }
    }
    const matrix* x = by_name.count("x_Location") ? by_name["x_Location"] : nullptr;
    const matrix* y = by_name.count("y_Location") ? by_name["y_Location"] : nullptr;
    const matrix* types = by_name.count("vertexTypeMap") ? by_name["vertexTypeMap"] : nullptr;
    if (x == nullptr || (!any_neuron && types == nullptr)) {
        bad_input(path, "Matrix 'x_Location' / 'Neuron_<i>'", "not found",
                  "Graphitti recorder output with x_Location, y_Location, vertexTypeMap and Neuron_<i> matrices");
    }
    neurons = std::max<std::uint64_t>(neurons, x->values.size());

    population_spikes p;
    p.name = "neurons";
    p.size = neurons;
    for (const matrix& m : matrices) {
        const std::int64_t i = neuron_index(m.name);
        if (i < 0) continue;
        for (std::size_t k = 0; k < m.values.size(); ++k) {
            check_spike_time(path, fmt::format("Matrix '{}'", m.name), k, m.values[k]);
            p.t_ms.push_back(m.values[k] * options.dt_ms);
            p.node.push_back(static_cast<std::uint64_t>(i));
        }
    }
    std::vector<population_spikes> populations;
    populations.push_back(std::move(p));
    core::spike_dataset data = assemble(path, std::move(populations), "graphitti");
    for (std::uint64_t n = 0; n < neurons; ++n) {
        if (n < x->values.size()) data.units.x[n] = x->values[n];
        if (y != nullptr && n < y->values.size()) data.units.y[n] = y->values[n];
        if (types != nullptr && n < types->values.size()) {
            const double t = types->values[n];
            data.units.type[n] = t == 1.0   ? core::unit_type::inhibitory
                                 : t == 2.0 ? core::unit_type::excitatory
                                            : core::unit_type::unknown;
        }
    }
    data.units.metadata["format"] = "graphitti";
    data.units.metadata["dt_ms"] = fmt::format("{}", options.dt_ms);
    return data;
}

}  // namespace sf::io::readers
