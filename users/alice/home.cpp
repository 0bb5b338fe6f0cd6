// users/alice/home.cpp: Alice's home binary. `tools/cairn home switch alice --home DIR` builds
// and runs it.
#include <cairn/compile_time.hpp>
#include <cairn/home.hpp>

#include "home.hpp"

CAIRN_CHECK_AT_COMPILE_TIME(people::alice::home);

CAIRN_HOME(people::alice::home)
