// io/parquet: the Thrift compact encoding against hand-computed bytes, write/read round trips
// of every column type and codec, and the reader's rejection of malformed or foreign files.
// (DuckDB reads our files independently: tests/python/test_parquet_duckdb.py.)
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <snappy.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "io/parquet/format.hpp"
#include "io/parquet/parquet.hpp"
#include "io/parquet/thrift_compact.hpp"
#include "io_test_support.hpp"

namespace sf::io::parquet {
namespace {

using test::temp_dir;
namespace fs = std::filesystem;

// ---------------------------------------------------------------------------------------------
// helpers

// Bytes as lowercase hex pairs separated by spaces: "15 0a".
std::string hex(std::string_view bytes) {
    std::string s;
    for (const char c : bytes) {
        char pair[4];
        std::snprintf(pair, sizeof pair, "%02x", static_cast<unsigned char>(c));
        if (!s.empty()) s += ' ';
        s += pair;
    }
    return s;
}

std::string read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

void write_file(const fs::path& path, const std::string& bytes) {
    std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::span<const std::byte> as_bytes(const std::string& s) { return std::as_bytes(std::span(s.data(), s.size())); }

// The file's data part (up to the footer) and its decoded footer.
struct split_file {
    std::string data;
    format::file_meta meta;
};

split_file split(const fs::path& path) {
    const std::string bytes = read_file(path);
    std::uint32_t length = 0;
    std::memcpy(&length, bytes.data() + bytes.size() - 8, 4);
    const std::size_t footer_at = bytes.size() - 8 - length;
    return {bytes.substr(0, footer_at), format::decode_file_meta(as_bytes(bytes.substr(footer_at, length)))};
}

// Writes `data` + encode(meta) + length + "PAR1" to path: a file with a modified footer.
void join(const fs::path& path, const split_file& f) {
    const std::string footer = format::encode(f.meta);
    const auto length = static_cast<std::uint32_t>(footer.size());
    std::string bytes = f.data + footer;
    bytes.append(reinterpret_cast<const char*>(&length), 4);
    bytes += "PAR1";
    write_file(path, bytes);
}

// Values equal bit for bit (so NaN == NaN and -0.0 != +0.0).
template <class T>
void expect_same_bits(const std::vector<T>& expected, const std::vector<T>& actual) {
    ASSERT_EQ(expected.size(), actual.size());
    EXPECT_EQ(std::memcmp(expected.data(), actual.data(), expected.size() * sizeof(T)), 0);
}

// The message of the input_error that f throws (fails the test if it throws none).
std::string input_error_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const core::input_error& e) {
        return e.what();
    }
    ADD_FAILURE() << "no core::input_error";
    return {};
}

// A small valid file: (a f64, b u32) with 3 rows in one row group.
void write_small(const fs::path& path, codec c = codec::zstd) {
    const std::vector<double> a = {0.5, 1.5, 2.5};
    const std::vector<std::uint32_t> b = {7, 8, 9};
    writer_options o;
    o.compression = c;
    table_writer w(path, {{"a", column_type::f64}, {"b", column_type::u32}}, o);
    w.write_row_group(std::array<column_values, 2>{a, b});
    w.close();
}

// Writes `columns` (one per schema column, in order) as one row group.
void write_table(const fs::path& path, const std::vector<column>& schema, const std::vector<column_values>& columns,
                 codec c = codec::zstd) {
    writer_options o;
    o.compression = c;
    table_writer w(path, schema, o);
    w.write_row_group(columns);
    w.close();
}

// ---------------------------------------------------------------------------------------------
// Thrift compact protocol: hand-computed bytes

TEST(parquet_thrift, varints_are_little_endian_base_128) {
    const auto bytes = [](std::uint64_t v) {
        thrift::writer w;
        w.varint(v);
        return hex(w.bytes());
    };
    EXPECT_EQ(bytes(0), "00");
    EXPECT_EQ(bytes(1), "01");
    EXPECT_EQ(bytes(127), "7f");
    EXPECT_EQ(bytes(128), "80 01");
    EXPECT_EQ(bytes(300), "ac 02");       // 300 = 0b10_0101100
    EXPECT_EQ(bytes(50399), "df 89 03");  // the compact-protocol spec's example
    EXPECT_EQ(bytes(std::numeric_limits<std::uint64_t>::max()), "ff ff ff ff ff ff ff ff ff 01");
}

TEST(parquet_thrift, zigzag_folds_signs) {
    EXPECT_EQ(thrift::zigzag(0), 0u);
    EXPECT_EQ(thrift::zigzag(-1), 1u);
    EXPECT_EQ(thrift::zigzag(1), 2u);
    EXPECT_EQ(thrift::zigzag(-2), 3u);
    EXPECT_EQ(thrift::zigzag(2147483647), 4294967294u);
    EXPECT_EQ(thrift::zigzag(-2147483648LL), 4294967295u);
    EXPECT_EQ(thrift::zigzag(std::numeric_limits<std::int64_t>::min()), std::numeric_limits<std::uint64_t>::max());
    for (const std::int64_t v : {std::int64_t{0}, std::int64_t{-1}, std::int64_t{12345}, std::int64_t{-98765},
                                 std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::max()})
        EXPECT_EQ(thrift::unzigzag(thrift::zigzag(v)), v);
}

TEST(parquet_thrift, field_headers_short_and_long_form) {
    thrift::writer w;
    w.field_i32(1, 5);        // delta 1, type i32 (5): 0x15; zigzag(5) = 10
    w.field_i32(17, -1);      // delta 16 > 15: type byte 0x05, zigzag(17) = 34 = 0x22; zigzag(-1) = 1
    w.field_i64(32, 1);       // delta 15: short form 0xf6; zigzag(1) = 2
    w.field_bool(33, true);   // delta 1, BOOLEAN_TRUE (1): 0x11, no value byte
    w.field_bool(34, false);  // delta 1, BOOLEAN_FALSE (2): 0x12
    w.field_i32(2, 0);        // negative delta: long form 0x05, zigzag(2) = 4
    w.field_binary(3, "ab");  // delta 1, binary (8): 0x18, length 2, bytes
    w.field_i8(4, -1);        // delta 1, i8 (3): 0x13, raw byte 0xff
    w.field_i16(5, -300);     // delta 1, i16 (4): 0x14, zigzag(-300) = 599 = 0xd7 0x04
    w.end_struct();
    EXPECT_EQ(hex(w.bytes()), "15 0a 05 22 01 f6 02 11 12 05 04 00 18 02 61 62 13 ff 14 d7 04 00");
}

TEST(parquet_thrift, nested_structs_restart_field_ids) {
    thrift::writer w;
    w.begin_struct_field(3);  // 0x3c
    w.field_i32(1, 1);        // inside: delta from 0 -> 0x15, zigzag(1) = 2
    w.end_struct();           // 0x00
    w.field_i32(4, 0);        // outside again: delta from 3 -> 0x15
    w.end_struct();
    EXPECT_EQ(hex(w.bytes()), "3c 15 02 00 15 00 00");
}

TEST(parquet_thrift, list_headers_short_below_15_long_from_15) {
    const auto header = [](std::size_t n) {
        thrift::writer w;
        w.list_header(thrift::type::i32, n);
        return hex(w.bytes());
    };
    EXPECT_EQ(header(0), "05");
    EXPECT_EQ(header(3), "35");
    EXPECT_EQ(header(14), "e5");
    EXPECT_EQ(header(15), "f5 0f");
    EXPECT_EQ(header(300), "f5 ac 02");

    thrift::writer w;
    w.begin_list_field(2, thrift::type::binary, 2);  // 0x29, then 0x28
    w.element_binary("x");
    w.element_binary("");
    EXPECT_EQ(hex(w.bytes()), "29 28 01 78 00");
}

TEST(parquet_thrift, page_header_bytes) {
    // PageHeader{1: type DATA_PAGE (0), 2: uncompressed 8, 3: compressed 8,
    //            5: data_page_header{1: num_values 2, 2: PLAIN (0), 3: RLE (3), 4: RLE (3)}}
    // Consecutive ids: each header is 0x15 (delta 1, i32); field 5 is 0x2c (delta 2, struct);
    // values are zigzag varints (8 -> 0x10, 2 -> 0x04, 3 -> 0x06).
    format::page_header h;
    h.uncompressed_page_size = 8;
    h.compressed_page_size = 8;
    h.data_page = format::data_page_header{};
    h.data_page->num_values = 2;
    EXPECT_EQ(hex(format::encode(h)), "15 00 15 10 15 10 2c 15 04 15 00 15 06 15 06 00 00");
}

TEST(parquet_thrift, reader_decodes_what_the_writer_writes_and_skips_unknown_fields) {
    thrift::writer w;
    w.field_i32(1, -7);
    w.begin_struct_field(2);  // unknown to the caller below: skipped whole
    w.begin_list_field(1, thrift::type::struct_, 20);
    for (int i = 0; i < 20; ++i) {
        w.begin_struct_element();
        w.field_binary(1, "k");
        w.field_bool(2, true);
        w.end_struct();
    }
    w.end_struct();
    w.field_i64(40, std::numeric_limits<std::int64_t>::min());  // long form
    w.field_binary(41, "tail");
    w.end_struct();
    const std::string bytes = w.bytes();

    thrift::reader r(as_bytes(bytes));
    thrift::field f = r.next_field();
    EXPECT_EQ(f.id, 1);
    EXPECT_EQ(r.read_i32(), -7);
    f = r.next_field();
    EXPECT_EQ(f.id, 2);
    r.skip(f.t);
    f = r.next_field();
    EXPECT_EQ(f.id, 40);
    EXPECT_EQ(r.read_i64(), std::numeric_limits<std::int64_t>::min());
    f = r.next_field();
    EXPECT_EQ(f.id, 41);
    EXPECT_EQ(r.read_binary(), "tail");
    EXPECT_EQ(r.next_field().t, thrift::type::stop);
    EXPECT_EQ(r.position(), bytes.size());
}

TEST(parquet_thrift, reader_rejects_truncated_and_overlong_input) {
    const std::string truncated = "\x15";  // i32 field without its value
    thrift::reader a(as_bytes(truncated));
    a.next_field();
    EXPECT_THROW(a.read_i32(), thrift::decode_error);

    const std::string overlong(11, '\x80');
    thrift::reader b(as_bytes(overlong));
    EXPECT_THROW(b.read_varint(), thrift::decode_error);

    const std::string huge_list = "\xf5\xff\xff\xff\xff\x07";  // 2^31 - 1 elements, no bytes
    thrift::reader c(as_bytes(huge_list));
    EXPECT_THROW(c.read_list_header(), thrift::decode_error);

    const std::string string_past_end = "\x05xy";  // length 5, 2 bytes
    thrift::reader d(as_bytes(string_past_end));
    EXPECT_THROW(d.read_binary(), thrift::decode_error);

    // Nesting beyond any Parquet struct: an error, not a stack overflow.
    const std::string deep_structs(10000, '\x1c');  // field 1, struct; inside: field 1, struct; ...
    thrift::reader e(as_bytes(deep_structs));
    EXPECT_THROW(e.skip(e.next_field().t), thrift::decode_error);
    const std::string deep_lists = "\x19" + std::string(10000, '\x19');  // field 1: list of 1 list of 1 list...
    thrift::reader g(as_bytes(deep_lists));
    EXPECT_THROW(g.skip(g.next_field().t), thrift::decode_error);
}

// ---------------------------------------------------------------------------------------------
// Round trips

class parquet_codec : public ::testing::TestWithParam<codec> {};

TEST_P(parquet_codec, every_column_type_round_trips_with_extremes) {
    using i32 = std::numeric_limits<std::int32_t>;
    using i64 = std::numeric_limits<std::int64_t>;
    using f32 = std::numeric_limits<float>;
    using f64 = std::numeric_limits<double>;
    const std::vector<std::int32_t> a = {i32::min(), -1, 0, 1, i32::max(), 42};
    const std::vector<std::uint32_t> b = {0, 1, 0x80000000u, std::numeric_limits<std::uint32_t>::max(), 7, 9};
    const std::vector<std::int64_t> c = {i64::min(), -1, 0, 1, i64::max(), -(std::int64_t{1} << 40)};
    const std::vector<std::uint64_t> d = {0, 1, std::uint64_t{1} << 63, std::numeric_limits<std::uint64_t>::max(),
                                          3, 5};
    const std::vector<float> e = {f32::quiet_NaN(),  f32::infinity(), -f32::infinity(), -0.0f,
                                  f32::denorm_min(), f32::max()};
    const std::vector<double> f = {f64::quiet_NaN(), f64::infinity(), -f64::infinity(), -0.0, 0.1, f64::lowest()};
    const std::vector<column> schema = {{"a", column_type::i32}, {"b", column_type::u32}, {"c", column_type::i64},
                                        {"d", column_type::u64}, {"e", column_type::f32}, {"f", column_type::f64}};
    temp_dir dir;
    writer_options o;
    o.compression = GetParam();
    o.key_value_metadata = {{"units", "ms"}, {"empty", ""}};
    o.created_by = "spikeforge test";
    {
        table_writer w(dir / "t.parquet", schema, o);
        w.write_row_group(std::array<column_values, 6>{a, b, c, d, e, f});
        w.close();
        EXPECT_EQ(w.rows_written(), 6u);
    }
    const table_reader r(dir / "t.parquet");
    EXPECT_EQ(r.schema(), schema);
    EXPECT_EQ(r.num_rows(), 6u);
    ASSERT_EQ(r.row_group_count(), 1u);
    EXPECT_EQ(r.row_group_rows(0), 6u);
    EXPECT_EQ(r.read_column<std::int32_t>(0, 0), a);
    EXPECT_EQ(r.read_column<std::uint32_t>(0, 1), b);
    EXPECT_EQ(r.read_column<std::int64_t>(0, 2), c);
    EXPECT_EQ(r.read_column<std::uint64_t>(0, 3), d);
    expect_same_bits(e, r.read_column<float>(0, 4));
    expect_same_bits(f, r.read_column<double>(0, 5));
    EXPECT_EQ(r.key_value_metadata(), o.key_value_metadata);
    EXPECT_EQ(r.created_by(), "spikeforge test");
}

TEST_P(parquet_codec, several_row_groups_and_multi_page_chunks) {
    // 300 000 doubles = 2.4 MB per chunk: three pages of at most 1 MiB.
    std::vector<double> t(300000);
    std::vector<std::uint32_t> u(t.size());
    for (std::size_t i = 0; i < t.size(); ++i) {
        t[i] = static_cast<double>(i) * 0.1;
        u[i] = static_cast<std::uint32_t>(i * 2654435761u);
    }
    const std::span<const double> ts(t);
    const std::span<const std::uint32_t> us(u);
    temp_dir dir;
    writer_options o;
    o.compression = GetParam();
    {
        table_writer w(dir / "t.parquet", {{"t", column_type::f64}, {"u", column_type::u32}}, o);
        w.write_row_group(std::array<column_values, 2>{ts.first(5), us.first(5)});
        w.write_row_group(std::array<column_values, 2>{ts.subspan(5), us.subspan(5)});
        w.write_row_group(std::array<column_values, 2>{ts.first(0), us.first(0)});  // no row group
        w.write_row_group(std::array<column_values, 2>{ts.first(1), us.first(1)});
        w.close();
    }
    const table_reader r(dir / "t.parquet");
    EXPECT_EQ(r.num_rows(), t.size() + 1);
    ASSERT_EQ(r.row_group_count(), 3u);
    EXPECT_EQ(r.row_group_rows(0), 5u);
    EXPECT_EQ(r.row_group_rows(1), t.size() - 5);
    EXPECT_EQ(r.row_group_rows(2), 1u);
    std::vector<double> t_back = r.read_column<double>(0, 0);
    const std::vector<double> t1 = r.read_column<double>(1, 0);
    t_back.insert(t_back.end(), t1.begin(), t1.end());
    expect_same_bits(t, t_back);
    std::vector<std::uint32_t> u_back = r.read_column<std::uint32_t>(0, 1);
    const std::vector<std::uint32_t> u1 = r.read_column<std::uint32_t>(1, 1);
    u_back.insert(u_back.end(), u1.begin(), u1.end());
    EXPECT_EQ(u_back, u);
    EXPECT_EQ(r.read_column<double>(2, 0), std::vector<double>{0.0});

    // Count the pages of row group 1's time column by walking its page headers.
    const split_file sf = split(dir / "t.parquet");
    const format::column_meta& m = *sf.meta.row_groups[1].columns[0].meta_data;
    std::size_t pos = static_cast<std::size_t>(m.data_page_offset), pages = 0;
    while (pos < static_cast<std::size_t>(m.data_page_offset + m.total_compressed_size)) {
        std::size_t header = 0;
        const format::page_header h = format::decode_page_header(as_bytes(sf.data.substr(pos)), header);
        EXPECT_LE(static_cast<std::size_t>(h.uncompressed_page_size), max_page_bytes);
        pos += header + static_cast<std::size_t>(h.compressed_page_size);
        ++pages;
    }
    EXPECT_EQ(pages, 3u);  // ceil(299995 * 8 / 2^20)
    EXPECT_EQ(m.codec, GetParam() == codec::zstd ? format::codec_zstd : format::codec_uncompressed);
}

TEST_P(parquet_codec, empty_table_has_schema_and_no_row_groups) {
    temp_dir dir;
    writer_options o;
    o.compression = GetParam();
    {
        table_writer w(dir / "e.parquet", {{"t", column_type::f64}, {"u", column_type::u32}}, o);
        w.close();
    }
    const table_reader r(dir / "e.parquet");
    EXPECT_EQ(r.num_rows(), 0u);
    EXPECT_EQ(r.row_group_count(), 0u);
    EXPECT_EQ(r.schema().size(), 2u);
}

INSTANTIATE_TEST_SUITE_P(parquet, parquet_codec, ::testing::Values(codec::none, codec::zstd),
                         [](const auto& info) { return info.param == codec::zstd ? "zstd" : "uncompressed"; });

// ---------------------------------------------------------------------------------------------
// What the footer says

template <class T>
T plain_value(const std::optional<std::string>& bytes) {
    T v{};
    EXPECT_TRUE(bytes.has_value());
    if (bytes) {
        EXPECT_EQ(bytes->size(), sizeof(T));
        std::memcpy(&v, bytes->data(), sizeof(T));
    }
    return v;
}

TEST(parquet_footer, schema_annotations_statistics_and_column_orders) {
    temp_dir dir;
    const std::vector<std::uint64_t> big = {1, std::numeric_limits<std::uint64_t>::max(), 5};  // signed order: max < 1
    const std::vector<std::int64_t> neg = {3, -5, 0};
    const std::vector<double> x = {0.0, std::nan(""), -2.0};
    const std::vector<std::uint32_t> small = {4, 0x90000000u, 6};
    {
        table_writer w(dir / "s.parquet", {{"big", column_type::u64},
                                           {"neg", column_type::i64},
                                           {"x", column_type::f64},
                                           {"small", column_type::u32}});
        w.write_row_group(std::array<column_values, 4>{big, neg, x, small});
        w.close();
    }
    const format::file_meta m = split(dir / "s.parquet").meta;
    EXPECT_EQ(m.version, 1);
    ASSERT_EQ(m.schema.size(), 5u);
    EXPECT_EQ(m.schema[0].num_children, 4);
    EXPECT_FALSE(m.schema[0].repetition_type.has_value());
    EXPECT_EQ(m.schema[1].type, format::type_int64);
    EXPECT_EQ(m.schema[1].converted_type, format::converted_uint_64);
    ASSERT_TRUE(m.schema[1].integer.has_value());
    EXPECT_EQ(m.schema[1].integer->bit_width, 64);
    EXPECT_FALSE(m.schema[1].integer->is_signed);
    EXPECT_EQ(m.schema[2].converted_type, format::converted_int_64);
    EXPECT_TRUE(m.schema[2].integer->is_signed);
    EXPECT_EQ(m.schema[3].type, format::type_double);
    EXPECT_FALSE(m.schema[3].converted_type.has_value());
    EXPECT_EQ(m.schema[4].converted_type, format::converted_uint_32);
    for (std::size_t i = 1; i < m.schema.size(); ++i)
        EXPECT_EQ(m.schema[i].repetition_type, format::repetition_required);
    EXPECT_TRUE(m.column_orders);

    const auto& cols = m.row_groups.at(0).columns;
    EXPECT_EQ(plain_value<std::uint64_t>(cols[0].meta_data->stats->min_value), 1u);
    EXPECT_EQ(plain_value<std::uint64_t>(cols[0].meta_data->stats->max_value),
              std::numeric_limits<std::uint64_t>::max());
    EXPECT_EQ(plain_value<std::int64_t>(cols[1].meta_data->stats->min_value), -5);
    EXPECT_EQ(plain_value<std::int64_t>(cols[1].meta_data->stats->max_value), 3);
    const format::statistics& xs = *cols[2].meta_data->stats;
    EXPECT_EQ(xs.nan_count, 1);
    EXPECT_EQ(plain_value<double>(xs.min_value), -2.0);
    const double max_x = plain_value<double>(xs.max_value);
    EXPECT_EQ(max_x, 0.0);
    EXPECT_FALSE(std::signbit(max_x));  // a zero max is written +0.0
    EXPECT_EQ(plain_value<std::uint32_t>(cols[3].meta_data->stats->max_value), 0x90000000u);
    for (const auto& c : cols) {
        EXPECT_EQ(c.meta_data->stats->null_count, 0);
        EXPECT_EQ(c.meta_data->stats->is_min_value_exact, true);
        EXPECT_EQ(c.meta_data->stats->is_max_value_exact, true);
        EXPECT_EQ(c.meta_data->encodings, (std::vector<std::int32_t>{format::encoding_plain, format::encoding_rle}));
    }
}

TEST(parquet_footer, all_nan_column_has_no_min_max) {
    temp_dir dir;
    const std::vector<float> v = {std::nanf(""), std::nanf("")};
    {
        table_writer w(dir / "n.parquet", {{"v", column_type::f32}});
        w.write_row_group(std::array<column_values, 1>{v});
        w.close();
    }
    const format::statistics s = *split(dir / "n.parquet").meta.row_groups.at(0).columns.at(0).meta_data->stats;
    EXPECT_EQ(s.nan_count, 2);
    EXPECT_FALSE(s.min_value.has_value());
    EXPECT_FALSE(s.max_value.has_value());
}

// ---------------------------------------------------------------------------------------------
// Writer misuse

TEST(parquet_writer, rejects_bad_schemas_and_mismatched_columns) {
    temp_dir dir;
    EXPECT_THROW(table_writer(dir / "x", {}), std::invalid_argument);
    EXPECT_THROW(table_writer(dir / "x", {{"", column_type::f64}}), std::invalid_argument);
    EXPECT_THROW(table_writer(dir / "x", {{"a", column_type::f64}, {"a", column_type::i32}}), std::invalid_argument);
    writer_options bad_level;
    bad_level.zstd_level = 1000;
    EXPECT_THROW(table_writer(dir / "x", {{"a", column_type::f64}}, bad_level), std::invalid_argument);

    table_writer w(dir / "w.parquet", {{"t", column_type::f64}, {"u", column_type::u32}});
    const std::vector<double> t = {1, 2};
    const std::vector<std::int32_t> signed_u = {1, 2};
    const std::vector<std::uint32_t> u = {1, 2}, u3 = {1, 2, 3};
    EXPECT_THROW(w.write_row_group(std::array<column_values, 2>{t, signed_u}), std::invalid_argument);
    EXPECT_THROW(w.write_row_group(std::array<column_values, 2>{t, u3}), std::invalid_argument);
    EXPECT_THROW(w.write_row_group(std::array<column_values, 1>{t}), std::invalid_argument);
    w.write_row_group(std::array<column_values, 2>{t, u});
    w.close();
    w.close();  // idempotent
    EXPECT_THROW(w.write_row_group(std::array<column_values, 2>{t, u}), std::logic_error);
    EXPECT_EQ(table_reader(dir / "w.parquet").num_rows(), 2u);
}

TEST(parquet_writer, unwritable_path_is_an_io_error_naming_the_file) {
    temp_dir dir;
    const fs::path path = dir / "missing-dir" / "x.parquet";
    try {
        table_writer w(path, {{"a", column_type::f64}});
        FAIL() << "no io_error";
    } catch (const core::io_error& e) {
        EXPECT_NE(std::string(e.what()).find(path.string()), std::string::npos) << e.what();
    }
}

TEST(parquet_writer, without_close_no_reader_accepts_the_file) {
    temp_dir dir;
    const std::vector<double> t = {1, 2};
    {
        table_writer w(dir / "open.parquet", {{"t", column_type::f64}});
        w.write_row_group(std::array<column_values, 1>{t});
    }
    EXPECT_NE(input_error_of([&] { table_reader(dir / "open.parquet"); }).find("no 'PAR1' at the end"),
              std::string::npos);
}

// ---------------------------------------------------------------------------------------------
// Reader rejects

TEST(parquet_reader, rejects_truncated_files_bad_magic_and_footer_past_the_file) {
    temp_dir dir;
    write_small(dir / "ok.parquet");
    const std::string bytes = read_file(dir / "ok.parquet");

    write_file(dir / "short.parquet", "PAR1PAR1");
    std::string msg = input_error_of([&] { table_reader(dir / "short.parquet"); });
    EXPECT_NE(msg.find("8 bytes; expected a Parquet file"), std::string::npos) << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos);
    EXPECT_EQ(msg.rfind((dir / "short.parquet").string(), 0), 0u) << msg;

