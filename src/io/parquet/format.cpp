#include "io/parquet/format.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <initializer_list>

#include "io/parquet/thrift_compact.hpp"

namespace sf::io::parquet::format {

using thrift::type;

// ---------------------------------------------------------------------------------------------
// Encoding. Fields are written in ascending id order, so every header takes the one-byte form.
// ---------------------------------------------------------------------------------------------

namespace {

void put_schema_element(thrift::writer& w, const schema_element& e) {
    w.begin_struct_element();
    if (e.type) w.field_i32(1, *e.type);
    if (e.type_length) w.field_i32(2, *e.type_length);
    if (e.repetition_type) w.field_i32(3, *e.repetition_type);
    w.field_binary(4, e.name);
    if (e.num_children) w.field_i32(5, *e.num_children);
    if (e.converted_type) w.field_i32(6, *e.converted_type);
    if (e.integer) {
        w.begin_struct_field(10);  // SchemaElement.logicalType
        w.begin_struct_field(10);  // LogicalType union member 10: INTEGER (IntType)
        w.field_i8(1, e.integer->bit_width);
        w.field_bool(2, e.integer->is_signed);
        w.end_struct();
        w.end_struct();
    } else if (e.string || e.list) {
        w.begin_struct_field(10);                // SchemaElement.logicalType
        w.begin_struct_field(e.string ? 1 : 3);  // LogicalType member 1 STRING / 3 LIST (empty structs)
        w.end_struct();
        w.end_struct();
    }
    w.end_struct();
}

void put_statistics(thrift::writer& w, const statistics& s) {
    w.begin_struct_field(12);  // ColumnMetaData.statistics
    if (s.null_count) w.field_i64(3, *s.null_count);
    if (s.max_value) w.field_binary(5, *s.max_value);
    if (s.min_value) w.field_binary(6, *s.min_value);
    if (s.is_max_value_exact) w.field_bool(7, *s.is_max_value_exact);
    if (s.is_min_value_exact) w.field_bool(8, *s.is_min_value_exact);
    if (s.nan_count) w.field_i64(9, *s.nan_count);
    w.end_struct();
}

void put_column_meta(thrift::writer& w, const column_meta& m) {
    w.begin_struct_field(3);  // ColumnChunk.meta_data
    w.field_i32(1, m.type);
    w.begin_list_field(2, type::i32, m.encodings.size());
    for (const std::int32_t e : m.encodings) w.element_i32(e);
    w.begin_list_field(3, type::binary, m.path_in_schema.size());
    for (const std::string& p : m.path_in_schema) w.element_binary(p);
    w.field_i32(4, m.codec);
    w.field_i64(5, m.num_values);
    w.field_i64(6, m.total_uncompressed_size);
    w.field_i64(7, m.total_compressed_size);
    w.field_i64(9, m.data_page_offset);
    // Never set by table_writer; encoded when present so that tests can build such footers.
    if (m.index_page_offset) w.field_i64(10, *m.index_page_offset);
    if (m.dictionary_page_offset) w.field_i64(11, *m.dictionary_page_offset);
    if (m.stats) put_statistics(w, *m.stats);
    w.end_struct();
}

void put_row_group(thrift::writer& w, const row_group& g) {
    w.begin_struct_element();
    w.begin_list_field(1, type::struct_, g.columns.size());
    for (const column_chunk& c : g.columns) {
        w.begin_struct_element();
        // file_offset (2) is required but deprecated: parquet.thrift asks writers to set 0 when
        // no ColumnMetaData is written outside the footer (readers use data_page_offset).
        w.field_i64(2, c.file_offset);
        if (c.meta_data) put_column_meta(w, *c.meta_data);
        w.end_struct();
    }
    w.field_i64(2, g.total_byte_size);
    w.field_i64(3, g.num_rows);
    if (g.file_offset) w.field_i64(5, *g.file_offset);
    if (g.total_compressed_size) w.field_i64(6, *g.total_compressed_size);
    if (g.ordinal) w.field_i16(7, *g.ordinal);
    w.end_struct();
}

void put_key_values(thrift::writer& w, const std::vector<std::pair<std::string, std::string>>& kv) {
    w.begin_list_field(5, type::struct_, kv.size());  // FileMetaData.key_value_metadata
    for (const auto& [key, value] : kv) {
        w.begin_struct_element();  // KeyValue
        w.field_binary(1, key);
        w.field_binary(2, value);
        w.end_struct();
    }
}

// FileMetaData.column_orders (7): one ColumnOrder per leaf, each the union member 1
// TYPE_ORDER (empty TypeDefinedOrder): min/max follow the logical type's order (unsigned for
// UINT_32/UINT_64). parquet.thrift: statistics' min_value/max_value need column_orders.
void put_column_orders(thrift::writer& w, std::size_t leaves) {
    w.begin_list_field(7, type::struct_, leaves);
    for (std::size_t i = 0; i < leaves; ++i) {
        w.begin_struct_element();
        w.begin_struct_field(1);
        w.end_struct();
        w.end_struct();
    }
}

}  // namespace

std::string encode(const file_meta& meta) {
    thrift::writer w;
    w.field_i32(1, meta.version);
    w.begin_list_field(2, type::struct_, meta.schema.size());
    std::size_t leaves = 0;
    for (const schema_element& e : meta.schema) {
        put_schema_element(w, e);
        leaves += e.type.has_value();
    }
    w.field_i64(3, meta.num_rows);
    w.begin_list_field(4, type::struct_, meta.row_groups.size());
    for (const row_group& g : meta.row_groups) put_row_group(w, g);
    if (!meta.key_value_metadata.empty()) put_key_values(w, meta.key_value_metadata);
    if (meta.created_by) w.field_binary(6, *meta.created_by);
    if (meta.column_orders) put_column_orders(w, leaves);
    w.end_struct();
    return w.take();
}

std::string encode(const page_header& header) {
    thrift::writer w;
    w.field_i32(1, header.type);
    w.field_i32(2, header.uncompressed_page_size);
    w.field_i32(3, header.compressed_page_size);
    if (header.data_page) {
        const data_page_header& d = *header.data_page;
        w.begin_struct_field(5);  // PageHeader.data_page_header
        w.field_i32(1, d.num_values);
        w.field_i32(2, d.encoding);
        w.field_i32(3, d.definition_level_encoding);
        w.field_i32(4, d.repetition_level_encoding);
        w.end_struct();
    }
    if (header.dictionary_page) {
        const dictionary_page_header& d = *header.dictionary_page;
        w.begin_struct_field(7);  // PageHeader.dictionary_page_header
        w.field_i32(1, d.num_values);
        w.field_i32(2, d.encoding);
        if (d.is_sorted) w.field_bool(3, *d.is_sorted);
        w.end_struct();
    }
    if (header.data_page_v2) {
        const data_page_header_v2& d = *header.data_page_v2;
        w.begin_struct_field(8);  // PageHeader.data_page_header_v2
        w.field_i32(1, d.num_values);
        w.field_i32(2, d.num_nulls);
        w.field_i32(3, d.num_rows);
        w.field_i32(4, d.encoding);
        w.field_i32(5, d.definition_levels_byte_length);
        w.field_i32(6, d.repetition_levels_byte_length);
        w.field_bool(7, d.is_compressed);
        w.end_struct();
    }
    w.end_struct();
    return w.take();
}

namespace {

// "NAME (n)" of a parquet.thrift enum value, "unknown (n)" past its names.
template <std::size_t N>
std::string enum_name(const char* const (&names)[N], std::int32_t value) {
    const bool known = value >= 0 && static_cast<std::size_t>(value) < N;
    return fmt::format("{} ({})", known ? names[value] : "unknown", value);
}

}  // namespace

std::string encoding_name(std::int32_t encoding) {
    // parquet.thrift's enum Encoding; 1 (GROUP_VAR_INT) was never used.
    static constexpr const char* names[] = {
        "PLAIN",          "GROUP_VAR_INT",       "PLAIN_DICTIONARY",        "RLE",
        "BIT_PACKED",     "DELTA_BINARY_PACKED", "DELTA_LENGTH_BYTE_ARRAY", "DELTA_BYTE_ARRAY",
        "RLE_DICTIONARY", "BYTE_STREAM_SPLIT"};
    return enum_name(names, encoding);
}

std::string codec_name(std::int32_t codec) {
    static constexpr const char* names[] = {"UNCOMPRESSED", "SNAPPY", "GZIP", "LZO",
                                            "BROTLI",       "LZ4",    "ZSTD", "LZ4_RAW"};
    return enum_name(names, codec);
}

// ---------------------------------------------------------------------------------------------
// Decoding. Unknown fields are skipped (Thrift's forward compatibility); known fields of the
// wrong type and missing required fields are errors.
// ---------------------------------------------------------------------------------------------

namespace {

using thrift::decode_error;
using thrift::field;
using thrift::reader;

void expect_type(const field& f, type t, const char* where) {
    if (f.t != t) {
        throw decode_error(fmt::format("{} field {} has Thrift type {}, expected {}", where, f.id,
                                       static_cast<int>(f.t), static_cast<int>(t)));
    }
}

std::int32_t get_i32(reader& r, const field& f, const char* where) {
    expect_type(f, type::i32, where);
    return r.read_i32();
}

std::int64_t get_i64(reader& r, const field& f, const char* where) {
    expect_type(f, type::i64, where);
    return r.read_i64();
}

std::string get_binary(reader& r, const field& f, const char* where) {
    expect_type(f, type::binary, where);
    return r.read_binary();
}

bool get_bool(reader& r, const field& f, const char* where) {
    if (f.t != type::bool_true && f.t != type::bool_false) expect_type(f, type::bool_true, where);
    return r.read_bool(f);
}

// Calls on_field for each field of the struct the reader is in, until its stop field.
template <class F>
void for_each_field(reader& r, F&& on_field) {
    for (field f = r.next_field(); f.t != type::stop; f = r.next_field()) on_field(f);
}

// A struct-typed field: enters it and calls on_field for each of its fields.
template <class F>
void read_struct_field(reader& r, const field& f, const char* where, F&& on_field) {
    expect_type(f, type::struct_, where);
    r.begin_struct();
    for_each_field(r, on_field);
}

// A list-typed field of `element`s: calls each() once per element.
template <class F>
void read_list(reader& r, const field& f, type element, const char* where, F&& each) {
    expect_type(f, type::list, where);
    const thrift::list_header_info h = r.read_list_header();
    if (h.element != element) {
        throw decode_error(fmt::format("{} field {} is a list of Thrift type {}, expected {}", where, f.id,
                                       static_cast<int>(h.element), static_cast<int>(element)));
    }
    for (std::size_t i = 0; i < h.size; ++i) each();
}

// Required fields seen so far (bit = field id; our structs use ids < 32).
class required_fields {
public:
    explicit required_fields(const char* where) : where_(where) {}
    void saw(std::int16_t id) {
        if (id < 32) seen_ |= 1u << id;
    }
    void check(std::initializer_list<int> ids) const {
        for (const int id : ids)
            if ((seen_ & (1u << id)) == 0) throw decode_error(fmt::format("{} lacks required field {}", where_, id));
    }

private:
    const char* where_;
    std::uint32_t seen_ = 0;
};

int_type get_logical_integer(reader& r, const field& f) {
    int_type t;
    required_fields req("IntType");
    read_struct_field(r, f, "IntType", [&](const field& g) {
        req.saw(g.id);
        if (g.id == 1) {
            expect_type(g, type::i8, "IntType");
            t.bit_width = r.read_i8();
        } else if (g.id == 2) {
            t.is_signed = get_bool(r, g, "IntType");
        } else {
            r.skip(g.t);
        }
    });
    req.check({1, 2});
    return t;
}

// SchemaElement.logicalType (10): a union; we understand members 10 (INTEGER), 1 (STRING)
// and 3 (LIST) only.
void get_logical_type(reader& r, const field& f, schema_element& e) {
    read_struct_field(r, f, "LogicalType", [&](const field& g) {
        if (g.id == 10) {
            e.integer = get_logical_integer(r, g);
        } else if ((g.id == 1 || g.id == 3) && g.t == type::struct_) {
            (g.id == 1 ? e.string : e.list) = true;
            r.skip(g.t);
        } else {
            e.other_logical_type = true;
            r.skip(g.t);
        }
    });
}

schema_element get_schema_element(reader& r) {
    schema_element e;
    required_fields req("SchemaElement");
    r.begin_struct();
    for_each_field(r, [&](const field& f) {
        req.saw(f.id);
        switch (f.id) {
            case 1:
                e.type = get_i32(r, f, "SchemaElement");
                break;
            case 2:
                e.type_length = get_i32(r, f, "SchemaElement");
                break;
            case 3:
                e.repetition_type = get_i32(r, f, "SchemaElement");
                break;
            case 4:
                e.name = get_binary(r, f, "SchemaElement");
                break;
            case 5:
                e.num_children = get_i32(r, f, "SchemaElement");
                break;
            case 6:
                e.converted_type = get_i32(r, f, "SchemaElement");
                break;
            case 10:
                get_logical_type(r, f, e);
                break;
            default:
                r.skip(f.t);
        }
    });
    req.check({4});
    return e;
}

statistics get_statistics(reader& r, const field& f) {
    statistics s;
    read_struct_field(r, f, "Statistics", [&](const field& g) {
        switch (g.id) {
            case 3:
                s.null_count = get_i64(r, g, "Statistics");
                break;
            case 5:
                s.max_value = get_binary(r, g, "Statistics");
                break;
            case 6:
                s.min_value = get_binary(r, g, "Statistics");
                break;
            case 7:
                s.is_max_value_exact = get_bool(r, g, "Statistics");
                break;
            case 8:
                s.is_min_value_exact = get_bool(r, g, "Statistics");
                break;
            case 9:
                s.nan_count = get_i64(r, g, "Statistics");
                break;
            default:
                r.skip(g.t);
        }
    });
    return s;
}

void get_column_meta_field(reader& r, const field& g, column_meta& m) {
    switch (g.id) {
        case 1:
            m.type = get_i32(r, g, "ColumnMetaData");
            break;
        case 2:
            read_list(r, g, type::i32, "ColumnMetaData", [&] { m.encodings.push_back(r.read_i32()); });
            break;
        case 3:
            read_list(r, g, type::binary, "ColumnMetaData", [&] { m.path_in_schema.push_back(r.read_binary()); });
            break;
        case 4:
            m.codec = get_i32(r, g, "ColumnMetaData");
            break;
        case 5:
            m.num_values = get_i64(r, g, "ColumnMetaData");
            break;
        case 6:
            m.total_uncompressed_size = get_i64(r, g, "ColumnMetaData");
            break;
        case 7:
            m.total_compressed_size = get_i64(r, g, "ColumnMetaData");
            break;
        case 9:
            m.data_page_offset = get_i64(r, g, "ColumnMetaData");
            break;
        case 10:
            m.index_page_offset = get_i64(r, g, "ColumnMetaData");
            break;
        case 11:
            m.dictionary_page_offset = get_i64(r, g, "ColumnMetaData");
            break;
        case 12:
            m.stats = get_statistics(r, g);
            break;
        default:
            r.skip(g.t);
    }
}

column_meta get_column_meta(reader& r, const field& f) {
    column_meta m;
    required_fields req("ColumnMetaData");
    read_struct_field(r, f, "ColumnMetaData", [&](const field& g) {
        req.saw(g.id);
        get_column_meta_field(r, g, m);
    });
    req.check({1, 2, 3, 4, 5, 6, 7, 9});
    return m;
}

column_chunk get_column_chunk(reader& r) {
    column_chunk c;
    required_fields req("ColumnChunk");
    r.begin_struct();
    for_each_field(r, [&](const field& f) {
        req.saw(f.id);
        switch (f.id) {
            case 1:
                c.file_path = get_binary(r, f, "ColumnChunk");
                break;
            case 2:
                c.file_offset = get_i64(r, f, "ColumnChunk");
                break;
            case 3:
                c.meta_data = get_column_meta(r, f);
                break;
            case 8:  // crypto_metadata
            case 9:  // encrypted_column_metadata
                c.encrypted = true;
                r.skip(f.t);
                break;
            default:
                r.skip(f.t);
        }
    });
    req.check({2});
    return c;
}

row_group get_row_group(reader& r) {
    row_group g;
    required_fields req("RowGroup");
    r.begin_struct();
    for_each_field(r, [&](const field& f) {
        req.saw(f.id);
        switch (f.id) {
            case 1:
                read_list(r, f, type::struct_, "RowGroup", [&] { g.columns.push_back(get_column_chunk(r)); });
                break;
            case 2:
                g.total_byte_size = get_i64(r, f, "RowGroup");
                break;
            case 3:
                g.num_rows = get_i64(r, f, "RowGroup");
                break;
            case 5:
                g.file_offset = get_i64(r, f, "RowGroup");
                break;
            case 6:
                g.total_compressed_size = get_i64(r, f, "RowGroup");
                break;
            case 7:
                expect_type(f, type::i16, "RowGroup");
                g.ordinal = r.read_i16();
                break;
            default:
                r.skip(f.t);
        }
    });
    req.check({1, 2, 3});
    return g;
}

std::pair<std::string, std::string> get_key_value(reader& r) {
    std::pair<std::string, std::string> kv;
    required_fields req("KeyValue");
    r.begin_struct();
    for_each_field(r, [&](const field& f) {
        req.saw(f.id);
        if (f.id == 1)
            kv.first = get_binary(r, f, "KeyValue");
        else if (f.id == 2)
            kv.second = get_binary(r, f, "KeyValue");
        else
            r.skip(f.t);
    });
    req.check({1});
    return kv;
}

void get_file_meta_field(reader& r, const field& f, file_meta& m) {
    switch (f.id) {
        case 1:
            m.version = get_i32(r, f, "FileMetaData");
            break;
        case 2:
            read_list(r, f, type::struct_, "FileMetaData", [&] { m.schema.push_back(get_schema_element(r)); });
            break;
        case 3:
            m.num_rows = get_i64(r, f, "FileMetaData");
            break;
        case 4:
            read_list(r, f, type::struct_, "FileMetaData", [&] { m.row_groups.push_back(get_row_group(r)); });
            break;
        case 5:
            read_list(r, f, type::struct_, "FileMetaData", [&] { m.key_value_metadata.push_back(get_key_value(r)); });
            break;
        case 6:
            m.created_by = get_binary(r, f, "FileMetaData");
            break;
        case 7:
            m.column_orders = true;
            r.skip(f.t);
            break;
        case 8:  // encryption_algorithm
        case 9:  // footer_signing_key_metadata
            m.encrypted = true;
            r.skip(f.t);
            break;
        default:
            r.skip(f.t);
    }
}

data_page_header get_data_page_header(reader& r, const field& f) {
    data_page_header d;
    required_fields req("DataPageHeader");
    read_struct_field(r, f, "DataPageHeader", [&](const field& g) {
        req.saw(g.id);
        switch (g.id) {
            case 1:
                d.num_values = get_i32(r, g, "DataPageHeader");
                break;
            case 2:
                d.encoding = get_i32(r, g, "DataPageHeader");
                break;
            case 3:
                d.definition_level_encoding = get_i32(r, g, "DataPageHeader");
                break;
            case 4:
                d.repetition_level_encoding = get_i32(r, g, "DataPageHeader");
                break;
            default:
                r.skip(g.t);
        }
    });
    req.check({1, 2, 3, 4});
    return d;
}

dictionary_page_header get_dictionary_page_header(reader& r, const field& f) {
    dictionary_page_header d;
    required_fields req("DictionaryPageHeader");
    read_struct_field(r, f, "DictionaryPageHeader", [&](const field& g) {
        req.saw(g.id);
        switch (g.id) {
            case 1:
                d.num_values = get_i32(r, g, "DictionaryPageHeader");
                break;
            case 2:
                d.encoding = get_i32(r, g, "DictionaryPageHeader");
                break;
            case 3:
                d.is_sorted = get_bool(r, g, "DictionaryPageHeader");
                break;
            default:
                r.skip(g.t);
        }
    });
    req.check({1, 2});
    return d;
}

data_page_header_v2 get_data_page_header_v2(reader& r, const field& f) {
    data_page_header_v2 d;
    required_fields req("DataPageHeaderV2");
    read_struct_field(r, f, "DataPageHeaderV2", [&](const field& g) {
        req.saw(g.id);
        const auto i32 = [&] { return get_i32(r, g, "DataPageHeaderV2"); };
        switch (g.id) {
            case 1:
                d.num_values = i32();
                break;
            case 2:
                d.num_nulls = i32();
                break;
            case 3:
                d.num_rows = i32();
                break;
            case 4:
                d.encoding = i32();
                break;
            case 5:
                d.definition_levels_byte_length = i32();
                break;
            case 6:
                d.repetition_levels_byte_length = i32();
                break;
            case 7:
                d.is_compressed = get_bool(r, g, "DataPageHeaderV2");
                break;
            default:
                r.skip(g.t);  // statistics (8)
        }
    });
    req.check({1, 2, 3, 4, 5, 6});
    return d;
}

}  // namespace

file_meta decode_file_meta(std::span<const std::byte> bytes) {
    reader r(bytes);
    file_meta m;
    required_fields req("FileMetaData");
    for_each_field(r, [&](const field& f) {
        req.saw(f.id);
        get_file_meta_field(r, f, m);
    });
    req.check({1, 2, 3, 4});
    return m;
}

page_header decode_page_header(std::span<const std::byte> bytes, std::size_t& size) {
    reader r(bytes);
    page_header h;
    required_fields req("PageHeader");
    for_each_field(r, [&](const field& f) {
        req.saw(f.id);
        switch (f.id) {
            case 1:
                h.type = get_i32(r, f, "PageHeader");
                break;
            case 2:
                h.uncompressed_page_size = get_i32(r, f, "PageHeader");
                break;
            case 3:
                h.compressed_page_size = get_i32(r, f, "PageHeader");
                break;
            case 5:
                h.data_page = get_data_page_header(r, f);
                break;
            case 7:
                h.dictionary_page = get_dictionary_page_header(r, f);
                break;
            case 8:
                h.data_page_v2 = get_data_page_header_v2(r, f);
                break;
            default:
                r.skip(f.t);  // crc (4), index_page_header (6): the reader checks `type`
        }
    });
    req.check({1, 2, 3});
    size = r.position();
    return h;
}

// ---------------------------------------------------------------------------------------------
// Levels: the RLE / bit-packing hybrid (Encodings.md). A run header is a ULEB128 varint:
// (count << 1) for an RLE run, then the value in ceil(bit_width / 8) little-endian bytes;
// (groups << 1) | 1 for a bit-packed run, then groups x bit_width bytes holding 8 values per
// group, each value's bits from the least significant bit of the first byte on.
// ---------------------------------------------------------------------------------------------

namespace {

constexpr std::size_t min_rle_run = 8;  // shorter runs cost no less than a bit-packed group

void put_varint(std::string& out, std::uint64_t v) {
    for (; v >= 0x80; v >>= 7) out += static_cast<char>((v & 0x7f) | 0x80);
    out += static_cast<char>(v);
}

std::size_t run_length(std::span<const std::uint8_t> levels, std::size_t first) {
    std::size_t n = 1;
    while (first + n < levels.size() && levels[first + n] == levels[first]) ++n;
    return n;
}

// Appends one group of 8 values (zeros past the end of `values`) packed in bit_width bytes.
void put_bit_packed_group(std::string& out, std::span<const std::uint8_t> values, int bit_width) {
    std::uint64_t bits = 0;  // 8 values x at most 8 bits
    for (std::size_t i = 0; i < values.size(); ++i) bits |= std::uint64_t{values[i]} << (i * bit_width);
    for (int b = 0; b < bit_width; ++b) out += static_cast<char>((bits >> (8 * b)) & 0xff);
}

// Writes the pending bit-packed groups (levels [first, first + 8 x groups), clipped) as one run.
void flush_bit_packed(std::string& out, std::span<const std::uint8_t> levels, std::size_t first, std::size_t groups,
                      int bit_width) {
    if (groups == 0) return;
    put_varint(out, (groups << 1) | 1);
    for (std::size_t g = 0; g < groups; ++g) {
        const std::size_t at = first + 8 * g;
        put_bit_packed_group(out, levels.subspan(at, std::min<std::size_t>(8, levels.size() - at)), bit_width);
    }
}

std::uint64_t get_varint(std::span<const std::byte> bytes, std::size_t& pos, const char* what) {
    std::uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (pos >= bytes.size()) throw thrift::decode_error(fmt::format("{}: run header past the end", what));
        const auto b = static_cast<std::uint8_t>(bytes[pos++]);
        v |= std::uint64_t{b & 0x7fu} << shift;
        if ((b & 0x80) == 0) return v;
    }
    throw thrift::decode_error(fmt::format("{}: run header varint longer than 64 bits", what));
}

// Value k (0..7) of a bit-packed group of 8 bit_width-bit values (bit_width bytes at `group`).
std::uint64_t unpack(const std::byte* group, int k, int bit_width) {
    const auto bit = static_cast<std::size_t>(k * bit_width);
    const std::size_t first = bit / 8, bytes = (bit % 8 + static_cast<std::size_t>(bit_width) + 7) / 8;
    std::uint64_t v = 0;
    for (std::size_t b = 0; b < bytes; ++b) v |= std::uint64_t{static_cast<std::uint8_t>(group[first + b])} << (8 * b);
    return (v >> (bit % 8)) & ((std::uint64_t{1} << bit_width) - 1);
}

// Decodes exactly `count` values of bit_width (0..32) bits of the RLE / bit-packing hybrid into
// `out`; check(v) throws for a value out of range.
template <class T, class Check>
void decode_hybrid(std::span<const std::byte> bytes, int bit_width, std::size_t count, const char* what,
                   const Check& check, std::vector<T>& out) {
    out.reserve(std::min<std::size_t>(count, std::size_t{1} << 20));  // a corrupt count must not allocate
    const std::size_t end = out.size() + count;
    std::size_t pos = 0;
    while (out.size() < end) {
        const std::uint64_t header = get_varint(bytes, pos, what);
        const std::size_t left = end - out.size();
        if ((header & 1) == 0) {
            const std::uint64_t n = header >> 1;
            const std::size_t width = static_cast<std::size_t>(bit_width + 7) / 8;
            if (n == 0 || n > left || width > bytes.size() - pos) {
                throw thrift::decode_error(fmt::format("{}: RLE run of {} beyond {} {}", what, n, count, what));
            }
            std::uint64_t v = 0;
            for (std::size_t b = 0; b < width; ++b)
                v |= std::uint64_t{static_cast<std::uint8_t>(bytes[pos++])} << (8 * b);
            check(v);
            out.insert(out.end(), static_cast<std::size_t>(n), static_cast<T>(v));
            continue;
        }
        // A bit-packed run may hold more groups than values are left: writers pad their last run
        // (DuckDB to a multiple of 32 groups); the padding is skipped.
        const std::uint64_t groups = header >> 1;
        if (groups == 0 || groups * static_cast<std::uint64_t>(bit_width) > bytes.size() - pos)
            throw thrift::decode_error(
                fmt::format("{}: bit-packed run of {} groups beyond the {} bytes", what, groups, bytes.size()));
        for (std::uint64_t g = 0; g < groups; ++g) {
            for (int k = 0; k < 8 && out.size() < end; ++k) {  // values past `count`: padding
                const std::uint64_t v = unpack(bytes.data() + pos, k, bit_width);
                check(v);
                out.push_back(static_cast<T>(v));
            }
            pos += static_cast<std::size_t>(bit_width);
        }
    }
    if (pos != bytes.size()) {
        throw thrift::decode_error(fmt::format("{}: {} bytes after {} {}", what, bytes.size() - pos, count, what));
    }
}

}  // namespace

