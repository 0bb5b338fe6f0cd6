// Standalone homes, as `home-manager switch` on a machine that is not NixOS: the fixture's home
// binaries (two generations of one home) switch a temporary home against a temporary store.
#include "support.hpp"

#include <cairn/homes/execute.hpp>
#include <cairn/store.hpp>

#include <gtest/gtest.h>

#include <csignal>
#include <regex>

using namespace cairn_test;
using cairn::activation::detail::lexists;

namespace {

struct home_fixture : ::testing::Test {
  temp_dir dir;
  fs::path root = dir.path / "root";
  fs::path home = dir.path / "home";

  void SetUp() override {
    fs::create_directories(root);
    fs::create_directories(home);
    write(home / "notes.txt", "the user's own file\n");
  }

  static void write(const fs::path& p, const std::string& text) {
    fs::create_directories(p.parent_path());
    cairn::activation::detail::write_file_atomic(p, text);
  }

  run_result home_binary(int generation, std::vector<std::string> args, const std::map<std::string, std::string>& env = {}) {
    return run_program(generation == 1 ? CAIRN_HOME_V1 : CAIRN_HOME_V2, args, env);
  }
  run_result switch_to(int generation, std::vector<std::string> extra = {}, const std::map<std::string, std::string>& env = {}) {
    std::vector<std::string> args{"switch", "--root", root.string(), "--home", home.string()};
    args.insert(args.end(), extra.begin(), extra.end());
    return home_binary(generation, args, env);
  }
  std::string profile() { return link_of(root / "cairn/var/profiles/per-user/tester/home"); }
  std::string generations() { return home_binary(1, {"list-generations", "--root", root.string()}).output; }
};

#define ASSERT_OK(r) ASSERT_EQ((r).exit_code, 0) << (r).output

// The lines of a switch's output that say what it does (the plan's lines).
std::vector<std::string> action_lines(const std::string& output, bool dry) {
  std::vector<std::string> out;
  std::istringstream in(output);
  for (std::string line; std::getline(in, line);) {
    if (dry) {
      if (line.starts_with("would ")) out.push_back(line.substr(6));
    } else if (!line.starts_with("building ") && !line.starts_with("warning")) {
      out.push_back(line);
    }
  }
  return out;
}

}  // namespace

TEST_F(home_fixture, FirstSwitchLinksEveryFileAndMakesGenerationOne) {
  auto r = switch_to(1);
  ASSERT_OK(r);
  EXPECT_EQ(slurp(home / ".bashrc"), "# generation 1\n");
  EXPECT_TRUE(std::regex_match(link_of(home / ".bashrc"),
                               std::regex((root / "cairn/store").string() + "/[0-9a-z]{32}-cairn-home-tester-1/home-files/\\.bashrc")))
      << link_of(home / ".bashrc");
  EXPECT_EQ(slurp(home / ".config/app/settings.ini"), "[app]\ncolour = blue\n");
  EXPECT_TRUE(fs::is_directory(fs::symlink_status(home / ".config")));  // real directories above the links
  auto hello = run_program((home / "bin/hello-v1").string(), {});
  EXPECT_EQ(hello.output, "v1\n");
  // A source directory without `recursive` is one link to the directory.
  EXPECT_TRUE(fs::is_symlink(home / "dotdir"));
  EXPECT_EQ(slurp(home / "dotdir/sub/b.txt"), "b from the repository\n");
  EXPECT_TRUE(link_of(home / ".cairn-profile").ends_with("-cairn-home-tester-1/home-path")) << link_of(home / ".cairn-profile");
  EXPECT_EQ(slurp(home / "notes.txt"), "the user's own file\n");

  EXPECT_EQ(profile(), "home-1-link");
  EXPECT_TRUE(contains(generations(), "(current)")) << generations();
  // The generation is a root of the store: garbage collection keeps it.
  cairn::store::store s({.root = root});
  auto gen = link_of(root / "cairn/var/profiles/per-user/tester/home-1-link");
  bool rooted = false;
  for (const auto& root_link : cairn::store::find_roots(s)) rooted |= s.logical(root_link.target) == gen;
  EXPECT_TRUE(rooted) << gen;

  // Switching again changes nothing.
  auto again = switch_to(1);
  ASSERT_OK(again);
  EXPECT_TRUE(contains(again.output, "make generation 1 current (6 links, 6 unchanged)")) << again.output;
}