    write_file(dir / "cut.parquet", bytes.substr(0, bytes.size() - 1));
    msg = input_error_of([&] { table_reader(dir / "cut.parquet"); });
    EXPECT_NE(msg.find("no 'PAR1' at the end"), std::string::npos) << msg;

    write_file(dir / "half.parquet", bytes.substr(0, bytes.size() / 2));
    EXPECT_NE(input_error_of([&] { table_reader(dir / "half.parquet"); }).find("no 'PAR1' at the end"),
              std::string::npos);

    std::string bad_magic = bytes;
    bad_magic[0] = 'X';
    write_file(dir / "magic.parquet", bad_magic);
    EXPECT_NE(input_error_of([&] { table_reader(dir / "magic.parquet"); }).find("no 'PAR1' at byte 0"),
              std::string::npos);

    std::string long_footer = bytes;
    const std::uint32_t too_long = static_cast<std::uint32_t>(bytes.size());
    std::memcpy(long_footer.data() + bytes.size() - 8, &too_long, 4);
    write_file(dir / "footer.parquet", long_footer);
    msg = input_error_of([&] { table_reader(dir / "footer.parquet"); });
    EXPECT_NE(msg.find("footer length"), std::string::npos) << msg;
    EXPECT_NE(msg.find("exceeds"), std::string::npos) << msg;

    std::string garbage_footer = bytes;
    std::memset(garbage_footer.data() + bytes.size() - 30, 0xff, 22);
    write_file(dir / "garbage.parquet", garbage_footer);
    msg = input_error_of([&] { table_reader(dir / "garbage.parquet"); });
    EXPECT_NE(msg.find("footer: "), std::string::npos) << msg;
}

TEST(parquet_reader, read_column_checks_the_type_and_indices) {
    temp_dir dir;
    write_small(dir / "ok.parquet");
    const table_reader r(dir / "ok.parquet");
    EXPECT_THROW(r.read_column<float>(0, 0), std::invalid_argument);
    EXPECT_THROW(r.read_column<std::int32_t>(0, 1), std::invalid_argument);  // u32 is not i32
    EXPECT_THROW(r.read_column<double>(1, 0), std::out_of_range);
    EXPECT_THROW(r.read_column<double>(0, 2), std::out_of_range);
    EXPECT_EQ(r.read_column<std::uint32_t>(0, 1), (std::vector<std::uint32_t>{7, 8, 9}));
}

