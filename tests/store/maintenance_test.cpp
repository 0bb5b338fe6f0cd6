// Garbage collection, verify and optimise.
#include "test_util.hpp"

#include <cairn/store/gc.hpp>
#include <cairn/store/optimise.hpp>
#include <cairn/store/realise.hpp>
#include <cairn/store/verify.hpp>

#include <chrono>
#include <csignal>
#include <iostream>
#include <set>

using namespace cairn::store;
using namespace cairn_test;
namespace b = cairn::store::builders;

namespace {
store_config config_in(const temp_dir& t) { return {.root = t / "root"}; }

std::vector<std::string> names(const std::vector<store_path>& ps) {
  std::vector<std::string> out;
  for (const auto& p : ps) out.emplace_back(p.name());
  std::sort(out.begin(), out.end());
  return out;
}
}  // namespace

TEST(GC, RootsFromGcrootsAndProfileGenerations) {
  temp_dir t;
  {
    store s(config_in(t));
    const auto lib = s.add_text("lib", "lib");
    const auto app = s.add_text("app", s.logical(lib), {lib});
    s.add_text("garbage", "nobody refers to me");
    const auto sys1 = s.add_text("system-1", s.logical(app), {app});
    const auto sys2 = s.add_text("system-2", "second");
    s.add_root("pinned", lib);
    const auto profiles = s.state_path() / "profiles";
    fs::create_symlink(s.logical(sys1), profiles / "system-1-link");
    fs::create_symlink(s.logical(sys2), profiles / "system-2-link");
    fs::create_symlink("system-2-link", profiles / "system");
  }
  store s(config_in(t));  // a fresh process: the first store's temporary roots are gone
  const auto roots = collect_garbage(s, {.action = gc_action::print_roots}).roots;
  ASSERT_EQ(roots.size(), 4u);
  std::vector<std::string> links;
  for (const auto& r : roots) links.push_back(r.link.filename().native() + "->" + std::string(r.target.name()));
  EXPECT_EQ(links, (std::vector<std::string>{"pinned->lib", "system->system-2", "system-1-link->system-1",
                                             "system-2-link->system-2"}));
  const auto dead = collect_garbage(s, {.action = gc_action::print_dead});
  EXPECT_EQ(names(dead.dead), std::vector<std::string>{"garbage"});
  EXPECT_EQ(names(dead.live), (std::vector<std::string>{"app", "lib", "system-1", "system-2"}));
  const auto gc = collect_garbage(s);
  EXPECT_EQ(names(gc.deleted), std::vector<std::string>{"garbage"});
  EXPECT_GT(gc.bytes_freed, 0u);
  EXPECT_EQ(s.valid_paths().size(), 4u);
  // Dropping generation 1 frees it and what only it kept alive.
  fs::remove(s.state_path() / "profiles/system-1-link");
  EXPECT_EQ(names(collect_garbage(s).deleted), (std::vector<std::string>{"app", "system-1"}));
  EXPECT_EQ(names(s.valid_paths()), (std::vector<std::string>{"lib", "system-2"}));
  for (const auto& e : fs::directory_iterator(t / "root/cairn/store"))
    EXPECT_TRUE(e.path().filename().native().starts_with(".") || e.path().filename().native().ends_with("-lib") ||
                e.path().filename().native().ends_with("-system-2"))
        << e.path();
}

TEST(GC, KeepsDerivationsOfLiveOutputsAndTemporaryRoots) {
  temp_dir t;
  store s(config_in(t));
  const auto d = s.add_derivation(b::text_file("built", "x"));
  realise(s, {d});
  s.add_root("result", d.out);
  const auto fresh = s.add_text("fresh", "protected by this process's temporary root");
  const auto r = collect_garbage(s, {.action = gc_action::print_live});
  EXPECT_NE(std::find(r.live.begin(), r.live.end(), d.drv), r.live.end()) << "the deriver of a live path is live";
  collect_garbage(s);
  EXPECT_TRUE(s.is_valid(fresh));  // a temporary root of this store
  EXPECT_TRUE(s.is_valid(d.drv));
}

TEST(GC, MaxFreedStopsEarly) {
  temp_dir t;
  {
    store s(config_in(t));
    for (int i = 0; i < 10; ++i) s.add_text(fmt::format("junk{}", i), std::string(100000, static_cast<char>('a' + i)));
  }
  store s(config_in(t));
  const auto r = collect_garbage(s, {.max_freed = 150000});
  EXPECT_EQ(r.deleted.size(), 2u);
  EXPECT_GE(r.bytes_freed, 150000u);
  EXPECT_EQ(s.valid_paths().size(), 8u);
}

