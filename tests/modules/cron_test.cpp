// modules/system/cron.hpp: /etc/crontab as NixOS writes it, read by Debian's cron daemon itself,
// and the cron service checked by systemd-analyze verify.
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include <cairn/compile_time.hpp>
#include <cairn/fwd.hpp>

#include <modules/system/cron.hpp>

#include "real_program.hpp"
#include "support.hpp"

namespace {

using cairn::testing::result;
using cairn::testing::run;
using cairn::testing::scratch;

namespace cron = cairn::modules::services::cron;

struct server_host {
  static constexpr cairn::meta meta{.hostname = "web"};
  using imports = cairn::imports<cron::module>;
  static constexpr void config(cairn::definitions& d) {
    d.set(cron::enable, true);
    d.set(cron::mailto, "ops@example.org");
    d.set(cron::system_cron_jobs, {"*/5 * * * *  root  /usr/bin/test -d /srv", "@reboot root /bin/true"});
    d.set(cron::system_cron_jobs, {"15 3 * * sun,wed  nobody  echo hi > /dev/null 2>&1"});
  }
};
CAIRN_CHECK_AT_COMPILE_TIME(server_host);

struct plain_host {
  static constexpr cairn::meta meta{.hostname = "plain"};
  using imports = cairn::imports<cron::module>;
  static constexpr void config(cairn::definitions& d) { d.set(cron::enable, true); }
};
CAIRN_CHECK_AT_COMPILE_TIME(plain_host);

struct disabled_host {
  static constexpr cairn::meta meta{.hostname = "off"};
  using imports = cairn::imports<cron::module>;
  static constexpr void config(cairn::definitions& d) { d.set(cron::system_cron_jobs, {"* * * * * root true"}); }
};
CAIRN_CHECK_AT_COMPILE_TIME(disabled_host);

struct bad_minute_host {
  static constexpr cairn::meta meta{.hostname = "bad"};
  using imports = cairn::imports<cron::module>;
  static constexpr void config(cairn::definitions& d) {
    d.set(cron::enable, true);
    d.set(cron::system_cron_jobs, {"* * * * * root true", "61 * * * * root true"});
  }
};

struct zoned_host {
  static constexpr cairn::meta meta{.hostname = "oslo"};
  using imports = cairn::imports<cron::module>;
  static constexpr void config(cairn::definitions& d) {
    d.set(cron::enable, true);
    d.set(cairn::modules::time::time_zone, "Europe/Oslo");
  }
};

struct wrong_jobs {
  static constexpr cairn::meta meta{.hostname = "x"};
  using imports = cairn::imports<cron::module>;
  static constexpr void config(cairn::definitions& d) { d.set(cron::system_cron_jobs, cairn::value("* * * * * root true")); }
};

template <class Host>
std::string crontab() {
  cairn::testing::evaluation<Host> e;
  return e["environment.etc.crontab.text"].as_string();
}

template <class Host>
std::string cron_unit() {
  cairn::testing::evaluation<Host> e;
  return e["systemd.units.\"cron.service\".text"].as_string();
}

// A syslog socket in the scratch directory: what cron logs, read after it has run.
struct syslog_socket {
  int fd = -1;
  std::string path;
  explicit syslog_socket(const scratch& s) : path((s.dir / "log").string()) {
    fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::strncpy(a.sun_path, path.c_str(), sizeof a.sun_path - 1);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) fd = -1;
  }
  ~syslog_socket() {
    if (fd >= 0) ::close(fd);
  }
  std::string messages() const {
    std::string out;
    char buf[4096];
    for (ssize_t n; fd >= 0 && (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) out += std::string(buf, std::size_t(n)) + "\n";
    return out;
  }
};

// Debian's cron (unpacked, not installed) started in the foreground for 2 s with the crontab as
// /etc/crontab, in a mount namespace: /etc is an overlay with the file on top, /run, /var/spool
// and /etc/cron.d are empty tmpfs, and /dev/log is the scratch socket. Returns what it logged.
std::string cron_reads(const std::string& text) {
  scratch s;
  s.write("etc/crontab", text, 0600);
  std::filesystem::create_directories(s.dir / "dev");
  syslog_socket log(s);
  if (log.fd < 0) return "no syslog socket";
  const std::string d = s.dir.string();
  const std::string script =
      "mount -t overlay overlay -o lowerdir=" + d + "/etc:/etc /etc && mount -t tmpfs none /etc/cron.d && "
      "mount -t tmpfs none /run && mount -t tmpfs none /var/spool && mkdir -p /var/spool/cron/crontabs && "
      "mount --bind /dev " + d + "/dev && mount -t tmpfs none /dev && touch /dev/null /dev/log && "
      "mount --bind " + d + "/dev/null /dev/null && mount --bind " + d + "/log /dev/log && "
      "timeout -s TERM 2 env " + cairn::testing::unpacked("usr/sbin/cron") + " -f -L 15";
  auto r = run("unshare -m sh -c '" + script + "'", true);
  if (r.status != 124) return "cron did not run (" + std::to_string(r.status) + "): " + r.out;
  return log.messages();
}

bool cron_can_run() {
  return !cairn::testing::unpacked_root().empty() &&
         std::filesystem::exists(cairn::testing::unpacked_root() + "/usr/sbin/cron") &&
         run("unshare -m sh -c 'mount -t tmpfs none /run'", true).status == 0;
}

}  // namespace

