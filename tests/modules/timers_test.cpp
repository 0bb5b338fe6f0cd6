// modules/system/timers.hpp: timer units as NixOS's timerToUnit renders them, and startAt,
// checked with the services they start by systemd-analyze verify.
#include <string>

#include <cairn/compile_time.hpp>
#include <cairn/fwd.hpp>

#include <modules/system/timers.hpp>

#include "real_program.hpp"
#include "support.hpp"

namespace {

using cairn::testing::result;
using cairn::testing::run;
using cairn::testing::scratch;

namespace systemd = cairn::modules::systemd;
namespace timer = systemd::timer;
namespace service = systemd::service;

struct backup_host {
  static constexpr cairn::meta meta{.hostname = "nas"};
  using imports = cairn::imports<timer::module>;
  static constexpr void config(cairn::definitions& d) {
    d.set(timer::description("backup"), "Nightly backup");
    d.set(timer::wanted_by("backup"), {"timers.target"});
    d.set(timer::timer_config("backup", "OnCalendar"), "*-*-* 02:30:00");
    d.set(timer::timer_config("backup", "Persistent"), true);
    d.set(timer::timer_config("backup", "RandomizedDelaySec"), 600);
    d.set(service::description("backup"), "Backup of /srv");
    d.set(service::service_config("backup", "Type"), "oneshot");
    d.set(service::service_config("backup", "ExecStart"), "/usr/bin/tar -czf /var/backups/srv.tgz /srv");

    // startAt: the timer comes with the service.
    d.set(service::start_at("prune-logs"), {"hourly", "Sat 12:00"});
    d.set(service::service_config("prune-logs", "Type"), "oneshot");
    d.set(service::service_config("prune-logs", "ExecStart"), "/usr/bin/find /var/log -name *.gz -mtime +30 -delete");

    // A timer starting a unit of another name, and one switched off.
    d.set(timer::timer_config("cleanup", "OnBootSec"), "15min");
    d.set(timer::timer_config("cleanup", "Unit"), "tmp-cleanup.service");
    d.set(timer::unit_config("cleanup", "ConditionACPower"), true);
    d.set(service::service_config("tmp-cleanup", "ExecStart"), "/usr/bin/find /tmp -mtime +7 -delete");
    d.set(timer::timer_config("off", "OnCalendar"), "daily");
    d.set(timer::enable("off"), false);
  }
};
CAIRN_CHECK_AT_COMPILE_TIME(backup_host);

struct bad_calendar_host {
  static constexpr cairn::meta meta{.hostname = "bad"};
  using imports = cairn::imports<timer::module>;
  static constexpr void config(cairn::definitions& d) {
    d.set(service::start_at("job"), {"every tuesday-ish"});
    d.set(service::service_config("job", "ExecStart"), "/bin/true");
  }
};

struct wrong_start_at {
  static constexpr cairn::meta meta{.hostname = "x"};
  using imports = cairn::imports<timer::module>;
  static constexpr void config(cairn::definitions& d) { d.set(service::start_at("job"), cairn::value(5)); }
};
struct wrong_timer_setting {
  static constexpr cairn::meta meta{.hostname = "x"};
  using imports = cairn::imports<timer::module>;
  static constexpr void config(cairn::definitions& d) {
    d.set(timer::timer_config("job", "OnCalendar"), cairn::value(cairn::attrs{}));
  }
};

template <class Host>
std::string unit_text(cairn::testing::evaluation<Host>& e, const std::string& unit) {
  return e["systemd.units.\"" + unit + "\".text"].as_string();
}

// systemd-analyze verify on the unit files of the host, each written to a scratch directory. It
// runs in a mount namespace over an empty /run/systemd, where a system manager in test mode
// leaves its stamp (systemd-units-load).
template <class Host>
result verify(const scratch& s) {
  cairn::testing::evaluation<Host> e;
  std::string files;
  for (const auto& [name, u] : e["systemd.units"].as_attrs()) files += " " + s.write(name, unit_text(e, name));
  return run("unshare -m sh -c 'mount -t tmpfs none /run/systemd && systemd-analyze verify --man=no" + files + "'",
             true);
}

bool can_verify() {
  return run("command -v systemd-analyze && unshare -m sh -c 'mount -t tmpfs none /run/systemd'").status == 0;
}

}  // namespace

TEST(Timers, TheTimerUnitsAsNixOSRendersThem) {
  cairn::testing::evaluation<backup_host> e;
  EXPECT_EQ(unit_text(e, "backup.timer"),
            "[Unit]\n"
            "Description=Nightly backup\n"
            "\n"
            "[Timer]\n"
            "OnCalendar=*-*-* 02:30:00\n"
            "Persistent=true\n"
            "RandomizedDelaySec=600\n");
  EXPECT_EQ(e.json("systemd.units.\"backup.timer\".wantedBy"), "[\"timers.target\"]");
  EXPECT_EQ(unit_text(e, "cleanup.timer"),
            "[Unit]\nConditionACPower=true\n\n[Timer]\nOnBootSec=15min\nUnit=tmp-cleanup.service\n");
  EXPECT_EQ(e.json("systemd.units.\"cleanup.timer\".wantedBy"), "[]");
  EXPECT_EQ(e["systemd.units"].as_attrs().find("off.timer"), nullptr);
}

TEST(Timers, StartAtMakesATimerForTheService) {
  cairn::testing::evaluation<backup_host> e;
  EXPECT_EQ(unit_text(e, "prune-logs.timer"), "[Unit]\n\n[Timer]\nOnCalendar=hourly\nOnCalendar=Sat 12:00\n");
  EXPECT_EQ(e.json("systemd.timers.prune-logs.wantedBy"), "[\"timers.target\"]");
  EXPECT_EQ(e.json("systemd.units.\"prune-logs.timer\".wantedBy"), "[\"timers.target\"]");
  EXPECT_NE(e["systemd.units"].as_attrs().find("prune-logs.service"), nullptr);
  // No startAt, no timer.
  EXPECT_EQ(e["systemd.units"].as_attrs().find("tmp-cleanup.timer"), nullptr);
}

TEST(Timers, SystemdAnalyzeVerifiesTimersAndTheirServices) {
  if (!can_verify()) GTEST_SKIP() << "no systemd-analyze, or no mount namespace for it";
  scratch s;
  auto r = verify<backup_host>(s);
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(r.out, "");
  // The check is real: systemd refuses a calendar it cannot parse, naming the file and line.
  scratch bad;
  auto refused = verify<bad_calendar_host>(bad);
  EXPECT_NE(refused.status, 0);
  EXPECT_CONTAINS(refused.out, "job.timer:4: Failed to parse calendar specification, ignoring: every tuesday-ish");
  EXPECT_CONTAINS(refused.out, "job.timer: Timer unit lacks value setting. Refusing.");
  // And systemd-analyze calendar reads the startAt values as NixOS users write them.
  EXPECT_EQ(run("systemd-analyze calendar hourly 'Sat 12:00' '*-*-* 02:30:00' >/dev/null", true).status, 0);
}

TEST(Timers, WrongTypesNameTheOption) {
  EXPECT_CONTAINS(cairn::testing::message_of<wrong_start_at>("systemd.services.job.startAt"),
                  "A definition for option `systemd.services.job.startAt' is not of type `list of string'");
  EXPECT_CONTAINS(cairn::testing::message_of<wrong_timer_setting>("systemd.timers.job.timerConfig"),
                  "A definition for option `systemd.timers.job.timerConfig.OnCalendar' is not of type `string or "
                  "signed integer or boolean or list of string'");
}
