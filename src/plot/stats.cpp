// Box plots of per-unit statistics per population (the multi-area model's Fig. 5D-F): rate, CV of
// ISI, LvR and pairwise correlation in a 2 x 2 grid.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numbers>

#include "core/error.hpp"
#include "plot/canvas.hpp"
#include "plot/plot.hpp"

namespace sf::plot {

namespace {

// Quartiles by linear interpolation between order statistics (numpy's default), so the boxes
// match what a user computes with np.percentile.
double quantile(const std::vector<double>& sorted, double q) {
    const double pos = q * static_cast<double>(sorted.size() - 1);
    const auto lo = static_cast<std::size_t>(std::floor(pos));
    const auto hi = std::min(lo + 1, sorted.size() - 1);
    return sorted[lo] + (pos - static_cast<double>(lo)) * (sorted[hi] - sorted[lo]);
}

struct box {
    bool empty = true;
    double q1 = 0, median = 0, q3 = 0, low = 0, high = 0;  // low/high: whisker ends
    std::vector<double> outliers;
};

box make_box(const std::vector<double>& values) {
    std::vector<double> v;
    for (double x : values)
        if (std::isfinite(x)) v.push_back(x);
    box b;
    if (v.empty()) return b;
    std::sort(v.begin(), v.end());
    b.empty = false;
    b.q1 = quantile(v, 0.25), b.median = quantile(v, 0.5), b.q3 = quantile(v, 0.75);
    const double iqr = b.q3 - b.q1, lo_fence = b.q1 - 1.5 * iqr, hi_fence = b.q3 + 1.5 * iqr;
    b.low = b.q1, b.high = b.q3;
    for (double x : v) {
        if (x < lo_fence || x > hi_fence)
            b.outliers.push_back(x);
        else
            b.low = std::min(b.low, x), b.high = std::max(b.high, x);
    }
    return b;
}

struct panel_spec {
    std::string label;
    const std::vector<double> analysis::unit_values::*field;
};

void draw_box(cairo_t* cr, const detail::axes& ax, const box& b, double x, rgb colour) {
    const double half = 0.3;
    cairo_set_line_width(cr, 1.0);
    cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
    cairo_move_to(cr, ax.px(x), ax.py(b.low));  // whiskers
    cairo_line_to(cr, ax.px(x), ax.py(b.q1));
    cairo_move_to(cr, ax.px(x), ax.py(b.q3));
    cairo_line_to(cr, ax.px(x), ax.py(b.high));
    for (double end : {b.low, b.high}) {
        cairo_move_to(cr, ax.px(x - half / 2), ax.py(end));
        cairo_line_to(cr, ax.px(x + half / 2), ax.py(end));
    }
    cairo_stroke(cr);
    const double bx = ax.px(x - half), bw = ax.px(x + half) - bx;
    cairo_rectangle(cr, bx, ax.py(b.q3), bw, std::max(ax.py(b.q1) - ax.py(b.q3), 1.0));
    detail::set_colour(cr, colour, 0.45);
    cairo_fill_preserve(cr);
    detail::set_colour(cr, colour);
    cairo_stroke(cr);
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_set_line_width(cr, 2.0);
    cairo_move_to(cr, bx, ax.py(b.median));
    cairo_line_to(cr, bx + bw, ax.py(b.median));
    cairo_stroke(cr);
    detail::set_colour(cr, colour);
    cairo_set_line_width(cr, 1.0);
    for (double y : b.outliers) {
        cairo_new_sub_path(cr);
        cairo_arc(cr, ax.px(x), ax.py(y), 2.0, 0, 2 * std::numbers::pi);
    }
    cairo_stroke(cr);
}

// y range over whiskers and outliers, with a margin.
std::pair<double, double> value_range(const std::vector<box>& boxes) {
    double lo = INFINITY, hi = -INFINITY;
    for (const auto& b : boxes) {
        if (b.empty) continue;
        lo = std::min(lo, b.low), hi = std::max(hi, b.high);
        for (double y : b.outliers) lo = std::min(lo, y), hi = std::max(hi, y);
    }
    if (!std::isfinite(lo)) return {0.0, 1.0};
    if (hi - lo < 1e-12) lo -= 0.5, hi += 0.5;
    const double pad = 0.05 * (hi - lo);  // keep boxes and whisker caps off the frame; ticks fall inside
    return {lo - pad, hi + pad};
}

void draw_panel(cairo_t* cr, const detail::rect& area, const panel_spec& spec,
                const std::vector<analysis::unit_values>& values, const std::vector<rgb>& colours) {
    std::vector<box> boxes;
    for (const auto& v : values) boxes.push_back(make_box(v.*spec.field));
    const auto [y0, y1] = value_range(boxes);
    const double n = static_cast<double>(values.size());
    const detail::axes ax(cr, area, 0.4, n + 0.6, y0, y1);
    for (std::size_t i = 0; i < boxes.size(); ++i)
        if (!boxes[i].empty) draw_box(cr, ax, boxes[i], static_cast<double>(i) + 1.0, colours[i]);
    ax.draw_frame("", spec.label, false, 0, 5);
    cairo_set_source_rgb(cr, 0, 0, 0);
    double widest = 0;
    for (const auto& v : values) widest = std::max(widest, detail::text_width(cr, v.population, 11));
    const bool rotate = widest > area.w / n - 4;
    for (std::size_t i = 0; i < values.size(); ++i) {
        const double x = ax.px(static_cast<double>(i) + 1.0);
        if (rotate)
            detail::draw_text(cr, values[i].population, x, area.y + area.h + 5, 11, 1.0, 0.5, std::numbers::pi / 2);
        else
            detail::draw_text(cr, values[i].population, x, area.y + area.h + 5, 11, 0.5, 0.0);
        if (boxes[i].empty) detail::draw_text(cr, "n/a", x, area.y + area.h / 2, 10, 0.5, 0.5);
    }
}

}  // namespace

void plot_statistics(const std::vector<analysis::unit_values>& values, const core::unit_table& units,
                     const figure_options& o, const std::filesystem::path& out, image_format format) {
    if (values.empty()) throw core::config_error("stats plot: no population to draw");
    const auto all_colours = population_colours(units);
    std::vector<rgb> colours;
    for (const auto& v : values) {
        const auto it = std::find(units.population_names.begin(), units.population_names.end(), v.population);
        colours.push_back(it == units.population_names.end() ? detail::palette(colours.size())
                                                             : all_colours[it - units.population_names.begin()]);
    }
    const std::vector<panel_spec> panels = {{"rate [Hz]", &analysis::unit_values::rate_hz},
                                            {"CV of ISI", &analysis::unit_values::cv_isi},
                                            {"LvR (R = 2 ms)", &analysis::unit_values::lvr},
                                            {"correlation coefficient", &analysis::unit_values::correlations}};
    detail::canvas c(out, format, o.width_px, o.height_px);
    cairo_t* cr = c.cr();
    double widest = 0;
    for (const auto& v : values) widest = std::max(widest, detail::text_width(cr, v.population, 11));
    const double label_room = std::min(std::max(24.0, widest + 12), 90.0);
    const double left = 80, top = 45, col_gap = 90, row_gap = label_room + 20;
    const double w = (c.width() - left - 30 - col_gap) / 2, h = (c.height() - top - 2 * label_room - row_gap + 10) / 2;
    for (std::size_t k = 0; k < panels.size(); ++k) {
        const double x = left + static_cast<double>(k % 2) * (w + col_gap);
        const double y = top + static_cast<double>(k / 2) * (h + row_gap);
        draw_panel(cr, {x, y, w, h}, panels[k], values, colours);
    }
    detail::draw_title(cr, c, o.title);
    c.finish();
}

}  // namespace sf::plot
