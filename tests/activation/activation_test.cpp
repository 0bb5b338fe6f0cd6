// switch, boot, test, dry-activate, rollback into temporary roots: files on disk, symlink targets,
// modes and owners, passwd lines, printed plans, exit codes.
#include "support.hpp"

#include <cairn/activation.hpp>
#include <cairn/age.hpp>

#include <gtest/gtest.h>

#include <cstdio>
#include <thread>

namespace act = cairn::activation;
using namespace cairn_test;

namespace {

// Captures what an activation prints.
struct capture {
  char* buf = nullptr;
  std::size_t size = 0;
  std::FILE* f = ::open_memstream(&buf, &size);
  std::string text() {
    std::fflush(f);
    return std::string(buf, size);
  }
  ~capture() {
    std::fclose(f);
    std::free(buf);
  }
};

struct demo_root : ::testing::Test {
  temp_dir dir;
  fs::path root = dir.path;
  std::string gen1, gen2;
  void SetUp() override {
    seed_debian_like(root);
    gen1 = add_toplevel(root, demo_spec(1), "cairn-system-demo-1");
    gen2 = add_toplevel(root, demo_spec(2), "cairn-system-demo-2");
  }
  act::activation_result run(const std::string& top, act::action a, std::string* out = nullptr, act::activate_options o = {}) {
    capture c;
    o.out = c.f;
    auto r = act::activate(root, top, a, o);
    if (out) *out = c.text();
    return r;
  }
  std::string passwd() { return slurp(root / "etc/passwd"); }
};

}  // namespace

