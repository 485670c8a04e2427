// parquet_fixture_writer OUT_DIR: writes the Parquet files that tests/python/test_parquet_nested.py
// has DuckDB read back (an internal test program, not installed). The values follow the rules
// spelled out below, which the Python test restates independently:
//  * small.parquet (ZSTD, 2 row groups of 2 rows): spike_counts (list<list<u8>>) and the four
//    string columns of a neural-pile row, with empty rows and lists, 1 x 1, 0xff and non-ASCII;
//  * large.parquet (uncompressed, 2 row groups: rows 0-149, 150-300): spike_counts rows 0-299
//    of 30 x 40, row 300 of 300 x 1000 (over 1 MiB of values: a page of its own), value
//    (r + 3u + 7b) % 256 at row r, unit u, bin b; session_id "s<r>";
//  * flat.parquet (ZSTD, 2 row groups of 3 and 2 rows): bins (list<u8>) [], [0, 255], [7], [],
//    [1, 2, 3]; ids (list<u32>) [], [0, 2147483648, 4294967295], [1], [2147483647, 5], [];
//  * flat_large.parquet (uncompressed, one row group of 400 rows): row r has (37r) % 3001
//    values (row 0 empty; over 1 MiB of values per column: several pages), bins[r][i] =
//    (r + 3i) % 256, ids[r][i] = (2654435761r + 40503i) % 2^32.
//
// parquet_fixture_writer --dump FILE: reads FILE with spikeforge's table_reader and prints what
// it reads as one JSON object (for tests/python/test_parquet_foreign.py, which compares it with
// what DuckDB reads):
//   columns     [{name, type}] (type: to_string(column_type): "u32", "string", "list<u8>", ...)
//   rows        the row count; row_groups: the rows of each row group
//   values      {column: [...]} every value in file order; 64-bit integers as decimal strings,
//               floats as JSON numbers (f32 widened to double) except NaN, Infinity, -Infinity
//               and -0 (strings), lists as arrays, as tests/js/read_parquet.mjs prints them
// A file the reader rejects: its message on stderr, exit status 1.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "io/atomic_file.hpp"
#include "io/parquet/parquet.hpp"

namespace pq = sf::io::parquet;

