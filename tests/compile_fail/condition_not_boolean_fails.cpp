// first-error: static assertion failed: cairn: a condition is a bool, a bool option, or a function of the config returning bool
// A condition that is not boolean.
#include <cairn/fwd.hpp>
#include <modules/system/networking.hpp>
#include <modules/system/services/openssh.hpp>
#include <modules/system/time.hpp>

using namespace cairn::modules;

struct host {
  using imports = cairn::imports<services::openssh::module, networking::module, time::module>;
  static constexpr void config(cairn::definitions& d) {
    d.when(services::openssh::ports).set(time::time_zone, "UTC");
  }
};

int main() { return 0; }
