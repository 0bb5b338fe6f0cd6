// The toplevel layout, generations, activation-script order, unit comparison.
#include "support.hpp"

#include <cairn/activation.hpp>

#include <gtest/gtest.h>

#include <sys/stat.h>

namespace act = cairn::activation;
using namespace cairn_test;

TEST(Toplevel, WriteThenReadRoundTrips) {
  temp_dir t;
  std::string path = add_toplevel(t.path, demo_spec(1, "/bin/true"), "sys");
  fs::path real = t.path / path.substr(1);

  EXPECT_EQ(slurp(real / "etc/motd"), "cairn demo, generation 1\n");
  EXPECT_EQ(link_of(real / "etc/systemd/system/multi-user.target.wants/cairn-hello.service"), "../cairn-hello.service");
  EXPECT_TRUE(fs::is_regular_file(real / "etc/systemd/system/ssh.service.d/cairn.conf"));
  EXPECT_TRUE(fs::exists(real / "cairn-toplevel.json"));
  EXPECT_EQ(stat_of(real / "bin/switch-to-configuration").st_mode & 0777, 0555u);

  act::toplevel top = act::read_toplevel(t.path, path);
  EXPECT_EQ(top.host_name, "demo");
  EXPECT_EQ(top.label, "gen1");
  ASSERT_NE(top.find_etc("cairn/secret.conf"), nullptr);
  EXPECT_EQ(top.find_etc("cairn/secret.conf")->mode, "0640");
  EXPECT_EQ(top.find_etc("cairn/secret.conf")->group, "cairn-svc");
  EXPECT_TRUE(top.find_etc("ssh/sshd_config")->replace);
  EXPECT_NE(top.find_etc("systemd/system/cairn-hello.service"), nullptr);
  EXPECT_TRUE(std::is_sorted(top.etc.begin(), top.etc.end(), [](auto& a, auto& b) { return a.target < b.target; }));
  ASSERT_EQ(top.users.users.size(), 3u);
  EXPECT_EQ(top.users.users[0].name, "alice");
  EXPECT_EQ(top.users.users[0].extra_groups, std::vector<std::string>{"cairn-svc"});
  EXPECT_FALSE(top.users.users[0].uid.has_value());
  EXPECT_EQ(top.activation_scripts.size(), 2u);
}

TEST(Toplevel, SymlinkJoinOfPackagesAndCollisions) {
  temp_dir t;
  act::detail::make_dirs(t.path / "cairn/store/aaa-hello/bin");
  act::detail::make_dirs(t.path / "cairn/store/bbb-world/bin");
  act::detail::write_file_atomic(t.path / "cairn/store/aaa-hello/bin/hello", "#!/bin/sh\n");
  act::detail::write_file_atomic(t.path / "cairn/store/bbb-world/bin/world", "#!/bin/sh\n");
  act::toplevel_spec s{.host_name = "x"};
  s.packages = {"/cairn/store/aaa-hello", "/cairn/store/bbb-world"};
  s.store_root = t.path;
  act::write_toplevel(t.path / "top", s);
  EXPECT_EQ(link_of(t.path / "top/sw/bin/hello"), "/cairn/store/aaa-hello/bin/hello");
  EXPECT_EQ(link_of(t.path / "top/sw/bin/world"), "/cairn/store/bbb-world/bin/world");

  act::detail::write_file_atomic(t.path / "cairn/store/bbb-world/bin/hello", "#!/bin/sh\n");
  EXPECT_EQ(error_of([&] { act::write_toplevel(t.path / "top2", s); }),
            "collision between /cairn/store/aaa-hello/bin/hello and /cairn/store/bbb-world/bin/hello in sw/bin/hello");
}