TEST(GC, IndirectRootsAndStaleAutoLinks) {
  temp_dir t;
  store_path kept("d4b4lmbd433fa2xcdysz7p7zahnqh1z4-x"), lost = kept;
  {
    store s(config_in(t));
    kept = s.add_text("kept", "1");
    lost = s.add_text("lost", "2");
    s.add_indirect_root(t / "result", kept);
    s.add_indirect_root(t / "result-2", lost);
  }
  fs::remove(t / "result-2");
  store s(config_in(t));
  const auto r = collect_garbage(s);
  EXPECT_EQ(names(r.deleted), std::vector<std::string>{"lost"});
  EXPECT_TRUE(s.is_valid(kept));
  std::size_t autos = 0;
  for (const auto& e : fs::directory_iterator(s.state_path() / "gcroots/auto")) autos += e.is_symlink();
  EXPECT_EQ(autos, 1u) << "the stale auto root should have been removed";
}

TEST(GC, RemovesUnregisteredLeftovers) {
  temp_dir t;
  store s(config_in(t));
  const auto stray = t / "root/cairn/store/d4b4lmbd433fa2xcdysz7p7zahnqh1z4-stray";
  write(stray / "x", "not registered");
  collect_garbage(s);
  EXPECT_FALSE(fs::exists(stray));
}

TEST(GC, MaxFreedDeletesInBatchesReferrersFirst) {
  temp_dir t;
  {
    store s(config_in(t));
    auto prev = s.add_text("base", std::string(50000, 'b'));
    for (int i = 0; i < 6; ++i) prev = s.add_text(fmt::format("chain{}", i), std::string(50000, static_cast<char>('c' + i)) + s.logical(prev), {prev});
  }
  store s(config_in(t));
  const auto r = collect_garbage(s, {.max_freed = 100000});
  // Referrers first: the top of the chain goes; nothing left refers to an invalid path.
  EXPECT_EQ(names(r.deleted), (std::vector<std::string>{"chain4", "chain5"}));
  EXPECT_GE(r.bytes_freed, 100000u);
  for (const auto& p : s.valid_paths()) {
    EXPECT_TRUE(fs::exists(s.physical(p))) << p.base_name();
    for (const auto& ref : s.path_info_of(p).references) EXPECT_TRUE(s.is_valid(ref)) << p.base_name() << " -> " << ref.base_name();
  }
  EXPECT_EQ(collect_garbage(s).deleted.size(), 5u);
}

TEST(GC, InvalidateRefusesPathsWithOutsideReferrers) {
  temp_dir t;
  store s(config_in(t));
  const auto lib = s.add_text("lib", "lib");
  const auto app = s.add_text("app", s.logical(lib), {lib});
  const auto other = s.add_text("other", "other");
  try {
    s.with_db([&](database& db) { db.invalidate({other, lib}); });
    FAIL() << "invalidated a path that a valid path refers to";
  } catch (const store_error& e) {
    EXPECT_NE(std::string(e.what()).find(fmt::format("cannot invalidate '{}': it still has referrers ('{}')", lib, app)),
              std::string::npos)
        << e.what();
  }
  EXPECT_TRUE(s.is_valid(lib));
  EXPECT_TRUE(s.is_valid(other)) << "nothing is removed when one path cannot be";
  s.with_db([&](database& db) { db.invalidate({lib, app, app}); });  // referrer in the set, duplicates
  EXPECT_EQ(names(s.valid_paths()), std::vector<std::string>{"other"});
}