// A valid file whose footer `edit` changes must be rejected with a message containing `fragment`.
void expect_rejected_footer(const std::function<void(format::file_meta&)>& edit, const std::string& fragment) {
    temp_dir dir;
    write_small(dir / "ok.parquet");
    split_file f = split(dir / "ok.parquet");
    edit(f.meta);
    join(dir / "edited.parquet", f);
    const std::string msg = input_error_of([&] { table_reader(dir / "edited.parquet"); });
    EXPECT_NE(msg.find(fragment), std::string::npos) << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
}

format::column_meta& first_chunk(format::file_meta& m) { return *m.row_groups.at(0).columns.at(0).meta_data; }

TEST(parquet_reader, rejects_what_it_cannot_read_correctly) {
    // The chunk says INT64 where the schema says DOUBLE: a column type mismatch.
    expect_rejected_footer([](format::file_meta& m) { first_chunk(m).type = format::type_int64; }, "physical type 2");
    expect_rejected_footer([](format::file_meta& m) { first_chunk(m).codec = 5; }, "compression codec LZ4 (5)");
    expect_rejected_footer([](format::file_meta& m) { first_chunk(m).codec = 9; }, "compression codec unknown (9)");
    expect_rejected_footer([](format::file_meta& m) { first_chunk(m).encodings.push_back(5); },
                           "encoding DELTA_BINARY_PACKED (5)");
    expect_rejected_footer([](format::file_meta& m) { first_chunk(m).encodings.push_back(9); },
                           "encoding BYTE_STREAM_SPLIT (9)");
    expect_rejected_footer([](format::file_meta& m) { first_chunk(m).index_page_offset = 4; }, "an index page");
    expect_rejected_footer([](format::file_meta& m) { first_chunk(m).dictionary_page_offset = 1; }, "pages at [1,");
    expect_rejected_footer([](format::file_meta& m) { m.schema[1].repetition_type = format::repetition_repeated; },
                           "column 'a' is REPEATED");
    expect_rejected_footer([](format::file_meta& m) { m.schema[0].num_children = 1; }, "nested columns");
    expect_rejected_footer([](format::file_meta& m) { m.schema[2].converted_type = 11; },  // UINT_8
                           "unsupported annotation");
    expect_rejected_footer([](format::file_meta& m) { m.schema[2].integer->bit_width = 16; }, "unsupported annotation");
    expect_rejected_footer([](format::file_meta& m) { m.num_rows = 4; }, "num_rows 4 but the row groups hold 3");
    expect_rejected_footer([](format::file_meta& m) { first_chunk(m).num_values = 2; }, "2 values for 3 rows");
    expect_rejected_footer([](format::file_meta& m) { first_chunk(m).total_compressed_size = 1 << 20; }, "pages at");
    expect_rejected_footer([](format::file_meta& m) { m.row_groups[0].columns.pop_back(); }, "1 column chunks");
    expect_rejected_footer([](format::file_meta& m) { m.version = 3; }, "format version 3");
}

TEST(parquet_reader, rejects_corrupt_pages_when_reading) {
    for (const codec c : {codec::none, codec::zstd}) {
        temp_dir dir;
        write_small(dir / "ok.parquet", c);
        split_file f = split(dir / "ok.parquet");
        // Claim one value less per page than stored: the page sizes no longer match.
        const format::column_meta& m = first_chunk(f.meta);
        std::size_t header_size = 0;
        format::page_header h = format::decode_page_header(
            as_bytes(f.data.substr(static_cast<std::size_t>(m.data_page_offset))), header_size);
        h.data_page->num_values -= 1;
        const std::string edited = format::encode(h);
        ASSERT_EQ(edited.size(), header_size);
        f.data.replace(static_cast<std::size_t>(m.data_page_offset), header_size, edited);
        join(dir / "bad.parquet", f);
        const table_reader r(dir / "bad.parquet");  // the footer is fine
        const std::string msg = input_error_of([&] { r.read_column<double>(0, 0); });
        EXPECT_NE(msg.find("row group 0, column 'a', page at byte 4"), std::string::npos) << msg;
    }
}

// Reads every column chunk with the element type of its column.
// The bytes of a vector's elements.
template <class T>
std::string bytes_of(const std::vector<T>& v) {
    return std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
}

// One column chunk read with the element type of its column, as bytes (values, then offsets;
// strings each behind its length): equal bytes, equal values.
std::string chunk_bytes(const table_reader& r, std::size_t g, std::size_t c) {
    switch (r.schema()[c].type) {
        case column_type::i32:
            return bytes_of(r.read_column<std::int32_t>(g, c));
        case column_type::u32:
            return bytes_of(r.read_column<std::uint32_t>(g, c));
        case column_type::i64:
            return bytes_of(r.read_column<std::int64_t>(g, c));
        case column_type::u64:
            return bytes_of(r.read_column<std::uint64_t>(g, c));
        case column_type::f32:
            return bytes_of(r.read_column<float>(g, c));
        case column_type::f64:
            return bytes_of(r.read_column<double>(g, c));
        case column_type::string: {
            std::string out;
            for (const std::string& s : r.read_strings(g, c)) out += std::to_string(s.size()) + ":" + s;
            return out;
        }
        case column_type::list_list_u8: {
            const u8_lists l = r.read_u8_lists(g, c);
            return bytes_of(l.values) + bytes_of(l.list_offsets) + bytes_of(l.row_offsets);
        }
        case column_type::list_u8: {
            const list_chunk<std::uint8_t> l = r.read_u8_list(g, c);
            return bytes_of(l.values) + bytes_of(l.offsets);
        }
        case column_type::list_u32: {
            const list_chunk<std::uint32_t> l = r.read_u32_list(g, c);
            return bytes_of(l.values) + bytes_of(l.offsets);
        }
    }
    return {};
}

// Every column chunk of the file read (chunk_bytes), row group after row group.
std::vector<std::string> read_everything(const table_reader& r) {
    std::vector<std::string> chunks;
    for (std::size_t g = 0; g < r.row_group_count(); ++g)
        for (std::size_t c = 0; c < r.schema().size(); ++c) chunks.push_back(chunk_bytes(r, g, c));
    return chunks;
}

// Reads every single-byte change of the file (4 per byte, written beside it) completely: each
// must be read or rejected with an input_error (an exception of another type fails the test).
// Returns how many changes were rejected, and the file's size.
std::pair<std::size_t, std::size_t> rejected_corruptions(const fs::path& path) {
    const std::string bytes = read_file(path);
    const fs::path corrupt_path = path.parent_path() / "corrupt.parquet";
    std::size_t rejected = 0;
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        const auto b = static_cast<unsigned char>(bytes[i]);
        for (const unsigned v : {0x00u, 0xffu, b ^ 0x01u, b ^ 0x80u}) {
            if (v == b) continue;
            std::string corrupt = bytes;
            corrupt[i] = static_cast<char>(v);
            write_file(corrupt_path, corrupt);
            try {
                read_everything(table_reader(corrupt_path));
            } catch (const core::input_error&) {
                ++rejected;
            }
        }
    }
    return {rejected, bytes.size()};
}

// Every single-byte change of a small file is read or rejected with an input_error: never
// another exception, a crash or an allocation that the file cannot back.
TEST(parquet_reader, single_byte_corruptions_are_read_or_rejected) {
    temp_dir dir;
    for (const codec c : {codec::none, codec::zstd}) {
        write_small(dir / "ok.parquet", c);
        const auto [rejected, bytes] = rejected_corruptions(dir / "ok.parquet");
        EXPECT_GT(rejected, bytes);  // most changes outside the values are caught
    }
}

// ---------------------------------------------------------------------------------------------
// Repetition / definition levels: the RLE / bit-packing hybrid against hand-computed bytes

std::string encoded_levels(std::vector<std::uint8_t> levels, int bit_width) {
    return hex(format::encode_levels(levels, bit_width));
}

TEST(parquet_levels, bit_width_covers_the_maximum_level) {
    EXPECT_EQ(format::level_bit_width(0), 0);
    EXPECT_EQ(format::level_bit_width(1), 1);
    EXPECT_EQ(format::level_bit_width(2), 2);
    EXPECT_EQ(format::level_bit_width(3), 2);
    EXPECT_EQ(format::level_bit_width(4), 3);
}

TEST(parquet_levels, short_runs_are_bit_packed_in_groups_of_eight) {
    // Header (1 group << 1) | 1 = 03; 0, 2, 2 at 2 bits from the low bit: 00 | 10 << 2 | 10 << 4
    // = 0x28, then the zero padding of the group (16 bits in all).
    EXPECT_EQ(encoded_levels({0, 2, 2}, 2), "03 28 00");
    // One level (width 2 and width 3: a group of bit_width bytes).
    EXPECT_EQ(encoded_levels({0}, 2), "03 00 00");
    EXPECT_EQ(encoded_levels({4}, 3), "03 04 00 00");
    // 20 alternating levels of 1 bit: 3 groups (8, 8, 4 + padding) in one run: header 07.
    std::vector<std::uint8_t> alternating;
    for (int i = 0; i < 20; ++i) alternating.push_back(static_cast<std::uint8_t>(i % 2));
    EXPECT_EQ(encoded_levels(alternating, 1), "07 aa aa 0a");
}

TEST(parquet_levels, runs_of_eight_or_more_are_rle) {
    // Header (10 << 1) = 0x14, then the value in one byte.
    EXPECT_EQ(encoded_levels(std::vector<std::uint8_t>(10, 4), 3), "14 04");
    // 200 << 1 = 400 = ULEB128 90 03.
    EXPECT_EQ(encoded_levels(std::vector<std::uint8_t>(200, 0), 1), "90 03 00");
    EXPECT_EQ(encoded_levels({}, 2), "");
}

TEST(parquet_levels, rle_and_bit_packed_runs_mix) {
    // 8 x 1 (RLE "10 01"), then 0, 2, 1 bit-packed: 00 | 10 << 2 | 01 << 4 = 0x18.
    std::vector<std::uint8_t> a(8, 1);
    a.insert(a.end(), {0, 2, 1});
    EXPECT_EQ(encoded_levels(a, 2), "10 01 03 18 00");
    // 1,0 x 4 bit-packed (01 00 01 00 per byte = 0x11, 0x11), then 9 x 3 as RLE "12 03".
    std::vector<std::uint8_t> b = {1, 0, 1, 0, 1, 0, 1, 0};
    b.insert(b.end(), 9, 3);
    EXPECT_EQ(encoded_levels(b, 2), "03 11 11 12 03");
}

TEST(parquet_levels, decode_inverts_encode_and_rejects_bad_streams) {
    std::vector<std::uint8_t> levels;
    std::uint32_t x = 12345;
    for (int i = 0; i < 5000; ++i) {
        x = x * 1103515245u + 12345u;
        const int run = static_cast<int>((x >> 16) % 20);  // short and long runs
        levels.insert(levels.end(), static_cast<std::size_t>(run), static_cast<std::uint8_t>((x >> 8) % 5));
    }
    const std::string bytes = format::encode_levels(levels, 3);
    EXPECT_EQ(format::decode_levels(as_bytes(bytes), 3, levels.size(), 4), levels);
    // A level above the maximum, bytes missing, bytes left over.
    EXPECT_THROW(format::decode_levels(as_bytes(bytes), 3, levels.size(), 3), thrift::decode_error);
    EXPECT_THROW(format::decode_levels(as_bytes(bytes.substr(0, bytes.size() - 1)), 3, levels.size(), 4),
                 thrift::decode_error);
    EXPECT_THROW(format::decode_levels(as_bytes(bytes + '\0'), 3, levels.size(), 4), thrift::decode_error);
    // An RLE run longer than the levels asked for.
    const std::string run = format::encode_levels(std::vector<std::uint8_t>(10, 1), 1);
    EXPECT_THROW(format::decode_levels(as_bytes(run), 1, 9, 1), thrift::decode_error);
}

// ---------------------------------------------------------------------------------------------
// String and list<list<u8>> columns

// Row matrices (units x bins each) with their data.
struct matrices {
    std::vector<std::uint8_t> data;
    std::vector<std::uint32_t> units, bins;
    u8_matrices view() const { return {data, units, bins}; }
};

// Matrices of the given shapes, value (seed + 3u + 7b) % 256 in row r at unit u, bin b.
matrices make_matrices(const std::vector<std::pair<std::uint32_t, std::uint32_t>>& shapes, unsigned seed = 0) {
    matrices m;
    for (std::size_t r = 0; r < shapes.size(); ++r) {
        const auto [units, bins] = shapes[r];
        m.units.push_back(units);
        m.bins.push_back(bins);
        for (std::uint32_t u = 0; u < units; ++u)
            for (std::uint32_t b = 0; b < bins; ++b)
                m.data.push_back(static_cast<std::uint8_t>((seed + r + 3 * u + 7 * b) % 256));
    }
    return m;
}

// The u8_lists a reader must return for matrices.
u8_lists as_lists(const matrices& m) {
    u8_lists l;
    l.values = m.data;
    for (std::size_t r = 0; r < m.units.size(); ++r) {
        for (std::uint32_t u = 0; u < m.units[r]; ++u) l.list_offsets.push_back(l.list_offsets.back() + m.bins[r]);
        l.row_offsets.push_back(l.row_offsets.back() + m.units[r]);
    }
    return l;
}

// num_values of each page of a column chunk (walking the page headers).
std::vector<std::int32_t> page_value_counts(const split_file& f, const format::column_meta& m) {
    std::vector<std::int32_t> counts;
    auto pos = static_cast<std::size_t>(m.data_page_offset);
    const std::size_t end = pos + static_cast<std::size_t>(m.total_compressed_size);
    while (pos < end) {
        std::size_t header_size = 0;
        const format::page_header h = format::decode_page_header(as_bytes(f.data.substr(pos)), header_size);
        counts.push_back(h.data_page->num_values);
        pos += header_size + static_cast<std::size_t>(h.compressed_page_size);
    }
    return counts;
}

std::vector<std::int32_t> page_value_counts(const fs::path& path) {
    const split_file f = split(path);
    return page_value_counts(f, *f.meta.row_groups.at(0).columns.at(0).meta_data);
}

