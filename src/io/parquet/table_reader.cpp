// table_reader: checks the magic bytes, the footer and that the file is of a shape it reads
// (table_writer's, and what pyarrow and DuckDB write for the same columns: OPTIONAL nodes,
// dictionary pages, SNAPPY / GZIP, DataPage v2; parquet.hpp) before anything is read, then
// decodes one column chunk at a time.
#include <fmt/format.h>
#include <snappy.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <string_view>

#include "core/error.hpp"
#include "io/parquet/format.hpp"
#include "io/parquet/parquet.hpp"
#include "io/parquet/thrift_compact.hpp"

namespace sf::io::parquet {

static_assert(std::endian::native == std::endian::little, "PLAIN pages are read into memory as-is");

namespace {

constexpr std::string_view magic = "PAR1";
constexpr std::uint64_t magic_and_length = 8;  // footer length (4) + "PAR1" at the end

// File content quoted in a message stays one printable line.
std::string printable(std::string_view text) {
    std::string s(text.substr(0, 80));
    for (char& c : s)
        if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) c = '?';
    return s;
}

[[noreturn]] void malformed(const std::filesystem::path& file, std::string_view what, std::string_view expected) {
    throw core::input_error(fmt::format("{}: {}; expected {}", file.string(), what, expected));
}

// Reads [offset, offset + size) of the file.
std::vector<std::byte> read_range(const std::filesystem::path& file, std::uint64_t offset, std::uint64_t size) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw core::io_error(fmt::format("{}: cannot open ({})", file.string(), std::strerror(errno)));
    std::vector<std::byte> bytes(size);
    in.seekg(static_cast<std::streamoff>(offset));
    in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(size));
    if (!in) throw core::io_error(fmt::format("{}: read of {} bytes at {} failed", file.string(), size, offset));
    return bytes;
}

bool is_magic(std::span<const std::byte> bytes) {
    return bytes.size() == magic.size() && std::memcmp(bytes.data(), magic.data(), magic.size()) == 0;
}

// Bytes per PLAIN value; for strings the least (the 4-byte length), for lists none (levels
// alone can stand for many rows).
std::size_t element_size(column_type t) {
    switch (t) {
        case column_type::i64:
        case column_type::u64:
        case column_type::f64:
            return 8;
        case column_type::list_list_u8:
        case column_type::list_u8:
        case column_type::list_u32:
            return 0;
        default:
            return 4;
    }
}

std::int32_t physical_type(column_type t) {
    switch (t) {
        case column_type::i32:
        case column_type::u32:
            return format::type_int32;
        case column_type::i64:
        case column_type::u64:
            return format::type_int64;
        case column_type::f32:
            return format::type_float;
        case column_type::f64:
            return format::type_double;
        case column_type::string:
            return format::type_byte_array;
        case column_type::list_list_u8:
        case column_type::list_u8:
        case column_type::list_u32:
            return format::type_int32;
    }
    return -1;
}

// The column type of an integer leaf from its annotations: none, or INTEGER(bits, signed)
// and/or ConvertedType INT_n / UINT_n, which must agree. Other annotations (INT_8, DATE,
// TIMESTAMP, DECIMAL, ...) would change the values' meaning: not ours.
std::optional<column_type> integer_type(const format::schema_element& e, int bits) {
    if (e.string || e.list) return std::nullopt;
    const bool wide = bits == 64;
    std::optional<bool> is_signed;
    if (e.converted_type) {
        if (*e.converted_type == (wide ? format::converted_int_64 : format::converted_int_32))
            is_signed = true;
        else if (*e.converted_type == (wide ? format::converted_uint_64 : format::converted_uint_32))
            is_signed = false;
        else
            return std::nullopt;
    }
    if (e.integer) {
        if (e.integer->bit_width != bits || (is_signed && *is_signed != e.integer->is_signed)) return std::nullopt;
        is_signed = e.integer->is_signed;
    }
    if (is_signed.value_or(true)) return wide ? column_type::i64 : column_type::i32;
    return wide ? column_type::u64 : column_type::u32;
}

// The column type of a leaf, or nullopt if it is not one of ours.
std::optional<column_type> leaf_type(const format::schema_element& e) {
    if (e.other_logical_type || !e.type) return std::nullopt;
    switch (*e.type) {
        case format::type_int32:
            return integer_type(e, 32);
        case format::type_int64:
            return integer_type(e, 64);
        case format::type_float:
        case format::type_double:
            if (e.converted_type || e.integer || e.string || e.list) return std::nullopt;
            return *e.type == format::type_float ? column_type::f32 : column_type::f64;
        case format::type_byte_array:
            // STRING and/or UTF8; a bare BYTE_ARRAY is binary, not ours.
            if (e.integer || e.list || (e.converted_type && *e.converted_type != format::converted_utf8) ||
                (!e.string && !e.converted_type))
                return std::nullopt;
            return column_type::string;
        default:
            return std::nullopt;
    }
}

// A uint8 leaf of a list: INT32 annotated INTEGER(8, unsigned) and/or UINT_8.
bool is_u8_leaf(const format::schema_element& e) {
    if (e.other_logical_type || e.string || e.list || e.type != format::type_int32 || e.num_children.value_or(0) != 0)
        return false;
    if (!e.integer && !e.converted_type) return false;
    if (e.integer && (e.integer->bit_width != 8 || e.integer->is_signed)) return false;
    return !e.converted_type || *e.converted_type == format::converted_uint_8;
}

bool is_list_group(const format::schema_element& e) {
    return !e.type && e.num_children == 1 && (e.list || e.converted_type == format::converted_list) && !e.string &&
           !e.integer && !e.other_logical_type && (!e.converted_type || *e.converted_type == format::converted_list) &&
           (e.repetition_type == format::repetition_required || e.repetition_type == format::repetition_optional);
}

bool is_repeated_group(const format::schema_element& e) {
    return !e.type && e.num_children == 1 && e.repetition_type == format::repetition_repeated && !e.list &&
           !e.converted_type && !e.string && !e.integer && !e.other_logical_type;
}

// The type of a list of this leaf (REQUIRED or OPTIONAL): list_u8 for a uint8 leaf
// (is_u8_leaf), list_u32 for INT32 annotated INTEGER(32, unsigned) and/or UINT_32, else nullopt.
std::optional<column_type> flat_list_type(const format::schema_element& e) {
    if (e.repetition_type != format::repetition_required && e.repetition_type != format::repetition_optional)
        return std::nullopt;
    if (is_u8_leaf(e)) return column_type::list_u8;
    if (e.num_children.value_or(0) == 0 && leaf_type(e) == column_type::u32) return column_type::list_u32;
    return std::nullopt;
}

