// Never half-applied: the driver is SIGKILLed at every step of a switch, or a write fails at every
// step (ENOSPC), or the disk really is full (a small tmpfs); each time the root holds the old or
// the new generation whole, and the next switch completes.
#include "support.hpp"

#include <cairn/activation.hpp>
#include <cairn/age.hpp>

#include <gtest/gtest.h>

#include <sys/mount.h>

#include <regex>

namespace act = cairn::activation;
using namespace cairn_test;

namespace {

void copy_tree(const fs::path& from, const fs::path& to) {
  std::string cmd = fmt::format("rm -rf '{1}' && cp -a '{0}' '{1}'", from.string(), to.string());
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
}

// Snapshots without the demo's script output (scripts are re-run by recovery by design). Of the
// secrets, what is in force counts (the directory /run/secrets points at), not its number: an
// activation finished by recovery decrypts again, into a directory of its own; one killed
// before its journal leaves a directory nothing points at, removed by the next activation.
std::map<std::string, std::string> state(const fs::path& root) {
  auto raw = snapshot(root);
  std::string in_force = "run/" + link_of(root / "run/secrets");
  std::map<std::string, std::string> s;
  static const std::regex numbered("secrets\\.d/[0-9]+");
  for (auto& [k, v] : raw) {
    if (k.starts_with("run/secrets.d/") && k != in_force && !k.starts_with(in_force + "/")) continue;
    s[std::regex_replace(k, numbered, "secrets.d/N")] = std::regex_replace(v, numbered, "secrets.d/N");
  }
  // An install cut short leaves its (complete or partial) copies of the old account files: harmless.
  std::erase_if(s, [](auto& kv) {
    return kv.first.starts_with("var/lib/cairn-demo") || kv.first == "cairn/var" || kv.first.starts_with("cairn/var/install-backup");
  });
  return s;
}

struct fault_fixture : ::testing::Test {
  temp_dir dir;
  fs::path base = dir.path / "base";      // generation 1 in force; generation 2 in the store
  fs::path expect_new = dir.path / "new"; // base after a clean switch to generation 2
  fs::path work = dir.path / "work";
  std::string gen1, gen2;

  // with_secrets: each generation also has two secrets (one changed, one not, one only in
  // generation 2) and a template, encrypted to the root's host key.
  void prepare(bool first_activation, bool with_secrets = false) {
    act::detail::make_dirs(base);
    seed_debian_like(base);
    auto spec1 = demo_spec(1), spec2 = demo_spec(2);
    if (with_secrets) {
      auto id = cairn::age::x25519_identity::generate();
      act::detail::make_dirs(base / "cairn/var/keys", 0700);
      cairn::age::write_key_file(base / "cairn/var/keys/host.age", id);
      std::vector<cairn::age::recipient_ptr> to{std::make_shared<cairn::age::x25519_recipient>(id.recipient())};
      auto sealed = [&](const std::string& name, const std::string& plain) {
        fs::path f = dir.path / "repo" / name;
        act::detail::make_dirs(f.parent_path());
        act::detail::write_file_atomic(f, cairn::age::encrypt_to_string({reinterpret_cast<const std::uint8_t*>(plain.data()), plain.size()}, to));
        return f;
      };
      for (int gen : {1, 2}) {
        auto& spec = gen == 1 ? spec1 : spec2;
        spec.secrets.identity_paths = {"/cairn/var/keys/host.age"};
        spec.secrets.secrets = {{.name = "token", .source = sealed(fmt::format("token-{}.age", gen), fmt::format("token {}\n", gen)),
                                 .path = "/run/secrets/token", .group = "cairn-svc", .mode = "0440"},
                                {.name = "stable", .source = sealed(fmt::format("stable-{}.age", gen), "same\n"), .path = "/run/secrets/app/stable"}};
        if (gen == 2) spec.secrets.secrets.push_back({.name = "new", .source = sealed("new.age", "new\n"), .path = "/run/secrets/new"});
        spec.secrets.templates = {{.name = "app.env", .content = "TOKEN=<cairn-secret:token>", .path = "/run/secrets/rendered/app.env"}};
      }
    }
    gen1 = add_toplevel(base, spec1, "cairn-system-demo-1");
    gen2 = add_toplevel(base, spec2, "cairn-system-demo-2");
    if (!first_activation) {
      auto r = run_driver({"switch", "--root", base.string(), gen1});
      ASSERT_EQ(r.exit_code, 0) << r.output;
    }
    copy_tree(base, expect_new);
    auto r = run_driver({"switch", "--root", expect_new.string(), gen2});
    ASSERT_EQ(r.exit_code, 0) << r.output;
  }

