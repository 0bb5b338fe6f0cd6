// File-system primitives of activation: every change is write-new-then-rename, paths are logical
// (as seen from inside the target root) and mapped under the root, and the fault-injection hooks
// the crash tests use live here.
#pragma once

#include <cairn/activation/error.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

namespace cairn::activation::detail {

namespace fs = std::filesystem;

[[noreturn]] inline void throw_sys(std::string_view op, const fs::path& path, int err = errno) {
  throw error(fmt::format("cannot {} {}: {}", op, path.string(), std::strerror(err)));
}

// ---- fault injection (read from the environment only when a test sets it) --------------------

struct fault_hooks {
  long crash_at = -1;       // CAIRN_TEST_CRASH_AT_STEP=K: SIGKILL ourselves at the K-th step (1-based)
  std::string crash_at_name;  // CAIRN_TEST_CRASH_AT_STEP=NAME: ... at the first step of that name
  long fail_write_at = -1;  // CAIRN_TEST_FAIL_WRITE_AT=K: the K-th write fails with ENOSPC
  bool trace = false;       // CAIRN_TEST_TRACE_STEPS=1: print every step name to stderr
  long steps = 0;
  long writes = 0;
};

inline fault_hooks& hooks() {
  static fault_hooks h = [] {
    fault_hooks f;
    if (const char* s = std::getenv("CAIRN_TEST_CRASH_AT_STEP")) {
      if (*s >= '0' && *s <= '9') f.crash_at = std::atol(s);
      else f.crash_at_name = s;
    }
    if (const char* s = std::getenv("CAIRN_TEST_FAIL_WRITE_AT")) f.fail_write_at = std::atol(s);
    if (const char* s = std::getenv("CAIRN_TEST_TRACE_STEPS")) f.trace = *s == '1';
    return f;
  }();
  return h;
}

// A point at which a crash must leave the root recoverable. Counted in execution order.
inline void crash_point(std::string_view what) {
  auto& h = hooks();
  ++h.steps;
  if (h.trace) fmt::print(stderr, "cairn-test: step {} {}\n", h.steps, what);
  if (h.crash_at == h.steps || (!h.crash_at_name.empty() && h.crash_at_name == what)) {
    fmt::print(stderr, "cairn-test: killing myself at step {} ({})\n", h.steps, what);
    std::fflush(stderr);
    ::kill(::getpid(), SIGKILL);
  }
}

inline void write_point(const fs::path& path) {
  auto& h = hooks();
  if (++h.writes == h.fail_write_at) throw_sys("write", path, ENOSPC);
}

inline std::vector<std::string> split(std::string_view s, char sep) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (;;) {
    auto pos = s.find(sep, start);
    out.emplace_back(s.substr(start, pos == std::string_view::npos ? std::string_view::npos : pos - start));
    if (pos == std::string_view::npos) break;
    start = pos + 1;
  }
  return out;
}

inline std::string join(const std::vector<std::string>& v, std::string_view sep) {
  std::string out;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i) out += sep;
    out += v[i];
  }
  return out;
}

// ---- paths -----------------------------------------------------------------------------------

// A logical absolute path ("/etc/passwd") as a real path under root.
inline fs::path under(const fs::path& root, std::string_view logical) {
  fs::path l(logical);
  return l.is_absolute() ? root / l.relative_path() : root / l;
}

// Follow symlinks as if root were "/" (chroot semantics, no escape above root); returns the real
// path (which need not exist). Used to read store paths and the profile through logical links.
inline fs::path resolve_in_root(const fs::path& root, std::string_view logical, int max_links = 40) {
  std::vector<std::string> todo;
  for (auto& c : fs::path(logical).relative_path()) todo.push_back(c.string());
  std::reverse(todo.begin(), todo.end());
  std::vector<std::string> done;
  while (!todo.empty()) {
    std::string c = std::move(todo.back());
    todo.pop_back();
    if (c.empty() || c == ".") continue;
    if (c == "..") {
      if (!done.empty()) done.pop_back();
      continue;
    }
    fs::path real = root;
    for (auto& d : done) real /= d;
    real /= c;
    char buf[4096];
    ssize_t n = ::readlink(real.c_str(), buf, sizeof buf);
    if (n < 0) {
      done.push_back(std::move(c));
      continue;
    }
    if (--max_links < 0) throw error(fmt::format("too many levels of symbolic links resolving {} under {}", logical, root.string()));
    fs::path target(std::string(buf, static_cast<std::size_t>(n)));
    if (target.is_absolute()) done.clear();
    std::vector<std::string> parts;
    for (auto& p : target.relative_path()) parts.push_back(p.string());
    for (auto it = parts.rbegin(); it != parts.rend(); ++it) todo.push_back(*it);
  }
  fs::path out = root;
  for (auto& d : done) out /= d;
  return out;
}

// ---- reading ---------------------------------------------------------------------------------

inline std::optional<std::string> read_file_if_exists(const fs::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT || errno == ENOTDIR) return std::nullopt;
    throw_sys("open", path);
  }
  std::string out;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      int e = errno;
      ::close(fd);
      throw_sys("read", path, e);
    }
    if (n == 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return out;
}

inline std::string read_file(const fs::path& path) {
  auto s = read_file_if_exists(path);
  if (!s) throw error(fmt::format("cannot read {}: No such file or directory", path.string()));
  return *s;
}

