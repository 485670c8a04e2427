#include "datasets/pile_tasks.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "core/parallel_for.hpp"
#include "core/permutation.hpp"
#include "core/rng.hpp"
#include "datasets/pile_reorder.hpp"
#include "io/atomic_file.hpp"
#include "io/parquet/parquet.hpp"

namespace sf::datasets {

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

// The raster's sample stream (pile merge uses gid 1, braingrid windows gid 0).
constexpr core::stream_id sample_stream{core::stream_purpose::dataset_shuffle, 0, 2};

// Where a row is: shard, row group, row within the group.
struct row_address {
    std::size_t shard = 0, group = 0;
    std::uint64_t row = 0;
};

std::vector<row_address> all_rows(const std::vector<pile_shard_file>& shards) {
    std::vector<row_address> rows;
    for (std::size_t s = 0; s < shards.size(); ++s) {
        const pile_shard_reader reader(shards[s].path);
        for (std::size_t g = 0; g < reader.row_groups(); ++g)
            for (std::uint64_t r = 0; r < reader.row_group_rows(g); ++r) rows.push_back({s, g, r});
    }
    return rows;
}

// The (shard, row group) pairs of the shards, in order: the unit of parallel work.
std::vector<std::pair<std::size_t, std::size_t>> row_groups(const std::vector<pile_shard_file>& shards) {
    std::vector<std::pair<std::size_t, std::size_t>> groups;
    for (std::size_t s = 0; s < shards.size(); ++s) {
        const pile_shard_reader reader(shards[s].path);
        for (std::size_t g = 0; g < reader.row_groups(); ++g) groups.emplace_back(s, g);
    }
    return groups;
}

// Rewrites every shard as out/<name>, row group by row group: `transform` turns the rows of a
// group into output rows (in place, one call per row, in parallel), `write` appends them.
template <class Writer, class Transform, class Write>
void mirror_shards(const std::vector<pile_shard_file>& shards, const fs::path& out, int threads,
                   const std::function<Writer(const fs::path&, const pile_shard_reader&)>& open, Transform transform,
                   Write write) {
    for (const pile_shard_file& f : shards) {
        const pile_shard_reader reader(f.path);
        const fs::path target = out / f.name;
        fs::create_directories(target.parent_path());
        Writer writer = open(target, reader);
        for (std::size_t g = 0; g < reader.row_groups(); ++g) {
            std::vector<pile_row> rows = reader.read_row_group(g);
            auto results = transform(rows, threads);
            write(writer, rows, results);
        }
        writer.commit();
    }
}

}  // namespace

std::vector<pile_row> sample_pile_rows(const std::vector<pile_shard_file>& shards, std::size_t n, std::uint64_t seed) {
    const std::vector<row_address> rows = all_rows(shards);
    core::rng_stream rng(seed, sample_stream);
    std::vector<std::uint64_t> order = core::random_permutation(rows.size(), rng);
    order.resize(std::min<std::size_t>(n, order.size()));
    // Read each row group holding a drawn row once.
    std::map<std::pair<std::size_t, std::size_t>, std::vector<std::size_t>> wanted;  // group -> draws
    for (std::size_t k = 0; k < order.size(); ++k) wanted[{rows[order[k]].shard, rows[order[k]].group}].push_back(k);
    std::vector<pile_row> drawn(order.size());
    for (const auto& [group, draws] : wanted) {
        std::vector<pile_row> group_rows = pile_shard_reader(shards[group.first].path).read_row_group(group.second);
        for (const std::size_t k : draws) drawn[k] = std::move(group_rows[rows[order[k]].row]);
    }
    return drawn;
}

motif_counter count_pile_motifs(const std::vector<pile_shard_file>& shards, patch_shape shape, int threads) {
    check_patch_shape(shape);
    const auto groups = row_groups(shards);
    motif_counter total(shape);
    const std::size_t batch = static_cast<std::size_t>(std::max(1, threads));
    for (std::size_t first = 0; first < groups.size(); first += batch) {
        const std::size_t n = std::min(batch, groups.size() - first);
        std::vector<motif_counter> counters(n, motif_counter(shape));
        core::parallel_for(n, threads, [&](std::size_t i) {
            const auto [s, g] = groups[first + i];
            for (const pile_row& row : pile_shard_reader(shards[s].path).read_row_group(g)) counters[i].add_row(row.view());
        });
        for (const motif_counter& c : counters) total.merge(c);  // group order = row order
    }
    return total;
}

