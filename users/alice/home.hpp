// users/alice/home.hpp: Alice's home (home-manager's home.nix): her files, programs and
// packages. Standalone: `tools/cairn home switch alice --home DIR`; on a host that lists it in
// `homes`, the system switch activates it after the system.
#pragma once

#include <cairn/fwd.hpp>

#include <modules/home/home.hpp>
#include <modules/packages/demo.hpp>

namespace people::alice {

struct home {
  static constexpr cairn::meta meta{.state_version = "0.1", .username = "alice", .home_directory = "/home/alice"};

  using imports = cairn::imports<cairn::modules::home::module>;

  static constexpr void config(cairn::definitions& d) {
    namespace home = cairn::modules::home;
    d.set(home::file_entry::text(".hushlogin"), "");
    d.set(home::file_entry::text("bin/backup-notes"), "#!/bin/sh\n# Copies ~/notes to ~/notes.bak.\nset -eu\ncp -a \"$HOME/notes\" \"$HOME/notes.bak\"\n");
    d.set(home::file_entry::executable("bin/backup-notes"), true);
    d.set(home::packages, {cairn::packages::hello()});
  }
};

}  // namespace people::alice
