#include "datasets/braingrid_windows.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string_view>

#include "core/error.hpp"
#include "core/permutation.hpp"
#include "core/rng.hpp"
#include "datasets/braingrid_table.hpp"
#include "datasets/output_file.hpp"
#include "io/spike_stream.hpp"

namespace sf::datasets {

// ---- burst starts ----

namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '"' || s.front() == '\r' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '"' || s.back() == '\r' || s.back() == '\t'))
        s.remove_suffix(1);
    return s;
}

std::vector<std::string_view> split_commas(std::string_view line) {
    std::vector<std::string_view> fields;
    for (std::size_t start = 0;;) {
        const std::size_t comma = line.find(',', start);
        fields.push_back(trim(line.substr(start, comma == std::string_view::npos ? comma : comma - start)));
        if (comma == std::string_view::npos) return fields;
        start = comma + 1;
    }
}

// An integer step written as "123" or "123.0" (pandas writes floats when a column had NaN).
bool parse_step(std::string_view text, std::uint64_t& step) {
    const char* end = text.data() + text.size();
    const auto [p, ec] = std::from_chars(text.data(), end, step);
    if (ec != std::errc()) return false;
    if (p == end) return true;
    if (*p != '.') return false;
    return std::all_of(p + 1, end, [](char c) { return c == '0'; });
}

}  // namespace

std::vector<std::uint64_t> read_burst_starts(const std::string& csv_path) {
    std::ifstream in(csv_path);
    if (!in) throw core::input_error(fmt::format("{}: cannot open the burst list", csv_path));
    std::string line;
    std::uint64_t line_no = 1;
    if (!std::getline(in, line)) throw core::input_error(fmt::format("{}:1: empty file; expected a CSV header with StartT", csv_path));
    if (line.starts_with("\xEF\xBB\xBF")) line.erase(0, 3);  // a UTF-8 byte-order mark
    const std::vector<std::string_view> header = split_commas(line);
    const auto column = std::find(header.begin(), header.end(), "StartT");
    if (column == header.end())
        throw core::input_error(fmt::format("{}:1: no StartT column in the header '{}'; expected allBurst.csv's "
                                            "ID,StartRow,EndRow,StartT,...",
                                            csv_path, trim(line)));
    const std::size_t index = static_cast<std::size_t>(column - header.begin());
    std::vector<std::uint64_t> starts;
    while (std::getline(in, line)) {
        ++line_no;
        if (trim(line).empty()) continue;
        const std::vector<std::string_view> fields = split_commas(line);
        std::uint64_t step = 0;
        if (fields.size() <= index || !parse_step(fields[index], step))
            throw core::input_error(fmt::format("{}:{}: StartT is '{}'; expected a non-negative integer time step",
                                                csv_path, line_no, fields.size() > index ? fields[index] : ""));
        starts.push_back(step);
    }
    return starts;
}

std::vector<analysis::avalanche_burst> detect_braingrid_bursts(const std::string& in,
                                                               const analysis::avalanche_options& options,
                                                               std::uint64_t memory_budget_bytes) {
    io::read_options read;
    read.format = "braingrid";
    read.dt_ms = options.dt_ms;
    read.memory_budget_bytes = memory_budget_bytes;
    const io::spike_file_summary summary = io::summarize_spikes({in}, read);
    std::vector<analysis::avalanche_burst> bursts;
    if (summary.spikes == 0) return bursts;
    const double duration = analysis::avalanche_duration_steps(options, summary.t_start_ms, summary.t_stop_ms);
    analysis::avalanche_detector detector(duration / static_cast<double>(summary.spikes), options.min_spikes,
                                          [&](const analysis::avalanche_burst& b) { bursts.push_back(b); });
    std::uint64_t seen = 0;
    io::stream_braingrid_steps(in, memory_budget_bytes, [&](const io::braingrid_steps& chunk) {
        for (const std::uint64_t step : chunk.step) detector.add(static_cast<std::int64_t>(step));
        seen += chunk.size();
    });
    if (seen != summary.spikes)
        throw core::input_error(fmt::format("{}: {} spikes streamed but {} counted by the first pass; expected a file "
                                            "that does not change while it is read",
                                            in, seen, summary.spikes));
    detector.finish();
    return bursts;
}

// ---- windows ----

namespace {

// Window records of one size in an unlinked temporary file in the output folder: record 2k is
// onset k's pre-burst window, 2k+1 its non-burst window; each is w time offsets then 2w
// positions (int64). Memory stays bounded whatever the number of bursts.
class record_file {
public:
    record_file(const std::filesystem::path& dir, std::uint32_t w) : values_(3 * std::size_t{w}) {
        std::string name = (dir / ".spikeforge-windows-XXXXXX").string();
        fd_ = ::mkstemp(name.data());
        if (fd_ < 0) throw core::io_error(fmt::format("{}: cannot create a temporary file", dir.string()));
        ::unlink(name.c_str());
    }
    ~record_file() {
        if (fd_ >= 0) ::close(fd_);
    }
    record_file(const record_file&) = delete;
    record_file& operator=(const record_file&) = delete;

