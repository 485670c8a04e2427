#include "io/output_common.hpp"

#include <fmt/format.h>

#include <array>
#include <cmath>
#include <cstdint>

#include "core/error.hpp"

namespace sf::io {

h5_output::h5_output(const std::filesystem::path& path)
    : atomic_(path), file_(h5::file::create(atomic_.temp_path())), name_(path.string()) {}

void h5_output::commit() {
    file_.close();
    atomic_.commit();
}

void write_provenance_attributes(const h5::group& root, const core::provenance& prov) {
    h5::write_attribute(root, "spikeforge_version", prov.version);
    h5::write_attribute(root, "config", prov.config_toml);
    h5::write_scalar_attribute<std::uint64_t>(root, "seed", prov.seed);
    h5::write_scalar_attribute<std::int32_t>(root, "threads", prov.threads);
    h5::write_scalar_attribute<std::int32_t>(root, "ranks", prov.ranks);
    h5::write_attribute(root, "created_utc", prov.created_utc);
    h5::write_attribute(root, "command_line", prov.command_line);
}

void write_sonata_header(const h5::group& root) {
    constexpr std::uint32_t sonata_magic = 0x0A7A;
    constexpr std::array<std::uint32_t, 2> sonata_version = {0, 1};
    h5::write_scalar_attribute<std::uint32_t>(root, "magic", sonata_magic);
    h5::write_array_attribute<std::uint32_t>(root, "version", sonata_version);
}

void check_component_name(std::string_view file, std::string_view what, std::string_view name) {
    if (name.empty() || name == "." || name == ".." || name.find('/') != std::string_view::npos) {
        throw core::config_error(fmt::format(
            "{}: {} '{}' cannot be an HDF5 group name (empty, '.', '..' or containing '/')", file, what, name));
    }
}

void check_dt(std::string_view file, double dt_ms) {
    if (!std::isfinite(dt_ms) || dt_ms <= 0.0) {
        throw core::config_error(fmt::format("{}: time step dt = {} ms, expected > 0", file, dt_ms));
    }
}

}  // namespace sf::io
