#include <gtest/gtest.h>

#include <array>
#include <numeric>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "io/hdf5.hpp"
#include "io_test_support.hpp"

namespace sf::io {
namespace {

using test::h5_reader;
using test::temp_dir;

TEST(hdf5, attributes_of_every_kind_round_trip) {
    temp_dir dir;
    {
        h5::file f = h5::file::create(dir / "a.h5");
        {
            const h5::group root = f.root();
            h5::write_attribute(root, "text", "héllo");
            h5::write_scalar_attribute<std::uint32_t>(root, "magic", 0x0A7A);
            h5::write_scalar_attribute<double>(root, "dt", 0.1);
            h5::write_scalar_attribute<std::int64_t>(root, "big", -(std::int64_t{1} << 40));
            const std::array<std::uint32_t, 2> version = {0, 1};
            h5::write_array_attribute<std::uint32_t>(root, "version", version);
            const std::array<std::string, 3> names = {"spike_times", "population", "node_id"};
            h5::write_string_array_attribute(root, "colnames", names);
            const std::array<h5::enum_member, 2> members = {h5::enum_member{"off", 0}, h5::enum_member{"on", 1}};
            h5::write_enum_attribute(root, "switch", members, "on");
            h5::write_attribute(root, "text", "replaced");  // same name: replaced, not an error
        }
        f.close();
    }
    const h5_reader r(dir / "a.h5");
    EXPECT_EQ(r.string_attribute("/", "text"), "replaced");
    EXPECT_EQ(r.numeric_attribute<std::uint32_t>("/", "magic"), std::vector<std::uint32_t>{0x0A7A});
    EXPECT_EQ(r.attribute_type("/", "magic").size, 4u);
    EXPECT_EQ(r.attribute_type("/", "magic").sign, H5T_SGN_NONE);
    EXPECT_EQ(r.numeric_attribute<double>("/", "dt"), std::vector<double>{0.1});
    EXPECT_EQ(r.numeric_attribute<std::int64_t>("/", "big"), std::vector<std::int64_t>{-(std::int64_t{1} << 40)});
    EXPECT_EQ(r.numeric_attribute<std::uint32_t>("/", "version"), (std::vector<std::uint32_t>{0, 1}));
    EXPECT_EQ(r.string_array_attribute("/", "colnames"),
              (std::vector<std::string>{"spike_times", "population", "node_id"}));
    EXPECT_EQ(r.enum_attribute("/", "switch"), "on");
}

TEST(hdf5, one_dimensional_datasets_of_each_type) {
    temp_dir dir;
    const std::vector<double> d = {0.5, 1.5, -2.25};
    const std::vector<float> f32 = {1.0F, 2.5F};
    const std::vector<std::uint64_t> u64 = {0, std::uint64_t{1} << 63};
    const std::vector<std::uint32_t> u32 = {7, 8, 9, 4000000000U};
    const std::vector<std::int64_t> i64 = {-1, 1};
    {
        h5::file f = h5::file::create(dir / "d.h5");
        {
            const h5::group g = f.root().create_group("a/b");  // intermediate "a" is created
            h5::write_dataset<double>(g, "d", d);
            h5::write_dataset<float>(g, "f", f32);
            h5::write_dataset<std::uint64_t>(g, "u64", u64);
            h5::write_dataset<std::uint32_t>(g, "u32", u32);
            h5::write_dataset<std::int64_t>(g, "i64", i64);
            h5::write_dataset<double>(g, "empty", {});
            h5::write_string_dataset(g, "id", "abc");
            const std::array<std::string, 2> dates = {"2026-01-01T00:00:00Z", "x"};
            h5::write_string_array_dataset(g, "dates", dates);
            EXPECT_TRUE(f.root().contains("a/b/d"));
            EXPECT_FALSE(f.root().contains("a/c/d"));
            EXPECT_EQ(h5::read_vector<std::uint32_t>(g, "u32"), u32);
            EXPECT_EQ(h5::read_vector<double>(g, "empty"), std::vector<double>{});
        }
        f.close();
    }
    const h5_reader r(dir / "d.h5");
    EXPECT_EQ(r.read<double>("/a/b/d"), d);
    EXPECT_EQ(r.read<float>("/a/b/f"), f32);
    EXPECT_EQ(r.read<std::uint64_t>("/a/b/u64"), u64);
    EXPECT_EQ(r.read<std::uint32_t>("/a/b/u32"), u32);
    EXPECT_EQ(r.read<std::int64_t>("/a/b/i64"), i64);
    EXPECT_EQ(r.shape("/a/b/empty"), std::vector<hsize_t>{0});
    EXPECT_EQ(r.read_strings("/a/b/id"), std::vector<std::string>{"abc"});
    EXPECT_TRUE(r.shape("/a/b/id").empty());  // scalar
    EXPECT_EQ(r.read_strings("/a/b/dates"), (std::vector<std::string>{"2026-01-01T00:00:00Z", "x"}));
    EXPECT_EQ(r.dataset_type("/a/b/f").type_class, H5T_FLOAT);
    EXPECT_EQ(r.dataset_type("/a/b/f").size, 4u);
    EXPECT_EQ(r.dataset_type("/a/b/u64").sign, H5T_SGN_NONE);
}

TEST(hdf5, appendable_vector_grows_across_chunks) {
    temp_dir dir;
    std::vector<std::uint64_t> expected(23);
    std::iota(expected.begin(), expected.end(), std::uint64_t{100});
    {
        h5::file f = h5::file::create(dir / "v.h5");
        {
            h5::appendable_vector<std::uint64_t> v(f.root(), "v", 4);  // chunks of 4 elements
            v.append(std::span(expected).first(5));
            v.append({});
            v.append(std::span(expected).subspan(5, 17));
            v.append(std::span(expected).subspan(22));
            EXPECT_EQ(v.size(), 23u);
        }
        f.close();
    }
    const h5_reader r(dir / "v.h5");
    EXPECT_EQ(r.read<std::uint64_t>("/v"), expected);
    EXPECT_TRUE(r.is_chunked("/v"));
    EXPECT_EQ(r.max_shape("/v"), std::vector<hsize_t>{H5S_UNLIMITED});
}

TEST(hdf5, appendable_matrix_appends_rows) {
    temp_dir dir;
    {
        h5::file f = h5::file::create(dir / "m.h5");
        {
            h5::appendable_matrix<double> m(f.root(), "m", 3, 4);
            const std::vector<double> two_rows = {1, 2, 3, 4, 5, 6};
            m.append_rows(two_rows, 2);
            const std::vector<double> one_row = {7, 8, 9};
            m.append_rows(one_row, 1);
            EXPECT_THROW(m.append_rows(one_row, 2), std::invalid_argument);
            EXPECT_EQ(m.rows(), 3u);
            h5::appendable_matrix<double> no_columns(f.root(), "none", 0);
            no_columns.append_rows({}, 5);
        }
        f.close();
    }
    const h5_reader r(dir / "m.h5");
    EXPECT_EQ(r.shape("/m"), (std::vector<hsize_t>{3, 3}));
    EXPECT_EQ(r.read<double>("/m"), (std::vector<double>{1, 2, 3, 4, 5, 6, 7, 8, 9}));
    EXPECT_TRUE(r.is_chunked("/m"));
    EXPECT_EQ(r.max_shape("/m"), (std::vector<hsize_t>{H5S_UNLIMITED, 3}));
    EXPECT_EQ(r.shape("/none"), (std::vector<hsize_t>{5, 0}));
}

TEST(hdf5, reference_attribute_points_at_its_target) {
    temp_dir dir;
    {
        h5::file f = h5::file::create(dir / "r.h5");
        {
            const h5::group units = f.root().create_group("units");
            const std::vector<double> times = {0.1};
            const h5::dataset target = h5::write_dataset<double>(units, "spike_times", times);
            const h5::dataset index = h5::write_dataset<std::uint64_t>(units, "index", std::vector<std::uint64_t>{1});
            h5::write_reference_attribute(index, "target", target);
        }
        f.close();
    }
    const h5_reader r(dir / "r.h5");
    EXPECT_EQ(r.referenced_path("/units/index", "target"), "/units/spike_times");
}

TEST(hdf5, failures_name_the_file_and_the_object_and_print_nothing) {
    temp_dir dir;
    const std::string name = (dir / "e.h5").string();
    testing::internal::CaptureStderr();
    {
        h5::file f = h5::file::create(dir / "e.h5");
        const h5::group root = f.root();
        root.create_group("spikes");
        try {
            root.create_group("spikes");
            FAIL() << "creating a group twice must throw";
        } catch (const core::io_error& e) {
            const std::string message = e.what();
            EXPECT_EQ(message, name + ": cannot create group '/spikes' (name already exists)");
        }
        EXPECT_THROW(root.open_dataset("missing"), core::io_error);
        EXPECT_THROW(h5::read_string_attribute(root, "missing"), core::io_error);
    }
    EXPECT_EQ(testing::internal::GetCapturedStderr(), "");

    try {
        h5::file::open_read_only(dir / "no_such.h5");
        FAIL() << "opening a missing file must throw";
    } catch (const core::io_error& e) {
        EXPECT_EQ(std::string(e.what()),
                  (dir / "no_such.h5").string() + ": cannot open the file (No such file or directory)");
    }
    EXPECT_THROW(h5::file::create(dir / "no_dir" / "x.h5"), core::io_error);
}

TEST(hdf5, closing_a_file_with_an_open_group_fails_loudly) {
    temp_dir dir;
    const ssize_t open_before = test::open_hdf5_objects();
    {
        h5::file f = h5::file::create(dir / "c.h5");
        const h5::group still_open = f.root().create_group("g");
        EXPECT_THROW(f.close(), core::io_error);
        EXPECT_TRUE(f.is_open());
    }
    EXPECT_EQ(test::open_hdf5_objects(), open_before);  // closed by the destructors after all
}

TEST(hdf5, read_vector_rejects_a_matrix) {
    temp_dir dir;
    h5::file f = h5::file::create(dir / "m.h5");
    {
        const h5::group root = f.root();
        h5::appendable_matrix<double> m(root, "m", 2);
        m.append_rows(std::vector<double>{1, 2}, 1);
        EXPECT_THROW(h5::read_vector<double>(root, "m"), core::input_error);
        h5::write_attribute(root, "s", "text");
        EXPECT_EQ(h5::read_string_attribute(root, "s"), "text");
    }
    f.close();
}

}  // namespace
}  // namespace sf::io
