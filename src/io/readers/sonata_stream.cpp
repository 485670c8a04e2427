// Streaming SONATA spike reports (io/spike_stream.hpp). Kept apart from sonata_reader.cpp (the
// whole-file reader) so the two can change independently; the layout rules are the same:
// /spikes/<population>/{timestamps, node_ids|gids} (populations in name order, global units
// numbered population after population), or the older /spikes/{timestamps, gids}; `units` ms|s.
//
// Pass 1 (summarize_sonata) reads each population in slices: checks every time and id, counts
// spikes, finds the largest id (the population's size, or the provenance's when larger) and
// whether the timestamps are non-decreasing. Pass 2 (stream_sonata) is a k-way merge of the
// populations' time-sorted datasets, each read through a cursor of a bounded slice, into chunks.
// Memory: the cursors' slices (~a half of the budget, 20 bytes per buffered spike) plus one
// output chunk (~a quarter of the budget, 12 bytes per spike), whatever the file size.
#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <limits>
#include <queue>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "core/error.hpp"
#include "io/hdf5.hpp"
#include "io/readers/reader_common.hpp"
#include "io/readers/sonata_layout.hpp"
#include "io/readers/readers.hpp"

namespace sf::io::readers {

namespace {

// Elements per slice for `populations` cursors: about half the budget at 20 bytes per element
// (times as read, ids as read, ms times are converted in place, global units), at least 1024.
std::uint64_t slice_elements(const read_options& options, std::size_t populations) {
    const std::uint64_t per = options.memory_budget_bytes / 2 / 20 / std::max<std::size_t>(populations, 1);
    return std::max<std::uint64_t>(per, 1024);
}

// Reads population `p` in slices; `each(first, times (file unit), ids)` per slice.
template <class Each>
void for_each_slice(const population_source& p, std::uint64_t slice, Each&& each) {
    std::vector<double> t;
    std::vector<std::int64_t> ids;
    for (std::uint64_t first = 0; first < p.n; first += slice) {
        const std::uint64_t count = std::min(slice, p.n - first);
        t.resize(count);
        ids.resize(count);
        h5::read_slice<double>(p.timestamps, first, std::span<double>(t));
        h5::read_slice<std::int64_t>(p.node_ids, first, std::span<std::int64_t>(ids));
        each(first, t, ids);
    }
}

// What pass 1 learns about one population.
struct population_facts {
    std::uint64_t size = 0;  // max id + 1
    double max_t = 0.0;      // [file unit]
    bool time_sorted = true;
};

population_facts scan_population(const population_source& p, std::uint64_t slice) {
    population_facts f;
    double previous = 0.0;
    for_each_slice(p, slice,
                   [&](std::uint64_t first, const std::vector<double>& t, const std::vector<std::int64_t>& ids) {
                       for (std::size_t i = 0; i < t.size(); ++i) {
                           check_spike_time(p.timestamps.file_name(), p.timestamps.path(), first + i, t[i]);
                           if (ids[i] < 0) {
                               bad_input(p.node_ids.file_name(), p.node_ids.path(),
                                         fmt::format("node id {} at #{}", ids[i], first + i), "node ids >= 0");
                           }
                           if (first + i > 0 && t[i] < previous) f.time_sorted = false;
                           previous = t[i];
                           f.max_t = std::max(f.max_t, t[i]);
                           f.size = std::max(f.size, static_cast<std::uint64_t>(ids[i]) + 1);
                       }
                   });
    if (p.unit_ms == 1000.0) check_plausible_seconds(p.timestamps.file_name(), p.timestamps.path(), f.max_t);
    return f;
}

// A population's read position in pass 2: one slice in memory, refilled when used up.
class cursor {
public:
    cursor(const population_source& p, std::uint64_t first_unit, std::uint64_t slice)
        : p_(&p), first_unit_(first_unit), slice_(slice) {
        refill();
    }
    bool done() const { return at_ == t_.size(); }
    double time() const { return t_[at_]; }
    std::uint32_t unit() const { return unit_[at_]; }
    void next() {
        const double previous = t_[at_];
        if (++at_ == t_.size()) refill();
        // Pass 1 found the file sorted; a file changed in between must not break the order.
        if (!done() && t_[at_] < previous) {
            bad_input(p_->timestamps.file_name(), p_->timestamps.path(),
                      fmt::format("spike #{} goes back in time", offset_ - t_.size() + at_),
                      "timestamps sorted by time (as in the first pass)");
        }
    }

private:
    void refill() {
        at_ = 0;
        const std::uint64_t count = std::min(slice_, p_->n - offset_);
        t_.resize(count);
        ids_.resize(count);
        unit_.resize(count);
        if (count == 0) return;
        h5::read_slice<double>(p_->timestamps, offset_, std::span<double>(t_));
        h5::read_slice<std::int64_t>(p_->node_ids, offset_, std::span<std::int64_t>(ids_));
        for (std::uint64_t i = 0; i < count; ++i) {
            t_[i] *= p_->unit_ms;  // the same product as read_sonata: identical ms values
            unit_[i] = static_cast<std::uint32_t>(first_unit_ + static_cast<std::uint64_t>(ids_[i]));
        }
        offset_ += count;
    }