  void crash_at_every_step(const std::string& from) {
    auto old_state = state(base), new_state = state(expect_new);
    std::string old_passwd = slurp(base / "etc/passwd"), new_passwd = slurp(expect_new / "etc/passwd");
    int k = 1;
    for (;; ++k) {
      SCOPED_TRACE(fmt::format("crash at step {}", k));
      copy_tree(base, work);
      auto r = run_driver({"switch", "--root", work.string(), gen2}, {{"CAIRN_TEST_CRASH_AT_STEP", std::to_string(k)}});
      if (r.exit_code == 0) break;  // k is past the last step
      ASSERT_EQ(r.signal, SIGKILL) << r.output;
      ASSERT_TRUE(contains(r.output, fmt::format("cairn-test: killing myself at step {} (", k))) << r.output;

      // Before any recovery: every file is whole, the old or the new one.
      std::string profile = link_of(work / "cairn/var/profiles/system");
      EXPECT_TRUE(profile == link_of(base / "cairn/var/profiles/system") || profile == link_of(expect_new / "cairn/var/profiles/system")) << profile;
      std::string pw = slurp(work / "etc/passwd");
      EXPECT_TRUE(pw == old_passwd || pw == new_passwd) << pw;
      std::string cur = link_of(work / "run/current-system");
      EXPECT_TRUE(cur == from || cur == gen2) << cur;
      bool interrupted = fs::exists(act::journal_file(work));
      if (!interrupted) {  // killed before the journal was in place (nothing changed) or after the last step
        auto now = state(work);
        std::erase_if(now, [](auto& kv) { return kv.first.find(".cairn-tmp-") != std::string::npos; });
        EXPECT_TRUE(now == old_state || now == new_state) << "old:\n" << describe_difference(old_state, now) << "new:\n" << describe_difference(new_state, now);
      }

      // `recover` (what a boot runs) finishes it on its own; tried at every third step.
      if (interrupted && k % 3 == 0) {
        auto rec = run_driver({"recover", "--root", work.string()});
        ASSERT_EQ(rec.exit_code, 0) << rec.output;
        EXPECT_TRUE(contains(rec.output, "finishing an interrupted switch of " + gen2)) << rec.output;
        EXPECT_EQ(describe_difference(new_state, state(work)), "");
        interrupted = false;
      }
      // The next activation finishes the interrupted one first (recovery), then has nothing left to do.
      auto again = run_driver({"switch", "--root", work.string(), gen2});
      ASSERT_EQ(again.exit_code, 0) << again.output;
      if (interrupted) EXPECT_TRUE(contains(again.output, "finishing an interrupted switch of " + gen2)) << again.output;
      EXPECT_EQ(describe_difference(new_state, state(work)), "");
      EXPECT_FALSE(fs::exists(act::journal_file(work)));
    }
    EXPECT_GT(k, 40) << "fewer crash points than expected";
  }
};

}  // namespace

TEST_F(fault_fixture, KilledAtEveryStepOfASwitchBetweenTwoGenerations) {
  prepare(false);
  crash_at_every_step(gen1);
}

TEST_F(fault_fixture, KilledAtEveryStepOfASwitchWithSecrets) {
  prepare(false, true);
  ASSERT_EQ(slurp(expect_new / "run/secrets/token"), "token 2\n");
  ASSERT_EQ(slurp(expect_new / "run/secrets/rendered/app.env"), "TOKEN=token 2\n");
  crash_at_every_step(gen1);
  // Whatever step it was killed at, the secrets in force were whole: checked by state() above;
  // and the last run leaves exactly one directory.
  EXPECT_EQ(std::distance(fs::directory_iterator(work / "run/secrets.d"), fs::directory_iterator()), 1);
}

