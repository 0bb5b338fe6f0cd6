// modules/home/home.hpp: a home's identity and its files, as the evaluator sees them.
#include <cairn/compile_time.hpp>
#include <cairn/fwd.hpp>

#include <modules/home/home.hpp>

#include "support.hpp"

namespace {

namespace home = cairn::modules::home;

struct alice_home {
  static constexpr cairn::meta meta{.state_version = "0.1", .username = "alice"};
  using imports = cairn::imports<home::module>;
  static constexpr void config(cairn::definitions& d) {
    d.set(home::file_entry::text(".hushlogin"), "");
    d.set(home::file_entry::text("bin/hi"), "#!/bin/sh\necho hi\n");
    d.set(home::file_entry::executable("bin/hi"), true);
  }
};
CAIRN_CHECK_AT_COMPILE_TIME(alice_home);

struct escaping_home {
  static constexpr cairn::meta meta{.username = "alice", .home_directory = "/srv/alice"};
  using imports = cairn::imports<home::module>;
  static constexpr void config(cairn::definitions& d) {
    d.set(home::file_entry::text("evil"), "x");
    d.set(home::file_entry::target("evil"), "../bob/.bashrc");
    d.set(home::file_entry::enable("empty"), true);
  }
};

}  // namespace

TEST(HomeFiles, IdentityComesFromTheMeta) {
  cairn::testing::evaluation<alice_home> e;
  EXPECT_EQ(e.json("home.username"), "\"alice\"");
  EXPECT_EQ(e.json("home.homeDirectory"), "\"/home/alice\"");
  EXPECT_EQ(e.json("home.stateVersion"), "\"0.1\"");
  EXPECT_EQ(e.json("home.file.\"bin/hi\".target"), "\"bin/hi\"");
  EXPECT_EQ(e.json("home.file.\"bin/hi\".executable"), "true");
  cairn::testing::evaluation<escaping_home> other;
  EXPECT_EQ(other.json("home.homeDirectory"), "\"/srv/alice\"");
}

TEST(HomeFiles, TargetsStayInsideTheHomeAndNeedContents) {
  cairn::evaluator e(cairn::module_info_of<escaping_home>(), cairn::detail::meta_of<escaping_home>());
  e.force_all();
  auto failed = cairn::failed_assertions(e);
  ASSERT_EQ(failed.size(), 2u);
  EXPECT_CONTAINS(cairn::detail::join(failed, "\n"), "home.file.\"empty\": set text or source");
  EXPECT_CONTAINS(cairn::detail::join(failed, "\n"),
                  "home.file.\"evil\".target = \"../bob/.bashrc\" must be a path relative to the home directory");
}
