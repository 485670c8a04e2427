// Figures of spike data (issue "Read any spike file; statistics, bursts and figures"; the
// multi-area model's figures in seed 004): raster, population rate, populations x areas heatmap
// of mean rates, box plots of per-unit statistics; and for `spikeforge report` box plots of any
// values, scatter plots and grids of rate histograms. Cairo draws them; the output format follows
// the caller's choice (PNG image surface or SVG surface). Every function writes exactly the path
// it is given: the CLI passes an io::atomic_file's temp path and renames after success, so sf_plot
// needs no io dependency (DESIGN.md §1: plot sits on core and analysis).
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "analysis/statistics.hpp"
#include "core/spike_data.hpp"

namespace sf::plot {

enum class image_format { png, svg };

// ".png" / ".svg" (case-insensitive) -> format; anything else throws core::config_error.
image_format format_for_path(const std::filesystem::path& path);

struct rgb {
    double r = 0, g = 0, b = 0;  // each in [0, 1]
};

// Colour of each population (indexed like unit_table::population_names): blue when most of its
// units are excitatory, red when most are inhibitory, otherwise the next palette colour. A
// population none of whose units has a type is typed by its name: "exc..."/"inh..." (any case)
// or a last character 'E'/'I' after the area prefix ("23E", "V1/6I").
std::vector<rgb> population_colours(const core::unit_table& units);

// Round tick positions (1, 2, 2.5 or 5 x 10^k steps) inside [lo, hi], ascending, at most max_ticks
// of them, with the smallest such step (so as many ticks as allowed).
std::vector<double> nice_ticks(double lo, double hi, int max_ticks);

// "V1/23E" -> {"V1", "23E"} (split at the last '/'); else "V1_23E" -> {"V1", "23E"} (split at the
// first '_'); else {"", name}: data without areas give a single heatmap column.
std::pair<std::string, std::string> split_area(const std::string& population_name);

struct raster_options {
    double t_start_ms = -1.0;  // [ms] < 0: the data's span
    double t_stop_ms = -1.0;
    std::vector<std::string> populations;  // empty: all, in table order
    double subsample = 1.0;                // fraction of units drawn per population, (0, 1]
    std::uint64_t seed = 1;                // which units the subsample draws
    std::string title = "Spike raster";
    int width_px = 1000, height_px = 650;
};
// Units stacked by population (first population on top), one dot per spike.
void plot_raster(const core::spike_dataset& data, const raster_options& options, const std::filesystem::path& out,
                 image_format format);

struct figure_options {
    std::string title;
    int width_px = 1000, height_px = 650;
};

// One panel per population: histogram (grey bars) and kernel-smoothed rate (line), shared time
// axis. `bin_ms` and `sigma_ms` only label the legend.
void plot_population_rates(const std::vector<analysis::population_rate>& rates, const core::unit_table& units,
                           double bin_ms, double sigma_ms, const figure_options& options,
                           const std::filesystem::path& out, image_format format);

// Mean rate [Hz] per population name -> heatmap, rows = populations, columns = areas (split_area),
// with a colour bar; cells without data are light grey.
void plot_rates_heatmap(const std::vector<std::pair<std::string, double>>& mean_rates_hz, const figure_options& options,
                        const std::filesystem::path& out, image_format format);

// Four panels (rate [Hz], CV of ISI, LvR, pairwise correlation), one box per population:
// median line, box = quartiles, whiskers = most extreme values within 1.5 IQR, dots = outliers.
void plot_statistics(const std::vector<analysis::unit_values>& values, const core::unit_table& units,
                     const figure_options& options, const std::filesystem::path& out, image_format format);

// --- The report's figures (`spikeforge report`, seed 004 section S4) -------------------------

// Numbers behind one box (NaN values left out): quartiles by numpy's linear percentile, whiskers
// at the most extreme values within 1.5 IQR of the box, the rest outliers. n == 0: all NaN.
struct box_summary {
    std::size_t n = 0;
    double q1 = 0, median = 0, q3 = 0, whisker_low = 0, whisker_high = 0;
    std::vector<double> outliers;
};
box_summary box_statistics(const std::vector<double>& values);

struct box_panel {
    std::string y_label;                      // with its unit, e.g. "rate [Hz]"
    std::vector<std::vector<double>> values;  // one list per category (NaN skipped)
};
struct boxplot_options {
    std::string title;
    std::vector<std::string> categories;  // x labels, one box per category in every panel
    std::vector<rgb> colours;             // per category; empty: by name (..E blue, ..I red, else palette)
    int width_px = 1500, height_px = 520;
};
// Panels side by side, one box per category: box = IQR (filled), cross = median, whiskers to
// 1.5 IQR, circles = outliers (the multi-area model's Fig. 5 D-F convention). Throws
// core::config_error when there is no panel or a panel's value lists do not match the categories.
void plot_boxplots(const std::vector<box_panel>& panels, const boxplot_options& options,
                   const std::filesystem::path& out, image_format format);

struct scatter_series {
    std::string label;  // legend entry ("" = none)
    rgb colour;
    std::vector<double> x, y;               // points with a non-finite coordinate are skipped
    std::vector<std::string> point_labels;  // empty, or one per point, written next to it
};
struct scatter_options {
    std::string title, x_label, y_label;
    bool identity_line = true;  // dashed y = x; both axes then share one range from 0
    int width_px = 820, height_px = 720;
};
// Points of every series over shared axes. Throws core::config_error when no point is finite
// or x, y (and point_labels) differ in length.
void plot_scatter(const std::vector<scatter_series>& series, const scatter_options& options,
                  const std::filesystem::path& out, image_format format);

struct rate_grid_options {
    std::string title;
    int columns = 4;              // panels per row
    double bin_ms = 1.0;          // the histogram's bin, for the bars' width and the legend
    double sigma_ms = 5.0;        // the kernel's sigma, legend only
    std::vector<double> mean_hz;  // empty, or per panel: a dashed line at that rate [Hz]
    int width_px = 1600, panel_height_px = 140;
};
// A grid of rate panels (row-major, in the given order), each the histogram (grey bars) and its
// Gaussian-kernel estimate (black line) of one series, the panel's name in its corner, its own
// y range from 0 and the time axis shared. Throws core::config_error for no panel or all empty.
void plot_rate_grid(const std::vector<analysis::population_rate>& panels, const rate_grid_options& options,
                    const std::filesystem::path& out, image_format format);

// --- Count matrices (neural-pile rows and motifs, `spikeforge pile raster|motifs`) ----------

struct count_matrix_panel {
    std::span<const std::uint8_t> counts;  // rows x cols, row-major (row 0 drawn at the bottom)
    std::size_t rows = 0, cols = 0;
    std::string title;
};
struct matrix_grid_options {
    std::string title, x_label, y_label;
    int columns = 0;       // panels per grid row; 0: ceil(sqrt(panels))
    double vmax = 0;       // count at the top of the colour map; 0: each panel's largest (at least 1)
    bool axes = true;      // frame, ticks and labels around each panel
    int panel_width_px = 420, panel_height_px = 260;
};
// Panels in a grid (row-major), each an image of its counts in the viridis map from 0 to vmax;
// a matrix larger than its panel is reduced by the largest count per pixel (spikes stay visible).
// Throws core::config_error when there is no panel or a panel's counts do not match its size.
void plot_count_matrices(const std::vector<count_matrix_panel>& panels, const matrix_grid_options& options,
                         const std::filesystem::path& out, image_format format);

}  // namespace sf::plot
