#include "calcium/spikefinder_csv.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <iterator>
#include <set>
#include <string_view>

#include "core/error.hpp"
#include "io/atomic_file.hpp"
#include "io/readers/reader_common.hpp"

namespace sf::calcium {

namespace {

using io::readers::bad_input;

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
    return s;
}

// Splits one line at commas into `fields` (reused between lines: no allocation per row).
void split_commas(std::string_view line, std::vector<std::string_view>& fields) {
    fields.clear();
    std::size_t begin = 0;
    while (true) {
        const std::size_t end = line.find(',', begin);
        if (end == std::string_view::npos) {
            fields.push_back(trim(line.substr(begin)));
            return;
        }
        fields.push_back(trim(line.substr(begin, end - begin)));
        begin = end + 1;
    }
}

// A number as the file spells it; false if `text` is not one whole number.
bool parse_double(std::string_view text, double& value) {
    if (!text.empty() && text.front() == '+') text.remove_prefix(1);  // from_chars rejects '+'
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    return ec == std::errc() && end == text.data() + text.size() && !text.empty();
}

// A header field that reads as data (1.25, 0.0, 3e-2, nan): the file has no header line.
bool looks_like_data(std::string_view name) {
    double v;
    if (!parse_double(name, v)) return false;
    return name.find_first_of(".eEnN") != std::string_view::npos;
}

std::string read_whole_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw core::io_error(fmt::format("{}: cannot open the file for reading", path.string()));
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad()) throw core::io_error(fmt::format("{}: read failed", path.string()));
    return text;
}

}  // namespace

std::size_t trace_table::longest() const noexcept {
    std::size_t n = 0;
    for (const auto& c : columns) n = std::max(n, c.size());
    return n;
}

trace_table read_spikefinder_csv(const std::filesystem::path& path) {
    const std::string file = path.string();
    const std::string text = read_whole_file(path);
    constexpr std::string_view header_rule = "a header line of column names, e.g. 0,1,2";
    if (text.empty()) bad_input(file, "line 1", "the file is empty", header_rule);

    trace_table table;
    std::vector<std::string_view> fields;
    std::vector<bool> ended;  // column c has had an empty field (padding started)
    std::size_t line_no = 0, pos = 0;
    while (pos < text.size()) {
        std::size_t end = text.find('\n', pos);
        if (end == std::string::npos) end = text.size();
        const std::string_view line(text.data() + pos, end - pos);
        pos = end + 1;
        ++line_no;
        split_commas(line, fields);
        if (line_no == 1) {
            std::set<std::string_view> seen;
            for (std::size_t c = 0; c < fields.size(); ++c) {
                const auto name = fields[c];
                if (name.empty())
                    bad_input(file, fmt::format("line 1 (header), column {}", c + 1), "empty column name", header_rule);
                if (looks_like_data(name))
                    bad_input(file, "line 1 (header)", fmt::format("'{}' is a value, the header line is missing", name),
                              header_rule);
                if (!seen.insert(name).second)
                    bad_input(file, "line 1 (header)", fmt::format("column name '{}' repeated", name),
                              "unique column names, e.g. 0,1,2");
                table.names.emplace_back(name);
            }
            table.columns.resize(fields.size());
            ended.assign(fields.size(), false);
            continue;
        }
        if (fields.size() != table.names.size())
            bad_input(file, fmt::format("line {}", line_no), fmt::format("{} fields", fields.size()),
                      fmt::format("{} fields, one per column of the header (empty fields for padding)",
                                  table.names.size()));
        for (std::size_t c = 0; c < fields.size(); ++c) {
            const auto field = fields[c];
            if (field.empty()) {
                ended[c] = true;
                continue;
            }
            if (ended[c])
                bad_input(file, fmt::format("line {}, column '{}'", line_no, table.names[c]),
                          fmt::format("value '{}' after the column's padding began", field),
                          "only empty fields after the first empty field of a column (a column ends once)");
            double v;
            if (!parse_double(field, v) || std::isinf(v))
                bad_input(file, fmt::format("line {}, column '{}'", line_no, table.names[c]),
                          fmt::format("'{}' is not a number", field), "a finite number or an empty field");
            table.columns[c].push_back(v);
        }
    }
    return table;
}

void write_spikefinder_csv(const std::filesystem::path& path, const trace_table& table,
                           const csv_write_options& options) {
    if (!table.names.empty() && table.names.size() != table.columns.size())
        throw core::error(fmt::format("{}: {} column names for {} columns", path.string(), table.names.size(),
                                      table.columns.size()));
    std::string out;
    for (std::size_t c = 0; c < table.columns.size(); ++c) {
        if (c) out += ',';
        out += table.names.empty() ? std::to_string(c) : table.names[c];
    }
    out += '\n';
    const std::size_t rows = table.longest();
    out.reserve(out.size() + rows * table.columns.size() * 12);
    for (std::size_t r = 0; r < rows; ++r) {
        for (std::size_t c = 0; c < table.columns.size(); ++c) {
            if (c) out += ',';
            const auto& column = table.columns[c];
            if (r >= column.size()) continue;  // padding: an empty field
            const double v = column[r];
            if (std::isinf(v))
                throw core::error(fmt::format("{}: infinite value in column {}, sample {}", path.string(), c, r));
            if (std::isnan(v))
                out += "nan";
            else if (options.float32)
                fmt::format_to(std::back_inserter(out), "{}", static_cast<float>(v));
            else
                fmt::format_to(std::back_inserter(out), "{}", v);
        }
        out += '\n';
    }
    io::write_text_atomically(path, out);
}

}  // namespace sf::calcium
