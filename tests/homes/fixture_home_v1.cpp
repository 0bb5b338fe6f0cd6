// tests/homes/fixture_home_v1.cpp: generation 1 of the test user's home, as a home binary.
#include <cairn/home.hpp>

#include "fixture.hpp"

CAIRN_HOME(fixtures::tester_home<1>)