// The bytes of column 0 of row group 0 from its first page's body on, as hex.
std::string first_page_body_hex(const fs::path& path) {
    const split_file f = split(path);
    const auto at = static_cast<std::size_t>(f.meta.row_groups.at(0).columns.at(0).meta_data->data_page_offset);
    std::size_t header_size = 0;
    format::decode_page_header(as_bytes(f.data.substr(at)), header_size);
    return hex(f.data.substr(at + header_size));
}

const std::vector<std::string> odd_strings = {"",
                                              "a",
                                              "sub-\xce\xb1",
                                              "Gr\xc3\xbc\xc3\x9f"
                                              "e \xf0\x9f\xa7\xa0",
                                              std::string("nul\0inside", 10),
                                              "\xff\xfe high bytes"};

TEST_P(parquet_codec, strings_round_trip_with_empty_and_non_ascii) {
    temp_dir dir;
    writer_options o;
    o.compression = GetParam();
    const std::vector<std::string> second = {"z", "", "zz"};
    const std::vector<std::uint32_t> n1 = {1, 2, 3, 4, 5, 6}, n2 = {7, 8, 9};
    {
        table_writer w(dir / "s.parquet", {{"name", column_type::string}, {"n", column_type::u32}}, o);
        w.write_row_group(std::array<column_values, 2>{odd_strings, n1});
        w.write_row_group(std::array<column_values, 2>{second, n2});
        w.close();
    }
    const table_reader r(dir / "s.parquet");
    EXPECT_EQ(r.schema(), (std::vector<column>{{"name", column_type::string}, {"n", column_type::u32}}));
    EXPECT_EQ(r.read_strings(0, 0), odd_strings);
    EXPECT_EQ(r.read_strings(1, 0), second);
    EXPECT_EQ(r.read_column<std::uint32_t>(1, 1), n2);
    EXPECT_THROW(r.read_strings(0, 1), std::invalid_argument);
    EXPECT_THROW(r.read_column<std::uint32_t>(0, 0), std::invalid_argument);
    EXPECT_THROW(r.read_u8_lists(0, 0), std::invalid_argument);
}

TEST(parquet_footer, string_schema_and_statistics_are_bytes_in_unsigned_order) {
    temp_dir dir;
    {
        table_writer w(dir / "s.parquet", {{"name", column_type::string}});
        w.write_row_group(std::array<column_values, 1>{odd_strings});
        w.close();
    }
    const split_file f = split(dir / "s.parquet");
    const format::schema_element& e = f.meta.schema.at(1);
    EXPECT_EQ(e.type, format::type_byte_array);
    EXPECT_EQ(e.converted_type, format::converted_utf8);
    EXPECT_TRUE(e.string);
    EXPECT_EQ(e.repetition_type, format::repetition_required);
    const format::statistics& s = *f.meta.row_groups[0].columns[0].meta_data->stats;
    EXPECT_EQ(s.min_value, "");                     // the empty string sorts first
    EXPECT_EQ(s.max_value, "\xff\xfe high bytes");  // 0xff above every ASCII byte: unsigned
    EXPECT_EQ(s.null_count, 0);
    // PLAIN BYTE_ARRAY: 4-byte little-endian length, then the bytes ("a" is the second value).
    EXPECT_NE(f.data.find(std::string("\x01\0\0\0a", 5)), std::string::npos);
}

TEST(parquet_writer, long_strings_split_pages_between_values) {
    temp_dir dir;
    const std::vector<std::string> big = {std::string(600'000, 'a'), std::string(600'000, 'b'), "c",
                                          std::string(2'000'000, 'd'), "e"};
    {
        writer_options o;
        o.compression = codec::none;
        table_writer w(dir / "s.parquet", {{"s", column_type::string}}, o);
        w.write_row_group(std::array<column_values, 1>{big});
        w.close();
    }
    const split_file f = split(dir / "s.parquet");
    // 600 KB + 600 KB exceeds 1 MiB; "c" joins the second; 2 MB has a page of its own.
    EXPECT_EQ(page_value_counts(f, *f.meta.row_groups[0].columns[0].meta_data),
              (std::vector<std::int32_t>{1, 2, 1, 1}));
    EXPECT_EQ(table_reader(dir / "s.parquet").read_strings(0, 0), big);
}

TEST_P(parquet_codec, nested_lists_round_trip_with_empty_rows_and_lists) {
    temp_dir dir;
    writer_options o;
    o.compression = GetParam();
    // 0 units (empty row), 3 units of 0 bins, 1 x 1, 2 x 3; then a row group of one 4 x 5.
    const matrices a = make_matrices({{0, 7}, {3, 0}, {1, 1}, {2, 3}});
    const matrices b = make_matrices({{4, 5}}, 250);
    const std::vector<std::string> ids_a = {"r0", "r1", "r2", "r3"}, ids_b = {"r4"};
    {
        table_writer w(dir / "l.parquet", {{"spike_counts", column_type::list_list_u8}, {"id", column_type::string}},
                       o);
        w.write_row_group(std::array<column_values, 2>{a.view(), ids_a});
        w.write_row_group(std::array<column_values, 2>{b.view(), ids_b});
        w.close();
        EXPECT_EQ(w.rows_written(), 5u);
    }
    const table_reader r(dir / "l.parquet");
    EXPECT_EQ(r.schema(),
              (std::vector<column>{{"spike_counts", column_type::list_list_u8}, {"id", column_type::string}}));
    EXPECT_EQ(r.row_group_rows(0), 4u);
    const u8_lists got = r.read_u8_lists(0, 0);
    EXPECT_EQ(got.row_offsets, (std::vector<std::uint64_t>{0, 0, 3, 4, 6}));
    EXPECT_EQ(got.list_offsets, (std::vector<std::uint64_t>{0, 0, 0, 0, 1, 4, 7}));
    EXPECT_EQ(got, as_lists(a));
    EXPECT_EQ(r.read_u8_lists(1, 0), as_lists(b));
    EXPECT_EQ(r.read_strings(1, 1), ids_b);
    EXPECT_THROW(r.read_column<std::int32_t>(0, 0), std::invalid_argument);
}

TEST(parquet_footer, nested_list_schema_is_pyarrows_and_levels_are_counted) {
    temp_dir dir;
    const matrices a = make_matrices({{0, 0}, {2, 0}, {1, 1}});
    {
        table_writer w(dir / "l.parquet", {{"spike_counts", column_type::list_list_u8}});
        w.write_row_group(std::array<column_values, 1>{a.view()});
        w.close();
    }
    const split_file f = split(dir / "l.parquet");
    const std::vector<format::schema_element>& s = f.meta.schema;
    ASSERT_EQ(s.size(), 6u);
    EXPECT_EQ(s[0].num_children, 1);
    const std::vector<std::string> names = {"spike_counts", "list", "element", "list", "element"};
    const std::vector<std::int32_t> repetition = {format::repetition_required, format::repetition_repeated,
                                                  format::repetition_optional, format::repetition_repeated,
                                                  format::repetition_optional};
    for (std::size_t i = 0; i < 5; ++i) {
        EXPECT_EQ(s[i + 1].name, names[i]);
        EXPECT_EQ(s[i + 1].repetition_type, repetition[i]) << i;
        EXPECT_EQ(s[i + 1].num_children, i < 4 ? std::optional<std::int32_t>(1) : std::nullopt);
    }
    EXPECT_TRUE(s[1].list && s[3].list && !s[2].list && !s[4].list);
    EXPECT_EQ(s[1].converted_type, format::converted_list);
    EXPECT_EQ(s[5].type, format::type_int32);
    EXPECT_EQ(s[5].converted_type, format::converted_uint_8);
    EXPECT_EQ(s[5].integer->bit_width, 8);
    EXPECT_FALSE(s[5].integer->is_signed);
    const format::column_meta& m = *f.meta.row_groups[0].columns[0].meta_data;
    EXPECT_EQ(m.path_in_schema, names);
    EXPECT_EQ(m.num_values, 4);  // levels: empty row, 2 empty inner lists, 1 value
    EXPECT_EQ(m.stats->null_count, 3);
    EXPECT_EQ(m.stats->min_value, std::string("\x02\0\0\0", 4));  // (0 + 2 + 0 + 0) % 256 as INT32
}

TEST(parquet_writer, nested_page_bytes_of_one_value) {
    temp_dir dir;
    const matrices a = {{7}, {1}, {1}};
    write_table(dir / "l.parquet", {{"c", column_type::list_list_u8}}, {a.view()}, codec::none);
    // Repetition levels {0}: one RLE run (header 1 << 1, value byte) behind its 4-byte length;
    // definition levels {4}: one RLE run; then the value 7 as a little-endian INT32.
    EXPECT_EQ(first_page_body_hex(dir / "l.parquet"), "02 00 00 00 02 00 02 00 00 00 02 04 07 00 00 00");
}

TEST(parquet_writer, nested_pages_hold_whole_rows) {
    temp_dir dir;
    // 100 x 1000 = 400 KB of INT32 per row: 2 rows per page; 300 x 1000 (1.2 MB) alone.
    const matrices a = make_matrices({{100, 1000}, {100, 1000}, {100, 1000}, {300, 1000}, {100, 1000}, {1, 1}});
    write_table(dir / "l.parquet", {{"c", column_type::list_list_u8}}, {a.view()}, codec::none);
    EXPECT_EQ(page_value_counts(dir / "l.parquet"), (std::vector<std::int32_t>{200'000, 100'000, 300'000, 100'001}));
    EXPECT_EQ(table_reader(dir / "l.parquet").read_u8_lists(0, 0), as_lists(a));
}

TEST(parquet_writer, rejects_matrices_whose_sizes_disagree) {
    temp_dir dir;
    table_writer w(dir / "l.parquet", {{"c", column_type::list_list_u8}});
    const std::vector<std::uint8_t> data = {1, 2, 3};
    const std::vector<std::uint32_t> units = {1, 1}, bins = {2, 2}, one = {1};
    EXPECT_THROW(w.write_row_group(std::array<column_values, 1>{u8_matrices{data, units, bins}}),
                 std::invalid_argument);
    EXPECT_THROW(w.write_row_group(std::array<column_values, 1>{u8_matrices{data, units, one}}), std::invalid_argument);
    const std::vector<std::string> s = {"x"};
    EXPECT_THROW(w.write_row_group(std::array<column_values, 1>{s}), std::invalid_argument);
    EXPECT_EQ(w.rows_written(), 0u);
}

// One row of a column of each list type, or of strings: [[1, 2]], [1, 2], [1, 2] or "x".
column_values one_row(column_type t) {
    static const matrices m = make_matrices({{1, 2}});
    static const std::vector<std::uint8_t> v8 = {1, 2};
    static const std::vector<std::uint32_t> v32 = {1, 2};
    static const std::vector<std::uint64_t> offsets = {0, 2};
    static const std::vector<std::string> s = {"x"};
    switch (t) {
        case column_type::list_list_u8:
            return m.view();
        case column_type::list_u8:
            return flat_lists<std::uint8_t>{v8, offsets};
        case column_type::list_u32:
            return flat_lists<std::uint32_t>{v32, offsets};
        default:
            return s;
    }
}

// A file of `schema` with one row (one_row) in one row group.
void write_one_row(const fs::path& path, const std::vector<column>& schema, codec c = codec::zstd) {
    std::vector<column_values> values;
    for (const column& col : schema) values.push_back(one_row(col.type));
    write_table(path, schema, values, c);
}

// A file of one list column of `type` whose single page is replaced by one of the given levels
// and values (to build what table_writer never writes: ragged inner lists, nulls, a REQUIRED
// leaf, which lowers the maximum definition level by one).
void write_list_page(const fs::path& path, const std::vector<std::uint8_t>& rep, const std::vector<std::uint8_t>& def,
                     const std::vector<std::int32_t>& values, std::int64_t rows,
                     column_type type = column_type::list_list_u8, bool required_leaf = false,
                     bool optional_row = false) {
    temp_dir dir;
    write_one_row(dir / "one.parquet", {{"c", type}}, codec::none);
    split_file f = split(dir / "one.parquet");
    if (required_leaf) f.meta.schema.back().repetition_type = format::repetition_required;
    if (optional_row) f.meta.schema[1].repetition_type = format::repetition_optional;
    std::string body;
    const int depth = list_depth(type), max_def = 2 * depth - int{required_leaf} + int{optional_row};
    for (const auto& [levels, max] : {std::pair{&rep, depth}, std::pair{&def, max_def}}) {
        const std::string enc = format::encode_levels(*levels, format::level_bit_width(max));
        const auto n = static_cast<std::uint32_t>(enc.size());
        body.append(reinterpret_cast<const char*>(&n), 4);
        body += enc;
    }
    body.append(reinterpret_cast<const char*>(values.data()), values.size() * 4);
    format::page_header h;
    h.uncompressed_page_size = h.compressed_page_size = static_cast<std::int32_t>(body.size());
    h.data_page = format::data_page_header{};
    h.data_page->num_values = static_cast<std::int32_t>(rep.size());
    const std::string page = format::encode(h) + body;
    f.data = "PAR1" + page;
    format::column_meta& m = *f.meta.row_groups[0].columns[0].meta_data;
    m.data_page_offset = 4;
    m.total_compressed_size = m.total_uncompressed_size = static_cast<std::int64_t>(page.size());
    m.num_values = static_cast<std::int64_t>(rep.size());
    m.stats.reset();
    f.meta.row_groups[0].num_rows = f.meta.num_rows = rows;
    join(path, f);
}

TEST(parquet_reader, reads_ragged_inner_lists) {
    temp_dir dir;
    // Row 0: [[1, 2, 3], [], [4]]; row 1: []; row 2: [[5, 6]].
    write_list_page(dir / "ragged.parquet", {0, 2, 2, 1, 1, 0, 0, 2}, {4, 4, 4, 2, 4, 0, 4, 4}, {1, 2, 3, 4, 5, 6}, 3);
    const u8_lists got = table_reader(dir / "ragged.parquet").read_u8_lists(0, 0);
    EXPECT_EQ(got.values, (std::vector<std::uint8_t>{1, 2, 3, 4, 5, 6}));
    EXPECT_EQ(got.list_offsets, (std::vector<std::uint64_t>{0, 3, 3, 4, 6}));
    EXPECT_EQ(got.row_offsets, (std::vector<std::uint64_t>{0, 3, 3, 4}));
}