// How many lists deep schema[i] nests its leaf in the 3-level LIST form (LogicalTypes.md): a
// LIST group > repeated group > leaf (1), or LIST group > repeated group > LIST group >
// repeated group > leaf (2), the LIST groups and the leaf REQUIRED or OPTIONAL (nulls are
// rejected when read: a column of ours has none); 0 for anything else. The leaf,
// schema[i + 2 x depth], is left to the caller.
std::size_t list_nesting(const std::vector<format::schema_element>& schema, std::size_t i) {
    if (!is_list_group(schema[i])) return 0;
    for (std::size_t depth = 1; depth <= 2; ++depth) {
        const std::size_t element = i + 2 * depth;
        if (element >= schema.size() || !is_repeated_group(schema[element - 1])) return 0;
        if (schema[element].type) return schema[element].num_children.value_or(0) == 0 ? depth : 0;
        if (!is_list_group(schema[element])) return 0;
    }
    return 0;
}

// The list column types: list<uint8> and list<uint32> one list deep, list<list<uint8>> two.
std::optional<column_type> list_type(std::size_t depth, const format::schema_element& leaf) {
    const std::optional<column_type> flat = flat_list_type(leaf);
    if (depth == 1 || !flat) return flat;
    return flat == column_type::list_u8 ? std::optional(column_type::list_list_u8) : std::nullopt;
}

// The footer bytes, after checking both magics and the footer length.
std::vector<std::byte> read_footer(const std::filesystem::path& file) {
    std::error_code ec;
    const std::uint64_t size = std::filesystem::file_size(file, ec);
    if (ec) throw core::io_error(fmt::format("{}: cannot open ({})", file.string(), ec.message()));
    if (size < magic.size() + magic_and_length) {
        malformed(file, fmt::format("{} bytes", size),
                  "a Parquet file ('PAR1', row groups, footer, footer length, 'PAR1'; at least 12 bytes)");
    }
    if (!is_magic(read_range(file, 0, magic.size()))) malformed(file, "no 'PAR1' at byte 0", "a Parquet file");
    const std::vector<std::byte> tail = read_range(file, size - magic_and_length, magic_and_length);
    if (!is_magic(std::span(tail).subspan(4))) {
        malformed(file, "no 'PAR1' at the end (truncated, or still being written)", "a complete Parquet file");
    }
    std::uint32_t length = 0;
    std::memcpy(&length, tail.data(), sizeof length);  // little-endian
    if (length > size - magic.size() - magic_and_length) {
        malformed(file, fmt::format("footer length {} exceeds the {}-byte file", length, size),
                  "a footer between the leading 'PAR1' and the footer length");
    }
    return read_range(file, size - magic_and_length - length, length);
}

format::file_meta decode_footer(const std::filesystem::path& file, std::span<const std::byte> footer) {
    try {
        return format::decode_file_meta(footer);
    } catch (const thrift::decode_error& e) {
        malformed(file, fmt::format("footer: {}", e.what()), "a Thrift compact FileMetaData");
    }
}

// The schema's columns (and each one's first SchemaElement): REQUIRED or OPTIONAL numeric or
// string leaves and list<uint8>, list<uint32> and list<list<uint8>> groups under the root (else
// input_error).
std::vector<column> table_schema(const std::filesystem::path& file, const format::file_meta& m,
                                 std::vector<std::size_t>& first_element) {
    const std::string lists = "list<uint8>, list<uint32> or list<list<uint8>>";
    const std::string ours =
        fmt::format("a root group of numeric or string leaves and {} groups, each REQUIRED or OPTIONAL", lists);
    if (m.schema.size() < 2) malformed(file, fmt::format("schema of {} elements", m.schema.size()), ours);
    const format::schema_element& root = m.schema[0];
    if (root.type) malformed(file, "schema root is a leaf", ours);
    std::vector<column> columns;
    for (std::size_t i = 1; i < m.schema.size(); ++i) {
        const format::schema_element& e = m.schema[i];
        const std::string name = printable(e.name);
        first_element.push_back(i);
        if (!e.type) {
            const std::size_t depth = list_nesting(m.schema, i);
            if (depth == 0) {
                malformed(file, fmt::format("column '{}' is a group other than {} (3-level LIST)", name, lists), ours);
            }
            const format::schema_element& leaf = m.schema[i + 2 * depth];
            const std::optional<column_type> t = list_type(depth, leaf);
            if (!t) {
                malformed(file,
                          fmt::format("column '{}' is a list{} of elements of physical type {} with an unsupported "
                                      "annotation or repetition",
                                      name, depth == 2 ? " of lists" : "", *leaf.type),
                          fmt::format("{} (elements INT32 annotated INTEGER(8 or 32, unsigned))", lists));
            }
            columns.push_back({e.name, *t});
            i += 2 * depth;
            continue;
        }
        if (e.num_children.value_or(0) != 0)
            malformed(file, fmt::format("column '{}' is a leaf with children", name), ours);
        if (e.repetition_type != format::repetition_required && e.repetition_type != format::repetition_optional) {
            malformed(file, fmt::format("column '{}' is REPEATED (a list without the LIST annotation)", name), ours);
        }
        const std::optional<column_type> t = leaf_type(e);
        if (!t) {
            malformed(file,
                      fmt::format("column '{}' has physical type {} with an unsupported annotation", name, *e.type),
                      "INT32, INT64 (plain, INT_32/64 or UINT_32/64), FLOAT, DOUBLE or BYTE_ARRAY (STRING) columns");
        }
        columns.push_back({e.name, *t});
    }
    if (root.num_children.value_or(-1) != static_cast<std::int64_t>(columns.size())) {
        malformed(file,
                  fmt::format("schema root has {} children for {} columns (nested columns?)",
                              root.num_children.value_or(-1), columns.size()),
                  ours);
    }
    return columns;
}

// The SchemaElements of the column whose first one is schema[first]: the leaf alone, or the
// 1 + 2 x depth nodes of a list (list_nesting).
std::span<const format::schema_element> column_nodes(const format::file_meta& m, column_type type, std::size_t first) {
    return std::span(m.schema).subspan(first, 1 + 2 * static_cast<std::size_t>(list_depth(type)));
}

