// Whole-dataset operations of `spikeforge pile` on shards (issue 5): random examples for rasters,
// motif counts, motif tables and tokenizers on disk, unit reordering and token encoding of every
// row. Rows are read one row group at a time (bounded memory); work is spread over threads with
// results that do not depend on the thread count.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "datasets/pile_dataset.hpp"
#include "datasets/pile_motifs.hpp"
#include "datasets/pile_tokenizer.hpp"

namespace sf::datasets {

// n rows drawn without replacement with the seed (the first n of a permutation of all rows,
// Philox stream dataset_shuffle gid 2), in drawing order; all rows when the dataset has fewer.
std::vector<pile_row> sample_pile_rows(const std::vector<pile_shard_file>& shards, std::size_t n, std::uint64_t seed);

// Exact motif counts over every row of the shards: one counter per shard (threads count shards
// in parallel), merged in shard order, so the table (first-seen order of ties included) equals
// one sequential pass over the rows.
motif_counter count_pile_motifs(const std::vector<pile_shard_file>& shards, patch_shape shape, int threads);

// A motif table as Parquet, the original's motif dataset: `patch` (list<uint8>, p_n x p_t
// row-major, flat as the original's patch.flatten().tolist()), `frequency` (int64), `probability`
// (float64), sorted as motif_counter::table(); the patch shape in the key-value metadata
// (`patch_units`, `patch_bins`). Written atomically.
void write_motif_table(const std::filesystem::path& path, patch_shape shape, const std::vector<motif_entry>& table);
struct motif_table {
    patch_shape shape;
    std::vector<motif_entry> entries;
};
// Reads a table written by write_motif_table; core::input_error for another file (naming it).
motif_table read_motif_table(const std::filesystem::path& path);

// A tokenizer folder: tokenizer.json (patch shape, vocab, k_limit, references, separator id,
// lossless fraction) and index_map.parquet (every motif of the table with its id and frequency,
// the original's index_map pickle). load_tokenizer rebuilds the tokenizer from the motif table
// the folder holds (ids are recomputed exactly, so they are the stored ones).
struct tokenizer_summary {
    std::uint32_t vocab = 0, k_limit = 0, references = 0, separator_id = 0;
    std::uint64_t motifs = 0, patches = 0, lossless_patches = 0;  // lossless: patches that are a reference
};
tokenizer_summary save_tokenizer(const std::filesystem::path& dir, const motif_table& table, std::uint32_t vocab);
struct loaded_tokenizer {
    motif_tokenizer tokenizer;
    tokenizer_summary summary;
};
loaded_tokenizer load_tokenizer(const std::filesystem::path& dir);

// Every shard rewritten as OUT/<shard name> with each row's units reordered (pile_reorder.hpp);
// same schema and row order. Returns the rows reordered.
std::uint64_t reorder_pile(const std::vector<pile_shard_file>& shards, const std::filesystem::path& out, int threads);

// Every shard encoded as OUT/<shard name> with columns tokens (list<uint32>: the row's patch ids
// in motif order), patch_rows = ceil(units / p_n), patch_cols = ceil(bins / p_t), units, bins,
// lossless_patches (uint64), subject_id, session_id, segment_id and source_dataset when present.
struct pile_encode_summary {
    std::uint64_t rows = 0, patches = 0, lossless_patches = 0;
};
pile_encode_summary encode_pile(const std::vector<pile_shard_file>& shards, const std::filesystem::path& out,
                                const motif_tokenizer& tokenizer, int threads);

}  // namespace sf::datasets
