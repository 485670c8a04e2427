// Dispatch of the streaming spike input (io/spike_stream.hpp) and its whole-read fallback.
#include "io/spike_stream.hpp"

#include <fmt/format.h>

#include <memory>
#include <utility>

#include "core/error.hpp"
#include "io/readers/readers.hpp"

namespace sf::io {

namespace {

// The format as read_spikes would settle it: forced, or detected and equal for every file.
std::string settle_format(const std::vector<std::string>& paths, const read_options& options) {
    if (paths.empty()) throw core::config_error("no input file given");
    if (!options.format.empty()) return options.format;
    const std::string format = detect_format(paths.front());
    for (std::size_t i = 1; i < paths.size(); ++i) {
        if (const std::string other = detect_format(paths[i]); other != format) {
            throw core::input_error(fmt::format("{}: format {} differs from {} of {}; expected files of one format",
                                                paths[i], other, format, paths.front()));
        }
    }
    return format;
}

bool streams_in_chunks(const std::string& format, const std::vector<std::string>& paths) {
    return (format == "braingrid" || format == "sonata") && paths.size() == 1;
}

spike_file_summary summary_of(core::spike_dataset&& data) {
    spike_file_summary s;
    s.format = data.format;
    s.spikes = data.spikes.size();
    s.unit_count = data.spikes.unit_count;
    s.t_start_ms = data.spikes.t_start_ms;
    s.t_stop_ms = data.spikes.t_stop_ms;
    s.note = fmt::format("format {} is read whole (no streaming reader): memory grows with the file", data.format);
    s.whole = std::make_shared<const core::spike_dataset>(std::move(data));
    return s;
}

}  // namespace

spike_file_summary summarize_spikes(const std::vector<std::string>& paths, const read_options& options) {
    const std::string format = settle_format(paths, options);
    if (!streams_in_chunks(format, paths)) return summary_of(read_spikes(paths, options));
    if (format == "braingrid") return readers::summarize_braingrid(paths.front(), options);
    spike_file_summary s = readers::summarize_sonata(paths.front(), options);
    if (!s.bounded_memory) s.whole = std::make_shared<const core::spike_dataset>(read_spikes(paths, options));
    return s;
}

void stream_spikes(const std::vector<std::string>& paths, const read_options& options,
                   const spike_file_summary& summary, const spike_chunk_consumer& consume) {
    if (summary.bounded_memory && summary.format == "braingrid") {
        return readers::stream_braingrid(paths.front(), options, summary, consume);
    }
    if (summary.bounded_memory && summary.format == "sonata") {
        return readers::stream_sonata(paths.front(), options, summary, consume);
    }
    // Fallback (other formats, unsorted SONATA): the whole table is one chunk.
    const std::shared_ptr<const core::spike_dataset> data =
        summary.whole ? summary.whole : std::make_shared<const core::spike_dataset>(read_spikes(paths, options));
    if (data->spikes.size() > 0) consume(data->spikes);
}

}  // namespace sf::io
