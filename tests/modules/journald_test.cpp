// modules/system/journald.hpp: /etc/systemd/journald.conf as NixOS writes it, read back by
// systemd-journald itself (in a mount namespace of its own, over an empty /run and /var/log).
#include <string>

#include <cairn/compile_time.hpp>
#include <cairn/fwd.hpp>

#include <modules/system/journald.hpp>

#include "real_program.hpp"
#include "support.hpp"

namespace {

using cairn::testing::result;
using cairn::testing::run;
using cairn::testing::scratch;

namespace journald = cairn::modules::services::journald;

struct default_host {
  static constexpr cairn::meta meta{.hostname = "plain"};
  using imports = cairn::imports<journald::module>;
  static constexpr void config(cairn::definitions&) {}
};
CAIRN_CHECK_AT_COMPILE_TIME(default_host);

struct small_disk_host {
  static constexpr cairn::meta meta{.hostname = "pi"};
  using imports = cairn::imports<journald::module>;
  static constexpr void config(cairn::definitions& d) {
    d.set(journald::storage, "volatile");
    d.set(journald::rate_limit_interval, "1min");
    d.set(journald::rate_limit_burst, 500);
    d.set(journald::console, "/dev/tty12");
    d.set(journald::forward_to_syslog, true);
    d.set(journald::extra_config, "RuntimeMaxUse=64M");
    d.set(journald::extra_config, "MaxRetentionSec=1week");
  }
};
CAIRN_CHECK_AT_COMPILE_TIME(small_disk_host);

struct broken_host {
  static constexpr cairn::meta meta{.hostname = "broken"};
  using imports = cairn::imports<journald::module>;
  static constexpr void config(cairn::definitions& d) {
    d.set(journald::rate_limit_interval, "soon");
    d.set(journald::extra_config, "SystemMaxUse=lots\nCompresss=yes");
  }
};

// A drop-in adds to the base system's unit, which keeps its own enablement.
struct enabled_drop_in {
  static constexpr cairn::meta meta{.hostname = "x"};
  using imports = cairn::imports<journald::module>;
  static constexpr void config(cairn::definitions& d) {
    d.set(cairn::modules::systemd::service::wanted_by("systemd-journald"), {"multi-user.target"});
  }
};

struct wrong_storage {
  static constexpr cairn::meta meta{.hostname = "x"};
  using imports = cairn::imports<journald::module>;
  static constexpr void config(cairn::definitions& d) { d.set(journald::storage, "disk"); }
};
struct wrong_burst {
  static constexpr cairn::meta meta{.hostname = "x"};
  using imports = cairn::imports<journald::module>;
  static constexpr void config(cairn::definitions& d) { d.set(journald::rate_limit_burst, cairn::value("many")); }
};

template <class Host>
std::string journald_conf() {
  cairn::testing::evaluation<Host> e;
  return e["environment.etc.\"systemd/journald.conf\".text"].as_string();
}

// What systemd-journald says about the file when it starts with it, and its exit status when
// stopped after 2 s. Its
// sockets and journals go to a tmpfs over /run and /var/log, in a mount namespace of its own.
template <class Host>
result journald_reads() {
  scratch s;
  const std::string file = s.write("journald.conf", journald_conf<Host>());
  const std::string script = "mount -t tmpfs none /run && mount -t tmpfs none /var/log && "
                             "mount --bind " + file + " /etc/systemd/journald.conf && "
                             "SYSTEMD_LOG_TARGET=console SYSTEMD_LOG_LEVEL=info "
                             "timeout -s TERM 2 /lib/systemd/systemd-journald; echo \"journald stopped: $?\"";
  return run("unshare -m sh -c '" + script + "' 2>&1 | grep -E '^(/etc/systemd/journald.conf|journald stopped)'; exit 0",
             true);
}

bool journald_can_run() {
  return run("test -x /lib/systemd/systemd-journald && test -f /etc/systemd/journald.conf && unshare -m true", true)
             .status == 0;
}

}  // namespace