TEST_F(home_fixture, SecondGenerationRemovesWhatWentAndRollbackBringsItBack) {
  ASSERT_OK(switch_to(1));
  auto first = snapshot(home);
  auto r = switch_to(2);
  ASSERT_OK(r);
  EXPECT_EQ(slurp(home / ".bashrc"), "# generation 2\n");
  EXPECT_FALSE(lexists(home / ".obsolete"));
  EXPECT_FALSE(lexists(home / "bin")) << "an emptied directory goes with its last link";
  // recursive: the directory is real and each file its own link.
  EXPECT_FALSE(fs::is_symlink(home / "dotdir"));
  EXPECT_TRUE(fs::is_symlink(home / "dotdir/sub/b.txt"));
  EXPECT_EQ(slurp(home / "dotdir/a.txt"), "a from the repository\n");
  EXPECT_EQ(slurp(home / ".config/app/extra"), "new in generation 2\n");
  EXPECT_EQ(slurp(home / "notes.txt"), "the user's own file\n");
  EXPECT_TRUE(contains(r.output, "start the following user units: sync.service (no user manager: reported, not executed)")) << r.output;
  EXPECT_TRUE(contains(r.output, "reload the systemd user manager of tester")) << r.output;
  EXPECT_EQ(profile(), "home-2-link");

  auto diff = home_binary(2, {"diff", "--root", root.string()});
  ASSERT_OK(diff);
  EXPECT_TRUE(contains(diff.output, "  + .config/app/extra\n")) << diff.output;
  EXPECT_TRUE(contains(diff.output, "  - .obsolete\n")) << diff.output;
  EXPECT_TRUE(contains(diff.output, "  ~ .bashrc\n")) << diff.output;
  EXPECT_FALSE(contains(diff.output, "settings.ini")) << diff.output;
  EXPECT_TRUE(contains(diff.output, "hello")) << diff.output;  // the package the profile gained

  auto back = home_binary(2, {"rollback", "--root", root.string(), "--home", home.string()});
  ASSERT_OK(back);
  EXPECT_EQ(profile(), "home-1-link");
  EXPECT_EQ(describe_difference(first, snapshot(home)), "");
  EXPECT_TRUE(contains(back.output, "stop the following user units: sync.service")) << back.output;

  // Generations: delete the one not in force; then its store paths are garbage, the current's not.
  auto second = link_of(root / "cairn/var/profiles/per-user/tester/home-2-link");
  ASSERT_OK(home_binary(1, {"delete-generations", "--root", root.string(), "old"}));
  EXPECT_FALSE(contains(generations(), "   2   ")) << generations();
  ASSERT_OK(home_binary(1, {"build", "--root", root.string()}));  // the last build is a root too (./result)
  auto gc = home_binary(1, {"gc", "--root", root.string()});
  ASSERT_OK(gc);
  EXPECT_TRUE(contains(gc.output, " store paths deleted, ")) << gc.output;
  EXPECT_FALSE(lexists(cairn::activation::detail::under(root, second)));
  EXPECT_EQ(slurp(home / ".bashrc"), "# generation 1\n");
  auto none = home_binary(1, {"rollback", "--root", root.string(), "--home", home.string()});
  EXPECT_EQ(none.exit_code, 1);
  EXPECT_TRUE(contains(none.output, "no profile version older than the current (1) exists")) << none.output;
}

TEST_F(home_fixture, FilesInTheWayStopTheSwitchBeforeAnyChange) {
  write(home / ".bashrc", "mine\n");
  write(home / "bin", "a file where a directory is needed\n");
  auto before = snapshot(home);
  auto r = switch_to(1);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(contains(r.output, "error: the home of tester in " + home.string() + " was not switched: 2 files not written by cairn are in the way:"))
      << r.output;
  EXPECT_TRUE(contains(r.output, (home / ".bashrc").string() + " (a file)")) << r.output;
  EXPECT_TRUE(contains(r.output, (home / "bin").string() + " (a file, where bin/hello-v1 needs a directory)")) << r.output;
  EXPECT_TRUE(contains(r.output, "nothing was changed")) << r.output;
  EXPECT_EQ(describe_difference(before, snapshot(home)), "");
  EXPECT_FALSE(lexists(root / "cairn/var/profiles/per-user/tester/home"));

  // -b: moved aside, then linked; a backup in the way of the backup stops the switch.
  fs::remove(home / "bin");
  write(home / ".bashrc.bak", "an older backup\n");
  auto clash = switch_to(1, {"-b", "bak"});
  EXPECT_EQ(clash.exit_code, 1) << clash.output;
  EXPECT_TRUE(contains(clash.output, "moving it aside would clobber " + (home / ".bashrc.bak").string())) << clash.output;
  fs::remove(home / ".bashrc.bak");
  auto ok = switch_to(1, {"-b", "bak"});
  ASSERT_OK(ok);
  EXPECT_EQ(slurp(home / ".bashrc.bak"), "mine\n");
  EXPECT_EQ(slurp(home / ".bashrc"), "# generation 1\n");
  EXPECT_TRUE(contains(ok.output, "move " + home.string() + "/.bashrc (not cairn's) to " + home.string() + "/.bashrc.bak")) << ok.output;
}

