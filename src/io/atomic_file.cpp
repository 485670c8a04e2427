#include "io/atomic_file.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>
#include <utility>

#include "core/error.hpp"

namespace sf::io {

namespace {

std::string errno_text(int error) { return std::strerror(error); }

// Opens `path` (flags as for open(2)), fsyncs and closes it; returns 0 or the errno.
int fsync_path(const std::filesystem::path& path, int flags) {
    const int fd = ::open(path.c_str(), flags | O_CLOEXEC);
    if (fd < 0) {
        return errno;
    }
    int error = 0;
    if (::fsync(fd) != 0) {
        error = errno;
    }
    if (::close(fd) != 0 && error == 0) {
        error = errno;
    }
    return error;
}

std::filesystem::path folder_of(const std::filesystem::path& path) {
    const std::filesystem::path parent = path.parent_path();
    return parent.empty() ? std::filesystem::path(".") : parent;
}

// write(2) until everything is written; returns 0 or the errno.
int write_all(int fd, std::string_view text) {
    while (!text.empty()) {
        const ssize_t written = ::write(fd, text.data(), text.size());
        if (written < 0) {
            if (errno == EINTR) {
                continue;
            }
            return errno;
        }
        text.remove_prefix(static_cast<std::size_t>(written));
    }
    return 0;
}

}  // namespace

atomic_file::atomic_file(std::filesystem::path final_path)
    : final_path_(std::move(final_path)), temp_path_(final_path_.string() + ".tmp") {}

atomic_file::atomic_file(atomic_file&& other) noexcept
    : final_path_(std::move(other.final_path_)),
      temp_path_(std::move(other.temp_path_)),
      pending_(std::exchange(other.pending_, false)) {}

atomic_file& atomic_file::operator=(atomic_file&& other) noexcept {
    if (this != &other) {
        discard();
        final_path_ = std::move(other.final_path_);
        temp_path_ = std::move(other.temp_path_);
        pending_ = std::exchange(other.pending_, false);
    }
    return *this;
}

atomic_file::~atomic_file() { discard(); }

void atomic_file::discard() noexcept {
    if (pending_) {
        std::error_code ignored;  // nothing useful to do if removal fails during cleanup
        std::filesystem::remove(temp_path_, ignored);
        pending_ = false;
    }
}

void atomic_file::commit() {
    if (!pending_) {
        throw core::io_error(fmt::format("{}: already committed or discarded", final_path_.string()));
    }
    // The data must be on disk before the rename makes it visible under the final name;
    // otherwise a crash could leave a complete-looking name over incomplete content.
    if (const int error = fsync_path(temp_path_, O_RDONLY); error != 0) {
        throw core::io_error(fmt::format("{}: cannot sync to disk ({})", temp_path_.string(), errno_text(error)));
    }
    if (::rename(temp_path_.c_str(), final_path_.c_str()) != 0) {
        throw core::io_error(fmt::format("{}: cannot rename {} to it ({})", final_path_.string(),
                                         temp_path_.filename().string(), errno_text(errno)));
    }
    pending_ = false;
    // The rename is an update of the folder: sync the folder so it survives a crash too.
    const std::filesystem::path folder = folder_of(final_path_);
    if (const int error = fsync_path(folder, O_RDONLY | O_DIRECTORY); error != 0) {
        throw core::io_error(fmt::format("{}: cannot sync folder {} to disk ({})", final_path_.string(),
                                         folder.string(), errno_text(error)));
    }
}

void write_text_atomically(const std::filesystem::path& path, std::string_view text) {
    atomic_file out(path);
    const int fd = ::open(out.temp_path().c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0) {
        throw core::io_error(fmt::format("{}: cannot create ({})", out.temp_path().string(), errno_text(errno)));
    }
    int error = write_all(fd, text);
    if (::close(fd) != 0 && error == 0) {
        error = errno;
    }
    if (error != 0) {
        throw core::io_error(fmt::format("{}: cannot write ({})", out.temp_path().string(), errno_text(error)));
    }
    out.commit();
}

void check_writable_dir(const std::filesystem::path& dir) {
    const auto reject = [&](const std::string& reason) {
        throw core::config_error(fmt::format("{}: output directory is not writable ({})", dir.string(), reason));
    };
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) {
        reject(ec.message());
    }
    if (!std::filesystem::is_directory(dir, ec)) {
        reject(errno_text(ENOTDIR));
    }
    // Permission bits do not tell the whole story (read-only mounts, ACLs, root): try it.
    const std::filesystem::path probe = dir / fmt::format(".spikeforge-write-test-{}", ::getpid());
    const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        reject(errno_text(errno));
    }
    ::close(fd);
    ::unlink(probe.c_str());
}

}  // namespace sf::io
