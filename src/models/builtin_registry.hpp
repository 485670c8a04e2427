// The models spikeforge ships. Adding a model: write its header, add one line in the .cpp.
#pragma once

#include "sim/model_registry.hpp"

namespace sf::models {

sim::model_registry builtin_registry();

}  // namespace sf::models
