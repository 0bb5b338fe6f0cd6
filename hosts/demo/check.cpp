// hosts/demo/check.cpp: the compiler evaluates the whole demo configuration: a conflict, a failed
// assertion or a value outside its type is a compile error naming the option. A unit of its own
// that compiles in parallel with host.cpp and is not linked into the host binary, which links
// the modules compiled once (cairn_add_host's CHECK).
#include <cairn/compile_time.hpp>

#include "demo.hpp"

CAIRN_CHECK_AT_COMPILE_TIME(hosts::demo);
