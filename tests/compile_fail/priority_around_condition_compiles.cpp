// The twin of priority_around_condition_fails: it compiles.
#include <cairn/fwd.hpp>
#include <modules/system/networking.hpp>
#include <modules/system/services/openssh.hpp>
#include <modules/system/time.hpp>

using namespace cairn::modules;

struct host {
  using imports = cairn::imports<services::openssh::module, networking::module, time::module>;
  static constexpr void config(cairn::definitions& d) {
    d.set(time::time_zone, cairn::mk_if(true, cairn::mk_force("UTC")));
  }
};

int main() { return 0; }
