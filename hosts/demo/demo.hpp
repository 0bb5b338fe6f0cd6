// hosts/demo/demo.hpp: the demo machine's configuration (host.cpp makes it a host binary).
#pragma once

#include <cairn/fwd.hpp>

#include <modules/packages/demo.hpp>
#include <modules/system/activation.hpp>
#include <modules/system/home-manager.hpp>
#include <modules/system/networking.hpp>
#include <modules/system/secrets.hpp>
#include <modules/system/services/heartbeat.hpp>
#include <modules/system/services/openssh.hpp>
#include <modules/system/time.hpp>
#include <users/alice/account.hpp>
#include <users/alice/home.hpp>

namespace hosts {

using namespace cairn::modules;
using cairn::mk_force;

struct demo {
  static constexpr cairn::meta meta{.hostname = "demo", .state_version = "0.1", .users = {"alice"}};

  using imports = cairn::imports<networking::module, time::module, activation::module, services::openssh::module,
                                 services::heartbeat::module, secrets::module, home_manager::module,
                                 people::alice::account>;
  // Alice's home is activated after the system, as home-manager's NixOS module does.
  using homes = cairn::home_manager::users<people::alice::home>;

  static constexpr void config(cairn::definitions& d) {
    d.set(services::openssh::enable, true);
    d.set(services::openssh::ports, {2222});
    d.set(services::openssh::settings::permit_root_login, "no");
    d.set(services::heartbeat::enable, true);
    d.set(services::heartbeat::interval, 30);
    d.set(time::time_zone, mk_force("Europe/Oslo"));
    d.set(users::user::extra_groups("alice"), {"wheel"});
    d.set(networking::extra_hosts, "10.0.0.2 build-server");
    d.set(environment::system_packages, {cairn::packages::hello()});
    d.set(environment::etc_entry::text("motd"), "Welcome to demo, managed by cairn.\n");
    d.set(environment::etc_entry::replace_existing("motd"), true);  // Debian ships one
    // Encrypted in the repository, decrypted at activation into /run/secrets/api-token, readable by
    // alice only; hosts/demo/prepare encrypts it to each demo root's host key.
    d.set(secrets::secret::file("api-token"), "hosts/demo/secrets/api-token.age");
    d.set(secrets::secret::owner("api-token"), "alice");
    d.set(secrets::secret::restart_units("api-token"), {"heartbeat.service"});
    d.set(secrets::secret_template::content("api.env"), "API_TOKEN=" + cairn::secret("api-token") + "\n");
    d.set(secrets::secret_template::owner("api.env"), "alice");
    d.set(activation::script::text("last-activation"),
          "mkdir -p \"$CAIRN_ROOT/var/lib/demo\" && echo \"$systemConfig\" > \"$CAIRN_ROOT/var/lib/demo/last-activation\"");
  }
};

}  // namespace hosts
