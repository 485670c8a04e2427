// Format detection and dispatch to the per-format readers in io/readers/ (docs/readers.md).
#include "io/spike_readers.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <fstream>
#include <string_view>

#include "core/error.hpp"
#include "io/hdf5.hpp"
#include "io/readers/reader_common.hpp"
#include "io/readers/readers.hpp"

namespace sf::io {

namespace {

constexpr std::array<std::string_view, 6> format_names = {"sonata", "nwb", "nest", "csv", "braingrid", "graphitti"};

std::string detect_hdf5(const std::string& path) {
    try {
        const h5::file file = h5::file::open_read_only(path);
        const h5::group root = file.root();
        // NWB is checked first: an NWB file may also hold other groups, and its root says what it is.
        if (h5::is_group_member(root, "units") || (h5::has_attribute(root, "neurodata_type") &&
                                                   h5::read_attribute_text(root, "neurodata_type") == "NWBFile")) {
            return "nwb";
        }
        if (h5::is_group_member(root, "spikes")) {
            return "sonata";
        }
        if (root.contains("spikesProbedNeurons")) {
            return "braingrid";
        }
    } catch (const core::io_error& e) {
        throw core::input_error(fmt::format("{} (expected a complete, readable HDF5 file)", e.what()));
    }
    throw core::input_error(
        fmt::format("{}: /: an HDF5 file without /spikes, /units or /spikesProbedNeurons; expected "
                    "a SONATA, NWB or BrainGrid spike file",
                    path));
}

// The first `limit` bytes of a text file.
std::string head_of(const std::string& path, std::size_t limit) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw core::io_error(fmt::format("{}: cannot open the file for reading", path));
    }
    std::string text(limit, '\0');
    in.read(text.data(), static_cast<std::streamsize>(limit));
    text.resize(static_cast<std::size_t>(in.gcount()));
    return text;
}

// The first line that is neither blank nor a '#' comment (NEST 3 headers and spikeforge's CSV
// provenance are '#' lines).
std::string first_content_line(std::string_view text) {
    std::size_t begin = 0;
    while (begin < text.size()) {
        const std::size_t end = std::min(text.find('\n', begin), text.size());
        std::string_view line = text.substr(begin, end - begin);
        begin = end + 1;
        while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back()))) line.remove_suffix(1);
        while (!line.empty() && std::isspace(static_cast<unsigned char>(line.front()))) line.remove_prefix(1);
        if (!line.empty() && line[0] != '#') return std::string(line);
    }
    return {};
}

bool starts_numeric(std::string_view line) {
    return !line.empty() && (std::isdigit(static_cast<unsigned char>(line[0])) || line[0] == '-' || line[0] == '.');
}

std::string detect_text(const std::string& path) {
    const std::string head = head_of(path, 64 * 1024);
    if (head.find('\0') != std::string::npos) {
        throw core::input_error(
            fmt::format("{}: binary content that is not HDF5; expected a spike file (SONATA, NWB, "
                        "BrainGrid HDF5, Graphitti XML, NEST ASCII or CSV)",
                        path));
    }
    if (head.find("<Matrix") != std::string::npos) {
        return "graphitti";
    }
    const std::string line = first_content_line(head);
    if (line.find(',') != std::string::npos) {
        return "csv";  // a "time,unit" header (data lines follow it)
    }
    if (line.find("sender") != std::string::npos || starts_numeric(line)) {
        return "nest";  // NEST 3 "sender time_ms" header, or NEST 2 .gdf rows "gid time"
    }
    throw core::input_error(
        fmt::format("{}: first line '{}' is not a known header; expected a spike file (SONATA, NWB, "
                    "BrainGrid HDF5, Graphitti XML, NEST ASCII or CSV with a time,unit header)",
                    path, line.substr(0, 60)));
}

void check_format_name(const std::string& format) {
    if (std::find(format_names.begin(), format_names.end(), format) == format_names.end()) {
        throw core::config_error(
            fmt::format("--format: unknown format '{}' (known: sonata, nwb, nest, csv, braingrid, graphitti)", format));
    }
}

}  // namespace

std::string detect_format(const std::string& path) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) {
        throw core::io_error(fmt::format("{}: no such file", path));
    }
    if (h5::has_hdf5_signature(path)) {
        return detect_hdf5(path);
    }
    return detect_text(path);
}

core::spike_dataset read_spikes(const std::vector<std::string>& paths, const read_options& options) {
    if (paths.empty()) {
        throw core::config_error("no input file given");
    }
    std::string format = options.format;
    if (format.empty()) {
        format = detect_format(paths.front());
        for (std::size_t i = 1; i < paths.size(); ++i) {
            if (const std::string other = detect_format(paths[i]); other != format) {
                throw core::input_error(fmt::format("{}: format {} differs from {} of {}; expected files of one format",
                                                    paths[i], other, format, paths.front()));
            }
        }
    }
    check_format_name(format);
    if (format == "nest") return readers::read_nest(paths, options);
    if (format == "csv") return readers::read_csv(paths, options);
    if (paths.size() != 1) {
        throw core::config_error(
            fmt::format("{} files given: only NEST and CSV recorders are merged from several files", paths.size()));
    }
    const std::string& path = paths.front();
    if (format == "sonata") return readers::read_sonata(path, options);
    if (format == "nwb") return readers::read_nwb(path, options);
    if (format == "braingrid") return readers::read_braingrid(path, options);
    return readers::read_graphitti(path, options);
}

}  // namespace sf::io
