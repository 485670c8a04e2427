#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/error.hpp"
#include "io/sonata_spikes.hpp"
#include "io_test_support.hpp"

namespace sf::io {
namespace {

using test::h5_reader;
using test::temp_dir;

const std::vector<core::population_info> two_populations = {{"exc", "iaf_psc_exp", 4}, {"inh", "iaf_psc_exp", 2}};

TEST(sonata_spike_writer, writes_the_sonata_layout_with_provenance) {
    temp_dir dir;
    const ssize_t open_before = test::open_hdf5_objects();
    {
        sonata_spike_writer w(dir / "spikes.h5", test::sample_provenance());
        w.begin(two_populations, 0.1);
        w.write_spikes(0, std::vector<std::int64_t>{1, 1, 5}, std::vector<std::uint32_t>{0, 3, 2});
        w.write_spikes(0, std::vector<std::int64_t>{12}, std::vector<std::uint32_t>{1});
        w.write_spikes(0, {}, {});
        w.finish();
        EXPECT_EQ(test::open_hdf5_objects(), open_before);  // finish() closed everything
    }
    EXPECT_EQ(dir.entries(), std::vector<std::string>{"spikes.h5"});
    const h5_reader r(dir / "spikes.h5");

    EXPECT_EQ(r.numeric_attribute<std::uint32_t>("/", "magic"), std::vector<std::uint32_t>{0x0A7A});
    EXPECT_EQ(r.attribute_type("/", "magic").size, 4u);
    EXPECT_EQ(r.numeric_attribute<std::uint32_t>("/", "version"), (std::vector<std::uint32_t>{0, 1}));
    EXPECT_EQ(r.string_attribute("/", "spikeforge_version"), "0.1.0");
    EXPECT_EQ(r.string_attribute("/", "config"), test::sample_provenance().config_toml);
    EXPECT_EQ(r.numeric_attribute<std::uint64_t>("/", "seed"), std::vector<std::uint64_t>{12345678901234ULL});
    EXPECT_EQ(r.numeric_attribute<std::int32_t>("/", "threads"), std::vector<std::int32_t>{4});
    EXPECT_EQ(r.numeric_attribute<std::int32_t>("/", "ranks"), std::vector<std::int32_t>{2});
    EXPECT_EQ(r.string_attribute("/", "created_utc"), "2026-11-22T04:00:00Z");
    EXPECT_EQ(r.string_attribute("/", "command_line"), "spikeforge simulate --config net.toml");

    EXPECT_EQ(r.enum_attribute("/spikes/exc", "sorting"), "by_time");
    EXPECT_EQ(r.read<double>("/spikes/exc/timestamps"), (std::vector<double>{1 * 0.1, 1 * 0.1, 5 * 0.1, 12 * 0.1}));
    EXPECT_EQ(r.string_attribute("/spikes/exc/timestamps", "units"), "ms");
    EXPECT_EQ(r.read<std::uint64_t>("/spikes/exc/node_ids"), (std::vector<std::uint64_t>{0, 3, 2, 1}));
    EXPECT_EQ(r.dataset_type("/spikes/exc/node_ids").size, 8u);
    EXPECT_EQ(r.dataset_type("/spikes/exc/node_ids").sign, H5T_SGN_NONE);
    EXPECT_EQ(r.dataset_type("/spikes/exc/timestamps").type_class, H5T_FLOAT);
    EXPECT_TRUE(r.is_chunked("/spikes/exc/timestamps"));
    EXPECT_EQ(r.max_shape("/spikes/exc/node_ids"), std::vector<hsize_t>{H5S_UNLIMITED});
}

TEST(sonata_spike_writer, a_population_without_spikes_still_has_its_group) {
    temp_dir dir;
    {
        sonata_spike_writer w(dir / "spikes.h5", test::sample_provenance());
        w.begin(two_populations, 0.1);
        w.write_spikes(0, std::vector<std::int64_t>{3}, std::vector<std::uint32_t>{0});
        w.finish();
    }
    const h5_reader r(dir / "spikes.h5");
    EXPECT_TRUE(r.is_group("/spikes/inh"));
    EXPECT_EQ(r.enum_attribute("/spikes/inh", "sorting"), "by_time");
    EXPECT_EQ(r.shape("/spikes/inh/timestamps"), std::vector<hsize_t>{0});
    EXPECT_EQ(r.shape("/spikes/inh/node_ids"), std::vector<hsize_t>{0});
    EXPECT_EQ(r.string_attribute("/spikes/inh/timestamps", "units"), "ms");
}

// Tiny buffers and chunks force many appends (per-population and global flushes).
TEST(sonata_spike_writer, streams_through_small_buffers_without_losing_spikes) {
    temp_dir dir;
    sonata_spike_options options;
    options.population_buffer_spikes = 3;
    options.total_buffer_spikes = 5;
    options.chunk_spikes = 4;
    std::vector<double> expected_t[2];
    std::vector<std::uint64_t> expected_node[2];
    {
        sonata_spike_writer w(dir / "s.h5", test::sample_provenance(), options);
        w.begin(two_populations, 0.25);
        for (std::int64_t step = 0; step < 200; ++step) {
            const std::size_t pop = static_cast<std::size_t>(step % 3 == 0);
            const std::uint32_t node = static_cast<std::uint32_t>(step % 2);
            w.write_spikes(pop, std::vector<std::int64_t>{step, step}, std::vector<std::uint32_t>{node, node});
            for (int k = 0; k < 2; ++k) {
                expected_t[pop].push_back(static_cast<double>(step) * 0.25);
                expected_node[pop].push_back(node);
            }
        }
        w.finish();
    }
    const h5_reader r(dir / "s.h5");
    EXPECT_EQ(r.read<double>("/spikes/exc/timestamps"), expected_t[0]);
    EXPECT_EQ(r.read<std::uint64_t>("/spikes/exc/node_ids"), expected_node[0]);
    EXPECT_EQ(r.read<double>("/spikes/inh/timestamps"), expected_t[1]);
    EXPECT_EQ(r.read<std::uint64_t>("/spikes/inh/node_ids"), expected_node[1]);
}

TEST(sonata_spike_writer, destroyed_without_finish_leaves_no_file) {
    temp_dir dir;
    const ssize_t open_before = test::open_hdf5_objects();
    {
        sonata_spike_writer w(dir / "spikes.h5", test::sample_provenance());
        w.begin(two_populations, 0.1);
        w.write_spikes(0, std::vector<std::int64_t>{1}, std::vector<std::uint32_t>{0});
        EXPECT_TRUE(std::filesystem::exists(dir / "spikes.h5.tmp"));
        EXPECT_FALSE(std::filesystem::exists(dir / "spikes.h5"));
    }
    EXPECT_TRUE(dir.entries().empty());
    EXPECT_EQ(test::open_hdf5_objects(), open_before);
}

TEST(sonata_spike_writer, an_unwritable_path_fails_at_construction) {
    temp_dir dir;
    try {
        sonata_spike_writer w(dir / "missing" / "spikes.h5", test::sample_provenance());
        FAIL() << "must throw";
    } catch (const core::io_error& e) {
        EXPECT_EQ(std::string(e.what()), (dir / "missing" / "spikes.h5.tmp").string() +
                                             ": cannot create the file (No such file or directory)");
    }
}

TEST(sonata_spike_writer, finish_without_begin_gives_an_empty_spikes_group) {
    temp_dir dir;
    {
        sonata_spike_writer w(dir / "spikes.h5", test::sample_provenance());
        w.finish();
        w.finish();  // a second call does nothing
    }
    const h5_reader r(dir / "spikes.h5");
    EXPECT_TRUE(r.is_group("/spikes"));
}

TEST(sonata_spike_writer, rejects_spikes_that_break_the_sink_contract) {
    temp_dir dir;
    sonata_spike_writer w(dir / "spikes.h5", test::sample_provenance());
    w.begin(two_populations, 0.1);
    w.write_spikes(0, std::vector<std::int64_t>{10}, std::vector<std::uint32_t>{0});
    const std::string name = (dir / "spikes.h5").string();
    try {
        w.write_spikes(0, std::vector<std::int64_t>{9}, std::vector<std::uint32_t>{0});
        FAIL() << "going back in time must throw";
    } catch (const core::error& e) {
        EXPECT_EQ(std::string(e.what()), name + ": spikes of population 'exc' go back in time (step 9 after step 10)");
    }
    EXPECT_THROW(w.write_spikes(0, std::vector<std::int64_t>{11, 10}, std::vector<std::uint32_t>{0, 0}), core::error);
    EXPECT_THROW(w.write_spikes(1, std::vector<std::int64_t>{11}, std::vector<std::uint32_t>{2}), core::error);
    EXPECT_THROW(w.write_spikes(2, std::vector<std::int64_t>{11}, std::vector<std::uint32_t>{0}), core::error);
    EXPECT_THROW(w.write_spikes(0, std::vector<std::int64_t>{11}, std::vector<std::uint32_t>{}), core::error);
    EXPECT_THROW(w.begin(two_populations, 0.1), core::error);
    w.finish();
    EXPECT_THROW(w.write_spikes(0, std::vector<std::int64_t>{12}, std::vector<std::uint32_t>{0}), core::error);
    // The rejected batches left nothing behind.
    const h5_reader r(dir / "spikes.h5");
    EXPECT_EQ(r.read<double>("/spikes/exc/timestamps"), std::vector<double>{10 * 0.1});
}

TEST(sonata_spike_writer, rejects_bad_population_names_and_time_steps) {
    temp_dir dir;
    const std::string name = (dir / "spikes.h5").string();
    {
        sonata_spike_writer w(dir / "spikes.h5", test::sample_provenance());
        try {
            w.begin({{"exc", "m", 1}, {"exc", "m", 2}}, 0.1);
            FAIL() << "must throw";
        } catch (const core::config_error& e) {
            EXPECT_EQ(std::string(e.what()), name + ": two populations are named 'exc'");
        }
    }
    {
        sonata_spike_writer w(dir / "spikes.h5", test::sample_provenance());
        EXPECT_THROW(w.begin({{"a/b", "m", 1}}, 0.1), core::config_error);
        EXPECT_THROW(w.begin({{"", "m", 1}}, 0.1), core::config_error);
        EXPECT_THROW(w.begin({{"exc", "m", 1}}, 0.0), core::config_error);
    }
    EXPECT_TRUE(dir.entries().empty());
}

}  // namespace
}  // namespace sf::io
