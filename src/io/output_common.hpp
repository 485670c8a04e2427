// What every spikeforge HDF5 output shares: the atomic temp-file life cycle, the provenance
// root attributes (DESIGN.md §4), SONATA's root header, and checks of names and time steps.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "core/provenance.hpp"
#include "io/atomic_file.hpp"
#include "io/hdf5.hpp"

namespace sf::io {

// An HDF5 file being written to PATH.tmp; commit() closes it and renames it to PATH. Destroyed
// without commit(), it closes the file and removes PATH.tmp.
class h5_output {
public:
    explicit h5_output(const std::filesystem::path& path);

    h5::group root() const { return file_.root(); }
    const std::filesystem::path& path() const noexcept { return atomic_.final_path(); }
    const std::string& name() const noexcept { return name_; }  // PATH, for error messages
    bool committed() const noexcept { return atomic_.committed(); }
    // All groups and datasets must be closed first (the file refuses to close otherwise).
    void commit();

private:
    atomic_file atomic_;  // declared before file_: the file is closed before PATH.tmp is removed
    h5::file file_;
    std::string name_;
};

// Root attributes: spikeforge_version, config (resolved TOML), seed (uint64), threads and
// ranks (int32), created_utc (ISO 8601), command_line.
void write_provenance_attributes(const h5::group& root, const core::provenance& prov);

// SONATA's required root attributes: magic = 0x0A7A (uint32), version = {0, 1} (uint32[2]).
void write_sonata_header(const h5::group& root);

// Throws sf::core::config_error unless `name` can be one HDF5 path component (not empty, not
// "." or "..", no '/'): population and field names become group names.
void check_component_name(std::string_view file, std::string_view what, std::string_view name);

// Throws sf::core::config_error unless dt_ms is finite and > 0.
void check_dt(std::string_view file, double dt_ms);

}  // namespace sf::io
