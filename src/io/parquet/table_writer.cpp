// table_writer: "PAR1", row groups (one column chunk per column, pages of PLAIN values),
// the Thrift-encoded FileMetaData, its 4-byte little-endian length, "PAR1".
#include <fmt/format.h>
#include <zstd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <set>
#include <string_view>

#include "core/error.hpp"
#include "io/parquet/format.hpp"
#include "io/parquet/parquet.hpp"

namespace sf::io::parquet {

// PLAIN encoding is the values' little-endian bytes: on this (little-endian) host, the memory
// of a span. A big-endian port would byte-swap here and in table_reader.cpp.
static_assert(std::endian::native == std::endian::little, "PLAIN pages are written from memory as-is");

const char* to_string(column_type t) {
    switch (t) {
        case column_type::i32:
            return "i32";
        case column_type::u32:
            return "u32";
        case column_type::i64:
            return "i64";
        case column_type::u64:
            return "u64";
        case column_type::f32:
            return "f32";
        case column_type::f64:
            return "f64";
        case column_type::string:
            return "string";
        case column_type::list_list_u8:
            return "list<list<u8>>";
        case column_type::list_u8:
            return "list<u8>";
        case column_type::list_u32:
            return "list<u32>";
    }
    return "?";
}

column_type column_values::type() const {
    return std::visit(
        [](auto s) {
            using view = decltype(s);
            if constexpr (std::is_same_v<view, u8_matrices>)
                return column_type::list_list_u8;
            else if constexpr (std::is_same_v<view, flat_lists<std::uint8_t>>)
                return column_type::list_u8;
            else if constexpr (std::is_same_v<view, flat_lists<std::uint32_t>>)
                return column_type::list_u32;
            else if constexpr (std::is_same_v<view, std::span<const std::string>>)
                return column_type::string;
            else
                return column_type_of<typename view::value_type>();
        },
        values_);
}

std::size_t column_values::size() const {
    return std::visit(
        [](auto s) -> std::size_t {
            using view = decltype(s);
            if constexpr (std::is_same_v<view, u8_matrices>)
                return s.units.size();
            else if constexpr (std::is_same_v<view, flat_lists<std::uint8_t>> ||
                               std::is_same_v<view, flat_lists<std::uint32_t>>)
                return s.offsets.empty() ? 0 : s.offsets.size() - 1;  // empty offsets: rejected
            else
                return s.size();
        },
        values_);
}

namespace {

constexpr std::string_view magic = "PAR1";
constexpr std::size_t stream_buffer_bytes = std::size_t{1} << 20;

struct cctx_deleter {
    void operator()(ZSTD_CCtx* c) const { ZSTD_freeCCtx(c); }
};

// The SchemaElement of a leaf column: physical type, REQUIRED, and for integers the
// LogicalType INTEGER with the matching legacy ConvertedType (parquet.thrift asks for both).
format::schema_element leaf_element(const column& c) {
    format::schema_element e;
    e.name = c.name;
    e.repetition_type = format::repetition_required;
    const auto integer = [&](std::int32_t physical, std::int32_t converted, int bits, bool is_signed) {
        e.type = physical;
        e.converted_type = converted;
        e.integer = format::int_type{static_cast<std::int8_t>(bits), is_signed};
    };
    switch (c.type) {
        case column_type::i32:
            integer(format::type_int32, format::converted_int_32, 32, true);
            break;
        case column_type::u32:
            integer(format::type_int32, format::converted_uint_32, 32, false);
            break;
        case column_type::i64:
            integer(format::type_int64, format::converted_int_64, 64, true);
            break;
        case column_type::u64:
            integer(format::type_int64, format::converted_uint_64, 64, false);
            break;
        case column_type::f32:
            e.type = format::type_float;
            break;
        case column_type::f64:
            e.type = format::type_double;
            break;
        case column_type::string:
            e.type = format::type_byte_array;
            e.converted_type = format::converted_utf8;
            e.string = true;
            break;
        case column_type::list_u8:  // the leaves of list nestings (see column_elements)
        case column_type::list_list_u8:
            integer(format::type_int32, format::converted_uint_8, 8, false);
            break;
        case column_type::list_u32:
            integer(format::type_int32, format::converted_uint_32, 32, false);
            break;
    }
    if (list_depth(c.type) > 0) {
        e.name = "element";
        e.repetition_type = format::repetition_optional;
    }
    return e;
}

// The SchemaElements of a column: its leaf, or for a list column the nesting pyarrow (Arrow's
// FieldToNode / ListToNode, use_compliant_nested_type) writes for a non-nullable field of type
// list<T> or list<list<T>>: the field's own nullability gives the outer group, and pa.list_'s
// value fields are nullable by default, which makes every `element` node OPTIONAL:
//   required group <name> (LIST) { repeated group list { optional int32 element (INTEGER(8, false)); } }
//   required group <name> (LIST) { repeated group list { optional group element (LIST) {
//     repeated group list { optional int32 element (INTEGER(8, false)); } } } }
// (list_u32: INTEGER(32, false)). Hence max repetition level = depth and max definition level
// = 2 x depth (see list_levels).
std::vector<format::schema_element> column_elements(const column& c) {
    const auto group = [](std::string name, std::int32_t repetition, bool is_list) {
        format::schema_element e;
        e.name = std::move(name);
        e.repetition_type = repetition;
        e.num_children = 1;
        if (is_list) {
            e.converted_type = format::converted_list;
            e.list = true;
        }
        return e;
    };
    std::vector<format::schema_element> nodes;
    for (int k = 0; k < list_depth(c.type); ++k) {
        nodes.push_back(k == 0 ? group(c.name, format::repetition_required, true)
                               : group("element", format::repetition_optional, true));
        nodes.push_back(group("list", format::repetition_repeated, false));
    }
    nodes.push_back(leaf_element(c));
    return nodes;
}

std::vector<format::schema_element> schema_elements(const std::vector<column>& schema) {
    std::vector<format::schema_element> elements(1);
    elements[0].name = "schema";  // the root: a group without repetition (parquet.thrift)
    elements[0].num_children = static_cast<std::int32_t>(schema.size());
    for (const column& c : schema) {
        const std::vector<format::schema_element> nodes = column_elements(c);
        elements.insert(elements.end(), nodes.begin(), nodes.end());
    }
    return elements;
}

// Levels of column_elements' nestings, `depth` lists deep (1 or 2). Definition levels: 2k = an
// empty list at nesting k (0: the row's own list, REQUIRED, has no entries; 1: the OPTIONAL
// inner list is defined but has no entries), 2 x depth = a value. Odd levels (a null inner
// list, a null value) are never written. Repetition levels: 0 = first level of a row, k = first
// level of a further entry of the list at nesting k - 1 (depth: a further value of the same
// innermost list).
namespace list_levels {
constexpr std::uint8_t empty_list(int nesting) { return static_cast<std::uint8_t>(2 * nesting); }
constexpr std::uint8_t value(int depth) { return static_cast<std::uint8_t>(2 * depth); }
constexpr int max_repetition(int depth) { return depth; }
constexpr int max_definition(int depth) { return 2 * depth; }
}  // namespace list_levels

void check_schema(const std::vector<column>& schema) {
    if (schema.empty()) throw std::invalid_argument("parquet::table_writer: the schema has no columns");
    if (schema.size() > static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max()))
        throw std::invalid_argument("parquet::table_writer: too many columns");
    std::set<std::string_view> names;
    for (const column& c : schema) {
        if (c.name.empty()) throw std::invalid_argument("parquet::table_writer: a column has an empty name");
        if (!names.insert(c.name).second)
            throw std::invalid_argument(fmt::format("parquet::table_writer: column name '{}' repeated", c.name));
    }
}

template <class T>
std::string plain_bytes(T value) {
    std::string bytes(sizeof(T), '\0');
    std::memcpy(bytes.data(), &value, sizeof(T));
    return bytes;
}

// Column chunk statistics (Statistics fields 3, 5-9). Integers: min/max in T's own order,
// i.e. unsigned for u32/u64, as TYPE_ORDER requires for UINT_32/UINT_64. Floats follow
// parquet.thrift's TYPE_ORDER rules: NaNs are counted (nan_count) and left out of min/max,
// no min/max when every value is NaN, a zero min is written -0.0 and a zero max +0.0.
template <class T>
void set_min_max(format::statistics& s, T lo, T hi) {
    s.min_value = plain_bytes(lo);
    s.max_value = plain_bytes(hi);
    s.is_min_value_exact = true;  // values of the chunk, not bounds
    s.is_max_value_exact = true;
}

template <class T>
format::statistics chunk_statistics(std::span<const T> values) {
    format::statistics s;
    s.null_count = 0;
    if constexpr (std::is_floating_point_v<T>) {
        std::int64_t nans = 0;
        T lo = std::numeric_limits<T>::infinity(), hi = -std::numeric_limits<T>::infinity();
        for (const T v : values) {
            if (std::isnan(v)) {
                ++nans;
                continue;
            }
            lo = std::min(lo, v);
            hi = std::max(hi, v);
        }
        s.nan_count = nans;
        if (static_cast<std::size_t>(nans) == values.size()) return s;
        if (lo == 0) lo = -T{0};
        if (hi == 0) hi = T{0};
        set_min_max(s, lo, hi);
    } else {
        if (values.empty()) return s;
        const auto [lo, hi] = std::minmax_element(values.begin(), values.end());
        set_min_max(s, *lo, *hi);
    }
    return s;
}

format::statistics string_statistics(std::span<const std::string> values) {
    format::statistics s;
    s.null_count = 0;
    if (values.empty()) return s;
    // std::string compares as unsigned bytes (char_traits<char>::compare, like memcmp): the
    // TYPE_ORDER of STRING columns.
    const auto [lo, hi] = std::minmax_element(values.begin(), values.end());
    s.min_value = *lo;  // a BYTE_ARRAY's statistics are its bytes, without the length
    s.max_value = *hi;
    s.is_min_value_exact = true;
    s.is_max_value_exact = true;
    return s;
}

// One page of a list column being gathered: its levels as runs and its values (INT32: uint8
// values widened, uint32 values as their bit pattern). Levels are kept as runs because an inner
// list of n values is one run of its first level and one of n - 1 continuation levels: a
// spike-count matrix row of 10 000 bins costs two runs, not 20 000 level bytes to scan later.
struct list_page {
    int depth;  // 1: list<T>, 2: list<list<T>>
    std::vector<format::level_run> repetition, definition;
    std::vector<std::int32_t> values;
    std::size_t levels = 0;

