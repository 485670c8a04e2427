#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/error.hpp"
#include "io/state_report.hpp"
#include "io_test_support.hpp"

namespace sf::io {
namespace {

using test::h5_reader;
using test::temp_dir;

core::state_probe probe(std::size_t population, std::string name, std::string field, std::vector<std::uint32_t> nodes,
                        std::int64_t interval) {
    core::state_probe p;
    p.population = population;
    p.population_name = std::move(name);
    p.field = std::move(field);
    p.unit = p.field == "v" ? "mV" : "nS";
    p.nodes = std::move(nodes);
    p.interval_steps = interval;
    return p;
}

const std::vector<core::state_probe> two_probes = {probe(0, "exc", "v", {4, 1, 7}, 2), probe(0, "exc", "g_ex", {0}, 1)};

TEST(state_report_writer, writes_data_mapping_and_time) {
    temp_dir dir;
    const ssize_t open_before = test::open_hdf5_objects();
    {
        state_report_writer w(dir / "report.h5", test::sample_provenance());
        w.begin(two_probes, 0.1);
        // v every 2 steps from step 6: rows at steps 6, 8 then 10.
        w.write_samples(0, 6, 2, std::vector<double>{-65, -64, -63, -62, -61, -60});
        w.write_samples(0, 10, 1, std::vector<double>{-59, -58, -57});
        w.write_samples(1, 0, 3, std::vector<double>{1.5, 2.5, 3.5});
        w.finish();
        EXPECT_EQ(test::open_hdf5_objects(), open_before);
    }
    EXPECT_EQ(dir.entries(), std::vector<std::string>{"report.h5"});
    const h5_reader r(dir / "report.h5");

    EXPECT_EQ(r.numeric_attribute<std::uint32_t>("/", "magic"), std::vector<std::uint32_t>{0x0A7A});
    EXPECT_EQ(r.string_attribute("/", "command_line"), "spikeforge simulate --config net.toml");

    const std::string v = "/report/exc/v";
    EXPECT_EQ(r.shape(v + "/data"), (std::vector<hsize_t>{3, 3}));
    EXPECT_EQ(r.read<double>(v + "/data"), (std::vector<double>{-65, -64, -63, -62, -61, -60, -59, -58, -57}));
    EXPECT_EQ(r.string_attribute(v + "/data", "units"), "mV");
    EXPECT_TRUE(r.is_chunked(v + "/data"));
    EXPECT_EQ(r.max_shape(v + "/data"), (std::vector<hsize_t>{H5S_UNLIMITED, 3}));
    EXPECT_EQ(r.read<std::uint64_t>(v + "/mapping/node_ids"), (std::vector<std::uint64_t>{4, 1, 7}));
    EXPECT_EQ(r.read<std::uint64_t>(v + "/mapping/index_pointers"), (std::vector<std::uint64_t>{0, 1, 2, 3}));
    EXPECT_EQ(r.read<std::uint32_t>(v + "/mapping/element_ids"), (std::vector<std::uint32_t>{0, 0, 0}));
    EXPECT_EQ(r.read<double>(v + "/mapping/time"), (std::vector<double>{6 * 0.1, 12 * 0.1, 2 * 0.1}));
    EXPECT_EQ(r.string_attribute(v + "/mapping/time", "units"), "ms");

    const std::string g = "/report/exc/g_ex";
    EXPECT_EQ(r.shape(g + "/data"), (std::vector<hsize_t>{3, 1}));
    EXPECT_EQ(r.read<double>(g + "/data"), (std::vector<double>{1.5, 2.5, 3.5}));
    EXPECT_EQ(r.string_attribute(g + "/data", "units"), "nS");
    EXPECT_EQ(r.read<double>(g + "/mapping/time"), (std::vector<double>{0.0, 3 * 0.1, 1 * 0.1}));
}

TEST(state_report_writer, streams_through_a_small_buffer) {
    temp_dir dir;
    state_report_options options;
    options.probe_buffer_values = 5;
    options.chunk_values = 4;
    std::vector<double> expected;
    {
        state_report_writer w(dir / "report.h5", test::sample_provenance(), options);
        w.begin({probe(0, "exc", "v", {0, 1}, 1)}, 0.5);
        for (std::int64_t step = 100; step < 150; ++step) {
            const std::vector<double> row = {static_cast<double>(step), -static_cast<double>(step)};
            w.write_samples(0, step, 1, row);
            expected.insert(expected.end(), row.begin(), row.end());
        }
        w.finish();
    }
    const h5_reader r(dir / "report.h5");
    EXPECT_EQ(r.read<double>("/report/exc/v/data"), expected);
    EXPECT_EQ(r.read<double>("/report/exc/v/mapping/time"), (std::vector<double>{50.0, 75.0, 0.5}));
}

TEST(state_report_writer, a_probe_without_samples_has_an_empty_data_set) {
    temp_dir dir;
    {
        state_report_writer w(dir / "report.h5", test::sample_provenance());
        w.begin({probe(0, "exc", "v", {0, 1}, 4), probe(1, "inh", "v", {}, 1)}, 0.1);
        w.write_samples(1, 0, 2, {});
        w.finish();
    }
    const h5_reader r(dir / "report.h5");
    EXPECT_EQ(r.shape("/report/exc/v/data"), (std::vector<hsize_t>{0, 2}));
    EXPECT_EQ(r.read<double>("/report/exc/v/mapping/time"), (std::vector<double>{0.0, 0.0, 4 * 0.1}));
    EXPECT_EQ(r.shape("/report/inh/v/data"), (std::vector<hsize_t>{2, 0}));
}

TEST(state_report_writer, destroyed_without_finish_leaves_no_file) {
    temp_dir dir;
    const ssize_t open_before = test::open_hdf5_objects();
    {
        state_report_writer w(dir / "report.h5", test::sample_provenance());
        w.begin(two_probes, 0.1);
        w.write_samples(1, 0, 1, std::vector<double>{1.0});
    }
    EXPECT_TRUE(dir.entries().empty());
    EXPECT_EQ(test::open_hdf5_objects(), open_before);
}

TEST(state_report_writer, rejects_samples_off_the_grid_or_of_the_wrong_size) {
    temp_dir dir;
    state_report_writer w(dir / "report.h5", test::sample_provenance());
    w.begin(two_probes, 0.1);
    w.write_samples(0, 6, 1, std::vector<double>{1, 2, 3});
    try {
        w.write_samples(0, 10, 1, std::vector<double>{1, 2, 3});
        FAIL() << "a gap must throw";
    } catch (const core::error& e) {
        EXPECT_EQ(std::string(e.what()),
                  (dir / "report.h5").string() + ": report/exc/v: samples start at step 10, expected step 8");
    }
    EXPECT_THROW(w.write_samples(0, 8, 1, std::vector<double>{1, 2}), core::error);
    EXPECT_THROW(w.write_samples(2, 8, 1, std::vector<double>{1}), core::error);
    w.write_samples(0, 8, 1, std::vector<double>{4, 5, 6});
}

TEST(state_report_writer, rejects_bad_probes) {
    temp_dir dir;
    const std::string name = (dir / "report.h5").string();
    state_report_writer w(dir / "report.h5", test::sample_provenance());
    try {
        w.begin({probe(0, "exc", "v", {0}, 1), probe(0, "exc", "v", {1}, 1)}, 0.1);
        FAIL() << "must throw";
    } catch (const core::config_error& e) {
        EXPECT_EQ(std::string(e.what()), name + ": two probes record v of population 'exc'");
    }
    EXPECT_THROW(w.begin({probe(0, "exc", "v", {0}, 0)}, 0.1), core::config_error);
    EXPECT_THROW(w.begin({probe(0, "exc", "a/b", {0}, 1)}, 0.1), core::config_error);
    EXPECT_THROW(w.begin({probe(0, "exc", "v", {0}, 1)}, -0.1), core::config_error);
}

}  // namespace
}  // namespace sf::io
