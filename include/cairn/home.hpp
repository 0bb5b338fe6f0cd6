// cairn/home.hpp: a home's command line, as home-manager's on a machine that is not NixOS.
//
//   struct home { static constexpr cairn::meta meta{.state_version = "0.1", .username = "alice",
//                                                   .home_directory = "/home/alice"};
//                 using imports = ...; static constexpr void config(cairn::definitions& d) {...} };
//   CAIRN_HOME(people::alice::home)
//
//   home eval [--json] | option PATH [--json] | options [--json|--markdown] | check
//   home build [--root R]                  build the generation; print its store path
//   home switch [--root R] [--home DIR] [-b EXT] [-n] [--generation N]
//   home rollback [--root R] [--home DIR]  the generation before the current one
//   home list-generations | delete-generations SPEC... | diff [A] [B] [--root R]
//   home gc [--root R] [--delete-older-than DAYS]
//   home recover [--root R]                finish an interrupted switch
//
// R holds the store and the profiles (per-user/<user>/home-<N>-link); the home is DIR, or the
// configured home directory under R.
#pragma once

#include "host.hpp"

namespace cairn::detail {

// Defined in home_main.hpp (compiled once per build tree, see cairn_add_home).
int run_home(const home_entry& entry, int argc, char** argv);

}  // namespace cairn::detail

// The home binary's main().
#define CAIRN_HOME(Home)                                                                                 \
  int main(int argc, char** argv) {                                                                      \
    return ::cairn::detail::run_home({&::cairn::module_info_of<Home>, ::cairn::detail::meta_of<Home>()}, \
                                     argc, argv);                                                        \
  }
