// "A file at its final path is complete" (DESIGN.md §4).
//
// Every output is written to NAME.tmp in the same folder (same file system, so the rename is
// atomic), then commit() fsyncs it, renames it to NAME and fsyncs the folder so the rename
// itself survives a crash. An atomic_file destroyed without commit() removes NAME.tmp: a run
// that fails or is interrupted leaves neither a partial NAME nor a stray temporary file.
//
//     sf::io::atomic_file out("run/spikes.h5");
//     write_everything_to(out.temp_path());   // and close it (flush)
//     out.commit();                           // now run/spikes.h5 exists, complete
#pragma once

#include <filesystem>
#include <string_view>

namespace sf::io {

class atomic_file {
public:
    // Nothing is created on disk here; the writer creates temp_path() itself.
    explicit atomic_file(std::filesystem::path final_path);
    atomic_file(atomic_file&& other) noexcept;
    atomic_file& operator=(atomic_file&& other) noexcept;
    atomic_file(const atomic_file&) = delete;
    atomic_file& operator=(const atomic_file&) = delete;
    ~atomic_file();  // removes temp_path() unless committed

    const std::filesystem::path& final_path() const noexcept { return final_path_; }
    const std::filesystem::path& temp_path() const noexcept { return temp_path_; }
    bool committed() const noexcept { return !pending_; }

    // The writer must have closed (flushed) temp_path(). fsync it, rename it to final_path(),
    // fsync the folder. Throws sf::core::io_error naming the file and the step that failed.
    void commit();
    // Removes temp_path() now (idempotent, never throws).
    void discard() noexcept;

private:
    std::filesystem::path final_path_;
    std::filesystem::path temp_path_;
    bool pending_ = true;  // temp_path() may exist and must be removed unless committed
};

// Writes `text` to `path` through an atomic_file (for JSON / TOML outputs).
void write_text_atomically(const std::filesystem::path& path, std::string_view text);

// Creates `dir` (and parents) if needed and proves a file can be created in it, so that an
// unwritable output folder is rejected before a simulation runs. Throws sf::core::config_error
// "<dir>: output directory is not writable (<reason>)".
void check_writable_dir(const std::filesystem::path& dir);

}  // namespace sf::io
