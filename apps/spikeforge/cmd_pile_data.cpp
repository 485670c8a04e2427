// `spikeforge pile merge|raster|motifs|tokenize|encode|reorder`: the neural-pile operations on
// built shards (issue 5, seed 001; src/datasets/pile_merge, pile_tasks). `pile bin|build` are in
// cmd_pile.cpp.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "cli_common.hpp"
#include "commands.hpp"
#include "core/error.hpp"
#include "core/version.hpp"
#include "datasets/pile_merge.hpp"
#include "datasets/pile_tasks.hpp"
#include "io/atomic_file.hpp"
#include "plot/plot.hpp"

namespace sf::cli {

namespace fs = std::filesystem;

namespace {

int default_threads() { return static_cast<int>(std::max(1u, std::thread::hardware_concurrency())); }

// "1x10" -> {1, 10}
datasets::patch_shape parse_patch(const std::string& text) {
    const std::size_t x = text.find('x');
    std::size_t units = 0, bins = 0;
    try {
        std::size_t used_u = 0, used_b = 0;
        if (x == std::string::npos) throw std::invalid_argument("no x");
        units = std::stoul(text.substr(0, x), &used_u);
        bins = std::stoul(text.substr(x + 1), &used_b);
        if (used_u != x || used_b != text.size() - x - 1 || units == 0 || bins == 0) throw std::invalid_argument("bad");
    } catch (const std::exception&) {
        throw core::config_error(fmt::format("--patch {}: expected UNITSxBINS with positive integers, e.g. 1x10", text));
    }
    datasets::patch_shape shape{units, bins};
    datasets::check_patch_shape(shape);
    return shape;
}

// Draws a figure through a temp file renamed into place.
void plot_atomically(const std::vector<plot::count_matrix_panel>& panels, const plot::matrix_grid_options& options,
                     const fs::path& out) {
    const plot::image_format format = plot::format_for_path(out);
    io::atomic_file file(out);
    plot::plot_count_matrices(panels, options, file.temp_path(), format);
    file.commit();
}

struct dataset_args {
    std::vector<std::string> inputs;
    std::string split;
    std::vector<datasets::pile_shard_file> shards() const { return datasets::pile_shard_files(inputs, split); }
};

// --threads and --quiet of the commands that go over a whole dataset.
void add_work_flags(CLI::App* cmd, int& threads, bool& quiet) {
    cmd->add_option("--threads", threads, "threads (default: all cores; outputs do not depend on it)")
        ->check(CLI::PositiveNumber);
    cmd->add_flag("--quiet,-q", quiet, "no summary on stdout");
}

void add_dataset_args(CLI::App* cmd, dataset_args& d) {
    cmd->add_option("dataset", d.inputs, "shards: .parquet files or folders of them (pile build / merge output)")
        ->required();
    cmd->add_option("--split", d.split, "only <split>-*.parquet shards (pile merge output: train or test)");
}

// --- merge ---------------------------------------------------------------------------------

struct merge_cli {
    std::vector<std::string> components;
    std::string out;
    datasets::pile_merge_options options;
    double max_shard_mb = 500;
    bool quiet = false;
};

int run_merge(merge_cli& o) {
    io::check_writable_dir(fs::path(o.out).parent_path().empty() ? fs::path(".") : fs::path(o.out).parent_path());
    o.options.max_shard_bytes = static_cast<std::uint64_t>(o.max_shard_mb * 1e6);
    const datasets::pile_merge_summary s = datasets::merge_piles(o.components, o.out, o.options);
    if (!o.quiet) {
        for (const auto& [name, rows] : s.sources) fmt::print("{}: {} rows\n", name, rows);
        fmt::print("{} rows ({} tokens): train {} rows in {} shard(s), test {} rows in {} shard(s)\nwrote {}/data/ and "
                   "{}/merge.json\n",
                   s.rows, s.tokens, s.train_rows, s.train_shards.size(), s.test_rows, s.test_shards.size(), o.out, o.out);
    }
    return 0;
}

CLI::App* add_merge(CLI::App* pile, merge_cli& o) {
    CLI::App* cmd = pile->add_subcommand("merge", "Component datasets -> one shuffled dataset with a seeded test split");
    cmd->footer("Adds source_dataset (the component folder's name), shuffles all rows with --seed, holds out the first "
                "ceil(test_fraction x rows) of the shuffled rows as test. Writes OUT/data/{train,test}-NNNNN-of-NNNNN."
                "parquet (Hugging Face layout) and OUT/merge.json. docs/pile.md.");
    cmd->add_option("components", o.components, "component folders (pile build outputs)")->required();
    cmd->add_option("-o,--out", o.out, "output folder")->required();
    cmd->add_option("--test-fraction", o.options.test_fraction, "fraction of rows held out as test (default 0.01)")
        ->check(CLI::Range(0.0, 1.0));
    cmd->add_option("--seed", o.options.seed, "shuffle seed (default 0)");
    cmd->add_option("--max-shard-mb", o.max_shard_mb, "most spike-count bytes per output shard [MB] (default 500)")
        ->check(CLI::PositiveNumber);
    cmd->add_flag("--quiet,-q", o.quiet, "no summary on stdout");
    return cmd;
}

// --- raster --------------------------------------------------------------------------------

struct raster_cli {
    dataset_args data;
    std::size_t n = 9;
    std::uint64_t seed = 0;
    double bin_ms = 20.0;
    std::string out;
};

int run_raster(const raster_cli& o) {
    const std::vector<datasets::pile_row> rows = datasets::sample_pile_rows(o.data.shards(), o.n, o.seed);
    if (rows.empty()) throw core::input_error(fmt::format("{}: the dataset has no rows", fmt::join(o.data.inputs, ", ")));
    std::vector<plot::count_matrix_panel> panels;
    for (const auto& r : rows)
        panels.push_back({r.counts, r.units, static_cast<std::size_t>(r.bins),
                          fmt::format("{} / {} / {}", r.subject_id, r.session_id, r.segment_id)});
    plot::matrix_grid_options options;
    options.title = fmt::format("{} random rows (seed {})", rows.size(), o.seed);
    options.x_label = fmt::format("time [{} ms bins]", o.bin_ms);
    options.y_label = "unit";
    plot_atomically(panels, options, o.out);
    fmt::print("wrote {} ({} rows)\n", o.out, rows.size());
    return 0;
}

CLI::App* add_raster(CLI::App* pile, raster_cli& o) {
    CLI::App* cmd = pile->add_subcommand("raster", "A grid of random rows: time bins on x, units on y");
    add_dataset_args(cmd, o.data);
    cmd->add_option("--n", o.n, "rows to draw (default 9)")->check(CLI::PositiveNumber);
    cmd->add_option("--seed", o.seed, "which rows (default 0)");
    cmd->add_option("--bin-ms", o.bin_ms, "bin width for the axis label [ms] (default 20)")->check(CLI::PositiveNumber);
    cmd->add_option("-o,--out", o.out, "figure (.png or .svg)")->required();
    return cmd;
}

// --- motifs --------------------------------------------------------------------------------

struct motifs_cli {
    dataset_args data;
    std::string patch = "1x10", out, plot;
    int top = 16;
    int threads = default_threads();
    bool quiet = false;
};

void plot_top_motifs(const datasets::motif_table& t, int top, const std::string& out) {
    std::vector<plot::count_matrix_panel> panels;
    for (std::size_t i = 0; i < std::min<std::size_t>(static_cast<std::size_t>(top), t.entries.size()); ++i)
        panels.push_back({t.entries[i].patch, t.shape.units, t.shape.bins,
                          fmt::format("#{} (count {})", i + 1, t.entries[i].count)});
    plot::matrix_grid_options options;
    options.title = fmt::format("Top {} most common patches ({}x{})", panels.size(), t.shape.units, t.shape.bins);
    options.vmax = 1.0;  // as the original: 0 one colour, 1 or more the other end
    options.axes = false;
    options.panel_width_px = 200;
    options.panel_height_px = static_cast<int>(std::clamp<double>(200.0 * static_cast<double>(t.shape.units) /
                                                                      static_cast<double>(t.shape.bins), 20.0, 200.0));
    plot_atomically(panels, options, out);
}

int run_motifs(const motifs_cli& o) {
    const datasets::patch_shape shape = parse_patch(o.patch);
    const datasets::motif_counter counter = datasets::count_pile_motifs(o.data.shards(), shape, o.threads);
    const datasets::motif_table table{shape, counter.table()};
    datasets::write_motif_table(o.out, shape, table.entries);
    if (!o.plot.empty()) plot_top_motifs(table, o.top, o.plot);
    if (!o.quiet)
        fmt::print("{} patches of {}x{}, {} distinct; most common: {:.4f} of all\nwrote {}{}\n", counter.total(),
                   shape.units, shape.bins, counter.distinct(),
                   table.entries.empty() ? 0.0 : table.entries.front().probability, o.out,
                   o.plot.empty() ? "" : " and " + o.plot);
    return 0;
}

CLI::App* add_motifs(CLI::App* pile, motifs_cli& o) {
    CLI::App* cmd = pile->add_subcommand("motifs", "Exact counts of every distinct units x bins patch over a dataset");
    cmd->footer("Rows zero-padded to multiples of the patch, patches in the original's order, table sorted by count "
                "(ties in first-seen order). Writes a Parquet table: patch (list<uint8>), frequency, probability. "
                "docs/pile.md.");
    add_dataset_args(cmd, o.data);
    cmd->add_option("--patch", o.patch, "patch UNITSxBINS (default 1x10)");
    cmd->add_option("-o,--out", o.out, "motif table (.parquet)")->required();
    cmd->add_option("--plot", o.plot, "figure of the most common motifs (.png or .svg)");
    cmd->add_option("--top", o.top, "motifs in the figure (default 16)")->check(CLI::PositiveNumber);
    add_work_flags(cmd, o.threads, o.quiet);
    return cmd;
}

// --- tokenize, encode ----------------------------------------------------------------------

struct tokenize_cli {
    std::string motifs, out;
    std::uint32_t vocab = 32000;
    bool quiet = false;
};

void print_tokenizer(const datasets::tokenizer_summary& t) {
    fmt::print("{} motifs: ids 0..{} for the {} most frequent, separator id {}; {:.6f} of all patches encoded "
               "losslessly\n",
               t.motifs, t.references - 1, t.references, t.separator_id,
               t.patches ? static_cast<double>(t.lossless_patches) / static_cast<double>(t.patches) : 1.0);
}

int run_tokenize(const tokenize_cli& o) {
    if (o.vocab < 3) throw core::config_error(fmt::format("--vocab {}: expected at least 3 (ids, separator)", o.vocab));
    const datasets::tokenizer_summary s = datasets::save_tokenizer(o.out, datasets::read_motif_table(o.motifs), o.vocab);
    if (!o.quiet) {
        print_tokenizer(s);
        fmt::print("wrote {}/tokenizer.json and {}/index_map.parquet\n", o.out, o.out);
    }
    return 0;
}

CLI::App* add_tokenize(CLI::App* pile, tokenize_cli& o) {
    CLI::App* cmd = pile->add_subcommand("tokenize", "Motif table -> tokenizer: top motifs get ids, others the nearest");
    cmd->footer("The vocab - 1 most frequent motifs get ids 0..vocab-2 (one id, vocab-1, is kept for a separator); "
                "every other motif maps to the reference of highest cosine similarity (ties to the more frequent). "
                "docs/pile.md.");
    cmd->add_option("--motifs", o.motifs, "motif table from pile motifs")->required()->check(CLI::ExistingFile);
    cmd->add_option("--vocab", o.vocab, "vocabulary size incl. the separator (default 32000)");
    cmd->add_option("-o,--out", o.out, "tokenizer folder")->required();
    cmd->add_flag("--quiet,-q", o.quiet, "no summary on stdout");
    return cmd;
}

struct encode_cli {
    dataset_args data;
    std::string tokenizer, out;
    int threads = default_threads();
    bool quiet = false;
};

int run_encode(const encode_cli& o) {
    const auto shards = o.data.shards();
    const datasets::loaded_tokenizer t = datasets::load_tokenizer(o.tokenizer);
    const datasets::pile_encode_summary s = datasets::encode_pile(shards, o.out, t.tokenizer, o.threads);
    if (!o.quiet)
        fmt::print("{} rows, {} patches, {:.6f} encoded losslessly\nwrote {} shard(s) to {}\n", s.rows, s.patches,
                   s.patches ? static_cast<double>(s.lossless_patches) / static_cast<double>(s.patches) : 1.0,
                   shards.size(), o.out);
    return 0;
}

CLI::App* add_encode(CLI::App* pile, encode_cli& o) {
    CLI::App* cmd = pile->add_subcommand("encode", "Rows -> token ids with a tokenizer (one shard per input shard)");
    add_dataset_args(cmd, o.data);
    cmd->add_option("--tokenizer", o.tokenizer, "tokenizer folder from pile tokenize")->required()->check(CLI::ExistingDirectory);
    cmd->add_option("-o,--out", o.out, "output folder")->required();
    add_work_flags(cmd, o.threads, o.quiet);
    return cmd;
}

// --- reorder -------------------------------------------------------------------------------

struct reorder_cli {
    dataset_args data;
    std::string out;
    int threads = default_threads();
    bool quiet = false;
};

int run_reorder(const reorder_cli& o) {
    const auto shards = o.data.shards();
    const std::uint64_t rows = datasets::reorder_pile(shards, o.out, o.threads);
    if (!o.quiet) fmt::print("{} rows reordered\nwrote {} shard(s) to {}\n", rows, shards.size(), o.out);
    return 0;
}

CLI::App* add_reorder(CLI::App* pile, reorder_cli& o) {
    CLI::App* cmd = pile->add_subcommand("reorder", "Units of every row ordered by hierarchical clustering");
    cmd->footer("Per row: cosine distances of the units' count profiles (silent units at 2.0), Ward linkage, optimal "
                "leaf ordering: scipy's leaves_list(linkage(pdist(X, 'cosine'), 'ward', optimal_ordering=True)). "
                "Same schema and row order. docs/pile.md.");
    add_dataset_args(cmd, o.data);
    cmd->add_option("-o,--out", o.out, "output folder")->required();
    add_work_flags(cmd, o.threads, o.quiet);
    return cmd;
}

}  // namespace

std::vector<std::pair<CLI::App*, command_runner>> add_pile_dataset_commands(CLI::App* pile) {
    auto merge = std::make_shared<merge_cli>();
    auto raster = std::make_shared<raster_cli>();
    auto motifs = std::make_shared<motifs_cli>();
    auto tokenize = std::make_shared<tokenize_cli>();
    auto encode = std::make_shared<encode_cli>();
    auto reorder = std::make_shared<reorder_cli>();
    return {{add_merge(pile, *merge), [merge] { return run_merge(*merge); }},
            {add_raster(pile, *raster), [raster] { return run_raster(*raster); }},
            {add_motifs(pile, *motifs), [motifs] { return run_motifs(*motifs); }},
            {add_tokenize(pile, *tokenize), [tokenize] { return run_tokenize(*tokenize); }},
            {add_encode(pile, *encode), [encode] { return run_encode(*encode); }},
            {add_reorder(pile, *reorder), [reorder] { return run_reorder(*reorder); }}};
}

}  // namespace sf::cli