std::uint64_t reorder_pile(const std::vector<pile_shard_file>& shards, const fs::path& out, int threads) {
    std::uint64_t done = 0;
    mirror_shards<pile_shard_writer>(
        shards, out, threads,
        [](const fs::path& target, const pile_shard_reader& reader) {
            return pile_shard_writer(target, reader.has_source_dataset());
        },
        [](std::vector<pile_row>& rows, int t) {
            core::parallel_for(rows.size(), t, [&](std::size_t i) { rows[i].counts = reorder_units(rows[i].view()); });
            return 0;
        },
        [&](pile_shard_writer& w, std::vector<pile_row>& rows, int) {
            for (const pile_row& r : rows) w.add(r);
            done += rows.size();
        });
    return done;
}

namespace {

namespace pq = io::parquet;

// A motif table's patches as one flat list column: row i = entry i's patch.
struct patch_column {
    std::vector<std::uint8_t> values;
    std::vector<std::uint64_t> offsets{0};
    explicit patch_column(const std::vector<motif_entry>& entries) {
        for (const motif_entry& e : entries) {
            values.insert(values.end(), e.patch.begin(), e.patch.end());
            offsets.push_back(values.size());
        }
    }
    pq::column_values column() const { return pq::column_values(pq::flat_lists<std::uint8_t>{values, offsets}); }
};

std::vector<std::int64_t> frequencies(const std::vector<motif_entry>& entries) {
    std::vector<std::int64_t> f;
    for (const motif_entry& e : entries) f.push_back(static_cast<std::int64_t>(e.count));
    return f;
}

pq::writer_options shape_metadata(patch_shape shape) {
    pq::writer_options o;
    o.key_value_metadata = {{"patch_units", std::to_string(shape.units)}, {"patch_bins", std::to_string(shape.bins)}};
    return o;
}

// One row group of at most this many motifs (the reader then holds one group at a time).
constexpr std::size_t motifs_per_group = std::size_t{1} << 20;

// Writes `columns(first, last)` of the entries in row groups of motifs_per_group.
template <class Columns>
void write_table_atomically(const fs::path& path, const std::vector<pq::column>& schema, const pq::writer_options& o,
                            std::size_t rows, Columns columns) {
    io::atomic_file file(path);
    {
        pq::table_writer writer(file.temp_path(), schema, o);
        for (std::size_t first = 0; first < rows; first += motifs_per_group) columns(writer, first, std::min(rows, first + motifs_per_group));
        writer.close();
    }
    file.commit();
}

std::size_t column_index(const pq::table_reader& t, const fs::path& path, const std::string& name, pq::column_type type) {
    for (std::size_t c = 0; c < t.schema().size(); ++c)
        if (t.schema()[c].name == name && t.schema()[c].type == type) return c;
    throw core::input_error(fmt::format("{}: no {} column '{}'; expected a motif table of pile motifs", path.string(),
                                        pq::to_string(type), name));
}

std::size_t metadata_size(const pq::table_reader& t, const fs::path& path, const std::string& key) {
    for (const auto& [k, v] : t.key_value_metadata())
        if (k == key) {
            try {
                return std::stoul(v);
            } catch (const std::exception&) {
                break;
            }
        }
    throw core::input_error(fmt::format("{}: no '{}' in the file's metadata; expected a motif table of pile motifs",
                                        path.string(), key));
}

}  // namespace

void write_motif_table(const fs::path& path, patch_shape shape, const std::vector<motif_entry>& table) {
    write_table_atomically(path,
                           {{"patch", pq::column_type::list_u8}, {"frequency", pq::column_type::i64},
                            {"probability", pq::column_type::f64}},
                           shape_metadata(shape), table.size(), [&](pq::table_writer& w, std::size_t a, std::size_t b) {
                               const std::vector<motif_entry> part(table.begin() + static_cast<std::ptrdiff_t>(a),
                                                                   table.begin() + static_cast<std::ptrdiff_t>(b));
                               std::vector<double> p;
                               for (const auto& e : part) p.push_back(e.probability);
                               const patch_column patches(part);
                               w.write_row_group(std::vector<pq::column_values>{patches.column(), pq::column_values(frequencies(part)),
                                                                                pq::column_values(p)});
                           });
}

