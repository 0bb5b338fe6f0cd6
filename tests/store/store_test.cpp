// The local store: adding, canonicalisation, queries, closures, roots mapping, the database.
#include "test_util.hpp"

#include <cairn/store/store.hpp>

#include <thread>

using namespace cairn::store;
using namespace cairn_test;

namespace {
store_config config_in(const temp_dir& t, std::string store_dir = "/cairn/store") {
  return {.root = t / "root", .store_dir = std::move(store_dir), .state_dir = "/cairn/var"};
}
}  // namespace

TEST(Store, AddTextIsContentAddressedAndCanonical) {
  temp_dir t;
  store s(config_in(t, "/nix/store"));
  const auto g = s.add_text("greeting", "hello\n");
  EXPECT_EQ(s.logical(g), "/nix/store/ybf7by4xvcgjhwilsg87rqz9di79bify-greeting");
  EXPECT_EQ(s.physical(g), t / "root/nix/store/ybf7by4xvcgjhwilsg87rqz9di79bify-greeting");
  EXPECT_EQ(read(s.physical(g)), "hello\n");
  struct stat st {};
  ASSERT_EQ(::lstat(s.physical(g).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0444u);
  EXPECT_EQ(st.st_mtime, 1);
  const auto info = s.path_info_of(g);
  EXPECT_EQ(info.nar_hash, hash_string(nar_of_text("hello\n")));
  EXPECT_EQ(info.nar_size, 120u);
  EXPECT_EQ(info.ca, "text:sha256:" + hash_string("hello\n").to_nix32());
  EXPECT_GT(info.registration_time, 1600000000);
  // Adding again is a no-op with the same path.
  EXPECT_EQ(s.add_text("greeting", "hello\n"), g);
  EXPECT_FALSE(fs::exists("/nix/store/ybf7by4xvcgjhwilsg87rqz9di79bify-greeting") &&
               fs::equivalent("/nix/store/ybf7by4xvcgjhwilsg87rqz9di79bify-greeting", s.physical(g)));
}

TEST(Store, AddTextWithReferences) {
  temp_dir t;
  store s(config_in(t, "/nix/store"));
  const auto g = s.add_text("greeting", "hello\n");
  const auto r = s.add_text("ref", "see " + s.logical(g) + "\n", {g});
  EXPECT_EQ(s.logical(r), "/nix/store/iwqyxqbz1qafp5nbagyx9dr52phmpawq-ref");
  EXPECT_EQ(s.references(r), store_path_set{g});
  EXPECT_EQ(s.referrers(g), std::vector<store_path>{r});
  EXPECT_EQ(s.requisites({r}), (std::vector<store_path>{g, r}));
  const store_path missing("d4b4lmbd433fa2xcdysz7p7zahnqh1z4-missing");
  try {
    s.add_text("bad", "x", {missing});
    FAIL();
  } catch (const store_error& e) {
    EXPECT_NE(std::string(e.what()).find("is not valid"), std::string::npos);
  }
}

TEST(Store, AddPathCopiesTreesCanonically) {
  temp_dir t;
  write(t / "demo/hello.txt", "hello\n", 0600);
  write(t / "demo/run.sh", "#!/bin/sh\necho hi\n", 0700);
  fs::create_symlink("hello.txt", t / "demo/link");
  write(t / "demo/sub/b", "x");
  store s(config_in(t, "/nix/store"));
  const auto p = s.add_path(t / "demo");
  EXPECT_EQ(s.logical(p), "/nix/store/aixhgjfrgv3wsxgkvpijgrywzw2va9x1-demo");
  const auto phys = s.physical(p);
  struct stat st {};
  ::lstat((phys / "run.sh").c_str(), &st);
  EXPECT_EQ(st.st_mode & 07777, 0555u);
  ::lstat((phys / "hello.txt").c_str(), &st);
  EXPECT_EQ(st.st_mode & 07777, 0444u);
  ::lstat(phys.c_str(), &st);
  EXPECT_EQ(st.st_mode & 07777, 0555u);
  EXPECT_EQ(st.st_mtime, 1);
  EXPECT_EQ(fs::read_symlink(phys / "link"), "hello.txt");
  EXPECT_EQ(hash_path(phys).nar_hash, hash_path(t / "demo").nar_hash);
  EXPECT_EQ(s.add_path(t / "demo", "other-name").name(), "other-name");
  EXPECT_THROW(s.add_path(t / "demo", "bad name"), bad_store_path);
  EXPECT_THROW(s.add_path(t / "nonexistent"), store_error);
}

TEST(Store, AddFixedMatchesNixVectors) {
  temp_dir t;
  write(t / "f.txt", "hello\n");
  store s(config_in(t, "/nix/store"));
  EXPECT_EQ(s.logical(s.add_fixed(t / "f.txt", file_ingestion::flat)), "/nix/store/d4b4lmbd433fa2xcdysz7p7zahnqh1z4-f.txt");
  EXPECT_EQ(s.logical(s.add_fixed(t / "f.txt", file_ingestion::flat, hash_algo::sha1)),
            "/nix/store/4kn848vczvkyzl9npz1zz3f585s6byn3-f.txt");
  EXPECT_EQ(s.logical(s.add_fixed(t / "f.txt", file_ingestion::recursive, hash_algo::sha1)),
            "/nix/store/c1amm6qq92bxv16idg1yiyahm4gbi0ly-f.txt");
  EXPECT_EQ(s.logical(s.add_fixed(t / "f.txt", file_ingestion::recursive)), "/nix/store/6h9lcbx523532ax1c5g2351w9bm8ykhy-f.txt");
  fs::create_directory(t / "dir");
  EXPECT_THROW(s.add_fixed(t / "dir", file_ingestion::flat), store_error);
}

TEST(Store, RequisitesAreTopologicallySorted) {
  temp_dir t;
  store s(config_in(t));
  const auto a = s.add_text("a", "a");
  const auto b = s.add_text("b", s.logical(a), {a});
  const auto c = s.add_text("c", s.logical(a), {a});
  const auto d = s.add_text("d", s.logical(b) + s.logical(c), {b, c});
  const auto order = s.requisites({d});
  ASSERT_EQ(order.size(), 4u);
  auto pos = [&](const store_path& p) { return std::find(order.begin(), order.end(), p) - order.begin(); };
  EXPECT_LT(pos(a), pos(b));
  EXPECT_LT(pos(a), pos(c));
  EXPECT_LT(pos(b), pos(d));
  EXPECT_LT(pos(c), pos(d));
  EXPECT_THROW(s.requisites({store_path("d4b4lmbd433fa2xcdysz7p7zahnqh1z4-x")}), store_error);
}

TEST(Store, ReopensAndRejectsAnotherStoreDir) {
  temp_dir t;
  store_path g("ybf7by4xvcgjhwilsg87rqz9di79bify-x");
  {
    store s(config_in(t));
    g = s.add_text("greeting", "hello\n");
  }
  store again(config_in(t));
  EXPECT_TRUE(again.is_valid(g));
  try {
    store other(store_config{.root = t / "root", .store_dir = "/other/store", .state_dir = "/cairn/var"});
    FAIL();
  } catch (const store_error& e) {
    EXPECT_NE(std::string(e.what()).find("belongs to store directory '/cairn/store', not '/other/store'"), std::string::npos)
        << e.what();
  }
}

TEST(Store, RejectsANewerDatabaseSchema) {
  temp_dir t;
  { store s(config_in(t)); }
  const auto db = t / "root/cairn/var/db/db.sqlite";
  ASSERT_EQ(run("python3 -c \"import sqlite3; c=sqlite3.connect('" + db.native() + "'); c.execute('PRAGMA user_version=7'); c.commit()\"").exit_code, 0);
  try {
    store s(config_in(t));
    FAIL();
  } catch (const store_error& e) {
    EXPECT_NE(std::string(e.what()).find("has schema version 7, newer than version 1"), std::string::npos) << e.what();
  }
}

TEST(Store, ConcurrentAddersOfOnePathAgree) {
  temp_dir t;
  write(t / "big/file", std::string(4 << 20, 'x'));
  std::vector<store_path> got(4, store_path("d4b4lmbd433fa2xcdysz7p7zahnqh1z4-x"));
  {
    std::vector<std::jthread> threads;
    for (int i = 0; i < 4; ++i)
      threads.emplace_back([&, i] {
        store s(config_in(t));
        got[static_cast<std::size_t>(i)] = s.add_path(t / "big");
      });
  }
  for (const auto& p : got) EXPECT_EQ(p, got[0]);
  store s(config_in(t));
  EXPECT_EQ(s.valid_paths().size(), 1u);
  EXPECT_EQ(hash_path(s.physical(got[0])).nar_hash, s.path_info_of(got[0]).nar_hash);
}

TEST(Store, KilledAdderLeavesNothingBehind) {
  temp_dir t;
  { store s(config_in(t)); }
  const std::string nar = [] {
    std::string big(8 << 20, 'k');
    return nar_of_text(big);
  }();
  const path_info info{.path = store_dir("/cairn/store").make_source_path("partial", hash_string(nar)),
                       .nar_hash = hash_string(nar), .nar_size = nar.size()};
  int pipefd[2];
  ASSERT_EQ(::pipe(pipefd), 0);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(pipefd[1]);
    store s(config_in(t));
    detail::fd_source src{pipefd[0], "pipe"};
    s.add_nar(info, src);
    ::_exit(0);
  }
  ::close(pipefd[0]);
  detail::write_all(pipefd[1], std::string_view(nar).substr(0, nar.size() / 2), "pipe");
  const auto phys = t / "root/cairn/store" / info.path.base_name();
  for (int i = 0; i < 500 && !fs::exists(phys); ++i) ::usleep(10000);
  ASSERT_TRUE(fs::exists(phys)) << "the adder never started writing";
  ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
  ::close(pipefd[1]);
  EXPECT_TRUE(fs::exists(phys));  // the leftover of the killed process...
  store s(config_in(t));          // ...is removed by the next store that opens
  EXPECT_FALSE(fs::exists(phys));
  EXPECT_FALSE(s.is_valid(info.path));
}

TEST(Store, FullDiskIsAClearErrorAndLeavesNoPath) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to mount a small tmpfs";
  temp_dir t;
  fs::create_directories(t / "root");
  if (run("mount -t tmpfs -o size=2m tmpfs '" + (t / "root").native() + "'").exit_code != 0) GTEST_SKIP() << "cannot mount tmpfs";
  struct unmount {
    fs::path p;
    ~unmount() { run("umount '" + p.native() + "'"); }
  } guard{t / "root"};
  write(t / "big", std::string(3 << 20, 'z'));
  {
    store s(config_in(t));
    try {
      s.add_path(t / "big");
      FAIL();
    } catch (const store_error& e) {
      EXPECT_NE(std::string(e.what()).find("No space left on device"), std::string::npos) << e.what();
    }
    EXPECT_TRUE(s.valid_paths().empty());
  }
  const auto store_dir = t / "root/cairn/store";
  EXPECT_TRUE(fs::is_empty(store_dir));
}
