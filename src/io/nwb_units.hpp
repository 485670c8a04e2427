// NWB 2.x files with a `units` table of spike trains (what pynwb writes for NWBFile.units).
//
// Layout (NWB 2.5.0 core + hdmf-common, loadable with h5py and close to pynwb's):
//
//     /                       namespace="core", neurodata_type="NWBFile", nwb_version="2.5.0",
//                             object_id (UUID4), provenance attributes as in SONATA outputs
//     /identifier, /session_description, /session_start_time, /timestamps_reference_time
//                             scalar strings; /file_create_date: 1-element string array
//     /acquisition, /analysis, /processing, /stimulus/presentation, /stimulus/templates
//     /general/source_script  the resolved configuration (TOML), attribute file_name
//     /units                  neurodata_type="Units", namespace="core", description, object_id,
//                             colnames = ["spike_times", "population", "node_id"]
//     /units/id               int64, one row per unit (every node of every population, ordered
//                             by population, then node id): 0, 1, 2, ...
//     /units/spike_times      float64 [s], VectorData: each unit's spikes ascending, unit after
//                             unit; attribute resolution [s] (-1 if unknown)
//     /units/spike_times_index  uint64 VectorIndex: end offset of each unit's spikes in
//                             spike_times; attribute target = reference to spike_times
//     /units/population       VectorData of strings: the unit's population
//     /units/node_id          uint64 VectorData: the unit's population-local node id
//
// Files are written to PATH.tmp and renamed to PATH when complete (DESIGN.md §4).
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/provenance.hpp"
#include "core/recording.hpp"

namespace sf::io {

struct nwb_options {
    std::string session_description = "spikeforge simulation";
    std::string identifier;          // empty: a fresh UUID4
    std::string session_start_time;  // ISO 8601; empty: provenance.created_utc (or now if empty)
    std::string units_description = "Simulated neurons: one unit per node of each population";
    double spike_time_resolution_s = -1.0;  // NWB convention: -1 = unknown
    int deflate_level = 1;                  // shuffle + deflate of the units columns (0 = none)
};

// One population's spikes as input to write_nwb_units.
struct nwb_population_spikes {
    std::string name;
    std::uint64_t size = 0;                // number of units (nodes) in the population
    std::span<const double> t_ms;          // spike times [ms], any order
    std::span<const std::uint32_t> nodes;  // population-local node id of each spike
};

// Writes a complete NWB file at `path` (through PATH.tmp). Throws sf::core::config_error for an
// empty or repeated population name, sf::core::input_error for a node id >= size or a
// non-finite time, std::invalid_argument if t_ms and nodes differ in length, and
// sf::core::io_error if the file cannot be written. Memory used while writing: 8 bytes per
// spike and about 24 bytes per unit of the largest population, plus 8 bytes per unit overall.
void write_nwb_units(const std::filesystem::path& path, std::span<const nwb_population_spikes> populations,
                     const core::provenance& prov, const nwb_options& options = {});

// A spike_sink that writes an NWB units file at finish().
//
// NWB stores spikes unit by unit, but the simulator delivers them in time order, so every
// spike is held in memory until finish(): 12 bytes per spike (time [ms] as float64 + node id as
// uint32), e.g. 1.2 GB for 10^8 spikes, plus during finish() what write_nwb_units needs (8 bytes
// per spike of the largest population, ~32 bytes per unit). Use the SONATA writer for runs
// whose spikes do not fit in memory.
// PATH.tmp is created by the constructor (an unwritable output fails before the run) and
// removed if the writer is destroyed without finish().
class nwb_units_writer final : public core::spike_sink {
public:
    nwb_units_writer(const std::filesystem::path& path, const core::provenance& prov, nwb_options options = {});
    ~nwb_units_writer() override;
    nwb_units_writer(const nwb_units_writer&) = delete;
    nwb_units_writer& operator=(const nwb_units_writer&) = delete;

    // Throws sf::core::config_error for duplicate or empty population names or dt_ms <= 0.
    void begin(const std::vector<core::population_info>& populations, double dt_ms) override;
    // Throws sf::core::error for an unknown population, a node id >= population size or spans
    // of different lengths.
    void write_spikes(std::size_t population, std::span<const std::int64_t> steps,
                      std::span<const std::uint32_t> nodes) override;
    // Writes the units table, closes the file and renames it to PATH; calling again does nothing.
    void finish() override;

    const std::filesystem::path& path() const noexcept;

private:
    struct state;
    std::unique_ptr<state> state_;
};

// A random (version 4) UUID, e.g. "1b4e28ba-2fa1-4d2e-883f-0016d3cca427": NWB object_id values.
std::string make_uuid4();

}  // namespace sf::io
