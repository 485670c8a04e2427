// BrainGrid HDF5 output: /spikesProbedNeurons [max_spikes x neurons] of integer time steps,
// one column per probed neuron, ascending down the column, 0 = no spike (padding at the end
// of each column); /xloc, /yloc (grid position), /neuronTypes (1 = inhibitory, 2 =
// excitatory, BrainGrid's neuronType enum), optional /probedNeurons (neuron of each column),
// /starterNeurons (endogenously active neurons), /simulationEndTime [s]. t = step x dt_ms.
//
// Streaming merge: the matrix is read in blocks of whole rows. Each column is ascending, so
// once every still-active column has been read up to step w, no spike at a step <= w can
// appear later: those spikes are final and leave the pending set in (step, neuron) order.
// Memory besides the result (12 bytes per spike): the row block (at most a quarter of
// read_options::memory_budget_bytes, at least one row), 9 bytes per neuron, 16 bytes per
// pending spike (read but beyond the watermark w) and 32 while a block is merged in, plus
// HDF5's chunk cache (1 MiB per dataset by default).
#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "io/hdf5.hpp"
#include "io/readers/reader_common.hpp"
#include "io/readers/readers.hpp"

namespace sf::io::readers {

namespace {

using step_neuron = std::pair<std::uint64_t, std::uint32_t>;  // (time step, column)

h5::dataset open_required(const h5::group& root, std::string_view name, std::string_view expected) {
    if (!root.contains(name)) {
        bad_input(root.file_name(), fmt::format("/{}", name), "dataset missing", expected);
    }
    return root.open_dataset(name);
}

void require_integer(const h5::dataset& ds, std::string_view expected) {
    const h5::stored_type type = h5::type_of(ds);
    // Unsigned only: HDF5 would clip negative signed steps to 0, i.e. silently to padding.
    if (type.type_class != h5::stored_class::integer || type.is_signed) {
        bad_input(ds.file_name(), ds.path(), fmt::format("dtype {}", h5::type_name(type)), expected);
    }
}

// A per-neuron vector of `n` numbers (xloc, yloc, neuronTypes, probedNeurons).
std::vector<double> read_per_neuron(const h5::group& root, std::string_view name, std::uint64_t n, bool required) {
    if (!required && !root.contains(name)) {
        return {};
    }
    const h5::dataset ds = open_required(root, name, fmt::format("{} values, one per neuron", n));
    const h5::stored_type type = h5::type_of(ds);
    if (type.type_class != h5::stored_class::integer && type.type_class != h5::stored_class::floating) {
        bad_input(ds.file_name(), ds.path(), fmt::format("dtype {}", h5::type_name(type)), "numbers");
    }
    std::vector<double> values(h5::detail::vector_length(ds));
    h5::read_slice<double>(ds, 0, values);
    if (values.size() < n) {
        bad_input(ds.file_name(), ds.path(), fmt::format("{} values", values.size()),
                  fmt::format("{} (one per neuron)", n));
    }
    return values;
}

// The streaming merge state (see the file comment).
class column_merge {
public:
    column_merge(std::string file, std::uint32_t neurons, double dt_ms)
        : file_(std::move(file)), last_(neurons, 0), active_(neurons, 1), dt_ms_(dt_ms) {}

    // Adds a block of rows (row-major, `neurons` columns) starting at row `first_row`.
    void add_block(const std::vector<std::uint64_t>& block, std::uint64_t first_row, std::uint64_t n_rows) {
        std::vector<step_neuron> fresh;
        const auto neurons = static_cast<std::uint32_t>(last_.size());
        for (std::uint64_t r = 0; r < n_rows; ++r) {
            const std::uint64_t* row = block.data() + r * neurons;
            for (std::uint32_t c = 0; c < neurons; ++c) {
                take(row[c], first_row + r, c, fresh);
            }
        }
        std::sort(fresh.begin(), fresh.end());
        merge_into_pending(fresh);
        emit_up_to(watermark());
    }

    // Every column has been read to its end: all pending spikes are final.
    void finish() { emit_up_to(std::numeric_limits<std::uint64_t>::max()); }

    core::spike_trains take_result() { return std::move(out_); }

private:
    void take(std::uint64_t step, std::uint64_t row, std::uint32_t c, std::vector<step_neuron>& fresh) {
        if (step == 0) {
            active_[c] = 0;  // padding: this column has no more spikes
            return;
        }
        if (active_[c] == 0) {
            bad_input(file_, "/spikesProbedNeurons",
                      fmt::format("column {} has step {} at row {} after its 0 padding", c, step, row),
                      "0 only as padding at the end of a column");
        }
        if (step <= last_[c]) {
            bad_input(file_, "/spikesProbedNeurons",
                      fmt::format("column {} has step {} at row {} after step {}", c, step, row, last_[c]),
                      "strictly ascending time steps down each column");
        }
        last_[c] = step;
        fresh.emplace_back(step, c);
    }

    // The step up to which every spike has been read: the smallest last step of the columns
    // that may still spike (a column that never spiked yet contributes 0: nothing is final).
    std::uint64_t watermark() const {
        std::uint64_t w = std::numeric_limits<std::uint64_t>::max();
        for (std::size_t c = 0; c < last_.size(); ++c) {
            if (active_[c] != 0) w = std::min(w, last_[c]);
        }
        return w;
    }

    void merge_into_pending(const std::vector<step_neuron>& fresh) {
        std::vector<step_neuron> merged(pending_.size() + fresh.size());
        std::merge(pending_.begin(), pending_.end(), fresh.begin(), fresh.end(), merged.begin());
        pending_.swap(merged);
    }

