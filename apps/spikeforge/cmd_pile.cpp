// `spikeforge pile ...`: the neural-pile dataset builder (issue 5, seed 001): `pile bin` (one NWB
// session's binned spike counts exactly as the builder makes its rows, src/datasets/pile_binning)
// and `pile build` (sessions -> Parquet shards with a manifest, src/datasets/pile_build); the
// operations on built shards are in cmd_pile_data.cpp.
#include <fmt/format.h>

#include <cmath>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "cli_common.hpp"
#include "commands.hpp"
#include "mpi_job.hpp"
#include "comm/communicator.hpp"
#include "core/error.hpp"
#include "core/version.hpp"
#include "datasets/output_file.hpp"
#include "datasets/pile_binning.hpp"
#include "datasets/pile_build.hpp"
#include "io/atomic_file.hpp"
#include "io/npy.hpp"
#include "io/nwb_spike_times.hpp"

namespace sf::cli {

namespace {

struct pile_build_cli {
    std::vector<std::string> inputs;
    std::string out;
    datasets::pile_build_options options;
    bool quiet = false;
};

struct pile_bin_cli {
    std::string in, out;
    double bin_ms = 20.0;
    std::uint64_t max_tokens = 10'000'000;
    bool quiet = false;
};

// counts as an NPY uint8 matrix (units, bins), atomically.
void write_counts_npy(const datasets::binned_session& s, const std::filesystem::path& path) {
    datasets::output_file out(path);
    out.write(io::npy_header("'|u1'", fmt::format("({}, {})", s.units, s.bins)));
    out.write(s.counts.data(), s.counts.size());
    out.commit();
}

int run_pile_bin(const pile_bin_cli& o) {
    const std::filesystem::path out(o.out);
    io::check_writable_dir(out.parent_path().empty() ? std::filesystem::path(".") : out.parent_path());
    const io::nwb_spike_times t = io::read_nwb_spike_times(o.in);
    const datasets::binned_session s = datasets::bin_session(t.offsets, t.times_s, o.bin_ms / 1000.0);
    const std::vector<std::uint64_t> bounds = datasets::segment_bounds(s.units, s.bins, o.max_tokens);
    write_counts_npy(s, out);
    const nlohmann::json summary = {{"tool", "spikeforge pile bin"},
                                    {"version", core::version},
                                    {"command_line", own_command_line()},
                                    {"input", std::filesystem::absolute(o.in).string()},
                                    {"bin_ms", o.bin_ms},
                                    {"units", s.units},
                                    {"bins", s.bins},
                                    {"tokens", std::uint64_t{s.units} * s.bins},
                                    {"saturated_bins", s.saturated_bins},
                                    {"max_tokens", o.max_tokens},
                                    {"segment_bounds", bounds}};
    io::write_text_atomically(out.string() + ".json", summary.dump(2) + "\n");
    if (!o.quiet)
        fmt::print("{} units x {} bins of {} ms ({} tokens, {} saturated at 255), {} segment(s)\nwrote {} (uint8 units x bins) "
                   "and {}.json\n",
                   s.units, s.bins, o.bin_ms, std::uint64_t{s.units} * s.bins, s.saturated_bins, bounds.size() - 1,
                   out.string(), out.string());
    return 0;
}

int build_and_report(const pile_build_cli& o, comm::communicator& world) {
    if (world.rank() == 0) io::check_writable_dir(o.out);
    const std::vector<datasets::pile_session> sessions = datasets::resolve_pile_inputs(o.inputs);
    if (sessions.empty()) throw core::config_error("pile build: no .nwb sessions among the inputs");
    const auto results = datasets::build_pile(sessions, o.out, o.options, datasets::write_pile_shard, world);
    if (world.rank() != 0) return 0;  // rank 0 reports for the job
    std::uint64_t done = 0, skipped = 0, failed = 0, rows = 0, tokens = 0, saturated = 0;
    for (const auto& r : results) {
        done += r.status == "done", skipped += r.status == "skipped", failed += r.status == "failed";
        rows += r.rows, tokens += r.tokens, saturated += r.saturated_bins;
        if (r.status == "failed") fmt::print(stderr, "spikeforge: error: {}\n", r.error);
    }
    if (!o.quiet)
        fmt::print("{} sessions: {} built, {} already built, {} failed ({}); {} rows, {} tokens ({} bins saturated at "
                   "255)\nwrote {}/<subject>/<session>.parquet and {}/manifest.json\n",
                   sessions.size(), done, skipped, failed,
                   world.size() > 1 ? fmt::format("{} MPI ranks", world.size()) : fmt::format("{} local workers", o.options.workers),
                   rows, tokens, saturated, o.out, o.out);
    return failed > 0 ? static_cast<int>(core::exit_code::bad_input) : 0;
}

int run_pile_build(const pile_build_cli& o) {
    const std::unique_ptr<comm::communicator> world = comm::world();
    return run_as_job(*world, [&] { return build_and_report(o, *world); });
}

}  // namespace

command_runner add_pile(CLI::App& app) {
    CLI::App* cmd = app.add_subcommand("pile", "Neural-pile datasets: NWB sessions -> binned spike-count rows");
    cmd->require_subcommand(1);
    auto o = std::make_shared<pile_bin_cli>();
    CLI::App* bin = cmd->add_subcommand("bin", "One NWB session's spike counts per unit and bin, as the builder's rows");
    bin->footer("Counts of every unit of the units table in bins [0, b), [b, 2b), ... up to the last spike (np.histogram "
                "on np.arange(0, max_t + b, b), the last bin closed), saturating at 255. Writes OUT (NPY uint8, units x "
                "bins) and OUT.json (sizes, saturated bins, segment bounds for --max-tokens). docs/pile.md.");
    bin->add_option("input", o->in, "NWB file with a units table")->required()->check(CLI::ExistingFile);
    bin->add_option("-o,--out", o->out, "output .npy")->required();
    bin->add_option("--bin-ms", o->bin_ms, "bin width [ms] (default 20)")->check(CLI::PositiveNumber);
    bin->add_option("--max-tokens", o->max_tokens, "split sessions above this many units x bins (default 10 000 000)")
        ->check(CLI::PositiveNumber);
    bin->add_flag("--quiet,-q", o->quiet, "no summary on stdout");

    auto b = std::make_shared<pile_build_cli>();
    CLI::App* build = cmd->add_subcommand("build", "NWB sessions -> binned spike-count rows -> Parquet shards (resumable)");
    build->footer("INPUT: .nwb files, folders of <subject>/<session>.nwb, or a text file listing paths. One shard per "
                  "session, OUT/<subject>/<session>.parquet (rows = segments of <= --max-tokens units x bins; fields "
                  "spike_counts, subject_id, session_id, segment_id), and OUT/manifest.json. A rerun skips sessions "
                  "already built from the same input (CRC-32). A failed session is reported (exit 3) and recorded; the "
                  "others are built. Under mpirun (-np R) the ranks share the sessions (rank r builds sessions i % R == "
                  "r; output on a shared file system) and rank 0 writes the manifest. docs/pile.md.");
    build->add_option("inputs", b->inputs, "NWB files, <subject>/<session>.nwb folders or path lists")->required();
    build->add_option("-o,--out", b->out, "output folder")->required();
    build->add_option("--bin-ms", b->options.bin_ms, "bin width [ms] (default 20)")->check(CLI::PositiveNumber);
    build->add_option("--max-tokens", b->options.max_tokens, "split sessions above this many units x bins (default 1e7)")
        ->check(CLI::PositiveNumber);
    build->add_option("--workers", b->options.workers, "local worker processes (default 1; under mpirun the ranks are the workers)")->check(CLI::PositiveNumber);
    build->add_flag("--quiet,-q", b->quiet, "no summary on stdout");
    std::vector<std::pair<CLI::App*, command_runner>> runners = add_pile_dataset_commands(cmd);
    runners.emplace_back(bin, [o] { return run_pile_bin(*o); });
    runners.emplace_back(build, [b] { return run_pile_build(*b); });
    return [runners] {
        for (const auto& [sub, run] : runners)
            if (sub->parsed()) return run();
        return 0;  // unreachable: require_subcommand(1)
    };
}

}  // namespace sf::cli
