// hosts/demo/host.cpp: the demo machine's host binary. `tools/cairn switch demo --root DIR`
// builds and runs it; check.cpp has the compiler evaluate its configuration.
#include <cairn/host.hpp>

#include "demo.hpp"

CAIRN_HOST(hosts::demo)
