// users/alice/home.cpp: Alice's home binary. `tools/cairn home switch alice --home DIR` builds
// and runs it; check.cpp has the compiler evaluate her home's configuration.
#include <cairn/home.hpp>

#include "home.hpp"

CAIRN_HOME(people::alice::home)
