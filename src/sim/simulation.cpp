#include "sim/simulation.hpp"

#include "core/error.hpp"
#include "core/philox_batch.hpp"
#include "core/rng.hpp"
#include "sim/connectors.hpp"
#include "sim/poisson_counts.hpp"
#include "core/kernel_attributes.hpp"
#include "sim/spin_barrier.hpp"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <cmath>
#include <fmt/format.h>
#include <limits>
#include <thread>

namespace sf::sim {

namespace {

// [begin, end) of a population's neurons owned by worker `thread` of `threads` (contiguous slices,
// in worker order, so that concatenating the workers' spikes keeps the gid order). Under MPI the
// workers are rank x threads + thread of ranks x threads.
struct slice {
    std::size_t begin = 0, end = 0;
};
slice slice_of(std::size_t size, int thread, int threads) {
    return {size * static_cast<std::size_t>(thread) / static_cast<std::size_t>(threads),
            size * static_cast<std::size_t>(thread + 1) / static_cast<std::size_t>(threads)};
}

std::int64_t steps_of(double ms, double dt) { return std::llround(ms / dt); }

// Exponential inter-event interval [steps] of a Poisson process with `mean_per_step` events per
// step: the `draw`-th interval of the stream `id`.
double next_interval(std::uint64_t seed, const core::stream_id& id, std::uint64_t draw, double mean_per_step) {
    const auto block = core::random_block(seed, id, draw);
    return -std::log(1.0 - core::uniform_from_words(block[0], block[1])) / mean_per_step;
}

}  // namespace

// Neurons are updated, and their inputs queued, in blocks of this many (2048 x ~30 bytes of
// iaf_cond_exp state plus 2 x 16 KB of inputs stay in L1/L2 across the steps of an epoch).
constexpr std::size_t block_shift = 11;
constexpr std::size_t block_size = std::size_t{1} << block_shift;
static_assert(block_size <= max_poisson_count_block, "add_poisson_counts keeps one block of counts on the stack");

// One input waiting for a neuron: `weight` arrives at `receptor` of population-local `target`.
struct input_event {
    std::uint32_t target;
    std::uint32_t receptor;
    double weight;
};

// Inputs waiting for one thread's neurons of one population, per ring slot (step mod D) and
// block, in arrival order. Why not a dense [slot][neuron] ring: at 256 000 neurons one dense
// row is 2 MB per receptor, larger than a core's L2, and about 12 % of its entries are non-zero
// in a step; streaming it in and out every step cost more than the simulation itself. Queued
// events are touched once when delivered and once, block-local and in cache, when consumed.
struct input_queue {
    std::size_t first = 0;   // first neuron of the thread's slice
    std::size_t blocks = 0;  // blocks in the slice
    std::vector<std::vector<input_event>> buckets;  // [slot * blocks + block]

    std::vector<input_event>* slot_buckets(std::size_t slot) { return buckets.data() + slot * blocks; }
};

// One population in engine form.
struct population_slot {
    std::string name;
    std::unique_ptr<population_base> model;
    std::uint32_t first_gid = 0;
    std::size_t size = 0;
    bool record_spikes = true;
    std::vector<input_queue> queues;  // per thread: inputs arriving at the end of future steps
    std::vector<std::size_t> outgoing;  // projections whose source this is
    // Stimuli onto this population by kind (indices into impl::stimuli): the update of every
    // block and step looks only at its own (the multi-area model has 254 populations and ~750 stimuli).
    std::vector<std::size_t> poisson_stimuli, dc_stimuli;
    std::uint64_t spikes = 0;
};

// The synapses of one projection onto one thread's targets, CSR by source neuron.
struct synapse_table {
    std::vector<std::uint32_t> offsets;  // n_source + 1 (a table holds < 2^32 synapses: checked)
    std::vector<std::uint32_t> targets;  // target population-local index
    std::vector<float> weights;          // per synapse, only when the weight varies
    std::vector<std::uint16_t> delays;   // per synapse [steps], only when the delay varies

    std::uint64_t bytes() const {
        return offsets.capacity() * 4 + targets.capacity() * 4 + weights.capacity() * 4 + delays.capacity() * 2;
    }
};

struct projection_slot {
    std::size_t source = 0, target = 0, receptor = 0;
    distribution weight, delay_ms;
    double constant_weight = 0;
    std::int64_t constant_delay = 0;  // [steps], when the delay is constant
    // from_list with per-synapse values that differ: taken from the list, not drawn.
    bool listed_weights = false, listed_delays = false;
    std::vector<synapse_table> per_thread;
};

struct stimulus_slot {
    stimulus_spec::kind type;
    std::size_t population = 0, receptor = 0;
    double mean_per_step = 0, weight = 0, amplitude = 0;
    std::int64_t first_step = 0, end_step = 0;  // active in steps [first, end)
    // Poisson: per target neuron, the time of its next event [steps, continuous] and how many
    // inter-event intervals its stream has drawn. Exponential intervals make the counts per step
    // exactly Poisson(mean_per_step) and cost one draw per event instead of one per step.
    std::vector<double> next_event;
    std::vector<std::uint64_t> draws;
    // Dense input (>= count_mode_events_per_step events per step, e.g. the microcircuit's 1.7 per
    // step): instead, per step and neuron one count by inversion of the Poisson CDF from one 32-bit
    // word (cdf_2_32[k] = P(count <= k) x 2^32); a Philox block (4 words, stream position
    // step / 4) serves 4 consecutive steps of a neuron and is computed for a whole block of
    // neurons at once (core/philox_batch.hpp). Same numbers for any thread count.
    bool per_step_counts = false;
    std::vector<std::uint32_t> cdf_2_32;
    std::vector<std::uint32_t> words[4];     // per neuron, the block of words_at[first of its part]
    std::vector<std::int64_t> words_at;      // per neuron (set at the first of a part): block index, -1 none
};

// Above this mean the per-step count mode is cheaper than one random block per event.
constexpr double count_mode_events_per_step = 0.25;

struct probe_slot {
    core::state_probe info;
    const std::vector<double>* field = nullptr;
    std::vector<double> buffer[2];        // per epoch parity: rows x nodes
    std::vector<int> owner;               // per node: the rank whose workers own it
};

struct simulation::impl {
    run_spec run_cfg;
    std::vector<population_slot> pops;
    std::vector<projection_slot> projections;
    std::vector<stimulus_slot> stimuli;
    std::vector<probe_slot> probes;
    int threads = 1;  // of this rank
    // The job's processes (DESIGN.md §3): rank `rank` of `ranks` runs workers rank x threads + t.
    comm::communicator* world = nullptr;
    std::unique_ptr<comm::communicator> local_world;
    int rank = 0, ranks = 1;
    int worker(int thread) const { return rank * threads + thread; }
    int workers() const { return ranks * threads; }
    // With ranks > 1: the epoch's spikes of the whole network, [parity][population][step in
    // epoch] (rank order = gid order), and the exchange's reused buffers.
    std::vector<std::vector<spike_list>> global_spikes[2];
    std::vector<std::byte> send_buffer, received;
    std::vector<std::size_t> received_offsets;
    double communicate_s = 0;  // wall time in exchanges [s]
    std::int64_t min_delay = 1, max_delay = 1, ring_size = 2;
    std::int64_t step = 0;  // next step to compute
    // spikes[parity][thread][population][step in epoch]: local ids that fired
    std::vector<std::vector<std::vector<spike_list>>> spikes[2];
    std::vector<std::uint64_t> events_per_thread;
    // Per thread: one block of inputs per receptor, all zero between uses (models consume them).
    std::vector<std::vector<double>> scratch_per_thread;
    std::vector<std::vector<std::uint32_t>> sources_per_thread;  // one step's spikes of a population
    core::spike_sink* spike_sink = nullptr;
    core::state_sink* state_sink = nullptr;
    std::function<void(double, double)> progress;
    bool sinks_started = false;

