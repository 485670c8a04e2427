#include "io/zstd_frame.hpp"

#include <fmt/format.h>
#include <zstd.h>

#include "core/error.hpp"

namespace sf::io {

std::string zstd_compress(std::span<const std::byte> plain, int level) {
    std::string out(ZSTD_compressBound(plain.size()), '\0');
    const std::size_t n = ZSTD_compress(out.data(), out.size(), plain.data(), plain.size(), level);
    if (ZSTD_isError(n)) throw core::io_error(fmt::format("zstd compression failed ({})", ZSTD_getErrorName(n)));
    out.resize(n);
    return out;
}

std::vector<std::byte> zstd_decompress(std::span<const std::byte> frame, std::size_t plain_size, const std::string& what) {
    std::vector<std::byte> out(plain_size);
    const std::size_t n = ZSTD_decompress(out.data(), out.size(), frame.data(), frame.size());
    if (ZSTD_isError(n) || n != plain_size)
        throw core::io_error(fmt::format("{}: corrupt zstd frame ({})", what,
                                         ZSTD_isError(n) ? ZSTD_getErrorName(n) : "wrong size"));
    return out;
}

}  // namespace sf::io