inline std::optional<std::string> read_link(const fs::path& path) {
  char buf[4096];
  ssize_t n = ::readlink(path.c_str(), buf, sizeof buf);
  if (n < 0) {
    if (errno == ENOENT || errno == EINVAL || errno == ENOTDIR) return std::nullopt;
    throw_sys("read link", path);
  }
  return std::string(buf, static_cast<std::size_t>(n));
}

inline bool lexists(const fs::path& p) {
  struct stat st;
  return ::lstat(p.c_str(), &st) == 0;
}

// ---- writing ---------------------------------------------------------------------------------

inline void fsync_dir(const fs::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

inline void sync_filesystem(const fs::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    ::syncfs(fd);
    ::close(fd);
  }
}

inline void make_dirs(const fs::path& dir, mode_t mode = 0755) {
  if (dir.empty()) return;
  struct stat st;
  if (::stat(dir.c_str(), &st) == 0) {
    if (!S_ISDIR(st.st_mode)) throw error(fmt::format("{} is in the way: expected a directory", dir.string()));
    return;
  }
  make_dirs(dir.parent_path(), mode);
  write_point(dir);
  if (::mkdir(dir.c_str(), mode) != 0 && errno != EEXIST) throw_sys("create directory", dir);
}

inline fs::path temp_sibling(const fs::path& path) {
  return path.parent_path() / fmt::format(".{}.cairn-tmp-{}", path.filename().string(), ::getpid());
}

struct write_options {
  mode_t mode = 0644;
  std::optional<uid_t> uid = std::nullopt;
  std::optional<gid_t> gid = std::nullopt;
  bool sync = false;  // fsync the file before it replaces the old one (passwd, journal): never a torn file after power loss
};

// Writes path atomically: a temporary sibling is written, owned, moded, then renamed over path.
inline void write_file_atomic(const fs::path& path, std::string_view data, const write_options& o = {}) {
  fs::path tmp = temp_sibling(path);
  write_point(path);
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) throw_sys("create", tmp);
  auto fail = [&](std::string_view op, int e) {
    ::close(fd);
    ::unlink(tmp.c_str());
    throw_sys(op, path, e);
  };
  std::size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail("write", errno);
    }
    off += static_cast<std::size_t>(n);
  }
  if ((o.uid || o.gid) && ::fchown(fd, o.uid ? *o.uid : static_cast<uid_t>(-1), o.gid ? *o.gid : static_cast<gid_t>(-1)) != 0)
    fail("change the owner of", errno);
  if (::fchmod(fd, o.mode) != 0) fail("change the mode of", errno);
  if (o.sync && ::fsync(fd) != 0) fail("sync", errno);
  if (::close(fd) != 0) {
    int e = errno;
    ::unlink(tmp.c_str());
    throw_sys("write", path, e);
  }
  crash_point("write: new file ready");
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int e = errno;
    ::unlink(tmp.c_str());
    throw_sys("rename into place", path, e);
  }
}

// Points link at target atomically (a new link beside it, then rename), as Nix's replaceSymlink.
// Does nothing when link already points there.
inline void atomic_symlink(const std::string& target, const fs::path& link) {
  if (auto cur = read_link(link); cur && *cur == target) return;
  fs::path tmp = temp_sibling(link);
  write_point(link);
  ::unlink(tmp.c_str());
  if (::symlink(target.c_str(), tmp.c_str()) != 0) throw_sys("create symlink", tmp);
  crash_point("link: new link ready");
  if (::rename(tmp.c_str(), link.c_str()) != 0) {
    int e = errno;
    ::unlink(tmp.c_str());
    if (e == EISDIR) throw error(fmt::format("{} is in the way: a directory where a symlink should go", link.string()));
    throw_sys("rename into place", link, e);
  }
}

// Removes what an interrupted write_file_atomic/atomic_symlink left behind in dir (recursively).
inline void remove_stale_temporaries(const fs::path& dir, bool recursive) {
  std::error_code ec;
  auto stale = [](const fs::path& p) {
    auto n = p.filename().string();
    return n.starts_with(".") && n.find(".cairn-tmp-") != std::string::npos;
  };
  if (!fs::is_directory(dir, ec)) return;
  if (recursive) {
    for (auto it = fs::recursive_directory_iterator(dir, fs::directory_options::skip_permission_denied, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec))
      if (stale(it->path())) ::unlink(it->path().c_str());
  } else {
    for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator(); it.increment(ec))
      if (stale(it->path())) ::unlink(it->path().c_str());
  }
}

// Removes a file or symlink; a missing one is not an error (steps are idempotent).
inline bool remove_file(const fs::path& path) {
  if (::unlink(path.c_str()) == 0) return true;
  if (errno == ENOENT) return false;
  throw_sys("remove", path);
}

// Removes now-empty directories from dir upwards, stopping at stop (exclusive) or at the first
// directory that is not empty.
inline void prune_empty_dirs(fs::path dir, const fs::path& stop) {
  while (dir != stop && dir.string().size() > stop.string().size()) {
    if (::rmdir(dir.c_str()) != 0) return;
    dir = dir.parent_path();
  }
}

}  // namespace cairn::activation::detail
