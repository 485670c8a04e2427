// SONATA-style report of sampled state variables (membrane potential, conductances, ...).
//
// Layout: SONATA's "frame oriented, node element recordings", one group per probe so that one
// file can hold several fields of a population:
//
//     /                                         magic, version, provenance (as spike files)
//     /report/<population>/<field>/data         float64 [n_samples x n_nodes], chunked and
//                                               extendible; attribute units (probe.unit)
//     .../<field>/mapping/node_ids              uint64 [n_nodes], population-local ids,
//                                               column j of data is node_ids[j]
//     .../<field>/mapping/index_pointers        uint64 [n_nodes + 1] = 0, 1, ..., n_nodes
//     .../<field>/mapping/element_ids           uint32 [n_nodes] = 0 (point neurons: the soma)
//     .../<field>/mapping/time                  float64 [3] = {t_start, t_stop, interval} [ms],
//                                               attribute units = "ms"; row i is at
//                                               t = (first_step + i * interval_steps) * dt and
//                                               t_stop = t_start + n_samples * interval (open end)
//
// Rows are buffered per probe and appended when probe_buffer_values are held, so memory stays
// below 8 bytes x probe_buffer_values per probe (512 KiB by default) plus one write_samples
// batch, whatever the run length. The file is written to PATH.tmp and renamed to PATH by
// finish(); a writer destroyed without finish() removes PATH.tmp.
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

struct state_report_options {
    // Values (float64) held per probe before they are appended to the file.
    std::size_t probe_buffer_values = 65536;
    // HDF5 chunk size of each data set (elements).
    std::uint64_t chunk_values = h5::default_chunk_elements;
    // Shuffle + deflate level of the chunks (0 = none: sampled float64 traces compress little
    // and can be bulky, so raw writing speed wins by default).
    int deflate_level = 0;
};

class state_report_writer final : public core::state_sink {
public:
    // Creates PATH.tmp at once and writes the root attributes; throws sf::core::io_error.
    state_report_writer(const std::filesystem::path& path, const core::provenance& prov,
                        state_report_options options = {});
    ~state_report_writer() override;
    state_report_writer(const state_report_writer&) = delete;
    state_report_writer& operator=(const state_report_writer&) = delete;

    // Throws sf::core::config_error for a population or field name that cannot be a group
    // name, two probes of the same population and field, interval_steps < 1, or dt_ms <= 0.
    void begin(const std::vector<core::state_probe>& probes, double dt_ms) override;
    // Throws sf::core::error for an unknown probe, rows.size() != n_samples x n_nodes, or a
    // first_step that does not continue the probe's sampling grid.
    void write_samples(std::size_t probe, std::int64_t first_step, std::size_t n_samples,
                       std::span<const double> rows) override;
    // Appends what is buffered, writes mapping/time, closes the file and renames it to PATH.
    // Calling it again does nothing.
    void finish() override;

    const std::filesystem::path& path() const noexcept;

private:
    struct state;
    std::unique_ptr<state> state_;
};

}  // namespace sf::io
