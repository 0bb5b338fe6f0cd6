// Derivations and realisation: trivial builders, sandboxed builder programs, fixed outputs,
// parallel builds, locks, failures and interruptions.
#include "test_util.hpp"

#include <cairn/store/realise.hpp>

#include <chrono>
#include <thread>

using namespace cairn::store;
using namespace cairn_test;
namespace b = cairn::store::builders;

namespace {
store_config config_in(const temp_dir& t) { return {.root = t / "root"}; }
}  // namespace

TEST(Builders, TextFileAndScript) {
  temp_dir t;
  store s(config_in(t));
  const auto text = s.add_derivation(b::text_file("motd", "hello\n"));
  const auto script = s.add_derivation(b::script("hello.sh", "#!/bin/sh\necho hi\n"));
  const auto r = realise(s, {text, script});
  ASSERT_EQ(r.outputs.size(), 2u);
  EXPECT_EQ(r.built.size(), 2u);
  EXPECT_EQ(read(s.physical(text.out)), "hello\n");
  struct stat st {};
  ::lstat(s.physical(script.out).c_str(), &st);
  EXPECT_EQ(st.st_mode & 07777, 0555u);
  ::lstat(s.physical(text.out).c_str(), &st);
  EXPECT_EQ(st.st_mode & 07777, 0444u);
  EXPECT_EQ(s.path_info_of(text.out).deriver, text.drv);
  EXPECT_EQ(r.built[0].isolation, "in-process builtin builder");
  // Realising again builds nothing.
  EXPECT_TRUE(realise(s, {text, script}).built.empty());
}

TEST(Builders, DirectoryTreeWithLinksCopiesAndFiles) {
  temp_dir t;
  store s(config_in(t));
  const auto hosts = s.add_text("etc-hosts", "127.0.0.1 localhost\n");
  const auto motd = s.add_derivation(b::text_file("etc-motd", "welcome\n"));
  const auto etc = s.add_derivation(b::directory_tree(
      "etc", {b::entry::link("hosts", hosts), b::entry::link("motd", motd), b::entry::file("hostname", "demo\n"),
              b::entry::file("bin/hello", "#!/bin/sh\n", true), b::entry::copy("copied/hosts", hosts),
              b::entry::symlink("localtime", "/usr/share/zoneinfo/UTC"), b::entry::directory("empty")}));
  realise(s, {etc}, {.jobs = 2});
  const auto out = s.physical(etc.out);
  EXPECT_EQ(fs::read_symlink(out / "hosts"), s.logical(hosts));
  EXPECT_EQ(fs::read_symlink(out / "motd"), s.logical(motd.out));
  EXPECT_EQ(read(out / "hostname"), "demo\n");
  EXPECT_EQ(read(out / "copied/hosts"), "127.0.0.1 localhost\n");
  EXPECT_EQ(fs::read_symlink(out / "localtime"), "/usr/share/zoneinfo/UTC");
  EXPECT_TRUE(fs::is_directory(out / "empty"));
  struct stat st {};
  ::lstat((out / "bin/hello").c_str(), &st);
  EXPECT_EQ(st.st_mode & 07777, 0555u);
  // References were found by scanning: both linked paths, not the unrelated ones.
  EXPECT_EQ(s.references(etc.out), (store_path_set{hosts, motd.out}));
  // The closure contains the .drv's deriver links for GC, and requisites include the inputs.
  const auto closure = s.requisites({etc.out});
  EXPECT_EQ(closure.size(), 3u);
}

TEST(Builders, DirectoryTreeRejectsBadEntries) {
  temp_dir t;
  store s(config_in(t));
  auto fails = [&](std::vector<b::entry> entries, std::string_view phrase) {
    const auto d = s.add_derivation(b::directory_tree("bad", entries));
    try {
      realise(s, {d});
      ADD_FAILURE() << "built a bad tree, expected " << phrase;
    } catch (const store_error& e) {
      EXPECT_NE(std::string(e.what()).find(phrase), std::string::npos) << e.what();
    }
    EXPECT_FALSE(s.is_valid(d.out));
    EXPECT_FALSE(fs::exists(fs::symlink_status(s.physical(d.out))));
  };
  fails({b::entry::file("../escape", "x")}, "'..' component");
  fails({b::entry::file("/abs", "x")}, "invalid entry path '/abs'");
  fails({b::entry::file("a", "1"), b::entry::file("a", "2")}, "entry 'a' is given twice");
  fails({b::entry::file("a", "1"), b::entry::file("a/b", "2")}, "'a' is needed as a directory");
}