    static void push(std::vector<format::level_run>& runs, std::uint8_t value, std::uint64_t count) {
        if (count == 0) return;
        if (!runs.empty() && runs.back().value == value)
            runs.back().count += count;
        else
            runs.push_back({value, count});
    }
    // An empty list at `nesting` (0: the row), its level at repetition level `rep`.
    void add_empty(std::uint8_t rep, int nesting) {
        push(repetition, rep, 1);
        push(definition, list_levels::empty_list(nesting), 1);
        ++levels;
    }
    // The values of one innermost list, the first at repetition level `rep` (empty: not allowed).
    template <class T>
    void add_values(std::uint8_t rep, std::span<const T> list) {
        push(repetition, rep, 1);
        push(repetition, static_cast<std::uint8_t>(depth), list.size() - 1);
        push(definition, list_levels::value(depth), list.size());
        levels += list.size();
        const std::size_t old = values.size();
        values.resize(old + list.size());
        std::int32_t* out = values.data() + old;
        for (std::size_t i = 0; i < list.size(); ++i) out[i] = static_cast<std::int32_t>(list[i]);
    }

    std::string bytes;  // the page body, reused: a page can hold a 40 MB row, and fresh buffers
                        // of that size cost page faults on every page

    // DataPage v1 body: each level stream as the hybrid encoding behind its 4-byte
    // little-endian length, repetition levels first, then the PLAIN values.
    const std::string& body() {
        std::string& out = bytes;
        out.clear();
        const auto put_levels = [&](const std::vector<format::level_run>& runs, int max_level) {
            const std::string encoded = format::encode_level_runs(runs, format::level_bit_width(max_level));
            out += plain_bytes(static_cast<std::uint32_t>(encoded.size()));
            out += encoded;
        };
        put_levels(repetition, list_levels::max_repetition(depth));
        put_levels(definition, list_levels::max_definition(depth));
        out.append(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(std::int32_t));
        return out;
    }