TEST(Toplevel, BadSpecsAreRefused) {
  temp_dir t;
  act::toplevel_spec dup{.host_name = "x"};
  dup.etc = {{.target = "a", .text = "1"}, {.target = "a", .text = "2"}};
  EXPECT_EQ(error_of([&] { act::write_toplevel(t.path / "1", dup); }), "toplevel spec: mismatched duplicate entry for etc target 'a'");
  act::toplevel_spec esc{.host_name = "x"};
  esc.etc = {{.target = "../passwd", .text = "1"}};
  EXPECT_NE(error_of([&] { act::write_toplevel(t.path / "2", esc); }).find("invalid etc target '../passwd'"), std::string::npos);
  act::toplevel_spec mode{.host_name = "x"};
  mode.etc = {{.target = "a", .text = "1", .mode = "rw-r--r--"}};
  EXPECT_EQ(error_of([&] { act::write_toplevel(t.path / "3", mode); }), "toplevel spec: etc entry 'a' has an invalid mode 'rw-r--r--'");
  act::toplevel_spec user{.host_name = "x"};
  user.users.users = {{.name = "bad:name"}};
  EXPECT_EQ(error_of([&] { act::write_toplevel(t.path / "4", user); }), "toplevel spec: invalid user name 'bad:name'");
}

TEST(Toplevel, CorruptToplevelsNameTheFile) {
  temp_dir t;
  std::string path = add_toplevel(t.path, demo_spec(1), "sys");
  fs::path real = t.path / path.substr(1);
  act::detail::write_file_atomic(real / "users-groups.json", "{\"users\": [");
  std::string e = error_of([&] { act::read_toplevel(t.path, path); });
  EXPECT_NE(e.find((real / "users-groups.json").string() + ": not valid JSON"), std::string::npos) << e;

  std::string p2 = add_toplevel(t.path, demo_spec(2), "sys2");
  fs::path r2 = t.path / p2.substr(1);
  fs::remove(r2 / "etc/motd");
  e = error_of([&] { act::read_toplevel(t.path, p2); });
  EXPECT_NE(e.find("entry 'motd' is missing from " + (r2 / "etc").string()), std::string::npos) << e;

  EXPECT_NE(error_of([&] { act::read_toplevel(t.path, "/cairn/store/nope"); }).find("toplevel /cairn/store/nope does not exist"), std::string::npos);

  std::string p3 = add_toplevel(t.path, demo_spec(2), "sys3");
  act::detail::write_file_atomic(t.path / p3.substr(1) / "cairn-toplevel.json", R"({"version": 7})");
  EXPECT_NE(error_of([&] { act::read_toplevel(t.path, p3); }).find("toplevel version 7 is not supported"), std::string::npos);
}

TEST(Generations, NumberingRollbackAndListing) {
  temp_dir t;
  fs::path root = t.path;
  EXPECT_EQ(act::generation_for(root, "/cairn/store/a"), 1);
  act::create_generation_link(root, 1, "/cairn/store/a");
  act::set_current_generation(root, 1);
  EXPECT_EQ(act::generation_for(root, "/cairn/store/a"), 1);  // same path as the newest: no new generation
  EXPECT_EQ(act::generation_for(root, "/cairn/store/b"), 2);
  act::create_generation_link(root, 2, "/cairn/store/b");
  act::set_current_generation(root, 2);
  EXPECT_EQ(link_of(root / "cairn/var/profiles/system"), "system-2-link");
  EXPECT_EQ(link_of(root / "cairn/var/profiles/system-1-link"), "/cairn/store/a");
  EXPECT_EQ(act::rollback_target(root).number, 1);
  act::set_current_generation(root, 1);
  EXPECT_EQ(error_of([&] { act::rollback_target(root); }), "no profile version older than the current (1) exists");
  EXPECT_EQ(error_of([&] { act::set_current_generation(root, 9); }), "profile version 9 does not exist");

  auto text = act::format_generations(act::list_generations(root));
  EXPECT_NE(text.find("   1   "), std::string::npos);
  EXPECT_NE(text.find("/cairn/store/a   (current)\n"), std::string::npos) << text;
  EXPECT_NE(text.find("/cairn/store/b   \n"), std::string::npos) << text;
}

