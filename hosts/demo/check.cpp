// hosts/demo/check.cpp: the compiler evaluates the whole demo configuration: a conflict, a failed
// assertion or a value outside its type is a compile error naming the option. In a translation
// unit of its own, so that it compiles in parallel with host.cpp (which it would double).
#include <cairn/compile_time.hpp>

#include "demo.hpp"

CAIRN_CHECK_AT_COMPILE_TIME(hosts::demo);