int level_bit_width(int max_level) {
    int bits = 0;
    while ((1 << bits) <= max_level) ++bits;
    return bits;
}

std::string encode_levels(std::span<const std::uint8_t> levels, int bit_width) {
    std::string out;
    std::size_t packed_first = 0, packed_groups = 0;  // the bit-packed run being gathered
    std::size_t i = 0;
    while (i < levels.size()) {
        const std::size_t run = run_length(levels, i);
        if (run >= min_rle_run) {
            flush_bit_packed(out, levels, packed_first, packed_groups, bit_width);
            packed_groups = 0;
            put_varint(out, run << 1);
            for (int b = 0; b < (bit_width + 7) / 8; ++b) out += static_cast<char>(levels[i] >> (8 * b));
            i += run;
            continue;
        }
        if (packed_groups == 0) packed_first = i;
        ++packed_groups;  // 8 levels (or the last few) go bit-packed, whatever they are
        i = std::min(i + 8, levels.size());
    }
    flush_bit_packed(out, levels, packed_first, packed_groups, bit_width);
    return out;
}

std::string encode_level_runs(std::span<const level_run> runs, int bit_width) {
    std::string out;
    for (const level_run& r : runs) {
        put_varint(out, r.count << 1);
        for (int b = 0; b < (bit_width + 7) / 8; ++b) out += static_cast<char>(r.value >> (8 * b));
    }
    return out;
}

