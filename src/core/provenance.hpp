// Provenance carried by every output file (DESIGN.md §4): which tool, which configuration,
// which seed and how many threads/ranks produced it, and when.
#pragma once

#include <cstdint>
#include <string>

namespace sf::core {

struct provenance {
    std::string version;       // spikeforge version, e.g. "0.1.0"
    std::string config_toml;   // the fully resolved configuration, as TOML text
    std::uint64_t seed = 0;
    int threads = 1;
    int ranks = 1;
    std::string created_utc;   // ISO 8601, e.g. "2026-11-22T04:00:00Z"
    std::string command_line;
};

// Current UTC time as ISO 8601 with second resolution.
std::string utc_now_iso8601();

}  // namespace sf::core
