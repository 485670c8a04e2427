#include "models/builtin_registry.hpp"

#include "models/iaf_cond_alpha.hpp"
#include "models/iaf_cond_exp.hpp"
#include "models/iaf_psc_alpha.hpp"
#include "models/iaf_psc_exp.hpp"
#include "models/poisson_source.hpp"
#include "models/spike_source_array.hpp"

namespace sf::models {

sim::model_registry builtin_registry() {
    sim::model_registry registry;
    registry.add<iaf_cond_exp>();
    registry.add<iaf_cond_alpha>();
    registry.add<iaf_psc_exp>();
    registry.add<iaf_psc_alpha>();
    registry.add<poisson_source>();
    registry.add<spike_source_array>();
    return registry;
}

}  // namespace sf::models
