// The modules a real machine needs, imported together: their /etc files and units side by side
// (each defines parts of environment.etc and systemd.units, which merge per name).
#include <string>

#include <cairn/compile_time.hpp>
#include <cairn/fwd.hpp>

#include <modules/system/console.hpp>
#include <modules/system/cron.hpp>
#include <modules/system/filesystems.hpp>
#include <modules/system/i18n.hpp>
#include <modules/system/journald.hpp>
#include <modules/system/networkd.hpp>
#include <modules/system/timers.hpp>

#include "support.hpp"

namespace {

namespace m = cairn::modules;

struct server {
  static constexpr cairn::meta meta{.hostname = "web"};
  using imports = cairn::imports<m::networking::networkd::module, m::file_systems::module, m::i18n::module,
                                 m::console::module, m::services::journald::module, m::systemd::timer::module,
                                 m::services::cron::module>;
  static constexpr void config(cairn::definitions& d) {
    d.set(m::networking::networkd::interface::ipv4_addresses("eth0"), {"192.0.2.10/24"});
    d.set(m::networking::networkd::nameservers, {"9.9.9.9"});
    d.set(m::file_systems::file_system::device("/"), "/dev/disk/by-label/nixos");
    d.set(m::file_systems::file_system::fs_type("/"), "ext4");
    d.set(m::i18n::default_locale, "de_DE.UTF-8");
    d.set(m::console::key_map, "de-latin1");
    d.set(m::services::journald::storage, "volatile");
    d.set(m::services::cron::enable, true);
    d.set(m::systemd::service::start_at("backup"), {"daily"});
    d.set(m::systemd::service::service_config("backup", "ExecStart"), "/bin/true");
  }
};
CAIRN_CHECK_AT_COMPILE_TIME(server);

}  // namespace

TEST(MachineModules, TheirFilesAndUnitsSideBySide) {
  cairn::testing::evaluation<server> e;
  std::vector<std::string> etc, units;
  for (const auto& [name, v] : e["environment.etc"].as_attrs()) etc.push_back(name);
  for (const auto& [name, v] : e["systemd.units"].as_attrs()) units.push_back(name);
  EXPECT_EQ(cairn::detail::join(etc, " "),
            "crontab fstab locale.conf localtime resolv.conf systemd/journald.conf systemd/network/40-eth0.network "
            "timezone vconsole.conf");
  EXPECT_EQ(cairn::detail::join(units, " "), "backup.service backup.timer cron.service systemd-journald.service");
}
