// The twin of condition_not_boolean_fails: it compiles.
#include <cairn/fwd.hpp>
#include <modules/system/networking.hpp>
#include <modules/system/services/openssh.hpp>
#include <modules/system/time.hpp>

using namespace cairn::modules;

struct host {
  using imports = cairn::imports<services::openssh::module, networking::module, time::module>;
  static constexpr void config(cairn::definitions& d) {
    d.when(services::openssh::enable).set(time::time_zone, "UTC");
  }
};

int main() { return 0; }
