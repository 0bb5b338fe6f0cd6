// users/alice/check.cpp: the compiler evaluates Alice's whole home configuration (a unit of its
// own, not linked into home-alice: see cairn_add_home's CHECK).
#include <cairn/compile_time.hpp>

#include "home.hpp"

CAIRN_CHECK_AT_COMPILE_TIME(people::alice::home);
