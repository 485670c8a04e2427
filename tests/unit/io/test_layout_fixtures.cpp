// Writes one small file of each kind for tests/python/test_io_layout.py, which checks them with
// h5py (the reader most users will open them with). With SF_IO_LAYOUT_DIR set, the files are
// kept in that folder; otherwise they go to a temporary folder and only their presence is
// checked here.
#include <gtest/gtest.h>

#include <cstdlib>
#include <optional>
#include <vector>

#include "io/nwb_units.hpp"
#include "io/sonata_spikes.hpp"
#include "io/state_report.hpp"
#include "io_test_support.hpp"

namespace sf::io {
namespace {

namespace fs = std::filesystem;

// dt = 0.1 ms; exc has 3 nodes, inh 2; spikes: (step, population, node).
const std::vector<core::population_info> populations = {{"exc", "iaf_psc_exp", 3}, {"inh", "iaf_psc_exp", 2}};

void feed_spikes(core::spike_sink& sink) {
    sink.begin(populations, 0.1);
    sink.write_spikes(0, std::vector<std::int64_t>{10, 10, 20}, std::vector<std::uint32_t>{2, 0, 2});
    sink.write_spikes(1, std::vector<std::int64_t>{15}, std::vector<std::uint32_t>{1});
    sink.write_spikes(0, std::vector<std::int64_t>{30}, std::vector<std::uint32_t>{0});
    sink.finish();
}

void write_fixtures(const fs::path& dir) {
    sonata_spike_writer spikes(dir / "spikes.h5", test::sample_provenance());
    feed_spikes(spikes);
    nwb_units_writer units(dir / "units.nwb", test::sample_provenance());
    feed_spikes(units);

    // Aggregate initialisation: assigning the one-character "v" trips GCC 12's false -Wrestrict.
    const core::state_probe v{0, "exc", "v", "mV", {2, 0}, 5};
    state_report_writer report(dir / "report.h5", test::sample_provenance());
    report.begin({v}, 0.1);
    report.write_samples(0, 5, 3, std::vector<double>{-70, -65, -69, -64, -68, -63});
    report.finish();
}

TEST(io_layout_fixtures, writes_one_file_of_each_kind) {
    std::optional<test::temp_dir> scratch;
    fs::path dir;
    if (const char* keep = std::getenv("SF_IO_LAYOUT_DIR"); keep != nullptr && *keep != '\0') {
        dir = keep;
        fs::create_directories(dir);
    } else {
        dir = scratch.emplace().path();
    }
    write_fixtures(dir);
    for (const char* name : {"spikes.h5", "units.nwb", "report.h5"}) {
        EXPECT_TRUE(fs::exists(dir / name)) << name;
    }
}

}  // namespace
}  // namespace sf::io