TEST(Generations, DeleteAsNixEnvDoes) {
  temp_dir t;
  fs::path root = t.path;
  std::time_t now = std::time(nullptr);
  for (int n = 1; n <= 5; ++n) {
    act::create_generation_link(root, n, fmt::format("/cairn/store/g{}", n));
    // Ages 40, 30, 20, 10, 0 days.
    struct timespec ts[2];
    ts[0].tv_sec = ts[1].tv_sec = now - (5 - n) * 10 * 86400;
    ts[0].tv_nsec = ts[1].tv_nsec = 0;
    ::utimensat(AT_FDCWD, act::generation_link(root, n).c_str(), ts, AT_SYMLINK_NOFOLLOW);
  }
  act::set_current_generation(root, 4);
  EXPECT_EQ(error_of([&] { act::delete_generations(root, {"4"}); }),
            fmt::format("cannot delete current version of profile {}", (root / "cairn/var/profiles/system").string()));
  EXPECT_EQ(error_of([&] { act::delete_generations(root, {"+0"}); }), "invalid number of generations to keep '+0'");
  // 15d: keep newer than 15 days (4, 5) plus the newest older one (3); delete 1, 2.
  EXPECT_EQ(act::delete_generations(root, {"15d"}, now), (std::vector<int>{1, 2}));
  // +1: keep the current only among those not newer; 5 (newer) untouched.
  EXPECT_EQ(act::delete_generations(root, {"+1"}), (std::vector<int>{3}));
  EXPECT_EQ(act::delete_generations(root, {"old"}), (std::vector<int>{5}));
  auto gens = act::list_generations(root);
  ASSERT_EQ(gens.size(), 1u);
  EXPECT_EQ(gens[0].number, 4);
  EXPECT_TRUE(gens[0].current);
}

TEST(Scripts, OrderedByDepsAndCyclesNamed) {
  std::vector<act::activation_script_spec> s = {
      {.name = "users", .text = ""}, {.name = "etc", .deps = {"users", "groups"}, .text = ""}, {.name = "groups", .deps = {"users"}, .text = ""},
      {.name = "binsh", .text = ""}};
  EXPECT_EQ(act::order_activation_scripts(s), (std::vector<std::string>{"binsh", "users", "groups", "etc"}));
  s.push_back({.name = "a", .deps = {"b"}});
  s.push_back({.name = "b", .deps = {"c"}});
  s.push_back({.name = "c", .deps = {"a"}});
  EXPECT_EQ(error_of([&] { act::order_activation_scripts(s); }), "activation scripts form a dependency cycle: a -> b -> c -> a");
  std::vector<act::activation_script_spec> missing = {{.name = "x", .deps = {"nope"}}};
  EXPECT_EQ(error_of([&] { act::order_activation_scripts(missing); }), "activation script 'x' depends on 'nope', which does not exist");
}

TEST(Units, ComparedAsSwitchToConfigurationNg) {
  auto parse = [](std::string_view text) {
    act::unit_info u;
    act::detail::parse_unit_into(u, text);
    return u;
  };
  using act::detail::compare_units;
  using act::detail::unit_change;
  auto base = parse("[Unit]\nDescription=a\n[Service]\nExecStart=/bin/x\n[Install]\nWantedBy=multi-user.target\n");
  EXPECT_EQ(compare_units(base, parse("[Unit]\nDescription=b\n[Service]\nExecStart=/bin/x\n")), unit_change::none);
  EXPECT_EQ(compare_units(base, parse("[Unit]\nDescription=a\nX-Reload-Triggers=1\n[Service]\nExecStart=/bin/x\n")), unit_change::reload);
  EXPECT_EQ(compare_units(base, parse("[Service]\nExecStart=/bin/x\nExecReload=/bin/kill -HUP $MAINPID\n")), unit_change::reload);
  EXPECT_EQ(compare_units(parse("[Service]\nExecStart=/bin/x\nExecReload=/bin/true\n"), parse("[Service]\nExecStart=/bin/x\n")), unit_change::none);
  EXPECT_EQ(compare_units(base, parse("[Service]\nExecStart=/bin/y\n")), unit_change::restart);
  EXPECT_EQ(compare_units(base, parse("[Service]\nExecStart=/bin/x\nEnvironment=A=1\n")), unit_change::restart);
  // An empty assignment clears a list; continuation lines join.
  EXPECT_EQ(compare_units(parse("[Service]\nExecStart=/bin/x\n"), parse("[Service]\nExecStart=/bin/y\nExecStart=\nExecStart=/bin/x\n")), unit_change::none);
  EXPECT_EQ(compare_units(parse("[Service]\nExecStart=/bin/x a\n"), parse("[Service]\nExecStart=/bin/x\\\n a\n")), unit_change::none);
}