namespace {

// Rows of the matrices units[i] x bins[i] whose values are given, row after row.
struct matrices {
    std::vector<std::uint8_t> data;
    std::vector<std::uint32_t> units, bins;
    pq::u8_matrices view() const { return {data, units, bins}; }
};

void write_small(const std::filesystem::path& dir) {
    sf::io::atomic_file out(dir / "small.parquet");
    pq::table_writer w(out.temp_path(), {{"spike_counts", pq::column_type::list_list_u8},
                                         {"subject_id", pq::column_type::string},
                                         {"session_id", pq::column_type::string},
                                         {"segment_id", pq::column_type::string},
                                         {"source_dataset", pq::column_type::string}});
    // Row group 0: an empty row (no units), a row of 2 units with 0 bins.
    const matrices a{{}, {0, 2}, {5, 0}};
    // Row group 1: 1 x 1 = [[255]], then 2 x 3 = [[0, 1, 2], [3, 4, 250]].
    const matrices b{{255, 0, 1, 2, 3, 4, 250}, {1, 2}, {1, 3}};
    const std::vector<std::string> subject_a = {"", "sub-\xce\xb1"}, subject_b = {
                                                                         "Gr\xc3\xbc\xc3\x9f"
                                                                         "e \xf0\x9f\xa7\xa0",
                                                                         "plain"};
    const std::vector<std::string> session_a = {"ses-1", "ses-1"}, session_b = {"ses-2", "\"quoted\" \\ tab\t"};
    const std::vector<std::string> segment_a = {"0", "1"}, segment_b = {"2", "3"};
    const std::vector<std::string> source_a = {"ibl", "ibl"}, source_b = {"allen", "dandi:000026"};
    w.write_row_group(std::array<pq::column_values, 5>{a.view(), subject_a, session_a, segment_a, source_a});
    w.write_row_group(std::array<pq::column_values, 5>{b.view(), subject_b, session_b, segment_b, source_b});
    w.close();
    out.commit();
}

matrices large_rows(std::uint32_t first, std::uint32_t end) {
    matrices m;
    for (std::uint32_t r = first; r < end; ++r) {
        const std::uint32_t units = r < 300 ? 30 : 300, bins = r < 300 ? 40 : 1000;
        m.units.push_back(units);
        m.bins.push_back(bins);
        for (std::uint32_t u = 0; u < units; ++u)
            for (std::uint32_t b = 0; b < bins; ++b)
                m.data.push_back(static_cast<std::uint8_t>((r + 3 * u + 7 * b) % 256));
    }
    return m;
}

template <class T>
pq::flat_lists<T> view(const std::vector<T>& values, const std::vector<std::uint64_t>& offsets) {
    return {values, offsets};
}

void write_flat(const std::filesystem::path& dir) {
    sf::io::atomic_file out(dir / "flat.parquet");
    pq::table_writer w(out.temp_path(), {{"bins", pq::column_type::list_u8}, {"ids", pq::column_type::list_u32}});
    const std::vector<std::uint8_t> bins_a = {0, 255, 7}, bins_b = {1, 2, 3};
    const std::vector<std::uint64_t> bins_a_offsets = {0, 0, 2, 3}, bins_b_offsets = {0, 0, 3};
    const std::vector<std::uint32_t> ids_a = {0, 2147483648u, 4294967295u, 1}, ids_b = {2147483647u, 5};
    const std::vector<std::uint64_t> ids_a_offsets = {0, 0, 3, 4}, ids_b_offsets = {0, 2, 2};
    w.write_row_group(std::array<pq::column_values, 2>{view(bins_a, bins_a_offsets), view(ids_a, ids_a_offsets)});
    w.write_row_group(std::array<pq::column_values, 2>{view(bins_b, bins_b_offsets), view(ids_b, ids_b_offsets)});
    w.close();
    out.commit();
}

void write_flat_large(const std::filesystem::path& dir) {
    std::vector<std::uint8_t> bins;
    std::vector<std::uint32_t> ids;
    std::vector<std::uint64_t> offsets = {0};
    for (std::uint32_t r = 0; r < 400; ++r) {
        for (std::uint32_t i = 0; i < 37 * r % 3001; ++i) {
            bins.push_back(static_cast<std::uint8_t>((r + 3 * i) % 256));
            ids.push_back(2654435761u * r + 40503u * i);  // mod 2^32
        }
        offsets.push_back(bins.size());
    }
    sf::io::atomic_file out(dir / "flat_large.parquet");
    pq::writer_options o;
    o.compression = pq::codec::none;
    pq::table_writer w(out.temp_path(), {{"bins", pq::column_type::list_u8}, {"ids", pq::column_type::list_u32}}, o);
    w.write_row_group(std::array<pq::column_values, 2>{view(bins, offsets), view(ids, offsets)});
    w.close();
    out.commit();
}

std::vector<std::string> session_names(std::uint32_t first, std::uint32_t end) {
    std::vector<std::string> names;
    for (std::uint32_t r = first; r < end; ++r) names.push_back(fmt::format("s{}", r));
    return names;
}

void write_large(const std::filesystem::path& dir) {
    sf::io::atomic_file out(dir / "large.parquet");
    pq::writer_options o;
    o.compression = pq::codec::none;
    pq::table_writer w(out.temp_path(),
                       {{"spike_counts", pq::column_type::list_list_u8}, {"session_id", pq::column_type::string}}, o);
    for (const auto [first, end] : {std::array<std::uint32_t, 2>{0, 150}, std::array<std::uint32_t, 2>{150, 301}}) {
        const matrices m = large_rows(first, end);
        const std::vector<std::string> names = session_names(first, end);
        w.write_row_group(std::array<pq::column_values, 2>{m.view(), names});
    }
    w.close();
    out.commit();
}

// ---- --dump: what the reader reads, as JSON ----

std::string json_string(std::string_view s) {
    std::string out = "\"";
    for (const char c : s) {
        if (c == '"' || c == '\\')
            out += {'\\', c};
        else if (static_cast<unsigned char>(c) < 0x20)
            out += fmt::format("\\u{:04x}", static_cast<unsigned char>(c));
        else
            out += c;  // UTF-8 passes through
    }
    return out + '"';
}

std::string json_value(const std::string& s) { return json_string(s); }

template <class T>
std::string json_value(T v) {
    if constexpr (std::is_floating_point_v<T>) {
        const double d = v;  // as DuckDB's FLOAT reaches JavaScript
        if (std::isnan(d)) return "\"NaN\"";
        if (std::isinf(d)) return d > 0 ? "\"Infinity\"" : "\"-Infinity\"";
        if (d == 0 && std::signbit(d)) return "\"-0\"";
        return fmt::format("{}", d);  // shortest round trip
    } else if constexpr (sizeof(T) == 8) {
        return fmt::format("\"{}\"", v);
    } else {
        return fmt::format("{}", v);
    }
}

// The rows of a list chunk (offsets[r] .. offsets[r + 1] of `items`, each already JSON).
std::vector<std::string> json_rows(const std::vector<std::string>& items, const std::vector<std::uint64_t>& offsets) {
    std::vector<std::string> rows;
    for (std::size_t r = 0; r + 1 < offsets.size(); ++r) {
        std::string row = "[";
        for (std::uint64_t i = offsets[r]; i < offsets[r + 1]; ++i) row += (i > offsets[r] ? "," : "") + items[i];
        rows.push_back(row + ']');
    }
    return rows;
}

template <class T>
std::vector<std::string> json_items(const std::vector<T>& values) {
    std::vector<std::string> items;
    for (const T& v : values) items.push_back(json_value(v));
    return items;
}

// One column chunk's rows as JSON values.
std::vector<std::string> json_chunk(const pq::table_reader& r, std::size_t g, std::size_t c) {
    switch (r.schema()[c].type) {
        case pq::column_type::i32:
            return json_items(r.read_column<std::int32_t>(g, c));
        case pq::column_type::u32:
            return json_items(r.read_column<std::uint32_t>(g, c));
        case pq::column_type::i64:
            return json_items(r.read_column<std::int64_t>(g, c));
        case pq::column_type::u64:
            return json_items(r.read_column<std::uint64_t>(g, c));
        case pq::column_type::f32:
            return json_items(r.read_column<float>(g, c));
        case pq::column_type::f64:
            return json_items(r.read_column<double>(g, c));
        case pq::column_type::string:
            return json_items(r.read_strings(g, c));
        case pq::column_type::list_u8: {
            const pq::list_chunk<std::uint8_t> l = r.read_u8_list(g, c);
            return json_rows(json_items(l.values), l.offsets);
        }
        case pq::column_type::list_u32: {
            const pq::list_chunk<std::uint32_t> l = r.read_u32_list(g, c);
            return json_rows(json_items(l.values), l.offsets);
        }
        case pq::column_type::list_list_u8: {
            const pq::u8_lists l = r.read_u8_lists(g, c);
            return json_rows(json_rows(json_items(l.values), l.list_offsets), l.row_offsets);
        }
    }
    return {};
}

void dump(const std::filesystem::path& file) {
    const pq::table_reader r(file);
    std::string columns, values, groups;
    for (std::size_t c = 0; c < r.schema().size(); ++c) {
        const pq::column& col = r.schema()[c];
        columns += fmt::format("{}{{\"name\":{},\"type\":{}}}", c ? "," : "", json_string(col.name),
                               json_string(pq::to_string(col.type)));
        std::vector<std::string> rows;
        for (std::size_t g = 0; g < r.row_group_count(); ++g) {
            const std::vector<std::string> chunk = json_chunk(r, g, c);
            rows.insert(rows.end(), chunk.begin(), chunk.end());
        }
        values += fmt::format("{}{}:[{}]", c ? "," : "", json_string(col.name), fmt::join(rows, ","));
    }
    for (std::size_t g = 0; g < r.row_group_count(); ++g)
        groups += fmt::format("{}{}", g ? "," : "", r.row_group_rows(g));
    std::printf("{\"columns\":[%s],\"rows\":%llu,\"row_groups\":[%s],\"values\":{%s}}\n", columns.c_str(),
                static_cast<unsigned long long>(r.num_rows()), groups.c_str(), values.c_str());
}

}  // namespace

int main(int argc, char** argv) {
    if (argc == 3 && std::string_view(argv[1]) == "--dump") {
        try {
            dump(argv[2]);
        } catch (const std::exception& e) {
            std::fprintf(stderr, "%s\n", e.what());
            return 1;
        }
        return 0;
    }
    if (argc != 2) {
        std::fprintf(stderr, "usage: parquet_fixture_writer OUT_DIR | --dump FILE\n");
        return 2;
    }
    try {
        write_small(argv[1]);
        write_large(argv[1]);
        write_flat(argv[1]);
        write_flat_large(argv[1]);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "parquet_fixture_writer: %s\n", e.what());
        return 1;
    }
    return 0;
}
