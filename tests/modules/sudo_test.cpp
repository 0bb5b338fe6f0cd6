// modules/system/sudo.hpp: /etc/sudoers as NixOS writes it, read back by visudo.
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <cairn/compile_time.hpp>
#include <cairn/fwd.hpp>

#include <modules/system/sudo.hpp>

#include "real_program.hpp"
#include "support.hpp"

namespace {

using cairn::testing::result;
using cairn::testing::run;
using cairn::testing::scratch;

namespace sudo = cairn::modules::security::sudo;

// Nothing set: wheel needs its password, terminfo is kept.
struct default_host {
  static constexpr cairn::meta meta{.hostname = "plain"};
  using imports = cairn::imports<sudo::module>;
  static constexpr void config(cairn::definitions&) {}
};
CAIRN_CHECK_AT_COMPILE_TIME(default_host);

struct trusting_host {
  static constexpr cairn::meta meta{.hostname = "lab"};
  using imports = cairn::imports<sudo::module>;
  static constexpr void config(cairn::definitions& d) {
    d.set(sudo::wheel_needs_password, false);
    d.set(sudo::keep_terminfo, false);
  }
};
CAIRN_CHECK_AT_COMPILE_TIME(trusting_host);

struct extra_host {
  static constexpr cairn::meta meta{.hostname = "office"};
  using imports = cairn::imports<sudo::module>;
  static constexpr void config(cairn::definitions& d) {
    d.set(sudo::extra_config, "Defaults timestamp_timeout=30\n"
                              "Cmnd_Alias REBOOT = /usr/sbin/reboot, /usr/sbin/poweroff");
    d.set(sudo::extra_config, "alice ALL=(root) NOPASSWD: REBOOT");
  }
};
CAIRN_CHECK_AT_COMPILE_TIME(extra_host);

struct broken_host {
  static constexpr cairn::meta meta{.hostname = "broken"};
  using imports = cairn::imports<sudo::module>;
  static constexpr void config(cairn::definitions& d) { d.set(sudo::extra_config, "alice ALL=(root NOPASSWD ALL"); }
};

struct disabled_host {
  static constexpr cairn::meta meta{.hostname = "nosudo"};
  using imports = cairn::imports<sudo::module>;
  static constexpr void config(cairn::definitions& d) { d.set(sudo::enable, false); }
};
CAIRN_CHECK_AT_COMPILE_TIME(disabled_host);

struct wrong_flag {
  static constexpr cairn::meta meta{.hostname = "x"};
  using imports = cairn::imports<sudo::module>;
  static constexpr void config(cairn::definitions& d) { d.set(sudo::wheel_needs_password, cairn::value("no")); }
};
struct wrong_extra {
  static constexpr cairn::meta meta{.hostname = "x"};
  using imports = cairn::imports<sudo::module>;
  static constexpr void config(cairn::definitions& d) { d.set(sudo::extra_config, cairn::value(3)); }
};

template <class Host>
std::string sudoers() {
  cairn::testing::evaluation<Host> e;
  return e["environment.etc.sudoers.text"].as_string();
}

template <class Host>
result visudo_check() {
  scratch s;
  return run("visudo -c -f " + s.write("sudoers", sudoers<Host>(), 0440), true);
}

}  // namespace

TEST(Sudo, TheFileAsNixOSWritesIt) {
  EXPECT_EQ(sudoers<default_host>(),
            "# Don't edit this file. Set the cairn options 'security.sudo.extraConfig'\n"
            "# or 'security.sudo.wheelNeedsPassword' instead.\n"
            "\n"
            "root\tALL=(ALL:ALL)\tSETENV: ALL\n"
            "%wheel\tALL=(ALL:ALL)\tSETENV: ALL\n"
            "\n"
            "# extraConfig\n"
            "# Keep terminfo database for root and %wheel.\n"
            "Defaults:root,%wheel env_keep+=TERMINFO_DIRS\n"
            "Defaults:root,%wheel env_keep+=TERMINFO\n");
  EXPECT_EQ(sudoers<trusting_host>(),
            "# Don't edit this file. Set the cairn options 'security.sudo.extraConfig'\n"
            "# or 'security.sudo.wheelNeedsPassword' instead.\n"
            "\n"
            "root\tALL=(ALL:ALL)\tSETENV: ALL\n"
            "%wheel\tALL=(ALL:ALL)\tNOPASSWD:SETENV: ALL\n");
  EXPECT_TRUE(sudoers<extra_host>().ends_with("Defaults:root,%wheel env_keep+=TERMINFO\n"
                                              "\n"
                                              "Defaults timestamp_timeout=30\n"
                                              "Cmnd_Alias REBOOT = /usr/sbin/reboot, /usr/sbin/poweroff\n"
                                              "alice ALL=(root) NOPASSWD: REBOOT\n"))
      << sudoers<extra_host>();
}

TEST(Sudo, ItIsCopiedReadOnly) {
  cairn::testing::evaluation<default_host> e;
  EXPECT_EQ(e.json("environment.etc.sudoers.mode"), "\"0440\"");
  EXPECT_EQ(e.json("environment.etc.sudoers.user"), "\"+0\"");
  EXPECT_EQ(e.json("environment.etc.sudoers.group"), "\"+0\"");
  EXPECT_EQ(e.json("environment.etc.sudoers.replaceExisting"), "true");
}

TEST(Sudo, VisudoAcceptsTheFiles) {
  ASSERT_EQ(run("command -v visudo", true).status, 0) << "visudo is not installed";
  for (auto r : {visudo_check<default_host>(), visudo_check<trusting_host>(), visudo_check<extra_host>()}) {
    EXPECT_EQ(r.status, 0) << r.out;
    EXPECT_CONTAINS(r.out, "parsed OK");
  }
  // The check is real: visudo refuses a broken rule.
  auto broken = visudo_check<broken_host>();
  EXPECT_NE(broken.status, 0);
  EXPECT_CONTAINS(broken.out, "syntax error");
}

TEST(Sudo, DisabledThereIsNoFile) {
  cairn::testing::evaluation<disabled_host> e;
  EXPECT_EQ(e["environment.etc"].as_attrs().find("sudoers"), nullptr);
}

TEST(Sudo, WrongTypesNameTheOption) {
  EXPECT_CONTAINS(cairn::testing::message_of<wrong_flag>("security.sudo.wheelNeedsPassword"),
                  "A definition for option `security.sudo.wheelNeedsPassword' is not of type `boolean'");
  EXPECT_CONTAINS(cairn::testing::message_of<wrong_extra>("security.sudo.extraConfig"),
                  "A definition for option `security.sudo.extraConfig' is not of type `strings concatenated "
                  "with \"\\n\"'");
  EXPECT_CONTAINS(cairn::testing::error_of<wrong_flag>("environment.etc.sudoers.text"),
                  "security.sudo.wheelNeedsPassword");
}
