#include "plot/canvas.hpp"

#include <cairo-svg.h>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>

#include "core/error.hpp"

namespace sf::plot::detail {

namespace {
constexpr double tick_len = 5.0;     // [px]
constexpr double tick_font = 12.0;   // [px]
constexpr double label_font = 14.0;  // [px]
constexpr double title_font = 17.0;  // [px]
}  // namespace

canvas::canvas(const std::filesystem::path& path, image_format format, int width_px, int height_px)
    : path_(path), format_(format), width_(width_px), height_(height_px) {
    if (format == image_format::png)
        surface_ = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, width_px, height_px);
    else
        surface_ = cairo_svg_surface_create(path.c_str(), width_px, height_px);
    if (cairo_surface_status(surface_) != CAIRO_STATUS_SUCCESS) {
        const std::string why = cairo_status_to_string(cairo_surface_status(surface_));
        cairo_surface_destroy(surface_);
        throw core::io_error(fmt::format("{}: cannot create the figure ({})", path.string(), why));
    }
    cr_ = cairo_create(surface_);
    // White background: PNG viewers would otherwise show transparency.
    cairo_set_source_rgb(cr_, 1, 1, 1);
    cairo_paint(cr_);
    cairo_set_line_join(cr_, CAIRO_LINE_JOIN_ROUND);
}

canvas::~canvas() {
    if (cr_) cairo_destroy(cr_);
    if (surface_) cairo_surface_destroy(surface_);
}

void canvas::finish() {
    cairo_status_t status = cairo_status(cr_);
    if (status == CAIRO_STATUS_SUCCESS) {
        if (format_ == image_format::png) {
            cairo_surface_flush(surface_);
            status = cairo_surface_write_to_png(surface_, path_.c_str());
        } else {
            cairo_surface_finish(surface_);  // the SVG surface writes its file here
            status = cairo_surface_status(surface_);
        }
    }
    if (status != CAIRO_STATUS_SUCCESS)
        throw core::io_error(
            fmt::format("{}: cannot write the figure ({})", path_.string(), cairo_status_to_string(status)));
}

void set_colour(cairo_t* cr, rgb c, double alpha) { cairo_set_source_rgba(cr, c.r, c.g, c.b, alpha); }

void draw_text(cairo_t* cr, const std::string& text, double x, double y, double size_px, double halign, double valign,
               double angle, bool bold) {
    cairo_save(cr);
    cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL,
                           bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, size_px);
    cairo_text_extents_t ext;
    cairo_text_extents(cr, text.c_str(), &ext);
    cairo_font_extents_t fext;
    cairo_font_extents(cr, &fext);
    cairo_translate(cr, x, y);
    cairo_rotate(cr, -angle);
    // Vertical alignment uses the font's ascent, not the glyphs', so labels on one line align.
    cairo_move_to(cr, -halign * ext.x_advance, fext.ascent * (1.0 - valign) - valign * fext.descent);
    cairo_show_text(cr, text.c_str());
    cairo_restore(cr);
}

double text_width(cairo_t* cr, const std::string& text, double size_px) {
    cairo_save(cr);
    cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, size_px);
    cairo_text_extents_t ext;
    cairo_text_extents(cr, text.c_str(), &ext);
    cairo_restore(cr);
    return ext.x_advance;
}

std::string tick_label(double v, double step) {
    int decimals = 0;
    while (decimals < 6 &&
           std::abs(step * std::pow(10.0, decimals) - std::round(step * std::pow(10.0, decimals))) > 1e-6)
        ++decimals;
    if (std::abs(v) < step * 1e-9) v = 0.0;  // no "-0"
    const double magnitude = std::abs(v);
    if (magnitude >= 1e6 || (magnitude > 0 && magnitude < 1e-4)) return fmt::format("{:.3g}", v);
    return fmt::format("{:.{}f}", v, decimals);
}

