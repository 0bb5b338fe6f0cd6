// tests/homes/fixture.hpp: two generations of a test user's home, and two of a host that
// activates them. V = 1 or 2; each is its own binary (fixture_*.cpp).
#pragma once

#include <cairn/fwd.hpp>
#include <cairn/host.hpp>

#include <modules/home/home.hpp>
#include <modules/packages/demo.hpp>
#include <modules/system/home-manager.hpp>
#include <modules/system/users.hpp>

namespace fixtures {

namespace home = cairn::modules::home;

template <int V>
struct tester_home {
  static constexpr cairn::meta meta{.state_version = "1", .username = "tester", .home_directory = "/home/tester"};
  using imports = cairn::imports<home::module>;

  static constexpr void config(cairn::definitions& d) {
    // In both generations: unchanged, or changed.
    d.set(home::file_entry::text(".config/app/settings.ini"), "[app]\ncolour = blue\n");
    if (V == 1) {
      d.set(home::file_entry::text(".bashrc"), "# generation 1\n");
      d.set(home::file_entry::text("bin/hello-v1"), "#!/bin/sh\necho v1\n");
      d.set(home::file_entry::executable("bin/hello-v1"), true);
      d.set(home::file_entry::source("dotdir"), "tests/homes/data/dotdir");  // one link to the directory
      d.set(home::file_entry::text(".obsolete"), "only in generation 1\n");
    } else {
      d.set(home::file_entry::text(".bashrc"), "# generation 2\n");
      d.set(home::file_entry::source("dotdir"), "tests/homes/data/dotdir");  // one link per file
      d.set(home::file_entry::recursive("dotdir"), true);
      d.set(home::file_entry::text(".config/app/extra"), "new in generation 2\n");
      d.set(home::file_entry::text(".profile"), "# forced\n");
      d.set(home::file_entry::force(".profile"), true);
      d.set(home::file_entry::text(".config/systemd/user/sync.service"), "[Service]\nExecStart=/bin/true\n");
      d.set(home::file_entry::text(".config/systemd/user/default.target.wants/sync.service"), "[Service]\nExecStart=/bin/true\n");
      d.set(home::packages, {cairn::packages::hello()});
    }
  }
};

template <int V>
struct tester_host {
  static constexpr cairn::meta meta{.hostname = "homes-fixture", .state_version = "1", .users = {"tester"}};
  using imports = cairn::imports<cairn::modules::users::module, cairn::modules::home_manager::module>;
  using homes = cairn::home_manager::users<tester_home<V>>;

  static constexpr void config(cairn::definitions& d) {
    namespace users = cairn::modules::users;
    d.set(users::user::is_normal_user("tester"), true);
    d.set(users::user::uid("tester"), 1500);
    if (V == 2) d.set(cairn::modules::home_manager::backup_file_extension, "hm-bak");
  }
};

}  // namespace fixtures