// The path_in_schema of a column: its nodes' names.
std::vector<std::string> column_path(std::span<const format::schema_element> nodes) {
    std::vector<std::string> path;
    for (const format::schema_element& e : nodes) path.push_back(e.name);
    return path;
}

bool is_dictionary_encoding(std::int32_t e) {
    return e == format::encoding_plain_dictionary || e == format::encoding_rle_dictionary;
}

// Whether a column chunk may hold dictionary-encoded pages (its metadata says so).
bool dictionary_encoded(const format::column_meta& m) {
    return m.dictionary_page_offset.value_or(0) > 0 ||
           std::any_of(m.encodings.begin(), m.encodings.end(), is_dictionary_encoding);
}

// The first page of a column chunk: its dictionary page, if it has one, else its first data page.
// (dictionary_page_offset 0 is no dictionary page: byte 0 is the magic.)
std::int64_t chunk_start(const format::column_meta& m) {
    return m.dictionary_page_offset.value_or(0) > 0 ? *m.dictionary_page_offset : m.data_page_offset;
}

// The most bytes one stored byte of `codec` can decode to: ZSTD 32768 (a 4-byte RLE block per
// 128 KiB block), GZIP 1032 (deflate's limit), SNAPPY 22 (a 3-byte copy of 64 bytes).
std::uint64_t max_expansion(std::int32_t codec) {
    switch (codec) {
        case format::codec_zstd:
            return 32768;
        case format::codec_gzip:
            return 1032;
        case format::codec_snappy:
            return 22;
        default:
            return 1;
    }
}

// Where a column chunk's pages are and what they can hold: between the leading magic and the
// footer (a dictionary page, if any, before the data pages), and, unless dictionary-encoded, room
// for num_values PLAIN values, stored as they are or compressed (max_expansion). A larger claim
// is corrupt and must not make read_column allocate it. (Dictionary indices in RLE runs have no
// such bound: a few bytes can stand for any number of values.)
template <class Bad>
void check_chunk_extent(const format::column_meta& m, std::size_t width, std::uint64_t data_end, const Bad& bad) {
    const std::int64_t start = chunk_start(m);
    const auto offset = static_cast<std::uint64_t>(start);
    const auto size = static_cast<std::uint64_t>(m.total_compressed_size);
    if (start < static_cast<std::int64_t>(magic.size()) || m.data_page_offset < start || m.total_compressed_size < 0 ||
        offset > data_end || size > data_end - offset ||
        static_cast<std::uint64_t>(m.data_page_offset) - offset >= std::max<std::uint64_t>(size, 1)) {
        bad(fmt::format("pages at [{}, +{}), data pages from {}", start, m.total_compressed_size, m.data_page_offset),
            fmt::format("pages between byte 4 and the footer at {}", data_end));
    }
    if (!dictionary_encoded(m) && width != 0 &&
        static_cast<std::uint64_t>(m.num_values) > size * max_expansion(m.codec) / width) {
        bad(fmt::format("{} values in {} bytes of pages", m.num_values, size),
            fmt::format("{}-byte values that fit the pages", width));
    }
}

// One column chunk's metadata: in this file, of the schema's type and path, encodings and a
// codec the reader decodes, no index page, one value per row, within the data area.
void check_chunk(const std::filesystem::path& file, const format::column_chunk& chunk, const column& col,
                 const std::vector<std::string>& path, std::int64_t rows, std::uint64_t data_end,
                 std::string_view where) {
    const auto bad = [&](std::string_view what, std::string_view expected) {
        malformed(file, fmt::format("{}: {}", where, what), expected);
    };
    if (chunk.file_path || chunk.encrypted || !chunk.meta_data) {
        bad("column data elsewhere, encrypted or without metadata", "ColumnMetaData in the footer, unencrypted");
    }
    const format::column_meta& m = *chunk.meta_data;
    if (m.type != physical_type(col.type)) bad(fmt::format("physical type {}", m.type), "the schema's type");
    if (m.path_in_schema != path) bad("path_in_schema differs", "the column's path in the schema");
    if (m.codec != format::codec_uncompressed && m.codec != format::codec_snappy && m.codec != format::codec_gzip &&
        m.codec != format::codec_zstd) {
        bad(fmt::format("compression codec {}", format::codec_name(m.codec)),
            "UNCOMPRESSED (0), SNAPPY (1), GZIP (2) or ZSTD (6)");
    }
    for (const std::int32_t e : m.encodings) {
        if (e != format::encoding_plain && e != format::encoding_rle && e != format::encoding_bit_packed &&
            !is_dictionary_encoding(e)) {
            bad(fmt::format("encoding {}", format::encoding_name(e)),
                "PLAIN, PLAIN_DICTIONARY or RLE_DICTIONARY values and RLE levels");
        }
    }
    if (m.index_page_offset) bad("an index page", "dictionary and data pages only");
    // A list's levels: at least one per row.
    if (list_depth(col.type) > 0 ? m.num_values < rows : m.num_values != rows)
        bad(fmt::format("{} values for {} rows", m.num_values, rows), "one value per row (lists: one or more)");
    check_chunk_extent(m, element_size(col.type), data_end, bad);
}

void check_row_groups(const std::filesystem::path& file, const format::file_meta& m, const std::vector<column>& schema,
                      const std::vector<std::size_t>& first_element, std::uint64_t data_end) {
    std::int64_t rows = 0;
    for (std::size_t g = 0; g < m.row_groups.size(); ++g) {
        const format::row_group& group = m.row_groups[g];
        if (group.num_rows < 0 || group.num_rows > std::numeric_limits<std::int64_t>::max() - rows)
            malformed(file, fmt::format("row group {} has {} rows", g, group.num_rows), "a row count >= 0");
        if (group.columns.size() != schema.size()) {
            malformed(file, fmt::format("row group {} has {} column chunks", g, group.columns.size()),
                      fmt::format("one per column ({})", schema.size()));
        }
        for (std::size_t c = 0; c < schema.size(); ++c) {
            check_chunk(file, group.columns[c], schema[c],
                        column_path(column_nodes(m, schema[c].type, first_element[c])), group.num_rows, data_end,
                        fmt::format("row group {}, column '{}'", g, printable(schema[c].name)));
        }
        rows += group.num_rows;
    }
    if (rows != m.num_rows)
        malformed(file, fmt::format("num_rows {} but the row groups hold {}", m.num_rows, rows), "equal counts");
}

}  // namespace

