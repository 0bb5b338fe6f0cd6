#pragma once
// Advisory file locks (flock). A path lock's file is deleted when released; a waiter that
// got a lock on a file someone just deleted notices (link count 0) and tries again, as Nix's
// PathLocks does.
#include <cairn/store/detail/io.hpp>

#include <filesystem>
#include <string>

#include <sys/file.h>
#include <sys/stat.h>

namespace cairn::store::detail {

class file_lock {
 public:
  file_lock() = default;
  /// Locks `file` (created if missing): exclusive or shared; blocking unless `wait` is false, in
  /// which case the lock may come back unheld (check held()).
  file_lock(const std::filesystem::path& file, bool exclusive, bool wait = true, bool delete_on_release = false)
      : file_(file), delete_(delete_on_release) {
    for (;;) {
      fd f(::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
      if (!f) throw_sys("cannot open lock file", file.native());
      int rc;
      while ((rc = ::flock(f.get(), (exclusive ? LOCK_EX : LOCK_SH) | (wait ? 0 : LOCK_NB))) != 0 && errno == EINTR) {
      }
      if (rc != 0) {
        if (errno == EWOULDBLOCK) return;
        throw_sys("cannot lock", file.native());
      }
      struct stat st {};
      if (::fstat(f.get(), &st) != 0) throw_sys("cannot stat", file.native());
      if (st.st_nlink == 0) continue;  // deleted by the previous holder: lock the new one
      fd_ = std::move(f);
      return;
    }
  }
  file_lock(file_lock&&) noexcept = default;
  file_lock& operator=(file_lock&& o) noexcept {
    release();
    fd_ = std::move(o.fd_);
    file_ = std::move(o.file_);
    delete_ = o.delete_;
    return *this;
  }
  ~file_lock() { release(); }
  bool held() const { return static_cast<bool>(fd_); }
  int get() const { return fd_.get(); }
  void release() {
    if (!fd_) return;
    if (delete_) ::unlink(file_.c_str());  // while still holding it: waiters see nlink 0
    fd_.reset();
  }

 private:
  fd fd_;
  std::filesystem::path file_;
  bool delete_ = false;
};

}  // namespace cairn::store::detail
