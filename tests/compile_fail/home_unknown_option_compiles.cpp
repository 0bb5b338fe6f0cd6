// The twin of home_unknown_option_fails.cpp: the option spelt right.
#include <cairn/compile_time.hpp>
#include <modules/home/home.hpp>

namespace home = cairn::modules::home;

struct alice_home {
  static constexpr cairn::meta meta{.username = "alice"};
  using imports = cairn::imports<home::module>;
  static constexpr void config(cairn::definitions& d) {
    d.set(home::file_entry::text("bin/hi"), "#!/bin/sh\n");
    d.set(home::file_entry::executable("bin/hi"), true);
  }
};

CAIRN_CHECK_AT_COMPILE_TIME(alice_home);

int main() { return 0; }
