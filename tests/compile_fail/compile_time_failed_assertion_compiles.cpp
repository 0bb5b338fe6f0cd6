// The twin of compile_time_failed_assertion_fails: it compiles.
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
    d.set(users::user::is_system_user("bob"), false);
  }
};

CAIRN_CHECK_AT_COMPILE_TIME(host);

int main() { return 0; }
