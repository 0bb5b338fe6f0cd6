// The twin of home_file_wrong_type_fails.cpp: a boolean where a boolean belongs.
#include <cairn/compile_time.hpp>
#include <modules/home/home.hpp>

namespace home = cairn::modules::home;

struct alice_home {
  static constexpr cairn::meta meta{.username = "alice"};
  using imports = cairn::imports<home::module>;
  static constexpr void config(cairn::definitions& d) {
    d.set(home::file_entry::text(".bashrc"), "set -o vi\n");
    d.set(home::file_entry::executable(".bashrc"), true);
  }
};

CAIRN_CHECK_AT_COMPILE_TIME(alice_home);

int main() { return 0; }
