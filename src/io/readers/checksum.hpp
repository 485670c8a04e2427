// File checksums recorded in provenance (inputs of `spikeforge convert`).
#pragma once

#include <cstdint>
#include <string>

namespace sf::io {

// CRC-32 (IEEE 802.3, the polynomial of zlib / Python's zlib.crc32) of a whole file, read in
// 1 MiB blocks. Throws core::io_error if the file cannot be read.
std::uint32_t file_crc32(const std::string& path);

}  // namespace sf::io
