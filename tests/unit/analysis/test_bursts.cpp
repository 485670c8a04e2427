#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <vector>

#include "analysis/bursts.hpp"
#include "core/error.hpp"

namespace {

using sf::analysis::avalanche_burst;
using sf::analysis::avalanche_detector;

struct row {
    std::int64_t step;
    std::uint64_t count;
};

std::vector<avalanche_burst> run(const std::vector<row>& rows, double mean_isi, std::uint64_t min_spikes,
                                 std::uint64_t* avalanches = nullptr) {
    std::vector<avalanche_burst> out;
    avalanche_detector d(mean_isi, min_spikes, [&](const avalanche_burst& b) { out.push_back(b); });
    for (const auto& r : rows) d.add(r.step, r.count);
    d.finish();
    if (avalanches) *avalanches = d.avalanches();
    return out;
}

// The seed's rules, worked by hand. mean ISI 5 steps. Rows (1-based):
//  1:t=0   2:t=100  3:t=102 4:t=104 5:t=200 6:t=300(x3) 7:t=400 8:t=402 9:t=500 10:t=600
// Avalanche A opens at row 2 (gap 2 < 5), takes 3, 4 (gap(3)=2), ends at 4 (gap(4)=96).
// Row 5 is skipped (the row after an avalanche). Row 6 opens (count 3 > 1) and takes row 7
// unconditionally, then gap(7)=2 takes row 8, gap(8)=98 ends it: avalanche B = rows 6..8.
// Row 9 skipped; row 10 is the last row R, never reached.
TEST(avalanche_detector, follows_the_seed_rules) {
    const std::vector<row> rows = {{0, 1},   {100, 1}, {102, 1}, {104, 1}, {200, 1},
                                   {300, 3}, {400, 1}, {402, 1}, {500, 1}, {600, 1}};
    std::uint64_t avalanches = 0;
    const auto bursts = run(rows, 5.0, 0, &avalanches);  // threshold 0: every avalanche is a burst
    EXPECT_EQ(avalanches, 2u);
    ASSERT_EQ(bursts.size(), 2u);
    EXPECT_EQ(bursts[0].id, 1u);
    EXPECT_EQ(bursts[0].start_row, 2u);
    EXPECT_EQ(bursts[0].end_row, 4u);
    EXPECT_EQ(bursts[0].start_step, 100);
    EXPECT_EQ(bursts[0].end_step, 104);
    EXPECT_EQ(bursts[0].width, 3u);
    EXPECT_EQ(bursts[0].total_spikes, 3u);
    EXPECT_EQ(bursts[0].ibi_steps, 100);  // first burst: StartT - first spike step (0)
    EXPECT_EQ(bursts[1].start_row, 6u);
    EXPECT_EQ(bursts[1].end_row, 8u);
    EXPECT_EQ(bursts[1].total_spikes, 5u);
    EXPECT_EQ(bursts[1].width, 3u);
    EXPECT_EQ(bursts[1].ibi_steps, 300 - 104);
}

TEST(avalanche_detector, threshold_is_strictly_more_than) {
    const std::vector<row> rows = {{10, 1}, {11, 1}, {12, 1}, {100, 1}, {200, 1}};
    EXPECT_EQ(run(rows, 5.0, 3).size(), 0u);  // exactly 3 spikes is not > 3
    EXPECT_EQ(run(rows, 5.0, 2).size(), 1u);
}

TEST(avalanche_detector, row_after_an_avalanche_never_opens_one) {
    // Rows 1-2 form an avalanche ending at 2 (gap(2)=50); row 3 could open (gap(3)=1) but is
    // skipped; row 4 opens with row 5.
    const std::vector<row> rows = {{0, 1}, {1, 1}, {51, 1}, {52, 1}, {53, 1}, {200, 1}, {300, 1}};
    const auto bursts = run(rows, 5.0, 0);
    ASSERT_EQ(bursts.size(), 2u);
    EXPECT_EQ(bursts[1].start_row, 4u);
    EXPECT_EQ(bursts[1].end_row, 5u);
}

TEST(avalanche_detector, last_row_is_never_part_of_an_avalanche) {
    // All gaps small: the avalanche runs to row R-1 and stops there.
    const std::vector<row> rows = {{0, 1}, {1, 1}, {2, 1}, {3, 1}, {4, 1}};
    const auto bursts = run(rows, 5.0, 0);
    ASSERT_EQ(bursts.size(), 1u);
    EXPECT_EQ(bursts[0].start_row, 1u);
    EXPECT_EQ(bursts[0].end_row, 4u);
    EXPECT_EQ(bursts[0].total_spikes, 4u);
}

TEST(avalanche_detector, equal_steps_merge_into_one_row_and_order_is_checked) {
    std::vector<avalanche_burst> out;
    avalanche_detector d(5.0, 0, [&](const avalanche_burst& b) { out.push_back(b); });
    for (std::int64_t s : {0, 0, 0, 1, 1, 50, 60}) d.add(s);
    EXPECT_THROW(d.add(59), std::invalid_argument);
    d.finish();
    EXPECT_EQ(d.rows(), 4u);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].total_spikes, 5u);  // rows 1 (3 spikes) and 2 (2 spikes)
}

