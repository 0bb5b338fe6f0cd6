// tests/homes/fixture_host_v1.cpp: generation 1 of a host that activates the test user's home.
#include <cairn/host.hpp>

#include "fixture.hpp"

CAIRN_HOST(fixtures::tester_host<1>)
