// modules/system/services/openssh.hpp: sshd_config as NixOS writes it, checked by Debian's sshd
// itself: `sshd -t` accepts it, `sshd -T` prints the values it took from it.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include <cairn/compile_time.hpp>
#include <cairn/fwd.hpp>

#include <modules/system/services/openssh.hpp>

#include "real_program.hpp"
#include "support.hpp"

namespace {

using cairn::testing::result;
using cairn::testing::run;
using cairn::testing::scratch;

namespace openssh = cairn::modules::services::openssh;

struct default_host {
  static constexpr cairn::meta meta{.hostname = "plain"};
  using imports = cairn::imports<openssh::module>;
  static constexpr void config(cairn::definitions& d) { d.set(openssh::enable, true); }
};
CAIRN_CHECK_AT_COMPILE_TIME(default_host);

struct hardened_host {
  static constexpr cairn::meta meta{.hostname = "bastion"};
  using imports = cairn::imports<openssh::module>;
  static constexpr void config(cairn::definitions& d) {
    d.set(openssh::enable, true);
    d.set(openssh::ports, {2222, 2223});
    d.set(openssh::settings::permit_root_login, "no");
    d.set(openssh::settings::password_authentication, false);
  }
};
CAIRN_CHECK_AT_COMPILE_TIME(hardened_host);

// A Match block must come last in sshd_config: extraConfig is rendered after every setting.
struct match_host {
  static constexpr cairn::meta meta{.hostname = "shared"};
  using imports = cairn::imports<openssh::module>;
  static constexpr void config(cairn::definitions& d) {
    d.set(openssh::enable, true);
    d.set(openssh::extra_config, "Match User alice\n"
                                 "  PasswordAuthentication no\n"
                                 "  AllowTcpForwarding no");
  }
};
CAIRN_CHECK_AT_COMPILE_TIME(match_host);

struct misspelt_host {
  static constexpr cairn::meta meta{.hostname = "broken"};
  using imports = cairn::imports<openssh::module>;
  static constexpr void config(cairn::definitions& d) {
    d.set(openssh::enable, true);
    d.set(openssh::extra_config, "ClientAliveInterval 60\nPermitRootLogn no");
  }
};

struct disabled_host {
  static constexpr cairn::meta meta{.hostname = "off"};
  using imports = cairn::imports<openssh::module>;
  static constexpr void config(cairn::definitions& d) { d.set(openssh::ports, {2222}); }
};
CAIRN_CHECK_AT_COMPILE_TIME(disabled_host);

template <class Host>
std::string sshd_config() {
  cairn::testing::evaluation<Host> e;
  return e["environment.etc.\"ssh/sshd_config\".text"].as_string();
}

std::string unpacked_sshd() { return cairn::testing::unpacked_root() + "/usr/sbin/sshd"; }

// Why Debian's sshd cannot check files here; empty when it can.
std::string why_sshd_cannot_run() {
  if (cairn::testing::unpacked_root().empty() || !std::filesystem::exists(unpacked_sshd()))
    return "Debian's openssh-server is not unpacked (tools/unpacked DIR openssh-server)";
  if (run("command -v ssh-keygen").status != 0) return "no ssh-keygen to make a host key";
  if (run("unshare --mount --propagation private true", true).status != 0) return "no mount namespace here";
  return {};
}

// Debian's sshd (unpacked, not installed) run as `sshd -f CONFIG -h HOSTKEY ARGS` on the
// rendered file, with a fresh host key. sshd insists on its privilege separation user and on
// /run/sshd even for -t; neither is made on this machine: sshd runs in a mount namespace where
// /etc/passwd is a copy of the real one plus a line for sshd, and /run is a scratch directory
// holding an empty sshd/ (/run/sshd need not exist here to be a mount point).
result sshd(const std::string& config, const std::string& args) {
  scratch s;
  const std::string d = s.dir.string();
  s.write("sshd_config", config);
  std::filesystem::create_directories(s.dir / "run/sshd");
  std::string passwd;
  if (auto in = std::ifstream("/etc/passwd")) passwd.assign(std::istreambuf_iterator<char>(in), {});
  if (!passwd.empty() && passwd.back() != '\n') passwd += '\n';
  s.write("passwd", passwd + "sshd:x:997:65534:sshd privilege separation:/run/sshd:/usr/sbin/nologin\n", 0644);
  if (auto key = run("ssh-keygen -q -t ed25519 -N '' -f " + d + "/hostkey", true); key.status != 0)
    return {key.status, "ssh-keygen failed: " + key.out};
  const std::string script = "mount --bind " + d + "/passwd /etc/passwd && mount --bind " + d + "/run /run && exec env " +
                             cairn::testing::unpacked("usr/sbin/sshd") + " -f " + d + "/sshd_config -h " + d + "/hostkey " +
                             args;
  return run("unshare --mount --propagation private sh -c '" + script + "'", true);
}

// The effective configuration (`sshd -T`), for a connection described as -C takes it when given;
// begun with a newline, so that each line is found whole as "\nkey value\n".
std::string effective(const std::string& config, const std::string& connection = {}) {
  auto r = sshd(config, "-T" + (connection.empty() ? std::string() : " -C " + connection));
  return r.status == 0 ? "\n" + r.out : "sshd -T failed (" + std::to_string(r.status) + "): " + r.out;
}

}  // namespace