TEST(Builders, SymlinkJoin) {
  temp_dir t;
  store s(config_in(t));
  const auto one = s.add_derivation(b::directory_tree("one", {b::entry::file("bin/a", "a", true), b::entry::file("share/x", "x")}));
  const auto two = s.add_derivation(b::directory_tree("two", {b::entry::file("bin/b", "b", true)}));
  const auto env = s.add_derivation(b::symlink_join("env", {one, two}));
  realise(s, {env}, {.jobs = 2});
  const auto out = s.physical(env.out);
  EXPECT_EQ(fs::read_symlink(out / "bin/a"), s.logical(one.out) + "/bin/a");
  EXPECT_EQ(fs::read_symlink(out / "bin/b"), s.logical(two.out) + "/bin/b");
  EXPECT_EQ(fs::read_symlink(out / "share/x"), s.logical(one.out) + "/share/x");
  EXPECT_EQ(s.references(env.out), (store_path_set{one.out, two.out}));

  const auto clash = s.add_derivation(b::directory_tree("clash", {b::entry::file("bin/a", "other", true)}));
  const auto bad = s.add_derivation(b::symlink_join("bad-env", {one, clash}));
  try {
    realise(s, {bad});
    FAIL();
  } catch (const store_error& e) {
    EXPECT_NE(std::string(e.what()).find("collision at 'bin/a'"), std::string::npos) << e.what();
  }
}

TEST(Builders, FetchFileChecksTheHash) {
  temp_dir t;
  write(t / "src.txt", "hello\n");
  store s(config_in(t));
  const auto good = s.add_derivation(b::fetch_file("fod", "file://" + (t / "src.txt").native(), hash_string("hello\n")));
  EXPECT_EQ(good.out, store_dir("/cairn/store").make_fixed_output_path("fod", file_ingestion::flat, hash_string("hello\n")));
  realise(s, {good});
  EXPECT_EQ(read(s.physical(good.out)), "hello\n");
  EXPECT_EQ(s.path_info_of(good.out).ca, "fixed:sha256:" + hash_string("hello\n").to_nix32());

  const auto wrong = hash_string("something else\n");
  const auto bad = s.add_derivation(b::fetch_file("fod-bad", "file://" + (t / "src.txt").native(), wrong));
  try {
    realise(s, {bad});
    FAIL();
  } catch (const hash_mismatch& e) {
    const std::string expected = fmt::format("hash mismatch in fixed-output derivation '{}':\n  specified: {}\n     got:    {}",
                                             s.logical(bad.drv), wrong.to_sri(), hash_string("hello\n").to_sri());
    EXPECT_EQ(e.what(), expected);
  }
  EXPECT_FALSE(s.is_valid(bad.out));
  EXPECT_FALSE(fs::exists(s.physical(bad.out)));
}

TEST(Sandbox, BuilderSeesOnlyDeclaredInputsAndAScrubbedEnvironment) {
  temp_dir t;
  store s(config_in(t));
  const auto dep = s.add_text("dep", "dependency\n");
  const auto unused = s.add_text("unused", "not used\n");
  const auto undeclared = s.add_text("undeclared", "secret\n");
  ::setenv("CAIRN_LEAK_TEST", "leaked", 1);
  const auto cmd = s.add_derivation(b::run_command(
      "probe",
      "/bin/mkdir $out; /usr/bin/env; /bin/cat " + s.logical(dep) + " > $out/dep; "
      "echo " + s.logical(dep) + " > $out/ref; /bin/pwd > $out/pwd; "
      "if /bin/cat " + s.logical(undeclared) + " 2>/dev/null; then echo visible > $out/undeclared; fi; "
      "echo listing:; /bin/ls /cairn/store; echo built",
      {dep, unused}));
  const auto r = realise(s, {cmd});
  ::unsetenv("CAIRN_LEAK_TEST");
  const auto out = s.physical(cmd.out);
  const auto log = read(r.built.at(0).log);
  const auto env = log.substr(0, log.find("listing:"));
  EXPECT_NE(env.find("PATH=/path-not-set"), std::string::npos) << env;
  EXPECT_NE(env.find("HOME=/homeless-shelter"), std::string::npos);
  EXPECT_NE(env.find("out=" + s.logical(cmd.out)), std::string::npos);
  EXPECT_EQ(env.find("CAIRN_LEAK_TEST"), std::string::npos);
  EXPECT_EQ(read(out / "dep"), "dependency\n");
  // References: the used input, not the unused one.
  EXPECT_EQ(s.references(cmd.out), store_path_set{dep});
  ASSERT_EQ(r.built.size(), 1u);
  const auto& iso = r.built[0].isolation;
  if (iso.starts_with("private mount")) {
    EXPECT_NE(iso.find("network"), std::string::npos) << iso;
    EXPECT_EQ(trim(read(out / "pwd")), "/build");
    EXPECT_FALSE(fs::exists(out / "undeclared")) << "an undeclared store path was visible";
    const auto listing = log.substr(log.find("listing:"));
    EXPECT_EQ(listing.find("undeclared"), std::string::npos) << listing;
    EXPECT_NE(listing.find(std::string(unused.name())), std::string::npos) << listing;
  } else {
    GTEST_LOG_(INFO) << "no namespaces here: " << iso;
  }
  EXPECT_NE(log.find("built"), std::string::npos);
}