    std::size_t values() const { return values_; }
    std::uint64_t records() const { return records_; }
    void append(const std::vector<std::int64_t>& record) {
        io(::pwrite(fd_, record.data(), bytes(), offset(records_)), "write");
        ++records_;
    }
    void read(std::uint64_t r, std::vector<std::int64_t>& record) const {
        record.resize(values_);
        io(::pread(fd_, record.data(), bytes(), offset(r)), "read");
    }

private:
    std::size_t bytes() const { return values_ * sizeof(std::int64_t); }
    off_t offset(std::uint64_t r) const { return static_cast<off_t>(r * bytes()); }
    void io(ssize_t done, const char* what) const {
        if (done != static_cast<ssize_t>(bytes()))
            throw core::io_error(fmt::format("cannot {} the temporary window file (disk full?)", what));
    }
    std::size_t values_;
    int fd_ = -1;
    std::uint64_t records_ = 0;
};

struct ring_entry {
    std::uint64_t step;
    std::int32_t x, y;
};

// The last `capacity` spikes (a power of two), addressed by global spike index.
class spike_ring {
public:
    explicit spike_ring(std::uint64_t at_least) {
        while (size_ < at_least) size_ <<= 1;
        entries_.resize(size_);
    }
    void push(std::uint64_t i, const ring_entry& e) { entries_[i & (size_ - 1)] = e; }
    const ring_entry& operator[](std::uint64_t i) const { return entries_[i & (size_ - 1)]; }

private:
    std::uint64_t size_ = 1;
    std::vector<ring_entry> entries_;
};

// The window pair of onset i for size w into `record` (pre) and the next record (non).
void window_record(const spike_ring& ring, std::uint64_t first, std::uint32_t w, std::vector<std::int64_t>& record) {
    record.resize(3 * std::size_t{w});
    const std::uint64_t origin = ring[first].step;
    for (std::uint32_t k = 0; k < w; ++k) {
        const ring_entry& e = ring[first + k];
        record[k] = static_cast<std::int64_t>(e.step - origin);
        record[w + 2 * k] = e.x;
        record[w + 2 * k + 1] = e.y;
    }
}

class window_extractor {
public:
    window_extractor(std::vector<std::uint64_t> starts, const std::filesystem::path& dir, const window_options& o)
        : starts_(std::move(starts)), o_(o), ring_(max_size(o) + o.gap + 1) {
        for (const std::uint32_t w : o.sizes) {
            files_.push_back(std::make_unique<record_file>(dir, w));
            report_.sizes.push_back({w, 0, 0, 0});
        }
    }

    void add(const grid_spike_rows& rows) {
        for (std::size_t k = 0; k < rows.step.size(); ++k) add(rows.step[k], rows.x[k], rows.y[k]);
    }

    window_report finish() {
        report_.spikes = i_;
        report_.starts = starts_.size();
        report_.starts_without_spike = starts_.size() - starts_seen_;
        return report_;
    }
    const record_file& file(std::size_t s) const { return *files_[s]; }

private:
    static std::uint64_t max_size(const window_options& o) { return *std::max_element(o.sizes.begin(), o.sizes.end()); }

    bool is_start(std::uint64_t step) {
        while (next_ < starts_.size() && starts_[next_] < step) ++next_;
        if (next_ == starts_.size() || starts_[next_] != step) return false;
        if (step != last_seen_start_) ++starts_seen_, last_seen_start_ = step;
        return true;
    }

    void add(std::uint64_t step, std::int32_t x, std::int32_t y) {
        const bool start = is_start(step);
        if (start && i_ > 0 && !previous_is_start_) onset();
        if (start && i_ > 0 && previous_is_start_ && step != previous_step_) ++report_.starts_merged;
        ring_.push(i_, {step, x, y});
        previous_is_start_ = start;
        previous_step_ = step;
        ++i_;
    }

    // Spike i_ (not yet in the ring) is a burst onset.
    void onset() {
        ++report_.onsets;
        const std::uint64_t i = i_;
        const std::uint64_t step = starts_[next_];
        const bool gap_ok = i >= o_.gap && step - ring_[i - o_.gap].step >= o_.gap;
        for (std::size_t s = 0; s < o_.sizes.size(); ++s) {
            const std::uint32_t w = o_.sizes[s];
            window_size_counts& counts = report_.sizes[s];
            if (i < w + o_.gap) {
                ++counts.near_start;
            } else if (!gap_ok) {
                ++counts.gap_failed;
            } else {
                window_record(ring_, i - w, w, record_);
                files_[s]->append(record_);
                window_record(ring_, i - w - o_.gap, w, record_);
                files_[s]->append(record_);
                ++counts.pairs;
            }
        }
    }