motif_table read_motif_table(const fs::path& path) {
    const pq::table_reader t(path);
    motif_table out;
    out.shape = {metadata_size(t, path, "patch_units"), metadata_size(t, path, "patch_bins")};
    check_patch_shape(out.shape);
    const std::size_t patch = column_index(t, path, "patch", pq::column_type::list_u8);
    const std::size_t freq = column_index(t, path, "frequency", pq::column_type::i64);
    const std::size_t prob = column_index(t, path, "probability", pq::column_type::f64);
    for (std::size_t g = 0; g < t.row_group_count(); ++g) {
        const auto lists = t.read_u8_list(g, patch);
        const auto f = t.read_column<std::int64_t>(g, freq);
        const auto p = t.read_column<double>(g, prob);
        for (std::size_t i = 0; i < f.size(); ++i) {
            const auto a = lists.values.begin() + static_cast<std::ptrdiff_t>(lists.offsets[i]);
            const auto b = lists.values.begin() + static_cast<std::ptrdiff_t>(lists.offsets[i + 1]);
            if (static_cast<std::size_t>(b - a) != out.shape.size() || f[i] <= 0)
                throw core::input_error(fmt::format("{}: motif {}: {} values, frequency {}; expected {} values and a "
                                                    "positive frequency",
                                                    path.string(), out.entries.size(), b - a, f[i], out.shape.size()));
            out.entries.push_back({std::vector<std::uint8_t>(a, b), static_cast<std::uint64_t>(f[i]), p[i]});
        }
    }
    for (std::size_t i = 1; i < out.entries.size(); ++i)
        if (out.entries[i].count > out.entries[i - 1].count)
            throw core::input_error(fmt::format("{}: motif {} is more frequent than motif {}; expected a table sorted by "
                                                "frequency",
                                                path.string(), i, i - 1));
    return out;
}

namespace {

tokenizer_summary summarize(const motif_tokenizer& tok, const motif_table& table, std::uint32_t vocab) {
    tokenizer_summary s;
    s.vocab = vocab;
    s.k_limit = motif_tokenizer::k_limit_for_vocab(vocab);
    s.references = tok.references();
    s.separator_id = tok.separator_id();
    s.motifs = table.entries.size();
    for (std::size_t i = 0; i < table.entries.size(); ++i) {
        s.patches += table.entries[i].count;
        if (i < tok.references()) s.lossless_patches += table.entries[i].count;
    }
    return s;
}

nlohmann::json to_json(const tokenizer_summary& s, patch_shape shape) {
    return {{"format", "spikeforge motif tokenizer 1"},
            {"patch", {shape.units, shape.bins}},
            {"vocab", s.vocab},
            {"k_limit", s.k_limit},
            {"references", s.references},
            {"separator_id", s.separator_id},
            {"motifs", s.motifs},
            {"patches", s.patches},
            {"lossless_patches", s.lossless_patches},
            {"lossless_fraction", s.patches ? static_cast<double>(s.lossless_patches) / static_cast<double>(s.patches) : 1.0}};
}

}  // namespace

tokenizer_summary save_tokenizer(const fs::path& dir, const motif_table& table, std::uint32_t vocab) {
    const motif_tokenizer tok(table.shape, table.entries, motif_tokenizer::k_limit_for_vocab(vocab));
    const tokenizer_summary s = summarize(tok, table, vocab);
    fs::create_directories(dir);
    const std::vector<std::uint32_t>& ids = tok.table_ids();
    write_table_atomically(dir / "index_map.parquet",
                           {{"patch", pq::column_type::list_u8}, {"token_id", pq::column_type::u32},
                            {"frequency", pq::column_type::i64}},
                           shape_metadata(table.shape), table.entries.size(),
                           [&](pq::table_writer& w, std::size_t a, std::size_t b) {
                               const std::vector<motif_entry> part(table.entries.begin() + static_cast<std::ptrdiff_t>(a),
                                                                   table.entries.begin() + static_cast<std::ptrdiff_t>(b));
                               const std::vector<std::uint32_t> part_ids(ids.begin() + static_cast<std::ptrdiff_t>(a),
                                                                         ids.begin() + static_cast<std::ptrdiff_t>(b));
                               const patch_column patches(part);
                               w.write_row_group(std::vector<pq::column_values>{patches.column(), pq::column_values(part_ids),
                                                                                pq::column_values(frequencies(part))});
                           });
    io::write_text_atomically(dir / "tokenizer.json", to_json(s, table.shape).dump(2) + "\n");
    return s;
}

