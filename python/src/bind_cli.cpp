// The CLI's commands, run in this process (spikeforge.run_command): the same code as the
// `spikeforge` executable (apps/spikeforge, library sf_cli_commands), so every option, output
// and message is the CLI's. Differences: errors are raised (ConfigError for bad usage, as the
// CLI's exit code 2) instead of printed; the GIL is released while a command runs.
#include "bindings.hpp"

#include "cli_app.hpp"
#include "core/error.hpp"

#include <cstdio>
#include <string>
#include <vector>

namespace py = pybind11;

namespace sf::python {

void bind_cli(py::module_& m) {
    m.def("run_command", [](const std::vector<std::string>& args) {
        std::vector<std::string> words{"spikeforge"};
        words.insert(words.end(), args.begin(), args.end());
        std::vector<char*> argv;
        for (auto& w : words) argv.push_back(w.data());
        const int argc = static_cast<int>(argv.size());
        argv.push_back(nullptr);
        const auto cli = cli::make_cli_app(argc, argv.data());
        try {
            cli->app.parse(argc, argv.data());
        } catch (const CLI::ParseError& e) {
            if (e.get_exit_code() != 0) throw core::config_error(e.what());
            const int code = cli->app.exit(e);  // --help / --version: printed on stdout, as the CLI
            std::fflush(stdout);
            return code;
        }
        int code = 0;
        {
            py::gil_scoped_release release;
            struct flush_on_exit {
                ~flush_on_exit() { std::fflush(stdout); }
            } flush;
            code = cli::run_chosen_command(*cli);
        }
        return code;
    }, py::arg("args"), "Runs one spikeforge CLI command in this process; returns its exit code (0), raises on error.");
}

}  // namespace sf::python
