// Streaming spike input for analyses that need one pass in time order (bursts) over files larger
// than RAM (the seed's BrainGrid matrix is 30 GB). Two calls:
//   summarize_spikes: a cheap first pass giving what must be known before the first spike
//     (total spikes for the avalanche method's mean ISI, units and span for the binned method);
//   stream_spikes: the spikes in chunks; each chunk is sorted by time and no chunk goes back in
//     time relative to the one before, so a detector keeps its state across chunks.
// The summary equals what read_spikes() would report for the same file (spikes, unit_count,
// t_start_ms, t_stop_ms), so streaming and in-memory analyses divide by the same numbers.
// Memory (docs/readers.md "Streaming"): bounded by read_options::memory_budget_bytes for
// braingrid and time-sorted sonata; the other formats (and a sonata population that is not sorted
// by time) are read whole with read_spikes() and passed as one chunk.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/spike_data.hpp"
#include "io/spike_readers.hpp"

namespace sf::io {

struct spike_file_summary {
    std::string format;            // detected or forced format name
    std::uint64_t spikes = 0;      // all spikes in the file(s)
    std::uint32_t unit_count = 0;  // units, silent ones included (as read_spikes)
    double t_start_ms = 0.0;       // [ms] recording span, as read_spikes sets it
    double t_stop_ms = 0.0;
    bool bounded_memory = false;  // true: stream_spikes reads in chunks within the budget
    std::string note;             // why a stream falls back to a whole read ("" when it does not)
    // sonata: global unit id of each population's unit 0, in read_spikes' population order.
    std::vector<std::uint64_t> population_first_unit;
    // Fallback: the file read whole by summarize_spikes, kept so that stream_spikes does not read
    // it a second time (null for the bounded formats).
    std::shared_ptr<const core::spike_dataset> whole;
};

using spike_chunk_consumer = std::function<void(const core::spike_trains& chunk)>;

// For formats without a streaming reader (and a SONATA population not sorted by time) this reads
// the file whole (read_spikes) and keeps it in the summary, with a note saying so.
// Throws like read_spikes: core::input_error for malformed input (exit 3), core::config_error
// for bad options. Reads at most memory_budget_bytes at a time for the bounded formats.
spike_file_summary summarize_spikes(const std::vector<std::string>& paths, const read_options& options = {});

// Calls `consume` with successive chunks (their unit_count, t_start_ms, t_stop_ms are the
// summary's). `summary` must be the result of summarize_spikes for the same paths and options
// (it carries the population sizes needed for global unit ids and the format).
void stream_spikes(const std::vector<std::string>& paths, const read_options& options,
                   const spike_file_summary& summary, const spike_chunk_consumer& consume);

}  // namespace sf::io
