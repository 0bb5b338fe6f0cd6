// The demo host's next generation, for the system tests: it changes everything a switch acts
// on. sshd moves to port 2223 (restart), heartbeat beats every 5 s (reload), a greeter service
// appears (start; stopped again by a rollback), hello goes from 1.0 to 1.1 and uptime-days (a C
// program the store compiles) is added, bob gets an account (its password hash a secret), /etc
// gains a file, nginx a location (restart), postgresql a database (postgresql-setup restarts,
// the server does not), journald a setting (Debian's systemd-journald restarts).
#include <cairn/host.hpp>

#include <hosts/demo/demo.hpp>

namespace tests {

using namespace cairn::modules;
using cairn::mk_force;

constexpr cairn::package hello_1_1() {
  auto p = cairn::packages::hello();
  p.version = "1.1";
  p.files[0].contents = "#!/bin/sh\necho \"Hello again from $(hostname)!\"\n";
  return p;
}

struct demo_next {
  static constexpr cairn::meta meta = hosts::demo::meta;
  using imports = cairn::imports<hosts::demo>;

  static constexpr void config(cairn::definitions& d) {
    d.set(services::openssh::ports, mk_force({2223}));
    d.set(services::heartbeat::interval, mk_force(5));
    d.set(environment::system_packages, mk_force({hello_1_1(), cairn::packages::uptime_days(), cairn::packages::demo_site()}));
    d.set(systemd::service::description("greeter"), "Greets every boot");
    d.set(systemd::service::wanted_by("greeter"), {"multi-user.target"});
    d.set(systemd::service::service_config("greeter", "ExecStart"), "/bin/sleep infinity");
    d.set(users::user::is_normal_user("bob"), true);
    // bob's password hash is a secret: decrypted before the accounts are written.
    d.set(secrets::secret::file("bob-password"), "tests/system/secrets/bob-password.age");
    d.set(users::user::hashed_password_file("bob"), "/run/secrets/bob-password");
    d.set(environment::etc_entry::text("demo-next"), "generation two\n");
    d.set(services::nginx::location::return_("demo", "= /generation"), "200 two");
    d.set(services::postgresql::ensure_databases, {"generation_two"});
    d.set(services::journald::extra_config, mk_force("SystemMaxUse=100M"));
  }
};

}  // namespace tests

CAIRN_HOST(tests::demo_next)
