#pragma once
// cairn::age::error: every failure of the age library, with the reason as a kind.
//
// The kinds follow the result classes of the age specification and its test vectors
// (C2SP CCTV), so callers can tell "wrong key" from "tampered file" without parsing text:
//
//   try { age::decrypt(in, out, identities); }
//   catch (const age::error& e) { if (e.kind() == age::error_kind::no_match) ... }

#include <stdexcept>
#include <string>
#include <string_view>

namespace cairn::age {

enum class error_kind {
  armor,       // the ASCII armor is malformed
  header,      // the header is malformed (version, stanza syntax, a known stanza's shape)
  no_match,    // no identity could unwrap the file key: wrong key or passphrase
  header_mac,  // a file key was found but the header MAC does not verify: header tampered
  payload,     // the payload is truncated, tampered or has trailing data
  key,         // an identity or recipient (string or file) does not parse
  usage,       // the call itself is wrong (no recipients, scrypt mixed with others, ...)
  io,          // reading or writing failed
};

inline constexpr std::string_view to_string(error_kind k) noexcept {
  switch (k) {
    case error_kind::armor: return "armor failure";
    case error_kind::header: return "header failure";
    case error_kind::no_match: return "no match";
    case error_kind::header_mac: return "HMAC failure";
    case error_kind::payload: return "payload failure";
    case error_kind::key: return "invalid key";
    case error_kind::usage: return "usage error";
    case error_kind::io: return "I/O error";
  }
  return "error";
}

class error : public std::runtime_error {
 public:
  error(error_kind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
  error_kind kind() const noexcept { return kind_; }

 private:
  error_kind kind_;
};

}  // namespace cairn::age