TEST(Cron, TheCrontabAsNixOSWritesIt) {
  EXPECT_EQ(crontab<server_host>(),
            "SHELL=/bin/bash\n"
            "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n"
            "MAILTO=\"ops@example.org\"\n"
            "\n"
            "*/5 * * * *  root  /usr/bin/test -d /srv\n"
            "@reboot root /bin/true\n"
            "15 3 * * sun,wed  nobody  echo hi > /dev/null 2>&1\n"
            "\n");
  EXPECT_EQ(crontab<plain_host>(), "SHELL=/bin/bash\nPATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n\n\n");
  cairn::testing::evaluation<server_host> e;
  EXPECT_EQ(e.json("environment.etc.crontab.mode"), "\"0600\"");
  EXPECT_EQ(e.json("environment.etc.crontab.replaceExisting"), "true");
}

TEST(Cron, TheServiceRunsCronInTheForeground) {
  const std::string digest = cairn::modules::systemd::detail::trigger_digest({"UTC"});
  EXPECT_EQ(cron_unit<server_host>(),
            "[Unit]\n"
            "Description=Cron Daemon\n"
            "After=remote-fs.target nss-user-lookup.target\n"
            "X-Restart-Triggers=" + digest + "\n"
            "\n"
            "[Service]\n"
            "ExecStart=/usr/sbin/cron -f\n"
            "KillMode=process\n"
            "Restart=on-failure\n");
  cairn::testing::evaluation<server_host> e;
  EXPECT_EQ(e.json("systemd.units.\"cron.service\".wantedBy"), "[\"multi-user.target\"]");
  // Another time zone restarts it.
  EXPECT_NE(cron_unit<zoned_host>(), cron_unit<server_host>());
}

TEST(Cron, DisabledThereIsNothing) {
  cairn::testing::evaluation<disabled_host> e;
  EXPECT_EQ(e["environment.etc"].as_attrs().find("crontab"), nullptr);
  EXPECT_EQ(e["systemd.units"].as_attrs().find("cron.service"), nullptr);
}

TEST(Cron, DebiansCronReadsTheCrontab) {
  if (!cron_can_run()) GTEST_SKIP() << "Debian's cron is not unpacked (tools/unpacked DIR cron), or no mount namespace";
  for (const auto& text : {crontab<server_host>(), crontab<plain_host>()}) {
    auto log = cron_reads(text);
    EXPECT_CONTAINS(log, "(CRON) INFO (Running @reboot jobs)");
    EXPECT_EQ(log.find("rror"), std::string::npos) << log;
  }
  // The check is real: cron refuses a crontab with a minute of 61, and says where.
  auto log = cron_reads(crontab<bad_minute_host>());
  EXPECT_CONTAINS(log, "Error: bad minute; while reading /etc/crontab");
  EXPECT_CONTAINS(log, "(*system*) ERROR (Syntax error, this crontab file will be ignored)");
}

TEST(Cron, SystemdAnalyzeVerifiesTheService) {
  if (!cron_can_run() || run("command -v systemd-analyze").status != 0)
    GTEST_SKIP() << "no systemd-analyze, or Debian's cron is not unpacked";
  // cron is unpacked, not installed: the unit is checked with ExecStart naming the unpacked binary.
  scratch s;
  std::string unit = cron_unit<server_host>();
  unit.replace(unit.find("/usr/sbin/cron"), 14, cairn::testing::unpacked_root() + "/usr/sbin/cron");
  auto file = s.write("cron.service", unit);
  auto r = run("unshare -m sh -c 'mount -t tmpfs none /run/systemd && systemd-analyze verify --man=no " + file + "'", true);
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(r.out, "");
  // The check is real: as rendered, on a machine without cron, systemd says so.
  auto as_is = s.write("as-is/cron.service", cron_unit<server_host>());
  auto missing = run("unshare -m sh -c 'mount -t tmpfs none /run/systemd && systemd-analyze verify --man=no " + as_is + "'",
                     true);
  if (!std::filesystem::exists("/usr/sbin/cron")) {
    EXPECT_NE(missing.status, 0);
    EXPECT_CONTAINS(missing.out, "Command /usr/sbin/cron is not executable");
  }
}

TEST(Cron, WrongTypesNameTheOption) {
  EXPECT_CONTAINS(cairn::testing::message_of<wrong_jobs>("services.cron.systemCronJobs"),
                  "A definition for option `services.cron.systemCronJobs' is not of type `list of string'");
}