table_reader::table_reader(std::filesystem::path path) : path_(std::move(path)) {
    const std::vector<std::byte> footer = read_footer(path_);
    format::file_meta m = decode_footer(path_, footer);
    if (m.encrypted) malformed(path_, "encrypted footer metadata", "an unencrypted Parquet file");
    if (m.version != 1 && m.version != 2) malformed(path_, fmt::format("format version {}", m.version), "1 or 2");
    schema_ = table_schema(path_, m, first_element_);
    const std::uint64_t data_end = std::filesystem::file_size(path_) - magic_and_length - footer.size();
    check_row_groups(path_, m, schema_, first_element_, data_end);
    num_rows_ = static_cast<std::uint64_t>(m.num_rows);
    meta_ = std::make_unique<format::file_meta>(std::move(m));
}

table_reader::~table_reader() = default;
table_reader::table_reader(table_reader&&) noexcept = default;
table_reader& table_reader::operator=(table_reader&&) noexcept = default;

std::size_t table_reader::row_group_count() const { return meta_->row_groups.size(); }

std::uint64_t table_reader::row_group_rows(std::size_t row_group) const {
    return static_cast<std::uint64_t>(meta_->row_groups.at(row_group).num_rows);
}

const std::vector<std::pair<std::string, std::string>>& table_reader::key_value_metadata() const {
    return meta_->key_value_metadata;
}

std::string table_reader::created_by() const { return meta_->created_by.value_or(""); }

void table_reader::check_request(std::size_t row_group, std::size_t column, column_type requested) const {
    if (row_group >= row_group_count() || column >= schema_.size()) {
        throw std::out_of_range(fmt::format("{}: row group {} column {} (the file has {} row groups, {} columns)",
                                            path_.string(), row_group, column, row_group_count(), schema_.size()));
    }
    if (requested != schema_[column].type) {
        throw std::invalid_argument(fmt::format("{}: column '{}' is {}, read as {}", path_.string(),
                                                schema_[column].name, to_string(schema_[column].type),
                                                to_string(requested)));
    }
}

// ---------------------------------------------------------------------------------------------
// Pages: decompression, levels, PLAIN and dictionary-encoded values.
// ---------------------------------------------------------------------------------------------

// One data page of a column chunk, decoded (valid until the next page is decoded).
struct detail::decoded_page {
    std::string where;                      // names the page for messages
    std::size_t levels = 0;                 // the header's num_values: levels (values, empty lists and nulls)
    std::vector<std::uint8_t> rep;          // repetition levels (none when the maximum is 0)
    std::vector<std::uint8_t> def;          // definition levels (none when the maximum is 0)
    std::uint8_t max_def = 0;               // the column's maximum definition level: a value is stored
    std::size_t values = 0;                 // values stored (definition level max_def)
    std::span<const std::byte> fixed;       // INT32 / INT64 / FLOAT / DOUBLE: the values, PLAIN (little-endian)
    std::vector<std::string_view> strings;  // BYTE_ARRAY: the values
};

namespace {

using page = detail::decoded_page;

std::uint32_t get_u32(std::span<const std::byte> bytes, std::size_t pos) {
    std::uint32_t v = 0;
    std::memcpy(&v, bytes.data() + pos, sizeof v);  // little-endian
    return v;
}

// What a column's pages hold: the bytes of one PLAIN value (0 for BYTE_ARRAY) and the maximum
// repetition and definition levels (one per REPEATED node, one per REPEATED or OPTIONAL node).
struct leaf_layout {
    std::size_t width = 0;
    std::uint8_t max_rep = 0, max_def = 0;
};

leaf_layout column_layout(std::span<const format::schema_element> nodes) {
    leaf_layout l;
    for (const format::schema_element& e : nodes) {
        l.max_rep += e.repetition_type == format::repetition_repeated;
        l.max_def += e.repetition_type != format::repetition_required;
    }
    switch (nodes.back().type.value_or(0)) {
        case format::type_int64:
        case format::type_double:
            l.width = 8;
            break;
        case format::type_byte_array:
            l.width = 0;
            break;
        default:
            l.width = 4;
    }
    return l;
}

// Decompresses the stored bytes of a page (or of a DataPage v2's values) into `out`, exactly its
// size (the header's uncompressed size).
void decompress(const std::filesystem::path& file, std::string_view where, std::int32_t codec,
                std::span<const std::byte> in, std::span<std::byte> out) {
    const auto bad = [&](std::string_view what) {
        malformed(file, fmt::format("{}: {}: {}", where, format::codec_name(codec), what),
                  fmt::format("{} data of {} bytes", format::codec_name(codec), out.size()));
    };
    switch (codec) {
        case format::codec_snappy: {
            const auto* data = reinterpret_cast<const char*>(in.data());
            std::size_t n = 0;
            if (!snappy::GetUncompressedLength(data, in.size(), &n) || n != out.size())
                bad(fmt::format("a snappy block of {} bytes", n));
            if (!snappy::RawUncompress(data, in.size(), reinterpret_cast<char*>(out.data()))) bad("corrupt data");
            return;
        }
        case format::codec_gzip: {
            z_stream s{};
            if (inflateInit2(&s, 15 + 32) != Z_OK) bad("cannot start inflate");  // 32: gzip or zlib header
            const std::unique_ptr<z_stream, int (*)(z_stream*)> end(&s, inflateEnd);
            Bytef spare = 0;  // zlib wants an output pointer even for an empty page
            s.next_in = const_cast<Bytef*>(reinterpret_cast<const Bytef*>(in.data()));
            s.avail_in = static_cast<uInt>(in.size());
            s.next_out = out.empty() ? &spare : reinterpret_cast<Bytef*>(out.data());
            s.avail_out = static_cast<uInt>(out.size());
            for (;;) {
                const int rc = inflate(&s, Z_NO_FLUSH);
                if (rc == Z_STREAM_END && s.avail_in == 0) break;
                if (rc == Z_STREAM_END) {  // another gzip member follows
                    if (inflateReset(&s) != Z_OK) bad("cannot restart inflate");
                    continue;
                }
                if (rc == Z_BUF_ERROR) bad(s.avail_out == 0 ? "more data than the page size" : "truncated data");
                if (rc != Z_OK) bad(s.msg ? s.msg : "corrupt data");
            }
            if (s.avail_out != 0) bad(fmt::format("{} bytes", out.size() - s.avail_out));
            return;
        }
        case format::codec_zstd: {
            const std::size_t n = ZSTD_decompress(out.data(), out.size(), in.data(), in.size());
            if (ZSTD_isError(n)) bad(ZSTD_getErrorName(n));
            if (n != out.size()) bad(fmt::format("{} bytes", n));
            return;
        }
        default:
            bad("not a codec the reader decompresses");  // check_chunk rejected it already
    }
}

// The page's bytes decoded: `in` itself when not compressed, else `buffer` holding `size` bytes.
std::span<const std::byte> decoded(const std::filesystem::path& file, std::string_view where, std::int32_t codec,
                                   std::span<const std::byte> in, std::size_t size, std::vector<std::byte>& buffer) {
    if (codec == format::codec_uncompressed) {
        if (in.size() != size)
            malformed(file, fmt::format("{}: {} bytes", where, in.size()), fmt::format("{} (uncompressed)", size));
        return in;
    }
    buffer.resize(size);
    decompress(file, where, codec, in, buffer);
    return buffer;
}

// PLAIN BYTE_ARRAY values (4-byte length, bytes) filling `bytes`, as views of them; nullopt if
// `count` of them do not fill it exactly.
std::optional<std::vector<std::string_view>> plain_strings(std::span<const std::byte> bytes, std::size_t count) {
    std::vector<std::string_view> out;
    out.reserve(std::min(count, bytes.size() / 4));
    std::size_t pos = 0;
    for (std::size_t i = 0; i < count; ++i) {
        if (bytes.size() - pos < 4 || get_u32(bytes, pos) > bytes.size() - pos - 4) return std::nullopt;
        const std::uint32_t length = get_u32(bytes, pos);
        out.emplace_back(reinterpret_cast<const char*>(bytes.data() + pos + 4), length);
        pos += 4 + length;
    }
    if (pos != bytes.size()) return std::nullopt;
    return out;
}

// Decodes the pages of one column chunk: its dictionary page, if any, then each data page (v1 or
// v2; values PLAIN or dictionary-encoded) into a decoded_page.
class page_decoder {
public:
    page_decoder(const std::filesystem::path& file, std::int32_t codec, leaf_layout layout)
        : file_(file), codec_(codec), layout_(layout) {}

