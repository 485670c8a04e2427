#include <gtest/gtest.h>

#include <cmath>
#include <regex>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "io/nwb_units.hpp"
#include "io_test_support.hpp"

namespace sf::io {
namespace {

using test::h5_reader;
using test::temp_dir;

const std::regex uuid4_pattern("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");

TEST(make_uuid4, gives_distinct_version_4_uuids) {
    std::set<std::string> seen;
    for (int i = 0; i < 100; ++i) {
        const std::string id = make_uuid4();
        EXPECT_TRUE(std::regex_match(id, uuid4_pattern)) << id;
        seen.insert(id);
    }
    EXPECT_EQ(seen.size(), 100u);
}

// Populations exc (3 nodes) and inh (2 nodes), spikes delivered in time order in batches.
void write_small_run(const std::filesystem::path& path, nwb_options options = {}) {
    nwb_units_writer w(path, test::sample_provenance(), std::move(options));
    w.begin({{"exc", "iaf_psc_exp", 3}, {"inh", "iaf_psc_exp", 2}}, 0.1);
    w.write_spikes(0, std::vector<std::int64_t>{10, 10, 20}, std::vector<std::uint32_t>{2, 0, 2});
    w.write_spikes(1, std::vector<std::int64_t>{15}, std::vector<std::uint32_t>{1});
    w.write_spikes(0, std::vector<std::int64_t>{30}, std::vector<std::uint32_t>{0});
    w.finish();
}

TEST(nwb_units_writer, writes_the_nwb_file_structure) {
    temp_dir dir;
    const ssize_t open_before = test::open_hdf5_objects();
    write_small_run(dir / "run.nwb");
    EXPECT_EQ(test::open_hdf5_objects(), open_before);
    EXPECT_EQ(dir.entries(), std::vector<std::string>{"run.nwb"});
    const h5_reader r(dir / "run.nwb");

    EXPECT_EQ(r.string_attribute("/", "namespace"), "core");
    EXPECT_EQ(r.string_attribute("/", "neurodata_type"), "NWBFile");
    EXPECT_EQ(r.string_attribute("/", "nwb_version"), "2.5.0");
    EXPECT_TRUE(std::regex_match(r.string_attribute("/", "object_id"), uuid4_pattern));
    EXPECT_EQ(r.string_attribute("/", "spikeforge_version"), "0.1.0");
    EXPECT_EQ(r.numeric_attribute<std::uint64_t>("/", "seed"), std::vector<std::uint64_t>{12345678901234ULL});

    EXPECT_TRUE(std::regex_match(r.read_strings("/identifier").at(0), uuid4_pattern));
    EXPECT_EQ(r.read_strings("/session_description"), std::vector<std::string>{"spikeforge simulation"});
    EXPECT_EQ(r.read_strings("/session_start_time"), std::vector<std::string>{"2026-11-22T04:00:00Z"});
    EXPECT_EQ(r.read_strings("/timestamps_reference_time"), std::vector<std::string>{"2026-11-22T04:00:00Z"});
    EXPECT_EQ(r.shape("/file_create_date"), std::vector<hsize_t>{1});
    for (const char* group : {"/acquisition", "/analysis", "/processing", "/stimulus/presentation",
                              "/stimulus/templates", "/general", "/units"}) {
        EXPECT_TRUE(r.is_group(group)) << group;
    }
    EXPECT_EQ(r.read_strings("/general/source_script"),
              std::vector<std::string>{test::sample_provenance().config_toml});
}

TEST(nwb_units_writer, writes_one_unit_per_node_with_its_spikes_in_seconds) {
    temp_dir dir;
    write_small_run(dir / "run.nwb");
    const h5_reader r(dir / "run.nwb");

    EXPECT_EQ(r.string_attribute("/units", "neurodata_type"), "Units");
    EXPECT_EQ(r.string_attribute("/units", "namespace"), "core");
    EXPECT_TRUE(r.has_attribute("/units", "description"));
    EXPECT_TRUE(std::regex_match(r.string_attribute("/units", "object_id"), uuid4_pattern));
    EXPECT_EQ(r.string_array_attribute("/units", "colnames"),
              (std::vector<std::string>{"spike_times", "population", "node_id"}));

    EXPECT_EQ(r.read<std::int64_t>("/units/id"), (std::vector<std::int64_t>{0, 1, 2, 3, 4}));
    EXPECT_EQ(r.dataset_type("/units/id").size, 8u);
    EXPECT_EQ(r.dataset_type("/units/id").sign, H5T_SGN_2);
    EXPECT_EQ(r.read_strings("/units/population"), (std::vector<std::string>{"exc", "exc", "exc", "inh", "inh"}));
    EXPECT_EQ(r.read<std::uint64_t>("/units/node_id"), (std::vector<std::uint64_t>{0, 1, 2, 0, 1}));
    // exc0: steps 10, 30; exc1: none; exc2: 10, 20; inh0: none; inh1: 15 (dt = 0.1 ms).
    EXPECT_EQ(
        r.read<double>("/units/spike_times"),
        (std::vector<double>{10 * 0.1 / 1000, 30 * 0.1 / 1000, 10 * 0.1 / 1000, 20 * 0.1 / 1000, 15 * 0.1 / 1000}));
    EXPECT_EQ(r.read<std::uint64_t>("/units/spike_times_index"), (std::vector<std::uint64_t>{2, 2, 4, 4, 5}));
    EXPECT_DOUBLE_EQ(r.numeric_attribute<double>("/units/spike_times", "resolution").at(0), 0.1 / 1000);

    EXPECT_EQ(r.string_attribute("/units/spike_times", "neurodata_type"), "VectorData");
    EXPECT_EQ(r.string_attribute("/units/spike_times_index", "neurodata_type"), "VectorIndex");
    EXPECT_EQ(r.string_attribute("/units/spike_times_index", "namespace"), "hdmf-common");
    EXPECT_EQ(r.referenced_path("/units/spike_times_index", "target"), "/units/spike_times");
    EXPECT_EQ(r.string_attribute("/units/id", "neurodata_type"), "ElementIdentifiers");
    for (const char* column :
         {"/units/spike_times", "/units/spike_times_index", "/units/population", "/units/node_id"}) {
        EXPECT_TRUE(r.has_attribute(column, "description")) << column;
        EXPECT_TRUE(r.has_attribute(column, "object_id")) << column;
    }
}

TEST(nwb_units_writer, options_set_identifier_description_and_start_time) {
    temp_dir dir;
    nwb_options options;
    options.identifier = "run-42";
    options.session_description = "balanced network";
    options.session_start_time = "2027-01-01T12:00:00Z";
    write_small_run(dir / "run.nwb", options);
    const h5_reader r(dir / "run.nwb");
    EXPECT_EQ(r.read_strings("/identifier"), std::vector<std::string>{"run-42"});
    EXPECT_EQ(r.read_strings("/session_description"), std::vector<std::string>{"balanced network"});
    EXPECT_EQ(r.read_strings("/session_start_time"), std::vector<std::string>{"2027-01-01T12:00:00Z"});
}

TEST(nwb_units_writer, destroyed_without_finish_leaves_no_file) {
    temp_dir dir;
    const ssize_t open_before = test::open_hdf5_objects();
    {
        nwb_units_writer w(dir / "run.nwb", test::sample_provenance());
        w.begin({{"exc", "m", 3}}, 0.1);
        w.write_spikes(0, std::vector<std::int64_t>{1}, std::vector<std::uint32_t>{0});
        EXPECT_TRUE(std::filesystem::exists(dir / "run.nwb.tmp"));
    }
    EXPECT_TRUE(dir.entries().empty());
    EXPECT_EQ(test::open_hdf5_objects(), open_before);
}

TEST(nwb_units_writer, rejects_nodes_outside_the_population) {
    temp_dir dir;
    nwb_units_writer w(dir / "run.nwb", test::sample_provenance());
    w.begin({{"exc", "m", 3}}, 0.1);
    try {
        w.write_spikes(0, std::vector<std::int64_t>{1}, std::vector<std::uint32_t>{3});
        FAIL() << "must throw";
    } catch (const core::error& e) {
        EXPECT_EQ(std::string(e.what()),
                  (dir / "run.nwb").string() + ": spike of node 3 in population 'exc' of 3 nodes");
    }
    EXPECT_THROW(w.write_spikes(1, {}, {}), core::error);
    EXPECT_THROW(w.begin({{"exc", "m", 3}}, 0.1), core::error);
}

TEST(write_nwb_units, sorts_each_units_spikes_whatever_the_input_order) {
    temp_dir dir;
    const std::vector<double> t_ms = {50.0, 10.0, 30.0, 20.0, 40.0};
    const std::vector<std::uint32_t> nodes = {1, 1, 0, 1, 0};
    const std::vector<nwb_population_spikes> populations = {{"net", 2, t_ms, nodes}};
    write_nwb_units(dir / "u.nwb", populations, test::sample_provenance());
    const h5_reader r(dir / "u.nwb");
    EXPECT_EQ(r.read<double>("/units/spike_times"), (std::vector<double>{0.03, 0.04, 0.01, 0.02, 0.05}));
    EXPECT_EQ(r.read<std::uint64_t>("/units/spike_times_index"), (std::vector<std::uint64_t>{2, 5}));
    EXPECT_EQ(r.numeric_attribute<double>("/units/spike_times", "resolution"), std::vector<double>{-1.0});
}

TEST(write_nwb_units, no_populations_give_an_empty_units_table) {
    temp_dir dir;
    write_nwb_units(dir / "u.nwb", {}, test::sample_provenance());
    const h5_reader r(dir / "u.nwb");
    EXPECT_EQ(r.shape("/units/id"), std::vector<hsize_t>{0});
    EXPECT_EQ(r.shape("/units/spike_times"), std::vector<hsize_t>{0});
    EXPECT_EQ(r.shape("/units/population"), std::vector<hsize_t>{0});
}

TEST(write_nwb_units, bad_input_writes_nothing) {
    temp_dir dir;
    const std::vector<double> t_ms = {1.0, std::nan("")};
    const std::vector<std::uint32_t> nodes = {0, 0};
    const std::vector<std::uint32_t> too_large = {0, 5};
    const std::vector<std::uint32_t> one = {0};
    const std::vector<double> ok_t = {1.0, 2.0};
    EXPECT_THROW(write_nwb_units(dir / "u.nwb", std::vector<nwb_population_spikes>{{"a", 2, t_ms, nodes}},
                                 test::sample_provenance()),
                 core::input_error);
    EXPECT_THROW(write_nwb_units(dir / "u.nwb", std::vector<nwb_population_spikes>{{"a", 2, ok_t, too_large}},
                                 test::sample_provenance()),
                 core::input_error);
    EXPECT_THROW(write_nwb_units(dir / "u.nwb", std::vector<nwb_population_spikes>{{"a", 2, ok_t, one}},
                                 test::sample_provenance()),
                 std::invalid_argument);
    EXPECT_THROW(write_nwb_units(dir / "u.nwb", std::vector<nwb_population_spikes>{{"a", 2, {}, {}}, {"a", 1, {}, {}}},
                                 test::sample_provenance()),
                 core::config_error);
    EXPECT_TRUE(dir.entries().empty());
}

}  // namespace
}  // namespace sf::io
