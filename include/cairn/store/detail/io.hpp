#pragma once
// Byte streams and file descriptors: the plumbing under NAR, hashing and compression.
#include <cairn/store/error.hpp>

#include <fmt/format.h>

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include <fcntl.h>
#include <unistd.h>

namespace cairn::store {

/// A non-owning reference to anything callable as `void(std::string_view)`: where bytes go.
class sink_ref {
 public:
  template <class F>
    requires(!std::is_same_v<std::remove_cvref_t<F>, sink_ref> && std::is_invocable_v<F&, std::string_view>)
  sink_ref(F& f) noexcept  // NOLINT: implicit on purpose, like std::function_ref
      : obj_(static_cast<void*>(&f)), call_([](void* o, std::string_view d) { (*static_cast<F*>(o))(d); }) {}
  void operator()(std::string_view data) const { call_(obj_, data); }

 private:
  void* obj_;
  void (*call_)(void*, std::string_view);
};

/// A non-owning reference to anything callable as `std::size_t(char* buf, std::size_t len)`:
/// where bytes come from. Returns how many bytes it wrote into buf; 0 means end of stream.
class source_ref {
 public:
  template <class F>
    requires(!std::is_same_v<std::remove_cvref_t<F>, source_ref> &&
             std::is_invocable_r_v<std::size_t, F&, char*, std::size_t>)
  source_ref(F& f) noexcept  // NOLINT: implicit on purpose
      : obj_(static_cast<void*>(&f)),
        call_([](void* o, char* b, std::size_t n) -> std::size_t { return (*static_cast<F*>(o))(b, n); }) {}
  std::size_t operator()(char* buf, std::size_t len) const { return call_(obj_, buf, len); }

 private:
  void* obj_;
  std::size_t (*call_)(void*, char*, std::size_t);
};

/// A source over bytes in memory.
struct string_source {
  std::string_view data;
  std::size_t operator()(char* buf, std::size_t len) {
    const auto n = std::min(len, data.size());
    std::memcpy(buf, data.data(), n);
    data.remove_prefix(n);
    return n;
  }
};

/// A sink that appends to a string.
struct string_sink {
  std::string& out;
  void operator()(std::string_view d) { out.append(d); }
};

namespace detail {

/// "what 'where': strerror(errno)".
inline std::string sys_message(std::string_view what, std::string_view where, int err = errno) {
  return fmt::format("{} '{}': {}", what, where, std::strerror(err));
}

[[noreturn]] inline void throw_sys(std::string_view what, std::string_view where, int err = errno) {
  throw store_error(sys_message(what, where, err));
}

/// An owned file descriptor.
class fd {
 public:
  fd() = default;
  explicit fd(int f) noexcept : fd_(f) {}
  fd(fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  fd& operator=(fd&& o) noexcept {
    if (this != &o) {
      reset();
      fd_ = std::exchange(o.fd_, -1);
    }
    return *this;
  }
  ~fd() { reset(); }
  int get() const noexcept { return fd_; }
  explicit operator bool() const noexcept { return fd_ >= 0; }
  int release() noexcept { return std::exchange(fd_, -1); }
  void reset() noexcept {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

/// Writes all of data to f; `where` names the file in the error (ENOSPC included).
inline void write_all(int f, std::string_view data, std::string_view where) {
  while (!data.empty()) {
    const auto n = ::write(f, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_sys("cannot write to", where);
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
}

/// Reads up to len bytes (fewer only at end of file).
inline std::size_t read_some(int f, char* buf, std::size_t len, std::string_view where) {
  std::size_t got = 0;
  while (got < len) {
    const auto n = ::read(f, buf + got, len - got);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_sys("cannot read", where);
    }
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  return got;
}

/// A sink writing to a file descriptor.
struct fd_sink {
  int f;
  std::string_view where;
  void operator()(std::string_view d) const { write_all(f, d, where); }
};

/// A source reading from a file descriptor.
struct fd_source {
  int f;
  std::string_view where;
  std::size_t operator()(char* buf, std::size_t len) const {
    for (;;) {
      const auto n = ::read(f, buf, len);
      if (n >= 0) return static_cast<std::size_t>(n);
      if (errno != EINTR) throw_sys("cannot read", where);
    }
  }
};

}  // namespace detail
}  // namespace cairn::store
