// The activation lock of a root: ROOT/cairn/var/activation/lock, an flock held for the whole
// activation. A second activation waits up to a timeout, then fails naming the holder.
#pragma once

#include <cairn/activation/detail/fs.hpp>
#include <cairn/activation/error.hpp>

#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

namespace cairn::activation {

namespace fs = std::filesystem;

inline fs::path state_dir(const fs::path& root) { return root / "cairn/var/activation"; }

// RAII: holds the root's activation lock until destroyed.
//   activation_lock lock(root, std::chrono::seconds(30));   // throws activation::error on timeout
class activation_lock {
 public:
  // `dir` holds the lock file: the root's activation state unless given (a home's is its own).
  activation_lock(const fs::path& root, std::chrono::milliseconds timeout, fs::path dir = {}) {
    if (dir.empty()) dir = state_dir(root);
    detail::make_dirs(dir);
    path_ = dir / "lock";
    fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) detail::throw_sys("open the activation lock", path_);
    auto deadline = std::chrono::steady_clock::now() + timeout;
    bool told = false;
    while (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      if (errno != EWOULDBLOCK && errno != EINTR) {
        int e = errno;
        ::close(fd_);
        detail::throw_sys("lock", path_, e);
      }
      std::string holder = holder_text();
      if (std::chrono::steady_clock::now() >= deadline) {
        ::close(fd_);
        throw error(fmt::format("another activation is running on {} ({}); gave up after waiting {} s for {}",
                                root.string(), holder, std::chrono::duration_cast<std::chrono::seconds>(timeout).count(), path_.string()));
      }
      if (!told) {
        fmt::print(stderr, "waiting for another activation on {} to finish ({})...\n", root.string(), holder);
        told = true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    std::string me = fmt::format("pid {}\n", ::getpid());
    if (::ftruncate(fd_, 0) == 0) (void)!::pwrite(fd_, me.data(), me.size(), 0);
  }
  activation_lock(const activation_lock&) = delete;
  activation_lock& operator=(const activation_lock&) = delete;
  ~activation_lock() {
    if (fd_ >= 0) {
      (void)!::ftruncate(fd_, 0);
      ::close(fd_);  // releases the flock
    }
  }

 private:
  std::string holder_text() const {
    auto s = detail::read_file_if_exists(path_).value_or("");
    while (!s.empty() && s.back() == '\n') s.pop_back();
    return s.empty() ? "holder unknown" : "held by " + s;
  }
  fs::path path_;
  int fd_ = -1;
};

}  // namespace cairn::activation