TEST(Openssh, TheFileAsNixOSWritesIt) {
  EXPECT_EQ(sshd_config<default_host>(),
            "Port 22\n"
            "AuthorizedKeysFile %h/.ssh/authorized_keys /etc/ssh/authorized_keys.d/%u\n"
            "PermitRootLogin prohibit-password\n"
            "PasswordAuthentication yes\n"
            "KbdInteractiveAuthentication yes\n"
            "X11Forwarding no\n"
            "UsePAM yes\n"
            "PrintMotd no\n"
            "Subsystem sftp /usr/lib/openssh/sftp-server\n");
  EXPECT_TRUE(sshd_config<hardened_host>().starts_with("Port 2222\nPort 2223\n")) << sshd_config<hardened_host>();
  EXPECT_TRUE(sshd_config<match_host>().ends_with("Subsystem sftp /usr/lib/openssh/sftp-server\n"
                                                  "Match User alice\n"
                                                  "  PasswordAuthentication no\n"
                                                  "  AllowTcpForwarding no\n"))
      << sshd_config<match_host>();
}

TEST(Openssh, TheServiceMakesMissingHostKeysAndChecksItsFile) {
  cairn::testing::evaluation<default_host> e;
  auto unit = e["systemd.units.\"sshd.service\".text"].as_string();
  EXPECT_CONTAINS(unit, "ExecStartPre=/usr/bin/ssh-keygen -A\nExecStartPre=/usr/sbin/sshd -t -f /etc/ssh/sshd_config\n");
  EXPECT_CONTAINS(unit, "ExecStart=/usr/sbin/sshd -D -f /etc/ssh/sshd_config\n");
  EXPECT_CONTAINS(unit, "X-Restart-Triggers=");
}

TEST(Openssh, SshdAcceptsTheFiles) {
  if (auto why = why_sshd_cannot_run(); !why.empty()) GTEST_SKIP() << why;
  for (const auto& config : {sshd_config<default_host>(), sshd_config<hardened_host>(), sshd_config<match_host>()}) {
    auto r = sshd(config, "-t");
    EXPECT_EQ(r.status, 0) << r.out << "\nfor:\n" << config;
    EXPECT_EQ(r.out, "") << config;  // not even a deprecation warning
  }
}

