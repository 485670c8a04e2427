#include "datasets/pile_merge.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "core/error.hpp"
#include "core/permutation.hpp"
#include "core/rng.hpp"
#include "datasets/pile_dataset.hpp"
#include "io/atomic_file.hpp"
#include "io/zstd_frame.hpp"

namespace sf::datasets {

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

// The merge's permutation stream (braingrid windows use gid 0 of the same purpose).
constexpr core::stream_id merge_stream{core::stream_purpose::dataset_shuffle, 0, 1};

// A row as spill bytes: units (u32), bins (u64), four strings as (u32 length, bytes), counts.
std::vector<std::byte> serialize(const pile_row& r) {
    std::vector<std::byte> out;
    const auto put = [&](const void* p, std::size_t n) {
        const auto* b = static_cast<const std::byte*>(p);
        out.insert(out.end(), b, b + n);
    };
    const auto put_string = [&](const std::string& s) {
        const auto n = static_cast<std::uint32_t>(s.size());
        put(&n, sizeof n);
        put(s.data(), s.size());
    };
    put(&r.units, sizeof r.units);
    put(&r.bins, sizeof r.bins);
    for (const std::string* s : {&r.subject_id, &r.session_id, &r.segment_id, &r.source_dataset}) put_string(*s);
    put(r.counts.data(), r.counts.size());
    return out;
}

pile_row deserialize(std::span<const std::byte> in) {
    pile_row r;
    std::size_t at = 0;
    const auto get = [&](void* p, std::size_t n) {
        std::memcpy(p, in.data() + at, n);
        at += n;
    };
    const auto get_string = [&](std::string& s) {
        std::uint32_t n = 0;
        get(&n, sizeof n);
        s.assign(reinterpret_cast<const char*>(in.data() + at), n);
        at += n;
    };
    get(&r.units, sizeof r.units);
    get(&r.bins, sizeof r.bins);
    for (std::string* s : {&r.subject_id, &r.session_id, &r.segment_id, &r.source_dataset}) get_string(*s);
    r.counts.resize(static_cast<std::size_t>(std::uint64_t{r.units} * r.bins));
    get(r.counts.data(), r.counts.size());
    return r;
}

struct spill_record {
    std::uint64_t offset = 0, frame_bytes = 0, plain_bytes = 0, counts = 0;
};

// The spill file: rows in input order as zstd frames, read back at random by pread.
class spill_file {
public:
    explicit spill_file(fs::path path) : path_(std::move(path)) {
        fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd_ < 0) throw core::io_error(fmt::format("{}: cannot create ({})", path_.string(), std::strerror(errno)));
    }
    ~spill_file() {
        ::close(fd_);
        std::error_code ec;
        fs::remove(path_, ec);
    }
    spill_file(const spill_file&) = delete;
    spill_file& operator=(const spill_file&) = delete;

    spill_record append(const pile_row& row) {
        const std::vector<std::byte> plain = serialize(row);
        const std::string frame = io::zstd_compress(plain, 1);
        const spill_record rec{end_, frame.size(), plain.size(), row.counts.size()};
        for (std::size_t done = 0; done < frame.size();) {
            const ssize_t n = ::pwrite(fd_, frame.data() + done, frame.size() - done, static_cast<off_t>(end_ + done));
            if (n <= 0) throw core::io_error(fmt::format("{}: write failed ({})", path_.string(), std::strerror(errno)));
            done += static_cast<std::size_t>(n);
        }
        end_ += frame.size();
        return rec;
    }

    pile_row read(const spill_record& rec) const {
        std::vector<std::byte> frame(rec.frame_bytes);
        for (std::size_t done = 0; done < frame.size();) {
            const ssize_t n = ::pread(fd_, frame.data() + done, frame.size() - done, static_cast<off_t>(rec.offset + done));
            if (n <= 0) throw core::io_error(fmt::format("{}: read failed ({})", path_.string(), std::strerror(errno)));
            done += static_cast<std::size_t>(n);
        }
        return deserialize(io::zstd_decompress(frame, rec.plain_bytes, path_.string()));
    }

private:
    fs::path path_;
    int fd_ = -1;
    std::uint64_t end_ = 0;
};

struct component {
    std::string name;
    std::vector<pile_shard_file> shards;
};

bool inside(const fs::path& a, const fs::path& b) {  // a is b or below it
    const auto [ia, ib] = std::mismatch(a.begin(), a.end(), b.begin(), b.end());
    return ib == b.end();
}

fs::path canonical_folder(const fs::path& p) { return fs::weakly_canonical(fs::absolute(p)); }

std::vector<component> resolve_components(const std::vector<std::string>& inputs, const fs::path& out) {
    std::vector<component> comps;
    std::set<std::string> names;
    const fs::path out_abs = canonical_folder(out);
    for (const std::string& input : inputs) {
        if (!fs::is_directory(input))
            throw core::config_error(fmt::format("{}: not a folder; expected a component dataset (pile build's output)", input));
        const fs::path abs = canonical_folder(input);
        if (inside(out_abs, abs) || inside(abs, out_abs))
            throw core::config_error(fmt::format("{}: the output folder {} must not be inside a component, nor a component "
                                                 "inside it",
                                                 input, out.string()));
        component c{component_name(input), pile_shard_files({input})};
        if (!names.insert(c.name).second)
            throw core::config_error(fmt::format("{}: a second component named '{}'; expected unique folder names "
                                                 "(they become source_dataset)",
                                                 input, c.name));
        comps.push_back(std::move(c));
    }
    return comps;
}