TEST(Sandbox, NetworkIsPrivate) {
  temp_dir t;
  store s(config_in(t));
  // Only the loopback interface exists in a private network namespace.
  const auto cmd = s.add_derivation(b::run_command("net", "/bin/cat /proc/net/dev > $out 2>/dev/null || echo no-proc > $out"));
  const auto r = realise(s, {cmd}, {.sandbox_paths = {"/bin", "/usr", "/lib", "/lib64", "/proc"}});
  if (!r.built[0].isolation.starts_with("private mount")) GTEST_SKIP() << r.built[0].isolation;
  const auto dev = read(s.physical(cmd.out));
  EXPECT_NE(dev.find("lo:"), std::string::npos) << dev;
  EXPECT_EQ(dev.find("eth"), std::string::npos) << dev;
}

TEST(Realise, FailedBuildReportsItsLastLogLinesAndLeavesNothing) {
  temp_dir t;
  store s(config_in(t));
  const auto cmd = s.add_derivation(b::run_command(
      "fails", "/bin/mkdir $out; echo partial > $out/x; for i in 1 2 3 4 5 6 7 8 9 10 11 12; do echo line $i; done; exit 3"));
  try {
    realise(s, {cmd});
    FAIL();
  } catch (const build_error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("builder for '" + s.logical(cmd.drv) + "' failed with exit code 3"), std::string::npos) << m;
    EXPECT_NE(m.find("> line 12"), std::string::npos) << m;
    EXPECT_NE(m.find("> line 3\n"), std::string::npos) << m;
    EXPECT_EQ(m.find("> line 2\n"), std::string::npos) << m;  // only the last 10
  }
  EXPECT_FALSE(s.is_valid(cmd.out));
  EXPECT_FALSE(fs::exists(s.physical(cmd.out)));
  EXPECT_TRUE(fs::is_empty(t / "root/cairn/var/builds"));
  const auto missing = s.add_derivation(b::run_command("no-output", "echo nothing"));
  try {
    realise(s, {missing});
    FAIL();
  } catch (const build_error& e) {
    EXPECT_NE(std::string(e.what()).find("failed to produce output path"), std::string::npos) << e.what();
  }
}

TEST(Realise, DependentsWaitAndIndependentBuildsRunInParallel) {
  temp_dir t;
  store s(config_in(t));
  std::vector<drv_output> sleepers;
  for (int i = 0; i < 4; ++i)
    sleepers.push_back(s.add_derivation(b::run_command(fmt::format("sleep{}", i), fmt::format("/bin/sleep 1; echo {} > $out", i))));
  std::vector<b::input> ins(sleepers.begin(), sleepers.end());
  std::string cmd = "/bin/mkdir $out";
  for (const auto& x : sleepers) cmd += "; /bin/cat " + s.logical(x.out) + " >> $out/all";
  const auto top = s.add_derivation(b::run_command("top", cmd, ins));
  const auto start = std::chrono::steady_clock::now();
  const auto r = realise(s, {top}, {.jobs = 4});
  const auto secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(read(s.physical(top.out) / "all"), "0\n1\n2\n3\n");
  EXPECT_EQ(r.built.size(), 5u);
  EXPECT_EQ(r.built.back().out, top.out);  // built last: after all its inputs
  EXPECT_LT(secs, 3.5) << "4 one-second builds with -j 4 took " << secs << " s";
  EXPECT_EQ(s.references(top.out).size(), 0u);  // it copied their contents, never their paths
}