    bool has_dictionary() const { return dictionary_.has_value(); }

    void read_dictionary(const std::string& where, const format::page_header& h, std::span<const std::byte> stored) {
        const format::dictionary_page_header& d = *h.dictionary_page;
        if (d.encoding != format::encoding_plain && d.encoding != format::encoding_plain_dictionary) {
            bad(where, fmt::format("dictionary page encoding {}", format::encoding_name(d.encoding)),
                "PLAIN (0) or PLAIN_DICTIONARY (2)");
        }
        const std::span<const std::byte> body =
            decoded(file_, where, codec_, stored, static_cast<std::size_t>(h.uncompressed_page_size), buffer_);
        dictionary_bytes_.assign(body.begin(), body.end());
        const auto n = static_cast<std::size_t>(d.num_values);  // check_page_frame: >= 0
        const std::string what = fmt::format("dictionary of {} values in {} bytes", d.num_values, body.size());
        if (layout_.width == 0) {
            std::optional<std::vector<std::string_view>> s = plain_strings(dictionary_bytes_, n);
            if (!s) bad(where, what, "PLAIN BYTE_ARRAY values filling the page");
            dictionary_ = std::move(*s);
        } else if (body.size() != n * layout_.width) {
            bad(where, what, fmt::format("{}-byte PLAIN values filling the page", layout_.width));
        } else {
            dictionary_.emplace();
        }
        dictionary_size_ = n;
    }

    // A DATA_PAGE or DATA_PAGE_V2 (checked by check_page_frame).
    const page& read_data_page(std::string where, const format::page_header& h, std::span<const std::byte> stored) {
        page_.where = std::move(where);
        page_.max_def = layout_.max_def;
        std::int32_t encoding = 0;
        std::span<const std::byte> values;
        try {
            if (h.data_page) {
                encoding = h.data_page->encoding;
                values = levels_v1(*h.data_page, decoded(file_, page_.where, codec_, stored,
                                                         static_cast<std::size_t>(h.uncompressed_page_size), buffer_));
            } else {
                encoding = h.data_page_v2->encoding;
                values = levels_v2(h, stored);
            }
        } catch (const thrift::decode_error& e) {
            bad(page_.where, e.what(), "levels in the RLE / bit-packing hybrid");
        }
        page_.values = layout_.max_def == 0
                           ? page_.levels
                           : static_cast<std::size_t>(std::count(page_.def.begin(), page_.def.end(), layout_.max_def));
        decode_values(encoding, values);
        return page_;
    }

private:
    [[noreturn]] void bad(const std::string& where, std::string_view what, std::string_view expected) const {
        malformed(file_, fmt::format("{}: {}", where, what), expected);
    }

    std::vector<std::uint8_t> levels(std::span<const std::byte> bytes, std::uint8_t max_level) const {
        return format::decode_levels(bytes, format::level_bit_width(max_level), page_.levels, max_level);
    }

    // DataPage v1: the body (decompressed whole) holds the repetition, then the definition levels,
    // each behind its 4-byte length, then the values (returned).
    std::span<const std::byte> levels_v1(const format::data_page_header& d, std::span<const std::byte> body) {
        page_.levels = static_cast<std::size_t>(d.num_values);
        std::size_t pos = 0;
        const auto stream = [&](std::int32_t encoding, std::uint8_t max_level, const char* name) {
            if (max_level == 0) return std::vector<std::uint8_t>{};
            if (encoding != format::encoding_rle) {
                bad(page_.where, fmt::format("{} level encoding {}", name, format::encoding_name(encoding)), "RLE (3)");
            }
            if (body.size() - pos < 4 || get_u32(body, pos) > body.size() - pos - 4)
                throw thrift::decode_error(fmt::format("{} level stream length runs past the page", name));
            const std::uint32_t n = get_u32(body, pos);
            pos += 4 + n;
            return levels(body.subspan(pos - n, n), max_level);
        };
        page_.rep = stream(d.repetition_level_encoding, layout_.max_rep, "repetition");
        page_.def = stream(d.definition_level_encoding, layout_.max_def, "definition");
        return body.subspan(pos);
    }