// Output shards of one split: consecutive runs of the split's positions, each at most
// max_bytes of counts (a larger row gets a shard alone).
std::vector<std::pair<std::uint64_t, std::uint64_t>> plan_shards(const std::vector<std::uint64_t>& order,
                                                                 std::uint64_t first, std::uint64_t last,
                                                                 const std::vector<spill_record>& records,
                                                                 std::uint64_t max_bytes) {
    std::vector<std::pair<std::uint64_t, std::uint64_t>> shards;
    std::uint64_t begin = first, bytes = 0;
    for (std::uint64_t p = first; p < last; ++p) {
        const std::uint64_t b = records[order[p]].counts;
        if (p > begin && bytes + b > max_bytes) {
            shards.emplace_back(begin, p);
            begin = p, bytes = 0;
        }
        bytes += b;
    }
    if (last > begin) shards.emplace_back(begin, last);
    return shards;
}

std::vector<std::string> write_split(const std::string& split, const std::vector<std::uint64_t>& order,
                                     std::uint64_t first, std::uint64_t last, const std::vector<spill_record>& records,
                                     const spill_file& spill, const fs::path& data_dir, std::uint64_t max_bytes) {
    const auto shards = plan_shards(order, first, last, records, max_bytes);
    std::vector<std::string> names;
    for (std::size_t s = 0; s < shards.size(); ++s) {
        const std::string name = fmt::format("{}-{:05d}-of-{:05d}.parquet", split, s, shards.size());
        pile_shard_writer writer(data_dir / name, true);
        for (std::uint64_t p = shards[s].first; p < shards[s].second; ++p) writer.add(spill.read(records[order[p]]));
        writer.commit();
        names.push_back("data/" + name);
    }
    return names;
}

json summary_json(const pile_merge_summary& s, const std::vector<component>& comps, const pile_merge_options& o) {
    json sources = json::array();
    for (std::size_t c = 0; c < comps.size(); ++c) {
        json shards = json::array();
        for (const auto& f : comps[c].shards) shards.push_back(fs::absolute(f.path).lexically_normal().string());
        sources.push_back({{"name", s.sources[c].first}, {"rows", s.sources[c].second}, {"shards", shards}});
    }
    return {{"rows", s.rows},
            {"tokens", s.tokens},
            {"seed", o.seed},
            {"test_fraction", o.test_fraction},
            {"max_shard_bytes", o.max_shard_bytes},
            {"splits", {{"train", {{"rows", s.train_rows}, {"shards", s.train_shards}}},
                        {"test", {{"rows", s.test_rows}, {"shards", s.test_shards}}}}},
            {"sources", sources}};
}

// The merge into work/data (the spill file in work).
pile_merge_summary merge_into(const std::vector<component>& comps, const fs::path& work, const pile_merge_options& o) {
    pile_merge_summary s;
    std::vector<spill_record> records;
    {
        // Pass 1: every row, in input order, into the spill file.
        spill_file spill(work / "rows.spill");
        for (const component& c : comps) {
            std::uint64_t rows = 0;
            for_each_pile_row(c.shards, [&](pile_row& row) {
                if (row.source_dataset.empty()) row.source_dataset = c.name;
                records.push_back(spill.append(row));
                s.tokens += row.counts.size();
                ++rows;
            });
            s.sources.emplace_back(c.name, rows);
        }
        // Pass 2: the permuted order, split, shard by shard.
        s.rows = records.size();
        core::rng_stream rng(o.seed, merge_stream);
        const std::vector<std::uint64_t> order = core::random_permutation(s.rows, rng);
        s.test_rows = static_cast<std::uint64_t>(std::ceil(o.test_fraction * static_cast<double>(s.rows)));
        s.train_rows = s.rows - s.test_rows;
        if (s.train_rows == 0)  // as Hugging Face's train_test_split refuses it
            throw core::config_error(fmt::format("--test-fraction {}: {} of {} rows would be test and none train", o.test_fraction,
                                                 s.test_rows, s.rows));
        s.test_shards = write_split("test", order, 0, s.test_rows, records, spill, work / "data", o.max_shard_bytes);
        s.train_shards = write_split("train", order, s.test_rows, s.rows, records, spill, work / "data", o.max_shard_bytes);
    }
    return s;
}

}  // namespace

std::string component_name(const fs::path& folder) {
    fs::path p = fs::absolute(folder).lexically_normal();
    if (p.filename().empty()) p = p.parent_path();
    return p.filename().string();
}

pile_merge_summary merge_piles(const std::vector<std::string>& inputs, const fs::path& out,
                               const pile_merge_options& o) {
    if (!(o.test_fraction >= 0.0 && o.test_fraction < 1.0))
        throw core::config_error(fmt::format("--test-fraction {}: expected a fraction in [0, 1)", o.test_fraction));
    if (o.max_shard_bytes == 0) throw core::config_error("--max-shard-mb: expected a positive size");
    const std::vector<component> comps = resolve_components(inputs, out);
    fs::create_directories(out);
    const fs::path work = out / ".merge.tmp";
    fs::remove_all(work);
    fs::create_directories(work / "data");

    pile_merge_summary s;
    try {
        s = merge_into(comps, work, o);
    } catch (...) {
        std::error_code ec;
        fs::remove_all(work, ec);
        throw;
    }
    // Replace OUT/data by the new shards, then write merge.json.
    fs::remove_all(out / "data");
    fs::rename(work / "data", out / "data");
    fs::remove_all(work);
    io::write_text_atomically(out / "merge.json", summary_json(s, comps, o).dump(2) + "\n");
    return s;
}

}  // namespace sf::datasets
