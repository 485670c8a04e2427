// What the spike readers share: one-line input errors, checks of spike times, and assembling
// per-population spikes into one time-sorted core::spike_dataset with global unit ids.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/spike_data.hpp"
#include "io/hdf5.hpp"

namespace sf::io::readers {

// Throws core::input_error "<file>: <where>: <problem>; expected <expected>" (one line).
[[noreturn]] void bad_input(std::string_view file, std::string_view where, std::string_view problem,
                            std::string_view expected);

// Times in seconds beyond this are taken as a file in ms declared as seconds: 1e5 s = 27.8 h,
// longer than any single recording session we know of, while 1e5 ms = 100 s is common.
inline constexpr double max_plausible_seconds = 1.0e5;

// Rejects a NaN/infinite or negative time t (in the file's unit) of spike #index.
void check_spike_time(std::string_view file, std::string_view where, std::uint64_t index, double t);
// Rejects a seconds-based time that is implausibly large (see max_plausible_seconds).
void check_plausible_seconds(std::string_view file, std::string_view where, double max_time_s);

// The spikes of one population while a file is read: population-local node ids.
struct population_spikes {
    std::string name;
    std::uint64_t size = 0;               // units; at least max node id + 1
    std::vector<double> t_ms;             // [ms]
    std::vector<std::uint64_t> node;      // population-local id (a row of this population)
    std::vector<std::uint64_t> node_ids;  // optional: file id of each row (size entries); empty = 0..size-1
};

// Concatenates populations in the given order (global unit = population offset + local id),
// fills the unit table, sorts by (time, unit), sets t_start = 0 and t_stop = the last spike
// (or t_stop_ms if larger), and validates. Throws core::input_error if the units exceed uint32.
core::spike_dataset assemble(std::string_view file, std::vector<population_spikes>&& populations, std::string format,
                             double t_stop_ms = 0.0);

// Sets t_start = 0 and t_stop = max(t_stop_ms, last spike), sorts if needed, validates.
// already_sorted: the reader guarantees (time, unit) order (BrainGrid's merge); a violation is
// then an internal error (core::error, exit 1) instead of being hidden by a sort.
void finish(std::string_view file, core::spike_dataset& data, double t_stop_ms = 0.0, bool already_sorted = false);

// What a spikeforge output's provenance config (TOML) says about the run: t_stop_ms under
// [simulation] or [convert], units under [convert], and name / n of each [[population]]. Used
// so that rates count the silent time after the last spike and the silent units. Absent: 0.
struct recorded_run {
    double t_stop_ms = 0.0;
    std::uint64_t units = 0;
    std::map<std::string, std::uint64_t> population_size;
};
recorded_run parse_recorded_run(std::string_view config_toml);
// The same from the root attribute `config` of an HDF5 file (empty if absent).
recorded_run recorded_run_of_hdf5(const h5::group& root);

// Runs an HDF5 reader: HDF5 failures (core::io_error from the wrappers) of a file that exists
// become core::input_error, because for a read-only open they mean a truncated or malformed
// file (exit 3), not a failing disk.
core::spike_dataset run_hdf5_reader(const std::string& path, const std::function<core::spike_dataset()>& read);

}  // namespace sf::io::readers
