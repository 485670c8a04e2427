// `spikeforge pile merge`: component datasets -> one shuffled dataset with a test split (issue 5;
// the original's merge_datasets.py: concatenate, add source_dataset, shuffle, hold out 1 %).
//
// Every row of every component (a folder of shards from `pile build`, or an earlier merge) gets
// `source_dataset` = the component folder's name (a row that already has one keeps it). Rows are
// numbered in component order, shard order (sorted paths), row order; a permutation of them is
// drawn from the seed (Philox stream dataset_shuffle, gid 1: the same on every machine); as in
// Hugging Face's train_test_split, the first ceil(test_fraction x rows) rows of the permuted order
// are `test` and the rest `train` (the original's split is unseeded: this one is reproducible).
//
// Output, the Hugging Face hub layout (`load_dataset("parquet", data_dir=OUT/data)` finds both
// splits): OUT/data/train-NNNNN-of-NNNNN.parquet, OUT/data/test-NNNNN-of-NNNNN.parquet, each at most
// max_shard_bytes of counts (uncompressed, as HF's max_shard_size), rows in permuted order; and
// OUT/merge.json. Memory is bounded whatever the dataset size: rows are first copied in input
// order into a zstd spill file (OUT/.merge.tmp), then read back in output order one at a time.
// The result is a function of the inputs, the seed and the options only (byte-identical reruns).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace sf::datasets {

struct pile_merge_options {
    double test_fraction = 0.01;                      // [0, 1)
    std::uint64_t seed = 0;
    std::uint64_t max_shard_bytes = 500'000'000;      // counts per output shard (uncompressed) [bytes]
};

struct pile_merge_summary {
    std::uint64_t rows = 0, train_rows = 0, test_rows = 0, tokens = 0;
    std::vector<std::pair<std::string, std::uint64_t>> sources;  // component name, rows
    std::vector<std::string> train_shards, test_shards;          // relative to OUT
};

// The source_dataset name of a component folder: its last path element ("runs/dandi-000xyz/" ->
// "dandi-000xyz").
std::string component_name(const std::filesystem::path& folder);

// Throws core::config_error for a component that is not a folder of shards, two components with
// the same name, or an output folder inside a component (or the reverse); core::input_error for a
// malformed shard (naming it). Nothing is left at OUT/data unless the merge completes.
pile_merge_summary merge_piles(const std::vector<std::string>& components, const std::filesystem::path& out,
                               const pile_merge_options& options);

}  // namespace sf::datasets