TEST(Realise, TwoRealisersOfOnePathDoNotRace) {
  temp_dir t;
  drv_output d{store_path("d4b4lmbd433fa2xcdysz7p7zahnqh1z4-x.drv"), store_path("d4b4lmbd433fa2xcdysz7p7zahnqh1z4-x")};
  {
    store s(config_in(t));
    d = s.add_derivation(b::run_command("slow", "/bin/sleep 1; echo $$ >> /build/pid; /bin/date +%s%N > $out"));
  }
  std::atomic<int> built{0};
  {
    std::vector<std::jthread> threads;
    for (int i = 0; i < 3; ++i)
      threads.emplace_back([&] {
        store s(config_in(t));
        built += static_cast<int>(realise(s, {d.drv}).built.size());
      });
  }
  EXPECT_EQ(built.load(), 1);
  store s(config_in(t));
  EXPECT_TRUE(s.is_valid(d.out));
}

TEST(Realise, InterruptedBuildIsCleanedOnNextStart) {
  temp_dir t;
  drv_output d{store_path("d4b4lmbd433fa2xcdysz7p7zahnqh1z4-x.drv"), store_path("d4b4lmbd433fa2xcdysz7p7zahnqh1z4-x")};
  {
    store s(config_in(t));
    d = s.add_derivation(b::run_command("interrupted", "/bin/mkdir $out; echo partial > $out/x; /bin/sleep 30"));
  }
  const pid_t pid = ::fork();
  if (pid == 0) {
    store s(config_in(t));
    try {
      realise(s, {d.drv});
    } catch (...) {
    }
    ::_exit(0);
  }
  const auto scratch = t / "root/cairn/var/builds" / d.out.base_name();
  for (int i = 0; i < 500 && !fs::exists(scratch / "top"); ++i) ::usleep(10000);
  ::usleep(300000);
  ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
  EXPECT_TRUE(fs::exists(scratch));
  store s(config_in(t));
  EXPECT_FALSE(fs::exists(scratch));
  EXPECT_FALSE(fs::exists(s.physical(d.out)));
  EXPECT_FALSE(s.is_valid(d.out));
}

TEST(Realise, RejectsForeignSystemsAndMissingInputs) {
  temp_dir t;
  store s(config_in(t));
  auto d = b::run_command("arm", "echo > $out");
  d.system = "aarch64-darwin";
  d.env["system"] = d.system;
  const auto foreign = s.add_derivation(d);
  try {
    realise(s, {foreign});
    FAIL();
  } catch (const build_error& e) {
    EXPECT_NE(std::string(e.what()).find("a 'aarch64-darwin' derivation cannot be built"), std::string::npos) << e.what();
  }
  try {
    s.add_derivation(b::run_command("x", "true", {store_path("d4b4lmbd433fa2xcdysz7p7zahnqh1z4-missing")}));
    FAIL();
  } catch (const store_error& e) {
    EXPECT_NE(std::string(e.what()).find("is not valid"), std::string::npos) << e.what();
  }
}

// The example of include/cairn/store.hpp, compiled and run.
TEST(Example, HostToplevel) {
  temp_dir t;
  namespace cs = cairn::store;
  cs::store s{{.root = t / "target"}};
  auto hosts = s.add_text("etc-hosts", "127.0.0.1 localhost\n");
  auto etc = s.add_derivation(cs::builders::directory_tree("etc", {cs::builders::entry::link("hosts", hosts)}));
  auto bin = s.add_path(std::filesystem::canonical("/proc/self/exe"), "cairn-host");
  auto top = s.add_derivation(cs::builders::directory_tree(
      "cairn-system-demo",
      {cs::builders::entry::link("etc", etc), cs::builders::entry::copy("bin/switch-to-configuration", bin)}));
  auto built = cs::realise(s, {top}, {.jobs = 4});
  EXPECT_EQ(built.outputs, std::vector<store_path>{top.out});
  s.add_root("profiles-demo", top.out);
  const auto out = s.physical(top.out);
  // Links hold logical paths: they resolve on the target system, not under this test's root.
  EXPECT_EQ(fs::read_symlink(s.physical(etc.out) / "hosts"), s.logical(hosts));
  EXPECT_EQ(fs::read_symlink(out / "etc"), s.logical(etc.out));
  EXPECT_EQ(hash_file(out / "bin/switch-to-configuration"), hash_file(std::filesystem::canonical("/proc/self/exe")));
  EXPECT_EQ(s.requisites({top.out}).size(), 3u);  // top, etc, etc-hosts: the copied binary is not referenced
}
