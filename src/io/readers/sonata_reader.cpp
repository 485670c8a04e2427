// SONATA spike reports: /spikes/<population>/{timestamps, node_ids} (SONATA developer guide),
// also the older single-population layout /spikes/{timestamps, gids|node_ids}.
//
// Time unit: attribute `units` of timestamps (or of the population group): "ms" (default when
// absent, as the guide specifies) or "s". `sorting` (enum or string: none | by_id | by_time) is
// checked; it is a hint, never trusted: time order is verified while reading.
//
// How spikes become one (time, unit)-sorted table without a global sort:
// - One population: timestamps are read in hyperslab slices straight into the result's time
//   array, node ids through a bounded buffer into the unit array; time order is verified in the
//   same pass, and only an unsorted population is sorted.
// - Several populations: each is streamed in slices (a bounded buffer per population) and the
//   populations are k-way merged into the preallocated result, ties of time broken by
//   population (= by global unit id, since populations number units one after the other). A
//   population is expected to be time-sorted (ours are: `sorting = by_time`); the check happens
//   as its slices are read. A population marked `by_id`, or found out of time order while
//   merging (the merge then restarts), is read whole and sorted first (only that population).
//   Population sizes (max node id + 1) are known only at the end, so the merge stores the
//   population-local id plus a 1-byte (2-byte for > 256 populations) population index per
//   spike; a last pass adds the populations' unit offsets and orders equal-time runs by unit.
// Memory: the result (12 bytes per spike) + the population index (1 byte per spike, several
// populations only) + per population a slice buffer of at most 2^20 spikes (20 bytes each;
// 2^22 spikes over all populations), plus, for an unsorted population only, its spikes (12
// bytes each) and the sort's 16 bytes per spike.
#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <map>
#include <queue>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "io/hdf5.hpp"
#include "io/readers/reader_common.hpp"
#include "io/readers/sonata_layout.hpp"
#include "io/readers/readers.hpp"

