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
#include <fmt/format.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <string>
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

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: parquet_fixture_writer OUT_DIR\n");
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