TEST_F(home_fixture, ObsoleteFilesTheUserReplacedAreLeftAloneAndForceReplaces) {
  ASSERT_OK(switch_to(1));
  fs::remove(home / ".obsolete");
  write(home / ".obsolete", "the user's now\n");
  write(home / ".profile", "the user's profile\n");  // generation 2 links it with force
  auto r = switch_to(2);
  ASSERT_OK(r);
  EXPECT_EQ(slurp(home / ".obsolete"), "the user's now\n");
  EXPECT_TRUE(contains(r.output, "warning: not removing " + (home / ".obsolete").string() + ": it is no longer the link cairn made")) << r.output;
  EXPECT_EQ(slurp(home / ".profile"), "# forced\n");
  EXPECT_TRUE(contains(r.output, "delete " + home.string() + "/.profile (force)")) << r.output;
}

TEST_F(home_fixture, DryRunPrintsExactlyWhatTheSwitchDoes) {
  ASSERT_OK(switch_to(1));
  write(home / ".config/app/extra", "in the way\n");
  ASSERT_OK(home_binary(2, {"build", "--root", root.string()}));
  auto before = snapshot(home);
  auto dry = switch_to(2, {"-n", "-b", "bak"});
  ASSERT_OK(dry);
  EXPECT_EQ(describe_difference(before, snapshot(home)), "");
  EXPECT_EQ(profile(), "home-1-link");
  auto real = switch_to(2, {"-b", "bak"});
  ASSERT_OK(real);
  auto planned = action_lines(dry.output, true), done = action_lines(real.output, false);
  EXPECT_EQ(planned, done) << "dry run:\n" << dry.output << "switch:\n" << real.output;
  EXPECT_GT(planned.size(), 8u);
}

// Killed at every step of a switch: every link is whole (the old or the new one), the user's
// file is never lost, the profile names one generation, and the next switch completes.
TEST_F(home_fixture, KilledAtEveryStepNothingIsHalfApplied) {
  ASSERT_OK(switch_to(1));
  write(home / ".config/app/extra", "the user's file\n");  // moved aside by -b
  ASSERT_OK(home_binary(2, {"build", "--root", root.string()}));
  fs::path base = dir.path / "base";
  auto copy = [](const fs::path& from, const fs::path& to) {
    std::string cmd = fmt::format("rm -rf '{1}' && cp -a '{0}' '{1}'", from.string(), to.string());
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  };
  fs::create_directories(base);
  copy(root, base / "root");
  copy(home, base / "home");
  auto restore = [&] {
    copy(base / "root", root);
    copy(base / "home", home);
  };
  ASSERT_OK(switch_to(2, {"-b", "bak"}));
  auto expected = snapshot(home);
  auto old_links = std::map<std::string, std::string>{}, new_links = std::map<std::string, std::string>{};

  int k = 1;
  for (;; ++k) {
    SCOPED_TRACE(fmt::format("killed at step {}", k));
    restore();
    auto r = switch_to(2, {"-b", "bak"}, {{"CAIRN_TEST_CRASH_AT_STEP", std::to_string(k)}});
    if (r.exit_code == 0) break;
    ASSERT_EQ(r.signal, SIGKILL) << r.output;
    ASSERT_TRUE(contains(r.output, fmt::format("cairn-test: killing myself at step {} (", k))) << r.output;
    std::string p = profile();
    EXPECT_TRUE(p == "home-1-link" || p == "home-2-link") << p;
    bool at_place = lexists(home / ".config/app/extra") && !fs::is_symlink(home / ".config/app/extra");
    std::string kept = at_place ? slurp(home / ".config/app/extra") : slurp(home / ".config/app/extra.bak");
    EXPECT_EQ(kept, "the user's file\n");
    for (const auto& [path, what] : snapshot(home))
      // (.cairn-profile names home-path, whose links inside the store name /cairn/store/...)
      if (what.find("-> ") != std::string::npos && !contains(path, ".cairn-tmp-") && path != ".cairn-profile")
        EXPECT_TRUE(fs::exists(home / path)) << path << " is a dangling link: " << what;

    auto again = switch_to(2, {"-b", "bak"});
    ASSERT_OK(again);
    auto now = snapshot(home);
    EXPECT_EQ(describe_difference(expected, now), "");
    EXPECT_EQ(profile(), "home-2-link");
    EXPECT_FALSE(lexists(root / "cairn/var/homes/tester/journal.json"));
  }
  EXPECT_GT(k, 15) << "fewer crash points than expected";
}