    void clear() {
        repetition.clear();
        definition.clear();
        values.clear();
        levels = 0;
    }
};

// A row's values and levels (values plus empty lists), for page splitting.
struct row_shape {
    std::size_t values, levels;
};

// The rows of a list<list<uint8>> column (u8_matrices) as write_list_chunk takes them: row r is
// units[r] inner lists of bins[r] values. add() goes through the rows in order.
struct matrix_rows {
    static constexpr int depth = 2;
    u8_matrices m;
    std::size_t first = 0;  // the next row's first value in m.data

    std::size_t size() const { return m.units.size(); }
    row_shape shape(std::size_t r) const {
        const std::size_t n = std::size_t{m.units[r]} * m.bins[r];
        return {n, std::max<std::size_t>(n, std::max<std::uint32_t>(m.units[r], 1))};
    }
    void add(list_page& page, std::size_t r) {
        const std::uint32_t units = m.units[r], bins = m.bins[r];
        if (units == 0) page.add_empty(0, 0);
        for (std::uint32_t u = 0; u < units; ++u) {
            const std::uint8_t rep = u == 0 ? 0 : 1;
            if (bins == 0)
                page.add_empty(rep, 1);
            else
                page.add_values(rep, m.data.subspan(first + std::size_t{u} * bins, bins));
        }
        first += std::size_t{units} * bins;
    }
    std::span<const std::uint8_t> values() const { return m.data; }
};

// The rows of a list<uint8> or list<uint32> column (flat_lists, offsets checked).
template <class T>
struct flat_rows {
    static constexpr int depth = 1;
    flat_lists<T> l;

