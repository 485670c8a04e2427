// Drawing primitives shared by the figures (internal to sf_plot): a cairo surface that writes
// PNG or SVG, axes with nice ticks and labels, text, legends. Coordinates are pixels (SVG: points
// of the same number), origin top left.
#pragma once

#include <cairo.h>

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "plot/plot.hpp"

namespace sf::plot::detail {

struct rect {
    double x = 0, y = 0, w = 0, h = 0;
};

// Owns the surface and context. finish() writes the file (PNG) or completes it (SVG) and throws
// core::io_error on failure; the destructor only releases.
class canvas {
public:
    canvas(const std::filesystem::path& path, image_format format, int width_px, int height_px);
    ~canvas();
    canvas(const canvas&) = delete;
    canvas& operator=(const canvas&) = delete;

    cairo_t* cr() const { return cr_; }
    double width() const { return width_; }
    double height() const { return height_; }
    void finish();

private:
    std::filesystem::path path_;
    image_format format_;
    double width_, height_;
    cairo_surface_t* surface_ = nullptr;
    cairo_t* cr_ = nullptr;
};

void set_colour(cairo_t* cr, rgb c, double alpha = 1.0);

// Text anchored at (x, y): halign 0 = left, 0.5 = centre, 1 = right; valign likewise (0 = top).
// angle in radians (counter-clockwise rotation of the text, -pi/2 for a y-axis label).
void draw_text(cairo_t* cr, const std::string& text, double x, double y, double size_px, double halign = 0.0,
               double valign = 0.0, double angle = 0.0, bool bold = false);
double text_width(cairo_t* cr, const std::string& text, double size_px);

// Tick label for value v on a grid of step `step`: as many decimals as the step needs.
std::string tick_label(double v, double step);

// A data-space window drawn in a pixel rectangle.
class axes {
public:
    axes(cairo_t* cr, rect area, double x0, double x1, double y0, double y1);
    double px(double x) const;
    double py(double y) const;
    const rect& area() const { return area_; }
    // Frame, ticks with labels, axis labels. Empty x_label: no x ticks labels either (shared axis).
    void draw_frame(const std::string& x_label, const std::string& y_label, bool x_tick_labels = true,
                    int max_x_ticks = 10, int max_y_ticks = 6) const;
    // Category axis: labels at y positions (data coordinates) instead of numeric y ticks.
    void draw_frame_categories(const std::string& x_label, const std::vector<std::pair<double, std::string>>& y_labels,
                               const std::string& y_label) const;
    void clip() const;
    void unclip() const;

private:
    void draw_x_ticks(bool labels, int max_ticks) const;
    cairo_t* cr_;
    rect area_;
    double x0_, x1_, y0_, y1_;
};

// A boxed legend whose top-right corner is (right, top): a colour swatch (square, or a line when
// `line` is true for that entry) and a label per entry.
struct legend_entry {
    rgb colour;
    std::string label;
    bool line = false;
};
void draw_legend(cairo_t* cr, const std::vector<legend_entry>& entries, double right, double top);

void draw_title(cairo_t* cr, const canvas& c, const std::string& title);

// A perceptually ordered colour map (viridis anchors, linearly interpolated), u in [0, 1].
rgb colour_map(double u);

inline constexpr rgb excitatory_colour{0.122, 0.467, 0.706};  // blue, as in the multi-area model's rasters
inline constexpr rgb inhibitory_colour{0.839, 0.153, 0.157};  // red
inline bool same_colour(rgb a, rgb b) { return a.r == b.r && a.g == b.g && a.b == b.b; }

// Palette for populations that are neither excitatory nor inhibitory (no blue, no red).
rgb palette(std::size_t i);

}  // namespace sf::plot::detail