// A GC killed at any point: every valid path keeps all its files, and the next GC removes what
// the killed one left (paths it had invalidated but not yet deleted).
TEST(GC, KilledAtAnyPointLeavesAConsistentStore) {
  temp_dir t;
  const auto store_dir = t / "root/cairn/store";
  auto add_garbage = [&](store& s) {
    store_path prev = s.add_text("g-base", "base");
    for (int i = 0; i < 60; ++i) {
      // A read-only tree, and a text that refers to it and to the previous one.
      const auto src = t / fmt::format("src{}", i);
      write(src / "a/b", fmt::format("file {}", i));
      write(src / "x", "#!/bin/sh\n", 0755);
      if (!fs::is_symlink(src / "c")) fs::create_symlink("a/b", src / "c");
      const auto tree = s.add_path(src, fmt::format("g-tree{}", i));
      prev = s.add_text(fmt::format("g{}", i), s.logical(tree) + s.logical(prev), {tree, prev});
    }
  };
  store_path live("d4b4lmbd433fa2xcdysz7p7zahnqh1z4-x");
  {
    store s(config_in(t));
    live = s.add_text("live", "kept");
    s.add_root("live", live);
  }
  // How long a whole run takes here, then runs killed at points spread over that time.
  auto gc_in_child = [&](int kill_after_us) {
    {
      store s(config_in(t));
      if (s.valid_paths().size() < 60) add_garbage(s);
    }
    const auto start = std::chrono::steady_clock::now();
    const pid_t pid = ::fork();
    if (pid == 0) {
      store s(config_in(t));
      collect_garbage(s);
      ::_exit(0);
    }
    if (kill_after_us >= 0) {
      ::usleep(static_cast<useconds_t>(kill_after_us));
      ::kill(pid, SIGKILL);
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start).count();
  };
  const auto whole = gc_in_child(-1);
  int interrupted_after_commit = 0;
  for (int step = 0; step < 12; ++step) {
    gc_in_child(static_cast<int>(whole * step / 10));
    store s(config_in(t));
    const auto valid = s.valid_paths();
    std::set<std::string> valid_names;
    for (const auto& p : valid) {
      valid_names.insert(p.base_name());
      const auto info = s.path_info_of(p);
      ASSERT_TRUE(fs::exists(fs::symlink_status(s.physical(p)))) << "valid path without files: " << p.base_name();
      EXPECT_EQ(hash_path(s.physical(p)).nar_hash, info.nar_hash) << "valid path with missing files: " << p.base_name();
      for (const auto& ref : info.references) EXPECT_TRUE(s.is_valid(ref)) << p.base_name() << " -> " << ref.base_name();
    }
    bool leftovers = false;
    for (const auto& e : fs::directory_iterator(store_dir))
      leftovers |= !e.path().filename().native().starts_with(".") && !valid_names.contains(e.path().filename().native());
    interrupted_after_commit += leftovers;
  }
  std::cout << "a whole run: " << whole << " us; runs killed between the commit and the last file: "
            << interrupted_after_commit << " of 12\n";
  store s(config_in(t));
  collect_garbage(s);
  EXPECT_EQ(names(s.valid_paths()), std::vector<std::string>{"live"});
  for (const auto& e : fs::directory_iterator(store_dir))
    EXPECT_TRUE(e.path().filename().native().starts_with(".") || e.path().filename() == live.base_name()) << e.path();
}

TEST(Verify, DetectsModifiedAndMissingPaths) {
  temp_dir t;
  store s(config_in(t));
  write(t / "src/sub", "original");
  const auto p = s.add_path(t / "src");
  const auto gone = s.add_text("gone", "soon missing");
  EXPECT_TRUE(verify(s, {.check_contents = true}).ok());
  const auto file = s.physical(p) / "sub";
  ::chmod(s.physical(p).c_str(), 0755);
  ::chmod(file.c_str(), 0644);
  write(file, "tampered");
  const auto r = verify(s, {.check_contents = true});
  ASSERT_EQ(r.modified.size(), 1u);
  EXPECT_EQ(r.messages[0].rfind(fmt::format("path '{}' was modified! expected hash 'sha256:", s.logical(p)), 0), 0u)
      << r.messages[0];
  EXPECT_NE(r.messages[0].find("', got 'sha256:" + hash_path(s.physical(p)).nar_hash.to_nix32() + "'"), std::string::npos);
  EXPECT_TRUE(verify(s).ok()) << "without --check-contents only existence is checked";
  detail::remove_tree(s.physical(gone));
  const auto r2 = verify(s);
  EXPECT_EQ(r2.missing, std::vector<store_path>{gone});
  EXPECT_FALSE(s.is_valid(gone));
}

TEST(Optimise, HardLinksIdenticalFilesAndKeepsHashes) {
  temp_dir t;
  store s(config_in(t));
  const std::string big(200000, 'q');
  write(t / "a/one", big);
  write(t / "a/exe", big, 0755);  // same bytes, executable: a different NAR node, not linked
  write(t / "b/two", big);
  const auto a = s.add_path(t / "a");
  const auto b2 = s.add_path(t / "b");
  const auto single = s.add_text("single", big);
  const auto r = optimise(s);
  EXPECT_EQ(r.files_linked, 2u);
  EXPECT_GE(r.bytes_saved, 2 * big.size());
  struct stat x {}, y {}, z {}, e {};
  ::stat((s.physical(a) / "one").c_str(), &x);
  ::stat((s.physical(b2) / "two").c_str(), &y);
  ::stat(s.physical(single).c_str(), &z);
  ::stat((s.physical(a) / "exe").c_str(), &e);
  EXPECT_EQ(x.st_ino, y.st_ino);
  EXPECT_EQ(x.st_ino, z.st_ino);
  EXPECT_NE(x.st_ino, e.st_ino);
  EXPECT_TRUE(verify(s, {.check_contents = true}).ok());
  struct stat dir {};
  ::stat(s.physical(a).c_str(), &dir);
  EXPECT_EQ(dir.st_mode & 07777, 0555u);
  EXPECT_EQ(dir.st_mtime, 1);
  EXPECT_EQ(optimise(s).files_linked, 0u);  // idempotent
}
