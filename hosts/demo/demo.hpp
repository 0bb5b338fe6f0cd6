// hosts/demo/demo.hpp: the demo machine's configuration (host.cpp makes it a host binary).
#pragma once

#include <cairn/fwd.hpp>

#include <modules/packages/demo.hpp>
#include <modules/system/activation.hpp>
#include <modules/system/console.hpp>
#include <modules/system/cron.hpp>
#include <modules/system/filesystems.hpp>
#include <modules/system/firewall.hpp>
#include <modules/system/home-manager.hpp>
#include <modules/system/i18n.hpp>
#include <modules/system/journald.hpp>
#include <modules/system/networkd.hpp>
#include <modules/system/networking.hpp>
#include <modules/system/secrets.hpp>
#include <modules/system/services/heartbeat.hpp>
#include <modules/system/services/nginx.hpp>
#include <modules/system/services/openssh.hpp>
#include <modules/system/services/postgresql.hpp>
#include <modules/system/sudo.hpp>
#include <modules/system/time.hpp>
#include <modules/system/timers.hpp>
#include <users/alice/account.hpp>
#include <users/alice/home.hpp>

namespace hosts {

using namespace cairn::modules;
using cairn::mk_force;

struct demo {
  static constexpr cairn::meta meta{.hostname = "demo", .state_version = "0.1", .users = {"alice"}};

  // Every system module, as NixOS imports its whole module list: `options demo` documents them
  // all, and one that is not configured renders nothing (or its defaults, as NixOS does).
  using imports =
      cairn::imports<networking::module, networking::networkd::module, networking::firewall::module,
                     file_systems::module, time::module, i18n::module, console::module, activation::module,
                     security::sudo::module, services::journald::module, systemd::timer::module,
                     services::cron::module, services::openssh::module, services::nginx::module,
                     services::postgresql::module, services::heartbeat::module, secrets::module,
                     home_manager::module, people::alice::account>;
  // Alice's home is activated after the system, as home-manager's NixOS module does.
  using homes = cairn::home_manager::users<people::alice::home>;

  static constexpr void config(cairn::definitions& d) {
    d.set(services::openssh::enable, true);
    d.set(services::openssh::ports, {2222});
    d.set(services::openssh::settings::permit_root_login, "no");
    // A web server: the site from the system profile, a health check; nginx and sshd open their
    // ports in the firewall (networking.firewall.allowedTCPPorts = 2222, 80).
    d.set(services::nginx::enable, true);
    d.set(services::nginx::recommended_optimisation, true);
    d.set(services::nginx::virtual_host::default_("demo"), true);
    d.set(services::nginx::virtual_host::root("demo"), "/run/current-system/sw/share/demo-site");
    d.set(services::nginx::location::try_files("demo", "/"), "$uri $uri/ =404");
    d.set(services::nginx::location::return_("demo", "= /health"), "200 ok");
    // Its database: "demo", owned by the role demo; alice logs in as herself (peer authentication).
    d.set(services::postgresql::enable, true);
    d.set(services::postgresql::ensure_databases, {"demo"});
    d.set(services::postgresql::ensure_user::ensure_db_ownership("demo"), true);
    d.set(services::postgresql::ensure_user::login("alice"), true);
    // Dumped every night (a timer), where systemd keeps the service's state.
    d.set(systemd::service::description("demo-dump"), "Dump the demo database");
    d.set(systemd::service::start_at("demo-dump"), {"daily"});
    d.set(systemd::service::requires_("demo-dump"), {"postgresql.service"});
    d.set(systemd::service::after("demo-dump"), {"postgresql-setup.service"});
    d.set(systemd::service::service_config("demo-dump", "Type"), "oneshot");
    d.set(systemd::service::service_config("demo-dump", "User"), "postgres");
    d.set(systemd::service::service_config("demo-dump", "StateDirectory"), "demo-dump");
    d.set(systemd::service::service_config("demo-dump", "ExecStart"),
          "/bin/sh -c '" + std::string(services::postgresql::bin_dir) + "/pg_dump demo > /var/lib/demo-dump/demo.sql'");
    d.set(i18n::default_locale, "C.UTF-8");
    d.set(services::journald::extra_config, "SystemMaxUse=200M");
    d.set(security::sudo::wheel_needs_password, false);
    d.set(services::heartbeat::enable, true);
    d.set(services::heartbeat::interval, 30);
    d.set(time::time_zone, mk_force("Europe/Oslo"));
    d.set(users::user::extra_groups("alice"), {"wheel"});
    d.set(networking::extra_hosts, "10.0.0.2 build-server");
    d.set(environment::system_packages, {cairn::packages::hello(), cairn::packages::demo_site()});
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
