// Apache Parquet files of numeric, string and list tables: a writer and a reader for the subset
// spikeforge writes (docs/io.md, "Parquet"), and the reader also for the same tables as other
// writers store them (pyarrow's defaults, as on the Hugging Face hub; DuckDB). Debian ships no
// Arrow / Parquet C++ library, so this is our own, small and strict.
// The writer writes:
//  * every top-level column REQUIRED (no null rows);
//  * INT32 / INT64 / FLOAT / DOUBLE; u32 / u64 are INT32 / INT64 annotated unsigned
//    (LogicalType INTEGER(bits, isSigned = false) and ConvertedType UINT_32 / UINT_64);
//  * strings: BYTE_ARRAY annotated STRING / UTF8 (the bytes are stored as given);
//  * list<uint8> / list<uint32> (list_u8, list_u32): the 3-level LIST structure, as pyarrow
//    writes a non-nullable pa.list_(pa.uint8()) / pa.list_(pa.uint32()) field, leaves INT32
//    annotated INTEGER(8 / 32, unsigned) (uint32 values stored as their int32 bit pattern);
//  * list<list<uint8>> (list_list_u8): the same structure twice, as pyarrow writes a
//    non-nullable list<list<uint8>> field (docs/io.md), leaves INT32 annotated INTEGER(8, unsigned);
//  * DataPage v1 pages of at most 1 MiB of PLAIN values (strings and lists: whole rows, so a
//    larger row has a page of its own; lists: repetition and definition levels in the
//    RLE / bit-packing hybrid);
//    uncompressed or ZSTD; per column chunk min/max statistics; key-value metadata.
// The reader reads these column types, and besides what the writer writes:
//  * OPTIONAL top-level columns and OPTIONAL outer list groups (nullable fields), whose data
//    holds no null (a null row, inner list or value: input_error naming the file, column and row);
//  * dictionary encoding: a DICTIONARY_PAGE of PLAIN values, then data pages of RLE_DICTIONARY /
//    PLAIN_DICTIONARY indices (bit width, RLE / bit-packing hybrid), or PLAIN pages (a writer's
//    fallback mid-chunk), for every column type (indices checked against the dictionary);
//  * SNAPPY and GZIP pages besides uncompressed and ZSTD;
//  * DataPage v2 (levels uncompressed before the values, which are compressed if is_compressed).
// It rejects anything else with one line naming the file: other encodings (DELTA_*,
// BYTE_STREAM_SPLIT, BIT_PACKED levels), other codecs, other nestings, types or annotations,
// REPEATED columns, index pages, encrypted files and column data in other files.
//
//     sf::io::atomic_file out("spikes.parquet");
//     table_writer w(out.temp_path(), {{"time_ms", column_type::f64}, {"unit", column_type::u32}});
//     w.write_row_group(std::array<column_values, 2>{times, units});   // spans of equal length
//     w.close();
//     out.commit();
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <functional>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace sf::io::parquet {

// The six numeric types, strings (BYTE_ARRAY / STRING), list<uint8> (list_u8), list<uint32>
// (list_u32) and list<list<uint8>> (list_list_u8).
enum class column_type { i32, u32, i64, u64, f32, f64, string, list_list_u8, list_u8, list_u32 };

// How many lists a column's values are nested in: 0 for the flat types, 1 for list_u8 and
// list_u32, 2 for list_list_u8.
constexpr int list_depth(column_type t) {
    switch (t) {
        case column_type::list_u8:
        case column_type::list_u32:
            return 1;
        case column_type::list_list_u8:
            return 2;
        default:
            return 0;
    }
}

// The column type of a C++ element type (only the six types above have one).
template <class T>
inline constexpr bool is_column_element =
    std::is_same_v<T, std::int32_t> || std::is_same_v<T, std::uint32_t> || std::is_same_v<T, std::int64_t> ||
    std::is_same_v<T, std::uint64_t> || std::is_same_v<T, float> || std::is_same_v<T, double>;

template <class T>
requires is_column_element<T>
constexpr column_type column_type_of() {
    if constexpr (std::is_same_v<T, std::int32_t>)
        return column_type::i32;
    else if constexpr (std::is_same_v<T, std::uint32_t>)
        return column_type::u32;
    else if constexpr (std::is_same_v<T, std::int64_t>)
        return column_type::i64;
    else if constexpr (std::is_same_v<T, std::uint64_t>)
        return column_type::u64;
    else if constexpr (std::is_same_v<T, float>)
        return column_type::f32;
    else
        return column_type::f64;
}

// "i32", "u32", ..., "string", "list<list<u8>>", "list<u8>", "list<u32>" (for messages).
const char* to_string(column_type t);

struct column {
    std::string name;
    column_type type;
    bool operator==(const column&) const = default;
};

// The rows of a list<list<uint8>> column for write_row_group, as matrices: row r is units[r]
// inner lists of bins[r] values each, stored row after row, inner list after inner list, in
// `data` (data.size() == sum of units[r] * bins[r]; units.size() == bins.size() == rows).
struct u8_matrices {
    std::span<const std::uint8_t> data;
    std::span<const std::uint32_t> units;
    std::span<const std::uint32_t> bins;
};

// A list<list<uint8>> column chunk as read, in compressed sparse row form (ragged inner lists
// allowed): row r holds the inner lists [row_offsets[r], row_offsets[r + 1]); inner list i
// holds values[list_offsets[i] .. list_offsets[i + 1]).
struct u8_lists {
    std::vector<std::uint8_t> values;
    std::vector<std::uint64_t> list_offsets{0};  // inner lists + 1 entries
    std::vector<std::uint64_t> row_offsets{0};   // rows + 1 entries
    bool operator==(const u8_lists&) const = default;
};

// The element types of flat list columns: std::uint8_t (list_u8) and std::uint32_t (list_u32).
template <class T>
inline constexpr bool is_list_element = std::is_same_v<T, std::uint8_t> || std::is_same_v<T, std::uint32_t>;

// The rows of a list<uint8> or list<uint32> column for write_row_group, in compressed sparse row
// form: row r is values[offsets[r] .. offsets[r + 1]). offsets has rows + 1 entries, starts at 0,
// never decreases and ends at values.size() (else write_row_group throws
// std::invalid_argument); rows may be empty.
template <class T>
requires is_list_element<T>
struct flat_lists {
    std::span<const T> values;
    std::span<const std::uint64_t> offsets;
};

// A list<uint8> or list<uint32> column chunk as read, in the same form: row r is
// values[offsets[r] .. offsets[r + 1]).
template <class T>
requires is_list_element<T>
struct list_chunk {
    std::vector<T> values;
    std::vector<std::uint64_t> offsets{0};  // rows + 1 entries
    flat_lists<T> view() const { return {values, offsets}; }
    bool operator==(const list_chunk&) const = default;
};

// One column's values for write_row_group: a non-owning view of one of the six numeric element
// types, of strings, of u8_matrices or of flat_lists.
class column_values {
public:
    template <class T>
    requires is_column_element<T> column_values(std::span<const T> values) : values_(values) {}
    template <class T>
    requires is_column_element<T> column_values(const std::vector<T>& values) : values_(std::span<const T>(values)) {}
    column_values(std::span<const std::string> values) : values_(values) {}
    column_values(const std::vector<std::string>& values) : values_(std::span<const std::string>(values)) {}
    column_values(u8_matrices rows) : values_(rows) {}
    column_values(flat_lists<std::uint8_t> rows) : values_(rows) {}
    column_values(flat_lists<std::uint32_t> rows) : values_(rows) {}

    column_type type() const;
    std::size_t size() const;  // rows
    // Calls f with the std::span<const T>, std::span<const std::string>, u8_matrices or
    // flat_lists<T> held.
    template <class F>
    decltype(auto) visit(F&& f) const {
        return std::visit(std::forward<F>(f), values_);
    }
    // The values as T; throws std::invalid_argument if T is not this view's element type.
    template <class T>
    std::span<const T> get() const {
        return get_view<std::span<const T>>();
    }
    std::span<const std::string> get_strings() const { return get<std::string>(); }
    u8_matrices get_matrices() const { return get_view<u8_matrices>(); }
    // The rows of a list_u8 (T = std::uint8_t) or list_u32 (T = std::uint32_t) column.
    template <class T>
    flat_lists<T> get_lists() const {
        return get_view<flat_lists<T>>();
    }

private:
    std::variant<std::span<const std::int32_t>, std::span<const std::uint32_t>, std::span<const std::int64_t>,
                 std::span<const std::uint64_t>, std::span<const float>, std::span<const double>,
                 std::span<const std::string>, u8_matrices, flat_lists<std::uint8_t>, flat_lists<std::uint32_t>>
        values_;

    template <class View>
    View get_view() const {
        if (const auto* v = std::get_if<View>(&values_)) return *v;
        throw std::invalid_argument("parquet::column_values: element type mismatch");
    }
};

enum class codec { none, zstd };

struct writer_options {
    codec compression = codec::zstd;
    int zstd_level = 3;  // libzstd level (1 fast .. 19 small; 3 is zstd's default)
    std::vector<std::pair<std::string, std::string>> key_value_metadata;  // FileMetaData.key_value_metadata
    std::string created_by = "spikeforge";
};

// Most bytes of PLAIN values per data page (a column chunk holds as many pages as it needs).
// Pages of strings and lists hold whole rows (a row's levels never span two pages): a page
// ends before the row that would take it over this bound, and a larger row gets a page alone.
inline constexpr std::size_t max_page_bytes = std::size_t{1} << 20;

namespace format {
struct file_meta;
}  // namespace format
namespace detail {
struct decoded_page;  // one data page's levels and values (table_reader.cpp)
}  // namespace detail

// Writes one Parquet file. The constructor creates the file and writes the leading magic;
// each write_row_group() writes one row group (its pages go to the file page by page: memory
// is one page buffer besides the caller's columns); close() writes the footer. Without close()
// the file has no footer and no reader accepts it: write to atomic_file::temp_path() and
// commit() after close(), so that a failure leaves nothing at the final path.
// Throws core::io_error naming the file when it cannot be created or written.
class table_writer {
public:
    // Throws std::invalid_argument for an empty schema, an empty or repeated column name or a
    // zstd level outside libzstd's range.
    table_writer(std::filesystem::path path, std::vector<column> schema, writer_options options = {});
    ~table_writer();
    table_writer(const table_writer&) = delete;
    table_writer& operator=(const table_writer&) = delete;

    // One entry per schema column, in schema order, of the column's type, all the same length
    // (else std::invalid_argument; also for u8_matrices whose data size is not the sum of
    // units x bins, and for flat_lists whose offsets are not rows + 1 non-decreasing offsets
    // from 0 to values.size()). Zero rows write nothing (a row group needs rows). Throws
    // std::logic_error after close().
    void write_row_group(std::span<const column_values> columns);
    // Writes the footer and closes the file. Idempotent.
    void close();

    const std::vector<column>& schema() const { return schema_; }
    std::uint64_t rows_written() const { return rows_; }

private:
    struct state;  // open stream, compressor, footer being built (table_writer.cpp)

    void check_row_group(std::span<const column_values> columns) const;
    static void check_matrices(const std::string& name, const u8_matrices& rows);
    static void check_strings(const std::string& name, std::span<const std::string> values);
    static void check_lists(const std::string& name, std::span<const std::uint64_t> offsets, std::size_t values);

    std::filesystem::path path_;
    std::vector<column> schema_;
    writer_options options_;
    std::uint64_t rows_ = 0;
    std::unique_ptr<state> state_;
};

// Reads a file written by table_writer, or by another writer in the shapes listed at the top
// (pyarrow's defaults: OPTIONAL nodes, dictionary pages, SNAPPY, DataPage v1 or v2). The
// constructor reads and checks the footer; malformed or unsupported files throw
// core::input_error "<file>: <what>; expected <what>" (one line), unreadable ones
// core::io_error; so do nulls and pages that do not decode, when read. read_column reads one
// column chunk (its compressed bytes and its values are in memory at once).
class table_reader {
public:
    explicit table_reader(std::filesystem::path path);
    ~table_reader();
    table_reader(table_reader&&) noexcept;
    table_reader& operator=(table_reader&&) noexcept;

    const std::vector<column>& schema() const { return schema_; }
    std::uint64_t num_rows() const { return num_rows_; }
    std::size_t row_group_count() const;
    std::uint64_t row_group_rows(std::size_t row_group) const;
    // FileMetaData.key_value_metadata and created_by, as written.
    const std::vector<std::pair<std::string, std::string>>& key_value_metadata() const;
    std::string created_by() const;

    // The values of one column chunk. Throws std::out_of_range for a bad index and
    // std::invalid_argument when T is not the column's type (see column_type_of).
    template <class T>
    requires is_column_element<T> std::vector<T> read_column(std::size_t row_group, std::size_t column)
    const {
        check_request(row_group, column, column_type_of<T>());
        std::vector<T> out;
        out.reserve(reserve_rows(row_group, column));
        read_chunk(row_group, column, [&](std::span<const std::byte> values) {
            const std::size_t first = out.size();
            out.resize(first + values.size() / sizeof(T));
            std::memcpy(out.data() + first, values.data(), values.size());
        });
        return out;
    }
    // The values of a string column chunk (bytes as stored; table_writer stores UTF-8).
    std::vector<std::string> read_strings(std::size_t row_group, std::size_t column) const;
    // The rows of a list<list<uint8>> column chunk.
    u8_lists read_u8_lists(std::size_t row_group, std::size_t column) const;
    // The rows of a list<uint8> / list<uint32> column chunk.
    list_chunk<std::uint8_t> read_u8_list(std::size_t row_group, std::size_t column) const;
    list_chunk<std::uint32_t> read_u32_list(std::size_t row_group, std::size_t column) const;

private:
    void check_request(std::size_t row_group, std::size_t column, column_type requested) const;
    // The rows to reserve room for: the row count when the chunk's size bounds it, else at most 2^20.
    std::size_t reserve_rows(std::size_t row_group, std::size_t column) const;
    // The rows of the row groups before this one.
    std::uint64_t first_row(std::size_t row_group) const;
    // Calls append with the PLAIN values of each page of a flat fixed-width column chunk (via
    // read_flat).
    void read_chunk(std::size_t row_group, std::size_t column,
                    const std::function<void(std::span<const std::byte>)>& append) const;
    // Calls append with each page of a flat column chunk, after checking that its rows have no
    // nulls; then checks their number (`what`: "values", "strings").
    void read_flat(std::size_t row_group, std::size_t column, std::string_view what,
                   const std::function<void(const detail::decoded_page&)>& append) const;
    // Throws input_error unless a column chunk's pages held the row group's rows.
    void check_rows(std::size_t row_group, std::size_t column, std::string_view what, std::uint64_t read) const;
    // Reads a list column chunk of `type` (checked as check_request does): appends its values
    // to `values` and returns the offsets of each nesting, outermost (the rows) first.
    template <class T>
    std::vector<std::vector<std::uint64_t>> read_lists(std::size_t row_group, std::size_t column, column_type type,
                                                       std::vector<T>& values) const;
    // Calls f with each data page of a column chunk, decoded: DataPage v1 or v2, decompressed,
    // levels decoded, values PLAIN or looked up in the chunk's dictionary page (the levels'
    // meaning is left to f to check).
    void for_each_page(std::size_t row_group, std::size_t column,
                       const std::function<void(const detail::decoded_page&)>& f) const;
    // Throws input_error naming the row if a flat column's page has a null (row numbers from
    // rows_before in the row group).
    void check_no_nulls(const detail::decoded_page& p, std::size_t row_group, std::uint64_t rows_before) const;

    std::filesystem::path path_;
    std::vector<column> schema_;
    std::vector<std::size_t> first_element_;  // per column: its first SchemaElement's index
    std::uint64_t num_rows_ = 0;
    std::unique_ptr<format::file_meta> meta_;
};

}  // namespace sf::io::parquet