    void build(const network_spec& net, const model_registry& registry);
    void build_populations(const network_spec& net, const model_registry& registry);
    void build_projections(const network_spec& net);
    void build_stimuli(const network_spec& net);
    void build_probes();
    void build_thread_tables(int thread, const std::vector<connector_context>& contexts);
    void initialize_state(const network_spec& net);

    std::int64_t epoch_steps() const { return min_delay; }
    void run_thread(int thread, std::int64_t first_step, std::int64_t end_step, spin_barrier& barrier,
                    std::exception_ptr& failure);
    void update_epoch(int thread, std::int64_t e0, std::int64_t n, int parity);
    void apply_stimuli(std::size_t population, slice part, std::int64_t s, double* block_inputs);
    void add_step_counts(stimulus_slot& stim, std::size_t k, std::uint32_t first_gid, slice part, std::int64_t s,
                         double* row) const;
    void set_stimulus_window(stimulus_slot& slot, double start_ms, double stop_ms, const std::string& where) const;
    double dc_current(std::size_t population, std::int64_t s) const;
    void deliver_epoch(int thread, std::int64_t e0, std::int64_t n, int parity);
    std::uint64_t deliver_spikes(int thread, projection_slot& proj, const std::vector<std::uint32_t>& sources,
                                 std::int64_t s);
    void record_epoch(std::int64_t e0, std::int64_t n, int parity);
    void exchange_epoch(std::int64_t e0, std::int64_t n, int parity);
    void exchange_probes(std::int64_t e0, std::int64_t n, int parity);
    // Calls f(list) for the spike lists of population p at step k of the epoch, in gid order.
    template <class F>
    void for_each_spike_list(int parity, std::size_t p, std::int64_t k, F&& f) const {
        if (ranks > 1) return f(global_spikes[parity][p][static_cast<std::size_t>(k)]);
        for (int u = 0; u < threads; ++u) f(spikes[parity][static_cast<std::size_t>(u)][p][static_cast<std::size_t>(k)]);
    }
    void sample_probes(std::size_t population, slice part, std::int64_t s, std::int64_t e0, int parity);
    void start_sinks();
};

simulation::simulation(const network_spec& network, const run_spec& run, const model_registry& registry,
                       comm::communicator* world)
    : impl_(std::make_unique<impl>()) {
    impl_->run_cfg = run;
    if (world == nullptr) {
        impl_->local_world = comm::local_communicator();
        world = impl_->local_world.get();
    }
    impl_->world = world;
    impl_->rank = world->rank();
    impl_->ranks = world->size();
    impl_->build(network, registry);
}

simulation::~simulation() = default;

void simulation::impl::build(const network_spec& net, const model_registry& registry) {
    if (!(run_cfg.dt_ms > 0) || !std::isfinite(run_cfg.dt_ms))
        throw core::config_error(fmt::format("simulation.dt_ms: must be > 0 (got {})", run_cfg.dt_ms));
    if (!(run_cfg.t_stop_ms >= 0) || !std::isfinite(run_cfg.t_stop_ms))
        throw core::config_error(fmt::format("simulation.t_stop_ms: must be >= 0 (got {})", run_cfg.t_stop_ms));
    if (run_cfg.threads < 1 || run_cfg.threads > 1024)
        throw core::config_error(fmt::format("simulation.threads: must be in [1, 1024] (got {})", run_cfg.threads));
    threads = run_cfg.threads;
    build_populations(net, registry);
    build_projections(net);
    build_stimuli(net);
    initialize_state(net);
    build_probes();
    events_per_thread.assign(static_cast<std::size_t>(threads), 0);
    for (auto& parity : spikes) {
        parity.assign(static_cast<std::size_t>(threads), {});
        for (auto& per_thread : parity) per_thread.assign(pops.size(), std::vector<spike_list>(static_cast<std::size_t>(min_delay)));
    }
}

void simulation::impl::build_populations(const network_spec& net, const model_registry& registry) {
    std::uint64_t next_gid = 0;
    for (std::size_t p = 0; p < net.populations.size(); ++p) {
        const auto& spec = net.populations[p];
        const std::string where = fmt::format("population.{}", spec.name);
        if (spec.name.empty()) throw core::config_error(fmt::format("population[{}].name: must not be empty", p));
        for (std::size_t q = 0; q < p; ++q)
            if (net.populations[q].name == spec.name)
                throw core::config_error(fmt::format("{}: population name used twice", where));
        if (spec.size == 0) throw core::config_error(fmt::format("{}.n: must be >= 1", where));
        population_slot slot;
        slot.name = spec.name;
        slot.model = registry.create(where, spec, run_cfg.dt_ms);
        slot.first_gid = static_cast<std::uint32_t>(next_gid);
        slot.size = spec.size;
        slot.record_spikes = spec.record_spikes;
        next_gid += spec.size;
        if (next_gid > std::numeric_limits<std::uint32_t>::max())
            throw core::config_error("population: more than 2^32 - 1 neurons in total");
        pops.push_back(std::move(slot));
    }
}

static std::size_t find_population(const std::vector<population_slot>& pops, const std::string& name, const std::string& where) {
    for (std::size_t p = 0; p < pops.size(); ++p)
        if (pops[p].name == name) return p;
    throw core::config_error(fmt::format("{}: no population named '{}'", where, name));
}

// from_list: checks the listed weights and delays like the distributions' bounds, and keeps
// them per synapse only when they differ (a list of equal values is stored as a constant).
static void adopt_listed_values(const listed_synapses& list, bool conductance_based, const std::string& where,
                                projection_slot& proj, double& min_delay_ms, double& max_delay_ms) {
    if (!list.weight.empty()) {
        const auto [lo, hi] = std::minmax_element(list.weight.begin(), list.weight.end());
        if (!std::isfinite(*lo) || !std::isfinite(*hi))
            throw core::config_error(fmt::format("{}.synapses.weight: weights must be finite", where));
        if (conductance_based && *lo < 0)
            throw core::config_error(fmt::format("{}.synapses.weight: conductance weights [nS] must be >= 0 (got {})", where, *lo));
        proj.listed_weights = *lo != *hi;
        proj.constant_weight = *lo;
    }
    if (!list.delay_ms.empty()) {
        const auto [lo, hi] = std::minmax_element(list.delay_ms.begin(), list.delay_ms.end());
        if (!std::isfinite(*lo) || !std::isfinite(*hi))
            throw core::config_error(fmt::format("{}.synapses.delay_ms: delays must be finite", where));
        min_delay_ms = *lo;
        max_delay_ms = *hi;
        proj.listed_delays = *lo != *hi;
        proj.delay_ms = distribution::constant(*lo);
    }
}

void simulation::impl::build_projections(const network_spec& net) {
    const double dt = run_cfg.dt_ms;
    std::vector<connector_context> contexts;
    std::vector<std::vector<std::uint32_t>> totals(net.projections.size());
    std::vector<listed_synapses> lists(net.projections.size());
    std::int64_t lo = std::numeric_limits<std::int64_t>::max(), hi = 1;
    for (std::size_t j = 0; j < net.projections.size(); ++j) {
        const auto& spec = net.projections[j];
        const std::string where = fmt::format("projection[{}] ({} -> {})", j, spec.source, spec.target);
        projection_slot proj;
        proj.source = find_population(pops, spec.source, where + ".source");
        proj.target = find_population(pops, spec.target, where + ".target");
        const auto& target = *pops[proj.target].model;
        const int receptor = target.receptor_index(spec.receptor);
        if (receptor < 0) {
            std::string known;
            for (auto r : target.receptors()) known += (known.empty() ? "" : ", ") + std::string(r);
            throw core::config_error(fmt::format("{}.receptor: model {} has no receptor '{}' (receptors: {})", where,
                                                 target.model_name(), spec.receptor, known.empty() ? "none" : known));
        }
        proj.receptor = static_cast<std::size_t>(receptor);
        spec.weight.validate(where + ".weight");
        spec.delay_ms.validate(where + ".delay_ms");
        if (target.conductance_based() && spec.weight.min_value() < 0)
            throw core::config_error(fmt::format("{}.weight: conductance weights [nS] must be >= 0 (lowest possible {})",
                                                 where, spec.weight.min_value()));
        if (spec.delay_ms.min_value() < dt * (1 - 1e-9))
            throw core::config_error(fmt::format("{}.delay_ms: delay must be >= dt = {} ms (lowest possible {} ms)", where, dt,
                                                 spec.delay_ms.min_value()));
        if (spec.delay_ms.max_value() / dt > 65535)
            throw core::config_error(fmt::format("{}.delay_ms: delay must be < 65536 steps ({} ms)", where, 65535 * dt));
        proj.weight = spec.weight;
        proj.delay_ms = spec.delay_ms;
        proj.constant_weight = spec.weight.value;
        proj.constant_delay = steps_of(spec.delay_ms.value, dt);
        double min_delay_ms = spec.delay_ms.min_value(), max_delay_ms = spec.delay_ms.max_value();
        if (spec.connector.type == connector_spec::rule::from_list) {
            lists[j] = group_by_target(spec.synapses, static_cast<std::uint32_t>(pops[proj.source].size),
                                       static_cast<std::uint32_t>(pops[proj.target].size), where);
            adopt_listed_values(lists[j], target.conductance_based(), where, proj, min_delay_ms, max_delay_ms);
            if (min_delay_ms < dt * (1 - 1e-9) || max_delay_ms / dt > 65535)
                throw core::config_error(fmt::format("{}.synapses.delay_ms: delays must be in [dt, 65535 dt] = [{}, {}] ms "
                                                     "(got {} .. {} ms)", where, dt, 65535 * dt, min_delay_ms, max_delay_ms));
            proj.constant_delay = steps_of(proj.delay_ms.value, dt);
        }
        lo = std::min(lo, std::max<std::int64_t>(1, steps_of(min_delay_ms, dt)));
        hi = std::max(hi, steps_of(max_delay_ms, dt));

        connector_context ctx;
        ctx.spec = spec.connector;
        ctx.n_source = static_cast<std::uint32_t>(pops[proj.source].size);
        ctx.n_target = static_cast<std::uint32_t>(pops[proj.target].size);
        ctx.same_population = proj.source == proj.target;
        ctx.seed = run_cfg.seed;
        ctx.projection = static_cast<std::uint32_t>(j);
        ctx.target_first_gid = pops[proj.target].first_gid;
        validate_connector(ctx, where);
        if (ctx.spec.type == connector_spec::rule::fixed_total_number) totals[j] = totals_per_target(ctx);
        contexts.push_back(ctx);
        pops[proj.source].outgoing.push_back(j);
        projections.push_back(std::move(proj));
    }
    for (std::size_t j = 0; j < contexts.size(); ++j) {
        contexts[j].per_target_counts = &totals[j];
        contexts[j].listed = &lists[j];
    }
    // Without projections the epoch length only sets how often output is flushed.
    min_delay = projections.empty() ? 10 : lo;
    max_delay = projections.empty() ? 10 : hi;
    ring_size = max_delay + 1;
    std::size_t max_receptors = 0;
    for (auto& p : pops) {
        max_receptors = std::max(max_receptors, p.model->receptors().size());
        p.queues.resize(static_cast<std::size_t>(threads));
        for (int t = 0; t < threads; ++t) {
            const slice own = slice_of(p.size, worker(t), workers());
            auto& q = p.queues[static_cast<std::size_t>(t)];
            q.first = own.begin;
            q.blocks = (own.end - own.begin + block_size - 1) / block_size;
            q.buckets.assign(static_cast<std::size_t>(ring_size) * q.blocks, {});
        }
    }
    scratch_per_thread.assign(static_cast<std::size_t>(threads), std::vector<double>(max_receptors * block_size, 0.0));
    sources_per_thread.assign(static_cast<std::size_t>(threads), {});
    for (auto& proj : projections) proj.per_thread.resize(static_cast<std::size_t>(threads));

    std::vector<std::jthread> workers;
    for (int t = 1; t < threads; ++t) workers.emplace_back([this, t, &contexts] { build_thread_tables(t, contexts); });
    build_thread_tables(0, contexts);
}

// Two passes over the counter-based streams: count synapses per source, then fill. Regenerating
// instead of buffering keeps the build's extra memory at the tables' own size.
void simulation::impl::build_thread_tables(int thread, const std::vector<connector_context>& contexts) {
    std::vector<std::uint32_t> scratch;
    for (std::size_t j = 0; j < projections.size(); ++j) {
        auto& proj = projections[j];
        const auto& ctx = contexts[j];
        auto& table = proj.per_thread[static_cast<std::size_t>(thread)];
        const slice own = slice_of(pops[proj.target].size, worker(thread), workers());
        // Counted in 64 bits, stored in 32: the offsets are one entry per source neuron on every
        // thread of every rank, the part of the tables that does not shrink with more ranks.
        std::vector<std::uint64_t> fill(ctx.n_source + 1, 0);
        for (std::size_t t = own.begin; t < own.end; ++t)
            for_each_source(ctx, static_cast<std::uint32_t>(t), scratch, [&](std::uint32_t s) { ++fill[s + 1]; });
        for (std::size_t s = 0; s < ctx.n_source; ++s) fill[s + 1] += fill[s];
        const std::uint64_t n = fill[ctx.n_source];
        if (n > std::numeric_limits<std::uint32_t>::max())
            throw core::config_error(fmt::format("projection[{}]: {} synapses onto one thread's targets; at most 2^32 - 1 "
                                                 "(use more threads or MPI ranks)",
                                                 j, n));
        table.offsets.assign(fill.begin(), fill.end());
        table.targets.resize(n);
        if (!proj.weight.is_constant() || proj.listed_weights) table.weights.resize(n);
        if (!proj.delay_ms.is_constant() || proj.listed_delays) table.delays.resize(n);
        fill.pop_back();  // fill[s]: the next free slot of source s
        const double dt = run_cfg.dt_ms;
        for (std::size_t t = own.begin; t < own.end; ++t) {
            core::rng_stream values(ctx.seed, {core::stream_purpose::synapse_values, ctx.projection,
                                               ctx.target_first_gid + static_cast<std::uint32_t>(t)});
            // from_list emits target t's listed synapses in order: l indexes them in ctx.listed.
            std::uint64_t l = ctx.listed->offsets.empty() ? 0 : ctx.listed->offsets[t];
            for_each_source(ctx, static_cast<std::uint32_t>(t), scratch, [&](std::uint32_t s) {
                const std::uint64_t k = fill[s]++;
                table.targets[k] = static_cast<std::uint32_t>(t);
                if (!table.weights.empty())
                    table.weights[k] = static_cast<float>(proj.listed_weights ? ctx.listed->weight[l] : proj.weight.draw(values));
                if (!table.delays.empty()) {
                    const double d = proj.listed_delays ? ctx.listed->delay_ms[l] : proj.delay_ms.draw(values);
                    table.delays[k] = static_cast<std::uint16_t>(std::clamp<std::int64_t>(steps_of(d, dt), 1, 65535));
                }
                ++l;
            });
        }
    }
}

void simulation::impl::build_stimuli(const network_spec& net) {
    const double dt = run_cfg.dt_ms;
    for (std::size_t k = 0; k < net.stimuli.size(); ++k) {
        const auto& spec = net.stimuli[k];
        const std::string where = fmt::format("stimulus[{}]", k);
        stimulus_slot slot;
        slot.type = spec.type;
        slot.population = find_population(pops, spec.target, where + ".target");
        set_stimulus_window(slot, spec.start_ms, spec.stop_ms, where);
        const auto& model = *pops[slot.population].model;
        if (spec.type == stimulus_spec::kind::poisson) {
            const int receptor = model.receptor_index(spec.receptor);
            if (receptor < 0)
                throw core::config_error(fmt::format("{}.receptor: model {} has no receptor '{}'", where, model.model_name(), spec.receptor));
            if (!(spec.rate_hz >= 0) || !std::isfinite(spec.rate_hz))
                throw core::config_error(fmt::format("{}.rate_hz: must be >= 0 (got {})", where, spec.rate_hz));
            if (model.conductance_based() && spec.weight < 0)
                throw core::config_error(fmt::format("{}.weight: conductance weights [nS] must be >= 0 (got {})", where, spec.weight));
            slot.receptor = static_cast<std::size_t>(receptor);
            slot.mean_per_step = spec.rate_hz * 1e-3 * dt;
            slot.weight = spec.weight;
            const std::size_t n = pops[slot.population].size;
            slot.per_step_counts = slot.mean_per_step >= count_mode_events_per_step;
            if (slot.per_step_counts) {
                slot.cdf_2_32 = poisson_cdf_2_32(slot.mean_per_step);
                for (auto& w : slot.words) w.assign(n, 0);
                slot.words_at.assign(n, -1);
            } else {
                slot.next_event.assign(n, -1.0);  // -1: not started
                slot.draws.assign(n, 0);
            }
        } else {
            if (model.receptors().empty())
                throw core::config_error(fmt::format("{}.target: DC current needs a neuron model, {} is a source", where, model.model_name()));
            if (!std::isfinite(spec.amplitude_pa))
                throw core::config_error(fmt::format("{}.amplitude_pa: must be finite", where));
            slot.amplitude = spec.amplitude_pa;
        }
        auto& own = pops[slot.population];
        (slot.type == stimulus_spec::kind::dc ? own.dc_stimuli : own.poisson_stimuli).push_back(stimuli.size());
        stimuli.push_back(slot);
    }
}

// Active in the steps whose start time s*dt lies in [start, stop).
void simulation::impl::set_stimulus_window(stimulus_slot& slot, double start_ms, double stop_ms,
                                           const std::string& where) const {
    const double dt = run_cfg.dt_ms;
    if (!(start_ms >= 0) || !(stop_ms >= start_ms))
        throw core::config_error(fmt::format("{}: need 0 <= start_ms <= stop_ms (got {} and {})", where, start_ms, stop_ms));
    slot.first_step = static_cast<std::int64_t>(std::ceil(start_ms / dt - 1e-9));
    slot.end_step = stop_ms > 1e299 ? std::numeric_limits<std::int64_t>::max()
                                    : static_cast<std::int64_t>(std::ceil(stop_ms / dt - 1e-9));
}

void simulation::impl::initialize_state(const network_spec& net) {
    for (std::size_t p = 0; p < pops.size(); ++p) {
        const auto& spec = net.populations[p];
        auto& pop = pops[p];
        for (const auto& [field, dist] : spec.initial) {
            const std::string where = fmt::format("population.{}.initial.{}", spec.name, field);
            dist.validate(where);
            if (pop.model->mutable_field(field) == nullptr) {
                std::string known;
                for (auto f : pop.model->field_names()) known += (known.empty() ? "" : ", ") + std::string(f);
                throw core::config_error(fmt::format("{}: model {} has no state field '{}' (fields: {})", where,
                                                     pop.model->model_name(), field, known.empty() ? "none" : known));
            }
        }
        // One stream per neuron; fields drawn in name order (std::map), so adding a constant
        // initial value never changes another field's random values... of other neurons.
        for (std::size_t i = 0; i < pop.size; ++i) {
            core::rng_stream rng(run_cfg.seed, {core::stream_purpose::initial_state, static_cast<std::uint32_t>(p),
                                                pop.first_gid + static_cast<std::uint32_t>(i)});
            for (const auto& [field, dist] : spec.initial) (*pop.model->mutable_field(field))[i] = dist.draw(rng);
        }
        for (const auto& [field, values] : spec.initial_values) {
            const std::string where = fmt::format("population.{}.initial_values.{}", spec.name, field);
            std::vector<double>* state = pop.model->mutable_field(field);
            if (state == nullptr)
                throw core::config_error(fmt::format("{}: model {} has no state field '{}'", where, pop.model->model_name(), field));
            if (values.size() != pop.size)
                throw core::config_error(fmt::format("{}: {} values for {} neurons", where, values.size(), pop.size));
            std::copy(values.begin(), values.end(), state->begin());
        }
    }
}

void simulation::impl::build_probes() {
    for (std::size_t k = 0; k < run_cfg.probes.size(); ++k) {
        const auto& spec = run_cfg.probes[k];
        const std::string where = fmt::format("record[{}] ({}:{})", k, spec.population, spec.field);
        const std::size_t p = find_population(pops, spec.population, where + ".population");
        const auto& model = *pops[p].model;
        probe_slot probe;
        probe.field = model.field(spec.field);
        if (probe.field == nullptr)
            throw core::config_error(fmt::format("{}.field: model {} has no state field '{}'", where, model.model_name(), spec.field));
        if (spec.nodes.empty()) throw core::config_error(fmt::format("{}.nodes: name at least one neuron", where));
        for (auto node : spec.nodes)
            if (node >= pops[p].size)
                throw core::config_error(fmt::format("{}.nodes: neuron {} does not exist (population has {})", where, node, pops[p].size));
        const std::int64_t interval = spec.interval_ms <= 0 ? 1 : steps_of(spec.interval_ms, run_cfg.dt_ms);
        if (interval < 1) throw core::config_error(fmt::format("{}.interval_ms: must be >= dt", where));
        probe.info = {p, pops[p].name, spec.field, std::string(model.field_unit(spec.field)), spec.nodes, interval};
        const std::size_t rows = static_cast<std::size_t>(min_delay / interval + 1);
        for (auto& b : probe.buffer) b.assign(rows * spec.nodes.size(), 0.0);
        for (auto node : spec.nodes) {
            int w = 0;
            while (slice_of(pops[p].size, w, workers()).end <= node) ++w;
            probe.owner.push_back(w / threads);
        }
        probes.push_back(std::move(probe));
    }
}

void simulation::attach_spike_sink(core::spike_sink* sink) { impl_->spike_sink = sink; }
void simulation::attach_state_sink(core::state_sink* sink) { impl_->state_sink = sink; }
void simulation::set_progress(std::function<void(double, double)> progress) { impl_->progress = std::move(progress); }

void simulation::impl::start_sinks() {
    if (sinks_started) return;
    sinks_started = true;
    std::vector<core::population_info> infos;
    for (const auto& p : pops) infos.push_back({p.name, std::string(p.model->model_name()), p.size});
    if (spike_sink) spike_sink->begin(infos, run_cfg.dt_ms);
    if (state_sink) {
        std::vector<core::state_probe> infos_probe;
        for (const auto& p : probes) infos_probe.push_back(p.info);
        state_sink->begin(infos_probe, run_cfg.dt_ms);
    }
}

// Schedule of one run (the order matters; see the class comment in simulation.hpp):
//   for each epoch of min_delay steps:
//     1. update: every thread advances its own neurons through the epoch's steps, consuming the
//        inputs queued for those steps and collecting its spikes in spikes[parity][thread];
//     2. barrier: all spikes of the epoch exist (and all threads agree whether to stop);
//     3. thread 0 streams the spikes and samples to the sinks; every thread delivers all spikes,
//        in canonical order, to its own targets' queues (>= min_delay steps ahead).
//   Spike and sample buffers alternate by epoch parity, so one barrier per epoch suffices: a
//   thread may start updating epoch e+1 while another still reads epoch e's spikes.
void simulation::run(double duration_ms) {
    auto& s = *impl_;
    if (!(duration_ms >= 0) || !std::isfinite(duration_ms))
        throw core::config_error(fmt::format("run: duration must be >= 0 ms (got {})", duration_ms));
    s.start_sinks();
    const std::int64_t end_step = s.step + steps_of(duration_ms, s.run_cfg.dt_ms);
    spin_barrier barrier(s.threads);
    std::vector<std::exception_ptr> failures(static_cast<std::size_t>(s.threads));
    {
        std::vector<std::jthread> workers;
        for (int t = 1; t < s.threads; ++t)
            workers.emplace_back([&, t] { s.run_thread(t, s.step, end_step, barrier, failures[static_cast<std::size_t>(t)]); });
        s.run_thread(0, s.step, end_step, barrier, failures[0]);
    }
    s.step = end_step;
    for (const auto& failure : failures)
        if (failure) std::rethrow_exception(failure);
}

// A thread that fails (an exception from a sink, out of memory) asks the barrier to stop; all
// threads leave together at the next barrier, and run() rethrows the first failure.
void simulation::impl::run_thread(int thread, std::int64_t first_step, std::int64_t end_step, spin_barrier& barrier,
                                  std::exception_ptr& failure) {
    int parity = 0;
    for (std::int64_t e0 = first_step; e0 < end_step; e0 += epoch_steps(), parity ^= 1) {
        const std::int64_t n = std::min(epoch_steps(), end_step - e0);
        try {
            update_epoch(thread, e0, n, parity);
        } catch (...) {
            failure = std::current_exception();
            barrier.request_stop();
        }
        if (barrier.arrive_and_wait()) return;
        if (ranks > 1) {  // thread 0 exchanges the epoch's spikes and samples with the other ranks
            try {
                if (thread == 0) exchange_epoch(e0, n, parity);
            } catch (...) {
                failure = std::current_exception();
                barrier.request_stop();
            }
            if (barrier.arrive_and_wait()) return;
        }
        try {
            if (thread == 0) {
                record_epoch(e0, n, parity);
                if (progress) progress(static_cast<double>(e0 + n) * run_cfg.dt_ms, static_cast<double>(end_step) * run_cfg.dt_ms);
            }
            deliver_epoch(thread, e0, n, parity);
        } catch (...) {
            failure = std::current_exception();
            barrier.request_stop();
        }
    }
    barrier.arrive_and_wait();  // the last epoch's buffers are read by everyone before returning
}

// Temporal blocking: a block of neurons is advanced through all steps of the epoch before the
// next block, so its state stays in cache across the steps (the epoch's inputs are all queued
// already: every delay is >= the epoch length, and neurons do not interact within an epoch).
// Blocks run in ascending order, so each step's spike list stays sorted by neuron.
void simulation::impl::update_epoch(int thread, std::int64_t e0, std::int64_t n, int parity) {
    auto& mine = spikes[parity][static_cast<std::size_t>(thread)];
    double* scratch = scratch_per_thread[static_cast<std::size_t>(thread)].data();
    std::vector<double*> inputs;
    for (std::size_t p = 0; p < pops.size(); ++p) {
        auto& pop = pops[p];
        auto& queue = pop.queues[static_cast<std::size_t>(thread)];
        const slice own = slice_of(pop.size, worker(thread), workers());
        const std::size_t receptors = pop.model->receptors().size();
        inputs.resize(receptors);
        for (std::size_t r = 0; r < receptors; ++r) inputs[r] = scratch + r * block_size;
        for (std::int64_t k = 0; k < n; ++k) mine[p][static_cast<std::size_t>(k)].clear();
        for (std::size_t b = own.begin, block = 0; b < own.end; b += block_size, ++block) {
            const slice part{b, std::min(b + block_size, own.end)};
            for (std::int64_t k = 0; k < n; ++k) {
                const std::int64_t s = e0 + k;
                if (receptors > 0) {
                    auto& bucket = queue.slot_buckets(static_cast<std::size_t>(s % ring_size))[block];
                    for (const auto& e : bucket) scratch[e.receptor * block_size + (e.target - part.begin)] += e.weight;
                    bucket.clear();
                    apply_stimuli(p, part, s, scratch);
                }
                update_args args;
                args.begin = part.begin;
                args.end = part.end;
                args.step = s;
                args.inputs = inputs;
                args.i_ext = dc_current(p, s);
                args.seed = run_cfg.seed;
                args.population_index = static_cast<std::uint32_t>(p);
                args.first_gid = pop.first_gid;
                args.dt_ms = run_cfg.dt_ms;
                pop.model->update(args, mine[p][static_cast<std::size_t>(k)]);  // consumes (zeroes) the inputs
                sample_probes(p, part, s, e0, parity);
            }
        }
    }
}

// DC stimuli target whole populations: their current at step s is a pure function of s, so every
// thread computes it without shared mutable state.
double simulation::impl::dc_current(std::size_t population, std::int64_t s) const {
    double current = 0.0;
    for (const std::size_t k : pops[population].dc_stimuli) {
        const auto& stim = stimuli[k];
        if (s >= stim.first_step && s < stim.end_step) current += stim.amplitude;
    }
    return current;
}

// Poisson events of step s are added to the block's inputs of step s, after the queued synaptic
// events (each thread edits only its own neurons' inputs and event clocks).
void simulation::impl::apply_stimuli(std::size_t population, slice part, std::int64_t s, double* block_inputs) {
    for (const std::size_t k : pops[population].poisson_stimuli) {  // DC: see dc_current()
        auto& stim = stimuli[k];
        auto& pop = pops[stim.population];
        if (s < stim.first_step || s >= stim.end_step || stim.mean_per_step <= 0) continue;
        double* row = block_inputs + stim.receptor * block_size - part.begin;  // row[i] for i in part
        if (stim.per_step_counts) {
            add_step_counts(stim, k, pop.first_gid, part, s, row);
            continue;
        }
        const double step_end = static_cast<double>(s + 1);
        for (std::size_t i = part.begin; i < part.end; ++i) {
            if (stim.next_event[i] >= step_end) continue;
            const core::stream_id id{core::stream_purpose::poisson_input, static_cast<std::uint32_t>(k),
                                     pop.first_gid + static_cast<std::uint32_t>(i)};
            double& next = stim.next_event[i];
            if (next < 0) {  // first visit: the process starts at first_step
                next = static_cast<double>(stim.first_step) + next_interval(run_cfg.seed, id, stim.draws[i]++, stim.mean_per_step);
                if (next >= step_end) continue;
            }
            std::uint64_t events = 0;
            while (next < step_end) {
                ++events;
                next += next_interval(run_cfg.seed, id, stim.draws[i]++, stim.mean_per_step);
            }
            row[i] += stim.weight * static_cast<double>(events);
        }
    }
}

// Count mode of a Poisson stimulus (see stimulus_slot): the counts of step s for the part's neurons.
void simulation::impl::add_step_counts(stimulus_slot& stim, std::size_t k, std::uint32_t first_gid, slice part,
                                       std::int64_t s, double* row) const {
    const auto block = static_cast<std::int64_t>(static_cast<std::uint64_t>(s) >> 2);
    if (stim.words_at[part.begin] != block) {
        core::random_blocks_by_gid(run_cfg.seed, core::stream_purpose::poisson_input, static_cast<std::uint32_t>(k),
                                   first_gid + static_cast<std::uint32_t>(part.begin), part.end - part.begin,
                                   static_cast<std::uint64_t>(block), stim.words[0].data() + part.begin,
                                   stim.words[1].data() + part.begin, stim.words[2].data() + part.begin,
                                   stim.words[3].data() + part.begin);
        stim.words_at[part.begin] = block;
    }
    add_poisson_counts(stim.words[static_cast<std::uint64_t>(s) & 3].data(), stim.cdf_2_32.data(), stim.cdf_2_32.size(),
                       stim.weight, row, part.begin, part.end);
}

namespace {

// The innermost loop of the engine: one spike onto one thread's targets of one projection with
// a constant weight and delay, queued by target block.
void enqueue_constant(std::vector<input_event>* buckets, std::size_t first, const std::uint32_t* targets,
                      std::uint64_t count, std::uint32_t receptor, double weight) {
    for (std::uint64_t j = 0; j < count; ++j)
        buckets[(targets[j] - first) >> block_shift].push_back({targets[j], receptor, weight});
}

}  // namespace

// Delivery is bound by memory latency at large N (the synapse rows of ~400 random sources per
// step, from tables far larger than the caches), so the loop runs per projection over the
// step's spikes and prefetches the CSR offsets and rows of spikes a few places ahead.
void simulation::impl::deliver_epoch(int thread, std::int64_t e0, std::int64_t n, int parity) {
    std::uint64_t events = 0;
    std::vector<std::uint32_t>& sources = sources_per_thread[static_cast<std::size_t>(thread)];
    for (std::int64_t k = 0; k < n; ++k) {
        const std::int64_t s = e0 + k;
        for (std::size_t p = 0; p < pops.size(); ++p) {
            if (pops[p].outgoing.empty()) continue;
            sources.clear();  // the step's spikes of population p, in gid order
            for_each_spike_list(parity, p, k, [&](const spike_list& list) { sources.insert(sources.end(), list.begin(), list.end()); });
            for (std::size_t j : pops[p].outgoing) events += deliver_spikes(thread, projections[j], sources, s);
        }
    }
    events_per_thread[static_cast<std::size_t>(thread)] += events;
}

std::uint64_t simulation::impl::deliver_spikes(int thread, projection_slot& proj, const std::vector<std::uint32_t>& sources,
                                               std::int64_t s) {
    constexpr std::size_t offsets_ahead = 16, rows_ahead = 6;
    auto& queue = pops[proj.target].queues[static_cast<std::size_t>(thread)];
    const auto& table = proj.per_thread[static_cast<std::size_t>(thread)];
    const auto receptor = static_cast<std::uint32_t>(proj.receptor);
    const bool constant = table.weights.empty() && table.delays.empty();
    std::uint64_t events = 0;
    for (std::size_t i = 0; i < sources.size(); ++i) {
        if (i + offsets_ahead < sources.size()) __builtin_prefetch(&table.offsets[sources[i + offsets_ahead]]);
        if (i + rows_ahead < sources.size()) {
            const std::uint64_t ahead = table.offsets[sources[i + rows_ahead]];
            __builtin_prefetch(table.targets.data() + ahead);
            __builtin_prefetch(table.targets.data() + ahead + 16);
        }
        const std::uint32_t src = sources[i];
        const std::uint64_t begin = table.offsets[src], end = table.offsets[src + 1];
        events += end - begin;
        if (constant) {
            auto* buckets = queue.slot_buckets(static_cast<std::size_t>((s + proj.constant_delay) % ring_size));
            enqueue_constant(buckets, queue.first, table.targets.data() + begin, end - begin, receptor, proj.constant_weight);
            continue;
        }
        for (std::uint64_t q = begin; q < end; ++q) {
            const std::int64_t d = table.delays.empty() ? proj.constant_delay : table.delays[q];
            const double w = table.weights.empty() ? proj.constant_weight : table.weights[q];
            const std::uint32_t t = table.targets[q];
            queue.slot_buckets(static_cast<std::size_t>((s + d) % ring_size))[(t - queue.first) >> block_shift].push_back(
                {t, receptor, w});
        }
    }
    return events;
}

void simulation::impl::sample_probes(std::size_t population, slice part, std::int64_t s, std::int64_t e0, int parity) {
    for (auto& probe : probes) {
        const std::int64_t interval = probe.info.interval_steps;
        if (probe.info.population != population || (s + 1) % interval != 0) continue;
        const std::int64_t first_row_step = ((e0 + interval) / interval) * interval;  // first sampled s+1 >= e0+1
        const auto row = static_cast<std::size_t>((s + 1 - first_row_step) / interval);
        const std::size_t n = probe.info.nodes.size();
        for (std::size_t c = 0; c < n; ++c) {
            const std::uint32_t node = probe.info.nodes[c];
            if (node >= part.begin && node < part.end) probe.buffer[parity][row * n + c] = (*probe.field)[node];
        }
    }
}

void simulation::impl::record_epoch(std::int64_t e0, std::int64_t n, int parity) {
    std::vector<std::int64_t> steps;
    std::vector<std::uint32_t> nodes;
    for (std::size_t p = 0; p < pops.size(); ++p) {
        steps.clear();
        nodes.clear();
        for (std::int64_t k = 0; k < n; ++k)
            for_each_spike_list(parity, p, k, [&](const spike_list& list) {
                for (std::uint32_t id : list) {
                    steps.push_back(e0 + k + 1);  // a spike of step s happens at t = (s+1) dt
                    nodes.push_back(id);
                }
            });
        pops[p].spikes += nodes.size();
        if (spike_sink && pops[p].record_spikes && !nodes.empty()) spike_sink->write_spikes(p, steps, nodes);
    }
    if (!state_sink) return;
    for (std::size_t k = 0; k < probes.size(); ++k) {
        const auto& probe = probes[k];
        const std::int64_t interval = probe.info.interval_steps;
        const std::int64_t first = ((e0 + interval) / interval) * interval;
        if (first > e0 + n) continue;
        const auto rows = static_cast<std::size_t>((e0 + n - first) / interval + 1);
        const std::size_t width = probe.info.nodes.size();
        state_sink->write_samples(k, first, rows, std::span<const double>(probe.buffer[parity].data(), rows * width));
    }
}

// The epoch's spikes of this rank's workers (worker order = gid order), per population and step
// as (count, ids), are gathered from every rank; concatenated in rank order they are the
// network's spikes in gid order, the same lists a single process makes.
void simulation::impl::exchange_epoch(std::int64_t e0, std::int64_t n, int parity) {
    const auto start = std::chrono::steady_clock::now();
    send_buffer.clear();
    const auto put = [&](const void* data, std::size_t bytes) {
        const auto* b = static_cast<const std::byte*>(data);
        send_buffer.insert(send_buffer.end(), b, b + bytes);
    };
    for (std::size_t p = 0; p < pops.size(); ++p)
        for (std::int64_t k = 0; k < n; ++k) {
            std::uint32_t count = 0;
            for (int u = 0; u < threads; ++u) count += static_cast<std::uint32_t>(spikes[parity][static_cast<std::size_t>(u)][p][static_cast<std::size_t>(k)].size());
            put(&count, sizeof count);
            for (int u = 0; u < threads; ++u) {
                const auto& list = spikes[parity][static_cast<std::size_t>(u)][p][static_cast<std::size_t>(k)];
                put(list.data(), list.size() * sizeof(std::uint32_t));
            }
        }
    world->allgather(send_buffer, received, received_offsets);
    auto& global = global_spikes[parity];
    global.resize(pops.size());
    for (auto& per_pop : global) {
        per_pop.resize(static_cast<std::size_t>(epoch_steps()));
        for (auto& list : per_pop) list.clear();
    }
    for (int r = 0; r < ranks; ++r) {
        const std::byte* at = received.data() + received_offsets[static_cast<std::size_t>(r)];
        for (std::size_t p = 0; p < pops.size(); ++p)
            for (std::int64_t k = 0; k < n; ++k) {
                std::uint32_t count = 0;
                std::memcpy(&count, at, sizeof count);
                at += sizeof count;
                auto& list = global[p][static_cast<std::size_t>(k)];
                const std::size_t old = list.size();
                list.resize(old + count);
                std::memcpy(list.data() + old, at, count * sizeof(std::uint32_t));
                at += count * sizeof(std::uint32_t);
            }
    }
    exchange_probes(e0, n, parity);
    communicate_s += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Samples of the epoch: each rank holds its own nodes' values; every rank's buffers are gathered
// and each node's column is taken from its owner, so rank 0 writes what one process would.
void simulation::impl::exchange_probes(std::int64_t, std::int64_t, int parity) {
    if (probes.empty()) return;
    send_buffer.clear();
    for (const auto& probe : probes) {
        const auto* b = reinterpret_cast<const std::byte*>(probe.buffer[parity].data());
        send_buffer.insert(send_buffer.end(), b, b + probe.buffer[parity].size() * sizeof(double));
    }
    world->allgather(send_buffer, received, received_offsets);
    std::size_t at = 0;  // offset of the probe's buffer within one rank's bytes
    for (auto& probe : probes) {
        auto& buffer = probe.buffer[parity];
        const std::size_t width = probe.info.nodes.size(), rows = buffer.size() / width;
        for (std::size_t c = 0; c < width; ++c) {
            const std::byte* from = received.data() + received_offsets[static_cast<std::size_t>(probe.owner[c])] + at;
            for (std::size_t row = 0; row < rows; ++row)
                std::memcpy(&buffer[row * width + c], from + (row * width + c) * sizeof(double), sizeof(double));
        }
        at += buffer.size() * sizeof(double);
    }
}

double simulation::time_ms() const { return static_cast<double>(impl_->step) * impl_->run_cfg.dt_ms; }
double simulation::dt_ms() const { return impl_->run_cfg.dt_ms; }
std::int64_t simulation::min_delay_steps() const { return impl_->min_delay; }
std::int64_t simulation::max_delay_steps() const { return impl_->max_delay; }
int simulation::threads() const { return impl_->threads; }
int simulation::rank() const { return impl_->rank; }
int simulation::ranks() const { return impl_->ranks; }
double simulation::communicate_seconds() const { return impl_->communicate_s; }

std::uint64_t simulation::neuron_count() const {
    std::uint64_t n = 0;
    for (const auto& p : impl_->pops) n += p.size;
    return n;
}
std::uint64_t simulation::synapse_count() const {
    std::uint64_t n = 0;
    for (const auto& proj : impl_->projections)
        for (const auto& t : proj.per_thread) n += t.targets.size();
    return n;
}
synapse_list simulation::connections(std::size_t index) const {
    if (index >= impl_->projections.size())
        throw core::config_error(fmt::format("projection {}: the network has {}", index, impl_->projections.size()));
    const projection_slot& proj = impl_->projections[index];
    const double dt = impl_->run_cfg.dt_ms;
    synapse_list out;
    for (const synapse_table& t : proj.per_thread) {
        for (std::size_t src = 0; src + 1 < t.offsets.size(); ++src) {
            for (std::uint64_t k = t.offsets[src]; k < t.offsets[src + 1]; ++k) {
                out.source.push_back(static_cast<std::uint32_t>(src));
                out.target.push_back(t.targets[k]);
                out.weight.push_back(t.weights.empty() ? proj.constant_weight : t.weights[k]);
                out.delay_ms.push_back(static_cast<double>(t.delays.empty() ? proj.constant_delay : t.delays[k]) * dt);
            }
        }
    }
    return out;
}

std::uint64_t simulation::events_delivered() const {
    std::uint64_t n = 0;
    for (auto e : impl_->events_per_thread) n += e;
    return n;
}
std::uint64_t simulation::synapse_bytes() const {
    std::uint64_t n = 0;
    for (const auto& proj : impl_->projections)
        for (const auto& t : proj.per_thread) n += t.bytes();
    return n;
}
void simulation::set_parameters(const std::string& population, const std::map<std::string, double>& values) {
    auto& pop = impl_->pops[find_population(impl_->pops, population, "set_parameters")];
    pop.model->set_parameters("population." + population, values, impl_->run_cfg.dt_ms);
}

void simulation::set_spike_times(const std::string& population, const std::vector<std::vector<double>>& times_ms) {
    auto& pop = impl_->pops[find_population(impl_->pops, population, "set_spike_times")];
    pop.model->set_spike_times("population." + population, times_ms, impl_->run_cfg.dt_ms);
}

void simulation::set_dc_stimulus(std::size_t index, double amplitude_pa, double start_ms, double stop_ms) {
    const std::string where = fmt::format("stimulus[{}]", index);
    if (index >= impl_->stimuli.size() || impl_->stimuli[index].type != stimulus_spec::kind::dc)
        throw core::config_error(fmt::format("{}: no DC stimulus with this index", where));
    if (!std::isfinite(amplitude_pa)) throw core::config_error(fmt::format("{}.amplitude_pa: must be finite", where));
    auto& slot = impl_->stimuli[index];
    impl_->set_stimulus_window(slot, start_ms, stop_ms, where);
    slot.amplitude = amplitude_pa;
}

std::vector<population_summary> simulation::populations() const {
    std::vector<population_summary> out;
    for (const auto& p : impl_->pops)
        out.push_back({p.name, std::string(p.model->model_name()), static_cast<std::uint32_t>(p.size), p.first_gid, p.spikes});
    return out;
}
std::vector<core::population_info> simulation::population_infos() const {
    std::vector<core::population_info> out;
    for (const auto& p : impl_->pops) out.push_back({p.name, std::string(p.model->model_name()), p.size});
    return out;
}
std::vector<core::state_probe> simulation::probes() const {
    std::vector<core::state_probe> out;
    for (const auto& p : impl_->probes) out.push_back(p.info);
    return out;
}

}  // namespace sf::sim