// A file of one list column of `type` whose single page holds the given levels and values
// (write_list_page) must be rejected when read with one line naming the file and the column and
// containing `fragment`.
void expect_list_page_rejected(const std::vector<std::uint8_t>& rep, const std::vector<std::uint8_t>& def,
                               const std::vector<std::int32_t>& values, std::int64_t rows, const std::string& fragment,
                               column_type type, bool optional_row = false) {
    temp_dir dir;
    write_list_page(dir / "bad.parquet", rep, def, values, rows, type, false, optional_row);
    const table_reader r(dir / "bad.parquet");
    const std::string msg = input_error_of([&] { read_everything(r); });
    EXPECT_NE(msg.find(fragment), std::string::npos) << msg;
    EXPECT_NE(msg.find("bad.parquet: row group 0, column 'c'"), std::string::npos) << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
}

TEST(parquet_reader, rejects_nulls_and_bad_levels_in_lists) {
    const auto rejected = [](const std::vector<std::uint8_t>& rep, const std::vector<std::uint8_t>& def,
                             const std::vector<std::int32_t>& values, std::int64_t rows, const std::string& fragment) {
        expect_list_page_rejected(rep, def, values, rows, fragment, column_type::list_list_u8);
    };
    rejected({0, 1}, {4, 1}, {1}, 1, "a null inner list");
    rejected({0, 2}, {4, 3}, {1}, 1, "a null value");
    rejected({0}, {4}, {256}, 1, "value 256 outside 0..255");
    rejected({0}, {4}, {1, 2}, 1, "bytes of values for 1 values");
    rejected({0, 0}, {4, 4}, {1, 2}, 1, "pages hold 2 rows");
    rejected({1}, {4}, {1}, 1, "levels before the first row");
    rejected({0, 2}, {2, 4}, {1}, 1, "repetition level 2 continues an empty inner list");
    rejected({0, 2}, {4, 2}, {1}, 1, "an empty inner list continued");
    rejected({0, 1}, {0, 4}, {1}, 1, "repetition level 1 continues an empty row");
    rejected({0, 1}, {4, 0}, {1}, 1, "an empty row continued");
}

// A file of `schema` (write_one_row) whose footer `edit` changes must be rejected when opened,
// with a message containing `fragment`.
void expect_rejected_schema(const std::vector<column>& schema, const std::function<void(format::file_meta&)>& edit,
                            const std::string& fragment) {
    temp_dir dir;
    write_one_row(dir / "ok.parquet", schema);
    split_file f = split(dir / "ok.parquet");
    edit(f.meta);
    join(dir / "edited.parquet", f);
    const std::string msg = input_error_of([&] { table_reader(dir / "edited.parquet"); });
    EXPECT_NE(msg.find(fragment), std::string::npos) << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
}

TEST(parquet_reader, rejects_other_nestings_and_annotations) {
    const auto nested_rejected = [](const std::function<void(format::file_meta&)>& edit, const std::string& fragment) {
        expect_rejected_schema({{"c", column_type::list_list_u8}, {"s", column_type::string}}, edit, fragment);
    };
    // A repeated outer list, a signed or 16-bit leaf, a binary (unannotated) string, a path that
    // does not name the schema's nodes, a leaf that is not under two lists.
    nested_rejected([](format::file_meta& m) { m.schema[1].repetition_type = format::repetition_repeated; },
                    "group other than list<uint8>, list<uint32> or list<list<uint8>>");
    nested_rejected([](format::file_meta& m) { m.schema[5].integer->is_signed = true; }, "list<list<uint8>>");
    nested_rejected([](format::file_meta& m) { m.schema[5].converted_type = 12; }, "list<list<uint8>>");  // UINT_16
    nested_rejected([](format::file_meta& m) { m.schema[3].list = false, m.schema[3].converted_type.reset(); },
                    "list<list<uint8>>");
    nested_rejected(
        [](format::file_meta& m) {
            m.schema[6].string = false;
            m.schema[6].converted_type.reset();
        },
        "column 's' has physical type 6 with an unsupported annotation");
    nested_rejected([](format::file_meta& m) { m.row_groups[0].columns[0].meta_data->path_in_schema[2] = "item"; },
                    "path_in_schema differs");
    nested_rejected([](format::file_meta& m) { m.schema[0].num_children = 6; }, "nested columns");
}

// Every single-byte change of a small file of strings and lists (both nestings) is read or
// rejected with an input_error (the levels and lengths are parsed from the file: none may be
// trusted).
TEST(parquet_reader, single_byte_corruptions_of_strings_and_lists_are_read_or_rejected) {
    temp_dir dir;
    const matrices a = make_matrices({{0, 0}, {2, 0}, {1, 1}, {2, 9}});
    const std::vector<std::string> s = {"", "ab", "\xce\xb1", "long enough string"};
    const list_chunk<std::uint8_t> f8 = {{1, 2, 255, 9}, {0, 0, 3, 3, 4}};
    const list_chunk<std::uint32_t> f32 = {{7, 4294967295u, 0, 1u << 31, 5}, {0, 1, 1, 3, 5}};
    const std::vector<column> schema = {{"c", column_type::list_list_u8},
                                        {"s", column_type::string},
                                        {"f8", column_type::list_u8},
                                        {"f32", column_type::list_u32}};
    for (const codec c : {codec::none, codec::zstd}) {
        write_table(dir / "ok.parquet", schema, {a.view(), s, f8.view(), f32.view()}, c);
        const auto [rejected, bytes] = rejected_corruptions(dir / "ok.parquet");
        EXPECT_GT(rejected, bytes);
    }
}

// ---------------------------------------------------------------------------------------------
// list<u8> and list<u32> columns

// Rows of the given sizes, value(r, i) at row r, index i (as T: uint8 keeps the low byte).
template <class T>
list_chunk<T> make_flat(const std::vector<std::size_t>& sizes,
                        const std::function<std::uint64_t(std::size_t, std::size_t)>& value) {
    list_chunk<T> l;
    for (std::size_t r = 0; r < sizes.size(); ++r) {
        for (std::size_t i = 0; i < sizes[r]; ++i) l.values.push_back(static_cast<T>(value(r, i)));
        l.offsets.push_back(l.values.size());
    }
    return l;
}

const std::vector<column> flat_schema = {{"bins", column_type::list_u8}, {"ids", column_type::list_u32}};

TEST(parquet_writer, column_values_hold_flat_lists) {
    const std::vector<std::uint8_t> v = {1, 2};
    const std::vector<std::uint64_t> offsets = {0, 0, 2};
    const column_values c(flat_lists<std::uint8_t>{v, offsets});
    EXPECT_EQ(c.type(), column_type::list_u8);
    EXPECT_EQ(c.size(), 2u);
    EXPECT_EQ(c.get_lists<std::uint8_t>().values.data(), v.data());
    EXPECT_THROW(c.get_lists<std::uint32_t>(), std::invalid_argument);
    EXPECT_THROW(c.get_matrices(), std::invalid_argument);
    EXPECT_EQ(column_values(flat_lists<std::uint32_t>{}).type(), column_type::list_u32);
    EXPECT_EQ(column_values(flat_lists<std::uint32_t>{}).size(), 0u);
    EXPECT_STREQ(to_string(column_type::list_u8), "list<u8>");
    EXPECT_STREQ(to_string(column_type::list_u32), "list<u32>");
    EXPECT_EQ(list_depth(column_type::list_u32), 1);
    EXPECT_EQ(list_depth(column_type::list_list_u8), 2);
    EXPECT_EQ(list_depth(column_type::string), 0);
}

TEST_P(parquet_codec, flat_lists_round_trip_with_empty_rows_and_values_above_2_pow_31) {
    temp_dir dir;
    writer_options o;
    o.compression = GetParam();
    // Rows [], [1, 2, 3], [], [255], [0]; then a row group of one empty row.
    const list_chunk<std::uint8_t> a8 = {{1, 2, 3, 255, 0}, {0, 0, 3, 3, 4, 5}}, b8 = {{}, {0, 0}};
    const list_chunk<std::uint32_t> a32 = {{0, 2147483648u, 4294967295u, 2147483647u, 7}, {0, 0, 3, 3, 4, 5}},
                                    b32 = {{1u << 31}, {0, 1}};
    const std::vector<std::uint32_t> na = {1, 2, 3, 4, 5}, nb = {6}, none;
    {
        table_writer w(dir / "f.parquet", {flat_schema[0], flat_schema[1], {"n", column_type::u32}}, o);
        w.write_row_group(std::array<column_values, 3>{a8.view(), a32.view(), na});
        // Zero rows (offsets {0}) write nothing.
        w.write_row_group(
            std::array<column_values, 3>{list_chunk<std::uint8_t>{}.view(), list_chunk<std::uint32_t>{}.view(), none});
        w.write_row_group(std::array<column_values, 3>{b8.view(), b32.view(), nb});
        w.close();
        EXPECT_EQ(w.rows_written(), 6u);
    }
    const table_reader r(dir / "f.parquet");
    EXPECT_EQ(r.schema(), (std::vector<column>{flat_schema[0], flat_schema[1], {"n", column_type::u32}}));
    ASSERT_EQ(r.row_group_count(), 2u);
    EXPECT_EQ(r.read_u8_list(0, 0), a8);
    EXPECT_EQ(r.read_u32_list(0, 1), a32);
    EXPECT_EQ(r.read_u8_list(1, 0), b8);
    EXPECT_EQ(r.read_u32_list(1, 1), b32);
    EXPECT_EQ(r.read_column<std::uint32_t>(1, 2), nb);
    EXPECT_THROW(r.read_u32_list(0, 0), std::invalid_argument);
    EXPECT_THROW(r.read_u8_list(0, 1), std::invalid_argument);
    EXPECT_THROW(r.read_u8_lists(0, 0), std::invalid_argument);
    EXPECT_THROW(r.read_column<std::uint32_t>(0, 1), std::invalid_argument);
    EXPECT_THROW(r.read_u8_list(0, 2), std::invalid_argument);
    EXPECT_THROW(r.read_u8_list(2, 0), std::out_of_range);
}

TEST_P(parquet_codec, flat_lists_of_an_empty_table) {
    temp_dir dir;
    writer_options o;
    o.compression = GetParam();
    {
        table_writer w(dir / "e.parquet", flat_schema, o);
        w.write_row_group(
            std::array<column_values, 2>{list_chunk<std::uint8_t>{}.view(), list_chunk<std::uint32_t>{}.view()});
        w.close();
    }
    const table_reader r(dir / "e.parquet");
    EXPECT_EQ(r.schema(), flat_schema);
    EXPECT_EQ(r.num_rows(), 0u);
    EXPECT_EQ(r.row_group_count(), 0u);
}

TEST_P(parquet_codec, flat_lists_over_several_pages_round_trip) {
    temp_dir dir;
    // 2000 rows of 0..999 values (about 4 MB of INT32 per column), some empty.
    std::vector<std::size_t> sizes;
    for (std::size_t r = 0; r < 2000; ++r) sizes.push_back(r * 7 % 1000);
    const auto a8 = make_flat<std::uint8_t>(sizes, [](std::size_t r, std::size_t i) { return r + 3 * i; });
    const auto a32 = make_flat<std::uint32_t>(
        sizes, [](std::size_t r, std::size_t i) { return r * 2654435761u + i * 40503u; });  // mod 2^32
    write_table(dir / "f.parquet", flat_schema, {a8.view(), a32.view()}, GetParam());
    const split_file f = split(dir / "f.parquet");
    for (std::size_t c = 0; c < 2; ++c) {
        const format::column_meta& m = *f.meta.row_groups[0].columns[c].meta_data;
        EXPECT_GE(page_value_counts(f, m).size(), 4u) << c;
        EXPECT_EQ(m.stats->null_count, 2);  // rows 0 and 1000
    }
    const table_reader r(dir / "f.parquet");
    EXPECT_EQ(r.read_u8_list(0, 0), a8);
    EXPECT_EQ(r.read_u32_list(0, 1), a32);
}

TEST(parquet_footer, flat_list_schemas_are_pyarrows_and_levels_are_counted) {
    temp_dir dir;
    const list_chunk<std::uint8_t> bins = {{5, 9}, {0, 0, 2, 2}};               // [], [5, 9], []
    const list_chunk<std::uint32_t> ids = {{4294967295u, 0, 1}, {0, 1, 1, 3}};  // [2^32 - 1], [], [0, 1]
    write_table(dir / "f.parquet", flat_schema, {bins.view(), ids.view()});
    const split_file f = split(dir / "f.parquet");
    const std::vector<format::schema_element>& s = f.meta.schema;
    ASSERT_EQ(s.size(), 7u);
    EXPECT_EQ(s[0].num_children, 2);
    const std::vector<std::int32_t> repetition = {format::repetition_required, format::repetition_repeated,
                                                  format::repetition_optional};
    for (const std::size_t first : {1u, 4u}) {
        const std::vector<std::string> names = {first == 1 ? "bins" : "ids", "list", "element"};
        for (std::size_t i = 0; i < 3; ++i) {
            EXPECT_EQ(s[first + i].name, names[i]);
            EXPECT_EQ(s[first + i].repetition_type, repetition[i]) << i;
            EXPECT_EQ(s[first + i].num_children, i < 2 ? std::optional<std::int32_t>(1) : std::nullopt);
        }
        EXPECT_TRUE(s[first].list && !s[first + 1].list && !s[first + 2].list);
        EXPECT_EQ(s[first].converted_type, format::converted_list);
        EXPECT_FALSE(s[first + 1].converted_type);
        EXPECT_EQ(s[first + 2].type, format::type_int32);
        EXPECT_FALSE(s[first + 2].integer->is_signed);
        EXPECT_EQ(f.meta.row_groups[0].columns[first == 1 ? 0 : 1].meta_data->path_in_schema, names);
    }
    EXPECT_EQ(s[3].converted_type, format::converted_uint_8);
    EXPECT_EQ(s[3].integer->bit_width, 8);
    EXPECT_EQ(s[6].converted_type, format::converted_uint_32);
    EXPECT_EQ(s[6].integer->bit_width, 32);
    const format::column_meta& b = *f.meta.row_groups[0].columns[0].meta_data;
    EXPECT_EQ(b.num_values, 4);  // levels: 2 empty rows, 2 values
    EXPECT_EQ(b.stats->null_count, 2);
    EXPECT_EQ(b.stats->min_value, std::string("\x05\0\0\0", 4));
    EXPECT_EQ(b.stats->max_value, std::string("\x09\0\0\0", 4));
    const format::column_meta& i = *f.meta.row_groups[0].columns[1].meta_data;
    EXPECT_EQ(i.num_values, 4);
    EXPECT_EQ(i.stats->null_count, 1);
    // Unsigned order (UINT_32): 0 .. 2^32 - 1, not the int32 order -1 .. 1.
    EXPECT_EQ(i.stats->min_value, std::string("\0\0\0\0", 4));
    EXPECT_EQ(i.stats->max_value, "\xff\xff\xff\xff");
}

