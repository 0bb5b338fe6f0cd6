#pragma once
// Byte streams for the age library: a `source` to read from, a `sink` to write to, with
// implementations over file descriptors and memory. Encryption and decryption pull and push
// through these in 64 KiB chunks, so files of any size use bounded memory.
//
//   age::fd_source in(0, "standard input");
//   age::string_sink out;                       // or fd_sink, or your own sink
//   age::decrypt(in, out, identities);

#include <cairn/age/error.hpp>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <unistd.h>
#include <vector>

namespace cairn::age {

class source {
 public:
  virtual ~source() = default;
  // Reads at most out.size() bytes; returns 0 only at the end of the input.
  virtual std::size_t read_some(std::span<std::uint8_t> out) = 0;

  // Reads until `out` is full or the input ends; returns the count read.
  std::size_t read_full(std::span<std::uint8_t> out) {
    std::size_t done = 0;
    while (done < out.size()) {
      const std::size_t n = read_some(out.subspan(done));
      if (n == 0) break;
      done += n;
    }
    return done;
  }
};

class sink {
 public:
  virtual ~sink() = default;
  virtual void write(std::span<const std::uint8_t> data) = 0;
};

// Reads a file descriptor it does not own. `name` appears in error messages.
class fd_source final : public source {
 public:
  explicit fd_source(int fd, std::string name = "input") : fd_(fd), name_(std::move(name)) {}
  std::size_t read_some(std::span<std::uint8_t> out) override {
    for (;;) {
      const ssize_t n = ::read(fd_, out.data(), out.size());
      if (n >= 0) return static_cast<std::size_t>(n);
      if (errno != EINTR) throw error(error_kind::io, "reading " + name_ + ": " + std::strerror(errno));
    }
  }

 private:
  int fd_;
  std::string name_;
};

// Writes to a file descriptor it does not own.
class fd_sink final : public sink {
 public:
  explicit fd_sink(int fd, std::string name = "output") : fd_(fd), name_(std::move(name)) {}
  void write(std::span<const std::uint8_t> data) override {
    while (!data.empty()) {
      const ssize_t n = ::write(fd_, data.data(), data.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        throw error(error_kind::io, "writing " + name_ + ": " + std::strerror(errno));
      }
      data = data.subspan(static_cast<std::size_t>(n));
    }
  }

 private:
  int fd_;
  std::string name_;
};

// Reads bytes held in memory (not copied: they must outlive the source).
class memory_source final : public source {
 public:
  explicit memory_source(std::span<const std::uint8_t> data) : data_(data) {}
  explicit memory_source(std::string_view text)
      : data_(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()) {}
  std::size_t read_some(std::span<std::uint8_t> out) override {
    const std::size_t n = std::min(out.size(), data_.size());
    std::memcpy(out.data(), data_.data(), n);
    data_ = data_.subspan(n);
    return n;
  }

 private:
  std::span<const std::uint8_t> data_;
};

// Collects everything written into a container of bytes or chars (std::string,
// std::vector<std::uint8_t>, Botan::secure_vector<std::uint8_t> for plaintext secrets).
template <class Container>
class basic_memory_sink final : public sink {
 public:
  void write(std::span<const std::uint8_t> data) override {
    using value_type = typename Container::value_type;
    const auto* p = reinterpret_cast<const value_type*>(data.data());
    contents_.insert(contents_.end(), p, p + data.size());
  }
  Container& contents() noexcept { return contents_; }
  const Container& contents() const noexcept { return contents_; }

 private:
  Container contents_;
};
using string_sink = basic_memory_sink<std::string>;
using bytes_sink = basic_memory_sink<std::vector<std::uint8_t>>;

}  // namespace cairn::age
