// hosts/demo/host.cpp: the demo machine. `tools/cairn check demo` evaluates it.
#include <cairn/compile_time.hpp>
#include <cairn/host.hpp>

#include <modules/system/networking.hpp>
#include <modules/system/services/openssh.hpp>
#include <modules/system/time.hpp>
#include <users/alice/account.hpp>

using namespace cairn::modules;
using cairn::mk_force;

struct demo {
  static constexpr cairn::meta meta{.hostname = "demo", .state_version = "0.1", .users = {"alice"}};

  using imports = cairn::imports<networking::module, time::module, services::openssh::module, people::alice::account>;

  static constexpr void config(cairn::definitions& d) {
    d.set(services::openssh::enable, true);
    d.set(services::openssh::ports, {2222});
    d.set(services::openssh::settings::permit_root_login, "no");
    d.set(time::time_zone, mk_force("Europe/Oslo"));
    d.set(users::user::extra_groups("alice"), {"wheel"});
    d.set(networking::extra_hosts, "10.0.0.2 build-server");
  }
};

// The compiler evaluates the whole configuration: a conflict, a failed assertion or a value
// outside its type is a compile error naming the option.
CAIRN_CHECK_AT_COMPILE_TIME(demo);

CAIRN_HOST(demo)
