#include "io/readers/checksum.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <vector>

#include "core/error.hpp"

namespace sf::io {

namespace {

// Slice-by-8 tables of the reflected polynomial 0xEDB88320: tables[0] is the classic byte
// table; tables[k][b] advances the CRC of byte b by k more zero bytes, so that eight bytes are
// folded with eight independent lookups (about 8x the byte-at-a-time speed).
using crc_tables = std::array<std::array<std::uint32_t, 256>, 8>;

crc_tables make_tables() {
    crc_tables t{};
    for (std::uint32_t i = 0; i < 256; ++i) {
        std::uint32_t c = i;
        for (int k = 0; k < 8; ++k) c = (c & 1u) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        t[0][i] = c;
    }
    for (std::size_t k = 1; k < 8; ++k)
        for (std::uint32_t i = 0; i < 256; ++i) t[k][i] = (t[k - 1][i] >> 8) ^ t[0][t[k - 1][i] & 0xFFu];
    return t;
}

std::uint32_t update(const crc_tables& t, std::uint32_t crc, const unsigned char* p, std::size_t n) {
    for (; n >= 8; n -= 8, p += 8) {
        std::uint32_t lo = 0, hi = 0;
        std::memcpy(&lo, p, 4);  // little-endian, as every machine we build for
        std::memcpy(&hi, p + 4, 4);
        lo ^= crc;
        crc = t[7][lo & 0xFFu] ^ t[6][(lo >> 8) & 0xFFu] ^ t[5][(lo >> 16) & 0xFFu] ^ t[4][lo >> 24] ^
              t[3][hi & 0xFFu] ^ t[2][(hi >> 8) & 0xFFu] ^ t[1][(hi >> 16) & 0xFFu] ^ t[0][hi >> 24];
    }
    for (; n > 0; --n, ++p) crc = t[0][(crc ^ *p) & 0xFFu] ^ (crc >> 8);
    return crc;
}

}  // namespace

std::uint32_t file_crc32(const std::string& path) {
    static const crc_tables tables = make_tables();
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw core::io_error(fmt::format("{}: cannot open the file for reading ({})", path, std::strerror(errno)));
    std::vector<unsigned char> buffer(std::size_t{1} << 20);
    std::uint32_t crc = 0xFFFFFFFFu;
    for (;;) {
        const ssize_t n = ::read(fd, buffer.data(), buffer.size());
        if (n == 0) break;
        if (n < 0) {
            if (errno == EINTR) continue;
            const int e = errno;
            ::close(fd);
            throw core::io_error(fmt::format("{}: read failed ({})", path, std::strerror(e)));
        }
        crc = update(tables, crc, buffer.data(), static_cast<std::size_t>(n));
    }
    ::close(fd);
    return crc ^ 0xFFFFFFFFu;
}

}  // namespace sf::io
