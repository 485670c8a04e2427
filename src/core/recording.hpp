// What the engine records, and the sink interfaces it streams that into.
//
// The engine (sf::sim) never includes sf::io. It pushes spikes and sampled state into these
// interfaces once per epoch; sf::io implements file sinks (SONATA, NWB, state reports) and the
// CLI or the Python module connects them. Memory therefore stays bounded by one epoch of
// output, whatever the simulated duration.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace sf::core {

// One population as the recorders see it: node ids in files are population-local (0..size-1).
struct population_info {
    std::string name;
    std::string model;
    std::uint64_t size = 0;
};

// Receives spikes. Within one call the spikes are sorted by (step, node); successive calls for
// one population never go back in time. A spike at `step` happened at t = step * dt_ms.
class spike_sink {
public:
    virtual ~spike_sink() = default;
    virtual void begin(const std::vector<population_info>& populations, double dt_ms) = 0;
    virtual void write_spikes(std::size_t population, std::span<const std::int64_t> steps,
                              std::span<const std::uint32_t> nodes) = 0;
    // Called once after the last write; a file sink makes its file complete here (atomic rename).
    virtual void finish() = 0;
};

// Which state variable of which neurons of a population is sampled, every `interval_steps` steps.
struct state_probe {
    std::size_t population = 0;
    std::string population_name;
    std::string field;      // e.g. "v"
    std::string unit;       // e.g. "mV"
    std::vector<std::uint32_t> nodes;  // population-local ids
    std::int64_t interval_steps = 1;
};

// Receives sampled state: for each probe, one row of values (one per node) per sample.
class state_sink {
public:
    virtual ~state_sink() = default;
    virtual void begin(const std::vector<state_probe>& probes, double dt_ms) = 0;
    // `rows` is n_samples x probe.nodes.size(), row-major; first_step is the step of row 0.
    virtual void write_samples(std::size_t probe, std::int64_t first_step, std::size_t n_samples,
                               std::span<const double> rows) = 0;
    virtual void finish() = 0;
};

}  // namespace sf::core

namespace sf::core {

// Forwards spikes to several sinks (e.g. a file writer and an online statistics summary).
class spike_sink_fanout final : public spike_sink {
public:
    explicit spike_sink_fanout(std::vector<spike_sink*> sinks) : sinks_(std::move(sinks)) {}
    void begin(const std::vector<population_info>& populations, double dt_ms) override {
        for (auto* s : sinks_) s->begin(populations, dt_ms);
    }
    void write_spikes(std::size_t population, std::span<const std::int64_t> steps,
                      std::span<const std::uint32_t> nodes) override {
        for (auto* s : sinks_) s->write_spikes(population, steps, nodes);
    }
    void finish() override {
        for (auto* s : sinks_) s->finish();
    }

private:
    std::vector<spike_sink*> sinks_;
};

}  // namespace sf::core
