#include "datasets/pile_dataset.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <limits>
#include <optional>

#include "core/error.hpp"
#include "io/atomic_file.hpp"
#include "io/parquet/parquet.hpp"

namespace sf::datasets {

namespace fs = std::filesystem;
namespace pq = io::parquet;

namespace {

bool is_shard(const fs::path& p, const std::string& split) {
    const std::string name = p.filename().string();
    return p.extension() == ".parquet" && !name.starts_with(".") && (split.empty() || name.starts_with(split + "-"));
}

}  // namespace

std::vector<pile_shard_file> pile_shard_files(const std::vector<std::string>& inputs, const std::string& split) {
    std::vector<pile_shard_file> files;
    for (const std::string& input : inputs) {
        const fs::path p(input);
        if (fs::is_directory(p)) {
            std::vector<pile_shard_file> found;
            for (const auto& e : fs::recursive_directory_iterator(p))
                if (e.is_regular_file() && is_shard(e.path(), split)) found.push_back({e.path(), e.path().lexically_relative(p)});
            std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.path < b.path; });
            files.insert(files.end(), found.begin(), found.end());
        } else if (fs::is_regular_file(p)) {
            files.push_back({p, p.filename()});
        } else {
            throw core::config_error(fmt::format("{}: no such file or folder", input));
        }
    }
    if (files.empty())
        throw core::config_error(fmt::format("no {}.parquet shards in {}", split.empty() ? "" : split + "-*",
                                             fmt::join(inputs, ", ")));
    return files;
}

struct pile_shard_reader::impl {
    pq::table_reader table;
    std::size_t counts = 0, subject = 0, session = 0, segment = 0;
};

pile_shard_reader::pile_shard_reader(const fs::path& path) : path_(path) {
    pq::table_reader table(path);
    const auto& schema = table.schema();
    const auto find = [&](const char* name, pq::column_type type, bool required) -> std::optional<std::size_t> {
        for (std::size_t c = 0; c < schema.size(); ++c)
            if (schema[c].name == name) {
                if (schema[c].type != type)
                    throw core::input_error(fmt::format("{}: column '{}' is {}; expected {}", path.string(), name,
                                                        pq::to_string(schema[c].type), pq::to_string(type)));
                return c;
            }
        if (required)
            throw core::input_error(fmt::format("{}: no column '{}'; expected a neural-pile shard (spike_counts, "
                                                "subject_id, session_id, segment_id)",
                                                path.string(), name));
        return std::nullopt;
    };
    const std::size_t counts = *find("spike_counts", pq::column_type::list_list_u8, true);
    const std::size_t subject = *find("subject_id", pq::column_type::string, true);
    const std::size_t session = *find("session_id", pq::column_type::string, true);
    const std::size_t segment = *find("segment_id", pq::column_type::string, true);
    if (const auto source = find("source_dataset", pq::column_type::string, false)) source_column_ = static_cast<int>(*source);
    impl_ = std::make_unique<impl>(impl{std::move(table), counts, subject, session, segment});
}

pile_shard_reader::~pile_shard_reader() = default;
pile_shard_reader::pile_shard_reader(pile_shard_reader&&) noexcept = default;

std::uint64_t pile_shard_reader::rows() const { return impl_->table.num_rows(); }
std::size_t pile_shard_reader::row_groups() const { return impl_->table.row_group_count(); }
std::uint64_t pile_shard_reader::row_group_rows(std::size_t group) const { return impl_->table.row_group_rows(group); }

std::vector<pile_row> pile_shard_reader::read_row_group(std::size_t group) const {
    const pq::table_reader& t = impl_->table;
    const pq::u8_lists lists = t.read_u8_lists(group, impl_->counts);
    const std::vector<std::string> subject = t.read_strings(group, impl_->subject);
    const std::vector<std::string> session = t.read_strings(group, impl_->session);
    const std::vector<std::string> segment = t.read_strings(group, impl_->segment);
    std::vector<std::string> source;
    if (source_column_ >= 0) source = t.read_strings(group, static_cast<std::size_t>(source_column_));
    std::vector<pile_row> rows(subject.size());
    for (std::size_t r = 0; r < rows.size(); ++r) {
        pile_row& row = rows[r];
        const std::uint64_t first = lists.row_offsets[r], last = lists.row_offsets[r + 1];
        row.units = static_cast<std::uint32_t>(last - first);
        row.bins = row.units ? lists.list_offsets[first + 1] - lists.list_offsets[first] : 0;
        for (std::uint64_t i = first; i < last; ++i)
            if (lists.list_offsets[i + 1] - lists.list_offsets[i] != row.bins)
                throw core::input_error(fmt::format("{}: row group {} row {}: unit {} has {} bins, unit 0 has {}; expected "
                                                    "a units x bins matrix",
                                                    path_.string(), group, r, i - first,
                                                    lists.list_offsets[i + 1] - lists.list_offsets[i], row.bins));
        const auto begin = lists.values.begin() + static_cast<std::ptrdiff_t>(lists.list_offsets[first]);
        row.counts.assign(begin, begin + static_cast<std::ptrdiff_t>(std::uint64_t{row.units} * row.bins));
        row.subject_id = subject[r], row.session_id = session[r], row.segment_id = segment[r];
        if (!source.empty()) row.source_dataset = source[r];
    }
    return rows;
}

