// Small helpers the sub-commands share.
#pragma once

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <iterator>
#include <string>
#include <vector>

#include "io/atomic_file.hpp"

namespace sf::cli {

// The command line of this process, for provenance (registrations get no argv): /proc/self/cmdline
// with its NUL separators turned into spaces.
inline std::string own_command_line() {
    std::ifstream in("/proc/self/cmdline", std::ios::binary);
    std::string raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    while (!raw.empty() && raw.back() == '\0') raw.pop_back();
    for (char& c : raw)
        if (c == '\0') c = ' ';
    return raw;
}

// "a,b,,c" -> {"a", "b", "c"}: the comma-separated lists of options (--areas, --populations, ...).
inline std::vector<std::string> split_commas(const std::string& list) {
    std::vector<std::string> parts;
    for (std::size_t begin = 0; begin < list.size();) {
        const std::size_t end = std::min(list.find(',', begin), list.size());
        if (end > begin) parts.push_back(list.substr(begin, end - begin));
        begin = end + 1;
    }
    return parts;
}

// Rejects an output whose folder cannot be written before any work is done (the folder is
// created if missing; "out.csv" means the current folder).
inline void check_output_parent(const std::string& path) {
    const auto dir = std::filesystem::path(path).parent_path();
    io::check_writable_dir(dir.empty() ? std::filesystem::path(".") : dir);
}

// A number for JSON outputs: NaN and infinities (undefined statistics) become null.
inline nlohmann::json json_number(double x) { return std::isfinite(x) ? nlohmann::json(x) : nlohmann::json(nullptr); }

}  // namespace sf::cli
