// `spikeforge stats`: per-population spike statistics of any readable spike file (rates and
// quartiles, CV of ISI, LvR, Fano factor, pairwise correlation, synchrony, population rate).
// Definitions: src/analysis/statistics.hpp and docs/statistics.md.
#include <fmt/format.h>
#include <sys/resource.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <nlohmann/json.hpp>

#include "analysis/statistics.hpp"
#include "cli_common.hpp"
#include "commands.hpp"
#include "process_stats.hpp"
#include "core/error.hpp"
#include "core/provenance.hpp"
#include "core/version.hpp"
#include "io/atomic_file.hpp"
#include "io/spike_readers.hpp"
#include "reader_flags.hpp"

namespace sf::cli {

namespace {

struct stats_cli_options {
    std::vector<std::string> files;
    reader_flags reader;  // --format, --time-unit, --dt, --memory-budget (shared with info / convert)
    analysis::stats_options analysis;
    std::string populations;  // comma separated (one argument, so it never swallows the files)
    std::string out, rates_out;
    bool per_unit = false, quiet = false;
    std::string command_line;
};

using clock_type = std::chrono::steady_clock;
double seconds_since(clock_type::time_point start) {
    return std::chrono::duration<double>(clock_type::now() - start).count();
}


bool ends_with(const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Output checks happen before the input is read, so a typo does not cost a long analysis.
void check_outputs(const stats_cli_options& o) {
    if (!o.out.empty() && o.out != "-" && !ends_with(o.out, ".json") && !ends_with(o.out, ".csv"))
        throw core::config_error(fmt::format("-o {}: must end in .json or .csv (or be - for JSON on stdout)", o.out));
    if (!o.rates_out.empty() && !ends_with(o.rates_out, ".csv"))
        throw core::config_error(fmt::format("--rates-out {}: must end in .csv", o.rates_out));
    for (const auto& path : {o.out, o.rates_out}) {
        if (path.empty() || path == "-") continue;
        const auto dir = std::filesystem::path(path).parent_path();
        io::check_writable_dir(dir.empty() ? std::filesystem::path(".") : dir);
    }
}

// A fast 64-bit content checksum (not cryptographic): 8-byte words mixed by multiply /
// xor-shift, then the length. It identifies an input in the provenance at ~GB/s.
std::string file_checksum(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw core::io_error(fmt::format("{}: cannot open the file for reading", path));
    std::vector<char> buffer(std::size_t{1} << 22);
    std::uint64_t h = 0x9E3779B97F4A7C15ull, length = 0;
    while (in) {
        in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
        const auto got = static_cast<std::size_t>(in.gcount());
        std::memset(buffer.data() + got, 0, (8 - got % 8) % 8);  // zero-pad the last word
        for (std::size_t i = 0; i < got; i += 8) {
            std::uint64_t w;
            std::memcpy(&w, buffer.data() + i, 8);
            h = (h ^ w) * 0xFF51AFD7ED558CCDull;
            h ^= h >> 32;
        }
        length += got;
    }
    h ^= length;
    h *= 0xC4CEB9FE1A85EC53ull;
    h ^= h >> 29;
    return fmt::format("{:016x}", h);
}

nlohmann::json provenance_json(const stats_cli_options& o, const core::spike_dataset& data) {
    nlohmann::json inputs = nlohmann::json::array();
    for (const auto& f : o.files)
        inputs.push_back({{"path", f}, {"bytes", std::filesystem::file_size(f)}, {"checksum64", file_checksum(f)}});
    const auto& a = o.analysis;
    return {{"tool", "spikeforge stats"},
            {"version", core::version},
            {"created_utc", core::utc_now_iso8601()},
            {"command_line", o.command_line},
            {"inputs", inputs},
            {"format", data.format},
            {"options",
             {{"populations", a.populations},
              {"lvr_refractory_ms", a.lvr_refractory_ms},
              {"fano_bin_ms", a.fano_bin_ms},
              {"correlation_bin_ms", a.correlation_bin_ms},
              {"correlation_pairs", a.correlation_pairs},
              {"seed", a.seed},
              {"synchrony_bin_ms", a.synchrony_bin_ms},
              {"rate_bin_ms", a.rate_bin_ms},
              {"rate_kernel_sigma_ms", a.rate_kernel_sigma_ms}}}};
}

nlohmann::json number_array(const std::vector<double>& values) {
    nlohmann::json out = nlohmann::json::array();
    for (double v : values) out.push_back(json_number(v));
    return out;
}

nlohmann::json population_json(const analysis::population_stats& p, const analysis::unit_values& v,
                               const core::unit_table& units, bool per_unit) {
    nlohmann::json pairs = nlohmann::json::array();
    for (const auto& [a, b] : p.sampled_pairs) pairs.push_back({units.node_id[a], units.node_id[b]});
    nlohmann::json j = {{"name", p.name},
                        {"units", p.units},
                        {"active_units", p.active_units},
                        {"spikes", p.spikes},
                        {"mean_rate_hz", json_number(p.mean_rate_hz)},
                        {"rate_q1_hz", json_number(p.rate_q1_hz)},
                        {"rate_median_hz", json_number(p.rate_median_hz)},
                        {"rate_q3_hz", json_number(p.rate_q3_hz)},
                        {"cv_isi", json_number(p.cv_isi)},
                        {"cv_units", p.cv_units},
                        {"lvr", json_number(p.lvr)},
                        {"fano", json_number(p.fano)},
                        {"fano_units", p.fano_units},
                        {"correlation", json_number(p.correlation)},
                        {"correlation_pairs", p.correlation_pairs},
                        {"correlation_pairs_skipped", p.correlation_pairs_skipped},
                        {"synchrony", json_number(p.synchrony)},
                        {"synchrony_cv", json_number(p.synchrony_cv)},
                        {"sampled_pairs_node_ids", pairs},
                        {"pair_correlations", number_array(p.pair_correlations)}};
    if (per_unit) {
        nlohmann::json ids = nlohmann::json::array();
        for (auto u : v.units) ids.push_back(units.node_id[u]);
        j["unit_values"] = {{"node_ids", ids},
                            {"rate_hz", number_array(v.rate_hz)},
                            {"cv_isi", number_array(v.cv_isi)},
                            {"lvr", number_array(v.lvr)},
                            {"fano", number_array(v.fano)}};
    }
    return j;
}

std::string csv_number(double x) { return std::isfinite(x) ? fmt::format("{:.17g}", x) : "nan"; }

// Provenance as '#' comment lines (numpy.loadtxt, pandas comment='#' skip them).
std::string csv_header(const nlohmann::json& prov) {
    std::string text = fmt::format("# spikeforge {} stats, {}\n# command: {}\n", prov["version"].get<std::string>(),
                                   prov["created_utc"].get<std::string>(), prov["command_line"].get<std::string>());
    for (const auto& in : prov["inputs"])
        text += fmt::format("# input: {} ({} bytes, checksum64 {})\n", in["path"].get<std::string>(),
                            in["bytes"].get<std::uint64_t>(), in["checksum64"].get<std::string>());
    text += fmt::format("# options: {}\n", prov["options"].dump());
    return text;
}

std::string stats_csv(const analysis::statistics_report& r, const nlohmann::json& prov) {
    std::string text = csv_header(prov);
    text +=
        "population,units,active_units,spikes,t_start_ms,t_stop_ms,mean_rate_hz,rate_q1_hz,rate_median_hz,"
        "rate_q3_hz,cv_isi,cv_units,lvr,fano,fano_units,correlation,correlation_pairs,"
        "correlation_pairs_skipped,synchrony,synchrony_cv\n";
    for (const auto& p : r.populations)
        text += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n", p.name, p.units,
                            p.active_units, p.spikes, csv_number(r.t_start_ms), csv_number(r.t_stop_ms),
                            csv_number(p.mean_rate_hz), csv_number(p.rate_q1_hz), csv_number(p.rate_median_hz),
                            csv_number(p.rate_q3_hz), csv_number(p.cv_isi), p.cv_units, csv_number(p.lvr),
                            csv_number(p.fano), p.fano_units, csv_number(p.correlation), p.correlation_pairs,
                            p.correlation_pairs_skipped, csv_number(p.synchrony), csv_number(p.synchrony_cv));
    return text;
}

std::string rates_csv(const analysis::statistics_report& r, const nlohmann::json& prov) {
    std::string text = csv_header(prov);
    text += "population,t_ms,rate_hz,smoothed_hz\n";
    for (const auto& p : r.rates)
        for (std::size_t k = 0; k < p.t_ms.size(); ++k)
            text += fmt::format("{},{},{},{}\n", p.name, csv_number(p.t_ms[k]), csv_number(p.rate_hz[k]),
                                csv_number(p.smoothed_hz[k]));
    return text;
}

void print_table(const analysis::statistics_report& r, std::FILE* to) {
    fmt::print(to, "window [{:g}, {:g}] ms\n", r.t_start_ms, r.t_stop_ms);
    fmt::print(to, "{:<12} {:>8} {:>8} {:>11} {:>9} {:>9} {:>9} {:>9} {:>7} {:>7} {:>7} {:>8} {:>6} {:>8}\n",
               "population", "units", "active", "spikes", "rate Hz", "q1", "median", "q3", "CV ISI", "LvR", "Fano",
               "corr", "pairs", "sync");
    for (const auto& p : r.populations)
        fmt::print(to,
                   "{:<12} {:>8} {:>8} {:>11} {:>9.4g} {:>9.4g} {:>9.4g} {:>9.4g} {:>7.3f} {:>7.3f} {:>7.3f} "
                   "{:>8.4f} {:>6} {:>8.4g}\n",
                   p.name, p.units, p.active_units, p.spikes, p.mean_rate_hz, p.rate_q1_hz, p.rate_median_hz,
                   p.rate_q3_hz, p.cv_isi, p.lvr, p.fano, p.correlation, p.correlation_pairs, p.synchrony);
}

int run_stats(stats_cli_options& o) {
    o.command_line = own_command_line();
    o.analysis.populations = split_commas(o.populations);
    o.analysis.validate();
    check_outputs(o);
    auto start = clock_type::now();
    const core::spike_dataset data = io::read_spikes(o.files, o.reader.options());
    const double read_s = seconds_since(start);
    start = clock_type::now();
    const analysis::statistics_report report = analysis::analyse(data, o.analysis);
    const double analyse_s = seconds_since(start);

    nlohmann::json prov = provenance_json(o, data);
    if (!o.out.empty() && ends_with(o.out, ".csv")) io::write_text_atomically(o.out, stats_csv(report, prov));
    if (!o.rates_out.empty()) io::write_text_atomically(o.rates_out, rates_csv(report, prov));
    if (!o.out.empty() && !ends_with(o.out, ".csv")) {
        nlohmann::json j = prov;
        j["window_ms"] = {report.t_start_ms, report.t_stop_ms};
        j["populations"] = nlohmann::json::array();
        for (std::size_t i = 0; i < report.populations.size(); ++i)
            j["populations"].push_back(population_json(report.populations[i], report.units[i], data.units, o.per_unit));
        j["time_s"] = {{"read", read_s}, {"analyse", analyse_s}};
        j["peak_rss_mb"] = peak_rss_mb();
        if (o.out == "-")
            fmt::print("{}\n", j.dump(2));
        else
            io::write_text_atomically(o.out, j.dump(2) + "\n");
    }
    // The table goes to stdout unless stdout carries the JSON.
    if (!o.quiet && o.out != "-") {
        print_table(report, stdout);
        fmt::print("read {:.3g} s, analysis {:.3g} s, peak memory {:.0f} MB\n", read_s, analyse_s, peak_rss_mb());
    }
    return 0;
}

}  // namespace

command_runner add_stats(CLI::App& app) {
    auto o = std::make_shared<stats_cli_options>();
    CLI::App* cmd = app.add_subcommand("stats", "Per-population statistics: rates, CV, LvR, Fano, correlation, synchrony, population rate");
    cmd->footer("Per-population spike statistics: units, active units, mean rate and quartiles [Hz], CV of ISI, LvR\n"
        "(Shinomoto et al. 2009, R = 2 ms), Fano factor, mean pairwise correlation of binned counts, synchrony\n"
        "(var / mean of the population count in 1 ms bins) and the population rate (histogram + Gaussian kernel).\n"
        "Prints a table; -o writes JSON (.json, or - for stdout) or CSV (.csv). Definitions: docs/statistics.md.");
    auto& a = o->analysis;
    cmd->add_option("files", o->files, "spike file(s): SONATA, NWB, NEST ASCII, CSV, BrainGrid, Graphitti")
        ->required()
        ->check(CLI::ExistingFile);
    o->reader.add_to(cmd);
    cmd->add_option("--populations", o->populations, "populations to analyse, comma separated (default: all)");
    cmd->add_option("--t-start", a.t_start_ms, "window start [ms] (default: start of the data)")
        ->check(CLI::NonNegativeNumber);
    cmd->add_option("--t-stop", a.t_stop_ms, "window end [ms], inclusive (default: end of the data)")
        ->check(CLI::NonNegativeNumber);
    cmd->add_option("--corr-bin", a.correlation_bin_ms, "bin of the pairwise correlation [ms] (default 10)");
    cmd->add_option("--corr-pairs", a.correlation_pairs, "sampled pairs of active units per population (default 200)");
    cmd->add_option("--seed", a.seed, "seed of the pair sampling (default 1)");
    cmd->add_option("--fano-bin", a.fano_bin_ms, "bin of the Fano factor [ms] (default 100)");
    cmd->add_option("--rate-bin", a.rate_bin_ms, "bin of the population rate [ms] (default 1)");
    cmd->add_option("--rate-sigma", a.rate_kernel_sigma_ms,
                    "sigma of the rate's Gaussian kernel [ms] (default 5; 0: none)");
    cmd->add_option("-o,--out", o->out, "write statistics to FILE.json or FILE.csv (- : JSON on stdout)");
    cmd->add_option("--rates-out", o->rates_out, "write the population rate series to FILE.csv");
    cmd->add_flag("--per-unit", o->per_unit, "JSON: add per-unit rate, CV, LvR and Fano values");
    cmd->add_flag("--quiet,-q", o->quiet, "no table on stdout");
    return [o] { return run_stats(*o); };
}

}  // namespace sf::cli