    // DataPage v2: the repetition and definition levels (their lengths in the header) are stored
    // uncompressed before the values, which alone are compressed (when is_compressed).
    std::span<const std::byte> levels_v2(const format::page_header& h, std::span<const std::byte> stored) {
        const format::data_page_header_v2& d = *h.data_page_v2;
        page_.levels = static_cast<std::size_t>(d.num_values);
        const auto rep_bytes = static_cast<std::size_t>(d.repetition_levels_byte_length);
        const auto def_bytes = static_cast<std::size_t>(d.definition_levels_byte_length);
        const std::size_t level_bytes = rep_bytes + def_bytes;  // check_page_frame: within both sizes
        if ((layout_.max_rep == 0 && rep_bytes != 0) || (layout_.max_def == 0 && def_bytes != 0)) {
            bad(page_.where, fmt::format("{} + {} bytes of levels", rep_bytes, def_bytes),
                fmt::format("no levels where the maximum is 0 (maximum repetition {}, definition {})", layout_.max_rep,
                            layout_.max_def));
        }
        page_.rep =
            layout_.max_rep == 0 ? std::vector<std::uint8_t>{} : levels(stored.first(rep_bytes), layout_.max_rep);
        page_.def = layout_.max_def == 0 ? std::vector<std::uint8_t>{}
                                         : levels(stored.subspan(rep_bytes, def_bytes), layout_.max_def);
        const std::size_t size = static_cast<std::size_t>(h.uncompressed_page_size) - level_bytes;
        return decoded(file_, page_.where, d.is_compressed ? codec_ : format::codec_uncompressed,
                       stored.subspan(level_bytes), size, values_buffer_);
    }

    void decode_values(std::int32_t encoding, std::span<const std::byte> bytes) {
        const std::size_t n = page_.values;
        page_.fixed = {};
        page_.strings.clear();
        if (encoding == format::encoding_plain) {
            if (layout_.width == 0) {
                std::optional<std::vector<std::string_view>> s = plain_strings(bytes, n);
                if (!s) {
                    bad(page_.where, fmt::format("{} bytes of values for {} strings", bytes.size(), n),
                        "PLAIN BYTE_ARRAY values (4-byte length, bytes) filling the page");
                }
                page_.strings = std::move(*s);
            } else if (bytes.size() != n * layout_.width) {
                bad(page_.where, fmt::format("{} bytes of values for {} values", bytes.size(), n),
                    fmt::format("{}-byte PLAIN values filling the page", layout_.width));
            } else {
                page_.fixed = bytes;
            }
            return;
        }
        if (!is_dictionary_encoding(encoding)) {
            bad(page_.where, fmt::format("encoding {}", format::encoding_name(encoding)),
                "PLAIN (0), PLAIN_DICTIONARY (2) or RLE_DICTIONARY (8)");
        }
        if (!dictionary_)
            bad(page_.where, "dictionary-encoded values without a dictionary page", "a dictionary page first");
        std::vector<std::uint32_t> indices;
        try {
            indices = format::decode_dictionary_indices(bytes, n, dictionary_size_);
        } catch (const thrift::decode_error& e) {
            bad(page_.where, e.what(),
                fmt::format("dictionary indices (bit width, RLE / bit-packing hybrid) below {}", dictionary_size_));
        }
        if (layout_.width == 0) {
            page_.strings.reserve(n);
            for (const std::uint32_t i : indices) page_.strings.push_back((*dictionary_)[i]);
            return;
        }
        const std::size_t w = layout_.width;
        gathered_.resize(n * w);
        for (std::size_t k = 0; k < n; ++k)
            std::memcpy(gathered_.data() + k * w, dictionary_bytes_.data() + std::size_t{indices[k]} * w, w);
        page_.fixed = gathered_;
    }

    const std::filesystem::path& file_;
    std::int32_t codec_;
    leaf_layout layout_;
    // The dictionary page's values: PLAIN bytes, and views of its strings (BYTE_ARRAY).
    std::vector<std::byte> dictionary_bytes_;
    std::optional<std::vector<std::string_view>> dictionary_;  // set (empty for fixed widths) once read
    std::size_t dictionary_size_ = 0;
    std::vector<std::byte> buffer_, values_buffer_, gathered_;  // decompressed pages, looked-up values
    page page_;
};

// Checks a page header against the chunk: a data page (v1 or v2) or a dictionary page, sizes
// within the chunk and a decompressed size that the stored bytes can have (max_expansion).
// Returns the page's num_values.
std::size_t check_page_frame(const std::filesystem::path& file, const std::string& where, const format::page_header& h,
                             std::int32_t codec, std::size_t body_room) {
    const bool v1 = h.type == format::page_data && h.data_page, v2 = h.type == format::page_data_v2 && h.data_page_v2,
               dictionary = h.type == format::page_dictionary && h.dictionary_page;
    if (!v1 && !v2 && !dictionary) {
        malformed(file, fmt::format("{}: page type {} (or its header missing)", where, h.type),
                  "DATA_PAGE (0), DICTIONARY_PAGE (2) or DATA_PAGE_V2 (3) pages");
    }
    const std::int32_t values = v1   ? h.data_page->num_values
                                : v2 ? h.data_page_v2->num_values
                                     : h.dictionary_page->num_values;
    // DataPage v2: levels stored as they are, within both sizes.
    const std::int64_t level_bytes =
        v2 ? std::int64_t{h.data_page_v2->repetition_levels_byte_length} + h.data_page_v2->definition_levels_byte_length
           : 0;
    const bool bad_levels =
        v2 && (h.data_page_v2->repetition_levels_byte_length < 0 || h.data_page_v2->definition_levels_byte_length < 0 ||
               level_bytes > h.compressed_page_size || level_bytes > h.uncompressed_page_size);
    if (values < 0 || h.compressed_page_size < 0 || h.uncompressed_page_size < 0 || bad_levels ||
        static_cast<std::uint64_t>(h.compressed_page_size) > body_room ||
        static_cast<std::uint64_t>(h.uncompressed_page_size - level_bytes) >
            static_cast<std::uint64_t>(h.compressed_page_size - level_bytes) * max_expansion(codec)) {
        malformed(file,
                  fmt::format("{}: page of {} values, {} bytes ({} compressed)", where, values,
                              h.uncompressed_page_size, h.compressed_page_size),
                  "a page within the column chunk");
    }
    return static_cast<std::size_t>(values);
}

// "row 12 (row 2 of row group 1)", for messages about one row.
std::string row_name(std::uint64_t first_row, std::size_t row_group, std::uint64_t row) {
    return fmt::format("row {} (row {} of row group {})", first_row + row, row, row_group);
}

}  // namespace

