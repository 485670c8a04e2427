// Text spike files: NEST ASCII recorder output and CSV (docs/readers.md).
//
// NEST 3 (.dat): '#' header lines, then a line of column names, e.g. "sender time_ms" or
// "sender time_step offset" (time_in_steps: t = time_step * dt_ms - offset [ms]), then rows.
// NEST 2 (.gdf): no header, rows "gid time_ms [more columns]".
// CSV: optional '#' comment lines, a header with columns `time` and `unit` (others ignored),
// then rows; time unit given by read_options::time_unit_ms (default 1 = ms).
// Files are read line by line: memory is the spikes (16 bytes each while reading, 12 in the
// result) plus one line, whatever the file size.
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <fstream>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "io/readers/reader_common.hpp"
#include "io/readers/readers.hpp"

namespace sf::io::readers {

namespace {

// Spikes gathered over the files of one recorder: (time [ms], file id of the unit).
struct raw_spikes {
    std::vector<double> t_ms;
    std::vector<std::uint64_t> id;
};

std::string_view trim(std::string_view s) {
    const std::size_t b = s.find_first_not_of(" \t\r");
    if (b == std::string_view::npos) return {};
    return s.substr(b, s.find_last_not_of(" \t\r") - b + 1);
}

// Splits on any run of `separators` (whitespace) or on each `separators` char (CSV comma).
std::vector<std::string_view> split(std::string_view line, std::string_view separators, bool merge_runs) {
    std::vector<std::string_view> fields;
    std::size_t begin = 0;
    while (begin <= line.size()) {
        if (merge_runs) {
            begin = line.find_first_not_of(separators, begin);
            if (begin == std::string_view::npos) break;
        }
        const std::size_t end = std::min(line.find_first_of(separators, begin), line.size());
        fields.push_back(trim(line.substr(begin, end - begin)));
        begin = end + 1;
    }
    return fields;
}

std::ifstream open_text(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw core::io_error(fmt::format("{}: cannot open the file for reading", path));
    return in;
}

double parse_number(std::string_view text, const std::string& file, std::uint64_t line_no, std::string_view column) {
    double value = 0.0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size()) {
        // from_chars does not read "nan" with a sign or "inf" spelled otherwise: say what we got.
        bad_input(file, fmt::format("line {}, column {}", line_no, column), fmt::format("'{}' is not a number", text),
                  "a decimal number");
    }
    return value;
}

std::uint64_t parse_id(std::string_view text, const std::string& file, std::uint64_t line_no, std::string_view column) {
    std::uint64_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size()) {
        bad_input(file, fmt::format("line {}, column {}", line_no, column),
                  fmt::format("'{}' is not a non-negative integer", text), "a unit / sender id >= 0");
    }
    return value;
}

std::ptrdiff_t column_of(const std::vector<std::string_view>& header, std::string_view name) {
    const auto it = std::find(header.begin(), header.end(), name);
    return it == header.end() ? -1 : it - header.begin();
}

// ---- NEST ----

// Where a NEST file keeps sender and time: column indices and how to turn them into ms.
struct nest_layout {
    std::size_t sender = 0;
    std::size_t time = 1;
    std::ptrdiff_t offset = -1;  // time_in_steps: offset column [ms]
    double time_scale_ms = 1.0;  // ms per unit of the time column
    std::size_t columns = 2;
};

nest_layout layout_from_header(const std::string& file, std::uint64_t line_no,
                               const std::vector<std::string_view>& header, const read_options& options) {
    nest_layout layout;
    layout.columns = header.size();
    const std::ptrdiff_t sender = column_of(header, "sender");
    std::ptrdiff_t time = column_of(header, "time_ms");
    if (time < 0 && (time = column_of(header, "time_step")) >= 0) {
        layout.time_scale_ms = options.dt_ms;
        layout.offset = column_of(header, "offset");
    }
    if (sender < 0 || time < 0) {
        bad_input(file, fmt::format("line {} (column names)", line_no), "no 'sender' and 'time_ms'/'time_step' column",
                  "a NEST 3 header such as 'sender time_ms'");
    }
    layout.sender = static_cast<std::size_t>(sender);
    layout.time = static_cast<std::size_t>(time);
    if (options.time_unit_ms > 0.0 && layout.offset < 0) layout.time_scale_ms = options.time_unit_ms;
    return layout;
}

void read_nest_file(const std::string& file, const read_options& options, raw_spikes& out) {
    std::ifstream in = open_text(file);
    std::string line;
    std::uint64_t line_no = 0;
    bool have_layout = false;
    nest_layout layout;
    if (options.time_unit_ms > 0.0) layout.time_scale_ms = options.time_unit_ms;
    while (std::getline(in, line)) {
        ++line_no;
        const std::string_view text = trim(line);
        if (text.empty() || text[0] == '#') continue;
        const std::vector<std::string_view> fields = split(text, " \t", true);
        const bool numeric = !fields.empty() && (std::isdigit(static_cast<unsigned char>(fields[0][0])) != 0);
        if (!have_layout && !numeric) {
            layout = layout_from_header(file, line_no, fields, options);
            have_layout = true;
            continue;
        }
        have_layout = true;  // header-less NEST 2 .gdf: gid, time [ms]
        if (fields.size() < std::max(layout.columns, std::size_t{2})) {
            bad_input(file, fmt::format("line {}", line_no), fmt::format("{} columns", fields.size()),
                      fmt::format("at least {} columns (sender, time)", std::max(layout.columns, std::size_t{2})));
        }
        const std::uint64_t sender = parse_id(fields[layout.sender], file, line_no, "sender");
        double t = parse_number(fields[layout.time], file, line_no, "time");
        check_spike_time(file, fmt::format("line {}", line_no), out.t_ms.size(), t);
        t *= layout.time_scale_ms;
        if (layout.offset >= 0) {
            t -= parse_number(fields[static_cast<std::size_t>(layout.offset)], file, line_no, "offset");
        }
        out.t_ms.push_back(t);
        out.id.push_back(sender);
    }
}

