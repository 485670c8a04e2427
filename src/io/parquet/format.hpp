// The part of Parquet's metadata (apache/parquet-format src/main/thrift/parquet.thrift) that
// spikeforge writes and reads, as plain structs, and their Thrift compact encoding.
//
// Field ids in the comments are parquet.thrift's. Only what our files use, and what the reader
// accepts from other writers (dictionary pages, DataPage v2 headers), is kept; the decoder records
// the presence of anything else the reader could misread (encrypted or external column chunks,
// other logical types) so that the reader can reject it.
// Internal to src/io/parquet: the public API is io/parquet/parquet.hpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace sf::io::parquet::format {

// enum Type
inline constexpr std::int32_t type_int32 = 1, type_int64 = 2, type_float = 4, type_double = 5, type_byte_array = 6;
// enum ConvertedType (legacy annotations; an INTEGER logical type must also set one of these)
inline constexpr std::int32_t converted_utf8 = 0, converted_list = 3, converted_uint_8 = 11, converted_uint_32 = 13,
                              converted_uint_64 = 14, converted_int_32 = 17, converted_int_64 = 18;
// enum FieldRepetitionType
inline constexpr std::int32_t repetition_required = 0, repetition_optional = 1, repetition_repeated = 2;
// enum Encoding (PLAIN_DICTIONARY is the pre-2.0 name of RLE_DICTIONARY in data pages, and
// marks a PLAIN dictionary page; BIT_PACKED is a deprecated level encoding)
inline constexpr std::int32_t encoding_plain = 0, encoding_plain_dictionary = 2, encoding_rle = 3,
                              encoding_bit_packed = 4, encoding_rle_dictionary = 8;
// "PLAIN (0)", "DELTA_BINARY_PACKED (5)", ... ("unknown (n)" past the enum), for messages.
std::string encoding_name(std::int32_t encoding);
// enum CompressionCodec
inline constexpr std::int32_t codec_uncompressed = 0, codec_snappy = 1, codec_gzip = 2, codec_zstd = 6;
// "UNCOMPRESSED (0)", "SNAPPY (1)", "LZ4 (5)", ..., for messages.
std::string codec_name(std::int32_t codec);
// enum PageType
inline constexpr std::int32_t page_data = 0, page_index = 1, page_dictionary = 2, page_data_v2 = 3;

// struct IntType (LogicalType field 10, INTEGER)
struct int_type {
    std::int8_t bit_width = 0;  // 1
    bool is_signed = true;      // 2
};

// struct SchemaElement
struct schema_element {
    std::optional<std::int32_t> type;             // 1: Type (leaves only)
    std::optional<std::int32_t> type_length;      // 2
    std::optional<std::int32_t> repetition_type;  // 3: FieldRepetitionType (not on the root)
    std::string name;                             // 4
    std::optional<std::int32_t> num_children;     // 5 (groups only)
    std::optional<std::int32_t> converted_type;   // 6: ConvertedType
    std::optional<int_type> integer;              // 10: LogicalType.INTEGER (union field 10)
    bool string = false;                          // 10: LogicalType.STRING (union field 1)
    bool list = false;                            // 10: LogicalType.LIST (union field 3)
    bool other_logical_type = false;              // 10: any other LogicalType member (decode only)
};

// struct Statistics; min/max are PLAIN-encoded values (little-endian bytes)
struct statistics {
    std::optional<std::int64_t> null_count;  // 3
    std::optional<std::string> max_value;    // 5
    std::optional<std::string> min_value;    // 6
    std::optional<bool> is_max_value_exact;  // 7
    std::optional<bool> is_min_value_exact;  // 8
    std::optional<std::int64_t> nan_count;   // 9 (FLOAT / DOUBLE only)
};

// struct ColumnMetaData
struct column_meta {
    std::int32_t type = 0;                               // 1: Type
    std::vector<std::int32_t> encodings;                 // 2: list<Encoding>
    std::vector<std::string> path_in_schema;             // 3
    std::int32_t codec = 0;                              // 4: CompressionCodec
    std::int64_t num_values = 0;                         // 5
    std::int64_t total_uncompressed_size = 0;            // 6: pages incl. headers
    std::int64_t total_compressed_size = 0;              // 7: pages incl. headers
    std::int64_t data_page_offset = 0;                   // 9
    std::optional<std::int64_t> index_page_offset;       // 10 (never written by table_writer; rejected)
    std::optional<std::int64_t> dictionary_page_offset;  // 11 (never written by table_writer; rejected)
    std::optional<statistics> stats;                     // 12
};

// struct ColumnChunk
struct column_chunk {
    std::optional<std::string> file_path;  // 1 (decode only: data in another file, rejected)
    std::int64_t file_offset = 0;          // 2 (deprecated; we write 0, see format.cpp)
    std::optional<column_meta> meta_data;  // 3
    bool encrypted = false;                // 8/9 (decode only: rejected)
};

