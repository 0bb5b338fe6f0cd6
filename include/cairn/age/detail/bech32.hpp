#pragma once
// Bech32 (BIP 173, checksum constant 1, not Bech32m) without the 90-character limit, as age
// uses for its key strings. Botan 2 has no Bech32.

#include <cctype>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cairn::age::detail {

inline constexpr std::string_view bech32_charset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";

inline std::uint32_t bech32_polymod(std::span<const std::uint8_t> values) {
  constexpr std::uint32_t gen[5] = {0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3};
  std::uint32_t chk = 1;
  for (const std::uint8_t v : values) {
    const std::uint32_t top = chk >> 25;
    chk = ((chk & 0x1ffffff) << 5) ^ v;
    for (int i = 0; i < 5; ++i)
      if ((top >> i) & 1) chk ^= gen[i];
  }
  return chk;
}

// The checksum is always over the lower-case human-readable part.
inline std::vector<std::uint8_t> bech32_hrp_expand(std::string_view hrp) {
  std::vector<std::uint8_t> out;
  out.reserve(hrp.size() * 2 + 1);
  for (const char c : hrp) out.push_back(static_cast<std::uint8_t>(std::tolower(static_cast<unsigned char>(c))) >> 5);
  out.push_back(0);
  for (const char c : hrp) out.push_back(static_cast<std::uint8_t>(std::tolower(static_cast<unsigned char>(c))) & 31);
  return out;
}

// Regroups bits; on decode (pad == false) rejects padding of 5+ bits or non-zero padding.
inline std::optional<std::vector<std::uint8_t>> convert_bits(std::span<const std::uint8_t> in, int from, int to, bool pad) {
  std::uint32_t acc = 0;
  int bits = 0;
  const std::uint32_t maxv = (1u << to) - 1;
  std::vector<std::uint8_t> out;
  out.reserve(in.size() * from / to + 1);
  for (const std::uint8_t v : in) {
    if ((v >> from) != 0) return std::nullopt;
    acc = (acc << from) | v;
    bits += from;
    while (bits >= to) {
      bits -= to;
      out.push_back(static_cast<std::uint8_t>((acc >> bits) & maxv));
    }
  }
  if (pad) {
    if (bits > 0) out.push_back(static_cast<std::uint8_t>((acc << (to - bits)) & maxv));
  } else if (bits >= from || ((acc << (to - bits)) & maxv) != 0) {
    return std::nullopt;
  }
  return out;
}

// Encodes `data` under `hrp`; the case of the result follows the case of `hrp`.
inline std::string bech32_encode(std::string_view hrp, std::span<const std::uint8_t> data) {
  const auto five = *convert_bits(data, 8, 5, true);
  std::vector<std::uint8_t> values = bech32_hrp_expand(hrp);
  values.insert(values.end(), five.begin(), five.end());
  values.insert(values.end(), 6, 0);
  const std::uint32_t mod = bech32_polymod(values) ^ 1;
  bool upper = false;
  for (const char c : hrp) upper |= (c >= 'A' && c <= 'Z');
  std::string out(hrp);
  out += '1';
  auto put = [&](std::uint8_t v) {
    const char c = bech32_charset[v];
    out += upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
  };
  for (const std::uint8_t v : five) put(v);
  for (int i = 0; i < 6; ++i) put(static_cast<std::uint8_t>((mod >> (5 * (5 - i))) & 31));
  return out;
}

struct bech32_decoded {
  std::string hrp;  // as written (upper or lower case)
  std::vector<std::uint8_t> data;
};

inline std::optional<bech32_decoded> bech32_decode(std::string_view s) {
  bool lower = false, upper = false;
  for (const char c : s) {
    if (c < 33 || c > 126) return std::nullopt;
    lower |= (c >= 'a' && c <= 'z');
    upper |= (c >= 'A' && c <= 'Z');
  }
  if (lower && upper) return std::nullopt;
  const auto sep = s.rfind('1');
  if (sep == std::string_view::npos || sep == 0 || sep + 7 > s.size()) return std::nullopt;
  bech32_decoded out{std::string(s.substr(0, sep)), {}};
  std::vector<std::uint8_t> values = bech32_hrp_expand(out.hrp);
  const std::size_t hrp_len = values.size();
  for (const char c : s.substr(sep + 1)) {
    const auto pos = bech32_charset.find(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    if (pos == std::string_view::npos) return std::nullopt;
    values.push_back(static_cast<std::uint8_t>(pos));
  }
  if (bech32_polymod(values) != 1) return std::nullopt;
  auto data = convert_bits(std::span(values).subspan(hrp_len, values.size() - hrp_len - 6), 5, 8, false);
  if (!data) return std::nullopt;
  out.data = std::move(*data);
  return out;
}

}  // namespace cairn::age::detail
