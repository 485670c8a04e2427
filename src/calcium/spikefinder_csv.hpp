// Spikefinder CSV traces (the Spikefinder challenge's format, docs/calcium.md):
//
//     0,1,2            header: one column per neuron (names kept as written)
//     1.2571,0.5078,1.37
//     1.1800,0.5187,   one row per sample (100 Hz); a column that ends early is padded with
//     1.2120,0.5247,   empty fields (NaN to pandas) up to the longest column
//
// Reading keeps each column's own length (its padding dropped); writing reproduces the padding.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

namespace sf::calcium {

// Traces (fluorescence, spike counts or predictions) of several neurons, one column each.
struct trace_table {
    std::vector<std::string> names;           // column names from the header ("0", "1", ...)
    std::vector<std::vector<double>> columns;  // per neuron, its own length (no padding)
    double rate_hz = 100.0;                    // [Hz] samples per second (Spikefinder: 100)

    std::size_t neurons() const noexcept { return columns.size(); }
    std::size_t longest() const noexcept;  // rows of the file (samples of the longest column)
};

// Reads a Spikefinder CSV. Rules (each broken one is a core::input_error naming the file, the
// line and what was expected, exit 3): a header line of unique, non-empty column names that
// are not numbers with a fraction (a file that starts with data has no header); every row has
// exactly one field per column; a field is a number (from_chars syntax, "nan" allowed, not
// infinite) or empty; once a column has an empty field, all its later fields are empty.
// Blank trailing whitespace and '\r' line ends are accepted.
trace_table read_spikefinder_csv(const std::filesystem::path& path);

struct csv_write_options {
    // true: each value as the shortest text that reads back as the same float32 (model outputs
    // computed in float32); false: the shortest text that reads back as the same double.
    bool float32 = false;
};

// Writes `table` as a Spikefinder CSV (header = names, or 0,1,2,... if names is empty),
// atomically (PATH.tmp, fsync, rename). Columns shorter than the longest are padded with
// empty fields. NaN inside a column is written "nan"; infinities are rejected (core::error).
void write_spikefinder_csv(const std::filesystem::path& path, const trace_table& table,
                           const csv_write_options& options = {});

}  // namespace sf::calcium