    void emit_up_to(std::uint64_t w) {
        const auto end = std::upper_bound(pending_.begin(), pending_.end(),
                                          step_neuron{w, std::numeric_limits<std::uint32_t>::max()});
        for (auto it = pending_.begin(); it != end; ++it) {
            out_.t_ms.push_back(static_cast<double>(it->first) * dt_ms_);
            out_.unit.push_back(it->second);
        }
        pending_.erase(pending_.begin(), end);
    }

    std::string file_;
    std::vector<std::uint64_t> last_;   // last step read per column
    std::vector<std::uint8_t> active_;  // 1 until the column's padding starts
    double dt_ms_;
    std::vector<step_neuron> pending_;  // read, not yet final; sorted
    core::spike_trains out_;
};

// Rows per block: a quarter of the budget, at least one row. For a chunked (e.g. compressed)
// matrix the block is rounded down to whole bands of chunk rows when a band fits, so that each
// chunk is read and decompressed once; otherwise HDF5 reads the partial chunks again per block
// (slower, still within the budget).
std::uint64_t rows_per_block(const h5::dataset& ds, std::uint64_t neurons, std::uint64_t budget_bytes) {
    const std::uint64_t row_bytes = std::max<std::uint64_t>(neurons, 1) * sizeof(std::uint64_t);
    const std::uint64_t rows = std::max<std::uint64_t>(1, budget_bytes / 4 / row_bytes);
    const std::vector<std::uint64_t> chunk = h5::chunk_shape(ds);
    if (chunk.size() == 2 && chunk[0] > 0 && rows >= chunk[0]) {
        return rows / chunk[0] * chunk[0];
    }
    return rows;
}

core::spike_trains read_matrix(const h5::dataset& ds, std::uint64_t rows, std::uint32_t neurons,
                               const read_options& options) {
    column_merge merge(ds.file_name(), neurons, options.dt_ms);
    const std::uint64_t block_rows = rows_per_block(ds, neurons, options.memory_budget_bytes);
    std::vector<std::uint64_t> block;
    for (std::uint64_t first = 0; first < rows; first += block_rows) {
        const std::uint64_t n = std::min(block_rows, rows - first);
        block.resize(n * neurons);
        h5::read_rows<std::uint64_t>(ds, first, n, neurons, block);
        merge.add_block(block, first, n);
    }
    merge.finish();
    return merge.take_result();
}

// Fills the unit table: one population "neurons", positions and types per column's neuron.
void fill_units(const h5::group& root, std::uint32_t neurons, core::unit_table& units) {
    units.add_population("neurons", neurons);
    const std::vector<double> probed = read_per_neuron(root, "probedNeurons", 0, false);
    const bool map_columns = probed.size() == neurons;
    std::uint64_t total = neurons;
    for (std::uint32_t c = 0; map_columns && c < neurons; ++c) {
        if (!(probed[c] >= 0)) {
            bad_input(root.file_name(), "/probedNeurons", fmt::format("entry {} is {}", c, probed[c]),
                      "neuron indices >= 0");
        }
        units.node_id[c] = static_cast<std::uint64_t>(probed[c]);
        total = std::max(total, units.node_id[c] + 1);
    }
    const std::vector<double> x = read_per_neuron(root, "xloc", total, true);
    const std::vector<double> y = read_per_neuron(root, "yloc", total, true);
    const std::vector<double> types = read_per_neuron(root, "neuronTypes", total, true);
    for (std::uint32_t c = 0; c < neurons; ++c) {
        const std::uint64_t n = units.node_id[c];
        units.x[c] = x[n];
        units.y[c] = y[n];
        units.type[c] = types[n] == 1.0   ? core::unit_type::inhibitory
                        : types[n] == 2.0 ? core::unit_type::excitatory
                                          : core::unit_type::unknown;
    }
    const std::vector<double> starters = read_per_neuron(root, "starterNeurons", 0, false);
    units.metadata["starter_neurons"] = std::to_string(starters.size());
}

double end_time_ms(const h5::group& root) {
    if (!root.contains("simulationEndTime")) return 0.0;
    const std::vector<double> t = read_per_neuron(root, "simulationEndTime", 1, true);
    return t[0] * 1000.0;  // BrainGrid stores seconds
}

}  // namespace

core::spike_dataset read_braingrid(const std::string& path, const read_options& options) {
    return run_hdf5_reader(path, [&] {
        const h5::file file = h5::file::open_read_only(path);
        const h5::group root = file.root();
        const h5::dataset ds =
            open_required(root, "spikesProbedNeurons", "a [max_spikes x neurons] uint64 matrix of time steps");
        require_integer(ds, "unsigned integer (uint64) time steps");
        const std::vector<std::uint64_t> shape = ds.shape();
        if (shape.size() != 2) {
            bad_input(path, "/spikesProbedNeurons", fmt::format("rank {}", shape.size()),
                      "a 2-D [max_spikes x neurons] matrix");
        }
        if (shape[1] > std::numeric_limits<std::uint32_t>::max()) {
            bad_input(path, "/spikesProbedNeurons", fmt::format("{} columns", shape[1]), "fewer than 2^32 neurons");
        }
        const auto neurons = static_cast<std::uint32_t>(shape[1]);
        core::spike_dataset data;
        data.format = "braingrid";
        fill_units(root, neurons, data.units);
        data.spikes = read_matrix(ds, shape[0], neurons, options);
        data.spikes.unit_count = neurons;
        data.units.metadata["format"] = "braingrid";
        data.units.metadata["dt_ms"] = fmt::format("{}", options.dt_ms);
        finish(path, data, end_time_ms(root), /*already_sorted=*/true);
        return data;
    });
}

}  // namespace sf::io::readers