std::vector<std::uint8_t> decode_levels(std::span<const std::byte> bytes, int bit_width, std::size_t count,
                                        std::uint8_t max_level) {
    if (bit_width < 0 || bit_width > 8) throw thrift::decode_error(fmt::format("levels: bit width {}", bit_width));
    std::vector<std::uint8_t> out;
    const auto check = [&](std::uint64_t level) {
        if (level > max_level)
            throw thrift::decode_error(fmt::format("levels: level {} exceeds the maximum {}", level, max_level));
    };
    decode_hybrid(bytes, bit_width, count, "levels", check, out);
    return out;
}

std::vector<std::uint32_t> decode_dictionary_indices(std::span<const std::byte> bytes, std::size_t count,
                                                     std::size_t dictionary_size) {
    std::vector<std::uint32_t> out;
    if (count == 0) return out;  // nothing to look up (writers may or may not write the bit width)
    if (bytes.empty()) throw thrift::decode_error("dictionary indices: no bit width byte");
    const auto bit_width = static_cast<int>(static_cast<std::uint8_t>(bytes[0]));
    if (bit_width > 32)
        throw thrift::decode_error(fmt::format("dictionary indices: bit width {} (at most 32)", bit_width));
    const auto check = [&](std::uint64_t index) {
        if (index >= dictionary_size) {
            throw thrift::decode_error(
                fmt::format("dictionary index {} out of range (the dictionary has {} values)", index, dictionary_size));
        }
    };
    decode_hybrid(bytes.subspan(1), bit_width, count, "dictionary indices", check, out);
    return out;
}

}  // namespace sf::io::parquet::format
