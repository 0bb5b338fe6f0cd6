// cairn/deploy/channel.hpp: the byte stream between a deploying machine and its target (an ssh
// process's pipes, or serve's stdin and stdout): lines and exact byte counts, buffered, counted.
#pragma once

#include <cairn/store/detail/io.hpp>
#include <cairn/store/error.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include <unistd.h>

namespace cairn::deploy {

/// The other side closed the stream, or said something this side does not understand.
struct protocol_error : store::store_error {
  using store::store_error::store_error;
};

/// One direction's file descriptors, read and written through buffers; counts what it moves.
class channel {
 public:
  channel(int in, int out, std::string peer) : in_(in), out_(out), peer_(std::move(peer)) {}
  channel(const channel&) = delete;
  channel& operator=(const channel&) = delete;

  // ---- writing ---------------------------------------------------------------------------
  void write(std::string_view data) {
    sent_ += data.size();
    if (wbuf_.size() + data.size() > buffer_size) flush();
    if (data.size() >= buffer_size) store::detail::write_all(out_, data, peer_);
    else wbuf_.append(data);
  }
  void write_line(std::string_view line) {
    write(line);
    write("\n");
  }
  void flush() {
    if (!wbuf_.empty()) store::detail::write_all(out_, wbuf_, peer_);
    wbuf_.clear();
  }

  // ---- reading ---------------------------------------------------------------------------
  /// The next line without its newline; throws protocol_error at the end of the stream.
  std::string read_line() {
    std::string line;
    for (;;) {
      if (rpos_ == rbuf_.size() && !fill()) {
        throw protocol_error(line.empty() ? fmt::format("{} closed the connection", peer_)
                                          : fmt::format("{} closed the connection in the middle of a line", peer_));
      }
      const auto nl = rbuf_.find('\n', rpos_);
      if (nl == std::string::npos) {
        line.append(rbuf_, rpos_);
        rpos_ = rbuf_.size();
        if (line.size() > max_line) throw protocol_error(fmt::format("{} sent a line longer than {} bytes", peer_, max_line));
        continue;
      }
      line.append(rbuf_, rpos_, nl - rpos_);
      rpos_ = nl + 1;
      return line;
    }
  }
  /// Up to len bytes (0 only at the end of the stream).
  std::size_t read_some(char* buf, std::size_t len) {
    if (len == 0 || (rpos_ == rbuf_.size() && !fill())) return 0;
    const auto n = std::min(len, rbuf_.size() - rpos_);
    std::memcpy(buf, rbuf_.data() + rpos_, n);
    rpos_ += n;
    return n;
  }
  /// Exactly n bytes.
  std::string read_exactly(std::size_t n) {
    std::string out(n, '\0');
    for (std::size_t got = 0; got < n;) {
      const auto k = read_some(out.data() + got, n - got);
      if (k == 0) throw protocol_error(fmt::format("{} closed the connection after {} of {} bytes", peer_, got, n));
      got += k;
    }
    return out;
  }

  std::uint64_t bytes_sent() const { return sent_; }
  std::uint64_t bytes_received() const { return received_; }
  const std::string& peer() const { return peer_; }

 private:
  static constexpr std::size_t buffer_size = 1 << 16;
  static constexpr std::size_t max_line = 1 << 20;

  bool fill() {
    rbuf_.resize(buffer_size);
    rpos_ = 0;
    for (;;) {
      const auto n = ::read(in_, rbuf_.data(), rbuf_.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) store::detail::throw_sys("cannot read from", peer_);
      rbuf_.resize(static_cast<std::size_t>(n));
      received_ += static_cast<std::uint64_t>(n);
      return n > 0;
    }
  }

  int in_, out_;
  std::string peer_;
  std::string wbuf_, rbuf_;
  std::size_t rpos_ = 0;
  std::uint64_t sent_ = 0, received_ = 0;
};

namespace detail {

inline std::vector<std::string> words(std::string_view line) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < line.size();) {
    const auto j = std::min(line.find(' ', i), line.size());
    if (j > i) out.emplace_back(line.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

inline std::uint64_t parse_count(const std::string& s, std::string_view what) {
  std::uint64_t n = 0;
  if (s.empty() || s.size() > 19) throw protocol_error(fmt::format("{} '{}' is not a number", what, s));
  for (char c : s) {
    if (c < '0' || c > '9') throw protocol_error(fmt::format("{} '{}' is not a number", what, s));
    n = n * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return n;
}

}  // namespace detail

/// A source of the next `n` bytes of a channel (a NAR of known size), as the store reads it.
struct bounded_source {
  channel& from;
  std::uint64_t left;
  std::size_t operator()(char* buf, std::size_t len) {
    const auto n = from.read_some(buf, static_cast<std::size_t>(std::min<std::uint64_t>(len, left)));
    left -= n;
    return n;
  }
};

}  // namespace cairn::deploy