    std::size_t size() const { return l.offsets.size() - 1; }
    row_shape shape(std::size_t r) const {
        const auto n = static_cast<std::size_t>(l.offsets[r + 1] - l.offsets[r]);
        return {n, std::max<std::size_t>(n, 1)};
    }
    void add(list_page& page, std::size_t r) const {
        const auto first = static_cast<std::size_t>(l.offsets[r]);
        const std::size_t n = shape(r).values;
        if (n == 0)
            page.add_empty(0, 0);
        else
            page.add_values(0, l.values.subspan(first, n));
    }
    std::span<const T> values() const { return l.values; }
};

// Whether a row of `row_bytes` of values and `row_levels` levels still fits a page holding
// `value_bytes` and `levels`: at most max_page_bytes of values, and as many levels (rows of
// empty lists have levels but no values). A row that fits no page gets a page of its own.
bool fits_page(std::size_t value_bytes, std::size_t levels, std::size_t row_bytes, std::size_t row_levels) {
    return value_bytes + row_bytes <= max_page_bytes && levels + row_levels <= max_page_bytes;
}

}  // namespace

struct table_writer::state {
    // Declared before `out`, so that it outlives the stream (whose destructor flushes into it).
    std::vector<char> stream_buffer;
    std::ofstream out;
    std::uint64_t offset = 0;  // bytes written so far = file offset of the next byte
    std::unique_ptr<ZSTD_CCtx, cctx_deleter> cctx;
    std::string compressed;  // one compressed page
    format::file_meta meta;
    bool closed = false;