TEST_F(demo_root, FirstSwitchTakesOverTheRoot) {
  std::string out;
  EXPECT_EQ(run(gen1, act::action::switch_, &out).exit_code, 0) << out;
  EXPECT_TRUE(fs::exists(root / "cairn/var/managed"));

  // /etc through /etc/static.
  EXPECT_EQ(link_of(root / "etc/static"), gen1 + "/etc");
  EXPECT_EQ(link_of(root / "etc/motd"), "/etc/static/motd");
  EXPECT_EQ(slurp(act::detail::resolve_in_root(root, "/etc/motd")), "cairn demo, generation 1\n");
  EXPECT_EQ(link_of(root / "etc/systemd/system/cairn-hello.service"), "/etc/static/systemd/system/cairn-hello.service");
  EXPECT_EQ(link_of(root / "etc/systemd/system/multi-user.target.wants/cairn-hello.service"),
            "/etc/static/systemd/system/multi-user.target.wants/cairn-hello.service");
  EXPECT_EQ(slurp(root / "etc/hostname"), "debian\n");  // never cairn's: untouched

  // A copied entry with owner, group and mode.
  struct stat st = stat_of(root / "etc/cairn/secret.conf");
  EXPECT_TRUE(S_ISREG(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0640u);
  EXPECT_EQ(st.st_uid, 0u);
  EXPECT_EQ(st.st_gid, 999u);  // cairn-svc
  EXPECT_EQ(slurp(root / "etc/cairn/secret.conf"), "token=secret-1\n");

  // Debian's sshd_config was in the way of a replace entry: moved aside.
  EXPECT_EQ(link_of(root / "etc/ssh/sshd_config"), "/etc/static/ssh/sshd_config");
  EXPECT_EQ(slurp(root / "etc/ssh/sshd_config.cairn-backup"), "# Debian's own\nPort 22\n");

  // Accounts: Debian's kept in place, cairn's appended.
  EXPECT_EQ(passwd(),
            "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
            "sshd:x:100:65534::/run/sshd:/usr/sbin/nologin\n"
            "cairn-daemon:x:999:999::/var/empty:/usr/sbin/nologin\n"
            "alice:x:1000:100:Alice:/home/alice:/bin/bash\n"
            "bob:x:1001:100::/var/empty:/usr/sbin/nologin\n");
  EXPECT_EQ(slurp(root / "etc/group"), "root:x:0:\ndaemon:x:1:\nshadow:x:42:\nusers:x:100:\nsudo:x:27:\ncairn-svc:x:999:alice\n");
  EXPECT_TRUE(contains(slurp(root / "etc/shadow"), "\nalice:$6$saltsalt$0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJ:1::::::\n"));
  EXPECT_TRUE(contains(slurp(root / "etc/shadow"), "\nbob:!:1::::::\n"));
  EXPECT_TRUE(contains(slurp(root / "etc/gshadow"), "\ncairn-svc:!::alice\n"));
  for (auto [file, mode, gid] : {std::tuple{"etc/passwd", 0644u, 0u}, {"etc/group", 0644u, 0u}, {"etc/shadow", 0640u, 42u}, {"etc/gshadow", 0640u, 42u}}) {
    struct stat s = stat_of(root / file);
    EXPECT_EQ(s.st_mode & 07777, mode) << file;
    EXPECT_EQ(s.st_uid, 0u) << file;
    EXPECT_EQ(s.st_gid, gid) << file;
  }
  struct stat home = stat_of(root / "home/alice");
  EXPECT_TRUE(S_ISDIR(home.st_mode));
  EXPECT_EQ(home.st_uid, 1000u);
  EXPECT_EQ(home.st_gid, 100u);
  EXPECT_EQ(home.st_mode & 07777, 0700u);

  // Generation, current and booted system; scripts in dependency order.
  EXPECT_EQ(link_of(root / "cairn/var/profiles/system"), "system-1-link");
  EXPECT_EQ(link_of(root / "cairn/var/profiles/system-1-link"), gen1);
  EXPECT_EQ(link_of(root / "run/current-system"), gen1);
  EXPECT_EQ(link_of(root / "run/booted-system"), gen1);
  EXPECT_EQ(slurp(root / "var/lib/cairn-demo/order"), "a\nb\n");
  EXPECT_EQ(slurp(root / "var/lib/cairn-demo/last"), gen1 + "\n");
  EXPECT_FALSE(fs::exists(act::journal_file(root)));

  EXPECT_TRUE(contains(out, "creating group 'cairn-svc' with GID 999\n"));
  EXPECT_TRUE(contains(out, "creating user 'alice' with UID 1000\n"));
  EXPECT_TRUE(contains(out, "activating the configuration...\nsetting up /etc...") || contains(out, "activating the configuration...\n"));
}

TEST_F(demo_root, SecondGenerationThenBack) {
  run(gen1, act::action::switch_);
  std::string out;
  EXPECT_EQ(run(gen2, act::action::switch_, &out).exit_code, 0) << out;

  EXPECT_EQ(link_of(root / "etc/static"), gen2 + "/etc");
  EXPECT_FALSE(act::detail::lexists(root / "etc/cairn/only-in-1"));
  EXPECT_EQ(link_of(root / "etc/cairn/only-in-2"), "/etc/static/cairn/only-in-2");
  EXPECT_FALSE(act::detail::lexists(root / "etc/systemd/system/cairn-old.service"));
  EXPECT_FALSE(act::detail::lexists(root / "etc/systemd/system/multi-user.target.wants/cairn-old.service"));
  EXPECT_EQ(slurp(root / "etc/cairn/secret.conf"), "token=secret-2\n");
  EXPECT_EQ(slurp(root / "etc/ssh/sshd_config.cairn-backup"), "# Debian's own\nPort 22\n");
  EXPECT_TRUE(contains(out, "removing obsolete /etc/cairn/only-in-1\n"));

  // bob was cairn's: removed; carol gets a fresh uid (bob's stays reserved).
  EXPECT_FALSE(contains(passwd(), "bob:"));
  EXPECT_FALSE(contains(slurp(root / "etc/shadow"), "bob:"));
  EXPECT_TRUE(contains(passwd(), "carol:x:1002:100::/var/empty:/usr/sbin/nologin\n"));
  EXPECT_TRUE(contains(passwd(), "root:x:0:0:root:/root:/bin/bash\n"));
  EXPECT_TRUE(contains(out, "removing user 'bob'\n"));

  // The unit plan, in ng's words, reported as not executed (no systemd manages a temporary root).
  EXPECT_TRUE(contains(out, "NOT restarting the following changed units: cairn-keep.service\n")) << out;
  EXPECT_TRUE(contains(out, "systemd does not manage " + root.string() + ": not executed:\n")) << out;
  EXPECT_TRUE(contains(out, "  would stop the following units: cairn-old.service, cairn-stopstart.service\n")) << out;
  EXPECT_TRUE(contains(out, "  would reload the following units: cairn-hello.service\n")) << out;
  EXPECT_TRUE(contains(out, "  would restart the following units: cairn-restart.service\n")) << out;
  EXPECT_TRUE(contains(out, "  would start the following units: cairn-new.service, cairn-stopstart.service\n")) << out;

  EXPECT_EQ(link_of(root / "cairn/var/profiles/system"), "system-2-link");
  EXPECT_EQ(link_of(root / "run/current-system"), gen2);
  EXPECT_EQ(link_of(root / "run/booted-system"), gen1);  // booted stays

  // Back to generation 1 (what rollback runs): no new generation, bob revived with his uid.
  EXPECT_EQ(run(gen1, act::action::switch_, &out, {.generation = 1}).exit_code, 0) << out;
  EXPECT_EQ(link_of(root / "cairn/var/profiles/system"), "system-1-link");
  EXPECT_FALSE(act::detail::lexists(root / "cairn/var/profiles/system-3-link"));
  EXPECT_TRUE(contains(passwd(), "bob:x:1001:100::/var/empty:/usr/sbin/nologin\n"));
  EXPECT_FALSE(contains(passwd(), "carol:"));
  EXPECT_TRUE(contains(out, "reviving user 'bob' with UID 1001\n")) << out;
  EXPECT_EQ(link_of(root / "etc/cairn/only-in-1"), "/etc/static/cairn/only-in-1");
  EXPECT_FALSE(act::detail::lexists(root / "etc/cairn/only-in-2"));
}

TEST_F(demo_root, DryActivatePrintsThePlanAndChangesNothing) {
  run(gen1, act::action::switch_);
  auto before = snapshot(root);
  std::string out;
  EXPECT_EQ(run(gen2, act::action::dry_activate, &out).exit_code, 0);
  EXPECT_EQ(describe_difference(before, snapshot(root)), "");
  EXPECT_TRUE(contains(out, "would create generation 2 and make it the boot default\n")) << out;
  EXPECT_TRUE(contains(out, "would stop the following units: cairn-old.service, cairn-stopstart.service\n")) << out;
  EXPECT_TRUE(contains(out, "would NOT restart the following changed units: cairn-keep.service\n")) << out;
  EXPECT_TRUE(contains(out, "would activate the configuration...\n")) << out;
  EXPECT_TRUE(contains(out, "  would remove user 'bob'\n")) << out;
  EXPECT_TRUE(contains(out, "  would create user 'carol' with UID 1002\n")) << out;
  EXPECT_TRUE(contains(out, "  would remove obsolete /etc/cairn/only-in-1\n")) << out;
  EXPECT_TRUE(contains(out, "would reload the following units: cairn-hello.service\n")) << out;
  EXPECT_TRUE(contains(out, "would restart the following units: cairn-restart.service\n")) << out;
  EXPECT_TRUE(contains(out, "would start the following units: cairn-new.service, cairn-stopstart.service\n")) << out;
  EXPECT_TRUE(contains(out, "unit actions are reported, not executed")) << out;
}

TEST_F(demo_root, UnmanagedFileInTheWayIsAnErrorNamingIt) {
  act::install(root, nullptr);
  act::detail::make_dirs(root / "etc/cairn/hello.conf");  // a directory in the way
  act::detail::write_file_atomic(root / "etc/cairn/only-in-1", "the admin's file\n");
  auto before = snapshot(root);
  std::string e = error_of([&] { run(gen1, act::action::switch_); });
  EXPECT_TRUE(contains(e, "refusing to activate: files that cairn does not manage are in the way in " + (root / "etc").string())) << e;
  EXPECT_TRUE(contains(e, "\n  /etc/cairn/only-in-1 (a file cairn does not manage)")) << e;
  EXPECT_TRUE(contains(e, "\n  /etc/cairn/hello.conf (a directory)")) << e;
  EXPECT_TRUE(contains(e, "replace = true")) << e;
  EXPECT_EQ(describe_difference(before, snapshot(root)), "");
}

TEST_F(demo_root, ReplacedFileComesBackWhenCairnLetsGo) {
  run(gen1, act::action::switch_);
  auto spec = demo_spec(1);
  std::erase_if(spec.etc, [](auto& e) { return e.target == "ssh/sshd_config"; });
  std::string gen3 = add_toplevel(root, spec, "cairn-system-demo-3");
  std::string out;
  run(gen3, act::action::switch_, &out);
  EXPECT_TRUE(S_ISREG(stat_of(root / "etc/ssh/sshd_config").st_mode));
  EXPECT_EQ(slurp(root / "etc/ssh/sshd_config"), "# Debian's own\nPort 22\n");
  EXPECT_FALSE(act::detail::lexists(root / "etc/ssh/sshd_config.cairn-backup"));
}

// A distribution's enablement of a unit cairn replaces (Debian's multi-user.target.wants/nginx.service)
// is kept outside the .wants directory, where systemd would read a backup as a unit, and comes back.
TEST_F(demo_root, ReplacedWantsLinkIsKeptOutOfSystemdsSight) {
  const fs::path wants = root / "etc/systemd/system/multi-user.target.wants";
  act::detail::make_dirs(wants);
  ASSERT_EQ(::symlink("/lib/systemd/system/nginx.service", (wants / "nginx.service").c_str()), 0);
  auto spec = demo_spec(1);
  spec.units.push_back({.name = "nginx.service", .text = "[Service]\nExecStart=/bin/true\n",
                        .wanted_by = {"multi-user.target"}, .replace = true});
  std::string ours = add_toplevel(root, spec, "cairn-system-demo-nginx");
  std::string out;
  ASSERT_EQ(run(ours, act::action::switch_, &out).exit_code, 0) << out;
  EXPECT_EQ(link_of(wants / "nginx.service"), "/etc/static/systemd/system/multi-user.target.wants/nginx.service");
  EXPECT_EQ(link_of(root / "etc/systemd/system/multi-user.target.wants.cairn-backup/nginx.service"),
            "/lib/systemd/system/nginx.service");
  EXPECT_FALSE(act::detail::lexists(wants / "nginx.service.cairn-backup"));
  EXPECT_TRUE(contains(out, "moving /etc/systemd/system/multi-user.target.wants/nginx.service (not cairn's) to "
                            "/etc/systemd/system/multi-user.target.wants.cairn-backup/nginx.service\n"))
      << out;

  run(gen1, act::action::switch_);  // cairn lets go of nginx.service
  EXPECT_EQ(link_of(wants / "nginx.service"), "/lib/systemd/system/nginx.service");
  EXPECT_FALSE(act::detail::lexists(root / "etc/systemd/system/multi-user.target.wants.cairn-backup"));

  // A backup an earlier cairn made next to the link comes back too.
  ASSERT_EQ(run(ours, act::action::switch_).exit_code, 0);
  fs::rename(root / "etc/systemd/system/multi-user.target.wants.cairn-backup/nginx.service", wants / "nginx.service.cairn-backup");
  run(gen1, act::action::switch_);
  EXPECT_EQ(link_of(wants / "nginx.service"), "/lib/systemd/system/nginx.service");
  EXPECT_FALSE(act::detail::lexists(wants / "nginx.service.cairn-backup"));
}

TEST_F(demo_root, TestActivatesWithoutTouchingTheProfile) {
  run(gen1, act::action::switch_);
  run(gen2, act::action::test);
  EXPECT_EQ(link_of(root / "run/current-system"), gen2);
  EXPECT_EQ(link_of(root / "etc/static"), gen2 + "/etc");
  EXPECT_EQ(link_of(root / "cairn/var/profiles/system"), "system-1-link");
  EXPECT_FALSE(act::detail::lexists(root / "cairn/var/profiles/system-2-link"));
}

TEST_F(demo_root, BootMakesTheDefaultWithoutActivating) {
  run(gen1, act::action::switch_);
  auto spec = demo_spec(2);
  temp_dir files;
  act::detail::write_file_atomic(files.path / "vmlinuz", "KERNEL");
  act::detail::write_file_atomic(files.path / "initrd.img", "INITRD");
  spec.boot = act::boot_spec{.title = "cairn demo", .kernel = files.path / "vmlinuz", .initrd = files.path / "initrd.img", .kernel_params = {"quiet"}};
  std::string gen3 = add_toplevel(root, spec, "cairn-system-demo-boot");
  std::string passwd_before = passwd();
  std::string out;
  EXPECT_EQ(run(gen3, act::action::boot, &out).exit_code, 0) << out;
  EXPECT_EQ(link_of(root / "cairn/var/profiles/system"), "system-2-link");
  EXPECT_EQ(link_of(root / "cairn/var/profiles/system-2-link"), gen3);
  EXPECT_EQ(link_of(root / "run/current-system"), gen1);
  EXPECT_EQ(link_of(root / "etc/static"), gen1 + "/etc");
  EXPECT_EQ(passwd(), passwd_before);
  std::string id = fs::path(gen3).filename().string().substr(0, 32);
  EXPECT_EQ(slurp(root / "boot/loader/entries/cairn-generation-2.conf"),
            fmt::format("title cairn demo\nversion Generation 2 gen2\nlinux /cairn/{0}-linux\ninitrd /cairn/{0}-initrd\n"
                        "options cairn.toplevel={1} quiet\n", id, gen3));
  EXPECT_EQ(slurp(root / "boot/cairn" / (id + "-linux")), "KERNEL");
  EXPECT_EQ(slurp(root / "boot/loader/loader.conf"), "default cairn-generation-2.conf\ntimeout 5\n");

  // A kernel bigger than the space left in /boot: refused before anything changes.
  std::string gen4 = add_toplevel(root, spec, "cairn-system-demo-huge");
  fs::path kernel = root / gen4.substr(1) / "kernel";
  fs::remove(kernel);
  int fd = ::open(kernel.c_str(), O_CREAT | O_WRONLY, 0444);
  ASSERT_EQ(::ftruncate(fd, 1LL << 42), 0);  // sparse, 4 TiB
  ::close(fd);
  auto before = snapshot(root);
  std::string e = error_of([&] { run(gen4, act::action::boot); });
  EXPECT_TRUE(contains(e, "refusing to write boot entries: " + (root / "boot").string() + " has ")) << e;
  EXPECT_TRUE(contains(e, "generation 3 needs ")) << e;
  EXPECT_EQ(describe_difference(before, snapshot(root)), "");
}

TEST_F(demo_root, ActivatingTheRealRootNeedsInstall) {
  // The check comes first: nothing is read or written on this machine's "/". Should this machine
  // ever be managed by cairn, the call would activate for real: not here.
  if (fs::exists("/cairn/var/managed")) GTEST_SKIP() << "this machine's / is managed by cairn";
  EXPECT_TRUE(contains(error_of([&] { act::activate("/", gen1, act::action::switch_, {.out = nullptr}); }),
                       "this machine is not managed by cairn yet; `install --root /` says what cairn will take over"));
  capture c;
  act::install(root, c.f);
  std::string text = c.text();
  EXPECT_TRUE(contains(text, "cairn will manage " + root.string() + ":\n")) << text;
  EXPECT_TRUE(contains(text, (root / "etc/passwd").string())) << text;
  EXPECT_EQ(slurp(root / "cairn/var/install-backup/passwd"), slurp(root / "etc/passwd"));
  EXPECT_EQ(stat_of(root / "cairn/var/install-backup/shadow").st_mode & 07777, 0640u);
}

TEST_F(demo_root, DriverRollbackRunsTheOlderGenerationsOwnProgram) {
  // Generation 1's program is a wrapper that records its runs, then runs the driver.
  fs::path wrapper = dir.path / "gen1-program";
  act::detail::write_file_atomic(wrapper, fmt::format("#!/bin/sh\necho \"$@\" >> {}/gen1-program.log\nexec {} \"$@\"\n", dir.path.string(), CAIRN_ACTIVATE_DRIVER),
                                 {.mode = 0755});
  std::string t1 = add_toplevel(root, demo_spec(1, wrapper), "with-program-1");
  std::string t2 = add_toplevel(root, demo_spec(2, CAIRN_ACTIVATE_DRIVER), "with-program-2");
  auto r = run_driver({"switch", "--root", root.string(), t1});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "Done. The new configuration is " + t1)) << r.output;
  r = run_driver({"switch", "--root", root.string(), t2});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = run_driver({"rollback", "--root", root.string()});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "switching profile from version 2 to 1\n")) << r.output;
  EXPECT_EQ(slurp(dir.path / "gen1-program.log"), fmt::format("switch --root {} --generation 1 --lock-timeout 60 {}\n", root.string(), t1));
  EXPECT_EQ(link_of(root / "cairn/var/profiles/system"), "system-1-link");
  EXPECT_EQ(link_of(root / "run/current-system"), t1);
  EXPECT_EQ(link_of(root / "etc/static"), t1 + "/etc");

  r = run_driver({"list-generations", "--root", root.string()});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_TRUE(contains(r.output, t1 + "   (current)\n")) << r.output;
  EXPECT_TRUE(contains(r.output, t2 + "   \n")) << r.output;

  r = run_driver({"rollback", "--root", root.string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.output, "error: no profile version older than the current (1) exists")) << r.output;

  r = run_driver({"switch", "--root", root.string(), "--generation", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(link_of(root / "cairn/var/profiles/system"), "system-2-link");

  r = run_driver({"diff", "--root", root.string(), "1", "2"});
  EXPECT_EQ(r.exit_code, 0);
  for (auto line : {"  + /etc/cairn/only-in-2\n", "  - /etc/cairn/only-in-1\n", "  ~ /etc/motd\n", "  ~ /etc/cairn/secret.conf\n", "units:\n",
                    "  + cairn-new.service\n", "  - cairn-old.service\n", "  ~ cairn-hello.service\n", "  ~ ssh.service\n", "users:\n",
                    "  + carol\n", "  - bob\n"})
    EXPECT_TRUE(contains(r.output, line)) << line << "\n" << r.output;

  r = run_driver({"delete-generations", "--root", root.string(), "old"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "removing profile version 1\n")) << r.output;
}

TEST_F(demo_root, DriverCommandLineErrors) {
  auto r = run_driver({"frobnicate"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.output, "error: unknown command 'frobnicate'")) << r.output;
  r = run_driver({"switch", "--root"});
  EXPECT_EQ(r.exit_code, 2);
  r = run_driver({"switch", "--root", root.string(), "/cairn/store/does-not-exist"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.output, "error: toplevel /cairn/store/does-not-exist does not exist")) << r.output;
}

TEST_F(demo_root, SecondActivationWaitsOrFailsClearly) {
  run(gen1, act::action::switch_);
  {
    act::activation_lock held(root, std::chrono::seconds(1));
    auto r = run_driver({"switch", "--root", root.string(), "--lock-timeout", "1", gen2});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_TRUE(contains(r.output, fmt::format("error: another activation is running on {} (held by pid {}); gave up after waiting 1 s", root.string(), ::getpid())))
        << r.output;
    EXPECT_EQ(link_of(root / "run/current-system"), gen1);
  }
  auto held = std::make_unique<act::activation_lock>(root, std::chrono::seconds(1));
  std::thread release([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(700));
    held.reset();
  });
  auto r = run_driver({"switch", "--root", root.string(), "--lock-timeout", "20", gen2});
  release.join();
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "waiting for another activation on " + root.string())) << r.output;
  EXPECT_EQ(link_of(root / "run/current-system"), gen2);
}

