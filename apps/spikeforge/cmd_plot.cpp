// `spikeforge plot raster|rate|rates-heatmap|stats FILE... -o fig.png|fig.svg`: figures of any
// readable spike file (docs/plots.md). The figure is drawn into OUT.tmp and renamed on success.
#include <fmt/format.h>

#include <cmath>
#include <filesystem>
#include <memory>
#include <optional>

#include "analysis/statistics.hpp"
#include "commands.hpp"
#include "core/error.hpp"
#include "io/atomic_file.hpp"
#include "io/spike_readers.hpp"
#include "plot/plot.hpp"
#include "reader_flags.hpp"

namespace sf::cli {

namespace {

struct plot_cli_options {
    std::string kind, out, title;
    reader_flags read;  // --format, --time-unit, --dt, --memory-budget
    std::vector<std::string> files, populations;
    double t_start_ms = -1, t_stop_ms = -1;  // [ms] < 0: the data's span
    double subsample = 1.0;
    std::uint64_t seed = 1;
    int width_px = 1000, height_px = 650;
    double rate_bin_ms = 1.0, rate_sigma_ms = 5.0;
    double corr_bin_ms = 10.0;
    std::uint32_t corr_pairs = 200;
    bool quiet = false;
};

analysis::stats_options stats_options(const plot_cli_options& o) {
    analysis::stats_options s;
    s.t_start_ms = o.t_start_ms;
    s.t_stop_ms = o.t_stop_ms;
    s.populations = o.populations;
    s.seed = o.seed;
    s.rate_bin_ms = o.rate_bin_ms;
    s.rate_kernel_sigma_ms = o.rate_sigma_ms;
    s.correlation_bin_ms = o.corr_bin_ms;
    s.correlation_pairs = o.corr_pairs;
    s.validate();
    return s;
}

std::string default_title(const plot_cli_options& o) {
    const std::string file = std::filesystem::path(o.files.front()).filename().string();
    if (o.kind == "raster") return fmt::format("Spike raster: {}", file);
    if (o.kind == "rate") return fmt::format("Population rate: {}", file);
    if (o.kind == "rates-heatmap") return fmt::format("Mean rates per population and area: {}", file);
    return fmt::format("Spiking statistics per population: {}", file);
}

void draw(const plot_cli_options& o, const core::spike_dataset& data, const std::filesystem::path& path,
          plot::image_format format) {
    const plot::figure_options fig{o.title.empty() ? default_title(o) : o.title, o.width_px, o.height_px};
    if (o.kind == "raster") {
        plot::raster_options r;
        r.t_start_ms = o.t_start_ms, r.t_stop_ms = o.t_stop_ms, r.populations = o.populations;
        r.subsample = o.subsample, r.seed = o.seed, r.title = fig.title;
        r.width_px = o.width_px, r.height_px = o.height_px;
        plot::plot_raster(data, r, path, format);
    } else if (o.kind == "rate") {
        plot::plot_population_rates(analysis::population_rates(data, stats_options(o)), data.units, o.rate_bin_ms,
                                    o.rate_sigma_ms, fig, path, format);
    } else if (o.kind == "rates-heatmap") {
        std::vector<std::pair<std::string, double>> rates;
        for (const auto& p : analysis::compute_statistics(data, stats_options(o)))
            rates.emplace_back(p.name, p.mean_rate_hz);
        plot::plot_rates_heatmap(rates, fig, path, format);
    } else {
        plot::plot_statistics(analysis::per_unit_values(data, stats_options(o)), data.units, fig, path, format);
    }
}

int run_plot(const plot_cli_options& o) {
    const std::filesystem::path out(o.out);
    const auto format = plot::format_for_path(out);  // before reading: a typo costs nothing
    io::check_writable_dir(out.parent_path().empty() ? std::filesystem::path(".") : out.parent_path());
    if (o.kind != "raster") stats_options(o);  // option errors before the (possibly long) read
    const core::spike_dataset data = io::read_spikes(o.files, o.read.options());
    io::atomic_file file(out);
    draw(o, data, file.temp_path(), format);
    file.commit();
    if (!o.quiet) fmt::print("wrote {}\n", out.string());
    return 0;
}

}  // namespace

command_runner add_plot(CLI::App& app) {
    auto o = std::make_shared<plot_cli_options>();
    CLI::App* cmd = app.add_subcommand("plot", "Draw figures (PNG or SVG): raster, rate, rates-heatmap, stats");
    cmd->footer("Figures: raster (populations coloured, excitatory blue, inhibitory red; --subsample), rate (population rate:\n"
        "histogram + Gaussian kernel), rates-heatmap (mean rate per population x area; areas from 'AREA/POP' or\n"
        "'AREA_POP' names), stats (box plots of rate, CV of ISI, LvR, correlation per population).\n"
        "PNG or SVG by the extension of -o. See docs/plots.md.");
    cmd->add_option("kind", o->kind, "raster | rate | rates-heatmap | stats")
        ->required()
        ->check(CLI::IsMember({"raster", "rate", "rates-heatmap", "stats"}));
    cmd->add_option("files", o->files, "spike file(s): SONATA, NWB, NEST ASCII, CSV, BrainGrid, Graphitti")
        ->required()
        ->check(CLI::ExistingFile);
    cmd->add_option("-o,--out", o->out, "figure file: .png or .svg")->required();
    o->read.add_to(cmd);
    cmd->add_option("--populations", o->populations, "populations to draw, comma separated (default: all)")
        ->delimiter(',');
    cmd->add_option("--t-start", o->t_start_ms, "window start [ms] (default: start of the data)")
        ->check(CLI::NonNegativeNumber);
    cmd->add_option("--t-stop", o->t_stop_ms, "window end [ms] (default: end of the data)")
        ->check(CLI::NonNegativeNumber);
    cmd->add_option("--subsample", o->subsample, "raster: fraction of units drawn per population, (0, 1] (default 1)");
    cmd->add_option("--seed", o->seed, "raster: which units --subsample draws; stats: pair sampling (default 1)");
    cmd->add_option("--rate-bin", o->rate_bin_ms, "rate: histogram bin [ms] (default 1)");
    cmd->add_option("--rate-sigma", o->rate_sigma_ms, "rate: Gaussian kernel sigma [ms] (default 5)");
    cmd->add_option("--corr-bin", o->corr_bin_ms, "stats: bin of the pairwise correlation [ms] (default 10)");
    cmd->add_option("--corr-pairs", o->corr_pairs, "stats: sampled pairs per population (default 200)");
    cmd->add_option("--title", o->title, "figure title (default: kind and input file name)");
    cmd->add_option("--width", o->width_px, "figure width [px] (default 1000)")->check(CLI::Range(300, 10000));
    cmd->add_option("--height", o->height_px, "figure height [px] (default 650)")->check(CLI::Range(200, 10000));
    cmd->add_flag("--quiet,-q", o->quiet, "print nothing on success");
    return [o] { return run_plot(*o); };
}

}  // namespace sf::cli