TEST(parquet_writer, flat_list_page_bytes) {
    temp_dir dir;
    const list_chunk<std::uint8_t> rows = {{7}, {0, 1, 1}};  // [7], []
    write_table(dir / "f.parquet", {{"c", column_type::list_u8}}, {rows.view()}, codec::none);
    // Repetition levels {0, 0}: one RLE run of 2 (header 2 << 1, value); definition levels
    // {2, 0}: two RLE runs of 1; each stream behind its 4-byte length; then 7 as an INT32.
    EXPECT_EQ(first_page_body_hex(dir / "f.parquet"), "02 00 00 00 04 00 04 00 00 00 02 02 02 00 07 00 00 00");
}

TEST(parquet_writer, flat_list_pages_hold_whole_rows) {
    temp_dir dir;
    // 100 000 values = 400 KB of INT32: 2 rows per page; 300 000 (1.2 MB) alone; then an empty
    // row, which opens the next page (the full page has no room for its level).
    const std::vector<std::size_t> sizes = {100'000, 100'000, 100'000, 300'000, 0, 100'000, 1};
    const auto rows = make_flat<std::uint32_t>(sizes, [](std::size_t r, std::size_t i) { return (r << 28) + i; });
    write_table(dir / "f.parquet", {{"c", column_type::list_u32}}, {rows.view()}, codec::none);
    EXPECT_EQ(page_value_counts(dir / "f.parquet"), (std::vector<std::int32_t>{200'000, 100'000, 300'000, 100'002}));
    EXPECT_EQ(table_reader(dir / "f.parquet").read_u32_list(0, 0), rows);
}

TEST(parquet_writer, rejects_bad_flat_list_offsets) {
    temp_dir dir;
    table_writer w(dir / "f.parquet", {{"c", column_type::list_u8}});
    const std::vector<std::uint8_t> v = {1, 2, 3};
    const auto message = [&](const column_values& c) -> std::string {
        try {
            w.write_row_group(std::array<column_values, 1>{c});
        } catch (const std::invalid_argument& e) {
            return e.what();
        }
        return "no std::invalid_argument";
    };
    const auto offsets_message = [&](const std::vector<std::uint64_t>& offsets) {
        return message(flat_lists<std::uint8_t>{v, offsets});
    };
    EXPECT_EQ(offsets_message({}),
              "parquet::table_writer: column 'c' has no offsets; expected rows + 1 offsets from 0 to the number of "
              "values");
    EXPECT_EQ(offsets_message({1, 3}), "parquet::table_writer: column 'c' has offsets[0] = 1; expected 0");
    EXPECT_EQ(offsets_message({0, 2, 1, 3}),
              "parquet::table_writer: column 'c' has offsets[2] = 1 below offsets[1] = 2; expected non-decreasing "
              "offsets");
    EXPECT_EQ(offsets_message({0, 2}),
              "parquet::table_writer: column 'c' has 3 values, its last offset is 2; expected offsets to end at the "
              "number of values");
    EXPECT_NE(offsets_message({0, 1, 4}).find("its last offset is 4"), std::string::npos);
    const std::vector<std::uint32_t> v32 = {1};
    const std::vector<std::uint64_t> one = {0, 1};
    EXPECT_EQ(message(flat_lists<std::uint32_t>{v32, one}),
              "parquet::table_writer: column 'c' is list<u8>, values given are list<u32>");
    EXPECT_EQ(w.rows_written(), 0u);
}

TEST(parquet_reader, reads_and_rejects_hand_built_flat_list_levels) {
    temp_dir dir;
    // Rows [1, 2, 3], [], [4, 5].
    write_list_page(dir / "ok.parquet", {0, 1, 1, 0, 0, 1}, {2, 2, 2, 0, 2, 2}, {1, 2, 3, 4, 5}, 3,
                    column_type::list_u8);
    EXPECT_EQ(table_reader(dir / "ok.parquet").read_u8_list(0, 0),
              (list_chunk<std::uint8_t>{{1, 2, 3, 4, 5}, {0, 3, 3, 5}}));
    // A REQUIRED element (max definition level 1): [7], [].
    write_list_page(dir / "required.parquet", {0, 0}, {1, 0}, {7}, 2, column_type::list_u8, true);
    EXPECT_EQ(table_reader(dir / "required.parquet").read_u8_list(0, 0), (list_chunk<std::uint8_t>{{7}, {0, 1, 1}}));
    // uint32: the INT32 bit pattern.
    write_list_page(dir / "ok32.parquet", {0, 1}, {2, 2}, {-1, std::numeric_limits<std::int32_t>::min()}, 1,
                    column_type::list_u32);
    EXPECT_EQ(table_reader(dir / "ok32.parquet").read_u32_list(0, 0),
              (list_chunk<std::uint32_t>{{4294967295u, 2147483648u}, {0, 2}}));

    const auto rejected = [](const std::vector<std::uint8_t>& rep, const std::vector<std::uint8_t>& def,
                             const std::vector<std::int32_t>& values, std::int64_t rows, const std::string& fragment,
                             column_type type = column_type::list_u8) {
        expect_list_page_rejected(rep, def, values, rows, fragment, type);
    };
    rejected({0, 1}, {2, 1}, {1}, 1, "level 1: a null value");
    rejected({0, 1}, {2, 1}, {1}, 1, "level 1: a null value", column_type::list_u32);
    rejected({0}, {2}, {256}, 1, "value 256 outside 0..255");
    rejected({0}, {2}, {-1}, 1, "value -1 outside 0..255");
    rejected({0}, {2}, {1, 2}, 1, "8 bytes of values for 1 values");
    rejected({0, 0}, {2, 0}, {}, 1, "0 bytes of values for 1 values", column_type::list_u32);
    rejected({0, 0}, {2, 2}, {1, 2}, 1, "pages hold 2 rows");
    rejected({0, 1, 1}, {2, 2, 2}, {1, 2, 3}, 2, "pages hold 1 rows; expected 2 (the row count)",
             column_type::list_u32);
    rejected({1}, {2}, {1}, 1, "levels before the first row");
    rejected({0, 1}, {0, 2}, {1}, 1, "level 1: repetition level 1 continues an empty row");
    rejected({0, 1}, {2, 0}, {1}, 1, "level 1: an empty row continued");
    rejected({0}, {3}, {1}, 1, "level 3 exceeds the maximum 2");
    rejected(
        {0}, {1}, {}, 1,
        "level 0: a null value in row 0 (row 0 of row group 0); expected list<u32> levels and values without nulls",
        column_type::list_u32);
}

TEST(parquet_reader, rejects_other_list_element_types) {
    // Columns c (list<u8>: schema 1-3), d (list<u32>: schema 4-6), s (string: schema 7).
    const auto flat_rejected = [](const std::function<void(format::file_meta&)>& edit, const std::string& fragment) {
        expect_rejected_schema({{"c", column_type::list_u8}, {"d", column_type::list_u32}, {"s", column_type::string}},
                               edit, fragment);
    };
    const std::string other_element = "is a list of elements of physical type";
    // list<int8>, list<uint16>, list<int32> (no annotation), list<uint64>, list<string>.
    flat_rejected([](format::file_meta& m) { m.schema[3].integer->is_signed = true; }, "column 'c' " + other_element);
    flat_rejected(
        [](format::file_meta& m) {
            m.schema[3].integer->bit_width = 16;
            m.schema[3].converted_type = 12;  // UINT_16
        },
        "column 'c' " + other_element + " 1");
    flat_rejected(
        [](format::file_meta& m) {
            m.schema[6].integer.reset();
            m.schema[6].converted_type.reset();
        },
        "column 'd' " + other_element + " 1");
    flat_rejected(
        [](format::file_meta& m) {
            m.schema[6].type = format::type_int64;
            m.schema[6].integer->bit_width = 64;
            m.schema[6].converted_type = format::converted_uint_64;
        },
        "column 'd' " + other_element + " 2");
    flat_rejected(
        [](format::file_meta& m) {
            m.schema[6].type = format::type_byte_array;
            m.schema[6].integer.reset();
            m.schema[6].converted_type = format::converted_utf8;
            m.schema[6].string = true;
        },
        "column 'd' " + other_element + " 6");
    // A repeated element, a repeated outer group, a non-repeated middle group.
    flat_rejected([](format::file_meta& m) { m.schema[3].repetition_type = format::repetition_repeated; },
                  "unsupported annotation or repetition");
    flat_rejected([](format::file_meta& m) { m.schema[4].repetition_type = format::repetition_repeated; },
                  "column 'd' is a group other than list<uint8>, list<uint32> or list<list<uint8>>");
    flat_rejected([](format::file_meta& m) { m.schema[2].repetition_type = format::repetition_required; },
                  "column 'c' is a group other than");
    flat_rejected([](format::file_meta& m) { m.row_groups[0].columns[1].meta_data->path_in_schema[2] = "item"; },
                  "row group 0, column 'd': path_in_schema differs");
    flat_rejected([](format::file_meta& m) { m.row_groups[0].columns[0].meta_data->num_values = 0; },
                  "0 values for 1 rows");
    // list<list<uint32>>: a two-deep nesting of uint32.
    expect_rejected_schema(
        {{"c", column_type::list_list_u8}},
        [](format::file_meta& m) {
            m.schema[5].integer->bit_width = 32;
            m.schema[5].converted_type = format::converted_uint_32;
        },
        "column 'c' is a list of lists of elements of physical type 1 with an unsupported annotation");
}

// ---------------------------------------------------------------------------------------------
// Other writers' shapes: OPTIONAL nodes, dictionary pages, SNAPPY / GZIP, DataPage v2. Here the
// pages of files table_writer wrote uncompressed are rewritten into these shapes (transcode);
// DuckDB writes them independently in tests/python/test_parquet_foreign.py.

TEST(parquet_dictionary, indices_of_hand_computed_bytes) {
    // Bit width 3, one bit-packed group of 0..7 (Encodings.md's example: 88 c6 fa).
    EXPECT_EQ(format::decode_dictionary_indices(as_bytes(std::string("\x03\x03\x88\xc6\xfa", 5)), 8, 8),
              (std::vector<std::uint32_t>{0, 1, 2, 3, 4, 5, 6, 7}));
    // Bit width 10: an RLE run of 5 x 515 (value in 2 bytes), then 3 bit-packed (a padded group).
    const std::string rle("\x0a\x0a\x03\x02\x03\x01\x0c\x00\x00\x00\x00\x00\x00\x00\x00", 15);
    EXPECT_EQ(format::decode_dictionary_indices(as_bytes(rle), 8, 600),
              (std::vector<std::uint32_t>{515, 515, 515, 515, 515, 1, 3, 0}));
    // Bit width 0: every index 0; bit width 32: whole words.
    EXPECT_EQ(format::decode_dictionary_indices(as_bytes(std::string("\x00\x08", 2)), 4, 1),
              (std::vector<std::uint32_t>{0, 0, 0, 0}));
    std::string wide("\x20\x03", 2);
    for (std::uint32_t v : {0xfffffffeu, 7u, 0x80000000u, 1u, 0u, 2u, 3u, 4u})
        wide.append(reinterpret_cast<char*>(&v), 4);
    EXPECT_EQ(format::decode_dictionary_indices(as_bytes(wide), 3, std::size_t{1} << 32),
              (std::vector<std::uint32_t>{0xfffffffeu, 7u, 0x80000000u}));
    EXPECT_TRUE(format::decode_dictionary_indices({}, 0, 0).empty());  // no values: nothing read
    const auto error = [](const std::string& bytes, std::size_t count, std::size_t size) {
        try {
            format::decode_dictionary_indices(as_bytes(bytes), count, size);
        } catch (const thrift::decode_error& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    EXPECT_EQ(error(std::string("\x03\x03\x88\xc6\xfa", 5), 8, 7),
              "dictionary index 7 out of range (the dictionary has 7 values)");
    EXPECT_EQ(error(std::string("\x21\x02\x00\x00\x00\x00\x00", 7), 1, 9),
              "dictionary indices: bit width 33 (at most 32)");
    EXPECT_EQ(error("", 1, 9), "dictionary indices: no bit width byte");
    EXPECT_EQ(error(std::string("\x03\x03\x88\xc6", 4), 8, 8),
              "dictionary indices: bit-packed run of 1 groups beyond the 3 bytes");
    // A last bit-packed run padded with whole groups (DuckDB pads to 32): the padding is skipped.
    EXPECT_EQ(format::decode_dictionary_indices(as_bytes(std::string("\x03\x05\x88\xc6\xfa\x00\x00\x00", 8)), 3, 8),
              (std::vector<std::uint32_t>{0, 1, 2}));
    EXPECT_NE(error(std::string("\x03\x03\x88\xc6\xfa\x00", 6), 8, 8).find("1 bytes after 8"), std::string::npos);
}

// Sets the bits of value i (of `width` bits) in bit-packed `packed`, least significant bit first.
void pack_bits(std::string& packed, std::size_t i, std::uint32_t value, int width) {
    for (int b = 0; b < width; ++b)
        if ((value >> b) & 1u) packed[(i * width + b) / 8] |= static_cast<char>(1 << ((i * width + b) % 8));
}

// Random indices of every bit width, bit-packed by a plain bit writer, decode as written.
TEST(parquet_dictionary, bit_packed_indices_of_every_width) {
    std::uint64_t x = 88172645463325252u;
    for (int width = 1; width <= 32; ++width) {
        std::vector<std::uint32_t> indices(29);  // 4 groups, the last one padded
        std::string bytes(1, static_cast<char>(width));
        bytes += static_cast<char>((4 << 1) | 1);
        std::string packed(4 * static_cast<std::size_t>(width), '\0');
        for (std::size_t i = 0; i < indices.size(); ++i) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            indices[i] = static_cast<std::uint32_t>(x & ((std::uint64_t{1} << width) - 1));
            pack_bits(packed, i, indices[i], width);
        }
        EXPECT_EQ(format::decode_dictionary_indices(as_bytes(bytes + packed), indices.size(), std::size_t{1} << 32),
                  indices)
            << "bit width " << width;
    }
}

std::string compressed(std::int32_t codec, std::string_view plain) {
    std::string out;
    switch (codec) {
        case format::codec_snappy:
            snappy::Compress(plain.data(), plain.size(), &out);
            return out;
        case format::codec_gzip: {
            z_stream s{};
            EXPECT_EQ(deflateInit2(&s, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);  // 16: gzip header
            out.resize(deflateBound(&s, static_cast<uLong>(plain.size())));
            s.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(plain.data()));
            s.avail_in = static_cast<uInt>(plain.size());
            s.next_out = reinterpret_cast<Bytef*>(out.data());
            s.avail_out = static_cast<uInt>(out.size());
            EXPECT_EQ(deflate(&s, Z_FINISH), Z_STREAM_END);
            out.resize(s.total_out);
            deflateEnd(&s);
            return out;
        }
        case format::codec_zstd:
            out.resize(ZSTD_compressBound(plain.size()));
            out.resize(ZSTD_compress(out.data(), out.size(), plain.data(), plain.size(), 3));
            return out;
        default:
            return std::string(plain);
    }
}

// Dictionary indices as a data page stores them: the bit width, an RLE run of the first index,
// then the rest bit-packed (both kinds of run), by a plain bit writer.
std::string encoded_indices(const std::vector<std::uint32_t>& indices, int width) {
    std::string out(1, static_cast<char>(width));
    if (indices.empty()) return out;
    thrift::writer header;
    header.varint(2);  // an RLE run of 1
    const std::size_t rest = indices.size() - 1, groups = (rest + 7) / 8;
    if (groups > 0) header.varint((groups << 1) | 1);
    std::string run = header.bytes().substr(0, 1);
    for (int b = 0; b < (width + 7) / 8; ++b) run += static_cast<char>(indices[0] >> (8 * b));
    std::string packed(groups * static_cast<std::size_t>(width), '\0');
    for (std::size_t i = 0; i < rest; ++i) pack_bits(packed, i, indices[1 + i], width);
    return out + run + header.bytes().substr(1) + packed;
}

// How transcode() rewrites a file.
struct transcoding {
    std::int32_t codec = format::codec_uncompressed;
    bool v2 = false;        // DataPage v2 (with a codec, every other page's values left uncompressed)
    bool optional = false;  // top-level nodes OPTIONAL, as pyarrow writes nullable fields
    enum class encoding { plain, dictionary, fallback } values = encoding::plain;  // fallback: page 0 only
    std::optional<std::size_t> null_row;  // with `optional`: this row of each flat chunk's first page null
    bool short_dictionary = false;        // the dictionary page lacks its last value
    bool no_dictionary_page = false;
};

// One page of an uncompressed chunk of table_writer's: levels (the hybrid, without the length)
// and PLAIN values, split into values.
struct plain_page {
    std::int32_t levels = 0;
    std::string rep, def;
    std::vector<std::string> values;  // fixed width: the bytes; strings: length and bytes
};

std::vector<plain_page> plain_pages(const split_file& f, const format::column_meta& m, int depth, std::size_t width) {
    std::vector<plain_page> pages;
    auto pos = static_cast<std::size_t>(m.data_page_offset);
    const std::size_t end = pos + static_cast<std::size_t>(m.total_compressed_size);
    while (pos < end) {
        std::size_t header_size = 0;
        const format::page_header h = format::decode_page_header(as_bytes(f.data.substr(pos)), header_size);
        const std::string body = f.data.substr(pos + header_size, static_cast<std::size_t>(h.compressed_page_size));
        pos += header_size + body.size();
        plain_page p;
        p.levels = h.data_page->num_values;
        std::size_t at = 0;
        const auto take = [&](std::size_t n) {
            at += n;
            return body.substr(at - n, n);
        };
        const auto length = [&](std::size_t offset) {
            std::uint32_t n = 0;
            std::memcpy(&n, body.data() + offset, 4);
            return std::size_t{n};
        };
        if (depth > 0) {
            take(4), p.rep = take(length(at - 4));
            take(4), p.def = take(length(at - 4));
        }
        while (at < body.size()) p.values.push_back(width ? take(width) : take(4 + length(at)));
        pages.push_back(std::move(p));
    }
    return pages;
}

// Levels one higher (an OPTIONAL node above them all): flat columns get definition levels 1.
std::string raised_levels(const std::string& def, int max_def, std::size_t count) {
    std::vector<std::uint8_t> levels(count, 0);
    if (max_def > 0)
        levels = format::decode_levels(as_bytes(def), format::level_bit_width(max_def), count,
                                       static_cast<std::uint8_t>(max_def));
    for (std::uint8_t& l : levels) ++l;
    return format::encode_levels(levels, format::level_bit_width(max_def + 1));
}

// One page as the transcoding writes it: header and stored bytes (`index`: data pages of the file
// before this one).
std::string page_bytes(const transcoding& t, std::size_t index, std::int32_t encoding, std::int32_t levels,
                       std::int32_t rows, const std::string& rep, const std::string& def, const std::string& values) {
    format::page_header h;
    std::string stored;
    if (!t.v2) {
        std::string body;
        for (const std::string* l : {&rep, &def}) {
            if (l->empty()) continue;
            const auto n = static_cast<std::uint32_t>(l->size());
            body.append(reinterpret_cast<const char*>(&n), 4);
            body += *l;
        }
        body += values;
        stored = compressed(t.codec, body);
        h.uncompressed_page_size = static_cast<std::int32_t>(body.size());
        h.data_page = format::data_page_header{levels, encoding};
    } else {
        const bool compress = t.codec != format::codec_uncompressed && index % 2 == 0;
        stored = rep + def + (compress ? compressed(t.codec, values) : values);
        h.type = format::page_data_v2;
        h.uncompressed_page_size = static_cast<std::int32_t>(rep.size() + def.size() + values.size());
        h.data_page_v2 = format::data_page_header_v2{
            levels,  0, rows, encoding, static_cast<std::int32_t>(def.size()), static_cast<std::int32_t>(rep.size()),
            compress};
    }
    h.compressed_page_size = static_cast<std::int32_t>(stored.size());
    return format::encode(h) + stored;
}

// Rewrites the uncompressed file `in` (table_writer's) to `out` as `t` says.
void transcode(const fs::path& in, const fs::path& out, const transcoding& t) {
    const split_file f = split(in);
    const table_reader r(in);
    split_file g{"PAR1", f.meta};
    std::vector<std::size_t> first;  // each column's first SchemaElement
    for (std::size_t i = 1, c = 0; c < r.schema().size(); ++c, ++i) {
        first.push_back(i);
        i += 2 * static_cast<std::size_t>(list_depth(r.schema()[c].type));
    }
    for (std::size_t c = 0; c < first.size() && t.optional; ++c)
        g.meta.schema[first[c]].repetition_type = format::repetition_optional;
    std::size_t data_pages = 0;
    for (std::size_t rg = 0; rg < f.meta.row_groups.size(); ++rg) {
        for (std::size_t c = 0; c < first.size(); ++c) {
            const column_type type = r.schema()[c].type;
            const int depth = list_depth(type);
            const std::size_t width =
                type == column_type::string                                                          ? 0
                : (type == column_type::i64 || type == column_type::u64 || type == column_type::f64) ? 8
                                                                                                     : 4;
            format::column_meta& m = *g.meta.row_groups[rg].columns[c].meta_data;
            std::vector<plain_page> pages = plain_pages(f, m, depth, width);
            const int max_def = depth == 0 ? 0 : 2 * depth;  // table_writer: REQUIRED leaves, OPTIONAL elements
            // The dictionary: the values of the pages to encode, in order of appearance.
            const std::size_t encoded = t.values == transcoding::encoding::plain      ? 0
                                        : t.values == transcoding::encoding::fallback ? 1
                                                                                      : pages.size();
            std::map<std::string, std::uint32_t> index;
            std::string dictionary, last;
            for (std::size_t p = 0; p < encoded; ++p)
                for (const std::string& v : pages[p].values)
                    if (index.emplace(v, static_cast<std::uint32_t>(index.size())).second) dictionary += last = v;
            const auto chunk_start = static_cast<std::int64_t>(g.data.size());
            m.dictionary_page_offset.reset();
            if (encoded > 0 && !t.no_dictionary_page) {
                m.dictionary_page_offset = chunk_start;
                std::size_t entries = index.size();
                if (t.short_dictionary && entries > 0) {
                    --entries;
                    dictionary.resize(dictionary.size() - last.size());
                }
                format::page_header h;
                h.type = format::page_dictionary;
                const std::string stored = compressed(t.codec, dictionary);
                h.uncompressed_page_size = static_cast<std::int32_t>(dictionary.size());
                h.compressed_page_size = static_cast<std::int32_t>(stored.size());
                h.dictionary_page = format::dictionary_page_header{
                    static_cast<std::int32_t>(entries),
                    t.v2 ? format::encoding_plain : format::encoding_plain_dictionary, std::nullopt};
                g.data += format::encode(h) + stored;
            }
            m.data_page_offset = static_cast<std::int64_t>(g.data.size());
            for (std::size_t p = 0; p < pages.size(); ++p) {
                plain_page& page = pages[p];
                if (t.optional && depth == 0 && p == 0 && t.null_row && *t.null_row < page.values.size()) {
                    std::vector<std::uint8_t> def(page.values.size(), 1);
                    def[*t.null_row] = 0;
                    page.values.erase(page.values.begin() + static_cast<std::ptrdiff_t>(*t.null_row));
                    page.def = format::encode_levels(def, 1);
                } else if (t.optional) {
                    page.def = raised_levels(page.def, max_def, static_cast<std::size_t>(page.levels));
                }
                std::string values;
                std::int32_t encoding = format::encoding_plain;
                if (p < encoded) {
                    std::vector<std::uint32_t> indices;
                    for (const std::string& v : page.values) indices.push_back(index.at(v));
                    values = encoded_indices(indices, format::level_bit_width(static_cast<int>(index.size()) - 1));
                    encoding = t.v2 ? format::encoding_rle_dictionary : format::encoding_plain_dictionary;
                } else {
                    for (const std::string& v : page.values) values += v;
                }
                std::int32_t rows = page.levels;
                if (depth > 0) {
                    const std::vector<std::uint8_t> rep =
                        format::decode_levels(as_bytes(page.rep), format::level_bit_width(depth),
                                              static_cast<std::size_t>(page.levels), static_cast<std::uint8_t>(depth));
                    rows = static_cast<std::int32_t>(std::count(rep.begin(), rep.end(), 0));
                }
                g.data += page_bytes(t, data_pages++, encoding, page.levels, rows, page.rep, page.def, values);
            }
            m.codec = t.codec;
            m.total_compressed_size = m.total_uncompressed_size =
                static_cast<std::int64_t>(g.data.size()) - chunk_start;
            m.encodings = {format::encoding_plain, format::encoding_rle};
            if (encoded > 0) m.encodings.push_back(format::encoding_rle_dictionary);
            m.stats.reset();
        }
    }
    join(out, g);
}

// Every column type, with repeated and distinct values, empty strings and lists, extremes.
const std::vector<column> all_types = {{"i32", column_type::i32},      {"u32", column_type::u32},
                                       {"i64", column_type::i64},      {"u64", column_type::u64},
                                       {"f32", column_type::f32},      {"f64", column_type::f64},
                                       {"s", column_type::string},     {"l8", column_type::list_u8},
                                       {"l32", column_type::list_u32}, {"ll", column_type::list_list_u8}};

// Writes all_types, uncompressed, as row groups of the given sizes: row i (over the file) holds
// values of i % 7 (strings: i % 5 of them; lists: i % 4 values, inner lists of i % 3 values).
void write_all_types(const fs::path& path, const std::vector<std::size_t>& groups) {
    writer_options o;
    o.compression = codec::none;
    table_writer w(path, all_types, o);
    std::size_t row = 0;
    for (const std::size_t n : groups) {
        std::vector<std::int32_t> i32;
        std::vector<std::uint32_t> u32;
        std::vector<std::int64_t> i64;
        std::vector<std::uint64_t> u64;
        std::vector<float> f32;
        std::vector<double> f64;
        std::vector<std::string> s;
        list_chunk<std::uint8_t> l8;
        list_chunk<std::uint32_t> l32;
        matrices ll;
        for (std::size_t k = 0; k < n; ++k, ++row) {
            const auto v = static_cast<std::uint32_t>(row % 7);
            i32.push_back(v == 6 ? std::numeric_limits<std::int32_t>::min() : static_cast<std::int32_t>(v) - 3);
            u32.push_back(v == 6 ? 4294967295u : v);
            i64.push_back(static_cast<std::int64_t>(row) * -1000003);  // all distinct
            u64.push_back(v == 6 ? std::numeric_limits<std::uint64_t>::max() : v);
            f32.push_back(v == 6 ? std::numeric_limits<float>::quiet_NaN() : static_cast<float>(v) / 3);
            f64.push_back(v == 6 ? -0.0 : static_cast<double>(row) / 7);
            s.push_back(std::string(row % 5, static_cast<char>('a' + row % 3)));
            for (std::size_t i = 0; i < row % 4; ++i) {
                l8.values.push_back(static_cast<std::uint8_t>(255 - (row + i) % 9));
                l32.values.push_back(static_cast<std::uint32_t>(4294967295u - (row + i) % 11));
            }
            l8.offsets.push_back(l8.values.size());
            l32.offsets.push_back(l32.values.size());
            ll.units.push_back(static_cast<std::uint32_t>(row % 4));
            ll.bins.push_back(static_cast<std::uint32_t>(row % 3));
            for (std::size_t i = 0; i < (row % 4) * (row % 3); ++i) ll.data.push_back(static_cast<std::uint8_t>(i % 5));
        }
        w.write_row_group(
            std::vector<column_values>{i32, u32, i64, u64, f32, f64, s, l8.view(), l32.view(), ll.view()});
    }
    w.close();
}

using foreign_shape = std::tuple<std::int32_t, bool, transcoding::encoding>;  // codec, v2, values
class parquet_foreign : public ::testing::TestWithParam<foreign_shape> {};

TEST_P(parquet_foreign, pages_read_as_the_original) {
    const auto [codec_id, v2, values] = GetParam();
    temp_dir dir;
    write_all_types(dir / "plain.parquet", {50, 1, 23});
    const std::vector<std::string> want = read_everything(table_reader(dir / "plain.parquet"));
    for (const bool optional : {false, true}) {
        transcoding t;
        t.codec = codec_id, t.v2 = v2, t.values = values, t.optional = optional;
        transcode(dir / "plain.parquet", dir / "other.parquet", t);
        const table_reader r(dir / "other.parquet");
        EXPECT_EQ(r.schema(), all_types);
        EXPECT_EQ(read_everything(r), want) << "optional " << optional;
    }
}

std::string foreign_shape_name(const ::testing::TestParamInfo<foreign_shape>& info) {
    const char* codecs[] = {"uncompressed", "snappy", "gzip", "", "", "", "zstd"};
    return fmt::format("{}_{}_{}", codecs[std::get<0>(info.param)], std::get<1>(info.param) ? "v2" : "v1",
                       std::get<2>(info.param) == transcoding::encoding::plain ? "plain" : "dictionary");
}

INSTANTIATE_TEST_SUITE_P(parquet, parquet_foreign,
                         ::testing::Combine(::testing::Values(format::codec_uncompressed, format::codec_snappy,
                                                              format::codec_gzip, format::codec_zstd),
                                            ::testing::Bool(),
                                            ::testing::Values(transcoding::encoding::plain,
                                                              transcoding::encoding::dictionary)),
                         foreign_shape_name);

// pyarrow falls back to PLAIN pages when a chunk's dictionary grows too large: a chunk of several
// pages, the first dictionary-encoded, the others PLAIN.
TEST(parquet_foreign_pages, dictionary_fallback_within_a_chunk) {
    temp_dir dir;
    write_all_types(dir / "plain.parquet", {300000, 7});  // over 1 MiB per chunk: several pages
    const std::vector<std::string> want = read_everything(table_reader(dir / "plain.parquet"));
    for (const auto& [codec_id, v2] : {std::pair{format::codec_snappy, false}, std::pair{format::codec_gzip, true}}) {
        transcoding t;
        t.codec = codec_id, t.v2 = v2, t.optional = true, t.values = transcoding::encoding::fallback;
        transcode(dir / "plain.parquet", dir / "fallback.parquet", t);
        const split_file f = split(dir / "fallback.parquet");
        const format::column_meta& m = *f.meta.row_groups[0].columns[2].meta_data;  // i64: 2.4 MB
        std::size_t pages = 0;
        for (auto pos = static_cast<std::size_t>(*m.dictionary_page_offset);
             pos < static_cast<std::size_t>(*m.dictionary_page_offset + m.total_compressed_size); ++pages) {
            std::size_t header_size = 0;
            const format::page_header h = format::decode_page_header(as_bytes(f.data.substr(pos)), header_size);
            EXPECT_EQ(h.type, pages == 0 ? format::page_dictionary : format::page_data + 3 * v2);
            pos += header_size + static_cast<std::size_t>(h.compressed_page_size);
        }
        EXPECT_GE(pages, 4u);  // the dictionary and three data pages
        EXPECT_EQ(read_everything(table_reader(dir / "fallback.parquet")), want);
    }
}

// The message of the input_error that reading every chunk of `path` throws.
std::string read_error(const fs::path& path) {
    return input_error_of([&] { read_everything(table_reader(path)); });
}

TEST(parquet_foreign_pages, rejects_nulls_bad_dictionaries_and_other_encodings) {
    temp_dir dir;
    write_all_types(dir / "plain.parquet", {10, 10});
    transcoding t;
    t.optional = true, t.null_row = 3, t.codec = format::codec_snappy;
    transcode(dir / "plain.parquet", dir / "null.parquet", t);
    std::string msg = read_error(dir / "null.parquet");
    EXPECT_NE(msg.find("null.parquet: row group 0, column 'i32', page at byte 4: row 3 (row 3 of row group 0) is null; "
                       "expected a value in every row"),
              std::string::npos)
        << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos);
    // The strings of row group 1: file row 13.
    const table_reader r(dir / "null.parquet");
    msg = input_error_of([&] { r.read_strings(1, 6); });
    EXPECT_NE(msg.find("column 's', page at byte"), std::string::npos) << msg;
    EXPECT_NE(msg.find("row 13 (row 3 of row group 1) is null"), std::string::npos) << msg;

    t = transcoding{};
    t.values = transcoding::encoding::dictionary, t.short_dictionary = true;
    transcode(dir / "plain.parquet", dir / "short.parquet", t);
    msg = read_error(dir / "short.parquet");
    EXPECT_NE(msg.find("column 'i32', page at byte"), std::string::npos) << msg;
    EXPECT_NE(msg.find("dictionary index 6 out of range (the dictionary has 6 values); expected dictionary indices"),
              std::string::npos)
        << msg;

    t.short_dictionary = false, t.no_dictionary_page = true;
    transcode(dir / "plain.parquet", dir / "nodict.parquet", t);
    EXPECT_NE(read_error(dir / "nodict.parquet").find("dictionary-encoded values without a dictionary page"),
              std::string::npos);

    // A page encoded otherwise (DELTA_BINARY_PACKED), or with BIT_PACKED levels, or an index page.
    transcode(dir / "plain.parquet", dir / "ok.parquet", transcoding{});
    split_file f = split(dir / "ok.parquet");
    const auto edit_first_page = [&](const std::string& name, const std::function<void(format::page_header&)>& edit) {
        split_file e = f;
        const auto at = static_cast<std::size_t>(e.meta.row_groups[0].columns[7].meta_data->data_page_offset);
        std::size_t header_size = 0;
        format::page_header h = format::decode_page_header(as_bytes(e.data.substr(at)), header_size);
        edit(h);
        const std::string header = format::encode(h);
        ASSERT_EQ(header.size(), header_size);
        e.data.replace(at, header_size, header);
        join(dir / name, e);
    };
    edit_first_page("delta.parquet", [](format::page_header& h) { h.data_page->encoding = 5; });
    msg = read_error(dir / "delta.parquet");
    EXPECT_NE(msg.find("column 'l8', page at byte"), std::string::npos) << msg;
    EXPECT_NE(msg.find("encoding DELTA_BINARY_PACKED (5); expected PLAIN (0), PLAIN_DICTIONARY (2) or RLE_DICTIONARY"),
              std::string::npos)
        << msg;
    edit_first_page("bitpacked.parquet", [](format::page_header& h) { h.data_page->repetition_level_encoding = 4; });
    EXPECT_NE(read_error(dir / "bitpacked.parquet").find("repetition level encoding BIT_PACKED (4); expected RLE (3)"),
              std::string::npos);
    edit_first_page("index.parquet", [](format::page_header& h) { h.type = format::page_index; });
    EXPECT_NE(read_error(dir / "index.parquet").find("page type 1"), std::string::npos);
    edit_first_page("v2.parquet", [](format::page_header& h) {
        h.type = format::page_data_v2;  // the header says v2 but holds a v1 header
    });
    EXPECT_NE(read_error(dir / "v2.parquet").find("(or its header missing)"), std::string::npos);
}

TEST(parquet_foreign_pages, second_dictionary_page_and_bad_v2_level_lengths_are_rejected) {
    temp_dir dir;
    write_all_types(dir / "plain.parquet", {10});
    transcoding t;
    t.values = transcoding::encoding::dictionary, t.v2 = true;
    transcode(dir / "plain.parquet", dir / "ok.parquet", t);
    split_file f = split(dir / "ok.parquet");
    format::column_meta& m = *f.meta.row_groups[0].columns[0].meta_data;
    // The dictionary page twice.
    const auto dict_at = static_cast<std::size_t>(*m.dictionary_page_offset);
    const std::string dictionary = f.data.substr(dict_at, static_cast<std::size_t>(m.data_page_offset) - dict_at);
    split_file twice = f;
    twice.data.insert(static_cast<std::size_t>(m.data_page_offset), dictionary);
    for (auto& c : twice.meta.row_groups[0].columns) {
        format::column_meta& cm = *c.meta_data;
        if (&c == &twice.meta.row_groups[0].columns[0]) {
            cm.data_page_offset += static_cast<std::int64_t>(dictionary.size());
            cm.total_compressed_size += static_cast<std::int64_t>(dictionary.size());
        } else {
            *cm.dictionary_page_offset += static_cast<std::int64_t>(dictionary.size());
            cm.data_page_offset += static_cast<std::int64_t>(dictionary.size());
        }
    }
    join(dir / "twice.parquet", twice);
    EXPECT_NE(read_error(dir / "twice.parquet").find("a second dictionary page"), std::string::npos);
    // A DataPage v2 of the flat column 'i32' claiming repetition levels.
    std::size_t header_size = 0;
    const auto at = static_cast<std::size_t>(m.data_page_offset);
    format::page_header h = format::decode_page_header(as_bytes(f.data.substr(at)), header_size);
    h.data_page_v2->repetition_levels_byte_length = 1;
    h.data_page_v2->definition_levels_byte_length = 0;
    ASSERT_EQ(format::encode(h).size(), header_size);
    f.data.replace(at, header_size, format::encode(h));
    join(dir / "levels.parquet", f);
    EXPECT_NE(
        read_error(dir / "levels.parquet").find("1 + 0 bytes of levels; expected no levels where the maximum is 0"),
        std::string::npos);
}

TEST(parquet_reader, optional_list_groups_have_one_more_definition_level) {
    temp_dir dir;
    // list<u8>, OPTIONAL outer group (max definition 3): [1, 2], [], [7].
    write_list_page(dir / "l.parquet", {0, 1, 0, 0}, {3, 3, 1, 3}, {1, 2, 7}, 3, column_type::list_u8, false, true);
    EXPECT_EQ(table_reader(dir / "l.parquet").read_u8_list(0, 0), (list_chunk<std::uint8_t>{{1, 2, 7}, {0, 2, 2, 3}}));
    // list<list<u8>> (max definition 5): [[1], []], [], [[]].
    write_list_page(dir / "ll.parquet", {0, 1, 0, 0}, {5, 3, 1, 3}, {1}, 3, column_type::list_list_u8, false, true);
    const u8_lists got = table_reader(dir / "ll.parquet").read_u8_lists(0, 0);
    EXPECT_EQ(got.values, (std::vector<std::uint8_t>{1}));
    EXPECT_EQ(got.list_offsets, (std::vector<std::uint64_t>{0, 1, 1, 1}));
    EXPECT_EQ(got.row_offsets, (std::vector<std::uint64_t>{0, 2, 2, 3}));
    // A null row (definition 0), a null inner list (2), a null value (4).
    const std::string expected = "; expected list<u8> levels and values without nulls";
    expect_list_page_rejected({0, 1, 0}, {3, 3, 0}, {1, 2}, 2,
                              "level 2: row 1 (row 1 of row group 0) is null" + expected, column_type::list_u8, true);
    expect_list_page_rejected({0, 0}, {5, 2}, {1}, 2, "level 1: a null inner list in row 1 (row 1 of row group 0)",
                              column_type::list_list_u8, true);
    expect_list_page_rejected({0, 2}, {5, 4}, {1}, 1, "level 1: a null value in row 0", column_type::list_list_u8,
                              true);
    expect_list_page_rejected({0}, {0}, {}, 1, "level 0: row 0 (row 0 of row group 0) is null",
                              column_type::list_list_u8, true);
}

// Every single-byte change of a small file in the other writers' shapes (OPTIONAL, dictionary
// pages, SNAPPY and GZIP, DataPage v2) is read or rejected with an input_error.
TEST(parquet_foreign_pages, single_byte_corruptions_are_read_or_rejected) {
    temp_dir dir;
    writer_options o;
    o.compression = codec::none;
    const matrices a = make_matrices({{0, 0}, {2, 0}, {1, 1}, {2, 3}});
    const std::vector<std::string> s = {"", "ab", "ab", "xyz"};
    const list_chunk<std::uint32_t> f32 = {{7, 4294967295u, 7, 1u << 31}, {0, 1, 1, 3, 4}};
    const std::vector<std::uint64_t> u = {5, 5, 1, 5};
    write_table(dir / "plain.parquet",
                {{"c", column_type::list_list_u8},
                 {"s", column_type::string},
                 {"f32", column_type::list_u32},
                 {"u", column_type::u64}},
                {a.view(), s, f32.view(), u}, codec::none);
    for (const auto& [codec_id, v2] : {std::pair{format::codec_snappy, true}, std::pair{format::codec_gzip, false}}) {
        transcoding t;
        t.codec = codec_id, t.v2 = v2, t.optional = true, t.values = transcoding::encoding::dictionary;
        transcode(dir / "plain.parquet", dir / "ok.parquet", t);
        EXPECT_EQ(read_everything(table_reader(dir / "ok.parquet")),
                  read_everything(table_reader(dir / "plain.parquet")));
        const auto [rejected, bytes] = rejected_corruptions(dir / "ok.parquet");
        EXPECT_GT(rejected, bytes);
    }
}

}  // namespace
}  // namespace sf::io::parquet