TEST_F(home_fixture, RecoverFinishesAnInterruptedSwitch) {
  ASSERT_OK(switch_to(1));
  auto r = switch_to(2, {}, {{"CAIRN_TEST_CRASH_AT_STEP", "home: obsolete link removed"}});
  ASSERT_EQ(r.signal, SIGKILL) << r.output;
  auto dry = switch_to(2, {"-n"});
  EXPECT_TRUE(contains(dry.output, "note: this would supersede the interrupted switch of tester's home to /cairn/store/")) << dry.output;
  auto rec = home_binary(2, {"recover", "--root", root.string()});
  ASSERT_OK(rec);
  EXPECT_TRUE(contains(rec.output, "finishing an interrupted switch of tester's home")) << rec.output;
  EXPECT_EQ(profile(), "home-2-link");
  EXPECT_EQ(slurp(home / ".bashrc"), "# generation 2\n");
}

TEST_F(home_fixture, EvaluationCommandsAndErrors) {
  auto check = home_binary(1, {"check"});
  ASSERT_OK(check);
  EXPECT_TRUE(contains(check.output, "tester: configuration ok")) << check.output;
  auto option = home_binary(2, {"option", "home.file.\"dotdir\".recursive"});
  ASSERT_OK(option);
  EXPECT_TRUE(contains(option.output, "true")) << option.output;
  auto bad = home_binary(1, {"switch", "--root", root.string(), "--generation", "7"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_TRUE(contains(bad.output, "home generation 7 does not exist")) << bad.output;
}

// A switch after an interrupted one supersedes it: here back to generation 1; the interrupted
// switch's links that generation 1 does not have go.
TEST_F(home_fixture, ANewSwitchSupersedesAnInterruptedOne) {
  ASSERT_OK(switch_to(1));
  auto first = snapshot(home);
  // The step that links .config/app/extra, found by a traced switch of a copy.
  ASSERT_EQ(std::system(fmt::format("cp -a '{0}/root' '{0}/root2' && cp -a '{0}/home' '{0}/home2'", dir.path.string()).c_str()), 0);
  auto traced = home_binary(2, {"switch", "--root", (dir.path / "root2").string(), "--home", (dir.path / "home2").string()},
                            {{"CAIRN_TEST_TRACE_STEPS", "1"}});
  ASSERT_OK(traced);
  std::smatch m;
  ASSERT_TRUE(std::regex_search(traced.output, m, std::regex("/\\.config/app/extra -> [^\n]*\n(?:[^\n]*\n)*?cairn-test: step ([0-9]+) home: linked")))
      << traced.output;
  auto r = switch_to(2, {}, {{"CAIRN_TEST_CRASH_AT_STEP", m[1].str()}});
  ASSERT_EQ(r.signal, SIGKILL) << r.output;
  EXPECT_EQ(slurp(home / ".config/app/extra"), "new in generation 2\n");
  EXPECT_EQ(profile(), "home-1-link");
  auto back = switch_to(1);
  ASSERT_OK(back);
  EXPECT_TRUE(contains(back.output, "note: superseding the interrupted switch of tester's home to /cairn/store/")) << back.output;
  EXPECT_TRUE(contains(back.output, "remove obsolete link " + home.string() + "/.config/app/extra")) << back.output;
  EXPECT_EQ(describe_difference(first, snapshot(home)), "");
  EXPECT_FALSE(lexists(root / "cairn/var/homes/tester/journal.json"));
}
