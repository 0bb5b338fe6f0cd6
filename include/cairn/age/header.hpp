#pragma once
// The age v1 header: its stanzas, the strict parser a conformant decoder needs, the
// serialiser, and the header MAC.
//
//   age-encryption.org/v1
//   -> X25519 <base64 share>
//   <base64 body, 64 columns, last line short>
//   --- <base64 HMAC-SHA-256>
//
// Parsing rejects anything the specification's ABNF does not produce, so the serialised
// form of a parsed header is byte-identical to its input and is what the MAC covers.

#include <cairn/age/detail/base64.hpp>
#include <cairn/age/detail/buffered_source.hpp>
#include <cairn/age/detail/crypto.hpp>
#include <cairn/age/error.hpp>

#include <array>
#include <string>
#include <vector>

namespace cairn::age {

inline constexpr std::string_view version_line = "age-encryption.org/v1";

// One recipient stanza: "-> type args..." and a binary body.
struct stanza {
  std::string type;
  std::vector<std::string> args;
  std::vector<std::uint8_t> body;
  friend bool operator==(const stanza&, const stanza&) = default;
};

struct header {
  std::vector<stanza> stanzas;
  std::array<std::uint8_t, 32> mac{};
};

namespace detail {

inline constexpr std::size_t bytes_per_line = 48;  // 64 base64 columns
inline constexpr std::size_t max_header_line = 64 * 1024;
inline constexpr std::size_t max_stanzas = 4096;

inline bool is_vchar_string(std::string_view s) {
  if (s.empty()) return false;
  for (const char c : s)
    if (c < 33 || c > 126) return false;
  return true;
}

inline std::vector<std::string_view> split_spaces(std::string_view line) {
  std::vector<std::string_view> parts;
  for (;;) {
    const auto sp = line.find(' ');
    parts.push_back(line.substr(0, sp));
    if (sp == std::string_view::npos) return parts;
    line.remove_prefix(sp + 1);
  }
}

[[noreturn]] inline void header_error(const std::string& what) { throw error(error_kind::header, "malformed age header: " + what); }

}  // namespace detail

// The header text up to and including "---": the bytes the MAC covers.
inline std::string header_text_without_mac(const header& h) {
  std::string out(version_line);
  out += '\n';
  for (const stanza& s : h.stanzas) {
    out += "-> ";
    out += s.type;
    for (const auto& a : s.args) { out += ' '; out += a; }
    out += '\n';
    // Wrapped at 64 columns and always closed by a short (possibly empty) line.
    std::size_t i = 0;
    for (;;) {
      const std::size_t n = std::min(detail::bytes_per_line, s.body.size() - i);
      detail::base64_encode_to(out, std::span(s.body).subspan(i, n), false);
      out += '\n';
      i += n;
      if (n < detail::bytes_per_line) break;
    }
  }
  out += "---";
  return out;
}

inline std::string serialize(const header& h) {
  std::string out = header_text_without_mac(h);
  out += ' ';
  detail::base64_encode_to(out, h.mac, false);
  out += '\n';
  return out;
}

// HMAC-SHA-256 keyed by HKDF(file_key, "", "header") over the header text up to "---".
inline std::array<std::uint8_t, 32> compute_header_mac(const header& h, std::span<const std::uint8_t> file_key) {
  const secret_bytes key = detail::hkdf_sha256(file_key, {}, "header");
  return detail::hmac_sha256(key, detail::as_bytes(header_text_without_mac(h)));
}

namespace detail {

// Reads and parses the header from `in`, leaving `in` at the first payload byte.
inline header parse_header(buffered_source& in) {
  bool too_long = false;
  auto next_line = [&]() -> std::string_view {
    auto line = in.read_line(max_header_line, &too_long);
    if (!line) header_error(too_long ? "line too long" : "unexpected end of file");
    if (line->back() != '\n') header_error("unexpected end of file");
    line->remove_suffix(1);
    return *line;
  };

  auto intro = in.read_line(max_header_line, &too_long);
  if (!intro) header_error(too_long ? "first line too long" : "the file is empty");
  if (*intro != std::string(version_line) + "\n") {
    header_error("unsupported version or format (the first line is not \"age-encryption.org/v1\")");
  }

  header h;
  for (;;) {
    const auto peek = in.peek(3);
    if (std::string_view(reinterpret_cast<const char*>(peek.data()), peek.size()) == "---") {
      const auto parts = split_spaces(next_line());
      if (parts.size() != 2 || parts[0] != "---") header_error("malformed closing line");
      std::vector<std::uint8_t> mac;
      if (!base64_decode_to(mac, parts[1], false) || mac.size() != 32) header_error("malformed closing line (MAC)");
      std::copy(mac.begin(), mac.end(), h.mac.begin());
      return h;
    }
    if (h.stanzas.size() >= max_stanzas) header_error("too many stanzas");
    const auto parts = split_spaces(next_line());
    if (parts[0] != "->" || parts.size() < 2) header_error("malformed stanza opening line");
    for (std::size_t i = 1; i < parts.size(); ++i)
      if (!is_vchar_string(parts[i])) header_error("malformed stanza opening line (empty or invalid argument)");
    stanza s{std::string(parts[1]), {parts.begin() + 2, parts.end()}, {}};
    for (;;) {
      const auto line = next_line();
      const std::size_t before = s.body.size();
      if (line.size() > 64 || !base64_decode_to(s.body, line, false)) header_error("malformed stanza body line");
      if (s.body.size() - before < bytes_per_line) break;  // a short line ends the body
    }
    h.stanzas.push_back(std::move(s));
  }
}

}  // namespace detail

// Parses a complete header held in memory (payload bytes after it are ignored).
inline header parse_header(std::string_view text) {
  memory_source src(text);
  detail::buffered_source in(src);
  return detail::parse_header(in);
}

}  // namespace cairn::age
