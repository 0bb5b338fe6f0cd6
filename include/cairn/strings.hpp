// cairn/strings.hpp: building text in modules (config files, units) in a way the compiler can
// also evaluate: fmt and std::to_chars are not constexpr in C++20.
//
//   "Port " + cairn::to_string(c[port]) + "\n"
//   cairn::join(c[extra_groups], ",")
//   cairn::split_words("[::]:443 ssl")   {"[::]:443", "ssl"}
//   cairn::escape_shell_arg("it's")     'it'\''s'
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "detail/text.hpp"

namespace cairn {

template <class I>
  requires(std::is_integral_v<I> && !std::is_same_v<I, bool>)
constexpr std::string to_string(I n) {
  return detail::to_string(static_cast<std::int64_t>(n));
}
constexpr std::string to_string(double d) { return detail::to_string(d); }
constexpr std::string to_string(bool b) { return b ? "true" : "false"; }

template <class Strings>
constexpr std::string join(const Strings& parts, std::string_view separator) {
  std::string out;
  bool first = true;
  for (const auto& p : parts) {
    if (!first) out += separator;
    first = false;
    out += p;
  }
  return out;
}

// Lines of `text`, each prefixed (for config blocks).
constexpr std::string indent_lines(std::string_view text, std::string_view prefix) {
  std::string out;
  for (const auto& line : detail::split(text, '\n')) {
    if (line.empty()) {
      out += "\n";
      continue;
    }
    out += std::string(prefix) + line + "\n";
  }
  if (!out.empty() && (text.empty() || text.back() != '\n')) out.pop_back();
  return out;
}

// The words of `text`, separated by spaces and tabs.
constexpr std::vector<std::string> split_words(std::string_view text) {
  std::vector<std::string> out;
  std::string word;
  for (char c : text) {
    if (c != ' ' && c != '\t') {
      word += c;
    } else if (!word.empty()) {
      out.push_back(word);
      word.clear();
    }
  }
  if (!word.empty()) out.push_back(word);
  return out;
}

// `text` as a decimal number without sign; nothing unless it is all digits (at most 18).
constexpr std::optional<std::int64_t> parse_uint(std::string_view text) {
  if (text.empty() || text.size() > 18) return std::nullopt;
  std::int64_t n = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + (c - '0');
  }
  return n;
}

using detail::replace_all;

// One word for a POSIX shell, as Nix's escapeShellArg: in single quotes, a quote written as '\''.
constexpr std::string escape_shell_arg(std::string_view s) {
  return "'" + replace_all(s, "'", "'\\''") + "'";
}

}  // namespace cairn