TEST(Openssh, SshdTakesTheValuesSet) {
  if (auto why = why_sshd_cannot_run(); !why.empty()) GTEST_SKIP() << why;
  // sshd -T names prohibit-password by its older alias.
  auto defaults = effective(sshd_config<default_host>());
  EXPECT_CONTAINS(defaults, "\nport 22\n");
  EXPECT_CONTAINS(defaults, "\npermitrootlogin without-password\n");
  EXPECT_CONTAINS(defaults, "\npasswordauthentication yes\n");
  EXPECT_CONTAINS(defaults, "\nkbdinteractiveauthentication yes\n");
  EXPECT_CONTAINS(defaults, "\nx11forwarding no\n");
  EXPECT_CONTAINS(defaults, "\nauthorizedkeysfile %h/.ssh/authorized_keys /etc/ssh/authorized_keys.d/%u\n");

  auto hardened = effective(sshd_config<hardened_host>());
  EXPECT_CONTAINS(hardened, "\nport 2222\nport 2223\n");
  EXPECT_EQ(hardened.find("\nport 22\n"), std::string::npos) << hardened;
  EXPECT_CONTAINS(hardened, "\npermitrootlogin no\n");
  EXPECT_CONTAINS(hardened, "\npasswordauthentication no\n");
}

TEST(Openssh, TheMatchBlockAppliesToItsUserOnly) {
  if (auto why = why_sshd_cannot_run(); !why.empty()) GTEST_SKIP() << why;
  const auto config = sshd_config<match_host>();
  auto alice = effective(config, "user=alice,host=client.example.org,addr=192.0.2.1");
  EXPECT_CONTAINS(alice, "\npasswordauthentication no\n");
  EXPECT_CONTAINS(alice, "\nallowtcpforwarding no\n");
  auto bob = effective(config, "user=bob,host=client.example.org,addr=192.0.2.1");
  EXPECT_CONTAINS(bob, "\npasswordauthentication yes\n");
  EXPECT_CONTAINS(bob, "\nallowtcpforwarding yes\n");
}

TEST(Openssh, SshdRefusesAnUnknownKeywordAndSaysWhere) {
  if (auto why = why_sshd_cannot_run(); !why.empty()) GTEST_SKIP() << why;
  const auto config = sshd_config<misspelt_host>();
  const auto line = std::count(config.begin(), config.begin() + static_cast<std::ptrdiff_t>(config.find("PermitRootLogn")), '\n') + 1;
  auto r = sshd(config, "-t");
  EXPECT_NE(r.status, 0);
  EXPECT_CONTAINS(r.out, "sshd_config: line " + std::to_string(line) + ": Bad configuration option: PermitRootLogn");
  EXPECT_CONTAINS(r.out, "terminating, 1 bad configuration options");
}

// UsePAM yes needs an sshd built with PAM, as Debian's is: one without it would warn
// "Unsupported option UsePAM" and run without. The sftp Subsystem names the path Debian's
// package installs the server at; sshd only runs it on a request, so -t cannot check it.
TEST(Openssh, DebiansSshdHasPamAndTheSftpServer) {
  if (auto why = why_sshd_cannot_run(); !why.empty()) GTEST_SKIP() << why;
  auto defaults = effective(sshd_config<default_host>());
  EXPECT_CONTAINS(defaults, "\nusepam yes\n");
  EXPECT_EQ(defaults.find("Unsupported option"), std::string::npos) << defaults;
  EXPECT_CONTAINS(defaults, "\nsubsystem sftp /usr/lib/openssh/sftp-server\n");
  const std::string sftp_server = cairn::testing::unpacked_root() + "/usr/lib/openssh/sftp-server";
  EXPECT_TRUE(std::filesystem::exists(sftp_server)) << sftp_server;
  EXPECT_EQ(run("test -x " + sftp_server).status, 0) << sftp_server;
}

TEST(Openssh, DisabledThereIsNoFile) {
  cairn::testing::evaluation<disabled_host> e;
  EXPECT_EQ(e["environment.etc"].as_attrs().find("ssh/sshd_config"), nullptr);
  EXPECT_EQ(e["systemd.units"].as_attrs().find("sshd.service"), nullptr);
}