TEST_F(demo_root, FailingActivationScriptIsReportedAndTheRestRuns) {
  auto spec = demo_spec(1);
  spec.activation_scripts.push_back({.name = "0-fails", .text = "exit 7"});
  std::string t = add_toplevel(root, spec, "failing-script");
  std::string out;
  auto r = run(t, act::action::switch_, &out);
  EXPECT_EQ(r.exit_code, act::exit_script_failed);
  EXPECT_EQ(r.failed_scripts, std::vector<std::string>{"0-fails"});
  EXPECT_TRUE(contains(out, "Activation script snippet '0-fails' failed (7)\n")) << out;
  EXPECT_EQ(slurp(root / "var/lib/cairn-demo/order"), "a\nb\n");
  EXPECT_EQ(link_of(root / "run/current-system"), t);
}

TEST_F(demo_root, ADamagedGenerationInForceDoesNotBlockSwitchingAway) {
  run(gen1, act::action::switch_);
  act::detail::write_file_atomic(root / gen1.substr(1) / "etc.json", "[{");
  std::string out;
  EXPECT_EQ(run(gen2, act::action::switch_, &out).exit_code, 0) << out;
  EXPECT_TRUE(contains(out, "warning: the generation in force cannot be read, so its units are not compared: ")) << out;
  EXPECT_EQ(link_of(root / "run/current-system"), gen2);
  EXPECT_FALSE(act::detail::lexists(root / "etc/cairn/only-in-1"));  // removed all the same: etc-state knows it
}