axes::axes(cairo_t* cr, rect area, double x0, double x1, double y0, double y1)
    : cr_(cr), area_(area), x0_(x0), x1_(x1 > x0 ? x1 : x0 + 1.0), y0_(y0), y1_(y1 > y0 ? y1 : y0 + 1.0) {}

double axes::px(double x) const { return area_.x + (x - x0_) / (x1_ - x0_) * area_.w; }
double axes::py(double y) const { return area_.y + area_.h - (y - y0_) / (y1_ - y0_) * area_.h; }

void axes::clip() const {
    cairo_save(cr_);
    cairo_rectangle(cr_, area_.x, area_.y, area_.w, area_.h);
    cairo_clip(cr_);
}
void axes::unclip() const { cairo_restore(cr_); }

void axes::draw_x_ticks(bool labels, int max_ticks) const {
    if (max_ticks <= 0) return;  // category x axes draw their own labels
    const auto ticks = nice_ticks(x0_, x1_, max_ticks);
    const double step = ticks.size() > 1 ? ticks[1] - ticks[0] : 1.0;
    const double bottom = area_.y + area_.h;
    for (double t : ticks) {
        if (t < x0_ - 1e-9 * (x1_ - x0_) || t > x1_ + 1e-9 * (x1_ - x0_)) continue;
        cairo_move_to(cr_, px(t), bottom);
        cairo_line_to(cr_, px(t), bottom + tick_len);
        cairo_stroke(cr_);
        if (labels) draw_text(cr_, tick_label(t, step), px(t), bottom + tick_len + 2, tick_font, 0.5, 0.0);
    }
}

void axes::draw_frame(const std::string& x_label, const std::string& y_label, bool x_tick_labels, int max_x_ticks,
                      int max_y_ticks) const {
    cairo_set_source_rgb(cr_, 0, 0, 0);
    cairo_set_line_width(cr_, 1.0);
    cairo_rectangle(cr_, area_.x, area_.y, area_.w, area_.h);
    cairo_stroke(cr_);
    draw_x_ticks(x_tick_labels, max_x_ticks);
    const auto ticks = nice_ticks(y0_, y1_, max_y_ticks);
    const double step = ticks.size() > 1 ? ticks[1] - ticks[0] : 1.0;
    double widest = 0;
    for (double t : ticks) {
        if (t < y0_ - 1e-9 * (y1_ - y0_) || t > y1_ + 1e-9 * (y1_ - y0_)) continue;
        cairo_move_to(cr_, area_.x, py(t));
        cairo_line_to(cr_, area_.x - tick_len, py(t));
        cairo_stroke(cr_);
        const std::string text = tick_label(t, step);
        widest = std::max(widest, text_width(cr_, text, tick_font));
        draw_text(cr_, text, area_.x - tick_len - 3, py(t), tick_font, 1.0, 0.5);
    }
    if (!x_label.empty() && x_tick_labels)
        draw_text(cr_, x_label, area_.x + area_.w / 2, area_.y + area_.h + tick_len + 20, label_font, 0.5, 0.0);
    if (!y_label.empty())
        draw_text(cr_, y_label, area_.x - tick_len - widest - 10, area_.y + area_.h / 2, label_font, 0.5, 1.0,
                  std::numbers::pi / 2);
}

void axes::draw_frame_categories(const std::string& x_label,
                                 const std::vector<std::pair<double, std::string>>& y_labels,
                                 const std::string& y_label) const {
    cairo_set_source_rgb(cr_, 0, 0, 0);
    cairo_set_line_width(cr_, 1.0);
    cairo_rectangle(cr_, area_.x, area_.y, area_.w, area_.h);
    cairo_stroke(cr_);
    draw_x_ticks(true, 10);
    double widest = 0;
    for (const auto& [y, text] : y_labels) {
        widest = std::max(widest, text_width(cr_, text, tick_font));
        draw_text(cr_, text, area_.x - 6, py(y), tick_font, 1.0, 0.5);
    }
    if (!x_label.empty())
        draw_text(cr_, x_label, area_.x + area_.w / 2, area_.y + area_.h + tick_len + 20, label_font, 0.5, 0.0);
    if (!y_label.empty())
        draw_text(cr_, y_label, area_.x - widest - 14, area_.y + area_.h / 2, label_font, 0.5, 1.0,
                  std::numbers::pi / 2);
}