loaded_tokenizer load_tokenizer(const fs::path& dir) {
    const fs::path json_path = dir / "tokenizer.json", map_path = dir / "index_map.parquet";
    std::uint32_t vocab = 0;
    try {
        std::ifstream in(json_path);
        if (!in) throw std::runtime_error("cannot open");
        vocab = json::parse(in).at("vocab").get<std::uint32_t>();
    } catch (const std::exception& e) {
        throw core::input_error(fmt::format("{}: {}; expected the tokenizer.json of pile tokenize", json_path.string(), e.what()));
    }
    // index_map.parquet holds the motif table in table order with its frequencies.
    const pq::table_reader t(map_path);
    motif_table table;
    table.shape = {metadata_size(t, map_path, "patch_units"), metadata_size(t, map_path, "patch_bins")};
    const std::size_t patch = column_index(t, map_path, "patch", pq::column_type::list_u8);
    const std::size_t freq = column_index(t, map_path, "frequency", pq::column_type::i64);
    for (std::size_t g = 0; g < t.row_group_count(); ++g) {
        const auto lists = t.read_u8_list(g, patch);
        const auto f = t.read_column<std::int64_t>(g, freq);
        for (std::size_t i = 0; i < f.size(); ++i)
            table.entries.push_back({std::vector<std::uint8_t>(lists.values.begin() + static_cast<std::ptrdiff_t>(lists.offsets[i]),
                                                               lists.values.begin() + static_cast<std::ptrdiff_t>(lists.offsets[i + 1])),
                                     static_cast<std::uint64_t>(f[i]), 0.0});
    }
    motif_tokenizer tok(table.shape, table.entries, motif_tokenizer::k_limit_for_vocab(vocab));
    tokenizer_summary s = summarize(tok, table, vocab);
    return {std::move(tok), s};
}

namespace {

// Writes encoded rows: one file per input shard, row groups as the input's.
class encoded_writer {
public:
    encoded_writer(const fs::path& path, bool with_source) : file_(path), with_source_(with_source) {
        std::vector<pq::column> schema = {{"tokens", pq::column_type::list_u32},      {"patch_rows", pq::column_type::u32},
                                          {"patch_cols", pq::column_type::u32},       {"units", pq::column_type::u32},
                                          {"bins", pq::column_type::u32},             {"lossless_patches", pq::column_type::u64},
                                          {"subject_id", pq::column_type::string},    {"session_id", pq::column_type::string},
                                          {"segment_id", pq::column_type::string}};
        if (with_source) schema.push_back({"source_dataset", pq::column_type::string});
        writer_ = std::make_unique<pq::table_writer>(file_.temp_path(), schema, pq::writer_options{});
    }
    void write(const std::vector<pile_row>& rows, const std::vector<encoded_row>& enc, patch_shape shape) {
        std::vector<std::uint32_t> tokens, prow, pcol, units, bins;
        std::vector<std::uint64_t> offsets{0}, lossless;
        std::vector<std::string> subject, session, segment, source;
        for (std::size_t i = 0; i < rows.size(); ++i) {
            tokens.insert(tokens.end(), enc[i].ids.begin(), enc[i].ids.end());
            offsets.push_back(tokens.size());
            prow.push_back(static_cast<std::uint32_t>((rows[i].units + shape.units - 1) / shape.units));
            pcol.push_back(static_cast<std::uint32_t>((rows[i].bins + shape.bins - 1) / shape.bins));
            units.push_back(rows[i].units), bins.push_back(static_cast<std::uint32_t>(rows[i].bins));
            lossless.push_back(enc[i].lossless);
            subject.push_back(rows[i].subject_id), session.push_back(rows[i].session_id);
            segment.push_back(rows[i].segment_id), source.push_back(rows[i].source_dataset);
        }
        std::vector<pq::column_values> columns = {
            pq::column_values(pq::flat_lists<std::uint32_t>{tokens, offsets}), pq::column_values(prow), pq::column_values(pcol),
            pq::column_values(units), pq::column_values(bins), pq::column_values(lossless), pq::column_values(subject),
            pq::column_values(session), pq::column_values(segment)};
        if (with_source_) columns.emplace_back(source);
        writer_->write_row_group(columns);
    }
    void commit() {
        writer_->close();
        writer_.reset();
        file_.commit();
    }

private:
    io::atomic_file file_;
    bool with_source_;
    std::unique_ptr<pq::table_writer> writer_;
};

}  // namespace

pile_encode_summary encode_pile(const std::vector<pile_shard_file>& shards, const fs::path& out,
                                const motif_tokenizer& tokenizer, int threads) {
    pile_encode_summary s;
    mirror_shards<encoded_writer>(
        shards, out, threads,
        [](const fs::path& target, const pile_shard_reader& reader) {
            return encoded_writer(target, reader.has_source_dataset());
        },
        [&](std::vector<pile_row>& rows, int t) {
            std::vector<encoded_row> enc(rows.size());
            core::parallel_for(rows.size(), t, [&](std::size_t i) { enc[i] = tokenizer.encode(rows[i].view()); });
            return enc;
        },
        [&](encoded_writer& w, std::vector<pile_row>& rows, const std::vector<encoded_row>& enc) {
            w.write(rows, enc, tokenizer.shape());
            s.rows += rows.size();
            for (const encoded_row& e : enc) s.patches += e.ids.size(), s.lossless_patches += e.lossless;
        });
    return s;
}

}  // namespace sf::datasets
