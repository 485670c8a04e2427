#include "io/readers/reader_common.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <limits>

#include "core/error.hpp"
#include "io/hdf5.hpp"

namespace sf::io::readers {

void bad_input(std::string_view file, std::string_view where, std::string_view problem, std::string_view expected) {
    // The problem may quote file content (a binary file read as text): keep the message one
    // printable ASCII line.
    std::string quoted(problem);
    std::replace_if(
        quoted.begin(), quoted.end(),
        [](char c) { return static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f; }, '?');
    throw core::input_error(fmt::format("{}: {}: {}; expected {}", file, where, quoted, expected));
}

void check_spike_time(std::string_view file, std::string_view where, std::uint64_t index, double t) {
    if (std::isnan(t) || std::isinf(t)) {
        bad_input(file, where, fmt::format("spike #{} has time {}", index, t), "finite spike times");
    }
    if (t < 0.0) {
        bad_input(file, where, fmt::format("spike #{} has negative time {}", index, t), "spike times >= 0");
    }
}

void check_plausible_seconds(std::string_view file, std::string_view where, double max_time_s) {
    if (max_time_s > max_plausible_seconds) {
        bad_input(file, where,
                  fmt::format("times declared in seconds reach {:g} s ({:.1f} h): probably milliseconds", max_time_s,
                              max_time_s / 3600.0),
                  fmt::format("times in seconds below {:g} s (declare the unit as ms)", max_plausible_seconds));
    }
}

namespace {

std::string_view trim(std::string_view s) {
    const std::size_t b = s.find_first_not_of(" \t\r");
    if (b == std::string_view::npos) {
        return {};
    }
    return s.substr(b, s.find_last_not_of(" \t\r") - b + 1);
}

// "key = value" -> value if the line's key is `key`, else empty.
std::string_view value_of(std::string_view line, std::string_view key) {
    if (line.substr(0, key.size()) != key) {
        return {};
    }
    const std::string_view rest = trim(line.substr(key.size()));
    return rest.empty() || rest[0] != '=' ? std::string_view{} : trim(rest.substr(1));
}

}  // namespace

recorded_run parse_recorded_run(std::string_view config) {
    recorded_run run;
    std::string section, population;
    std::size_t begin = 0;
    while (begin < config.size()) {
        const std::size_t end = std::min(config.find('\n', begin), config.size());
        const std::string_view line = trim(config.substr(begin, end - begin));
        begin = end + 1;
        if (!line.empty() && line[0] == '[') {
            section = std::string(line);
            population.clear();
            continue;
        }
        double number = 0.0;
        if (std::string_view v = value_of(line, "t_stop_ms");
            (section == "[simulation]" || section == "[convert]") && !v.empty()) {
            std::from_chars(v.data(), v.data() + v.size(), number);
            run.t_stop_ms = number;
        } else if (std::string_view v = value_of(line, "name");
                   (section == "[[population]]" || section == "[[convert.population]]") && v.size() >= 2) {
            population = std::string(v.substr(1, v.size() - 2));  // strip the quotes
        } else if (std::string_view v = value_of(line, "n");
                   (section == "[[population]]" || section == "[[convert.population]]") && !v.empty()) {
            std::uint64_t n = 0;
            std::from_chars(v.data(), v.data() + v.size(), n);
            run.population_size[population] = n;
        } else if (std::string_view v = value_of(line, "units"); section == "[convert]" && !v.empty()) {
            std::from_chars(v.data(), v.data() + v.size(), run.units);
        }
    }
    return run;
}

namespace {

bool is_sorted_by_time_unit(const core::spike_trains& s) {
    for (std::size_t i = 1; i < s.size(); ++i) {
        if (s.t_ms[i] < s.t_ms[i - 1] || (s.t_ms[i] == s.t_ms[i - 1] && s.unit[i] < s.unit[i - 1])) {
            return false;
        }
    }
    return true;
}

}  // namespace

void finish(std::string_view file, core::spike_dataset& data, double t_stop_ms, bool already_sorted) {
    core::spike_trains& s = data.spikes;
    if (!is_sorted_by_time_unit(s)) {
        if (already_sorted) {
            throw core::error(fmt::format("{}: internal error: the reader's merge left spikes out of order", file));
        }
        s.sort();
    }
    s.t_start_ms = 0.0;
    s.t_stop_ms = std::max(t_stop_ms, s.size() > 0 ? s.t_ms.back() : 0.0);
    s.validate(std::string(file));
}

core::spike_dataset assemble(std::string_view file, std::vector<population_spikes>&& populations, std::string format,
                             double t_stop_ms) {
    core::spike_dataset data;
    data.format = std::move(format);
    std::uint64_t offset = 0;
    std::size_t total = 0;
    for (const population_spikes& p : populations) {
        total += p.t_ms.size();
    }
    data.spikes.t_ms.reserve(total);
    data.spikes.unit.reserve(total);
    for (population_spikes& p : populations) {
        if (offset + p.size > std::numeric_limits<std::uint32_t>::max()) {
            bad_input(file, p.name, fmt::format("{} units in all", offset + p.size), "fewer than 2^32 units");
        }
        data.units.add_population(p.name, static_cast<std::uint32_t>(p.size));
        if (!p.node_ids.empty()) {
            std::copy(p.node_ids.begin(), p.node_ids.end(),
                      data.units.node_id.end() - static_cast<std::ptrdiff_t>(p.size));
        }
        data.spikes.t_ms.insert(data.spikes.t_ms.end(), p.t_ms.begin(), p.t_ms.end());
        for (const std::uint64_t n : p.node) {
            data.spikes.unit.push_back(static_cast<std::uint32_t>(offset + n));
        }
        offset += p.size;
        // Free each population once copied: peak memory stays near one copy of the spikes.
        std::vector<double>().swap(p.t_ms);
        std::vector<std::uint64_t>().swap(p.node);
    }
    data.spikes.unit_count = static_cast<std::uint32_t>(offset);
    finish(file, data, t_stop_ms);
    return data;
}

recorded_run recorded_run_of_hdf5(const h5::group& root) {
    if (!h5::has_attribute(root, "config")) {
        return {};
    }
    return parse_recorded_run(h5::read_attribute_text(root, "config"));
}

core::spike_dataset run_hdf5_reader(const std::string& path, const std::function<core::spike_dataset()>& read) {
    try {
        return read();
    } catch (const core::input_error&) {
        throw;
    } catch (const core::io_error& e) {
        std::error_code ec;
        if (!std::filesystem::is_regular_file(path, ec)) {
            throw;
        }
        // The wrappers' message already names the file, the object and HDF5's reason.
        throw core::input_error(fmt::format("{} (expected a complete, readable HDF5 file)", e.what()));
    }
}

}  // namespace sf::io::readers