void draw_legend(cairo_t* cr, const std::vector<legend_entry>& entries, double right, double top) {
    if (entries.empty()) return;
    constexpr double font = 12.0, row = 18.0, swatch = 12.0, pad = 6.0;
    double widest = 0;
    for (const auto& e : entries) widest = std::max(widest, text_width(cr, e.label, font));
    const double w = pad + swatch + 6 + widest + pad, h = pad + row * static_cast<double>(entries.size()) + pad - 4;
    const double left = right - w;
    cairo_set_source_rgba(cr, 1, 1, 1, 0.9);
    cairo_rectangle(cr, left, top, w, h);
    cairo_fill_preserve(cr);
    cairo_set_source_rgb(cr, 0.6, 0.6, 0.6);
    cairo_set_line_width(cr, 0.8);
    cairo_stroke(cr);
    for (std::size_t i = 0; i < entries.size(); ++i) {
        const double y = top + pad + row * static_cast<double>(i);
        set_colour(cr, entries[i].colour);
        if (entries[i].line) {
            cairo_set_line_width(cr, 2.0);
            cairo_move_to(cr, left + pad, y + swatch / 2);
            cairo_line_to(cr, left + pad + swatch, y + swatch / 2);
            cairo_stroke(cr);
        } else {
            cairo_rectangle(cr, left + pad, y, swatch, swatch);
            cairo_fill(cr);
        }
        cairo_set_source_rgb(cr, 0, 0, 0);
        draw_text(cr, entries[i].label, left + pad + swatch + 6, y + swatch / 2, font, 0.0, 0.5);
    }
}

void draw_title(cairo_t* cr, const canvas& c, const std::string& title) {
    cairo_set_source_rgb(cr, 0, 0, 0);
    draw_text(cr, title, c.width() / 2, 12, title_font, 0.5, 0.0, 0.0, true);
}

rgb colour_map(double u) {
    // Viridis sampled at u = 0, 0.125, ..., 1.
    static constexpr std::array<rgb, 9> anchors{{{0.267, 0.005, 0.329},
                                                 {0.283, 0.141, 0.458},
                                                 {0.254, 0.265, 0.530},
                                                 {0.207, 0.372, 0.553},
                                                 {0.128, 0.567, 0.551},
                                                 {0.135, 0.659, 0.518},
                                                 {0.267, 0.749, 0.441},
                                                 {0.478, 0.821, 0.318},
                                                 {0.993, 0.906, 0.144}}};
    u = std::clamp(std::isfinite(u) ? u : 0.0, 0.0, 1.0) * static_cast<double>(anchors.size() - 1);
    const auto i = std::min<std::size_t>(static_cast<std::size_t>(u), anchors.size() - 2);
    const double f = u - static_cast<double>(i);
    const rgb a = anchors[i], b = anchors[i + 1];
    return {a.r + f * (b.r - a.r), a.g + f * (b.g - a.g), a.b + f * (b.b - a.b)};
}

rgb palette(std::size_t i) {
    // Tableau-like colours without its blue and red, which mean excitatory / inhibitory here.
    static constexpr std::array<rgb, 8> colours{{{1.000, 0.498, 0.055},
                                                 {0.173, 0.627, 0.173},
                                                 {0.580, 0.404, 0.741},
                                                 {0.549, 0.337, 0.294},
                                                 {0.890, 0.467, 0.761},
                                                 {0.498, 0.498, 0.498},
                                                 {0.737, 0.741, 0.133},
                                                 {0.090, 0.745, 0.812}}};
    return colours[i % colours.size()];
}

}  // namespace sf::plot::detail