    const population_source* p_;
    std::uint64_t first_unit_, slice_, offset_ = 0;
    std::size_t at_ = 0;
    std::vector<double> t_;
    std::vector<std::int64_t> ids_;
    std::vector<std::uint32_t> unit_;
};

}  // namespace

spike_file_summary summarize_sonata(const std::string& path, const read_options& options) {
    spike_file_summary summary;
    summary.format = "sonata";
    run_hdf5_reader(path, [&] {
        const h5::file file = h5::file::open_read_only(path);
        const h5::group root = file.root();
        const std::vector<population_source> populations = open_populations(root, path);
        const recorded_run run = recorded_run_of_hdf5(root);
        const std::uint64_t slice = slice_elements(options, 1);
        std::uint64_t offset = 0;
        double last_ms = 0.0;
        summary.bounded_memory = true;
        for (const population_source& p : populations) {
            population_facts f = scan_population(p, slice);
            if (const auto it = run.population_size.find(p.name); it != run.population_size.end()) {
                f.size = std::max(f.size, it->second);
            }
            if (offset + f.size > std::numeric_limits<std::uint32_t>::max()) {
                bad_input(path, p.name, fmt::format("{} units in all", offset + f.size), "fewer than 2^32 units");
            }
            if (!f.time_sorted && summary.bounded_memory) {
                summary.bounded_memory = false;
                summary.note = fmt::format(
                    "{}: {} is not sorted by time: read whole (memory ~30 bytes per spike, not bounded by "
                    "--memory-budget)",
                    path, p.timestamps.path());
            }
            summary.population_first_unit.push_back(offset);
            summary.spikes += p.n;
            if (p.n > 0) last_ms = std::max(last_ms, f.max_t * p.unit_ms);
            offset += f.size;
        }
        summary.unit_count = static_cast<std::uint32_t>(offset);
        // As read_sonata's finish(): t_stop = max(the run's recorded t_stop, last spike).
        summary.t_stop_ms = std::max(run.t_stop_ms, last_ms);
        return core::spike_dataset{};
    });
    return summary;
}

void stream_sonata(const std::string& path, const read_options& options, const spike_file_summary& summary,
                   const spike_chunk_consumer& consume) {
    run_hdf5_reader(path, [&] {
        const h5::file file = h5::file::open_read_only(path);
        const std::vector<population_source> populations = open_populations(file.root(), path);
        if (populations.size() != summary.population_first_unit.size()) {
            throw core::error(fmt::format("{}: internal error: the summary does not match the file", path));
        }
        const std::uint64_t slice = slice_elements(options, populations.size());
        std::vector<cursor> cursors;
        cursors.reserve(populations.size());
        for (std::size_t i = 0; i < populations.size(); ++i) {
            cursors.emplace_back(populations[i], summary.population_first_unit[i], slice);
        }
        // Min-heap of (time, unit, cursor): ties in time leave in unit order across populations.
        using head = std::tuple<double, std::uint32_t, std::size_t>;
        std::priority_queue<head, std::vector<head>, std::greater<>> heap;
        for (std::size_t i = 0; i < cursors.size(); ++i) {
            if (!cursors[i].done()) heap.emplace(cursors[i].time(), cursors[i].unit(), i);
        }
        const std::uint64_t chunk_spikes = std::max<std::uint64_t>(1024, options.memory_budget_bytes / 4 / 12);
        core::spike_trains chunk;
        chunk.unit_count = summary.unit_count;
        chunk.t_start_ms = summary.t_start_ms;
        chunk.t_stop_ms = summary.t_stop_ms;
        const auto hand_on = [&] {
            if (chunk.size() == 0) return;
            consume(chunk);
            chunk.t_ms.clear();
            chunk.unit.clear();
        };
        while (!heap.empty()) {
            const auto [t, unit, i] = heap.top();
            heap.pop();
            chunk.t_ms.push_back(t);
            chunk.unit.push_back(unit);
            if (chunk.size() >= chunk_spikes) hand_on();
            cursors[i].next();
            if (!cursors[i].done()) heap.emplace(cursors[i].time(), cursors[i].unit(), i);
        }
        hand_on();
        return core::spike_dataset{};
    });
}

}  // namespace sf::io::readers
