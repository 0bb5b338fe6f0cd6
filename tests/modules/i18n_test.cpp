// modules/system/i18n.hpp: /etc/locale.conf as NixOS writes it; each locale it names is one Debian
// supports (/usr/share/i18n/SUPPORTED) and one glibc loads (from Debian's locales-all).
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include <cairn/compile_time.hpp>
#include <cairn/fwd.hpp>

#include <modules/system/i18n.hpp>

#include "real_program.hpp"
#include "support.hpp"

namespace {

using cairn::testing::result;
using cairn::testing::run;

namespace i18n = cairn::modules::i18n;

struct default_host {
  static constexpr cairn::meta meta{.hostname = "plain"};
  using imports = cairn::imports<i18n::module>;
  static constexpr void config(cairn::definitions&) {}
};
CAIRN_CHECK_AT_COMPILE_TIME(default_host);

struct german_host {
  static constexpr cairn::meta meta{.hostname = "berlin"};
  using imports = cairn::imports<i18n::module>;
  static constexpr void config(cairn::definitions& d) {
    d.set(i18n::default_locale, "de_DE.UTF-8");
    d.set(i18n::extra_locale_settings("LC_TIME"), "en_GB.UTF-8");
    d.set(i18n::extra_locale_settings("LC_MESSAGES"), "en_US.UTF-8");
  }
};
CAIRN_CHECK_AT_COMPILE_TIME(german_host);

struct unknown_locale_host {
  static constexpr cairn::meta meta{.hostname = "x"};
  using imports = cairn::imports<i18n::module>;
  static constexpr void config(cairn::definitions& d) { d.set(i18n::default_locale, "en_XX.UTF-8"); }
};

struct wrong_settings {
  static constexpr cairn::meta meta{.hostname = "x"};
  using imports = cairn::imports<i18n::module>;
  static constexpr void config(cairn::definitions& d) { d.set(i18n::extra_locale_settings("LC_TIME"), cairn::value(1)); }
};

template <class Host>
std::string locale_conf() {
  cairn::testing::evaluation<Host> e;
  return e["environment.etc.\"locale.conf\".text"].as_string();
}

// The assignments of a locale.conf, as "KEY=VALUE" words.
std::vector<std::string> assignments(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) out.push_back(line);
  return out;
}

std::set<std::string> supported_locales() {
  std::set<std::string> out;
  std::ifstream in("/usr/share/i18n/SUPPORTED");
  for (std::string line; std::getline(in, line);) out.insert(line.substr(0, line.find(' ')));
  return out;
}

// glibc's `locale` under the file's settings, the locales from locales-all: what it says on stderr.
result locale_with(const std::string& text) {
  std::string env = "env -i LOCPATH=" + cairn::testing::unpacked_root() + "/usr/lib/locale";
  for (const auto& a : assignments(text)) env += " " + a;
  return run("(" + env + " locale 2>&1 >/dev/null)", true);
}

}  // namespace

TEST(I18n, TheFileAsNixOSWritesIt) {
  EXPECT_EQ(locale_conf<default_host>(), "LANG=en_US.UTF-8\n\n");
  EXPECT_EQ(locale_conf<german_host>(), "LANG=de_DE.UTF-8\nLC_MESSAGES=en_US.UTF-8\nLC_TIME=en_GB.UTF-8\n");
  cairn::testing::evaluation<german_host> e;
  EXPECT_EQ(e.json("environment.etc.\"locale.conf\".replaceExisting"), "true");
}

TEST(I18n, DebianSupportsTheLocales) {
  auto supported = supported_locales();
  if (supported.empty()) GTEST_SKIP() << "no /usr/share/i18n/SUPPORTED (Debian's locales)";
  for (const auto& text : {locale_conf<default_host>(), locale_conf<german_host>()})
    for (const auto& a : assignments(text)) EXPECT_TRUE(supported.contains(a.substr(a.find('=') + 1))) << a;
  // The check is real: a locale Debian does not know is not there.
  EXPECT_FALSE(supported.contains("en_XX.UTF-8"));
  EXPECT_FALSE(supported.contains(assignments(locale_conf<unknown_locale_host>())[0].substr(5)));
}

TEST(I18n, GlibcLoadsTheLocales) {
  if (cairn::testing::unpacked_root().empty() ||
      !std::filesystem::is_directory(cairn::testing::unpacked_root() + "/usr/lib/locale/de_DE.utf8"))
    GTEST_SKIP() << "Debian's locales-all is not unpacked (tools/unpacked DIR locales-all)";
  for (const auto& text : {locale_conf<default_host>(), locale_conf<german_host>()}) {
    auto r = locale_with(text);
    EXPECT_EQ(r.status, 0);
    EXPECT_EQ(r.out, "") << text;
  }
  // Each category is the one set: dates as in Britain, numbers as in Germany.
  auto time = run("env -i LOCPATH=" + cairn::testing::unpacked_root() +
                      "/usr/lib/locale LANG=de_DE.UTF-8 LC_TIME=en_GB.UTF-8 locale -k d_fmt decimal_point",
                  true);
  EXPECT_EQ(time.out, "d_fmt=\"%d/%m/%y\"\ndecimal_point=\",\"\n");
  // The check is real: glibc cannot set a locale that does not exist.
  EXPECT_CONTAINS(locale_with(locale_conf<unknown_locale_host>()).out, "Cannot set LC_CTYPE to default locale");
}

TEST(I18n, WrongTypesNameTheOption) {
  EXPECT_CONTAINS(cairn::testing::message_of<wrong_settings>("i18n.extraLocaleSettings"),
                  "A definition for option `i18n.extraLocaleSettings.LC_TIME' is not of type `string'");
}