TEST(Units, PlanFollowsNgRules) {
  temp_dir t;
  auto unit = [](std::string unit_extra, std::string service_extra) {
    return fmt::format("[Unit]\n{}\n[Service]\nExecStart=/bin/sleep infinity\n{}\n", unit_extra, service_extra);
  };
  act::toplevel_spec a{.host_name = "x"}, b{.host_name = "x"};
  a.units = {
      {.name = "keepalive.service", .text = unit("X-StopOnRemoval=false", "")},    // removed, must not be stopped
      {.name = "gone.service", .text = unit("", "")},                             // removed: stopped
      {.name = "masked.service", .text = unit("", "")},                           // masked now: stopped
      {.name = "reloadif.service", .text = unit("", "X-ReloadIfChanged=true")},   // changed: reloaded
      {.name = "refuse.service", .text = unit("RefuseManualStop=true", "")},      // changed: not restarted
      {.name = "sock.service", .text = unit("", "")},                             // socket-activated
      {.name = "sock.socket", .text = "[Socket]\nListenStream=1234\n"},
      {.name = "app.target", .text = "[Unit]\nDescription=app\n"},
      {.name = "inactive.service", .text = unit("", "")},                         // changed but not running: nothing
      {.name = "data.mount", .text = "[Mount]\nWhat=/dev/x\nWhere=/data\nOptions=ro\n"},
  };
  b.units = {
      {.name = "masked.service", .masked = true},
      {.name = "reloadif.service", .text = unit("", "X-ReloadIfChanged=true\nEnvironment=A=2")},
      {.name = "refuse.service", .text = unit("RefuseManualStop=true", "Environment=A=2")},
      {.name = "sock.service", .text = unit("", "Environment=A=2")},
      {.name = "sock.socket", .text = "[Socket]\nListenStream=1234\n"},
      {.name = "app.target", .text = "[Unit]\nDescription=app 2\n"},
      {.name = "inactive.service", .text = unit("", "Environment=A=2")},
      {.name = "data.mount", .text = "[Mount]\nWhat=/dev/x\nWhere=/data\nOptions=rw\n"},
  };
  std::string pa = add_toplevel(t.path, a, "units-a"), pb = add_toplevel(t.path, b, "units-b");
  auto ta = act::read_toplevel(t.path, pa), tb = act::read_toplevel(t.path, pb);
  std::set<std::string> active = {"keepalive.service", "gone.service", "masked.service", "reloadif.service", "refuse.service",
                                  "sock.service", "sock.socket", "app.target", "data.mount", "debian-own.service"};
  auto p = act::plan_units(t.path, &ta, &tb, active);
  EXPECT_EQ(p.stop, (std::set<std::string>{"gone.service", "masked.service", "sock.service", "sock.socket"}));
  EXPECT_EQ(p.start, (std::set<std::string>{"sock.socket"}));
  EXPECT_EQ(p.reload, (std::set<std::string>{"data.mount", "reloadif.service"}));
  EXPECT_EQ(p.restart, (std::set<std::string>{}));
  EXPECT_EQ(p.skip, (std::set<std::string>{"refuse.service"}));
  EXPECT_EQ(p.hidden_starts, (std::set<std::string>{"app.target"}));
  EXPECT_TRUE(p.daemon_reload);
}
