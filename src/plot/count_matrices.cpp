// A grid of count matrices drawn as images (neural-pile rows: units x 20 ms bins; motifs:
// p_n x p_t patches), the original neural-pile scripts' imshow figures.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "core/error.hpp"
#include "plot/canvas.hpp"
#include "plot/plot.hpp"

namespace sf::plot {

namespace {

// The matrix reduced to at most max_w x max_h pixels, each pixel the largest count of its block
// (a single spike stays visible however long the row), row 0 of the matrix at the image's bottom.
struct pixel_block {
    std::vector<std::uint8_t> value;
    std::size_t w = 0, h = 0;
};

pixel_block reduce(const count_matrix_panel& p, std::size_t max_w, std::size_t max_h) {
    pixel_block b;
    b.w = std::clamp<std::size_t>(p.cols, 1, max_w);
    b.h = std::clamp<std::size_t>(p.rows, 1, max_h);
    b.value.assign(b.w * b.h, 0);
    for (std::size_t r = 0; r < p.rows; ++r) {
        const std::size_t y = b.h - 1 - r * b.h / p.rows;
        const std::uint8_t* row = p.counts.data() + r * p.cols;
        for (std::size_t c = 0; c < p.cols; ++c) {
            std::uint8_t& v = b.value[y * b.w + c * b.w / p.cols];
            v = std::max(v, row[c]);
        }
    }
    return b;
}

void draw_matrix(cairo_t* cr, const count_matrix_panel& p, const detail::rect& area, double vmax) {
    const pixel_block b = reduce(p, static_cast<std::size_t>(area.w), static_cast<std::size_t>(area.h));
    cairo_surface_t* img = cairo_image_surface_create(CAIRO_FORMAT_RGB24, static_cast<int>(b.w), static_cast<int>(b.h));
    const int stride = cairo_image_surface_get_stride(img);
    unsigned char* data = cairo_image_surface_get_data(img);
    cairo_surface_flush(img);
    for (std::size_t y = 0; y < b.h; ++y)
        for (std::size_t x = 0; x < b.w; ++x) {
            const rgb c = detail::colour_map(static_cast<double>(b.value[y * b.w + x]) / vmax);
            const auto channel = [](double v) { return static_cast<std::uint32_t>(std::lround(v * 255.0)); };
            auto* px = reinterpret_cast<std::uint32_t*>(data + y * static_cast<std::size_t>(stride)) + x;
            *px = (channel(c.r) << 16) | (channel(c.g) << 8) | channel(c.b);
        }
    cairo_surface_mark_dirty(img);
    cairo_save(cr);
    cairo_translate(cr, area.x, area.y);
    cairo_scale(cr, area.w / static_cast<double>(b.w), area.h / static_cast<double>(b.h));
    cairo_set_source_surface(cr, img, 0, 0);
    cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_NEAREST);
    cairo_paint(cr);
    cairo_restore(cr);
    cairo_surface_destroy(img);
}

double panel_vmax(const count_matrix_panel& p, double fixed) {
    if (fixed > 0) return fixed;
    const std::uint8_t top = p.counts.empty() ? 0 : *std::max_element(p.counts.begin(), p.counts.end());
    return std::max<double>(1.0, top);
}

}  // namespace

void plot_count_matrices(const std::vector<count_matrix_panel>& panels, const matrix_grid_options& o,
                         const std::filesystem::path& out, image_format format) {
    if (panels.empty()) throw core::config_error("no matrix to draw");
    for (const auto& p : panels)
        if (p.counts.size() != p.rows * p.cols)
            throw core::config_error(fmt::format("panel '{}': {} counts for {} x {}", p.title, p.counts.size(), p.rows, p.cols));
    const std::size_t n = panels.size();
    const std::size_t columns = o.columns > 0 ? static_cast<std::size_t>(o.columns)
                                              : static_cast<std::size_t>(std::ceil(std::sqrt(static_cast<double>(n))));
    const std::size_t rows = (n + columns - 1) / columns;
    const double margin_l = o.axes ? 62 : 12, margin_b = o.axes ? 50 : 12, top = 46, gap_title = 22;
    const double cell_w = o.panel_width_px + margin_l + 14, cell_h = o.panel_height_px + margin_b + gap_title;
    detail::canvas c(out, format, static_cast<int>(cell_w * static_cast<double>(columns)),
                     static_cast<int>(top + cell_h * static_cast<double>(rows)));
    cairo_t* cr = c.cr();
    detail::draw_title(cr, c, o.title);
    for (std::size_t i = 0; i < n; ++i) {
        const auto& p = panels[i];
        const double x = static_cast<double>(i % columns) * cell_w + margin_l;
        const double y = top + static_cast<double>(i / columns) * cell_h + gap_title;
        const detail::rect area{x, y, static_cast<double>(o.panel_width_px), static_cast<double>(o.panel_height_px)};
        draw_matrix(cr, p, area, panel_vmax(p, o.vmax));
        cairo_set_source_rgb(cr, 0, 0, 0);
        detail::draw_text(cr, p.title, x + area.w / 2, y - 4, 12, 0.5, 1.0);
        if (o.axes) {
            const detail::axes ax(cr, area, 0, static_cast<double>(p.cols), 0, static_cast<double>(p.rows));
            ax.draw_frame(o.x_label, o.y_label, true, 5, 4);
        }
    }
    c.finish();
}

}  // namespace sf::plot
