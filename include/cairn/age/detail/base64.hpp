#pragma once
// Strict, canonical base64 (RFC 4648 standard alphabet), as age requires.
// Botan's base64_decode is lenient (missing padding, non-zero trailing bits, whitespace),
// which would accept files that every conformant age decoder rejects.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cairn::age::detail {

inline constexpr std::string_view base64_alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

inline constexpr int base64_value(char c) noexcept {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// Encodes `data`; `padded` adds '=' as the armor needs, the header never does.
inline void base64_encode_to(std::string& out, std::span<const std::uint8_t> data, bool padded) {
  std::size_t i = 0;
  for (; i + 3 <= data.size(); i += 3) {
    const std::uint32_t v = (std::uint32_t{data[i]} << 16) | (std::uint32_t{data[i + 1]} << 8) | data[i + 2];
    out += base64_alphabet[(v >> 18) & 63];
    out += base64_alphabet[(v >> 12) & 63];
    out += base64_alphabet[(v >> 6) & 63];
    out += base64_alphabet[v & 63];
  }
  const std::size_t rest = data.size() - i;
  if (rest == 1) {
    const std::uint32_t v = std::uint32_t{data[i]} << 16;
    out += base64_alphabet[(v >> 18) & 63];
    out += base64_alphabet[(v >> 12) & 63];
    if (padded) out += "==";
  } else if (rest == 2) {
    const std::uint32_t v = (std::uint32_t{data[i]} << 16) | (std::uint32_t{data[i + 1]} << 8);
    out += base64_alphabet[(v >> 18) & 63];
    out += base64_alphabet[(v >> 12) & 63];
    out += base64_alphabet[(v >> 6) & 63];
    if (padded) out += '=';
  }
}

inline std::string base64_encode(std::span<const std::uint8_t> data, bool padded = false) {
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  base64_encode_to(out, data, padded);
  return out;
}

// Decodes canonical base64 into `out` (appending). Unpadded ("raw") when !padded: '=' is
// rejected. Padded: the length must be a multiple of 4 with exactly the needed '='.
// Any other character (whitespace, CR, LF) and non-zero unused bits are rejected.
template <class Container>
inline bool base64_decode_to(Container& out, std::string_view text, bool padded) {
  std::size_t data_len = text.size();
  if (padded) {
    if (text.size() % 4 != 0) return false;
    std::size_t pad = 0;
    while (pad < 2 && data_len > 0 && text[data_len - 1] == '=') { --data_len; ++pad; }
  }
  if (data_len % 4 == 1) return false;
  if (padded && !text.empty()) {
    // Exactly the padding that canonical encoding would produce.
    const std::size_t want_pad = (4 - data_len % 4) % 4;
    if (text.size() - data_len != want_pad) return false;
  }
  std::size_t i = 0;
  for (; i + 4 <= data_len; i += 4) {
    int v[4];
    for (int k = 0; k < 4; ++k)
      if ((v[k] = base64_value(text[i + k])) < 0) return false;
    const std::uint32_t w = (std::uint32_t(v[0]) << 18) | (std::uint32_t(v[1]) << 12) | (std::uint32_t(v[2]) << 6) | std::uint32_t(v[3]);
    out.push_back(static_cast<std::uint8_t>(w >> 16));
    out.push_back(static_cast<std::uint8_t>(w >> 8));
    out.push_back(static_cast<std::uint8_t>(w));
  }
  const std::size_t rest = data_len - i;
  if (rest == 2) {
    const int a = base64_value(text[i]), b = base64_value(text[i + 1]);
    if (a < 0 || b < 0 || (b & 0x0f) != 0) return false;
    out.push_back(static_cast<std::uint8_t>((a << 2) | (b >> 4)));
  } else if (rest == 3) {
    const int a = base64_value(text[i]), b = base64_value(text[i + 1]), c = base64_value(text[i + 2]);
    if (a < 0 || b < 0 || c < 0 || (c & 0x03) != 0) return false;
    out.push_back(static_cast<std::uint8_t>((a << 2) | (b >> 4)));
    out.push_back(static_cast<std::uint8_t>(((b & 0x0f) << 4) | (c >> 2)));
  }
  return true;
}

inline std::optional<std::vector<std::uint8_t>> base64_decode(std::string_view text, bool padded = false) {
  std::vector<std::uint8_t> out;
  out.reserve(text.size() / 4 * 3 + 3);
  if (!base64_decode_to(out, text, padded)) return std::nullopt;
  return out;
}

}  // namespace cairn::age::detail
