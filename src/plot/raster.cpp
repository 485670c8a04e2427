// Raster plot: one row per drawn unit, populations stacked top to bottom in the order asked for.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <random>

#include "core/error.hpp"
#include "plot/canvas.hpp"
#include "plot/plot.hpp"

namespace sf::plot {

namespace {

using detail::axes;
using detail::rect;

std::vector<std::uint32_t> selected_populations(const core::unit_table& units, const std::vector<std::string>& names) {
    std::vector<std::uint32_t> out;
    if (names.empty()) {
        out.resize(units.population_names.size());
        std::iota(out.begin(), out.end(), 0u);
        return out;
    }
    for (const auto& name : names) {
        const auto it = std::find(units.population_names.begin(), units.population_names.end(), name);
        if (it == units.population_names.end())
            throw core::config_error(fmt::format("--populations: unknown population '{}' (the data has: {})", name,
                                                 fmt::join(units.population_names, ", ")));
        out.push_back(static_cast<std::uint32_t>(it - units.population_names.begin()));
    }
    return out;
}

struct raster_layout {
    std::vector<std::int64_t> row_of_unit;          // -1: not drawn; row 0 is the bottom row
    std::vector<std::pair<double, double>> blocks;  // per selected population: [first row, last row + 1)
    std::int64_t rows = 0;
    std::size_t drawn = 0, total = 0;
};

// Draws round(fraction x n) units of each population (at least one), chosen by a seeded shuffle,
// so a figure is reproducible and its subsample does not favour low unit ids.
raster_layout layout_rows(const core::unit_table& units, std::uint32_t unit_count,
                          const std::vector<std::uint32_t>& populations, double fraction, std::uint64_t seed) {
    std::vector<std::vector<std::uint32_t>> members(units.population_names.size());
    for (std::uint32_t u = 0; u < units.size(); ++u) members[units.population[u]].push_back(u);
    std::mt19937_64 rng(seed);
    raster_layout layout;
    layout.row_of_unit.assign(unit_count, -1);
    std::vector<std::vector<std::uint32_t>> chosen;
    for (auto p : populations) {
        auto m = members[p];
        layout.total += m.size();
        std::shuffle(m.begin(), m.end(), rng);
        const auto keep =
            m.empty() ? 0 : std::max<std::size_t>(1, std::llround(fraction * static_cast<double>(m.size())));
        m.resize(keep);
        std::sort(m.begin(), m.end());
        layout.drawn += m.size();
        chosen.push_back(std::move(m));
    }
    // First population on top: assign rows from the top down.
    std::int64_t row = static_cast<std::int64_t>(layout.drawn);
    layout.rows = row;
    for (const auto& m : chosen) {
        const double top = static_cast<double>(row);
        for (auto u : m)
            if (u < unit_count) layout.row_of_unit[u] = --row;
        layout.blocks.emplace_back(static_cast<double>(row), top);
    }
    return layout;
}

// Dots are coloured per unit: by the unit's own type when the table gives one (a BrainGrid or
// Graphitti culture is one population of mixed excitatory and inhibitory neurons), else by its
// population's colour. Units sharing a colour are one legend entry and one fill pass.
struct colour_group {
    rgb colour;
    std::string label;
};

struct unit_colours {
    std::vector<colour_group> groups;
    std::vector<std::uint16_t> group_of_unit;  // per unit; only drawn units are meaningful
};

unit_colours colour_units(const core::unit_table& units, const std::vector<std::int64_t>& row_of_unit) {
    const auto population_colour = population_colours(units);
    unit_colours out;
    out.group_of_unit.assign(row_of_unit.size(), 0);
    auto group_index = [&](rgb c, const std::string& population) {
        for (std::size_t g = 0; g < out.groups.size(); ++g)
            if (detail::same_colour(out.groups[g].colour, c)) return static_cast<std::uint16_t>(g);
        const std::string label = detail::same_colour(c, detail::excitatory_colour)   ? "excitatory"
                                  : detail::same_colour(c, detail::inhibitory_colour) ? "inhibitory"
                                                                                      : population;
        out.groups.push_back({c, label});
        return static_cast<std::uint16_t>(out.groups.size() - 1);
    };
    for (std::size_t u = 0; u < row_of_unit.size() && u < units.size(); ++u) {
        if (row_of_unit[u] < 0) continue;
        const auto type = u < units.type.size() ? units.type[u] : core::unit_type::unknown;
        const rgb c = type == core::unit_type::excitatory   ? detail::excitatory_colour
                      : type == core::unit_type::inhibitory ? detail::inhibitory_colour
                                                            : population_colour[units.population[u]];
        out.group_of_unit[u] = group_index(c, units.population_names[units.population[u]]);
    }
    return out;
}

// A labelled horizontal band of rows. Many populations that all carry an area prefix
// ("V1_23E") are banded per area (the multi-area model's 254 populations cannot each get a label).
struct band {
    std::string name;
    double bottom, top;  // rows
};

std::vector<band> label_bands(const core::unit_table& units, const std::vector<std::uint32_t>& populations,
                              const raster_layout& layout) {
    bool by_area = populations.size() > 12;
    for (auto p : populations) by_area = by_area && !split_area(units.population_names[p]).first.empty();
    std::vector<band> bands;
    for (std::size_t i = 0; i < populations.size(); ++i) {
        const std::string& full = units.population_names[populations[i]];
        const std::string name = by_area ? split_area(full).first : full;
        const auto [bottom, top] = layout.blocks[i];
        if (by_area && !bands.empty() && bands.back().name == name)
            bands.back().bottom = bottom;  // blocks run top-down: extend the band downwards
        else
            bands.push_back({name, bottom, top});
    }
    return bands;
}

// One fill per colour group (a path of small rectangles); returns the dots drawn per group.
std::vector<std::size_t> draw_dots(cairo_t* cr, const detail::axes& ax, const core::spike_trains& spikes,
                                   const raster_layout& layout, const unit_colours& colours, double t0, double t1) {
    const auto& area = ax.area();
    const double dot_h = std::clamp(area.h / static_cast<double>(std::max<std::int64_t>(layout.rows, 1)), 1.0, 3.0);
    const double dot_w = 1.5;  // [px]
    std::vector<std::size_t> dots(colours.groups.size(), 0);
    for (std::size_t g = 0; g < colours.groups.size(); ++g) {
        for (std::size_t i = 0; i < spikes.size(); ++i) {
            const double t = spikes.t_ms[i];
            if (t < t0 || t > t1) continue;
            const auto u = spikes.unit[i];
            const auto row = u < layout.row_of_unit.size() ? layout.row_of_unit[u] : -1;
            if (row < 0 || colours.group_of_unit[u] != g) continue;
            cairo_rectangle(cr, ax.px(t) - dot_w / 2, ax.py(static_cast<double>(row) + 0.5) - dot_h / 2, dot_w, dot_h);
            ++dots[g];
        }
        detail::set_colour(cr, colours.groups[g].colour);
        cairo_fill(cr);
    }
    return dots;
}

}  // namespace

void plot_raster(const core::spike_dataset& data, const raster_options& o, const std::filesystem::path& out,
                 image_format format) {
    if (!(o.subsample > 0.0 && o.subsample <= 1.0))
        throw core::config_error(fmt::format("--subsample: fraction must be in (0, 1] (got {})", o.subsample));
    const auto& spikes = data.spikes;
    const double t0 = o.t_start_ms >= 0 ? o.t_start_ms : spikes.t_start_ms;
    const double t1 = o.t_stop_ms >= 0 ? o.t_stop_ms : spikes.t_stop_ms;
    if (!(t1 > t0)) throw core::config_error(fmt::format("--t-start/--t-stop: empty window [{}, {}] ms", t0, t1));
    const auto populations = selected_populations(data.units, o.populations);
    const auto layout = layout_rows(data.units, spikes.unit_count, populations, o.subsample, o.seed);

    detail::canvas c(out, format, o.width_px, o.height_px);
    cairo_t* cr = c.cr();
    const rect area{150, 50, c.width() - 150 - 30, c.height() - 50 - 60};
    const axes ax(cr, area, t0, t1, 0.0, static_cast<double>(std::max<std::int64_t>(layout.rows, 1)));

    ax.clip();
    const auto bands = label_bands(data.units, populations, layout);
    // Thin separators between bands (populations, or areas of many populations) show the stacking.
    cairo_set_source_rgb(cr, 0.8, 0.8, 0.8);
    cairo_set_line_width(cr, 0.7);
    for (std::size_t i = 1; i < bands.size(); ++i) {
        cairo_move_to(cr, area.x, ax.py(bands[i].top));
        cairo_line_to(cr, area.x + area.w, ax.py(bands[i].top));
        cairo_stroke(cr);
    }
    const auto colours = colour_units(data.units, layout.row_of_unit);
    const auto dots = draw_dots(cr, ax, spikes, layout, colours, t0, t1);
    ax.unclip();

    std::vector<std::pair<double, std::string>> labels;
    for (const auto& b : bands)
        if (ax.py(b.bottom) - ax.py(b.top) >= 11.0 || bands.size() <= 12)  // only where a label fits
            labels.emplace_back((b.bottom + b.top) / 2, b.name);
    const std::string what = bands.size() < populations.size() ? "area" : "population";
    const std::string y_label = o.subsample < 1.0 ? fmt::format("{} ({} of {} units, {:g} %)", what, layout.drawn,
                                                                layout.total, 100 * o.subsample)
                                                  : fmt::format("{} ({} units)", what, layout.drawn);
    ax.draw_frame_categories("time [ms]", labels, y_label);
    std::vector<detail::legend_entry> legend;
    // Only colours that have dots; excitatory, inhibitory, then the palette.
    for (int pass = 0; pass < 3; ++pass)
        for (std::size_t g = 0; g < colours.groups.size(); ++g) {
            const auto& c = colours.groups[g].colour;
            const int rank = detail::same_colour(c, detail::excitatory_colour)   ? 0
                             : detail::same_colour(c, detail::inhibitory_colour) ? 1
                                                                                 : 2;
            if (rank == pass && dots[g] > 0) legend.push_back({c, colours.groups[g].label});
        }
    if (legend.size() <= 12) detail::draw_legend(cr, legend, area.x + area.w - 6, area.y + 6);
    detail::draw_title(cr, c, o.title);
    c.finish();
}

}  // namespace sf::plot