std::size_t table_reader::reserve_rows(std::size_t row_group, std::size_t column) const {
    const std::uint64_t rows = row_group_rows(row_group);
    // Without a dictionary, check_chunk_extent bounded the rows by the stored bytes (strings:
    // 4 bytes a row); with one, a corrupt row count must not allocate.
    return static_cast<std::size_t>(dictionary_encoded(*meta_->row_groups[row_group].columns[column].meta_data)
                                        ? std::min<std::uint64_t>(rows, std::uint64_t{1} << 20)
                                        : rows);
}

std::uint64_t table_reader::first_row(std::size_t row_group) const {
    std::uint64_t rows = 0;
    for (std::size_t g = 0; g < row_group; ++g) rows += row_group_rows(g);
    return rows;
}

void table_reader::for_each_page(std::size_t row_group, std::size_t column,
                                 const std::function<void(const page&)>& f) const {
    const format::column_meta& m = *meta_->row_groups[row_group].columns[column].meta_data;
    const std::int64_t start = chunk_start(m);
    const std::vector<std::byte> chunk =
        read_range(path_, static_cast<std::uint64_t>(start), static_cast<std::uint64_t>(m.total_compressed_size));
    page_decoder decoder(path_, m.codec,
                         column_layout(column_nodes(*meta_, schema_[column].type, first_element_[column])));
    std::size_t pos = 0;
    std::uint64_t levels = 0;  // so far
    bool data_pages = false;
    while (pos < chunk.size()) {
        std::string where = fmt::format("row group {}, column '{}', page at byte {}", row_group,
                                        printable(schema_[column].name), static_cast<std::uint64_t>(start) + pos);
        std::size_t header_size = 0;
        format::page_header h;
        try {
            h = format::decode_page_header(std::span(chunk).subspan(pos), header_size);
        } catch (const thrift::decode_error& e) {
            malformed(path_, fmt::format("{}: {}", where, e.what()), "a Thrift compact PageHeader");
        }
        pos += header_size;
        const std::size_t values = check_page_frame(path_, where, h, m.codec, chunk.size() - pos);
        const auto stored = std::span(chunk).subspan(pos, static_cast<std::size_t>(h.compressed_page_size));
        pos += stored.size();
        if (h.type == format::page_dictionary) {
            if (data_pages || decoder.has_dictionary())
                malformed(path_, fmt::format("{}: a second dictionary page, or one after data pages", where),
                          "one dictionary page, before the data pages");
            decoder.read_dictionary(where, h, stored);
            continue;
        }
        data_pages = true;
        if (values > static_cast<std::uint64_t>(m.num_values) - levels) {  // before anything is allocated
            malformed(path_, fmt::format("{}: {} more values", where, values),
                      fmt::format("{} in all (the chunk's num_values)", m.num_values));
        }
        levels += values;
        f(decoder.read_data_page(std::move(where), h, stored));
    }
}

// The definition levels of a flat column (OPTIONAL) must all be the maximum: a lower one is a
// null row, which a table of ours never has.
void table_reader::check_no_nulls(const page& p, std::size_t row_group, std::uint64_t rows_before) const {
    const auto null = std::find_if(p.def.begin(), p.def.end(), [&](std::uint8_t d) { return d != p.max_def; });
    if (null != p.def.end()) {
        malformed(path_,
                  fmt::format("{}: {} is null", p.where,
                              row_name(first_row(row_group), row_group,
                                       rows_before + static_cast<std::uint64_t>(null - p.def.begin()))),
                  "a value in every row (spikeforge's tables have no nulls)");
    }
}

void table_reader::check_rows(std::size_t row_group, std::size_t column, std::string_view what,
                              std::uint64_t read) const {
    if (read != row_group_rows(row_group)) {
        malformed(path_,
                  fmt::format("row group {}, column '{}': pages hold {} {}", row_group, printable(schema_[column].name),
                              read, what),
                  fmt::format("{} (the row count)", row_group_rows(row_group)));
    }
}

void table_reader::read_flat(std::size_t row_group, std::size_t column, std::string_view what,
                             const std::function<void(const page&)>& append) const {
    std::uint64_t read = 0;  // no more than the row group's rows: the chunk's num_values (check_chunk)
    for_each_page(row_group, column, [&](const page& p) {
        check_no_nulls(p, row_group, read);
        append(p);
        read += p.levels;
    });
    check_rows(row_group, column, what, read);
}

void table_reader::read_chunk(std::size_t row_group, std::size_t column,
                              const std::function<void(std::span<const std::byte>)>& append) const {
    read_flat(row_group, column, "values", [&](const page& p) { append(p.fixed); });
}

std::vector<std::string> table_reader::read_strings(std::size_t row_group, std::size_t column) const {
    check_request(row_group, column, column_type::string);
    std::vector<std::string> out;
    out.reserve(reserve_rows(row_group, column));
    read_flat(row_group, column, "strings",
              [&](const page& p) { out.insert(out.end(), p.strings.begin(), p.strings.end()); });
    return out;
}

namespace {

// The definition levels of a list column's nestings, one more per OPTIONAL node and per
// repeated group (LogicalTypes.md, Dremel levels). Nesting 0 is the row's own list, nesting 1
// (list<list<T>>) an inner list: below defined[k] the list at nesting k is null, below
// entry[k] it is empty, below value a value is null.
struct list_thresholds {
    std::size_t depth;  // 1: list<T>, 2: list<list<T>>
    std::array<std::uint8_t, 2> defined{}, entry{};
    std::uint8_t value = 0;

