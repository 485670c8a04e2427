// SONATA spike report writer: the simulator streams spikes into it, it streams them to disk.
//
// Layout (SONATA developer guide, "Spike file"):
//
//     /                                 magic = 0x0A7A (uint32), version = {0, 1} (uint32[2]),
//                                       provenance (spikeforge_version, config, seed, threads,
//                                       ranks, created_utc, command_line)
//     /spikes/<population>              sorting = by_time (HDF5 enum {none, by_id, by_time} over
//                                       int8, as the guide specifies and libsonata reads)
//     /spikes/<population>/timestamps   float64 [ms], attribute units = "ms"; t = step * dt
//     /spikes/<population>/node_ids     uint64, population-local ids
//
// Every population given to begin() gets its group and (possibly empty) datasets. Both datasets
// are chunked and extendible; spikes are buffered per population (16 bytes each) and appended
// when a population holds population_buffer_spikes or all together hold total_buffer_spikes.
// Memory therefore stays below about 32 bytes x total_buffer_spikes (32 MiB by default; x2 for
// vector growth) plus one write_spikes batch, whatever the run length, plus HDF5's chunk cache
// (at most 2 partial 128 KiB chunks per population).
//
// The file is written to PATH.tmp and renamed to PATH by finish(); a writer destroyed without
// finish() (an error, an interrupted run) removes PATH.tmp, so nothing appears at PATH.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <vector>

#include "core/provenance.hpp"
#include "core/recording.hpp"
#include "io/hdf5.hpp"

namespace sf::io {

struct sonata_spike_options {
    // Spikes held per population before they are appended to the file.
    std::size_t population_buffer_spikes = 65536;
    // Spikes held over all populations; reaching it appends every buffer.
    std::size_t total_buffer_spikes = std::size_t{1} << 20;
    // HDF5 chunk length of timestamps / node_ids (elements).
    std::uint64_t chunk_spikes = h5::default_chunk_elements;
    // Shuffle + deflate level of the chunks (0 = none). Level 1 makes spike files ~4x smaller
    // and still writes ~5 million spikes/s; any HDF5 reader (h5py, libsonata) decompresses.
    int deflate_level = 1;
};

class sonata_spike_writer final : public core::spike_sink {
public:
    // Creates PATH.tmp at once (an unwritable output fails before the simulation runs) and
    // writes the root attributes. Throws sf::core::io_error if it cannot.
    sonata_spike_writer(const std::filesystem::path& path, const core::provenance& prov,
                        sonata_spike_options options = {});
    ~sonata_spike_writer() override;
    sonata_spike_writer(const sonata_spike_writer&) = delete;
    sonata_spike_writer& operator=(const sonata_spike_writer&) = delete;

    // Creates one group per population. Throws sf::core::config_error for a population name
    // that cannot be a group name or appears twice, or dt_ms <= 0.
    void begin(const std::vector<core::population_info>& populations, double dt_ms) override;
    // Throws sf::core::error if the spikes break the spike_sink contract (unknown population,
    // node id >= population size, steps going back in time, spans of different lengths).
    void write_spikes(std::size_t population, std::span<const std::int64_t> steps,
                      std::span<const std::uint32_t> nodes) override;
    // Appends what is buffered, closes the file and renames it to PATH. Calling it again does
    // nothing. Without begin() the file has an empty /spikes group.
    void finish() override;

    const std::filesystem::path& path() const noexcept;

private:
    struct state;
    std::unique_ptr<state> state_;
};

}  // namespace sf::io
