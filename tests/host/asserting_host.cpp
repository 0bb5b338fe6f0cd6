// A host that evaluates but fails assertions and has a warning.
#include <cairn/host.hpp>

#include <modules/system/users.hpp>

using namespace cairn::modules;

struct asserting {
  static constexpr cairn::meta meta{.hostname = "asserting"};
  using imports = cairn::imports<users::module>;
  static constexpr void config(cairn::definitions& d) {
    d.set(users::user::is_normal_user("bob"), true);
    d.set(users::user::is_system_user("bob"), true);
    d.set(users::user::is_system_user("daemon"), true);
    d.set(assertions::warnings, {"this host is only a test"});
  }
};

CAIRN_HOST(asserting)