    // nodes: the column's 1 + 2 x depth SchemaElements (list_nesting): LIST group, repeated
    // group, [LIST group, repeated group,] leaf.
    explicit list_thresholds(std::span<const format::schema_element> nodes) : depth((nodes.size() - 1) / 2) {
        const auto optional = [&](std::size_t i) -> std::uint8_t {
            return nodes[i].repetition_type == format::repetition_optional ? 1 : 0;
        };
        std::uint8_t level = 0;
        for (std::size_t k = 0; k < depth; ++k) {
            level = static_cast<std::uint8_t>(level + optional(2 * k));  // the LIST group
            defined[k] = level;
            entry[k] = ++level;  // its repeated group
        }
        value = static_cast<std::uint8_t>(level + optional(2 * depth));
    }
};

// The offsets of a list column's nestings, from (repetition, definition) level pairs, page after
// page: offsets[0] indexes the entries of the rows (values, or inner lists of list<list<T>>),
// offsets[1] the values of the inner lists. Null rows, inner lists or values (which a column of
// ours never has) and levels that contradict each other are rejected. The values themselves
// are left to the caller (append_values): the assembler counts them.
class list_assembler {
public:
    explicit list_assembler(list_thresholds t) : t_(t), offsets_(t.depth) {}

    // One page's levels; returns an error text, or empty when all is well. row_name(r) names
    // row r of the row group.
    template <class RowName>
    std::string add_page(std::span<const std::uint8_t> rep, std::span<const std::uint8_t> def,
                         const RowName& row_name) {
        for (std::size_t i = 0; i < rep.size(); ++i) {
            const std::size_t r = rep[i];
            if (r == t_.depth && reached_ == t_.depth && def[i] >= t_.value) {
                // Further values of the current innermost list, most levels of a count matrix:
                // counted as a run (what the general path below does for each, in one scan).
                std::size_t j = i + 1;
                while (j < rep.size() && rep[j] == r && def[j] >= t_.value) ++j;
                values_ += j - i;
                i = j - 1;
                continue;
            }
            if (offsets_[0].empty() && r != 0) return "levels before the first row (repetition level 0)";
            if (r > reached_)
                return fmt::format("level {}: repetition level {} continues an empty {}", i, r, nesting_name(r - 1));
            if (r > 0 && def[i] < t_.entry[r - 1])
                return fmt::format("level {}: an empty {} continued", i, nesting_name(r - 1));
            // Lists at nestings r.. begin here; the level ends in the first empty one, or a value.
            reached_ = t_.depth;
            for (std::size_t k = r; k < t_.depth; ++k) {
                offsets_[k].push_back(children(k));
                if (def[i] < t_.defined[k]) {
                    return k == 0
                               ? fmt::format("level {}: {} is null", i, row_name(offsets_[0].size() - 1))
                               : fmt::format("level {}: a null inner list in {}", i, row_name(offsets_[0].size() - 1));
                }
                if (def[i] < t_.entry[k]) {
                    reached_ = k;
                    break;
                }
            }
            if (reached_ < t_.depth) continue;
            if (def[i] < t_.value)
                return fmt::format("level {}: a null value in {}", i, row_name(offsets_[0].size() - 1));
            ++values_;
        }
        return {};
    }

    // Closes the last lists; returns the offsets of each nesting (offsets[0]: rows + 1 entries).
    std::vector<std::vector<std::uint64_t>> finish() {
        for (std::size_t k = 0; k < t_.depth; ++k) offsets_[k].push_back(children(k));
        return std::move(offsets_);
    }

private:
    static const char* nesting_name(std::size_t k) { return k == 0 ? "row" : "inner list"; }
    // The entries of the lists at nesting k so far: the lists of nesting k + 1, or values.
    std::uint64_t children(std::size_t k) const { return k + 1 < t_.depth ? offsets_[k + 1].size() : values_; }

    list_thresholds t_;
    // Per nesting, the first entry of each list begun so far (finish() adds the end).
    std::vector<std::vector<std::uint64_t>> offsets_;
    std::uint64_t values_ = 0;
    std::size_t reached_ = 0;  // the last level's lists at nestings below this have entries
};

// Appends a page's PLAIN INT32 values as T (uint8: 0..255 only; uint32: the bit pattern);
// returns an error text, or empty.
template <class T>
std::string append_values(std::span<const std::byte> values, std::vector<T>& out) {
    const std::size_t first = out.size(), n = values.size() / 4;
    out.resize(first + n);
    if constexpr (std::is_same_v<T, std::uint32_t>) {
        std::memcpy(out.data() + first, values.data(), n * 4);
    } else {
        for (std::size_t i = 0; i < n; ++i) {
            const auto v = static_cast<std::int32_t>(get_u32(values, 4 * i));
            if (v < 0 || v > 255) return fmt::format("value {} outside 0..255", v);
            out[first + i] = static_cast<std::uint8_t>(v);
        }
    }
    return {};
}

}  // namespace

template <class T>
std::vector<std::vector<std::uint64_t>> table_reader::read_lists(std::size_t row_group, std::size_t column,
                                                                 column_type type, std::vector<T>& values) const {
    check_request(row_group, column, type);
    list_assembler lists{list_thresholds(column_nodes(*meta_, type, first_element_[column]))};
    const std::uint64_t first = first_row(row_group);
    const auto name = [&](std::uint64_t row) { return row_name(first, row_group, row); };
    for_each_page(row_group, column, [&](const page& p) {
        std::string error = lists.add_page(p.rep, p.def, name);
        if (error.empty()) error = append_values(p.fixed, values);
        if (!error.empty())
            malformed(path_, fmt::format("{}: {}", p.where, error),
                      fmt::format("{} levels and values without nulls", to_string(type)));
    });
    std::vector<std::vector<std::uint64_t>> offsets = lists.finish();
    check_rows(row_group, column, "rows", offsets[0].size() - 1);
    return offsets;
}

u8_lists table_reader::read_u8_lists(std::size_t row_group, std::size_t column) const {
    u8_lists out;
    std::vector<std::vector<std::uint64_t>> offsets =
        read_lists(row_group, column, column_type::list_list_u8, out.values);
    out.row_offsets = std::move(offsets[0]);
    out.list_offsets = std::move(offsets[1]);
    return out;
}

list_chunk<std::uint8_t> table_reader::read_u8_list(std::size_t row_group, std::size_t column) const {
    list_chunk<std::uint8_t> out;
    out.offsets = std::move(read_lists(row_group, column, column_type::list_u8, out.values)[0]);
    return out;
}

list_chunk<std::uint32_t> table_reader::read_u32_list(std::size_t row_group, std::size_t column) const {
    list_chunk<std::uint32_t> out;
    out.offsets = std::move(read_lists(row_group, column, column_type::list_u32, out.values)[0]);
    return out;
}

}  // namespace sf::io::parquet