TEST_F(fault_fixture, WriteFailingAtEveryStepOfASwitchWithSecretsRollsBack) {
  prepare(false, true);
  auto old_state = state(base);
  for (int k = 1; k < 40; ++k) {
    SCOPED_TRACE(fmt::format("write {} fails", k));
    copy_tree(base, work);
    auto r = run_driver({"switch", "--root", work.string(), gen2}, {{"CAIRN_TEST_FAIL_WRITE_AT", std::to_string(k)}});
    if (r.exit_code == 0) break;
    ASSERT_EQ(r.exit_code, 1) << r.output;
    EXPECT_EQ(describe_difference(old_state, state(work)), "");
    EXPECT_EQ(slurp(work / "run/secrets/token"), "token 1\n");
  }
}

TEST_F(fault_fixture, KilledAtEveryStepOfTheFirstSwitch) {
  prepare(true);
  crash_at_every_step("<not a link>");
}

TEST_F(fault_fixture, WriteFailingAtEveryStepRollsBack) {
  prepare(false);
  auto old_state = state(base), new_state = state(expect_new);
  int k = 1;
  for (;; ++k) {
    SCOPED_TRACE(fmt::format("write {} fails", k));
    copy_tree(base, work);
    auto r = run_driver({"switch", "--root", work.string(), gen2}, {{"CAIRN_TEST_FAIL_WRITE_AT", std::to_string(k)}});
    if (r.exit_code == 0) break;
    ASSERT_EQ(r.exit_code, 1) << r.output;
    EXPECT_TRUE(contains(r.output, "No space left on device")) << r.output;
    if (contains(r.output, "rolling back to")) {
      EXPECT_TRUE(contains(r.output, "switch of " + gen2 + " failed and was rolled back: " + gen1 + " is in force")) << r.output;
    }
    EXPECT_FALSE(fs::exists(act::journal_file(work)));
    EXPECT_EQ(describe_difference(old_state, state(work)), "");
    auto again = run_driver({"switch", "--root", work.string(), gen2});
    ASSERT_EQ(again.exit_code, 0) << again.output;
    EXPECT_EQ(describe_difference(new_state, state(work)), "");
  }
  EXPECT_GT(k, 12) << "fewer writes than expected";
}

TEST(FullDisk, SwitchOnAFullTmpfsFailsCleanlyThenCompletes) {
  temp_dir dir;
  fs::path root = dir.path / "root";
  act::detail::make_dirs(root);
  if (::mount("tmpfs", root.c_str(), "tmpfs", 0, "size=8m,mode=0755") != 0) GTEST_SKIP() << "cannot mount a tmpfs here: " << std::strerror(errno);
  struct unmount {
    fs::path p;
    ~unmount() { ::umount2(p.c_str(), MNT_DETACH); }
  } guard{root};
  seed_debian_like(root);
  std::string gen1 = add_toplevel(root, demo_spec(1), "cairn-system-demo-1");
  auto spec2 = demo_spec(2);
  spec2.etc.push_back({.target = "cairn/big.dat", .text = std::string(512 * 1024, 'x'), .mode = "0644"});  // copied: needs space
  std::string gen2 = add_toplevel(root, spec2, "cairn-system-demo-2");
  auto r = run_driver({"switch", "--root", root.string(), gen1});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto old_state = state(root);

  // Fill the disk, leaving less than the copy needs.
  {
    std::string chunk(64 * 1024, 'f');
    int fd = ::open((root / "filler").c_str(), O_CREAT | O_WRONLY, 0600);
    while (::write(fd, chunk.data(), chunk.size()) > 0) {}
    ::close(fd);
    ASSERT_EQ(::truncate((root / "filler").c_str(), static_cast<off_t>(fs::file_size(root / "filler") - 128 * 1024)), 0);
  }
  r = run_driver({"switch", "--root", root.string(), gen2});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(contains(r.output, "cannot write " + (root / "etc/cairn/big.dat").string() + ": No space left on device")) << r.output;
  EXPECT_TRUE(contains(r.output, "failed and was rolled back: " + gen1 + " is in force")) << r.output;
  auto now = state(root);
  now.erase("filler");
  EXPECT_EQ(describe_difference(old_state, now), "");

  fs::remove(root / "filler");
  r = run_driver({"switch", "--root", root.string(), gen2});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(link_of(root / "run/current-system"), gen2);
  EXPECT_EQ(fs::file_size(root / "etc/cairn/big.dat"), 512u * 1024);
}
