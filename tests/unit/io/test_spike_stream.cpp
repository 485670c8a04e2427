// io/spike_stream.hpp: summaries equal what read_spikes reports, and the chunks, concatenated,
// are the spikes of read_spikes in time order (ties in time may differ in unit order for SONATA),
// with tiny budgets that force many chunks.
#include <gtest/gtest.h>
#include <hdf5.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "io/spike_readers.hpp"
#include "io/spike_stream.hpp"
#include "io_test_support.hpp"

namespace sf::io {
namespace {

using test::temp_dir;

template <class T>
void raw_dataset(hid_t parent, const char* name, hid_t file_type, hid_t memory_type, const std::vector<T>& values) {
    const hsize_t n = values.size();
    const hid_t space = H5Screate_simple(1, &n, nullptr);
    const hid_t ds = H5Dcreate2(parent, name, file_type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (n > 0) H5Dwrite(ds, memory_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data());
    H5Dclose(ds);
    H5Sclose(space);
}

// BrainGrid: column c fires at steps c + 1, c + 1 + 7, ... (rows[c] spikes), then 0 padding.
std::string write_braingrid(const temp_dir& dir, hsize_t columns, const std::vector<hsize_t>& spikes_of) {
    const std::string path = (dir / "bg.h5").string();
    hsize_t rows = 0;
    for (hsize_t n : spikes_of) rows = std::max(rows, n);
    std::vector<std::uint64_t> m(rows * columns, 0);
    for (hsize_t c = 0; c < columns; ++c)
        for (hsize_t r = 0; r < spikes_of[c]; ++r) m[r * columns + c] = c + 1 + 7 * r;
    const hid_t f = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    const hsize_t dims[2] = {rows, columns};
    const hid_t space = H5Screate_simple(2, dims, nullptr);
    const hid_t ds = H5Dcreate2(f, "spikesProbedNeurons", H5T_STD_U64LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Dwrite(ds, H5T_NATIVE_UINT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, m.data());
    H5Dclose(ds);
    H5Sclose(space);
    const std::vector<std::int32_t> zeros(columns, 0), types(columns, 2);
    raw_dataset(f, "xloc", H5T_STD_I32LE, H5T_NATIVE_INT32, zeros);
    raw_dataset(f, "yloc", H5T_STD_I32LE, H5T_NATIVE_INT32, zeros);
    raw_dataset(f, "neuronTypes", H5T_STD_I32LE, H5T_NATIVE_INT32, types);
    H5Fclose(f);
    return path;
}

// SONATA with populations "a" (ids 0..2) and "b" (ids 0..1); b's timestamps reversed if asked.
std::string write_sonata(const temp_dir& dir, std::size_t n, bool b_unsorted) {
    const std::string path = (dir / (b_unsorted ? "unsorted.h5" : "sorted.h5")).string();
    const hid_t f = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    for (const char* name : {"a", "b"}) {
        const bool is_b = name[0] == 'b';
        std::vector<double> t(n);
        std::vector<std::uint64_t> id(n);
        for (std::size_t i = 0; i < n; ++i) {
            t[i] = is_b ? 0.5 * static_cast<double>(i) + 0.25 : 0.3 * static_cast<double>(i);
            id[i] = i % (is_b ? 2 : 3);
        }
        if (is_b && b_unsorted) std::reverse(t.begin(), t.end());
        const std::string group = std::string("/spikes/") + name;
        const hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
        H5Pset_create_intermediate_group(lcpl, 1);
        const hid_t g = H5Gcreate2(f, group.c_str(), lcpl, H5P_DEFAULT, H5P_DEFAULT);
        H5Pclose(lcpl);
        raw_dataset(g, "timestamps", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, t);
        raw_dataset(g, "node_ids", H5T_STD_U64LE, H5T_NATIVE_UINT64, id);
        H5Gclose(g);
    }
    H5Fclose(f);
    return path;
}

struct streamed {
    std::vector<double> t;
    std::vector<std::uint32_t> unit;
    std::size_t chunks = 0;
    bool time_order = true;  // within and across chunks
};

streamed stream_all(const std::string& path, const read_options& o, const spike_file_summary& s) {
    streamed out;
    stream_spikes({path}, o, s, [&](const core::spike_trains& chunk) {
        ++out.chunks;
        EXPECT_EQ(chunk.unit_count, s.unit_count);
        EXPECT_EQ(chunk.t_stop_ms, s.t_stop_ms);
        for (std::size_t i = 0; i < chunk.size(); ++i) {
            if (!out.t.empty() && chunk.t_ms[i] < out.t.back()) out.time_order = false;
            out.t.push_back(chunk.t_ms[i]);
            out.unit.push_back(chunk.unit[i]);
        }
    });
    return out;
}

void expect_summary_matches(const spike_file_summary& s, const core::spike_dataset& d) {
    EXPECT_EQ(s.format, d.format);
    EXPECT_EQ(s.spikes, d.spikes.size());
    EXPECT_EQ(s.unit_count, d.spikes.unit_count);
    EXPECT_EQ(s.t_start_ms, d.spikes.t_start_ms);
    EXPECT_EQ(s.t_stop_ms, d.spikes.t_stop_ms);
}

TEST(spike_stream, braingrid_one_row_blocks_give_read_spikes_table) {
    temp_dir dir;
    // Unequal columns: column 2 ends early (padding), column 4 never fires.
    const std::string path = write_braingrid(dir, 5, {40, 35, 3, 40, 0});
    read_options tiny;
    tiny.memory_budget_bytes = 1;  // one row per block
    const spike_file_summary s = summarize_spikes({path}, tiny);
    const core::spike_dataset d = read_spikes({path});
    EXPECT_TRUE(s.bounded_memory);
    expect_summary_matches(s, d);
    const streamed got = stream_all(path, tiny, s);
    EXPECT_GT(got.chunks, 20u);
    EXPECT_TRUE(got.time_order);
    EXPECT_EQ(got.t, d.spikes.t_ms);  // BrainGrid's merge also orders ties by unit
    EXPECT_EQ(got.unit, d.spikes.unit);
}

TEST(spike_stream, sonata_populations_are_merged_by_time_in_bounded_chunks) {
    temp_dir dir;
    const std::string path = write_sonata(dir, 5000, false);
    read_options tiny;
    tiny.memory_budget_bytes = 1;  // the minimum slices and chunks: 1024 spikes
    const spike_file_summary s = summarize_spikes({path}, tiny);
    const core::spike_dataset d = read_spikes({path});
    EXPECT_TRUE(s.bounded_memory);
    EXPECT_TRUE(s.note.empty());
    expect_summary_matches(s, d);
    EXPECT_EQ(s.unit_count, 5u);
    const streamed got = stream_all(path, tiny, s);
    EXPECT_GE(got.chunks, 9u);  // 10 000 spikes in chunks of 1 024
    EXPECT_TRUE(got.time_order);
    EXPECT_EQ(got.t, d.spikes.t_ms);
    EXPECT_EQ(got.unit, d.spikes.unit);  // no equal times in this file: the order is unique
}

TEST(spike_stream, unsorted_sonata_population_is_read_whole_with_a_note) {
    temp_dir dir;
    const std::string path = write_sonata(dir, 3000, true);
    read_options tiny;
    tiny.memory_budget_bytes = 1;
    const spike_file_summary s = summarize_spikes({path}, tiny);
    EXPECT_FALSE(s.bounded_memory);
    EXPECT_NE(s.note.find("/spikes/b/timestamps is not sorted by time"), std::string::npos) << s.note;
    const core::spike_dataset d = read_spikes({path});
    expect_summary_matches(s, d);
    const streamed got = stream_all(path, tiny, s);
    EXPECT_EQ(got.chunks, 1u);
    EXPECT_EQ(got.t, d.spikes.t_ms);
    EXPECT_EQ(got.unit, d.spikes.unit);
}

}  // namespace
}  // namespace sf::io
