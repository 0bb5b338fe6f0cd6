// cairn/cairn.hpp: everything.
#pragma once

#include "compile_time.hpp"
#include "eval.hpp"
#include "fwd.hpp"
#include "host.hpp"
#include "json.hpp"
#include "manual.hpp"
