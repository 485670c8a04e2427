// `spikeforge plan`: memory per rank of a distributed run and the nodes it needs, from the
// engine's own layout (src/sim/memory_plan.hpp) and bytes per neuron measured by building the
// network's populations (issue 8).
#include <fmt/format.h>

#include <cmath>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include "commands.hpp"
#include "core/error.hpp"
#include "models/builtin_registry.hpp"
#include "network_options.hpp"
#include "sim/memory_plan.hpp"
#include "sim/simulation.hpp"

namespace sf::cli {

namespace {

struct plan_options {
    simulate_options network;
    int ranks = 1;
    double node_memory_gb = 256;
    int ranks_per_node = 1;
    bool json = false;
};

// Resident memory of this process now [bytes] (/proc/self/statm).
double resident_bytes() {
    std::ifstream in("/proc/self/statm");
    double size = 0, resident = 0;
    in >> size >> resident;
    return resident * static_cast<double>(sysconf(_SC_PAGESIZE));
}

// Bytes per neuron of the engine: the network's populations and stimuli, without projections,
// at most ~200 000 neurons of them, built for real; the growth of the resident memory / neurons.
double measure_bytes_per_neuron(const config::simulation_config& c) {
    sim::network_spec calib = c.network;
    calib.projections.clear();
    std::uint64_t n = 0;
    for (const auto& p : calib.populations) n += p.size;
    const double f = n > 200'000 ? 200'000.0 / static_cast<double>(n) : 1.0;
    std::uint64_t built = 0;
    for (auto& p : calib.populations) {
        p.size = std::max<std::uint32_t>(1, static_cast<std::uint32_t>(std::lround(p.size * f)));
        if (!p.spike_times_ms.empty()) p.spike_times_ms.resize(p.size);
        built += p.size;
    }
    sim::run_spec run = c.run;
    run.threads = 1;
    run.probes.clear();
    const auto registry = models::builtin_registry();
    const double before = resident_bytes();
    const sim::simulation s(calib, run, registry);
    return std::max(0.0, resident_bytes() - before) / static_cast<double>(built);
}

double gb(double bytes) { return bytes / 1e9; }

int run_plan(const plan_options& o) {
    if (o.ranks < 1 || o.ranks_per_node < 1 || !(o.node_memory_gb > 0))
        throw core::config_error("--ranks, --ranks-per-node and --node-memory-gb must be positive");
    const config::simulation_config c = resolve_config(o.network);
    const int threads = c.run.threads;
    const sim::network_size size = sim::size_of(c.network);
    const double base = resident_bytes();
    const double per_neuron = measure_bytes_per_neuron(c);
    const sim::rank_memory m = sim::memory_per_rank(size, per_neuron, base, o.ranks, threads);
    const double node_bytes = o.node_memory_gb * 1e9 * 0.9;  // 10 % for the system and spikes in flight
    // The fewest nodes whose ranks each fit their share.
    std::int64_t nodes_needed = -1;
    for (std::int64_t nodes = 1; nodes <= 1'000'000; nodes = nodes < 64 ? nodes + 1 : nodes + nodes / 16) {
        const auto r = static_cast<int>(nodes * o.ranks_per_node);
        if (sim::memory_per_rank(size, per_neuron, base, r, threads).peak() * o.ranks_per_node <= node_bytes) {
            nodes_needed = nodes;
            break;
        }
    }
    const std::string name = !o.network.model.empty()        ? o.network.model
                              : !o.network.config_path.empty() ? o.network.config_path
                                                               : "vogels-abbott";
    const nlohmann::json j = {{"model", name},
                              {"neurons", size.neurons},
                              {"synapses", size.synapses},
                              {"bytes_per_synapse", size.synapses > 0 ? size.synapse_value_bytes / size.synapses : 0.0},
                              {"bytes_per_neuron", per_neuron},
                              {"ranks", o.ranks},
                              {"threads_per_rank", threads},
                              {"per_rank_gb", {{"synapses", gb(m.synapses)}, {"csr_offsets", gb(m.offsets)},
                                               {"neurons", gb(m.neurons)}, {"base", gb(m.base)}, {"total", gb(m.total())},
                                               {"build_scratch", gb(m.build_scratch)}, {"peak", gb(m.peak())}}},
                              {"node_memory_gb", o.node_memory_gb},
                              {"ranks_per_node", o.ranks_per_node},
                              {"nodes_needed", nodes_needed}};
    if (o.json) {
        fmt::print("{}\n", j.dump(2));
        return 0;
    }
    fmt::print("{}: {} neurons, {:.4g} synapses ({:.1f} B each), {:.0f} B per neuron (measured)\n",
               j["model"].get<std::string>(), size.neurons, size.synapses, j["bytes_per_synapse"].get<double>(), per_neuron);
    fmt::print("per rank with {} ranks x {} threads: {:.3g} GB = synapses {:.3g} + CSR offsets {:.3g} + neurons {:.3g} + "
               "process {:.3g}; peak during the build {:.3g} GB\n",
               o.ranks, threads, gb(m.total()), gb(m.synapses), gb(m.offsets), gb(m.neurons), gb(m.base), gb(m.peak()));
    if (nodes_needed > 0)
        fmt::print("nodes of {:g} GB with {} rank(s) each: {} ({} ranks)\n", o.node_memory_gb, o.ranks_per_node,
                   nodes_needed, nodes_needed * o.ranks_per_node);
    else
        fmt::print("does not fit nodes of {:g} GB with {} rank(s) each at any rank count: the per-rank part that does "
                   "not shrink with ranks (neurons, CSR offsets x threads) is too large\n",
                   o.node_memory_gb, o.ranks_per_node);
    return 0;
}

}  // namespace

command_runner add_plan(CLI::App& app) {
    auto o = std::make_shared<plan_options>();
    CLI::App* cmd = app.add_subcommand("plan", "Memory per MPI rank of a run and how many nodes it needs (nothing is run)");
    cmd->footer("From the engine's layout: synapses on their target's rank (4 B + 4 B varying weight + 2 B varying "
                "delay), CSR offsets (4 B per source neuron per projection per thread), every neuron's state on "
                "every rank (bytes measured by building the populations), the process itself. Example: spikeforge "
                "plan --model multi-area --scale 1 --ranks 64 --threads 8. docs/engine.md.");
    add_network_options(cmd, o->network);
    cmd->add_option("--ranks", o->ranks, "MPI ranks (default 1)");
    cmd->add_option("--node-memory-gb", o->node_memory_gb, "memory of one node [GB] (default 256; 90 % is planned)");
    cmd->add_option("--ranks-per-node", o->ranks_per_node, "ranks on one node (default 1)");
    cmd->add_flag("--json", o->json, "print the plan as JSON");
    return [o] { return run_plan(*o); };
}

}  // namespace sf::cli
