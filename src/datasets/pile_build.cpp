#include "datasets/pile_build.hpp"

#include <fmt/format.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <future>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "core/error.hpp"
#include "io/atomic_file.hpp"
#include "io/nwb_spike_times.hpp"
#include "io/readers/checksum.hpp"

namespace sf::datasets {

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

pile_session session_of(const fs::path& file) {
    const fs::path abs = fs::absolute(file).lexically_normal();
    return {abs.string(), abs.parent_path().filename().string(), abs.stem().string()};
}

// A manifest list: one path per line ('#' comments, blank lines ignored), relative to the list.
void add_listed(const fs::path& list, std::vector<pile_session>& out) {
    std::ifstream in(list);
    std::string line;
    while (std::getline(in, line)) {
        while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
        if (line.empty() || line.front() == '#') continue;
        fs::path p(line);
        if (p.is_relative()) p = list.parent_path() / p;
        if (!fs::is_regular_file(p))
            throw core::config_error(fmt::format("{}: lists '{}', which is not a file", list.string(), line));
        out.push_back(session_of(p));
    }
}

}  // namespace

std::vector<pile_session> resolve_pile_inputs(const std::vector<std::string>& inputs) {
    std::vector<pile_session> sessions;
    for (const std::string& input : inputs) {
        const fs::path p(input);
        if (fs::is_directory(p)) {
            for (const auto& e : fs::recursive_directory_iterator(p))
                if (e.is_regular_file() && e.path().extension() == ".nwb") sessions.push_back(session_of(e.path()));
        } else if (fs::is_regular_file(p) && p.extension() == ".nwb") {
            sessions.push_back(session_of(p));
        } else if (fs::is_regular_file(p)) {
            add_listed(p, sessions);
        } else {
            throw core::config_error(fmt::format("{}: no such file or folder", input));
        }
    }
    std::sort(sessions.begin(), sessions.end(), [](const auto& a, const auto& b) { return a.path < b.path; });
    sessions.erase(std::unique(sessions.begin(), sessions.end(), [](const auto& a, const auto& b) { return a.path == b.path; }),
                   sessions.end());
    std::set<std::pair<std::string, std::string>> names;
    for (const auto& s : sessions)
        if (!names.insert({s.subject_id, s.session_id}).second)
            throw core::config_error(fmt::format("{}: a second session {}/{}; expected unique <subject>/<session> names",
                                                 s.path, s.subject_id, s.session_id));
    return sessions;
}

std::vector<pile_row> session_rows(const pile_session& s, const pile_build_options& o, pile_session_result& r) {
    const io::nwb_spike_times t = io::read_nwb_spike_times(s.path);
    binned_segments b = bin_session_segments(t.offsets, t.times_s, o.bin_ms / 1000.0, o.max_tokens);
    std::vector<pile_row> rows;
    for (std::size_t k = 0; k < b.counts.size(); ++k)
        rows.push_back({s.subject_id, s.session_id, fmt::format("segment_{}", k), b.units, b.bounds[k + 1] - b.bounds[k],
                        std::move(b.counts[k]), {}});
    r.rows = rows.size();
    r.units = b.units;
    r.bins = b.bins;
    r.tokens = std::uint64_t{b.units} * b.bins;
    r.saturated_bins = b.saturated_bins;
    return rows;
}

namespace {

json to_json(const pile_session_result& r) {
    return {{"path", r.session.path},   {"subject_id", r.session.subject_id}, {"session_id", r.session.session_id},
            {"bytes", r.bytes},         {"crc32", fmt::format("{:08x}", r.crc32)}, {"status", r.status},
            {"error", r.error},         {"rows", r.rows},   {"units", r.units},     {"bins", r.bins},
            {"tokens", r.tokens},       {"saturated_bins", r.saturated_bins},     {"shard", r.shard}};
}

pile_session_result from_json(const json& j) {
    const auto text = [&](const char* key) { return j.at(key).get<std::string>(); };
    const auto count = [&](const char* key) { return j.at(key).get<std::uint64_t>(); };
    pile_session_result r;
    r.session = {text("path"), text("subject_id"), text("session_id")};
    r.bytes = count("bytes");
    r.crc32 = static_cast<std::uint32_t>(std::stoul(text("crc32"), nullptr, 16));
    r.status = text("status");
    r.error = text("error");
    r.rows = count("rows"), r.units = count("units"), r.bins = count("bins"), r.tokens = count("tokens");
    r.saturated_bins = count("saturated_bins");
    r.shard = text("shard");
    return r;
}

// path -> result of the earlier runs (manifest.json and the fragments of workers that finished).
std::map<std::string, pile_session_result> earlier_results(const fs::path& out) {
    std::map<std::string, pile_session_result> done;
    std::vector<fs::path> files;
    if (fs::exists(out / "manifest.json")) files.push_back(out / "manifest.json");
    if (fs::is_directory(out))
        for (const auto& e : fs::directory_iterator(out))
            if (e.path().filename().string().starts_with(".manifest.worker")) files.push_back(e.path());
    for (const fs::path& f : files) {
        try {
            std::ifstream in(f);
            const json doc = json::parse(in);  // kept alive: the loop below iterates into it
            for (const json& j : doc.at("sessions")) {
                pile_session_result r = from_json(j);
                if (r.status == "done" || r.status == "skipped") done[r.session.path] = r;
            }
        } catch (const std::exception&) {
            // A fragment cut short by a kill: its sessions are simply built again.
        }
    }
    return done;
}

fs::path shard_path(const pile_session& s) { return fs::path(s.subject_id) / (s.session_id + ".parquet"); }

pile_session_result build_one(const pile_session& s, const fs::path& out, const pile_build_options& o,
                              const shard_writer& write_shard, const std::map<std::string, pile_session_result>& earlier) {
    pile_session_result r;
    r.session = s;
    try {
        r.bytes = fs::file_size(s.path);
        const auto it = earlier.find(s.path);
        const bool maybe_built = it != earlier.end() && it->second.bytes == r.bytes && fs::exists(out / it->second.shard);
        if (maybe_built) {
            r.crc32 = io::file_crc32(s.path);
            if (it->second.crc32 == r.crc32) {
                r = it->second;
                r.status = "skipped";
                return r;
            }
        }
        // A session to build: its checksum is computed by a second thread meanwhile.
        std::future<std::uint32_t> crc;
        if (!maybe_built) crc = std::async(std::launch::async, [&] { return io::file_crc32(s.path); });
        const std::vector<pile_row> rows = session_rows(s, o, r);
        r.shard = shard_path(s).string();
        fs::create_directories((out / r.shard).parent_path());
        write_shard(out / r.shard, rows);
        if (crc.valid()) r.crc32 = crc.get();
        r.status = "done";
    } catch (const std::exception& e) {
        r.status = "failed";
        r.error = e.what();
    }
    return r;
}

void write_results(const fs::path& file, const std::vector<pile_session_result>& results, const pile_build_options& o) {
    json sessions = json::array();
    for (const auto& r : results) sessions.push_back(to_json(r));
    const json doc = {{"bin_ms", o.bin_ms}, {"max_tokens", o.max_tokens}, {"sessions", sessions}};
    io::write_text_atomically(file, doc.dump(1) + "\n");
}

fs::path fragment(const fs::path& out, int w) { return out / fmt::format(".manifest.worker{}.json", w); }

}  // namespace

