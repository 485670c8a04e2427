// Whole buffers as single zstd frames (libzstd), for spill files of intermediate records.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <vector>

namespace sf::io {

// One zstd frame of `plain` at `level` (1 = fastest). Throws core::io_error on failure.
std::string zstd_compress(std::span<const std::byte> plain, int level = 1);
// The `plain_size` bytes of a frame made by zstd_compress; a frame that does not decode to
// exactly that many bytes is a core::io_error naming `what`.
std::vector<std::byte> zstd_decompress(std::span<const std::byte> frame, std::size_t plain_size, const std::string& what);

}  // namespace sf::io
