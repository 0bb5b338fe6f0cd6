// cairn/fwd.hpp: what a module author includes: options, types, properties, definitions,
// config, modules. No evaluator, no I/O, no third-party headers.
#pragma once

#include "config.hpp"
#include "definitions.hpp"
#include "meta.hpp"
#include "module.hpp"
#include "option.hpp"
#include "properties.hpp"
#include "strings.hpp"
#include "types.hpp"
#include "value.hpp"