TEST(detect_avalanche_bursts, mean_isi_is_duration_over_spikes) {
    sf::core::spike_trains s;
    s.unit_count = 1;
    s.t_start_ms = 0;
    s.t_stop_ms = 100;                 // 1000 steps of 0.1 ms, 4 spikes -> mean ISI 250 steps
    s.t_ms = {1.0, 20.0, 40.0, 90.0};  // steps 10, 200, 400, 900: gaps 190, 200, 500
    s.unit = {0, 0, 0, 0};
    sf::analysis::avalanche_options o;
    o.min_spikes = 0;
    const auto result = sf::analysis::detect_avalanche_bursts(s, o);
    const auto& bursts = result.bursts;
    EXPECT_EQ(result.rows, 4u);
    EXPECT_DOUBLE_EQ(result.mean_isi_steps, 250.0);
    // Row 1 opens (gap 190 < 250), takes row 2, gap(2) = 200 < 250 takes row 3 = R-1, the end.
    ASSERT_EQ(bursts.size(), 1u);
    EXPECT_EQ(bursts[0].start_step, 10);
    EXPECT_EQ(bursts[0].end_step, 400);
    o.duration_steps = 400;  // mean ISI 100 steps: no gap is small enough
    EXPECT_TRUE(sf::analysis::detect_avalanche_bursts(s, o).bursts.empty());
    o.dt_ms = 0;
    EXPECT_THROW(sf::analysis::detect_avalanche_bursts(s, o), sf::core::config_error);
}

sf::core::spike_trains binned_input() {
    // 10 units, 10 ms bins, threshold 0.05 spikes/unit/bin = 0.5 spikes per bin -> >= 1 spike.
    sf::core::spike_trains s;
    s.unit_count = 10;
    s.t_start_ms = 0;
    s.t_stop_ms = 100;
    s.t_ms = {1, 2, 12, 15, 15, 35, 51, 99.5, 100.0, 100.5};  // bins 0,0,1,1,1,3,5,9,9; 100.5 is outside
    s.unit.assign(s.t_ms.size(), 0);
    return s;
}

TEST(detect_binned_bursts, maximal_runs_of_bins_at_threshold) {
    sf::analysis::binned_options o;
    o.min_spikes_per_unit = 0.1;  // 1 spike / 10 units: every non-empty bin
    const auto b = sf::analysis::detect_binned_bursts(binned_input(), o);
    ASSERT_EQ(b.size(), 4u);
    EXPECT_EQ(b[0].start_bin, 0u);
    EXPECT_EQ(b[0].end_bin, 1u);
    EXPECT_EQ(b[0].total_spikes, 5u);
    EXPECT_EQ(b[0].peak_bin, 1u);
    EXPECT_DOUBLE_EQ(b[0].start_ms, 0.0);
    EXPECT_DOUBLE_EQ(b[0].end_ms, 20.0);
    EXPECT_TRUE(std::isnan(b[0].ibi_ms));
    EXPECT_EQ(b[1].start_bin, 3u);
    EXPECT_DOUBLE_EQ(b[1].ibi_ms, 10.0);
    EXPECT_EQ(b[3].start_bin, 9u);
    EXPECT_EQ(b[3].total_spikes, 2u);  // t = 100 ms = t_stop is in the closed last bin
    o.min_spikes_per_unit = 0.2;       // >= 2 spikes per bin
    const auto b2 = sf::analysis::detect_binned_bursts(binned_input(), o);
    ASSERT_EQ(b2.size(), 2u);
    EXPECT_EQ(b2[0].width_bins, 2u);
    EXPECT_EQ(b2[1].start_bin, 9u);
    o.bin_ms = -1;
    EXPECT_THROW(sf::analysis::detect_binned_bursts(binned_input(), o), sf::core::config_error);
}

// The streaming form keeps its run open across add() calls: feeding one spike at a time (the
// smallest chunks a reader can produce) gives exactly the whole-train result.
TEST(binned_detector, spike_by_spike_equals_the_whole_train) {
    sf::analysis::binned_options o;
    o.min_spikes_per_unit = 0.1;
    const sf::core::spike_trains s = binned_input();
    const auto whole = sf::analysis::detect_binned_bursts(s, o);
    sf::analysis::binned_detector d(o, s.t_start_ms, s.t_stop_ms, s.unit_count);
    for (double t : s.t_ms) d.add(t);
    const auto pieces = d.finish();
    ASSERT_EQ(pieces.size(), whole.size());
    for (std::size_t i = 0; i < whole.size(); ++i) {
        EXPECT_EQ(pieces[i].start_bin, whole[i].start_bin);
        EXPECT_EQ(pieces[i].end_bin, whole[i].end_bin);
        EXPECT_EQ(pieces[i].total_spikes, whole[i].total_spikes);
        EXPECT_EQ(pieces[i].peak_bin, whole[i].peak_bin);
    }
}

TEST(binned_detector, time_going_back_is_rejected) {
    sf::analysis::binned_detector d({}, 0.0, 100.0, 10);
    d.add(50.0);
    EXPECT_THROW(d.add(49.0), std::invalid_argument);
    EXPECT_THROW(sf::analysis::binned_detector({}, 0.0, 100.0, 0), sf::core::config_error);
}

TEST(avalanche_duration_steps, option_or_span_over_dt) {
    sf::analysis::avalanche_options o;
    o.dt_ms = 0.5;
    EXPECT_DOUBLE_EQ(sf::analysis::avalanche_duration_steps(o, 0.0, 100.0), 200.0);
    o.duration_steps = 7.0;
    EXPECT_DOUBLE_EQ(sf::analysis::avalanche_duration_steps(o, 0.0, 100.0), 7.0);
    o.duration_steps = 0.0;
    EXPECT_THROW(sf::analysis::avalanche_duration_steps(o, 5.0, 5.0), sf::core::config_error);
}

}  // namespace
