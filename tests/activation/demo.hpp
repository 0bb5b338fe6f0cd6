// Two generations of a demo system, shared by the tests, the fault-injection runs, the driver
// (for the real-systemd acceptance test) and the benchmark. Generation 2 differs from 1 in every
// way activation cares about: etc entries changed, added and removed, units to reload, restart,
// stop, start and not restart, a user added and one removed, sshd on another port.
#pragma once

#include <cairn/activation/toplevel.hpp>

#include <fmt/format.h>

#include <filesystem>
#include <functional>
#include <string>

namespace cairn_test {

namespace fs = std::filesystem;
namespace act = cairn::activation;

inline std::string fake_hash(const std::string& name) {
  static const char alphabet[] = "0123456789abcdfghijklmnpqrsvwxyz";
  std::size_t h = std::hash<std::string>{}(name);
  std::string out;
  for (int i = 0; i < 32; ++i) {
    out += alphabet[h % 32];
    h = h * 6364136223846793005ULL + 1442695040888963407ULL + static_cast<std::size_t>(i);
  }
  return out;
}

// Writes spec as a store path under root; returns its logical path.
inline std::string add_toplevel(const fs::path& root, const act::toplevel_spec& spec, const std::string& name) {
  std::string logical = "/cairn/store/" + fake_hash(name) + "-" + name;
  act::write_toplevel(root / logical.substr(1), spec);
  return logical;
}

inline std::string sshd_config(int port) {
  return fmt::format(
      "# written by cairn\nPort {}\nKbdInteractiveAuthentication no\nUsePAM yes\nPrintMotd no\n"
      "AcceptEnv LANG LC_*\nSubsystem sftp /usr/lib/openssh/sftp-server\n",
      port);
}

inline act::toplevel_spec demo_spec(int gen, const fs::path& switch_program = {}) {
  act::toplevel_spec s;
  s.host_name = "demo";
  s.state_version = "0.1";
  s.label = fmt::format("gen{}", gen);
  s.switch_program = switch_program;
  int port = gen == 1 ? 2222 : 2223;
  std::string hello_conf = gen == 1 ? "greeting=hello\n" : "greeting=hej\n";
  s.etc = {
      {.target = "motd", .text = fmt::format("cairn demo, generation {}\n", gen), .replace = true},  // Debian has one
      {.target = "cairn/hello.conf", .text = hello_conf},
      {.target = "cairn/secret.conf", .text = fmt::format("token=secret-{}\n", gen), .mode = "0640", .user = "root", .group = "cairn-svc"},
      {.target = "ssh/sshd_config", .text = sshd_config(port), .replace = true},
      {.target = fmt::format("cairn/only-in-{}", gen), .text = "x\n"},
  };
  auto service = [](const std::string& extra_unit, const std::string& extra_service) {
    return fmt::format("[Unit]\nDescription=cairn demo\n{}\n[Service]\nExecStart=/bin/sleep infinity\n{}\n[Install]\nWantedBy=multi-user.target\n",
                       extra_unit, extra_service);
  };
  s.units = {
      // Reload trigger follows hello.conf: generation 2 reloads it.
      {.name = "cairn-hello.service",
       .text = service("X-Reload-Triggers=" + fake_hash(hello_conf), "ExecReload=/bin/sh -c 'echo reloaded >> /run/cairn-hello.reloads'"),
       .wanted_by = {"multi-user.target"}},
      // Restarted in place (X-StopIfChanged=false) when its trigger changes.
      {.name = "cairn-restart.service",
       .text = service(fmt::format("X-Restart-Triggers=v{}", gen), "X-StopIfChanged=false"),
       .wanted_by = {"multi-user.target"}},
      // Changed but must not be restarted.
      {.name = "cairn-keep.service",
       .text = service(fmt::format("X-Restart-Triggers=v{}", gen), "X-RestartIfChanged=false"),
       .wanted_by = {"multi-user.target"}},
      // Stopped and started around activation (ng's default for a changed service).
      {.name = "cairn-stopstart.service",
       .text = service(fmt::format("X-Restart-Triggers=v{}", gen), ""),
       .wanted_by = {"multi-user.target"}},
  };
  if (gen == 1) s.units.push_back({.name = "cairn-old.service", .text = service("", ""), .wanted_by = {"multi-user.target"}});
  else s.units.push_back({.name = "cairn-new.service", .text = service("", ""), .wanted_by = {"multi-user.target"}});
  // Debian's ssh.service, restarted when our sshd_config changes.
  s.drop_ins = {{.unit = "ssh.service", .name = "cairn.conf", .text = fmt::format("[Unit]\nX-Restart-Triggers={}\n", fake_hash(sshd_config(port)))}};

  s.users.groups = {{.name = "cairn-svc"}};
  s.users.users = {
      {.name = "alice", .extra_groups = {"cairn-svc"}, .description = "Alice", .home = "/home/alice", .create_home = true,
       .shell = "/bin/bash", .hashed_password = "$6$saltsalt$0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJ"},
      {.name = "cairn-daemon", .group = "cairn-svc", .is_system_user = true},
  };
  s.users.users.push_back({.name = gen == 1 ? "bob" : "carol", .home = "/var/empty"});
  s.activation_scripts = {
      {.name = "b-record", .deps = {"a-prepare"},
       .text = "echo b >> \"$CAIRN_ROOT/var/lib/cairn-demo/order\"; echo \"$systemConfig\" > \"$CAIRN_ROOT/var/lib/cairn-demo/last\""},
      {.name = "a-prepare", .text = "mkdir -p \"$CAIRN_ROOT/var/lib/cairn-demo\"; echo a > \"$CAIRN_ROOT/var/lib/cairn-demo/order\""},
  };
  return s;
}

}  // namespace cairn_test
