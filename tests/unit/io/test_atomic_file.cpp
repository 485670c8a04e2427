#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

#include "core/error.hpp"
#include "io/atomic_file.hpp"
#include "io_test_support.hpp"

namespace sf::io {
namespace {

using test::temp_dir;
namespace fs = std::filesystem;

std::string read_text(const fs::path& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

void write_plain(const fs::path& path, const std::string& text) { std::ofstream(path) << text; }

TEST(atomic_file, temp_path_is_name_dot_tmp_in_the_same_folder) {
    const atomic_file f("out/run/spikes.h5");
    EXPECT_EQ(f.final_path(), fs::path("out/run/spikes.h5"));
    EXPECT_EQ(f.temp_path(), fs::path("out/run/spikes.h5.tmp"));
    EXPECT_FALSE(f.committed());
}

TEST(atomic_file, commit_renames_the_temp_file) {
    temp_dir dir;
    atomic_file f(dir / "a.txt");
    write_plain(f.temp_path(), "complete");
    EXPECT_FALSE(fs::exists(dir / "a.txt"));
    f.commit();
    EXPECT_TRUE(f.committed());
    EXPECT_EQ(read_text(dir / "a.txt"), "complete");
    EXPECT_EQ(dir.entries(), std::vector<std::string>{"a.txt"});
}

TEST(atomic_file, destruction_without_commit_removes_the_temp_file) {
    temp_dir dir;
    {
        atomic_file f(dir / "a.txt");
        write_plain(f.temp_path(), "partial");
    }
    EXPECT_TRUE(dir.entries().empty());
}

TEST(atomic_file, commit_replaces_an_existing_file) {
    temp_dir dir;
    write_plain(dir / "a.txt", "old");
    atomic_file f(dir / "a.txt");
    write_plain(f.temp_path(), "new");
    f.commit();
    EXPECT_EQ(read_text(dir / "a.txt"), "new");
}

TEST(atomic_file, commit_without_a_temp_file_names_it) {
    temp_dir dir;
    atomic_file f(dir / "a.txt");
    try {
        f.commit();
        FAIL() << "commit must throw when nothing was written";
    } catch (const core::io_error& e) {
        EXPECT_EQ(std::string(e.what()),
                  (dir / "a.txt.tmp").string() + ": cannot sync to disk (No such file or directory)");
    }
}

TEST(atomic_file, a_moved_from_file_removes_nothing) {
    temp_dir dir;
    atomic_file outer(dir / "b.txt");
    {
        atomic_file inner(dir / "a.txt");
        write_plain(inner.temp_path(), "x");
        outer = std::move(inner);
    }
    EXPECT_TRUE(fs::exists(dir / "a.txt.tmp"));  // now owned by `outer`
    outer.commit();
    EXPECT_EQ(read_text(dir / "a.txt"), "x");
}

TEST(write_text_atomically, writes_the_whole_text_and_no_temp_file) {
    temp_dir dir;
    const std::string text = std::string(100000, 'x') + "\nend\n";
    write_text_atomically(dir / "config.toml", text);
    EXPECT_EQ(read_text(dir / "config.toml"), text);
    write_text_atomically(dir / "config.toml", "{}\n");
    EXPECT_EQ(read_text(dir / "config.toml"), "{}\n");
    EXPECT_EQ(dir.entries(), std::vector<std::string>{"config.toml"});
}

TEST(write_text_atomically, a_missing_folder_is_an_io_error_naming_the_file) {
    temp_dir dir;
    try {
        write_text_atomically(dir / "missing" / "a.json", "{}");
        FAIL() << "must throw";
    } catch (const core::io_error& e) {
        EXPECT_EQ(std::string(e.what()),
                  (dir / "missing" / "a.json.tmp").string() + ": cannot create (No such file or directory)");
    }
}

TEST(check_writable_dir, creates_missing_folders_and_leaves_nothing_behind) {
    temp_dir dir;
    check_writable_dir(dir / "out" / "run1");
    EXPECT_TRUE(fs::is_directory(dir / "out" / "run1"));
    EXPECT_TRUE(fs::is_empty(dir / "out" / "run1"));
    check_writable_dir(dir / "out" / "run1");  // existing folder: fine
}

TEST(check_writable_dir, a_folder_below_a_file_is_rejected_with_the_reason) {
    temp_dir dir;
    write_plain(dir / "file", "x");
    const fs::path bad = dir / "file" / "out";
    try {
        check_writable_dir(bad);
        FAIL() << "must throw";
    } catch (const core::config_error& e) {
        EXPECT_EQ(std::string(e.what()), bad.string() + ": output directory is not writable (Not a directory)");
    }
    try {
        check_writable_dir(dir / "file");
        FAIL() << "must throw";
    } catch (const core::config_error& e) {
        EXPECT_EQ(std::string(e.what()),
                  (dir / "file").string() + ": output directory is not writable (Not a directory)");
    }
}

}  // namespace
}  // namespace sf::io
