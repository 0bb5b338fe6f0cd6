// The twin of unbound_submodule_field_fails: it compiles.
#include <cairn/fwd.hpp>
#include <modules/system/networking.hpp>
#include <modules/system/services/openssh.hpp>
#include <modules/system/time.hpp>

using namespace cairn::modules;

struct host {
  using imports = cairn::imports<services::openssh::module, networking::module, time::module>;
  static constexpr void config(cairn::definitions& d) {
    d.set(users::user::uid("alice"), 1000);
  }
};

int main() { return 0; }
