// The binding functions of spikeforge._core, one per library module (python/src/bind_*.cpp).
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstdint>
#include <span>
#include <vector>

namespace sf::python {

void bind_sim(pybind11::module_& m);       // networks, simulations, configs, models
void bind_io(pybind11::module_& m);        // spike files <-> numpy arrays
void bind_analysis(pybind11::module_& m);  // statistics, bursts
void bind_calcium(pybind11::module_& m);   // calcium inference and scoring on arrays
void bind_cli(pybind11::module_& m);       // the CLI's commands, in-process
void bind_datasets(pybind11::module_& m);  // neural-pile shards <-> numpy

// A numpy array that takes over `values` (no copy: the array owns the moved vector).
template <class T>
pybind11::array_t<T> to_numpy(std::vector<T>&& values) {
    auto* owner = new std::vector<T>(std::move(values));
    pybind11::capsule free_owner(owner, [](void* p) { delete static_cast<std::vector<T>*>(p); });
    return pybind11::array_t<T>(static_cast<pybind11::ssize_t>(owner->size()), owner->data(), free_owner);
}

// A contiguous 1-D copy of any array-like as a std::vector (numpy converts dtype and layout).
template <class T>
std::vector<T> to_vector(const pybind11::handle& values) {
    auto a = pybind11::array_t<T, pybind11::array::c_style | pybind11::array::forcecast>::ensure(values);
    if (!a) throw pybind11::type_error("expected an array of numbers");
    if (a.ndim() != 1) throw pybind11::value_error("expected a 1-D array");
    return std::vector<T>(a.data(), a.data() + a.size());
}

}  // namespace sf::python
