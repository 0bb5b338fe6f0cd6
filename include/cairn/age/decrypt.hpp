#pragma once
// Decryption: a `decryptor` reads and verifies the header when constructed (wrong key,
// malformed or tampered header throw there, before any plaintext exists), then is a source
// of plaintext, released one authenticated 64 KiB chunk at a time.
//
//   age::fd_source in(fd);
//   age::decryptor plain(in, identities);          // throws age::error (no_match, header, ...)
//   plain.read_some(buffer);                       // throws error_kind::payload if tampered
//
// age::decrypt(in, out, identities) copies all of it to a sink. Plaintext written before a
// payload error is not authenticated as a whole: write to a temporary file and rename it
// on success (file.hpp does).

#include <cairn/age/armor.hpp>
#include <cairn/age/header.hpp>
#include <cairn/age/identity.hpp>
#include <cairn/age/stream.hpp>

#include <optional>

namespace cairn::age {

enum class armor_mode {
  detect,   // armored if the input starts with the BEGIN line (after whitespace), as age
  armored,  // must be armored
  binary,   // must not be
};

struct decrypt_options {
  armor_mode armor = armor_mode::detect;
};

namespace detail {
inline bool looks_armored(buffered_source& in) {
  const auto head = in.peek(armor_max_whitespace + armor_begin.size());
  std::string_view text(reinterpret_cast<const char*>(head.data()), head.size());
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  return text.starts_with(armor_begin.substr(0, 10));  // "-----BEGIN"
}

inline std::string describe_stanzas(std::span<const stanza> stanzas) {
  std::string out;
  for (const stanza& s : stanzas) {
    if (!out.empty()) out += ", ";
    out += s.type;
  }
  return out.empty() ? "none" : out;
}
}  // namespace detail

class decryptor final : public source {
 public:
  decryptor(source& in, std::span<const identity_ptr> identities, decrypt_options options = {}) : outer_(in) {
    detail::buffered_source* hin = &outer_;
    const bool armored = options.armor == armor_mode::armored ||
                         (options.armor == armor_mode::detect && detail::looks_armored(outer_));
    if (armored) {
      armor_.emplace(outer_);
      inner_.emplace(*armor_);
      hin = &*inner_;
    }
    header_ = detail::parse_header(*hin);
    const secret_bytes file_key = unwrap(identities);
    if (!detail::constant_time_equal(compute_header_mac(header_, file_key), header_.mac))
      throw error(error_kind::header_mac, "the header MAC does not verify: the header was tampered with or corrupted");
    std::array<std::uint8_t, payload_nonce_size> nonce;
    if (hin->read_full(nonce) != nonce.size())
      throw error(error_kind::header, "the file is truncated: the payload nonce is missing");
    const secret_bytes key = detail::payload_key(file_key, nonce);
    payload_.emplace(*hin, key);
  }

  std::size_t read_some(std::span<std::uint8_t> out) override { return payload_->read_some(out); }
  // The next plaintext chunk without a copy (see stream_reader::read_chunk); empty at the end.
  std::span<const std::uint8_t> read_chunk() { return payload_->read_chunk(); }
  const header& file_header() const noexcept { return header_; }

 private:
  secret_bytes unwrap(std::span<const identity_ptr> identities) const {
    const auto& stanzas = header_.stanzas;
    for (const stanza& s : stanzas)
      if (s.type == "scrypt" && stanzas.size() != 1)
        throw error(error_kind::header, "malformed age header: an scrypt stanza must be the only stanza");
    if (identities.empty()) throw error(error_kind::usage, "no identities to decrypt with");
    for (const identity_ptr& id : identities)
      if (auto key = id->unwrap(stanzas)) return std::move(*key);
    std::string msg = "no identity matched: the file is encrypted to " + std::to_string(stanzas.size()) +
                      " recipient stanza(s) (" + detail::describe_stanzas(stanzas) + "), tried ";
    for (std::size_t i = 0; i < identities.size(); ++i) msg += (i ? ", " : "") + identities[i]->describe();
    if (stanzas.size() == 1 && stanzas[0].type == "scrypt") msg = "incorrect passphrase (or not the passphrase this file was encrypted with)";
    throw error(error_kind::no_match, msg);
  }

  detail::buffered_source outer_;
  std::optional<armor_reader> armor_;
  std::optional<detail::buffered_source> inner_;
  header header_;
  std::optional<stream_reader> payload_;
};

// Decrypts all of `in` into `out`.
inline void decrypt(source& in, sink& out, std::span<const identity_ptr> identities, decrypt_options options = {}) {
  decryptor plain(in, identities, options);
  for (auto chunk = plain.read_chunk(); !chunk.empty(); chunk = plain.read_chunk()) out.write(chunk);
}

}  // namespace cairn::age
