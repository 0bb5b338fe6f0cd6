// first-error: "home.file.<name>.executable"\}>::expects<cairn::fixed_string<[0-9]+>\{"boolean"\}>::but_was_given<const char\*>
// A home whose file is given a string where a boolean belongs does not compile.
#include <cairn/compile_time.hpp>
#include <modules/home/home.hpp>

namespace home = cairn::modules::home;

struct alice_home {
  static constexpr cairn::meta meta{.username = "alice"};
  using imports = cairn::imports<home::module>;
  static constexpr void config(cairn::definitions& d) {
    d.set(home::file_entry::text(".bashrc"), "set -o vi\n");
    d.set(home::file_entry::executable(".bashrc"), "yes");
  }
};

CAIRN_CHECK_AT_COMPILE_TIME(alice_home);

int main() { return 0; }
