#include "core/spike_data.hpp"

#include "core/error.hpp"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <limits>
#include <numeric>

namespace sf::core {

void spike_trains::sort() {
    std::vector<std::size_t> order(t_ms.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        return t_ms[a] < t_ms[b] || (t_ms[a] == t_ms[b] && unit[a] < unit[b]);
    });
    std::vector<double> t(order.size());
    std::vector<std::uint32_t> u(order.size());
    for (std::size_t i = 0; i < order.size(); ++i) {
        t[i] = t_ms[order[i]];
        u[i] = unit[order[i]];
    }
    t_ms.swap(t);
    unit.swap(u);
}

void spike_trains::validate(const std::string& what) const {
    if (t_ms.size() != unit.size())
        throw input_error(fmt::format("{}: {} times but {} unit ids", what, t_ms.size(), unit.size()));
    for (std::size_t i = 0; i < t_ms.size(); ++i) {
        if (!std::isfinite(t_ms[i])) throw input_error(fmt::format("{}: spike {} has a non-finite time", what, i));
        if (unit[i] >= unit_count)
            throw input_error(fmt::format("{}: spike {} names unit {} of {}", what, i, unit[i], unit_count));
        if (i > 0 && (t_ms[i] < t_ms[i - 1] || (t_ms[i] == t_ms[i - 1] && unit[i] < unit[i - 1])))
            throw input_error(fmt::format("{}: spikes not sorted by (time, unit) at {}", what, i));
    }
}

unit_view by_unit(const spike_trains& spikes) {
    unit_view v;
    v.offsets.assign(spikes.unit_count + 1, 0);
    for (auto u : spikes.unit) ++v.offsets[u + 1];
    for (std::size_t u = 0; u < spikes.unit_count; ++u) v.offsets[u + 1] += v.offsets[u];
    v.times_ms.resize(spikes.size());
    std::vector<std::uint64_t> fill(v.offsets.begin(), v.offsets.end() - 1);
    // Input is time-sorted, so each unit's times come out ascending.
    for (std::size_t i = 0; i < spikes.size(); ++i) v.times_ms[fill[spikes.unit[i]]++] = spikes.t_ms[i];
    return v;
}

std::uint32_t unit_table::add_population(const std::string& name, std::uint32_t n, std::uint64_t first_node) {
    auto it = std::find(population_names.begin(), population_names.end(), name);
    const auto index = static_cast<std::uint32_t>(it - population_names.begin());
    if (it == population_names.end()) population_names.push_back(name);
    const double nan = std::numeric_limits<double>::quiet_NaN();
    for (std::uint32_t k = 0; k < n; ++k) {
        population.push_back(index);
        node_id.push_back(first_node + k);
        x.push_back(nan);
        y.push_back(nan);
        z.push_back(nan);
        type.push_back(unit_type::unknown);
    }
    return index;
}

}  // namespace sf::core
