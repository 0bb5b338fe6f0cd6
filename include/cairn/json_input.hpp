// cairn/json_input.hpp: JSON text read into values that remember their line, so that
// configuration given at run time gets `file:line` in every error (see layer.hpp).
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "value.hpp"

namespace cairn {

// A JSON value and the line it starts on; objects keep their members' lines.
struct located_value {
  std::uint32_t line = 0;
  value scalar;  // null, boolean, number, string (or the converted value of arrays)
  bool is_object = false;
  bool is_array = false;
  std::vector<std::pair<std::string, located_value>> members;  // objects, in file order
  std::vector<located_value> items;                            // arrays

  // The plain value, without lines.
  value to_value() const {
    if (is_object) {
      attrs a;
      for (const auto& [name, member] : members) a.set(name, member.to_value());
      return a;
    }
    if (is_array) {
      list l;
      for (const auto& item : items) l.push_back(item.to_value());
      return l;
    }
    return scalar;
  }
};

class json_syntax_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

namespace detail {

class json_reader {
 public:
  json_reader(std::string_view text, std::string_view file) : text_(text), file_(file) {}

  located_value document() {
    skip_space();
    auto v = read_value(0);
    skip_space();
    if (pos_ != text_.size()) fail("trailing characters after the JSON value");
    return v;
  }

 private:
  [[noreturn]] void fail(std::string_view what) {
    throw json_syntax_error(fmt::format("{}:{}: invalid JSON: {}", file_, line_, what));
  }
  void skip_space() {
    while (pos_ < text_.size()) {
      char c = text_[pos_];
      if (c == '\n') ++line_;
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
      ++pos_;
    }
  }
  bool take(char c) {
    skip_space();
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  void expect(char c) {
    if (!take(c)) fail(fmt::format("expected '{}'", c));
  }

  located_value read_value(int depth) {
    if (depth > 256) fail("nested too deeply");
    skip_space();
    if (pos_ >= text_.size()) fail("unexpected end of input");
    located_value v;
    v.line = line_;
    char c = text_[pos_];
    if (c == '{') {
      ++pos_;
      v.is_object = true;
      if (take('}')) return v;
      do {
        skip_space();
        if (pos_ >= text_.size() || text_[pos_] != '"') fail("expected a member name in double quotes");
        auto member_line = line_;
        std::string name = read_string();
        for (const auto& [existing, _] : v.members)
          if (existing == name) fail(fmt::format("duplicate member \"{}\"", name));
        expect(':');
        auto member = read_value(depth + 1);
        if (member.line == 0) member.line = member_line;
        v.members.emplace_back(std::move(name), std::move(member));
      } while (take(','));
      expect('}');
    } else if (c == '[') {
      ++pos_;
      v.is_array = true;
      if (take(']')) return v;
      do v.items.push_back(read_value(depth + 1));
      while (take(','));
      expect(']');
    } else if (c == '"') {
      v.scalar = read_string();
    } else if (c == 't' && text_.substr(pos_, 4) == "true") {
      pos_ += 4;
      v.scalar = true;
    } else if (c == 'f' && text_.substr(pos_, 5) == "false") {
      pos_ += 5;
      v.scalar = false;
    } else if (c == 'n' && text_.substr(pos_, 4) == "null") {
      pos_ += 4;
      v.scalar = null;
    } else if (c == '-' || (c >= '0' && c <= '9')) {
      v.scalar = read_number();
    } else {
      fail(fmt::format("unexpected character '{}'", c));
    }
    return v;
  }

  value read_number() {
    std::size_t start = pos_;
    if (text_[pos_] == '-') ++pos_;
    auto digits = [&] {
      std::size_t n = 0;
      while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') ++pos_, ++n;
      return n;
    };
    if (digits() == 0) fail("a number needs digits");
    bool integral = true;
    if (pos_ < text_.size() && text_[pos_] == '.') {
      ++pos_;
      integral = false;
      if (digits() == 0) fail("a number needs digits after '.'");
    }
    if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
      ++pos_;
      integral = false;
      if (pos_ < text_.size() && (text_[pos_] == '+' || text_[pos_] == '-')) ++pos_;
      if (digits() == 0) fail("a number needs digits in its exponent");
    }
    std::string token(text_.substr(start, pos_ - start));
    try {
      if (integral) return static_cast<std::int64_t>(std::stoll(token));
      return std::stod(token);
    } catch (const std::out_of_range&) {
      fail(fmt::format("number {} is out of range", token));
    }
  }

  std::string read_string() {
    ++pos_;  // opening quote
    std::string out;
    while (true) {
      if (pos_ >= text_.size()) fail("unterminated string");
      char c = text_[pos_++];
      if (c == '"') return out;
      if (static_cast<unsigned char>(c) < 0x20) fail("control character in a string");
      if (c != '\\') {
        out.push_back(c);
        continue;
      }
      if (pos_ >= text_.size()) fail("unterminated escape");
      char e = text_[pos_++];
      switch (e) {
        case '"': out.push_back('"'); break;
        case '\\': out.push_back('\\'); break;
        case '/': out.push_back('/'); break;
        case 'b': out.push_back('\b'); break;
        case 'f': out.push_back('\f'); break;
        case 'n': out.push_back('\n'); break;
        case 'r': out.push_back('\r'); break;
        case 't': out.push_back('\t'); break;
        case 'u': append_utf8(out, read_code_point()); break;
        default: fail(fmt::format("unknown escape '\\{}'", e));
      }
    }
  }

  std::uint32_t read_hex4() {
    if (pos_ + 4 > text_.size()) fail("short \\u escape");
    std::uint32_t cp = 0;
    for (int i = 0; i < 4; ++i) {
      char h = text_[pos_++];
      cp <<= 4;
      if (h >= '0' && h <= '9') cp |= static_cast<std::uint32_t>(h - '0');
      else if (h >= 'a' && h <= 'f') cp |= static_cast<std::uint32_t>(h - 'a' + 10);
      else if (h >= 'A' && h <= 'F') cp |= static_cast<std::uint32_t>(h - 'A' + 10);
      else fail("bad hex digit in \\u escape");
    }
    return cp;
  }
  std::uint32_t read_code_point() {
    std::uint32_t cp = read_hex4();
    if (cp >= 0xD800 && cp <= 0xDBFF) {  // a surrogate pair
      if (text_.substr(pos_, 2) != "\\u") fail("unpaired surrogate");
      pos_ += 2;
      std::uint32_t low = read_hex4();
      if (low < 0xDC00 || low > 0xDFFF) fail("unpaired surrogate");
      cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
    } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
      fail("unpaired surrogate");
    }
    return cp;
  }
  static void append_utf8(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) out.push_back(static_cast<char>(cp));
    else if (cp < 0x800) {
      out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }

  std::string_view text_;
  std::string_view file_;
  std::size_t pos_ = 0;
  std::uint32_t line_ = 1;
};

}  // namespace detail

// Parses JSON (RFC 8259; duplicate member names rejected) naming `file` in syntax errors.
inline located_value parse_json(std::string_view text, std::string_view file) {
  return detail::json_reader(text, file).document();
}

}  // namespace cairn
