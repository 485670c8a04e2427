// Populations x areas heatmap of mean rates with a colour bar (the multi-area model's
// show_rates() overview: areas along x, populations along y).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <numbers>

#include "core/error.hpp"
#include "plot/canvas.hpp"
#include "plot/plot.hpp"

namespace sf::plot {

namespace {

struct grid {
    std::vector<std::string> areas, pops;    // first-seen order
    std::vector<std::vector<double>> value;  // [pop][area], NaN = no such population
    double max = 0;
};

std::size_t index_of(std::vector<std::string>& list, const std::string& s) {
    const auto it = std::find(list.begin(), list.end(), s);
    if (it != list.end()) return static_cast<std::size_t>(it - list.begin());
    list.push_back(s);
    return list.size() - 1;
}

grid make_grid(const std::vector<std::pair<std::string, double>>& rates) {
    grid g;
    std::vector<std::tuple<std::size_t, std::size_t, double>> cells;
    for (const auto& [name, rate] : rates) {
        const auto [area, pop] = split_area(name);
        cells.emplace_back(index_of(g.pops, pop), index_of(g.areas, area.empty() ? "all" : area), rate);
    }
    g.value.assign(g.pops.size(), std::vector<double>(g.areas.size(), NAN));
    for (const auto& [p, a, r] : cells) {
        g.value[p][a] = r;
        if (std::isfinite(r)) g.max = std::max(g.max, r);
    }
    return g;
}

void draw_cells(cairo_t* cr, const grid& g, const detail::rect& area, double top_value) {
    const double cw = area.w / static_cast<double>(g.areas.size()), ch = area.h / static_cast<double>(g.pops.size());
    const bool numbers = cw >= 38 && ch >= 18;  // write the value where it fits
    for (std::size_t p = 0; p < g.pops.size(); ++p)
        for (std::size_t a = 0; a < g.areas.size(); ++a) {
            const double v = g.value[p][a];
            const double x = area.x + static_cast<double>(a) * cw, y = area.y + static_cast<double>(p) * ch;
            const double u = v / top_value;
            if (std::isfinite(v))
                detail::set_colour(cr, detail::colour_map(u));
            else
                cairo_set_source_rgb(cr, 0.9, 0.9, 0.9);
            cairo_rectangle(cr, x, y, cw + 0.3, ch + 0.3);  // overlap hides antialiasing seams
            cairo_fill(cr);
            if (!numbers || !std::isfinite(v)) continue;
            const double shade = u < 0.6 ? 1.0 : 0.0;  // white text on the dark end of the map
            cairo_set_source_rgb(cr, shade, shade, shade);
            detail::draw_text(cr, fmt::format("{:.1f}", v), x + cw / 2, y + ch / 2, 11, 0.5, 0.5);
        }
}

void draw_labels(cairo_t* cr, const grid& g, const detail::rect& area) {
    const double cw = area.w / static_cast<double>(g.areas.size()), ch = area.h / static_cast<double>(g.pops.size());
    cairo_set_source_rgb(cr, 0, 0, 0);
    double widest = 0;
    for (const auto& a : g.areas) widest = std::max(widest, detail::text_width(cr, a, 12));
    const bool rotate = widest > cw - 4;
    for (std::size_t a = 0; a < g.areas.size(); ++a) {
        const double x = area.x + (static_cast<double>(a) + 0.5) * cw;
        if (rotate)
            detail::draw_text(cr, g.areas[a], x, area.y + area.h + 6, 12, 1.0, 0.5, std::numbers::pi / 2);
        else
            detail::draw_text(cr, g.areas[a], x, area.y + area.h + 6, 12, 0.5, 0.0);
    }
    for (std::size_t p = 0; p < g.pops.size(); ++p)
        detail::draw_text(cr, g.pops[p], area.x - 6, area.y + (static_cast<double>(p) + 0.5) * ch, 12, 1.0, 0.5);
    const double x_label_y = area.y + area.h + (rotate ? widest + 14 : 24);
    detail::draw_text(cr, "area", area.x + area.w / 2, x_label_y, 14, 0.5, 0.0);
    double pop_widest = 0;
    for (const auto& p : g.pops) pop_widest = std::max(pop_widest, detail::text_width(cr, p, 12));
    detail::draw_text(cr, "population", area.x - pop_widest - 16, area.y + area.h / 2, 14, 0.5, 1.0,
                      std::numbers::pi / 2);
}

void draw_colour_bar(cairo_t* cr, const detail::rect& bar, double top_value) {
    constexpr int steps = 128;
    for (int i = 0; i < steps; ++i) {
        const double u0 = static_cast<double>(i) / steps;
        detail::set_colour(cr, detail::colour_map(u0 + 0.5 / steps));
        cairo_rectangle(cr, bar.x, bar.y + bar.h * (1 - u0 - 1.0 / steps), bar.w, bar.h / steps + 0.5);
        cairo_fill(cr);
    }
    const detail::axes ax(cr, bar, 0, 1, 0, top_value);
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_set_line_width(cr, 1.0);
    cairo_rectangle(cr, bar.x, bar.y, bar.w, bar.h);
    cairo_stroke(cr);
    const auto ticks = nice_ticks(0, top_value, 6);
    const double step = ticks.size() > 1 ? ticks[1] - ticks[0] : top_value;
    for (double t : ticks) {
        cairo_move_to(cr, bar.x + bar.w, ax.py(t));
        cairo_line_to(cr, bar.x + bar.w + 4, ax.py(t));
        cairo_stroke(cr);
        detail::draw_text(cr, detail::tick_label(t, step), bar.x + bar.w + 7, ax.py(t), 12, 0.0, 0.5);
    }
    detail::draw_text(cr, "mean rate [Hz]", bar.x + bar.w + 58, bar.y + bar.h / 2, 14, 0.5, 0.5, std::numbers::pi / 2);
}

}  // namespace

void plot_rates_heatmap(const std::vector<std::pair<std::string, double>>& mean_rates_hz, const figure_options& o,
                        const std::filesystem::path& out, image_format format) {
    if (mean_rates_hz.empty()) throw core::config_error("rates-heatmap: no population to draw");
    const grid g = make_grid(mean_rates_hz);
    // The colour scale starts at 0 Hz and ends on a round value so the bar's top is labelled.
    const auto ticks = nice_ticks(0, g.max > 0 ? g.max : 1.0, 6);
    const double step = ticks.size() > 1 ? ticks[1] - ticks[0] : 1.0;
    const double top_value = std::max(step, std::ceil((g.max > 0 ? g.max : 1.0) / step - 1e-9) * step);

    detail::canvas c(out, format, o.width_px, o.height_px);
    cairo_t* cr = c.cr();
    double area_label = 0;
    for (const auto& a : g.areas) area_label = std::max(area_label, detail::text_width(cr, a, 12));
    const double left = 130, right = 130, top = 50;
    const double bottom = 50 + std::min(area_label, 80.0);
    const detail::rect area{left, top, c.width() - left - right, c.height() - top - bottom};
    draw_cells(cr, g, area, top_value);
    draw_labels(cr, g, area);
    draw_colour_bar(cr, {area.x + area.w + 20, area.y, 18, area.h}, top_value);
    detail::draw_title(cr, c, o.title);
    c.finish();
}

}  // namespace sf::plot