    void write(const std::filesystem::path& path, std::string_view bytes) {
        out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
        if (!out) throw core::io_error(fmt::format("{}: write failed ({})", path.string(), std::strerror(errno)));
        offset += bytes.size();
    }

    // The ZSTD frame of one page (in `compressed`, reused from page to page).
    std::string_view compress(const std::filesystem::path& path, std::span<const std::byte> plain, int level) {
        compressed.resize(ZSTD_compressBound(plain.size()));
        const std::size_t n =
            ZSTD_compressCCtx(cctx.get(), compressed.data(), compressed.size(), plain.data(), plain.size(), level);
        if (ZSTD_isError(n))
            throw core::io_error(fmt::format("{}: zstd compression failed ({})", path.string(), ZSTD_getErrorName(n)));
        return std::string_view(compressed.data(), n);
    }

    // One DataPage v1 (PageHeader fields 1-3, 5): header, then the PLAIN values, compressed
    // when asked. No repetition/definition levels: a REQUIRED column of a flat schema has
    // max levels 0, and such levels take no bytes. Returns the page's (uncompressed,
    // compressed) size including the header, as ColumnMetaData fields 6 and 7 count them.
    std::pair<std::int64_t, std::int64_t> write_page(const std::filesystem::path& path, const writer_options& o,
                                                     std::span<const std::byte> plain, std::size_t values) {
        std::string_view body(reinterpret_cast<const char*>(plain.data()), plain.size());
        if (o.compression == codec::zstd) body = compress(path, plain, o.zstd_level);
        format::page_header h;
        h.type = format::page_data;
        h.uncompressed_page_size = static_cast<std::int32_t>(plain.size());
        h.compressed_page_size = static_cast<std::int32_t>(body.size());
        h.data_page = format::data_page_header{};
        h.data_page->num_values = static_cast<std::int32_t>(values);
        const std::string header = format::encode(h);
        write(path, header);
        write(path, body);
        return {static_cast<std::int64_t>(header.size() + plain.size()),
                static_cast<std::int64_t>(header.size() + body.size())};
    }

    // One column chunk: pages of at most max_page_bytes of values, then its ColumnMetaData.
    template <class T>
    format::column_chunk write_chunk(const std::filesystem::path& path, const column& col, const writer_options& o,
                                     std::span<const T> values) {
        format::column_meta m;
        m.type = *leaf_element(col).type;
        // RLE: the level encoding that DataPage v1 headers declare (for levels that are empty).
        m.encodings = {format::encoding_plain, format::encoding_rle};
        m.path_in_schema = {col.name};
        m.codec = o.compression == codec::zstd ? format::codec_zstd : format::codec_uncompressed;
        m.num_values = static_cast<std::int64_t>(values.size());
        m.data_page_offset = static_cast<std::int64_t>(offset);
        constexpr std::size_t per_page = max_page_bytes / sizeof(T);
        for (std::size_t first = 0; first < values.size(); first += per_page) {
            const std::span<const T> page = values.subspan(first, std::min(per_page, values.size() - first));
            const auto [uncompressed, compressed_size] = write_page(path, o, std::as_bytes(page), page.size());
            m.total_uncompressed_size += uncompressed;
            m.total_compressed_size += compressed_size;
        }
        m.stats = chunk_statistics(values);
        format::column_chunk c;
        c.meta_data = std::move(m);
        return c;
    }

    // The ColumnMetaData of a chunk about to be written at the current offset.
    format::column_meta begin_chunk(const column& col, const writer_options& o) const {
        format::column_meta m;
        m.type = *leaf_element(col).type;
        m.encodings = {format::encoding_plain, format::encoding_rle};
        for (const format::schema_element& e : column_elements(col)) m.path_in_schema.push_back(e.name);
        m.codec = o.compression == codec::zstd ? format::codec_zstd : format::codec_uncompressed;
        m.data_page_offset = static_cast<std::int64_t>(offset);
        return m;
    }

