// first-error: configuration_does_not_evaluate<.*The option `time.timeZone\\' has conflicting definition values:
// expect: In `tests/compile_fail/compile_time_conflict_fails.cpp:[0-9]+\\\': \\"Europe/Paris\\"
// With CAIRN_CHECK_AT_COMPILE_TIME, a conflict between two modules is a compile error naming the option and both places.
#include <cairn/compile_time.hpp>
#include <modules/system/services/openssh.hpp>
#include <modules/system/time.hpp>
#include <modules/system/users.hpp>

using namespace cairn::modules;
using cairn::mk_force;

struct office {
  static constexpr void config(cairn::definitions& d) { d.set(time::time_zone, "Europe/Oslo"); }
};

struct host {
  static constexpr cairn::meta meta{.hostname = "test"};
  using imports = cairn::imports<services::openssh::module, time::module, users::module, office>;
  static constexpr void config(cairn::definitions& d) {
    d.set(time::time_zone, "Europe/Paris");
  }
};

CAIRN_CHECK_AT_COMPILE_TIME(host);

int main() { return 0; }
