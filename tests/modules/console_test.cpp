// modules/system/console.hpp: /etc/vconsole.conf as NixOS writes it; its keymap is one Debian's
// console-data ships, and kbd's loadkeys parses it.
#include <string>

#include <cairn/compile_time.hpp>
#include <cairn/fwd.hpp>

#include <modules/system/console.hpp>

#include "real_program.hpp"
#include "support.hpp"

namespace {

using cairn::testing::result;
using cairn::testing::run;
using cairn::testing::scratch;

namespace console = cairn::modules::console;

struct default_host {
  static constexpr cairn::meta meta{.hostname = "plain"};
  using imports = cairn::imports<console::module>;
  static constexpr void config(cairn::definitions&) {}
};
CAIRN_CHECK_AT_COMPILE_TIME(default_host);

struct german_host {
  static constexpr cairn::meta meta{.hostname = "berlin"};
  using imports = cairn::imports<console::module>;
  static constexpr void config(cairn::definitions& d) {
    d.set(console::key_map, "de-latin1");
    d.set(console::font, "Lat2-Terminus16");
  }
};
CAIRN_CHECK_AT_COMPILE_TIME(german_host);

struct unknown_keymap_host {
  static constexpr cairn::meta meta{.hostname = "x"};
  using imports = cairn::imports<console::module>;
  static constexpr void config(cairn::definitions& d) { d.set(console::key_map, "de-latin9"); }
};

struct wrong_font {
  static constexpr cairn::meta meta{.hostname = "x"};
  using imports = cairn::imports<console::module>;
  static constexpr void config(cairn::definitions& d) { d.set(console::font, cairn::value(16)); }
};

template <class Host>
std::string vconsole_conf() {
  cairn::testing::evaluation<Host> e;
  return e["environment.etc.\"vconsole.conf\".text"].as_string();
}

std::string keymap_of(const std::string& text) {
  auto start = text.find("KEYMAP=") + 7;
  return text.substr(start, text.find('\n', start) - start);
}

// The keymap file of that name (as localectl list-keymaps finds them), parsed by loadkeys -p
// (parse only: the console is not touched).
result loadkeys_parses(const std::string& keymap) {
  const std::string keymaps = cairn::testing::unpacked_root() + "/usr/share/keymaps";
  auto found = run("find " + keymaps + " -name '" + keymap + ".kmap.gz' -o -name '" + keymap + ".map.gz'");
  if (found.out.empty()) return {-1, "no keymap " + keymap + " under " + keymaps};
  found.out.pop_back();
  return run(cairn::testing::unpacked("bin/loadkeys") + " -p " + found.out, true);
}

}  // namespace

TEST(Console, TheFileAsNixOSWritesIt) {
  EXPECT_EQ(vconsole_conf<default_host>(), "KEYMAP=us\n\n");
  EXPECT_EQ(vconsole_conf<german_host>(), "KEYMAP=de-latin1\nFONT=Lat2-Terminus16\n");
  cairn::testing::evaluation<german_host> e;
  EXPECT_EQ(e.json("environment.etc.\"vconsole.conf\".replaceExisting"), "true");
}

TEST(Console, LoadkeysParsesTheKeymap) {
  if (cairn::testing::unpacked_root().empty() ||
      !std::filesystem::exists(cairn::testing::unpacked_root() + "/bin/loadkeys") ||
      !std::filesystem::is_directory(cairn::testing::unpacked_root() + "/usr/share/keymaps"))
    GTEST_SKIP() << "Debian's kbd and console-data are not unpacked (tools/unpacked DIR kbd console-data)";
  for (const auto& text : {vconsole_conf<default_host>(), vconsole_conf<german_host>()}) {
    auto r = loadkeys_parses(keymap_of(text));
    EXPECT_EQ(r.status, 0) << r.out;
    EXPECT_EQ(r.out, "");
  }
  // The check is real: there is no such keymap, and loadkeys refuses a broken one.
  EXPECT_EQ(loadkeys_parses(keymap_of(vconsole_conf<unknown_keymap_host>())).status, -1);
  scratch s;
  auto broken = run(cairn::testing::unpacked("bin/loadkeys") + " -p " +
                        s.write("broken.map", "keycode 1 = Escape\nkeycode 2 = nosuchsym\n"),
                    true);
  EXPECT_NE(broken.status, 0);
  EXPECT_CONTAINS(broken.out, "unknown keysym 'nosuchsym'");
}

TEST(Console, WrongTypesNameTheOption) {
  EXPECT_CONTAINS(cairn::testing::message_of<wrong_font>("console.font"),
                  "A definition for option `console.font' is not of type `null or string'");
}
