// spikeforge._core: the C++ engine, readers and analyses for Python. One binding file per
// module (bind_sim.cpp, bind_io.cpp, bind_analysis.cpp); the pure-Python package spikeforge
// wraps these in documented classes and functions.
//
// Errors: the library's typed errors become Python exceptions carrying the CLI's one-line
// message: config_error -> ConfigError (ValueError), input_error -> InputError (ValueError),
// io_error -> SpikeforgeIOError (OSError), any other core::error -> SpikeforgeError (RuntimeError).
#include "bindings.hpp"

#include "core/error.hpp"
#include "core/version.hpp"

namespace py = pybind11;

PYBIND11_MODULE(_core, m) {
    m.doc() = "spikeforge's C++ core (engine, readers, analyses); use the `spikeforge` package instead.";
    // Registered base first: pybind11 tries translators from the most recently registered one.
    py::register_exception<sf::core::error>(m, "SpikeforgeError", PyExc_RuntimeError);
    py::register_exception<sf::core::io_error>(m, "SpikeforgeIOError", PyExc_OSError);
    py::register_exception<sf::core::input_error>(m, "InputError", PyExc_ValueError);
    py::register_exception<sf::core::config_error>(m, "ConfigError", PyExc_ValueError);
    m.attr("__version__") = sf::core::version;
    sf::python::bind_sim(m);
    sf::python::bind_io(m);
    sf::python::bind_analysis(m);
    sf::python::bind_calcium(m);
    sf::python::bind_cli(m);
    sf::python::bind_datasets(m);
}
