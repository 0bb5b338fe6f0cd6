// cairn/json.hpp: values as JSON, the way `nix eval --json` prints them (keys sorted, compact).
#pragma once

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "value.hpp"

namespace cairn {

namespace detail {

// Characters JSON escapes: quotes, backslashes and controls.
constexpr bool json_escaped(unsigned char c) { return c < 0x20 || c == '"' || c == '\\'; }

// Whether any of eight bytes is one JSON escapes: below 0x20 (bytes from 0x80 on never are), a
// quote or a backslash.
inline bool json_escaped_any(std::uint64_t w) {
  constexpr std::uint64_t ones = 0x0101010101010101, highs = 0x8080808080808080;
  auto has_zero_byte = [](std::uint64_t x) { return (x - ones) & ~x & highs; };
  return (((w - ones * 0x20) & ~w & highs) | has_zero_byte(w ^ (ones * '"')) | has_zero_byte(w ^ (ones * '\\'))) != 0;
}

// Writes JSON into a buffer that grows by doubling: each token makes room once and is copied
// in, rather than std::string's checks per character (bench/: `eval --json` of a large host
// spent most of its printing there).
class json_writer {
 public:
  explicit json_writer(std::string into = {}) : buffer_(std::move(into)), size_(buffer_.size()) {}

  void put(char c) {
    room(1);
    buffer_[size_++] = c;
  }
  void put(std::string_view s) {
    room(s.size());
    std::memcpy(buffer_.data() + size_, s.data(), s.size());
    size_ += s.size();
  }

  void string(std::string_view s) {
    // Names and most values have nothing to escape: copied as they are checked, eight bytes at
    // a time, then byte by byte.
    room(s.size() + 2);
    char* to = buffer_.data() + size_;
    *to++ = '"';
    std::size_t i = 0;
    for (; i + 8 <= s.size(); i += 8) {
      std::uint64_t w;
      std::memcpy(&w, s.data() + i, 8);
      if (json_escaped_any(w)) break;
      std::memcpy(to + i, &w, 8);
    }
    for (; i < s.size() && !json_escaped(static_cast<unsigned char>(s[i])); ++i) to[i] = s[i];
    size_ += i + 1;
    if (i != s.size()) escape(s.substr(i));
    put('"');
  }

  void integer(std::int64_t i) {
    room(24);
    size_ = static_cast<std::size_t>(std::to_chars(buffer_.data() + size_, buffer_.data() + size_ + 24, i).ptr - buffer_.data());
  }

  void write(const value& v) {
    switch (v.type()) {
      case value::kind::null: return put("null");
      case value::kind::boolean: return put(v.as_bool() ? std::string_view("true") : std::string_view("false"));
      case value::kind::integer: return integer(v.as_int());
      case value::kind::floating: return put(fmt::format("{}", v.as_float()));
      case value::kind::string: return string(v.as_string());
      case value::kind::list: {
        put('[');
        bool first = true;
        for (const auto& item : v.as_list()) {
          if (!first) put(',');
          first = false;
          write(item);
        }
        return put(']');
      }
      case value::kind::attrs: {
        put('{');
        bool first = true;
        for (const auto& [name, item] : v.as_attrs()) {
          if (!first) put(',');
          first = false;
          string(name);
          put(':');
          write(item);
        }
        return put('}');
      }
      case value::kind::package: {
        // A derivation in JSON is its output path, as in Nix; unbuilt, its name.
        const auto& p = v.as_package();
        return string(p.out_path.empty() ? p.full_name() : p.out_path);
      }
    }
  }

  std::string take() && {
    buffer_.resize(size_);
    return std::move(buffer_);
  }

 private:
  void room(std::size_t n) {
    if (buffer_.size() - size_ < n) grow(n);
  }
  [[gnu::noinline]] void grow(std::size_t n) { buffer_.resize(std::max(2 * buffer_.size(), size_ + n + 256)); }

  void escape(std::string_view rest) {
    for (char ch : rest) {
      auto c = static_cast<unsigned char>(ch);
      if (!json_escaped(c)) {
        put(ch);
        continue;
      }
      switch (c) {
        case '"': put("\\\""); break;
        case '\\': put("\\\\"); break;
        case '\n': put("\\n"); break;
        case '\r': put("\\r"); break;
        case '\t': put("\\t"); break;
        case '\b': put("\\b"); break;
        case '\f': put("\\f"); break;
        default: {
          char code[7];
          fmt::format_to(code, "\\u{:04x}", c);
          put(std::string_view(code, 6));
        }
      }
    }
  }

  std::string buffer_;  // written up to size_; beyond it, room
  std::size_t size_ = 0;
};

}  // namespace detail

inline std::string to_json(const value& v) {
  detail::json_writer out;
  out.write(v);
  return std::move(out).take();
}

}  // namespace cairn
