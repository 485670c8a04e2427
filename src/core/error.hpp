// Typed errors of spikeforge and the exit codes the CLI maps them to (DESIGN.md §4).
//
// User mistakes are thrown while a network is built or a file is opened, never inside the
// step loop. Each error carries one line of text that names the place (key, file, path inside
// the file) and the rule that was broken; the CLI prints exactly that line.
#pragma once

#include <stdexcept>
#include <string>

namespace sf::core {

enum class exit_code : int {
    ok = 0,
    runtime_failure = 1,  // I/O failure, out of resources, internal error
    bad_usage = 2,        // bad command line or configuration
    bad_input = 3,        // input data that does not satisfy its format
};

class error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
    virtual exit_code code() const noexcept { return exit_code::runtime_failure; }
};

// A configuration value or command-line option that breaks a rule (exit 2).
class config_error : public error {
public:
    using error::error;
    exit_code code() const noexcept override { return exit_code::bad_usage; }
};

// An input file whose content is not what its format promises (exit 3).
class input_error : public error {
public:
    using error::error;
    exit_code code() const noexcept override { return exit_code::bad_input; }
};

// A file could not be read, written or renamed (exit 1).
class io_error : public error {
public:
    using error::error;
};

}  // namespace sf::core