    void add_page(format::column_meta& m, const std::filesystem::path& path, const writer_options& o,
                  std::string_view plain, std::size_t values) {
        const auto [uncompressed, compressed_size] = write_page(path, o, std::as_bytes(std::span(plain)), values);
        m.total_uncompressed_size += uncompressed;
        m.total_compressed_size += compressed_size;
        m.num_values += static_cast<std::int64_t>(values);
    }

    // A string chunk: PLAIN BYTE_ARRAY values (4-byte little-endian length, then the bytes),
    // pages of whole strings (fits_page).
    format::column_chunk write_chunk(const std::filesystem::path& path, const column& col, const writer_options& o,
                                     std::span<const std::string> values) {
        format::column_meta m = begin_chunk(col, o);
        std::string page;
        std::size_t count = 0;
        for (const std::string& v : values) {
            if (count > 0 && !fits_page(page.size(), count, 4 + v.size(), 1)) {
                add_page(m, path, o, page, count);
                page.clear();
                count = 0;
            }
            page += plain_bytes(static_cast<std::uint32_t>(v.size()));
            page += v;
            ++count;
        }
        if (count > 0) add_page(m, path, o, page, count);
        m.stats = string_statistics(values);
        format::column_chunk c;
        c.meta_data = std::move(m);
        return c;
    }

    // A list chunk (Rows: matrix_rows or flat_rows): pages of whole rows (list_page,
    // fits_page), values as INT32. num_values counts levels, as Parquet's do: values plus empty
    // lists; so does null_count, the levels without a value. min/max in the values' own order
    // (unsigned), as INT32 bytes.
    template <class Rows>
    format::column_chunk write_list_chunk(const std::filesystem::path& path, const column& col, const writer_options& o,
                                          Rows rows) {
        format::column_meta m = begin_chunk(col, o);
        list_page page{Rows::depth, {}, {}, {}, 0, {}};
        std::int64_t values = 0;
        const auto flush = [&] {
            values += static_cast<std::int64_t>(page.values.size());
            add_page(m, path, o, page.body(), page.levels);
            page.clear();
        };
        for (std::size_t r = 0; r < rows.size(); ++r) {
            const row_shape row = rows.shape(r);
            if (page.levels > 0 &&
                !fits_page(page.values.size() * sizeof(std::int32_t), page.levels,
                           row.values * sizeof(std::int32_t), row.levels))
                flush();
            rows.add(page, r);
        }
        if (page.levels > 0) flush();
        m.stats.emplace();
        m.stats->null_count = m.num_values - values;
        const auto all = rows.values();
        if (!all.empty()) {
            using value = typename decltype(all)::value_type;
            using stored = std::conditional_t<std::is_same_v<value, std::uint8_t>, std::int32_t, value>;
            value lo = all[0], hi = all[0];  // a plain reduction: vectorizes (std::minmax_element does not)
            for (const value v : all) {
                lo = std::min(lo, v);
                hi = std::max(hi, v);
            }
            set_min_max(*m.stats, stored{lo}, stored{hi});
        }
        format::column_chunk c;
        c.meta_data = std::move(m);
        return c;
    }

    format::column_chunk write_chunk(const std::filesystem::path& path, const column& col, const writer_options& o,
                                     u8_matrices rows) {
        return write_list_chunk(path, col, o, matrix_rows{rows});
    }

    template <class T>
    format::column_chunk write_chunk(const std::filesystem::path& path, const column& col, const writer_options& o,
                                     flat_lists<T> rows) {
        return write_list_chunk(path, col, o, flat_rows<T>{rows});
    }
};

