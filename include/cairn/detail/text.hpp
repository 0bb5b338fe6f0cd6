// cairn/detail/text.hpp: string helpers usable in constant evaluation (std::to_chars and fmt
// are not constexpr in C++20), for messages and for modules that render files.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace cairn::detail {

constexpr std::string to_string(std::int64_t n) {
  if (n == 0) return "0";
  // Work in unsigned to print INT64_MIN.
  bool negative = n < 0;
  auto u = negative ? std::uint64_t(0) - static_cast<std::uint64_t>(n) : static_cast<std::uint64_t>(n);
  std::string digits;
  while (u != 0) {
    digits.push_back(static_cast<char>('0' + u % 10));
    u /= 10;
  }
  if (negative) digits.push_back('-');
  return {digits.rbegin(), digits.rend()};
}

// Shortest decimal that reads back the same double would need Ryu; Nix prints floats with
// up to 6 significant digits, which this reproduces without locale or libc.
constexpr std::string to_string(double d) {
  if (d != d) return "nan";
  if (d == 0) return "0";
  std::string out;
  if (d < 0) {
    out.push_back('-');
    d = -d;
  }
  if (d > 1e300) return out + "inf";
  int exponent = 0;
  while (d >= 10) { d /= 10; ++exponent; }
  while (d < 1) { d *= 10; --exponent; }
  // Six significant digits, rounded.
  std::int64_t mantissa = static_cast<std::int64_t>(d * 100000 + 0.5);
  if (mantissa >= 1000000) { mantissa /= 10; ++exponent; }
  std::string digits = to_string(mantissa);  // exactly 6 digits
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
  if (exponent >= -5 && exponent < 6) {
    if (exponent >= 0) {
      std::string whole = digits.substr(0, std::min<std::size_t>(digits.size(), exponent + 1));
      while (static_cast<int>(whole.size()) < exponent + 1) whole.push_back('0');
      out += whole;
      if (digits.size() > static_cast<std::size_t>(exponent + 1)) out += "." + digits.substr(exponent + 1);
    } else {
      out += "0.";
      for (int i = -1; i > exponent; --i) out.push_back('0');
      out += digits;
    }
    return out;
  }
  out += digits.substr(0, 1);
  if (digits.size() > 1) out += "." + digits.substr(1);
  out += "e";
  out += exponent < 0 ? "-" : "+";
  int e = exponent < 0 ? -exponent : exponent;
  if (e < 10) out.push_back('0');
  out += to_string(static_cast<std::int64_t>(e));
  return out;
}

// Byte order, as Nix sorts attribute names, compared in place: the names sorted are short, and a
// call to memcmp for each pair costs more than the comparison.
constexpr bool name_less(std::string_view a, std::string_view b) {
  const std::size_t n = std::min(a.size(), b.size());
  for (std::size_t i = 0; i < n; ++i)
    if (a[i] != b[i]) return static_cast<unsigned char>(a[i]) < static_cast<unsigned char>(b[i]);
  return a.size() < b.size();
}

// A name's first eight bytes as a number that sorts as the names do (byte order; a shorter name
// is padded with zero bytes): names whose keys differ are in the order of their keys.
constexpr std::uint64_t sort_key(std::string_view name) {
  std::uint64_t key = 0;
  for (std::size_t i = 0; i < 8; ++i)
    key = key << 8 | (i < name.size() ? static_cast<unsigned char>(name[i]) : 0u);
  return key;
}

// An item to sort by name: its key, and where the name is.
struct sort_entry {
  std::uint64_t key = 0;
  std::uint32_t index = 0;
};

constexpr std::string join(const std::vector<std::string>& parts, std::string_view separator) {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i != 0) out += separator;
    out += parts[i];
  }
  return out;
}

constexpr std::vector<std::string> split(std::string_view text, char separator) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= text.size(); ++i) {
    if (i == text.size() || text[i] == separator) {
      parts.emplace_back(text.substr(start, i - start));
      start = i + 1;
    }
  }
  return parts;
}

// A file mode as chmod takes it in octal: "644", "0400".
constexpr bool octal_mode(std::string_view m) {
  if (m.size() < 3 || m.size() > 4) return false;
  for (char c : m)
    if (c < '0' || c > '7') return false;
  return true;
}

constexpr bool starts_with(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

// Replaces every occurrence of `from` (non-empty) with `to`.
constexpr std::string replace_all(std::string_view text, std::string_view from, std::string_view to) {
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    if (text.substr(i, from.size()) == from) {
      out += to;
      i += from.size();
    } else {
      out.push_back(text[i++]);
    }
  }
  return out;
}

// "modules/system/services/../users.hpp" -> "modules/system/users.hpp": file names as
// std::source_location gives them through relative includes, shown as the file is named.
constexpr std::string normalize_path(std::string_view path) {
  std::vector<std::string> kept;
  bool absolute = !path.empty() && path[0] == '/';
  for (auto& part : split(path, '/')) {
    if (part.empty() || part == ".") continue;
    if (part == ".." && !kept.empty() && kept.back() != "..") kept.pop_back();
    else kept.push_back(part);
  }
  std::string out = absolute ? "/" : "";
  return out + join(kept, "/");
}

}  // namespace cairn::detail
