// `spikeforge pile build`: NWB sessions -> neural-pile rows -> Parquet shards (issue 5).
//
// Inputs: NWB files, folders laid out as <subject>/<session>.nwb (what `dandi download` makes),
// or a manifest file listing paths (one per line). Sessions are sorted by path and numbered; with
// W workers (local processes or MPI ranks), worker w builds sessions i with i % W == w
// (deterministic, no data exchanged).
// Each session becomes one shard OUT/<subject>/<session>.parquet holding its segments as rows
// (fields spike_counts, subject_id, session_id, segment_id), written atomically; sessions are at
// most a few hundred MB, so shards stay under the ~1 GB of the issue. A shard is a function of
// its input and the options only: a rerun after a kill skips sessions whose shard exists and whose
// input checksum matches the manifest, and produces byte-identical files.
// The manifest OUT/manifest.json records per input: path, bytes, CRC-32, status (done | failed),
// the error line of a failed session, rows, units, bins, tokens, saturated bins, shard.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "comm/communicator.hpp"
#include "datasets/pile_binning.hpp"
#include "datasets/pile_dataset.hpp"

namespace sf::datasets {

struct pile_session {
    std::string path;        // the NWB file
    std::string subject_id;  // parent folder name
    std::string session_id;  // file name without extension
};

// Writes one session's rows as a shard at `path` (atomically); pile build uses write_pile_shard
// (pile_dataset.hpp), tests pass their own.
using shard_writer = std::function<void(const std::filesystem::path& path, const std::vector<pile_row>& rows)>;

struct pile_build_options {
    double bin_ms = 20.0;
    std::uint64_t max_tokens = 10'000'000;
    int workers = 1;  // local processes (under MPI: 1 per rank, the ranks are the workers)
};

struct pile_session_result {
    pile_session session;
    std::uint64_t bytes = 0;
    std::uint32_t crc32 = 0;
    std::string status;  // "done" | "failed" | "skipped" (done in an earlier run)
    std::string error;   // the one-line error of a failed session
    std::uint64_t rows = 0, units = 0, bins = 0, tokens = 0, saturated_bins = 0;
    std::string shard;   // relative to OUT
};

// Resolves files, <subject>/<session>.nwb folders and manifest lists into sessions sorted by path.
// Throws core::config_error for inputs that are none of these.
std::vector<pile_session> resolve_pile_inputs(const std::vector<std::string>& inputs);

// The rows of one session (segments in time order).
std::vector<pile_row> session_rows(const pile_session& s, const pile_build_options& o, pile_session_result& result);

// Builds every session, writes OUT/manifest.json, returns the results in session order. A failing
// session is recorded and the others continue. Workers: `o.workers` local processes, or with a
// communicator of R > 1 ranks, the ranks (rank r builds sessions i with i % R == r; nothing but a
// barrier goes over MPI: results meet in OUT's fragments) and only rank 0 writes the manifest and
// gets the results (the other ranks get an empty list).
std::vector<pile_session_result> build_pile(const std::vector<pile_session>& sessions, const std::filesystem::path& out,
                                            const pile_build_options& o, const shard_writer& write_shard,
                                            comm::communicator& world);

}  // namespace sf::datasets