// Units = the distinct ids, ascending; node_id = the id (NEST's global id).
core::spike_dataset dataset_from_ids(const std::string& file, raw_spikes&& raw, const std::string& population,
                                     std::string format) {
    std::vector<std::uint64_t> distinct = raw.id;
    std::sort(distinct.begin(), distinct.end());
    distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
    population_spikes p;
    p.name = population;
    p.size = distinct.size();
    p.node_ids = distinct;
    p.t_ms = std::move(raw.t_ms);
    p.node.resize(raw.id.size());
    for (std::size_t i = 0; i < raw.id.size(); ++i) {
        p.node[i] = static_cast<std::uint64_t>(std::lower_bound(distinct.begin(), distinct.end(), raw.id[i]) -
                                               distinct.begin());
    }
    std::vector<population_spikes> populations;
    populations.push_back(std::move(p));
    return assemble(file, std::move(populations), std::move(format));
}

// ---- CSV ----

// '#' comment lines of a CSV file, without the '#': spikeforge's provenance (TOML) lives there.
void read_csv_file(const std::string& file, double unit_ms, raw_spikes& out, double& max_time, std::string& comments) {
    std::ifstream in = open_text(file);
    std::string line;
    std::uint64_t line_no = 0;
    std::ptrdiff_t time_col = -1, unit_col = -1;
    std::size_t columns = 0;
    while (std::getline(in, line)) {
        ++line_no;
        const std::string_view text = trim(line);
        if (!text.empty() && text[0] == '#') {
            comments.append(trim(text.substr(1)));
            comments.push_back('\n');
            continue;
        }
        if (text.empty()) continue;
        const std::vector<std::string_view> fields = split(text, ",", false);
        if (time_col < 0) {
            time_col = column_of(fields, "time");
            unit_col = column_of(fields, "unit");
            if (time_col < 0 || unit_col < 0) {
                bad_input(file, fmt::format("line {} (header)", line_no),
                          fmt::format("header '{}'", text.substr(0, 80)),
                          "a header naming the columns 'time' and 'unit'");
            }
            columns = fields.size();
            continue;
        }
        if (fields.size() != columns) {
            bad_input(file, fmt::format("line {}", line_no), fmt::format("{} fields", fields.size()),
                      fmt::format("{} fields as in the header", columns));
        }
        const double t = parse_number(fields[static_cast<std::size_t>(time_col)], file, line_no, "time");
        check_spike_time(file, fmt::format("line {}", line_no), out.t_ms.size(), t);
        max_time = std::max(max_time, t);
        out.t_ms.push_back(t * unit_ms);
        out.id.push_back(parse_id(fields[static_cast<std::size_t>(unit_col)], file, line_no, "unit"));
    }
    if (time_col < 0) {
        bad_input(file, "line 1 (header)", "no header", "a header naming the columns 'time' and 'unit'");
    }
}

}  // namespace

core::spike_dataset read_nest(const std::vector<std::string>& paths, const read_options& options) {
    raw_spikes raw;
    for (const std::string& path : paths) read_nest_file(path, options, raw);
    core::spike_dataset data = dataset_from_ids(paths.front(), std::move(raw), "nest", "nest");
    data.units.metadata["format"] = "nest";
    data.units.metadata["files"] = std::to_string(paths.size());
    return data;
}

core::spike_dataset read_csv(const std::vector<std::string>& paths, const read_options& options) {
    const double unit_ms = options.time_unit_ms > 0.0 ? options.time_unit_ms : 1.0;
    raw_spikes raw;
    double max_time = 0.0;
    std::string comments;
    for (const std::string& path : paths) {
        read_csv_file(path, unit_ms, raw, max_time, comments);
        if (unit_ms == 1000.0) check_plausible_seconds(path, "column time", max_time);
    }
    // CSV units keep their numbers: unit u is row u (silent units below the largest id count).
    population_spikes p;
    p.name = "units";
    const recorded_run run = parse_recorded_run(comments);
    p.size = run.units;
    for (const std::uint64_t id : raw.id) p.size = std::max(p.size, id + 1);
    p.t_ms = std::move(raw.t_ms);
    p.node = std::move(raw.id);
    std::vector<population_spikes> populations;
    populations.push_back(std::move(p));
    core::spike_dataset data = assemble(paths.front(), std::move(populations), "csv", run.t_stop_ms);
    data.units.metadata["format"] = "csv";
    return data;
}

}  // namespace sf::io::readers
