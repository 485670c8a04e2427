// Helpers of the public plot API that are not figures: format choice, colours, ticks, areas.
#include "plot/plot.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>

#include "core/error.hpp"
#include "plot/canvas.hpp"

namespace sf::plot {

image_format format_for_path(const std::filesystem::path& path) {
    std::string ext = path.extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (ext == ".png") return image_format::png;
    if (ext == ".svg") return image_format::svg;
    throw core::config_error(fmt::format("-o {}: figure file must end in .png or .svg", path.string()));
}

namespace {

// Type of a population from its name when the file gives no unit types: "exc*", "inh*" (any
// case) or a trailing 'E' / 'I' after the area prefix (the multi-area model's "23E", "V1/6I").
core::unit_type type_from_name(const std::string& name) {
    const std::string pop = split_area(name).second;
    if (pop.empty()) return core::unit_type::unknown;
    std::string lower = pop;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (lower.rfind("exc", 0) == 0 || pop.back() == 'E') return core::unit_type::excitatory;
    if (lower.rfind("inh", 0) == 0 || pop.back() == 'I') return core::unit_type::inhibitory;
    return core::unit_type::unknown;
}

}  // namespace

std::vector<rgb> population_colours(const core::unit_table& units) {
    const std::size_t n = units.population_names.size();
    std::vector<std::size_t> exc(n, 0), inh(n, 0), all(n, 0);
    for (std::size_t u = 0; u < units.size(); ++u) {
        const auto p = units.population[u];
        if (p >= n) continue;
        ++all[p];
        if (u < units.type.size() && units.type[u] == core::unit_type::excitatory) ++exc[p];
        if (u < units.type.size() && units.type[u] == core::unit_type::inhibitory) ++inh[p];
    }
    std::vector<rgb> colours(n);
    std::size_t next = 0;
    for (std::size_t p = 0; p < n; ++p) {
        // Unit types decide; a population without any typed unit falls back to its name.
        const auto by_name =
            exc[p] + inh[p] == 0 ? type_from_name(units.population_names[p]) : core::unit_type::unknown;
        if ((all[p] > 0 && 2 * exc[p] > all[p]) || by_name == core::unit_type::excitatory)
            colours[p] = detail::excitatory_colour;
        else if ((all[p] > 0 && 2 * inh[p] > all[p]) || by_name == core::unit_type::inhibitory)
            colours[p] = detail::inhibitory_colour;
        else
            colours[p] = detail::palette(next++);
    }
    return colours;
}

std::vector<double> nice_ticks(double lo, double hi, int max_ticks) {
    if (!std::isfinite(lo) || !std::isfinite(hi)) return {};
    if (hi < lo) std::swap(lo, hi);
    if (hi == lo) return {lo};
    max_ticks = std::max(max_ticks, 2);
    const double raw = (hi - lo) / static_cast<double>(max_ticks - 1);
    const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
    for (double m = magnitude;; m *= 10.0) {
        for (double f : {1.0, 2.0, 2.5, 5.0}) {
            const double step = f * m;
            if (step < raw * (1 - 1e-9)) continue;
            const double first = std::ceil(lo / step - 1e-9) * step;
            std::vector<double> ticks;
            for (double t = first; t <= hi + step * 1e-9; t = first + step * static_cast<double>(ticks.size()))
                ticks.push_back(std::abs(t) < step * 1e-9 ? 0.0 : t);
            // A range narrower than one step still gets its two ends labelled by the caller's frame.
            if (static_cast<int>(ticks.size()) <= max_ticks) return ticks;
        }
    }
}

std::pair<std::string, std::string> split_area(const std::string& name) {
    if (const auto slash = name.rfind('/'); slash != std::string::npos && slash > 0 && slash + 1 < name.size())
        return {name.substr(0, slash), name.substr(slash + 1)};
    if (const auto under = name.find('_'); under != std::string::npos && under > 0 && under + 1 < name.size())
        return {name.substr(0, under), name.substr(under + 1)};
    return {"", name};
}

}  // namespace sf::plot
