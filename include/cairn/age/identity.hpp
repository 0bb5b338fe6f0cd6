#pragma once
// What can decrypt (an identity) and what can be encrypted to (a recipient): the two
// interfaces every stanza type implements. X25519, scrypt and ssh-ed25519 live in their own
// headers; keys.hpp parses any of them from strings and files.

#include <cairn/age/detail/crypto.hpp>
#include <cairn/age/header.hpp>

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace cairn::age {

class identity {
 public:
  virtual ~identity() = default;
  // The 16-byte file key if one of `stanzas` is addressed to this identity, std::nullopt if
  // none is. Throws error_kind::header when a stanza of this identity's type is malformed.
  virtual std::optional<secret_bytes> unwrap(std::span<const stanza> stanzas) const = 0;
  // For messages: the kind of identity and its public part, never secret material.
  virtual std::string describe() const = 0;
};

class recipient {
 public:
  virtual ~recipient() = default;
  // The stanzas that carry `file_key` (16 bytes) to this recipient; fresh randomness each call.
  virtual std::vector<stanza> wrap(std::span<const std::uint8_t> file_key) const = 0;
  // As written in recipients files and on the command line (age1…, ssh-ed25519 AAAA…).
  virtual std::string to_string() const = 0;
  // scrypt recipients must be a file's only recipient (its stanza promises who wrote it).
  virtual bool must_be_alone() const { return false; }
};

using identity_ptr = std::shared_ptr<const identity>;
using recipient_ptr = std::shared_ptr<const recipient>;

namespace detail {
[[noreturn]] inline void stanza_error(std::string_view type, const std::string& what) {
  throw error(error_kind::header, "malformed " + std::string(type) + " stanza: " + what);
}
// A stanza argument that must be canonical raw base64 of exactly `size` bytes.
inline std::vector<std::uint8_t> stanza_bytes(std::string_view type, std::string_view arg, std::size_t size, const char* what) {
  auto b = base64_decode(arg, false);
  if (!b || b->size() != size) stanza_error(type, std::string("invalid ") + what);
  return std::move(*b);
}
}  // namespace detail

}  // namespace cairn::age
