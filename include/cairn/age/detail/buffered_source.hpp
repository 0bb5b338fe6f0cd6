#pragma once
// A buffer in front of a source, for the line-oriented parts of age (header, armor) followed
// by binary payload: lines come out of the buffer, large reads bypass it.

#include <cairn/age/io.hpp>

#include <algorithm>
#include <memory>
#include <optional>
#include <string_view>

namespace cairn::age::detail {

class buffered_source final : public source {
 public:
  explicit buffered_source(source& in, std::size_t capacity = 64 * 1024)
      : in_(in), storage_(new std::uint8_t[capacity]), buf_(storage_.get(), capacity) {}  // ciphertext only: not zeroed

  // Bytes already buffered, filled up to `n` if the input has them (n <= capacity).
  std::span<const std::uint8_t> peek(std::size_t n) {
    compact_if_needed(n);
    while (end_ - begin_ < n) {
      const std::size_t got = in_.read_some(std::span(buf_).subspan(end_));
      if (got == 0) break;
      end_ += got;
    }
    return std::span(buf_).subspan(begin_, std::min(n, end_ - begin_));
  }

  // The next line including its '\n' (or the rest of the input without one, at the end).
  // std::nullopt at the end of the input or when no '\n' comes within `max` bytes
  // (`too_long` tells which).
  std::optional<std::string_view> read_line(std::size_t max, bool* too_long = nullptr) {
    if (too_long) *too_long = false;
    max = std::min(max, buf_.size());
    std::size_t scanned = 0;
    for (;;) {
      const auto* data = buf_.data() + begin_;
      const auto* nl = static_cast<const std::uint8_t*>(std::memchr(data + scanned, '\n', end_ - begin_ - scanned));
      if (nl) {
        const std::size_t len = static_cast<std::size_t>(nl - data) + 1;
        if (len > max) break;
        begin_ += len;
        return std::string_view(reinterpret_cast<const char*>(data), len);
      }
      scanned = end_ - begin_;
      if (scanned >= max) break;
      compact_if_needed(max);
      const std::size_t got = in_.read_some(std::span(buf_).subspan(end_));
      if (got == 0) {
        if (scanned == 0) return std::nullopt;
        const auto* start = buf_.data() + begin_;
        begin_ = end_;
        return std::string_view(reinterpret_cast<const char*>(start), scanned);
      }
      end_ += got;
    }
    if (too_long) *too_long = true;
    return std::nullopt;
  }

  std::size_t read_some(std::span<std::uint8_t> out) override {
    if (begin_ == end_) {
      if (out.size() >= buf_.size()) return in_.read_some(out);
      begin_ = end_ = 0;
      end_ = in_.read_some(buf_);
    }
    const std::size_t n = std::min(out.size(), end_ - begin_);
    std::memcpy(out.data(), buf_.data() + begin_, n);
    begin_ += n;
    return n;
  }

 private:
  void compact_if_needed(std::size_t want) {
    if (buf_.size() - begin_ < want) {
      std::memmove(buf_.data(), buf_.data() + begin_, end_ - begin_);
      end_ -= begin_;
      begin_ = 0;
    }
  }

  source& in_;
  std::unique_ptr<std::uint8_t[]> storage_;
  std::span<std::uint8_t> buf_;
  std::size_t begin_ = 0, end_ = 0;
};

}  // namespace cairn::age::detail