// A secret whose path is outside /run/secrets (opted in) is a link there, made, kept and
// removed by cairn; a file it did not make in that place stops the activation up front.
TEST_F(demo_root, SecretsOutsideRunSecretsAreLinksCairnManages) {
  auto id = cairn::age::x25519_identity::generate();
  act::detail::make_dirs(root / "cairn/var/keys", 0700);
  cairn::age::write_key_file(root / "cairn/var/keys/host.age", id);
  std::vector<cairn::age::recipient_ptr> to{std::make_shared<cairn::age::x25519_recipient>(id.recipient())};
  std::string plain = "psk\n";
  fs::path sealed = dir.path / "wifi.age";
  act::detail::write_file_atomic(sealed, cairn::age::encrypt_to_string({reinterpret_cast<const std::uint8_t*>(plain.data()), plain.size()}, to));
  auto spec = demo_spec(2);
  spec.secrets.identity_paths = {"/cairn/var/keys/host.age"};
  spec.secrets.secrets = {{.name = "wifi", .source = sealed, .path = "/var/lib/iwd/home.psk"}};
  std::string with_link = add_toplevel(root, spec, "cairn-system-demo-link");

  // In the way: an unmanaged file. Nothing changes.
  act::detail::make_dirs(root / "var/lib/iwd");
  act::detail::write_file_atomic(root / "var/lib/iwd/home.psk", "mine\n");
  run(gen1, act::action::switch_);
  EXPECT_EQ(error_of([&] { run(with_link, act::action::switch_); }),
            fmt::format("secret link /var/lib/iwd/home.psk: {} exists and is not cairn's; move it away first", (root / "var/lib/iwd/home.psk").string()));
  EXPECT_EQ(link_of(root / "run/current-system"), gen1);
  EXPECT_FALSE(act::detail::lexists(root / "run/secrets.d/1"));

  fs::remove(root / "var/lib/iwd/home.psk");
  run(with_link, act::action::switch_);
  EXPECT_EQ(link_of(root / "var/lib/iwd/home.psk"), "/run/secrets/wifi");
  EXPECT_EQ(slurp(root / "run/secrets/wifi"), plain);
  run(with_link, act::action::switch_);  // again: the link is cairn's now
  EXPECT_EQ(link_of(root / "var/lib/iwd/home.psk"), "/run/secrets/wifi");
  run(gen2, act::action::switch_);  // no secrets: the link goes, /run/secrets is empty
  EXPECT_FALSE(act::detail::lexists(root / "var/lib/iwd/home.psk"));
  EXPECT_TRUE(fs::is_empty(root / "run/secrets/"));
}
