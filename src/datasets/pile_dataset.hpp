// Neural-pile datasets on disk (issue 5, seed 001): Parquet shards whose rows are segments of
// recording sessions, with the schema the original builder gives the Hugging Face `datasets`
// library:
//   spike_counts  list<list<uint8>>  units x time bins (20 ms by default)
//   subject_id    string             the session's parent folder
//   session_id    string             the session file's name without extension
//   segment_id    string             "segment_<i>"
//   source_dataset string            the component dataset (only after `pile merge`)
// `pile build` writes one shard per session; `pile merge`, `pile reorder` and `pile encode` read
// shards row group by row group (bounded memory) and write new ones with pile_shard_writer.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "datasets/pile_motifs.hpp"

namespace sf::datasets {

// One row of the dataset: a segment of a session.
struct pile_row {
    std::string subject_id, session_id, segment_id;  // segment_id: "segment_<i>"
    std::uint32_t units = 0;
    std::uint64_t bins = 0;
    std::vector<std::uint8_t> counts;  // units x bins, row-major
    std::string source_dataset;        // empty before `pile merge`

    count_matrix_view view() const { return {counts, units, static_cast<std::size_t>(bins)}; }
};

// A shard file of a dataset and its name relative to the folder it was found in (a file given
// directly: its file name), which mirrored outputs (pile reorder, pile encode) reuse.
struct pile_shard_file {
    std::filesystem::path path;
    std::filesystem::path name;
};

// The shard files of a dataset: .parquet files as given, and every .parquet file below a folder
// (recursively, sorted by path; names starting with '.' skipped: temp files). With `split`, only
// files named "<split>-*.parquet" (pile merge's data/<split>-NNNNN-of-NNNNN.parquet). Throws
// core::config_error for a missing input and when no shard is found.
std::vector<pile_shard_file> pile_shard_files(const std::vector<std::string>& inputs, const std::string& split = "");

// Reads a shard written by pile_shard_writer or the original builder (pyarrow's layout). Checks
// the schema on opening (core::input_error naming the file and what is missing).
class pile_shard_reader {
public:
    explicit pile_shard_reader(const std::filesystem::path& path);
    ~pile_shard_reader();
    pile_shard_reader(pile_shard_reader&&) noexcept;

    const std::filesystem::path& path() const { return path_; }
    std::uint64_t rows() const;
    std::size_t row_groups() const;
    std::uint64_t row_group_rows(std::size_t group) const;
    bool has_source_dataset() const { return source_column_ >= 0; }
    // The rows of one row group; a row whose inner lists differ in length is a core::input_error.
    std::vector<pile_row> read_row_group(std::size_t group) const;

private:
    struct impl;
    std::filesystem::path path_;
    std::unique_ptr<impl> impl_;
    int source_column_ = -1;
};

// Calls fn(row) for every row of the shards, in file order, one row group in memory at a time.
void for_each_pile_row(const std::vector<pile_shard_file>& shards, const std::function<void(pile_row&)>& fn);

// Writes a shard row by row: rows are gathered into row groups of about `row_group_bytes` of
// counts (so that readers hold one group at a time), zstd-compressed; commit() closes the file
// and renames it into place (nothing at `path` before). Deterministic bytes: no time or host.
class pile_shard_writer {
public:
    static constexpr std::uint64_t default_row_group_bytes = std::uint64_t{64} << 20;
    pile_shard_writer(const std::filesystem::path& path, bool with_source_dataset,
                      std::uint64_t row_group_bytes = default_row_group_bytes);
    ~pile_shard_writer();
    pile_shard_writer(pile_shard_writer&&) noexcept;
    void add(const pile_row& row);
    void commit();

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

// One session's rows as one shard at `path` (pile build's writer; no source_dataset column).
void write_pile_shard(const std::filesystem::path& path, const std::vector<pile_row>& rows);

}  // namespace sf::datasets
