// Test support: temporary roots, running the driver, snapshots of a root's observable state.
#pragma once

#include "demo.hpp"

#include <cairn/activation.hpp>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

namespace cairn_test {

namespace fs = std::filesystem;

// A temporary directory under /tmp, removed when the test ends.
struct temp_dir {
  fs::path path;
  temp_dir() {
    std::string tmpl = (fs::temp_directory_path() / "cairn-activation-XXXXXX").string();
    path = ::mkdtemp(tmpl.data());
  }
  ~temp_dir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
};

struct run_result {
  int exit_code = -1;  // -1 when killed
  int signal = 0;
  std::string output;  // stdout and stderr
};

// Runs a program with args (and env added), collecting its stdout and stderr together.
inline run_result run_program(const std::string& program, const std::vector<std::string>& args,
                              const std::map<std::string, std::string>& env = {}) {
  int fds[2];
  if (::pipe(fds) != 0) throw std::runtime_error("pipe");
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(fds[1], 1);
    ::dup2(fds[1], 2);
    ::close(fds[0]);
    ::close(fds[1]);
    for (auto& [k, v] : env) ::setenv(k.c_str(), v.c_str(), 1);
    std::vector<char*> argv;
    std::string prog = program;
    argv.push_back(prog.data());
    std::vector<std::string> copy = args;
    for (auto& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(fds[1]);
  run_result r;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fds[0], buf, sizeof buf)) > 0) r.output.append(buf, static_cast<std::size_t>(n));
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  else r.signal = WTERMSIG(status);
  return r;
}

#ifdef CAIRN_ACTIVATE_DRIVER
inline run_result run_driver(const std::vector<std::string>& args, const std::map<std::string, std::string>& env = {}) {
  return run_program(CAIRN_ACTIVATE_DRIVER, args, env);
}
#endif

inline std::string slurp(const fs::path& p) {
  auto s = cairn::activation::detail::read_file_if_exists(p);
  return s.value_or("<missing>");
}

inline std::string link_of(const fs::path& p) {
  return cairn::activation::detail::read_link(p).value_or("<not a link>");
}

inline struct stat stat_of(const fs::path& p) {
  struct stat st{};
  ::lstat(p.c_str(), &st);
  return st;
}

// Everything observable about a root outside the store: type, mode, owner, contents or link
// target of every file, except the lock and the users.json id map (ids never shrink by design).
inline std::map<std::string, std::string> snapshot(const fs::path& root) {
  std::map<std::string, std::string> out;
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator(); ++it) {
    std::string rel = it->path().lexically_relative(root).string();  // fs::relative would follow links
    if (rel == "cairn/store" || rel.starts_with("cairn/store/")) {
      if (it->is_directory() && !it->is_symlink()) it.disable_recursion_pending();
      continue;
    }
    if (rel == "cairn/var/activation/lock" || rel == "cairn/var/activation/users.json" || rel == "cairn/var/managed" ||
        rel == "cairn/var/activation")
      continue;
    struct stat st = stat_of(it->path());
    std::string v = fmt::format("{:o} {}:{} ", st.st_mode, st.st_uid, st.st_gid);
    if (S_ISLNK(st.st_mode)) v += "-> " + link_of(it->path());
    else if (S_ISREG(st.st_mode)) v += slurp(it->path());
    out[rel] = v;
  }
  return out;
}

inline std::string describe_difference(const std::map<std::string, std::string>& a, const std::map<std::string, std::string>& b) {
  std::string out;
  for (auto& [k, v] : a) {
    auto it = b.find(k);
    if (it == b.end()) out += fmt::format("  only in first: {}\n", k);
    else if (it->second != v) out += fmt::format("  differs: {}\n    {}\n    {}\n", k, v.substr(0, 200), it->second.substr(0, 200));
  }
  for (auto& [k, v] : b)
    if (!a.contains(k)) out += fmt::format("  only in second: {}\n", k);
  return out;
}

// The message of the activation::error f throws.
inline std::string error_of(auto&& f) {
  try {
    f();
  } catch (const cairn::activation::error& e) {
    return e.what();
  }
  return "<no error>";
}

inline bool contains(const std::string& hay, const std::string& needle) { return hay.find(needle) != std::string::npos; }

// A root with a small Debian-like /etc: accounts cairn does not manage, and an sshd_config.
inline void seed_debian_like(const fs::path& root) {
  using cairn::activation::detail::make_dirs;
  using cairn::activation::detail::write_file_atomic;
  make_dirs(root / "etc/ssh");
  write_file_atomic(root / "etc/passwd",
                    "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
                    "sshd:x:100:65534::/run/sshd:/usr/sbin/nologin\n", {.mode = 0644});
  write_file_atomic(root / "etc/group", "root:x:0:\ndaemon:x:1:\nshadow:x:42:\nusers:x:100:\nsudo:x:27:\n", {.mode = 0644});
  write_file_atomic(root / "etc/shadow", "root:*:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\nsshd:*:19000:0:99999:7:::\n", {.mode = 0640, .gid = 42});
  write_file_atomic(root / "etc/gshadow", "root:*::\ndaemon:*::\nshadow:*::\nusers:*::\nsudo:*::\n", {.mode = 0640, .gid = 42});
  write_file_atomic(root / "etc/ssh/sshd_config", "# Debian's own\nPort 22\n", {.mode = 0644});
  write_file_atomic(root / "etc/hostname", "debian\n", {.mode = 0644});
}

}  // namespace cairn_test