TEST(Journald, TheFileAsNixOSWritesIt) {
  EXPECT_EQ(journald_conf<default_host>(),
            "[Journal]\n"
            "Storage=persistent\n"
            "RateLimitInterval=30s\n"
            "RateLimitBurst=10000\n"
            "\n"
            "\n"
            "\n");
  EXPECT_EQ(journald_conf<small_disk_host>(),
            "[Journal]\n"
            "Storage=volatile\n"
            "RateLimitInterval=1min\n"
            "RateLimitBurst=500\n"
            "ForwardToConsole=yes\n"
            "TTYPath=/dev/tty12\n"
            "\n"
            "ForwardToSyslog=yes\n"
            "\n"
            "RuntimeMaxUse=64M\n"
            "MaxRetentionSec=1week\n");
  cairn::testing::evaluation<default_host> e;
  EXPECT_EQ(e.json("environment.etc.\"systemd/journald.conf\".replaceExisting"), "true");
}

// A changed journald.conf restarts the daemon at a switch: a drop-in for the base system's unit
// whose restart trigger follows the file.
TEST(Journald, TheDaemonRestartsWhenTheFileChanges) {
  auto drop_in = [](auto e) {
    EXPECT_EQ(e.json("systemd.units.\"systemd-journald.service\".overrideStrategy"), "\"asDropin\"");
    EXPECT_EQ(e.json("systemd.units.\"systemd-journald.service\".wantedBy"), "[]");
    return e["systemd.units.\"systemd-journald.service\".text"].as_string();
  };
  auto plain = drop_in(cairn::testing::evaluation<default_host>{});
  auto small = drop_in(cairn::testing::evaluation<small_disk_host>{});
  EXPECT_TRUE(plain.starts_with("[Unit]\nX-Restart-Triggers=")) << plain;
  EXPECT_TRUE(plain.ends_with("\n\n[Service]\nX-StopIfChanged=false\n")) << plain;
  EXPECT_NE(plain, small);
  EXPECT_EQ(plain, drop_in(cairn::testing::evaluation<default_host>{}));
}

TEST(Journald, SystemdJournaldAcceptsTheFiles) {
  if (!journald_can_run()) GTEST_SKIP() << "cannot run systemd-journald in a mount namespace here";
  // It ran until stopped (timeout's 124), and said nothing about the file.
  EXPECT_EQ(journald_reads<default_host>().out, "journald stopped: 124\n");
  EXPECT_EQ(journald_reads<small_disk_host>().out, "journald stopped: 124\n");
  // The check is real: journald names each value it cannot use.
  auto broken = journald_reads<broken_host>().out;
  EXPECT_CONTAINS(broken, "/etc/systemd/journald.conf:3: Failed to parse sec value, ignoring: soon");
  EXPECT_CONTAINS(broken, "/etc/systemd/journald.conf:7: Failed to parse size value, ignoring: lots");
  EXPECT_CONTAINS(broken, "/etc/systemd/journald.conf:8: Unknown key 'Compresss' in section [Journal]");
}

TEST(Journald, WrongValuesNameTheOption) {
  EXPECT_CONTAINS(cairn::testing::message_of<wrong_storage>("services.journald.storage"),
                  "A definition for option `services.journald.storage' is not of type `one of \"persistent\", "
                  "\"volatile\", \"auto\", \"none\"'");
  EXPECT_CONTAINS(cairn::testing::message_of<wrong_burst>("services.journald.rateLimitBurst"),
                  "A definition for option `services.journald.rateLimitBurst' is not of type `signed integer'");
}

TEST(Journald, ADropInCannotBeEnabled) {
  EXPECT_EQ(cairn::testing::failed_assertions_of<enabled_drop_in>(),
            "systemd.units.\"systemd-journald.service\" is a drop-in (overrideStrategy = \"asDropin\"): the base "
            "system's unit keeps its own enablement, so wantedBy must be empty");
}