namespace {

// Runs worker `w` of `workers` in this process: its sessions, with its fragment after each.
void run_worker(int w, int workers, const std::vector<pile_session>& sessions, const fs::path& out,
                const pile_build_options& o, const shard_writer& write_shard,
                const std::map<std::string, pile_session_result>& earlier) {
    std::vector<pile_session_result> mine;
    for (std::size_t i = static_cast<std::size_t>(w); i < sessions.size(); i += static_cast<std::size_t>(workers)) {
        mine.push_back(build_one(sessions[i], out, o, write_shard, earlier));
        write_results(fragment(out, w), mine, o);  // progress survives a kill
    }
}

// Workers 1..W-1 as forked processes, worker 0 in this one; returns when all are done.
void run_local_workers(const std::vector<pile_session>& sessions, const fs::path& out, const pile_build_options& o,
                       const shard_writer& write_shard, const std::map<std::string, pile_session_result>& earlier) {
    std::vector<pid_t> children;
    for (int w = 1; w < o.workers; ++w) {
        const pid_t pid = ::fork();
        if (pid < 0) throw core::io_error("pile build: cannot start a worker process (fork failed)");
        if (pid == 0) {
            int code = 0;
            try {
                run_worker(w, o.workers, sessions, out, o, write_shard, earlier);
            } catch (...) {
                code = 1;
            }
            std::fflush(nullptr);
            ::_exit(code);
        }
        children.push_back(pid);
    }
    run_worker(0, o.workers, sessions, out, o, write_shard, earlier);
    for (const pid_t pid : children) ::waitpid(pid, nullptr, 0);
}

}  // namespace

std::vector<pile_session_result> build_pile(const std::vector<pile_session>& sessions, const fs::path& out,
                                            const pile_build_options& o, const shard_writer& write_shard,
                                            comm::communicator& world) {
    if (o.workers < 1) throw core::config_error("--workers: must be >= 1");
    if (world.size() > 1 && o.workers > 1)
        throw core::config_error(fmt::format("--workers {} under MPI: the {} ranks are the workers; start more ranks instead",
                                             o.workers, world.size()));
    const int workers = world.size() > 1 ? world.size() : o.workers;
    if (world.rank() == 0) fs::create_directories(out);
    world.barrier();
    const std::map<std::string, pile_session_result> earlier = earlier_results(out);
    world.barrier();  // every rank has read the earlier results before any writes a fragment
    if (world.size() > 1)
        run_worker(world.rank(), workers, sessions, out, o, write_shard, earlier);
    else
        run_local_workers(sessions, out, o, write_shard, earlier);
    world.barrier();
    if (world.rank() != 0) return {};
    // Merge in session order from the fragments; a session a dead worker never reported is failed.
    std::map<std::string, pile_session_result> by_path = earlier_results(out);
    std::vector<pile_session_result> results;
    for (const auto& s : sessions) {
        const auto it = by_path.find(s.path);
        if (it != by_path.end()) {
            results.push_back(it->second);
        } else {
            pile_session_result r;
            r.session = s;
            r.status = "failed";
            r.error = "not built (its worker stopped before reaching it)";
            for (int w = 0; w < workers; ++w) {
                std::ifstream in(fragment(out, w));
                if (!in) continue;
                try {
                    const json doc = json::parse(in);
                    for (const json& j : doc.at("sessions"))
                        if (j.at("path").get<std::string>() == s.path) r = from_json(j);
                } catch (const std::exception&) {
                }
            }
            results.push_back(r);
        }
    }
    write_results(out / "manifest.json", results, o);
    for (const auto& e : fs::directory_iterator(out))  // this run's fragments and any of earlier runs
        if (e.path().filename().string().starts_with(".manifest.worker")) fs::remove(e.path());
    return results;
}

}  // namespace sf::datasets
