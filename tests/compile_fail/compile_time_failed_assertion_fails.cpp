// first-error: configuration_does_not_evaluate<.*Failed assertions: \| - Exactly one of users.users.bob.isSystemUser and users.users.bob.isNormalUser must be set.
// A failed assertion at compile time.
#include <cairn/compile_time.hpp>
#include <modules/system/services/openssh.hpp>
#include <modules/system/time.hpp>
#include <modules/system/users.hpp>

using namespace cairn::modules;
using cairn::mk_force;

struct host {
  static constexpr cairn::meta meta{.hostname = "test"};
  using imports = cairn::imports<services::openssh::module, time::module, users::module>;
  static constexpr void config(cairn::definitions& d) {
    d.set(users::user::is_normal_user("bob"), true);
    d.set(users::user::is_system_user("bob"), true);
  }
};

CAIRN_CHECK_AT_COMPILE_TIME(host);

int main() { return 0; }
