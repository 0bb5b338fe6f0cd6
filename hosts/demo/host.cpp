// hosts/demo/host.cpp: the demo machine's host binary. `tools/cairn switch demo --root DIR`
// builds and runs it.
#include <cairn/compile_time.hpp>
#include <cairn/host.hpp>

#include "demo.hpp"

// The compiler evaluates the whole configuration: a conflict, a failed assertion or a value
// outside its type is a compile error naming the option.
CAIRN_CHECK_AT_COMPILE_TIME(hosts::demo);

CAIRN_HOST(hosts::demo)