// struct RowGroup
struct row_group {
    std::vector<column_chunk> columns;                  // 1
    std::int64_t total_byte_size = 0;                   // 2: uncompressed column data
    std::int64_t num_rows = 0;                          // 3
    std::optional<std::int64_t> file_offset;            // 5: first page of the row group
    std::optional<std::int64_t> total_compressed_size;  // 6
    std::optional<std::int16_t> ordinal;                // 7
};

// struct FileMetaData
struct file_meta {
    std::int32_t version = 1;                                             // 1
    std::vector<schema_element> schema;                                   // 2: root first, depth first
    std::int64_t num_rows = 0;                                            // 3
    std::vector<row_group> row_groups;                                    // 4
    std::vector<std::pair<std::string, std::string>> key_value_metadata;  // 5: list<KeyValue>
    std::optional<std::string> created_by;                                // 6
    // 7: list<ColumnOrder>; we write TYPE_ORDER (field 1) for every leaf. Decoded as "present".
    bool column_orders = false;
    bool encrypted = false;  // 8/9 (decode only: rejected)
};

// struct DataPageHeader
struct data_page_header {
    std::int32_t num_values = 0;                            // 1
    std::int32_t encoding = encoding_plain;                 // 2
    std::int32_t definition_level_encoding = encoding_rle;  // 3
    std::int32_t repetition_level_encoding = encoding_rle;  // 4
};

// struct DictionaryPageHeader: the dictionary's values, PLAIN (encoding PLAIN or, before
// format 2.0, PLAIN_DICTIONARY).
struct dictionary_page_header {
    std::int32_t num_values = 0;             // 1
    std::int32_t encoding = encoding_plain;  // 2
    std::optional<bool> is_sorted;           // 3
};

// struct DataPageHeaderV2: the levels (RLE hybrid, no length prefix) come first and are never
// compressed; only the values after them are, when is_compressed.
struct data_page_header_v2 {
    std::int32_t num_values = 0;                     // 1: levels (values and nulls)
    std::int32_t num_nulls = 0;                      // 2
    std::int32_t num_rows = 0;                       // 3
    std::int32_t encoding = encoding_plain;          // 4
    std::int32_t definition_levels_byte_length = 0;  // 5
    std::int32_t repetition_levels_byte_length = 0;  // 6
    bool is_compressed = true;                       // 7 (optional, default true)
};

// struct PageHeader (table_writer writes DataPage v1 only; the other headers are read, and encoded
// when present so that tests can build such pages)
struct page_header {
    std::int32_t type = page_data;                          // 1: PageType
    std::int32_t uncompressed_page_size = 0;                // 2
    std::int32_t compressed_page_size = 0;                  // 3
    std::optional<data_page_header> data_page;              // 5
    std::optional<dictionary_page_header> dictionary_page;  // 7
    std::optional<data_page_header_v2> data_page_v2;        // 8
};

// The RLE / bit-packing hybrid of repetition and definition levels (Parquet Encodings.md),
// without the 4-byte length DataPage v1 puts before it. Runs of 8 or more equal levels are
// RLE runs; the rest go in bit-packed groups of 8 (the last one padded with zeros).
// bit_width: 0..8 bits per level; levels must fit it.
std::string encode_levels(std::span<const std::uint8_t> levels, int bit_width);
// Levels given as runs (value, count >= 1), each written as one RLE run of the hybrid encoding
// (a run of 1 is legal: Encodings.md puts no lower bound on an RLE run's length). For list
// columns of long inner lists (spike-count matrices) the runs are known without expanding the
// levels: one RLE run per inner list's continuation levels.
struct level_run {
    std::uint8_t value = 0;
    std::uint64_t count = 0;
};
std::string encode_level_runs(std::span<const level_run> runs, int bit_width);
// Decodes exactly `count` levels; throws thrift::decode_error when the bytes run out, an RLE
// run goes past `count`, a level exceeds max_level, or bytes are left over. (A bit-packed run
// may go past `count`: writers pad their last run with whole groups, which are skipped.)
std::vector<std::uint8_t> decode_levels(std::span<const std::byte> bytes, int bit_width, std::size_t count,
                                        std::uint8_t max_level);
// The indices of a dictionary-encoded (RLE_DICTIONARY / PLAIN_DICTIONARY) data page's values:
// one byte of bit width (0..32), then `count` indices in the same hybrid encoding (decoded as
// decode_levels does, at that width). Throws thrift::decode_error for malformed bytes and for an
// index >= dictionary_size.
std::vector<std::uint32_t> decode_dictionary_indices(std::span<const std::byte> bytes, std::size_t count,
                                                     std::size_t dictionary_size);
// Bits per level for levels 0..max_level (0 for max_level 0).
int level_bit_width(int max_level);

std::string encode(const file_meta& meta);
std::string encode(const page_header& header);

// Decoders throw thrift::decode_error for malformed bytes and for missing required fields.
file_meta decode_file_meta(std::span<const std::byte> bytes);
// Decodes the page header at the start of `bytes`; `size` receives its encoded length.
page_header decode_page_header(std::span<const std::byte> bytes, std::size_t& size);

}  // namespace sf::io::parquet::format
