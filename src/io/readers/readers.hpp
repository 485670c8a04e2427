// One reader per format (internal to sf_io; the public entry is io/spike_readers.hpp).
// Each reads whole files into a time-sorted core::spike_dataset and throws core::input_error
// with one line naming file, path inside it and expectation for malformed input.
#pragma once

#include <string>
#include <vector>

#include "core/spike_data.hpp"
#include "io/spike_readers.hpp"
#include "io/spike_stream.hpp"

namespace sf::io::readers {

core::spike_dataset read_sonata(const std::string& path, const read_options& options);
core::spike_dataset read_nwb(const std::string& path, const read_options& options);
core::spike_dataset read_braingrid(const std::string& path, const read_options& options);
core::spike_dataset read_graphitti(const std::string& path, const read_options& options);
// Several files of one recorder (NEST writes one per thread / rank) are merged.
core::spike_dataset read_nest(const std::vector<std::string>& paths, const read_options& options);
core::spike_dataset read_csv(const std::vector<std::string>& paths, const read_options& options);

}  // namespace sf::io::readers

namespace sf::io::readers {

// ---- Streaming forms (io/spike_stream.hpp), for the formats that stream within the budget ----
spike_file_summary summarize_braingrid(const std::string& path, const read_options& options);
void stream_braingrid(const std::string& path, const read_options& options, const spike_file_summary& summary,
                      const spike_chunk_consumer& consume);
// sonata_stream.cpp. summarize_sonata sets bounded_memory = false (with a note) when a population
// is not sorted by time; stream_sonata then must not be called.
spike_file_summary summarize_sonata(const std::string& path, const read_options& options);
void stream_sonata(const std::string& path, const read_options& options, const spike_file_summary& summary,
                   const spike_chunk_consumer& consume);

}  // namespace sf::io::readers
