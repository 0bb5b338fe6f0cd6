// first-error: "users.users.<name>.uid"\}>::is_a_submodule_field_so_bind_it_first
// A submodule field set without naming its instance.
#include <cairn/fwd.hpp>
#include <modules/system/networking.hpp>
#include <modules/system/services/openssh.hpp>
#include <modules/system/time.hpp>

using namespace cairn::modules;

struct host {
  using imports = cairn::imports<services::openssh::module, networking::module, time::module>;
  static constexpr void config(cairn::definitions& d) {
    d.set(users::user::uid, 1000);
  }
};

int main() { return 0; }
