#pragma once
// Runs a builder program in a fresh process: scrubbed environment, the build directory as its
// working directory, and, where the kernel allows (root, or unprivileged user namespaces),
// private mount/network/IPC/UTS namespaces with a chroot that holds only the sandbox paths,
// /dev basics, the build directory at /build and the declared inputs (read-only) in the store.
#include <cairn/store/detail/fs.hpp>
#include <cairn/store/detail/io.hpp>
#include <cairn/store/error.hpp>

#include <fmt/format.h>

#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <grp.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>

namespace cairn::store::detail {

struct sandbox_spec {
  std::string builder;
  std::vector<std::string> args;
  std::map<std::string, std::string> env;
  std::filesystem::path build_top;    ///< physical scratch directory (becomes /build in a chroot)
  std::filesystem::path chroot_dir;   ///< physical directory to assemble the chroot in
  std::string store_dir;              ///< logical store directory
  std::vector<std::pair<std::string, std::filesystem::path>> inputs;  ///< logical, physical
  std::vector<std::string> sandbox_paths;
  bool private_network = true;
  bool use_namespaces = true;
  bool logical_is_physical = true;    ///< the store root is "/": no chroot needed to see logical paths
  int log_fd = -1;
};

struct sandbox_result {
  int exit_status = 0;      ///< as from waitpid
  std::string isolation;    ///< what was applied, in words
  bool chrooted = false;    ///< the output is inside chroot_dir
};

inline constexpr uid_t sandbox_uid = 65534;  // nobody
inline constexpr gid_t sandbox_gid = 65534;  // nogroup

namespace sandbox_child {

[[noreturn]] inline void die(int status_fd, const std::string& what) {
  const std::string msg = "\nE" + what + ": " + std::strerror(errno) + "\n";
  (void)::write(status_fd, msg.data(), msg.size());
  ::_exit(1);
}

inline void mkdir_p(const std::string& p, int sfd) {
  for (std::size_t i = 1; i <= p.size(); ++i)
    if (i == p.size() || p[i] == '/')
      if (::mkdir(p.substr(0, i).c_str(), 0755) != 0 && errno != EEXIST) die(sfd, "cannot create '" + p.substr(0, i) + "'");
}

/// Bind-mounts `from` at `to` (created as a directory or an empty file), read-only if asked.
inline void bind_mount(const std::string& from, const std::string& to, bool read_only, int sfd) {
  struct stat st {};
  if (::stat(from.c_str(), &st) != 0) die(sfd, "cannot stat '" + from + "'");
  if (S_ISDIR(st.st_mode)) {
    mkdir_p(to, sfd);
  } else {
    mkdir_p(to.substr(0, to.rfind('/')), sfd);
    const int f = ::open(to.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (f < 0) die(sfd, "cannot create '" + to + "'");
    ::close(f);
  }
  if (::mount(from.c_str(), to.c_str(), nullptr, MS_BIND | MS_REC, nullptr) != 0) die(sfd, "cannot bind-mount '" + from + "'");
  if (read_only && ::mount(nullptr, to.c_str(), nullptr, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_REC, nullptr) != 0)
    die(sfd, "cannot make '" + to + "' read-only");
}

inline void write_text(const std::string& p, const std::string& text, int sfd) {
  const int f = ::open(p.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (f < 0 || ::write(f, text.data(), text.size()) != static_cast<ssize_t>(text.size())) die(sfd, "cannot write '" + p + "'");
  ::close(f);
}

inline void loopback_up() {
  const int s = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) return;
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
  if (::ioctl(s, SIOCGIFFLAGS, &ifr) == 0) {
    ifr.ifr_flags |= IFF_UP;
    (void)::ioctl(s, SIOCSIFFLAGS, &ifr);
  }
  ::close(s);
}

}  // namespace sandbox_child

/// Forks, isolates and execs the builder; waits for it. stdout and stderr go to spec.log_fd.
inline sandbox_result run_in_sandbox(const sandbox_spec& spec) {
  // Everything the child needs is prepared before fork().
  std::vector<std::string> argv_s{spec.builder};
  argv_s.insert(argv_s.end(), spec.args.begin(), spec.args.end());
  // The build directory is /build inside a chroot, its physical path otherwise.
  auto make_env = [&](const std::string& top) {
    auto env = spec.env;
    for (const auto* k : {"NIX_BUILD_TOP", "TMPDIR", "TEMPDIR", "TMP", "TEMP", "PWD"}) env[k] = top;
    std::vector<std::string> out;
    for (const auto& [k, v] : env) out.push_back(k + "=" + v);
    return out;
  };
  auto envp_chroot_s = make_env("/build"), envp_plain_s = make_env(spec.build_top.native());
  std::vector<char*> argv, envp_chroot, envp_plain;
  for (auto& s : argv_s) argv.push_back(s.data());
  argv.push_back(nullptr);
  for (auto& s : envp_chroot_s) envp_chroot.push_back(s.data());
  envp_chroot.push_back(nullptr);
  for (auto& s : envp_plain_s) envp_plain.push_back(s.data());
  envp_plain.push_back(nullptr);
  const bool is_root = ::geteuid() == 0;
  const uid_t uid = ::geteuid();
  const gid_t gid = ::getegid();
  const std::string chroot = spec.chroot_dir.native();
  std::vector<std::string> sandbox_paths;
  for (const auto& p : spec.sandbox_paths)
    if (::access(p.c_str(), F_OK) == 0) sandbox_paths.push_back(p);
  std::string bound;
  for (const auto& p : sandbox_paths) bound += (bound.empty() ? "" : " ") + p;

  int status_pipe[2];
  if (::pipe2(status_pipe, O_CLOEXEC) != 0) throw_sys("cannot create a pipe for", spec.builder);
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) throw_sys("cannot fork to run", spec.builder);
  if (pid == 0) {
    using namespace sandbox_child;
    const int sfd = status_pipe[1];
    ::close(status_pipe[0]);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(1);
    ::setpgid(0, 0);
    const int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull < 0 || ::dup2(devnull, 0) < 0 || ::dup2(spec.log_fd, 1) < 0 || ::dup2(spec.log_fd, 2) < 0)
      die(sfd, "cannot set up the builder's standard streams");
    std::string isolation;
    bool chrooted = false;
    if (spec.use_namespaces) {
      const int ns = CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | (spec.private_network ? CLONE_NEWNET : 0);
      bool user_ns = false;
      bool ok = ::unshare(ns) == 0;
      if (!ok && !is_root) {
        ok = ::unshare(ns | CLONE_NEWUSER) == 0;
        if (ok) {
          user_ns = true;
          write_text("/proc/self/setgroups", "deny", sfd);
          write_text("/proc/self/uid_map", fmt::format("0 {} 1", uid), sfd);
          write_text("/proc/self/gid_map", fmt::format("0 {} 1", gid), sfd);
        }
      }
      if (ok) {
        // Nothing mounted from here on may reach the parent's namespace.
        if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) die(sfd, "cannot make mounts private");
        mkdir_p(chroot, sfd);
        bind_mount(spec.build_top.native(), chroot + "/build", false, sfd);
        for (const auto& p : sandbox_paths) bind_mount(p, chroot + p, true, sfd);
        for (const char* dev : {"/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom"})
          bind_mount(dev, chroot + dev, false, sfd);
        mkdir_p(chroot + "/etc", sfd);
        if (::access((chroot + "/etc/passwd").c_str(), F_OK) != 0) {
          write_text(chroot + "/etc/passwd",
                     "root:x:0:0:Build user:/build:/noshell\nnobody:x:65534:65534:Nobody:/:/noshell\n", sfd);
          write_text(chroot + "/etc/group", "root:x:0:\nnogroup:x:65534:\n", sfd);
          write_text(chroot + "/etc/hosts", "127.0.0.1 localhost\n::1 localhost\n", sfd);
        }
        mkdir_p(chroot + "/tmp", sfd);
        ::chmod((chroot + "/tmp").c_str(), 01777);
        const std::string store = chroot + spec.store_dir;
        mkdir_p(store, sfd);
        for (const auto& [logical, physical] : spec.inputs) {
          struct stat st {};
          if (::lstat(physical.c_str(), &st) != 0) die(sfd, "cannot stat input '" + physical.native() + "'");
          if (S_ISLNK(st.st_mode)) {
            char target[4096];
            const auto n = ::readlink(physical.c_str(), target, sizeof target);
            if (n < 0 || ::symlink(std::string(target, static_cast<std::size_t>(n)).c_str(), (chroot + logical).c_str()) != 0)
              die(sfd, "cannot copy the input symlink '" + logical + "'");
          } else {
            bind_mount(physical.native(), chroot + logical, true, sfd);
          }
        }
        if (is_root && !user_ns) {
          if (::chown(store.c_str(), sandbox_uid, sandbox_gid) != 0) die(sfd, "cannot hand the store directory to the builder");
        }
        if (::chroot(chroot.c_str()) != 0 || ::chdir("/build") != 0) die(sfd, "cannot enter the chroot");
        (void)::sethostname("localhost", 9);
        if (spec.private_network) loopback_up();
        chrooted = true;
        isolation = fmt::format("private mount, {}IPC and UTS namespaces{}; chroot with {} and the inputs read-only",
                                spec.private_network ? "network, " : "", user_ns ? " in a user namespace" : "",
                                bound.empty() ? "no host paths" : bound);
        if (is_root && !user_ns) {
          if (::setgroups(0, nullptr) != 0 || ::setgid(sandbox_gid) != 0 || ::setuid(sandbox_uid) != 0)
            die(sfd, "cannot drop privileges");
          isolation += fmt::format("; builder runs as uid {}", sandbox_uid);
        }
      } else {
        isolation = fmt::format("none: namespaces are not available ({})", std::strerror(errno));
      }
    } else {
      isolation = "none: sandboxing is disabled";
    }
    if (!chrooted) {
      if (!spec.logical_is_physical) {
        errno = EPERM;
        die(sfd, "cannot build without a mount namespace when the store root is not '/' (" + isolation + ")");
      }
      if (::chdir(spec.build_top.c_str()) != 0) die(sfd, "cannot enter the build directory");
    }
    const std::string msg = (chrooted ? "C" : "N") + isolation + "\n";
    (void)::write(sfd, msg.data(), msg.size());
    ::execve(spec.builder.c_str(), argv.data(), chrooted ? envp_chroot.data() : envp_plain.data());
    die(sfd, "cannot execute the builder '" + spec.builder + "'");
  }
  ::close(status_pipe[1]);
  std::string status;
  char buf[4096];
  for (;;) {
    const auto n = ::read(status_pipe[0], buf, sizeof buf);
    if (n > 0) {
      status.append(buf, static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    break;
  }
  ::close(status_pipe[0]);
  int ws = 0;
  while (::waitpid(pid, &ws, 0) < 0 && errno == EINTR) {
  }
  // The builder may have left children in its process group: end them.
  ::kill(-pid, SIGKILL);
  // Lines from the child: "C<isolation>" or "N<isolation>", then "E<message>" if it failed
  // before or at exec.
  sandbox_result r;
  bool started = false;
  for (std::size_t a = 0; a < status.size();) {
    const auto b = std::min(status.find('\n', a), status.size());
    const auto line = status.substr(a, b - a);
    a = b + 1;
    if (line.empty()) continue;
    if (line[0] == 'E') throw build_error(line.substr(1));
    started = true;
    r.chrooted = line[0] == 'C';
    r.isolation = line.substr(1);
  }
  if (!started) throw build_error(fmt::format("the builder '{}' did not start", spec.builder));
  r.exit_status = ws;
  return r;
}

}  // namespace cairn::store::detail