    std::vector<std::uint64_t> starts_;  // sorted, distinct
    const window_options& o_;
    spike_ring ring_;
    std::vector<std::unique_ptr<record_file>> files_;
    window_report report_;
    std::vector<std::int64_t> record_;
    std::uint64_t i_ = 0;  // index of the next spike
    std::size_t next_ = 0;
    std::uint64_t starts_seen_ = 0, last_seen_start_ = ~std::uint64_t{0};
    bool previous_is_start_ = false;
    std::uint64_t previous_step_ = 0;
};

void append_value(std::string& line, std::int64_t v, window_text text) {
    if (text == window_text::seed) {
        fmt::format_to(std::back_inserter(line), "{:.18e}", static_cast<double>(v));  // np.savetxt's '%.18e'
    } else {
        fmt::format_to(std::back_inserter(line), "{}", v);
    }
}

// One CSV line: values[from, from + count) then the label.
void append_line(std::string& line, const std::vector<std::int64_t>& values, std::size_t from, std::size_t count,
                 int label, window_text text) {
    for (std::size_t k = 0; k < count; ++k) {
        append_value(line, values[from + k], text);
        line.push_back(',');
    }
    append_value(line, label, text);
    line.push_back('\n');
}

// Fisher-Yates over rows 0..n-1 with the seed's own stream for this window size.
std::vector<std::uint64_t> shuffled_rows(std::uint64_t n, std::uint64_t seed, std::uint32_t w) {
    core::rng_stream rng(seed, {core::stream_purpose::dataset_shuffle, w, 0});
    return core::random_permutation(n, rng);
}

// temp_<w>.csv and space_<w>.csv from one size's records: the notebook's stacking (all
// pre-burst rows, then all non-burst rows) under one shared permutation.
void write_size(const record_file& records, std::uint32_t w, const window_options& o, output_file& temp,
                output_file& space) {
    const std::uint64_t pairs = records.records() / 2;
    const std::vector<std::uint64_t> order = shuffled_rows(2 * pairs, o.seed, w);
    std::vector<std::int64_t> record;
    std::string temp_text, space_text;
    for (const std::uint64_t row : order) {
        const bool pre = row < pairs;
        records.read(pre ? 2 * row : 2 * (row - pairs) + 1, record);
        append_line(temp_text, record, 0, w, pre ? 1 : 0, o.text);
        append_line(space_text, record, w, 2 * std::size_t{w}, pre ? 1 : 0, o.text);
        if (space_text.size() > (1 << 20)) {
            temp.write(temp_text), space.write(space_text);
            temp_text.clear(), space_text.clear();
        }
    }
    temp.write(temp_text), space.write(space_text);
    temp.close(), space.close();
}

}  // namespace

window_report write_training_windows(const std::string& in, std::vector<std::uint64_t> starts,
                                     const std::filesystem::path& out_dir, const window_options& options) {
    std::vector<std::uint32_t> sizes = options.sizes;
    std::sort(sizes.begin(), sizes.end());
    if (sizes.empty() || sizes.front() == 0 || std::adjacent_find(sizes.begin(), sizes.end()) != sizes.end())
        throw core::config_error("--sizes: expected one or more distinct window sizes >= 1");
    std::sort(starts.begin(), starts.end());
    const std::size_t listed = starts.size();
    starts.erase(std::unique(starts.begin(), starts.end()), starts.end());
    const io::braingrid_layout layout = io::read_braingrid_layout(in);
    const grid_positions pos = integer_positions(in, layout);
    std::filesystem::create_directories(out_dir);
    window_extractor extractor(std::move(starts), out_dir, options);
    stream_grid_spikes(in, pos, options.memory_budget_bytes, [&](const grid_spike_rows& rows) { extractor.add(rows); });
    window_report report = extractor.finish();
    report.duplicate_starts = listed - report.starts;
    std::vector<std::unique_ptr<output_file>> outputs;
    for (std::size_t s = 0; s < options.sizes.size(); ++s) {
        const std::uint32_t w = options.sizes[s];
        outputs.push_back(std::make_unique<output_file>(out_dir / fmt::format("temp_{}.csv", w)));
        outputs.push_back(std::make_unique<output_file>(out_dir / fmt::format("space_{}.csv", w)));
        write_size(extractor.file(s), w, options, *outputs[outputs.size() - 2], *outputs.back());
    }
    for (auto& out : outputs) out->commit();
    return report;
}

}  // namespace sf::datasets