table_writer::table_writer(std::filesystem::path path, std::vector<column> schema, writer_options options)
    : path_(std::move(path)), schema_(std::move(schema)), options_(std::move(options)), state_(new state) {
    check_schema(schema_);
    if (options_.compression == codec::zstd) {
        if (options_.zstd_level < ZSTD_minCLevel() || options_.zstd_level > ZSTD_maxCLevel())
            throw std::invalid_argument(fmt::format("parquet::table_writer: zstd level {} outside [{}, {}]",
                                                    options_.zstd_level, ZSTD_minCLevel(), ZSTD_maxCLevel()));
        state_->cctx.reset(ZSTD_createCCtx());
        if (!state_->cctx) throw std::bad_alloc();
    }
    state_->meta.schema = schema_elements(schema_);
    // A larger buffer than the default: pages go out in few large writes.
    state_->stream_buffer.resize(stream_buffer_bytes);
    state_->out.rdbuf()->pubsetbuf(state_->stream_buffer.data(), static_cast<std::streamsize>(stream_buffer_bytes));
    state_->out.open(path_, std::ios::binary | std::ios::trunc);
    if (!state_->out)
        throw core::io_error(fmt::format("{}: cannot create the file ({})", path_.string(), std::strerror(errno)));
    state_->write(path_, magic);
}

// Without close() the stream is closed here and the file keeps no footer: it is not a
// Parquet file, and the caller's atomic_file removes it.
table_writer::~table_writer() = default;

namespace {

// The largest row of a list column or string we write: its page size must fit an i32.
constexpr std::uint64_t max_row_bytes = std::uint64_t{1} << 30;

}  // namespace

void table_writer::check_matrices(const std::string& name, const u8_matrices& rows) {
    if (rows.bins.size() != rows.units.size()) {
        throw std::invalid_argument(
            fmt::format("parquet::table_writer: column '{}' has {} unit counts and {} bin counts", name,
                        rows.units.size(), rows.bins.size()));
    }
    std::uint64_t total = 0;
    for (std::size_t r = 0; r < rows.units.size(); ++r) {
        const std::uint64_t n = std::uint64_t{rows.units[r]} * rows.bins[r];
        if (n > max_row_bytes / sizeof(std::int32_t) || std::uint64_t{rows.units[r]} > max_row_bytes)
            throw std::invalid_argument(fmt::format("parquet::table_writer: column '{}' row {} is too large", name, r));
        total += n;
    }
    if (total != rows.data.size()) {
        throw std::invalid_argument(
            fmt::format("parquet::table_writer: column '{}' has {} values, its units x bins sum to {}", name,
                        rows.data.size(), total));
    }
}

void table_writer::check_lists(const std::string& name, std::span<const std::uint64_t> offsets, std::size_t values) {
    const auto bad = [&](const std::string& what) {
        throw std::invalid_argument(fmt::format("parquet::table_writer: column '{}' {}", name, what));
    };
    if (offsets.empty()) bad("has no offsets; expected rows + 1 offsets from 0 to the number of values");
    if (offsets[0] != 0) bad(fmt::format("has offsets[0] = {}; expected 0", offsets[0]));
    for (std::size_t r = 0; r + 1 < offsets.size(); ++r) {
        if (offsets[r + 1] < offsets[r]) {
            bad(fmt::format("has offsets[{}] = {} below offsets[{}] = {}; expected non-decreasing offsets", r + 1,
                            offsets[r + 1], r, offsets[r]));
        }
        if (offsets[r + 1] - offsets[r] > max_row_bytes / sizeof(std::int32_t))
            bad(fmt::format("row {} is too large", r));
    }
    if (offsets.back() != values) {
        bad(fmt::format("has {} values, its last offset is {}; expected offsets to end at the number of values", values,
                        offsets.back()));
    }
}

void table_writer::check_strings(const std::string& name, std::span<const std::string> values) {
    for (const std::string& v : values)
        if (v.size() > max_row_bytes)
            throw std::invalid_argument(
                fmt::format("parquet::table_writer: column '{}' has a string over 1 GiB", name));
}