namespace sf::io::readers {

namespace {

constexpr std::uint64_t max_slice_spikes = std::uint64_t{1} << 20;    // per population
constexpr std::uint64_t total_slice_spikes = std::uint64_t{1} << 22;  // over all populations
constexpr std::uint64_t min_slice_spikes = std::uint64_t{1} << 12;

// Reads spikes [first, first + t.size()) of a population: times (converted to ms) straight into
// `t`, ids through `scratch` into `local` (population-local ids as uint32), with the value checks.
// Returns whether the slice is in time order (also against `previous_t`, the time before it).
bool read_values(population_source& p, std::uint64_t first, std::span<double> t, std::span<std::uint32_t> local,
                 std::vector<std::uint64_t>& scratch, double previous_t) {
    const std::uint64_t count = t.size();
    h5::read_slice<double>(p.timestamps, first, t);
    scratch.resize(count);
    // Ids in their own signedness: HDF5 then copies 64-bit ids without a conversion pass.
    if (p.ids_signed) {
        h5::read_slice<std::int64_t>(p.node_ids, first,
                                     std::span<std::int64_t>(reinterpret_cast<std::int64_t*>(scratch.data()), count));
    } else {
        h5::read_slice<std::uint64_t>(p.node_ids, first, std::span<std::uint64_t>(scratch.data(), count));
    }
    constexpr std::uint64_t max_id = std::numeric_limits<std::uint32_t>::max() - 1;
    bool sorted = true;
    double last = previous_t, max_raw = p.max_t;
    std::uint64_t largest = 0;
    const double unit_ms = p.unit_ms;
    for (std::uint64_t i = 0; i < count; ++i) {
        const double ti = t[i];
        if (!(ti >= 0.0) || ti == std::numeric_limits<double>::infinity()) {
            check_spike_time(p.timestamps.file_name(), p.timestamps.path(), first + i, ti);
        }
        const std::uint64_t id = scratch[i];
        if (id > max_id) {
            if (p.ids_signed && static_cast<std::int64_t>(id) < 0) {
                bad_input(p.node_ids.file_name(), p.node_ids.path(),
                          fmt::format("node id {} at #{}", static_cast<std::int64_t>(id), first + i), "node ids >= 0");
            }
            bad_input(p.node_ids.file_name(), p.node_ids.path(), fmt::format("node id {} at #{}", id, first + i),
                      "fewer than 2^32 units");
        }
        max_raw = std::max(max_raw, ti);
        const double tm = ti * unit_ms;
        t[i] = tm;
        sorted &= tm >= last;
        last = tm;
        largest = std::max(largest, id);
        local[i] = static_cast<std::uint32_t>(id);
    }
    p.max_t = max_raw;
    if (count > 0) p.size = std::max(p.size, largest + 1);
    return sorted;
}

// Sorts spikes by (time, id) (ids of equal times ascending).
void sort_by_time_then_id(std::span<double> t, std::span<std::uint32_t> id) {
    std::vector<std::pair<double, std::uint32_t>> pairs(t.size());
    for (std::size_t i = 0; i < t.size(); ++i) pairs[i] = {t[i], id[i]};
    std::sort(pairs.begin(), pairs.end());
    for (std::size_t i = 0; i < t.size(); ++i) {
        t[i] = pairs[i].first;
        id[i] = pairs[i].second;
    }
}

// Orders each run of equal times by unit: the merge leaves equal-time spikes of one population in
// file order (a time-sorted file need not order the ids of one time step).
void order_equal_times(std::span<const double> t, std::span<std::uint32_t> unit) {
    const std::size_t n = t.size();
    std::size_t i = 1;
    while (i < n) {
        if (t[i] == t[i - 1] && unit[i] < unit[i - 1]) {
            std::size_t begin = i - 1;
            while (begin > 0 && t[begin - 1] == t[i]) --begin;
            std::size_t end = i + 1;
            while (end < n && t[end] == t[i]) ++end;
            std::sort(unit.begin() + static_cast<std::ptrdiff_t>(begin),
                      unit.begin() + static_cast<std::ptrdiff_t>(end));
            i = end;
        } else {
            ++i;
        }
    }
}

// Thrown inside the merge when a streamed population turns out not to be in time order.
struct population_unsorted {
    std::size_t population;
};

// A population as a stream of time-sorted slices: read from the file slice by slice, or (an
// unsorted population) read whole and sorted.
struct stream {
    std::vector<double> t;
    std::vector<std::uint32_t> local;
    std::size_t pos = 0, end = 0;  // the current slice is [pos, end) of the buffers
    std::uint64_t next = 0;        // next spike of the file to read
    double last_t = 0.0;
    bool whole = false;
};

void refill(population_source& p, stream& s, std::size_t index, std::uint64_t capacity,
            std::vector<std::uint64_t>& scratch) {
    const std::uint64_t count = std::min(capacity, p.n - s.next);
    s.t.resize(count);
    s.local.resize(count);
    if (!read_values(p, s.next, s.t, s.local, scratch, s.last_t)) {
        throw population_unsorted{index};
    }
    s.next += count;
    s.pos = 0;
    s.end = count;
    if (count > 0) s.last_t = s.t.back();
}

void read_whole_sorted(population_source& p, stream& s, std::vector<std::uint64_t>& scratch) {
    s.t.resize(p.n);
    s.local.resize(p.n);
    bool sorted = true;
    for (std::uint64_t first = 0; first < p.n; first += max_slice_spikes) {
        const std::uint64_t count = std::min(max_slice_spikes, p.n - first);
        sorted &= read_values(p, first, std::span<double>(s.t.data() + first, count),
                              std::span<std::uint32_t>(s.local.data() + first, count), scratch,
                              first == 0 ? 0.0 : s.t[first - 1]);
    }
    if (!sorted) sort_by_time_then_id(s.t, s.local);
    s.pos = 0;
    s.end = p.n;
    s.next = p.n;
    s.whole = true;
}

// k-way merge of the populations into t / local / population index (Index: uint8 or uint16).
// Equal times are ordered by population. Throws population_unsorted for a streamed population out
// of time order.
template <class Index>
void merge(std::vector<population_source>& pops, const std::vector<bool>& whole, std::span<double> out_t,
           std::span<std::uint32_t> out_local, std::vector<Index>& out_population) {
    const std::size_t k = pops.size();
    std::uint64_t streamed = 0;
    for (std::size_t i = 0; i < k; ++i) streamed += whole[i] ? 0 : 1;
    const std::uint64_t capacity =
        std::clamp(total_slice_spikes / std::max<std::uint64_t>(streamed, 1), min_slice_spikes, max_slice_spikes);
    std::vector<std::uint64_t> scratch;
    std::vector<stream> streams(k);
    // Min-heap of populations by (head time, population index).
    auto later = [&](std::size_t a, std::size_t b) {
        const double ta = streams[a].t[streams[a].pos], tb = streams[b].t[streams[b].pos];
        return ta > tb || (ta == tb && a > b);
    };
    std::priority_queue<std::size_t, std::vector<std::size_t>, decltype(later)> heap(later);
    for (std::size_t i = 0; i < k; ++i) {
        if (whole[i]) {
            read_whole_sorted(pops[i], streams[i], scratch);
        } else {
            refill(pops[i], streams[i], i, capacity, scratch);
        }
        if (streams[i].end > 0) heap.push(i);
    }
    std::uint64_t o = 0;
    while (!heap.empty()) {
        const std::size_t s = heap.top();
        heap.pop();
        stream& st = streams[s];
        const Index s_index = static_cast<Index>(s);
        // Emit from s while it stays before the next population's head.
        const bool bounded = !heap.empty();
        const double bound_t = bounded ? streams[heap.top()].t[streams[heap.top()].pos] : 0.0;
        const bool s_first_on_tie = bounded && s < heap.top();
        for (;;) {
            std::size_t i = st.pos;
            const std::size_t e = st.end;
            if (bounded) {
                if (s_first_on_tie) {
                    while (i < e && st.t[i] <= bound_t) ++i;
                } else {
                    while (i < e && st.t[i] < bound_t) ++i;
                }
            } else {
                i = e;
            }
            const std::size_t count = i - st.pos;
            std::copy_n(st.t.data() + st.pos, count, out_t.data() + o);
            std::copy_n(st.local.data() + st.pos, count, out_local.data() + o);
            std::fill_n(out_population.data() + o, count, s_index);
            o += count;
            st.pos = i;
            if (i < e) {
                heap.push(s);  // the other population's head comes first now
                break;
            }
            if (st.next >= pops[s].n) {  // population done
                std::vector<double>().swap(st.t);
                std::vector<std::uint32_t>().swap(st.local);
                break;
            }
            refill(pops[s], st, s, capacity, scratch);
        }
    }
}

// Final population sizes (max node id + 1, or the run's declared size when larger), the unit
// table, the seconds plausibility check; returns each population's first global unit.
std::vector<std::uint32_t> describe_units(const std::string& path, const h5::group& root,
                                          std::vector<population_source>& pops, core::spike_dataset& data) {
    const recorded_run run = recorded_run_of_hdf5(root);
    std::vector<std::uint32_t> offset(pops.size());
    std::uint64_t units = 0;
    for (std::size_t i = 0; i < pops.size(); ++i) {
        population_source& p = pops[i];
        if (p.unit_ms == 1000.0) {
            check_plausible_seconds(path, p.timestamps.path(), p.max_t);
        }
        if (const auto it = run.population_size.find(p.name); it != run.population_size.end()) {
            p.size = std::max(p.size, it->second);
        }
        if (units + p.size > std::numeric_limits<std::uint32_t>::max()) {
            bad_input(path, p.name, fmt::format("{} units in all", units + p.size), "fewer than 2^32 units");
        }
        offset[i] = static_cast<std::uint32_t>(units);
        data.units.add_population(p.name, static_cast<std::uint32_t>(p.size));
        units += p.size;
    }
    data.spikes.unit_count = static_cast<std::uint32_t>(units);
    return offset;
}

}  // namespace

core::spike_dataset read_sonata(const std::string& path, const read_options&) {
    return run_hdf5_reader(path, [&] {
        const h5::file file = h5::file::open_read_only(path);
        const h5::group root = file.root();
        std::vector<population_source> pops = open_populations(root, path);
        std::uint64_t total = 0;
        for (const population_source& p : pops) total += p.n;

        core::spike_dataset data;
        data.format = "sonata";
        core::spike_trains& s = data.spikes;
        s.t_ms.resize(total);
        s.unit.resize(total);
        if (pops.size() == 1) {
            // Straight into the result; sorted only if the file is not in time order.
            population_source& p = pops.front();
            std::vector<std::uint64_t> scratch;
            bool sorted = true;
            for (std::uint64_t first = 0; first < total; first += max_slice_spikes) {
                const std::uint64_t count = std::min(max_slice_spikes, total - first);
                sorted &= read_values(p, first, std::span<double>(s.t_ms.data() + first, count),
                                      std::span<std::uint32_t>(s.unit.data() + first, count), scratch,
                                      first == 0 ? 0.0 : s.t_ms[first - 1]);
            }
            if (!sorted) sort_by_time_then_id(s.t_ms, s.unit);
        } else if (pops.size() > 1) {
            if (pops.size() > std::numeric_limits<std::uint16_t>::max()) {
                bad_input(path, "/spikes", fmt::format("{} populations", pops.size()), "at most 65535 populations");
            }
            // Populations marked by_id are certainly not in time order: read whole and sorted.
            std::vector<bool> whole(pops.size());
            for (std::size_t i = 0; i < pops.size(); ++i) whole[i] = pops[i].sorting == "by_id";
            std::vector<std::uint8_t> index8;
            std::vector<std::uint16_t> index16;
            const bool wide = pops.size() > 256;
            for (int attempt = 0;; ++attempt) {
                try {
                    for (population_source& p : pops) p.size = 0;
                    if (wide) {
                        index16.resize(total);
                        merge(pops, whole, s.t_ms, s.unit, index16);
                    } else {
                        index8.resize(total);
                        merge(pops, whole, s.t_ms, s.unit, index8);
                    }
                    break;
                } catch (const population_unsorted& e) {
                    // Out of time order: that population (after a first failure, every one not
                    // marked by_time) is read whole and sorted, and the merge starts again.
                    whole[e.population] = true;
                    if (attempt > 0) {
                        for (std::size_t i = 0; i < pops.size(); ++i)
                            whole[i] = whole[i] || pops[i].sorting != "by_time";
                    }
                    if (attempt > 1) std::fill(whole.begin(), whole.end(), true);
                }
            }
            // Population-local ids become global units now that every population's size is known.
            const std::vector<std::uint32_t> offset = describe_units(path, root, pops, data);
            if (wide) {
                for (std::uint64_t i = 0; i < total; ++i) s.unit[i] += offset[index16[i]];
            } else {
                for (std::uint64_t i = 0; i < total; ++i) s.unit[i] += offset[index8[i]];
            }
        }
        if (pops.size() <= 1) {
            (void)describe_units(path, root, pops, data);
        }
        // Equal times: the merge keeps one population's spikes in file order.
        order_equal_times(s.t_ms, s.unit);
        data.units.metadata["format"] = "sonata";
        data.units.metadata["source"] = path;
        finish(path, data, recorded_run_of_hdf5(root).t_stop_ms, true);
        return data;
    });
}

}  // namespace sf::io::readers
