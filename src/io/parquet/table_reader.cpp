// table_reader: checks the magic bytes, the footer and that the file is of the shape
// table_writer writes (flat, REQUIRED, numeric, PLAIN, uncompressed or ZSTD) before anything is
// read, then decodes one column chunk at a time.
#include <fmt/format.h>
#include <zstd.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <functional>
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
// repeated group > leaf (2), the outer group REQUIRED (a column of ours has no null rows),
// inner nodes REQUIRED or OPTIONAL (nulls are rejected when read); 0 for anything else. The
// leaf, schema[i + 2 x depth], is left to the caller.
std::size_t list_nesting(const std::vector<format::schema_element>& schema, std::size_t i) {
    if (!is_list_group(schema[i]) || schema[i].repetition_type != format::repetition_required) return 0;
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

// The schema's columns (and each one's first SchemaElement): REQUIRED numeric or string leaves
// and list<uint8>, list<uint32> and list<list<uint8>> groups under the root (else input_error).
std::vector<column> table_schema(const std::filesystem::path& file, const format::file_meta& m,
                                 std::vector<std::size_t>& first_element) {
    const std::string lists = "list<uint8>, list<uint32> or list<list<uint8>>";
    const std::string ours =
        fmt::format("a root group of REQUIRED numeric or string leaves and REQUIRED {} groups", lists);
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
        if (e.repetition_type != format::repetition_required)
            malformed(file, fmt::format("column '{}' is not REQUIRED (optional or repeated)", name), ours);
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

// The path_in_schema of the column whose first SchemaElement is schema[first].
std::vector<std::string> column_path(const format::file_meta& m, const column& col, std::size_t first) {
    std::vector<std::string> path;
    for (std::size_t i = first; i <= first + 2 * static_cast<std::size_t>(list_depth(col.type)); ++i)
        path.push_back(m.schema[i].name);
    return path;
}

// Where a column chunk's pages are and what they can hold: between the leading magic and the
// footer, and room for num_values PLAIN values, stored as they are or as ZSTD frames, which
// expand at most 32768-fold (a 4-byte RLE block per 128 KiB block). A larger claim is corrupt
// and must not make read_column allocate it.
template <class Bad>
void check_chunk_extent(const format::column_meta& m, std::size_t width, std::uint64_t data_end, const Bad& bad) {
    const auto offset = static_cast<std::uint64_t>(m.data_page_offset);
    const auto size = static_cast<std::uint64_t>(m.total_compressed_size);
    if (m.data_page_offset < static_cast<std::int64_t>(magic.size()) || m.total_compressed_size < 0 ||
        offset > data_end || size > data_end - offset) {
        bad(fmt::format("pages at [{}, +{})", m.data_page_offset, m.total_compressed_size),
            fmt::format("pages between byte 4 and the footer at {}", data_end));
    }
    const std::uint64_t expansion = m.codec == format::codec_zstd ? 32768 : 1;
    if (width != 0 && static_cast<std::uint64_t>(m.num_values) > size * expansion / width) {
        bad(fmt::format("{} values in {} bytes of pages", m.num_values, size),
            fmt::format("{}-byte values that fit the pages", width));
    }
}

// One column chunk's metadata: in this file, of the schema's type and path, PLAIN pages only
// (no dictionary or index page), a known codec, one value per row, within the data area.
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
    if (m.codec != format::codec_uncompressed && m.codec != format::codec_zstd)
        bad(fmt::format("compression codec {}", m.codec), "UNCOMPRESSED (0) or ZSTD (6)");
    for (const std::int32_t e : m.encodings)
        if (e != format::encoding_plain && e != format::encoding_rle) bad(fmt::format("encoding {}", e), "PLAIN");
    if (m.dictionary_page_offset || m.index_page_offset) bad("dictionary or index page", "PLAIN data pages only");
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
            check_chunk(file, group.columns[c], schema[c], column_path(m, schema[c], first_element[c]), group.num_rows,
                        data_end, fmt::format("row group {}, column '{}'", g, printable(schema[c].name)));
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

namespace {

// Decodes one DataPage v1 body into `out` (exactly its size): PLAIN values, no levels.
void decode_page(const std::filesystem::path& file, std::string_view where, std::int32_t codec,
                 std::span<const std::byte> body, std::span<std::byte> out) {
    if (codec == format::codec_uncompressed) {
        if (body.size() != out.size())
            malformed(file, fmt::format("{}: {} bytes of values", where, body.size()), fmt::format("{}", out.size()));
        std::copy(body.begin(), body.end(), out.begin());
        return;
    }
    const std::size_t n = ZSTD_decompress(out.data(), out.size(), body.data(), body.size());
    if (ZSTD_isError(n) || n != out.size()) {
        malformed(file, fmt::format("{}: zstd: {}", where, ZSTD_isError(n) ? ZSTD_getErrorName(n) : "short page"),
                  fmt::format("a ZSTD frame of {} bytes", out.size()));
    }
}

// Checks a page header against what the chunk still expects; returns the page's value bytes.
std::size_t check_page(const std::filesystem::path& file, std::string_view where, const format::page_header& h,
                       std::size_t width, std::size_t body_room, std::size_t out_room) {
    if (h.type != format::page_data || !h.data_page) {
        malformed(file, fmt::format("{}: page type {}", where, h.type), "DATA_PAGE (v1) pages only");
    }
    const format::data_page_header& d = *h.data_page;
    if (d.encoding != format::encoding_plain)
        malformed(file, fmt::format("{}: encoding {}", where, d.encoding), "PLAIN (0)");
    const std::uint64_t bytes = static_cast<std::uint64_t>(std::max(d.num_values, 0)) * width;
    if (d.num_values < 0 || h.compressed_page_size < 0 || bytes > out_room ||
        static_cast<std::uint64_t>(h.uncompressed_page_size) != bytes ||
        static_cast<std::uint64_t>(h.compressed_page_size) > body_room) {
        malformed(file,
                  fmt::format("{}: page of {} values, {} bytes ({} compressed)", where, d.num_values,
                              h.uncompressed_page_size, h.compressed_page_size),
                  fmt::format("{}-byte values within the column chunk and its row count", width));
    }
    return static_cast<std::size_t>(bytes);
}

}  // namespace

void table_reader::read_chunk(std::size_t row_group, std::size_t column, std::span<std::byte> out) const {
    const format::column_meta& m = *meta_->row_groups[row_group].columns[column].meta_data;
    const std::vector<std::byte> chunk = read_range(path_, static_cast<std::uint64_t>(m.data_page_offset),
                                                    static_cast<std::uint64_t>(m.total_compressed_size));
    const std::size_t width = element_size(schema_[column].type);
    std::size_t pos = 0, filled = 0;
    while (pos < chunk.size()) {
        const std::string where =
            fmt::format("row group {}, column '{}', page at byte {}", row_group, printable(schema_[column].name),
                        static_cast<std::uint64_t>(m.data_page_offset) + pos);
        std::size_t header_size = 0;
        format::page_header h;
        try {
            h = format::decode_page_header(std::span(chunk).subspan(pos), header_size);
        } catch (const thrift::decode_error& e) {
            malformed(path_, fmt::format("{}: {}", where, e.what()), "a Thrift compact PageHeader");
        }
        pos += header_size;
        const std::size_t bytes = check_page(path_, where, h, width, chunk.size() - pos, out.size() - filled);
        decode_page(path_, where, m.codec,
                    std::span(chunk).subspan(pos, static_cast<std::size_t>(h.compressed_page_size)),
                    out.subspan(filled, bytes));
        pos += static_cast<std::size_t>(h.compressed_page_size);
        filled += bytes;
    }
    if (filled != out.size()) {
        malformed(path_,
                  fmt::format("row group {}, column '{}': pages hold {} values", row_group,
                              printable(schema_[column].name), filled / width),
                  fmt::format("{} (the row count)", out.size() / width));
    }
}

namespace {

// Checks a page header of a string or list chunk (whose page sizes depend on the values): a
// DataPage v1 of PLAIN values, RLE levels, sizes within the chunk, and a decompressed size a
// ZSTD frame of that size can have (see check_chunk_extent).
void check_page_frame(const std::filesystem::path& file, const std::string& where, const format::page_header& h,
                      std::int32_t codec, std::size_t body_room) {
    if (h.type != format::page_data || !h.data_page)
        malformed(file, fmt::format("{}: page type {}", where, h.type), "DATA_PAGE (v1) pages only");
    const format::data_page_header& d = *h.data_page;
    if (d.encoding != format::encoding_plain)
        malformed(file, fmt::format("{}: encoding {}", where, d.encoding), "PLAIN (0)");
    if (d.definition_level_encoding != format::encoding_rle || d.repetition_level_encoding != format::encoding_rle) {
        malformed(
            file,
            fmt::format("{}: level encodings {}, {}", where, d.repetition_level_encoding, d.definition_level_encoding),
            "RLE (3)");
    }
    const std::uint64_t expansion = codec == format::codec_zstd ? 32768 : 1;
    if (d.num_values < 0 || h.compressed_page_size < 0 || h.uncompressed_page_size < 0 ||
        static_cast<std::uint64_t>(h.compressed_page_size) > body_room ||
        static_cast<std::uint64_t>(h.uncompressed_page_size) >
            static_cast<std::uint64_t>(h.compressed_page_size) * expansion) {
        malformed(file,
                  fmt::format("{}: page of {} values, {} bytes ({} compressed)", where, d.num_values,
                              h.uncompressed_page_size, h.compressed_page_size),
                  "a page within the column chunk");
    }
}

std::uint32_t get_u32(std::span<const std::byte> bytes, std::size_t pos) {
    std::uint32_t v = 0;
    std::memcpy(&v, bytes.data() + pos, sizeof v);  // little-endian
    return v;
}

// The PLAIN BYTE_ARRAY values of one page, appended to `out`.
void decode_strings(const std::filesystem::path& file, const std::string& where, std::span<const std::byte> body,
                    std::size_t count, std::vector<std::string>& out) {
    std::size_t pos = 0;
    for (std::size_t i = 0; i < count; ++i) {
        if (body.size() - pos < 4 || get_u32(body, pos) > body.size() - pos - 4) {
            malformed(file, fmt::format("{}: string {} of {} runs past the page", where, i, count),
                      "PLAIN BYTE_ARRAY values (4-byte length, bytes) filling the page");
        }
        const std::uint32_t length = get_u32(body, pos);
        out.emplace_back(reinterpret_cast<const char*>(body.data() + pos + 4), length);
        pos += 4 + length;
    }
    if (pos != body.size()) {
        malformed(file, fmt::format("{}: {} bytes after {} strings", where, body.size() - pos, count),
                  "PLAIN BYTE_ARRAY values filling the page");
    }
}

// The definition levels of a list column's nestings, from the repetition of its OPTIONAL nodes
// (LogicalTypes.md, Dremel levels). Nesting 0 is the row's own list, nesting 1 (list<list<T>>)
// an inner list: below defined[k] the list at nesting k is null, below entry[k] it is empty,
// below value a value is null.
struct list_thresholds {
    std::size_t depth;  // 1: list<T>, 2: list<list<T>>
    std::array<std::uint8_t, 2> defined{}, entry{};
    std::uint8_t value = 0;

    // nodes: the column's 1 + 2 x depth SchemaElements (list_nesting).
    explicit list_thresholds(std::span<const format::schema_element> nodes) : depth((nodes.size() - 1) / 2) {
        const auto optional = [&](std::size_t i) -> std::uint8_t {
            return nodes[i].repetition_type == format::repetition_optional ? 1 : 0;
        };
        defined[0] = 0;  // the outer group is REQUIRED (list_nesting)
        entry[0] = 1;
        for (std::size_t k = 1; k < depth; ++k) {
            defined[k] = static_cast<std::uint8_t>(entry[k - 1] + optional(2 * k));
            entry[k] = static_cast<std::uint8_t>(defined[k] + 1);
        }
        value = static_cast<std::uint8_t>(entry[depth - 1] + optional(2 * depth));
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

    // One page's levels and PLAIN values; returns an error text, or empty when all is well.
    std::string add_page(std::span<const std::uint8_t> rep, std::span<const std::uint8_t> def,
                         std::span<const std::byte> values) {
        const std::size_t n_values = values.size() / 4;
        std::size_t next = 0;  // value index in the page
        for (std::size_t i = 0; i < rep.size(); ++i) {
            const std::size_t r = rep[i];
            if (r == t_.depth && reached_ == t_.depth && def[i] >= t_.value) {
                // Further values of the current innermost list, most levels of a count matrix:
                // counted as a run (what the general path below does for each, in one scan).
                std::size_t j = i + 1;
                while (j < rep.size() && rep[j] == r && def[j] >= t_.value) ++j;
                if (next + (j - i) > n_values)
                    return fmt::format("level {}: more levels than the page's {} values", j - 1, n_values);
                next += j - i;
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
                if (def[i] < t_.defined[k]) return fmt::format("level {}: a null {}", i, nesting_name(k));
                if (def[i] < t_.entry[k]) {
                    reached_ = k;
                    break;
                }
            }
            if (reached_ < t_.depth) continue;
            if (def[i] < t_.value) return fmt::format("level {}: a null value", i);
            if (next >= n_values) return fmt::format("level {}: more levels than the page's {} values", i, n_values);
            ++next;
            ++values_;
        }
        if (next != n_values || values.size() % 4 != 0)
            return fmt::format("{} bytes of values for {} values", values.size(), next);
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

// Splits a list page into its levels (each behind a 4-byte length) and its values.
struct list_page_parts {
    std::vector<std::uint8_t> rep, def;
    std::span<const std::byte> values;
};

list_page_parts split_list_page(std::span<const std::byte> body, std::size_t count, const list_thresholds& t) {
    list_page_parts parts;
    std::size_t pos = 0;
    const auto levels = [&](std::size_t max_level) {
        if (body.size() - pos < 4 || get_u32(body, pos) > body.size() - pos - 4)
            throw thrift::decode_error("level stream length runs past the page");
        const std::uint32_t n = get_u32(body, pos);
        const auto bytes = body.subspan(pos + 4, n);
        pos += 4 + n;
        return format::decode_levels(bytes, format::level_bit_width(static_cast<int>(max_level)), count,
                                     static_cast<std::uint8_t>(max_level));
    };
    parts.rep = levels(t.depth);
    parts.def = levels(t.value);
    parts.values = body.subspan(pos);
    return parts;
}

}  // namespace

void table_reader::for_each_page(std::size_t row_group, std::size_t column,
                                 const std::function<void(const std::string& where, const format::page_header& header,
                                                          std::span<const std::byte> body)>& f) const {
    const format::column_meta& m = *meta_->row_groups[row_group].columns[column].meta_data;
    const std::vector<std::byte> chunk = read_range(path_, static_cast<std::uint64_t>(m.data_page_offset),
                                                    static_cast<std::uint64_t>(m.total_compressed_size));
    std::vector<std::byte> plain;
    std::size_t pos = 0;
    while (pos < chunk.size()) {
        const std::string where =
            fmt::format("row group {}, column '{}', page at byte {}", row_group, printable(schema_[column].name),
                        static_cast<std::uint64_t>(m.data_page_offset) + pos);
        std::size_t header_size = 0;
        format::page_header h;
        try {
            h = format::decode_page_header(std::span(chunk).subspan(pos), header_size);
        } catch (const thrift::decode_error& e) {
            malformed(path_, fmt::format("{}: {}", where, e.what()), "a Thrift compact PageHeader");
        }
        pos += header_size;
        check_page_frame(path_, where, h, m.codec, chunk.size() - pos);
        plain.resize(static_cast<std::size_t>(h.uncompressed_page_size));
        decode_page(path_, where, m.codec,
                    std::span(chunk).subspan(pos, static_cast<std::size_t>(h.compressed_page_size)), plain);
        f(where, h, plain);
        pos += static_cast<std::size_t>(h.compressed_page_size);
    }
}

std::vector<std::string> table_reader::read_strings(std::size_t row_group, std::size_t column) const {
    check_request(row_group, column, column_type::string);
    const auto rows = static_cast<std::size_t>(row_group_rows(row_group));
    std::vector<std::string> out;
    out.reserve(rows);  // check_chunk_extent: at least 4 stored bytes per row
    for_each_page(row_group, column, [&](const std::string& where, const format::page_header& h, auto body) {
        const auto count = static_cast<std::size_t>(h.data_page->num_values);
        if (count > rows - out.size())
            malformed(path_, fmt::format("{}: {} more strings", where, count), fmt::format("{} in all", rows));
        decode_strings(path_, where, body, count, out);
    });
    if (out.size() != rows) {
        malformed(path_,
                  fmt::format("row group {}, column '{}': pages hold {} strings", row_group,
                              printable(schema_[column].name), out.size()),
                  fmt::format("{} (the row count)", rows));
    }
    return out;
}

template <class T>
std::vector<std::vector<std::uint64_t>> table_reader::read_lists(std::size_t row_group, std::size_t column,
                                                                 column_type type, std::vector<T>& values) const {
    check_request(row_group, column, type);
    const auto depth = static_cast<std::size_t>(list_depth(type));
    const list_thresholds t(std::span(meta_->schema).subspan(first_element_[column], 1 + 2 * depth));
    list_assembler lists(t);
    for_each_page(row_group, column, [&](const std::string& where, const format::page_header& h, auto body) {
        std::string error;
        try {
            const list_page_parts parts = split_list_page(body, static_cast<std::size_t>(h.data_page->num_values), t);
            error = lists.add_page(parts.rep, parts.def, parts.values);
            if (error.empty()) error = append_values(parts.values, values);
        } catch (const thrift::decode_error& e) {
            error = e.what();
        }
        if (!error.empty())
            malformed(path_, fmt::format("{}: {}", where, error),
                      fmt::format("{} levels and values without nulls", to_string(type)));
    });
    std::vector<std::vector<std::uint64_t>> offsets = lists.finish();
    const std::uint64_t rows = offsets[0].size() - 1;
    if (rows != row_group_rows(row_group)) {
        malformed(path_,
                  fmt::format("row group {}, column '{}': pages hold {} rows", row_group,
                              printable(schema_[column].name), rows),
                  fmt::format("{} (the row count)", row_group_rows(row_group)));
    }
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
