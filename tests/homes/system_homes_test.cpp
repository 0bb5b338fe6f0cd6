// Homes inside the system (home-manager's NixOS module): the fixture host lists the test user's
// home; its switch activates the home after the system, owned by the user, and a rollback of
// the system rolls the home back with it.
#include "support.hpp"

#include <cairn/activation/detail/fs.hpp>

#include <gtest/gtest.h>

#include <csignal>

using namespace cairn_test;
using cairn::activation::detail::lexists;

namespace {

struct system_home_fixture : ::testing::Test {
  temp_dir dir;
  fs::path root = dir.path / "root";
  fs::path home = root / "home/tester";

  void SetUp() override { seed_debian_like(root); }

  run_result host(int generation, const std::string& command, std::vector<std::string> extra = {}) {
    std::vector<std::string> args{command, "--root", root.string()};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_program(generation == 1 ? CAIRN_HOST_V1 : CAIRN_HOST_V2, args);
  }
  // A file of the home as the machine sees it: through links named /cairn/store/...
  std::string read_home(const std::string& rel) {
    return slurp(cairn::activation::detail::resolve_in_root(root, "/home/tester/" + rel));
  }
  static void write(const fs::path& p, const std::string& text) {
    fs::create_directories(p.parent_path());
    cairn::activation::detail::write_file_atomic(p, text);
  }
};

#define ASSERT_OK(r) ASSERT_EQ((r).exit_code, 0) << (r).output

}  // namespace

TEST_F(system_home_fixture, SwitchActivatesTheHomeAfterTheSystemOwnedByItsUser) {
  auto r = host(1, "switch");
  ASSERT_OK(r);
  EXPECT_LT(r.output.find("creating user 'tester'"), r.output.find("activating the home of tester...")) << r.output;
  EXPECT_TRUE(link_of(home / ".bashrc").starts_with("/cairn/store/")) << link_of(home / ".bashrc");
  EXPECT_EQ(read_home(".bashrc"), "# generation 1\n");
  EXPECT_EQ(stat_of(home / ".bashrc").st_uid, 1500u);
  EXPECT_EQ(stat_of(home / ".config/app").st_uid, 1500u);
  EXPECT_EQ(stat_of(home).st_uid, 1500u);
  EXPECT_EQ(link_of(root / "cairn/var/profiles/per-user/tester/home"), "home-1-link");
  // The system generation holds the home: GC keeps it while the generation lives.
  auto system = link_of(root / "run/current-system");
  EXPECT_EQ(link_of(cairn::activation::detail::resolve_in_root(root, system) / "homes/tester"),
            link_of(root / "cairn/var/profiles/per-user/tester/home-1-link"));
}

TEST_F(system_home_fixture, RollbackOfTheSystemRollsTheHomeBack) {
  ASSERT_OK(host(1, "switch"));
  auto dry = host(2, "dry-activate");
  ASSERT_OK(dry);
  EXPECT_TRUE(contains(dry.output, "  would link " + home.string() + "/.config/app/extra -> /cairn/store/")) << dry.output;
  EXPECT_TRUE(contains(dry.output, "  would remove obsolete link " + home.string() + "/.obsolete")) << dry.output;
  EXPECT_EQ(read_home(".bashrc"), "# generation 1\n");

  ASSERT_OK(host(2, "switch"));
  EXPECT_EQ(read_home(".bashrc"), "# generation 2\n");
  EXPECT_EQ(read_home(".config/app/extra"), "new in generation 2\n");
  EXPECT_FALSE(lexists(home / ".obsolete"));

  auto back = host(2, "rollback");
  ASSERT_OK(back);
  EXPECT_EQ(read_home(".bashrc"), "# generation 1\n");
  EXPECT_FALSE(lexists(home / ".config/app/extra"));
  EXPECT_EQ(read_home(".obsolete"), "only in generation 1\n");
}

TEST_F(system_home_fixture, AFileInTheWayStopsTheSystemSwitchBeforeAnyChange) {
  write(home / ".bashrc", "mine\n");
  auto passwd = slurp(root / "etc/passwd");
  auto r = host(1, "switch");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(contains(r.output, (home / ".bashrc").string() + " (a file)")) << r.output;
  EXPECT_TRUE(contains(r.output, "home-manager.backupFileExtension")) << r.output;
  EXPECT_EQ(slurp(home / ".bashrc"), "mine\n");
  EXPECT_EQ(slurp(root / "etc/passwd"), passwd);
  EXPECT_FALSE(lexists(root / "run/current-system"));
  EXPECT_FALSE(lexists(root / "cairn/var/profiles/system"));
}

TEST_F(system_home_fixture, BackupFileExtensionMovesFilesAside) {
  ASSERT_OK(host(1, "switch"));
  write(home / ".config/app/extra", "the user's\n");
  auto r = host(2, "switch");  // generation 2 sets home-manager.backupFileExtension = "hm-bak"
  ASSERT_OK(r);
  EXPECT_EQ(slurp(home / ".config/app/extra.hm-bak"), "the user's\n");
  EXPECT_EQ(read_home(".config/app/extra"), "new in generation 2\n");
}

// The system switch killed at every step, the home's steps among them: the next switch
// finishes it, home included.
TEST_F(system_home_fixture, KilledAtEveryStepTheNextSwitchFinishesTheHome) {
  ASSERT_OK(host(1, "switch"));
  ASSERT_OK(host(2, "build"));
  fs::path base = dir.path / "base";
  auto copy = [](const fs::path& from, const fs::path& to) {
    std::string cmd = fmt::format("rm -rf '{1}' && cp -a '{0}' '{1}'", from.string(), to.string());
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  };
  copy(root, base);
  ASSERT_OK(host(2, "switch"));
  auto expected = snapshot(home);
  int k = 1, home_steps = 0;
  for (;; ++k) {
    SCOPED_TRACE(fmt::format("killed at step {}", k));
    copy(base, root);
    auto r = run_program(CAIRN_HOST_V2, {"switch", "--root", root.string()}, {{"CAIRN_TEST_CRASH_AT_STEP", std::to_string(k)}});
    if (r.exit_code == 0) break;
    ASSERT_TRUE(contains(r.output, fmt::format("cairn-test: killing myself at step {} (", k))) << r.output;
    if (contains(r.output, "(home: ")) ++home_steps;
    auto again = host(2, "switch");
    ASSERT_OK(again);
    EXPECT_EQ(describe_difference(expected, snapshot(home)), "");
    EXPECT_EQ(read_home(".bashrc"), "# generation 2\n");
  }
  EXPECT_GT(home_steps, 10) << "the home's steps were not among the crash points";
}
