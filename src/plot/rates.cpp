// Population rate over time: one panel per population, histogram + smoothed rate (the
// multi-area model's Fig. 5G style), shared time axis.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numbers>

#include "core/error.hpp"
#include "plot/canvas.hpp"
#include "plot/plot.hpp"

namespace sf::plot {

namespace {

constexpr std::size_t max_panels = 12;  // beyond this the panels are too thin to read

double finite_max(const std::vector<double>& v) {
    double m = 0;
    for (double x : v)
        if (std::isfinite(x)) m = std::max(m, x);
    return m;
}

// Upper y limit on a round value so the top tick is labelled.
double nice_top(double peak) {
    if (!(peak > 0)) return 1.0;
    const auto ticks = nice_ticks(0.0, peak * 1.05, 4);
    const double step = ticks.size() > 1 ? ticks[1] - ticks[0] : peak;
    return std::ceil(peak * 1.05 / step) * step;
}

void draw_rate_panel(cairo_t* cr, const detail::axes& ax, const analysis::population_rate& r, rgb colour,
                     double bin_ms) {
    ax.clip();
    cairo_set_source_rgb(cr, 0.72, 0.72, 0.72);
    for (std::size_t i = 0; i < r.t_ms.size() && i < r.rate_hz.size(); ++i) {
        if (!(r.rate_hz[i] > 0)) continue;
        const double x0 = ax.px(r.t_ms[i] - bin_ms / 2), x1 = ax.px(r.t_ms[i] + bin_ms / 2);
        cairo_rectangle(cr, x0, ax.py(r.rate_hz[i]), std::max(x1 - x0, 0.5), ax.py(0) - ax.py(r.rate_hz[i]));
    }
    cairo_fill(cr);
    detail::set_colour(cr, colour);
    cairo_set_line_width(cr, 1.6);
    bool pen_down = false;
    for (std::size_t i = 0; i < r.t_ms.size() && i < r.smoothed_hz.size(); ++i) {
        if (!std::isfinite(r.smoothed_hz[i])) {
            pen_down = false;
            continue;
        }
        if (pen_down)
            cairo_line_to(cr, ax.px(r.t_ms[i]), ax.py(r.smoothed_hz[i]));
        else
            cairo_move_to(cr, ax.px(r.t_ms[i]), ax.py(r.smoothed_hz[i]));
        pen_down = true;
    }
    cairo_stroke(cr);
    ax.unclip();
}

}  // namespace

void plot_population_rates(const std::vector<analysis::population_rate>& rates, const core::unit_table& units,
                           double bin_ms, double sigma_ms, const figure_options& o, const std::filesystem::path& out,
                           image_format format) {
    if (rates.empty()) throw core::config_error("rate plot: no population to draw");
    if (rates.size() > max_panels)
        throw core::config_error(fmt::format(
            "rate plot: {} populations, at most {} panels fit; choose with --populations", rates.size(), max_panels));
    double t0 = INFINITY, t1 = -INFINITY;
    for (const auto& r : rates)
        if (!r.t_ms.empty())
            t0 = std::min(t0, r.t_ms.front() - bin_ms / 2), t1 = std::max(t1, r.t_ms.back() + bin_ms / 2);
    if (!(t1 > t0)) throw core::config_error("rate plot: the rate series are empty (no time bins in the window)");

    const auto colours = population_colours(units);
    auto colour_of = [&](const std::string& name) {
        const auto it = std::find(units.population_names.begin(), units.population_names.end(), name);
        return it == units.population_names.end() ? rgb{0, 0, 0} : colours[it - units.population_names.begin()];
    };
    const int height = std::max(o.height_px, 120 + 110 * static_cast<int>(rates.size()));
    detail::canvas c(out, format, o.width_px, height);
    cairo_t* cr = c.cr();
    const double left = 95, top = 50, bottom = 60, gap = 12;
    const double panel_h =
        (c.height() - top - bottom - gap * static_cast<double>(rates.size() - 1)) / static_cast<double>(rates.size());
    for (std::size_t k = 0; k < rates.size(); ++k) {
        const auto& r = rates[k];
        const double y_top = nice_top(std::max(finite_max(r.rate_hz), finite_max(r.smoothed_hz)));
        const detail::rect area{left, top + static_cast<double>(k) * (panel_h + gap), c.width() - left - 30, panel_h};
        const detail::axes ax(cr, area, t0, t1, 0.0, y_top);
        draw_rate_panel(cr, ax, r, colour_of(r.name), bin_ms);
        const bool last = k + 1 == rates.size();
        ax.draw_frame(last ? "time [ms]" : "", "", last, 10, panel_h > 120 ? 5 : 3);
        cairo_set_source_rgb(cr, 0, 0, 0);
        detail::draw_text(cr, r.name, area.x + 8, area.y + 5, 13, 0.0, 0.0, 0.0, true);
    }
    cairo_set_source_rgb(cr, 0, 0, 0);
    detail::draw_text(cr, "population rate [Hz]", 22, top + (c.height() - top - bottom) / 2, 14, 0.5, 0.5,
                      std::numbers::pi / 2);
    detail::draw_legend(cr,
                        {{{0.72, 0.72, 0.72}, fmt::format("histogram ({:g} ms bins)", bin_ms)},
                         {{0.2, 0.2, 0.2}, fmt::format("Gaussian kernel (sigma = {:g} ms)", sigma_ms), true}},
                        c.width() - 36, top + 6);
    detail::draw_title(cr, c, o.title);
    c.finish();
}

}  // namespace sf::plot
