#pragma once
// Nix's base-32 ("nix32"): the alphabet without e, o, u, t, printed from the last byte's bits
// first. Used in store path hash parts and in hashes printed by nix-hash --base32.
#include <cairn/store/error.hpp>

#include <fmt/format.h>

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cairn::store {

inline constexpr std::string_view nix32_alphabet = "0123456789abcdfghijklmnpqrsvwxyz";

/// Length of the nix32 text of n bytes: 32 for 20 bytes, 52 for a SHA-256.
constexpr std::size_t nix32_length(std::size_t n) { return n == 0 ? 0 : (n * 8 - 1) / 5 + 1; }

namespace detail {
/// Digit value of a nix32 character, or -1.
constexpr int nix32_digit(char c) {
  constexpr auto table = [] {
    std::array<signed char, 256> t{};
    t.fill(-1);
    for (std::size_t i = 0; i < nix32_alphabet.size(); ++i)
      t[static_cast<unsigned char>(nix32_alphabet[i])] = static_cast<signed char>(i);
    return t;
  }();
  return table[static_cast<unsigned char>(c)];
}
}  // namespace detail

/// Encodes bytes as nix32.
inline std::string nix32_encode(std::span<const std::uint8_t> bytes) {
  const auto n = bytes.size();
  std::string out;
  out.reserve(nix32_length(n));
  for (auto k = static_cast<std::ptrdiff_t>(nix32_length(n)) - 1; k >= 0; --k) {
    const auto b = static_cast<std::size_t>(k) * 5;
    const auto i = b / 8;
    const auto j = b % 8;
    unsigned c = bytes[i] >> j;
    if (i + 1 < n) c |= static_cast<unsigned>(bytes[i + 1]) << (8 - j);
    out += nix32_alphabet[c & 31];
  }
  return out;
}

/// Decodes nix32 text of a value of `size` bytes; nullopt if a character is not in the alphabet,
/// the length is wrong, or bits overflow the value.
inline std::optional<std::vector<std::uint8_t>> nix32_decode(std::string_view text, std::size_t size) {
  if (text.size() != nix32_length(size)) return std::nullopt;
  std::vector<std::uint8_t> out(size, 0);
  for (std::size_t n = 0; n < text.size(); ++n) {
    const int digit = detail::nix32_digit(text[text.size() - 1 - n]);
    if (digit < 0) return std::nullopt;
    const auto b = n * 5;
    const auto i = b / 8;
    const auto j = b % 8;
    out[i] |= static_cast<std::uint8_t>(digit << j);
    const unsigned carry = static_cast<unsigned>(digit) >> (8 - j);
    if (i + 1 < size)
      out[i + 1] |= static_cast<std::uint8_t>(carry);
    else if (carry != 0)
      return std::nullopt;
  }
  return out;
}

/// Whether every character of text is a nix32 digit.
constexpr bool is_nix32(std::string_view text) {
  for (char c : text)
    if (detail::nix32_digit(c) < 0) return false;
  return true;
}

}  // namespace cairn::store