void for_each_pile_row(const std::vector<pile_shard_file>& shards, const std::function<void(pile_row&)>& fn) {
    for (const pile_shard_file& f : shards) {
        const pile_shard_reader reader(f.path);
        for (std::size_t g = 0; g < reader.row_groups(); ++g)
            for (pile_row& row : reader.read_row_group(g)) fn(row);
    }
}

struct pile_shard_writer::impl {
    io::atomic_file file;
    pq::table_writer writer;
    bool with_source;
    std::uint64_t row_group_bytes;
    // The row group being gathered: counts appended row after row, and the rows' fields.
    std::vector<std::uint8_t> data;
    std::vector<std::uint32_t> units, bins;
    std::vector<std::string> subject, session, segment, source;

    static std::vector<pq::column> schema(bool with_source) {
        std::vector<pq::column> s = {{"spike_counts", pq::column_type::list_list_u8},
                                     {"subject_id", pq::column_type::string},
                                     {"session_id", pq::column_type::string},
                                     {"segment_id", pq::column_type::string}};
        if (with_source) s.push_back({"source_dataset", pq::column_type::string});
        return s;
    }
    static pq::writer_options options() {
        pq::writer_options o;  // no time or host in the file: a shard is a function of its rows
        o.key_value_metadata = {{"spikeforge_dataset", "neural-pile rows: spike counts per unit and time bin"}};
        return o;
    }
    impl(const fs::path& path, bool source, std::uint64_t group_bytes)
        : file(path), writer(file.temp_path(), schema(source), options()), with_source(source),
          row_group_bytes(group_bytes) {}

    void flush() {
        if (units.empty()) return;
        std::vector<pq::column_values> columns = {pq::column_values(pq::u8_matrices{data, units, bins}),
                                                  pq::column_values(subject), pq::column_values(session),
                                                  pq::column_values(segment)};
        if (with_source) columns.emplace_back(source);
        writer.write_row_group(columns);
        data.clear();  // capacity kept: the next group reuses the mapped pages
        for (auto* v : {&units, &bins}) v->clear();
        for (auto* v : {&subject, &session, &segment, &source}) v->clear();
    }

    void add(const pile_row& r) {
        if (!units.empty() && data.size() + r.counts.size() > row_group_bytes) flush();
        if (data.capacity() == 0) data.reserve(row_group_bytes);  // one allocation, reused by every group
        data.insert(data.end(), r.counts.begin(), r.counts.end());
        units.push_back(r.units);
        bins.push_back(static_cast<std::uint32_t>(r.bins));
        subject.push_back(r.subject_id), session.push_back(r.session_id), segment.push_back(r.segment_id);
        source.push_back(r.source_dataset);
    }
};

pile_shard_writer::pile_shard_writer(const fs::path& path, bool with_source_dataset, std::uint64_t row_group_bytes)
    : impl_(std::make_unique<impl>(path, with_source_dataset, row_group_bytes)) {}

pile_shard_writer::~pile_shard_writer() = default;
pile_shard_writer::pile_shard_writer(pile_shard_writer&&) noexcept = default;

void pile_shard_writer::add(const pile_row& row) {
    if (row.bins > std::numeric_limits<std::uint32_t>::max())
        throw core::input_error(fmt::format("{}/{}: {} bins in one segment; expected fewer than 2^32 (lower --max-tokens)",
                                            row.subject_id, row.session_id, row.bins));
    impl_->add(row);
}

void pile_shard_writer::commit() {
    impl_->flush();
    impl_->writer.close();
    impl_->file.commit();
}

void write_pile_shard(const fs::path& path, const std::vector<pile_row>& rows) {
    pile_shard_writer writer(path, false);
    for (const pile_row& r : rows) writer.add(r);
    writer.commit();
}

}  // namespace sf::datasets