void table_writer::check_row_group(std::span<const column_values> columns) const {
    if (state_->closed) throw std::logic_error("parquet::table_writer: write_row_group after close");
    if (columns.size() != schema_.size()) {
        throw std::invalid_argument(
            fmt::format("parquet::table_writer: {} columns given, the schema has {}", columns.size(), schema_.size()));
    }
    for (std::size_t c = 0; c < columns.size(); ++c) {
        if (columns[c].type() != schema_[c].type) {
            throw std::invalid_argument(fmt::format("parquet::table_writer: column '{}' is {}, values given are {}",
                                                    schema_[c].name, to_string(schema_[c].type),
                                                    to_string(columns[c].type())));
        }
        if (columns[c].type() == column_type::list_list_u8) check_matrices(schema_[c].name, columns[c].get_matrices());
        if (columns[c].type() == column_type::string) check_strings(schema_[c].name, columns[c].get_strings());
        columns[c].visit([&](auto v) {  // flat_lists
            if constexpr (requires { v.offsets; }) check_lists(schema_[c].name, v.offsets, v.values.size());
        });
        if (columns[c].size() != columns[0].size()) {
            throw std::invalid_argument(fmt::format("parquet::table_writer: column '{}' has {} values, '{}' has {}",
                                                    schema_[c].name, columns[c].size(), schema_[0].name,
                                                    columns[0].size()));
        }
    }
    if (columns[0].size() > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) - rows_)
        throw std::invalid_argument("parquet::table_writer: too many rows");
}

void table_writer::write_row_group(std::span<const column_values> columns) {
    check_row_group(columns);
    const std::size_t rows = columns[0].size();
    if (rows == 0) return;  // readers expect rows in a row group: an empty table has none
    format::row_group group;
    group.num_rows = static_cast<std::int64_t>(rows);
    group.file_offset = static_cast<std::int64_t>(state_->offset);
    group.total_compressed_size = 0;
    for (std::size_t c = 0; c < columns.size(); ++c) {
        group.columns.push_back(
            columns[c].visit([&](auto values) { return state_->write_chunk(path_, schema_[c], options_, values); }));
        group.total_byte_size += group.columns.back().meta_data->total_uncompressed_size;
        *group.total_compressed_size += group.columns.back().meta_data->total_compressed_size;
    }
    const std::size_t ordinal = state_->meta.row_groups.size();
    if (ordinal <= static_cast<std::size_t>(std::numeric_limits<std::int16_t>::max()))
        group.ordinal = static_cast<std::int16_t>(ordinal);  // RowGroup.ordinal is an i16
    state_->meta.row_groups.push_back(std::move(group));
    rows_ += rows;
}

// The footer: FileMetaData (version 1, as parquet.thrift recommends for compatibility), its
// length as 4 little-endian bytes, and the closing magic.
void table_writer::close() {
    if (state_->closed) return;
    state_->closed = true;  // even if this fails: never a second footer
    format::file_meta& m = state_->meta;
    m.version = 1;
    m.num_rows = static_cast<std::int64_t>(rows_);
    m.key_value_metadata = options_.key_value_metadata;
    m.created_by = options_.created_by;
    m.column_orders = true;
    const std::string footer = format::encode(m);
    if (footer.size() > std::numeric_limits<std::uint32_t>::max())
        throw core::io_error(fmt::format("{}: footer of {} bytes exceeds 4 GiB", path_.string(), footer.size()));
    state_->write(path_, footer);
    state_->write(path_, plain_bytes(static_cast<std::uint32_t>(footer.size())));
    state_->write(path_, magic);
    state_->out.close();
    if (!state_->out) throw core::io_error(fmt::format("{}: close failed ({})", path_.string(), std::strerror(errno)));
}

}  // namespace sf::io::parquet
