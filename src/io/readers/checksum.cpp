#include "io/readers/checksum.hpp"

#include <fmt/format.h>

#include <array>
#include <fstream>
#include <vector>

#include "core/error.hpp"

namespace sf::io {

namespace {

// Table-driven CRC-32, reflected polynomial 0xEDB88320.
std::array<std::uint32_t, 256> make_table() {
    std::array<std::uint32_t, 256> table{};
    for (std::uint32_t i = 0; i < 256; ++i) {
        std::uint32_t c = i;
        for (int k = 0; k < 8; ++k) c = (c & 1u) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        table[i] = c;
    }
    return table;
}

}  // namespace

std::uint32_t file_crc32(const std::string& path) {
    static const std::array<std::uint32_t, 256> table = make_table();
    std::ifstream in(path, std::ios::binary);
    if (!in) throw core::io_error(fmt::format("{}: cannot open the file for reading", path));
    std::vector<char> buffer(std::size_t{1} << 20);
    std::uint32_t crc = 0xFFFFFFFFu;
    while (in) {
        in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
        const auto n = static_cast<std::size_t>(in.gcount());
        for (std::size_t i = 0; i < n; ++i) {
            crc = table[(crc ^ static_cast<unsigned char>(buffer[i])) & 0xFFu] ^ (crc >> 8);
        }
    }
    if (in.bad()) throw core::io_error(fmt::format("{}: read failed", path));
    return crc ^ 0xFFFFFFFFu;
}

}  // namespace sf::io
