#pragma once
// Encryption: an `encryptor` is a sink; everything written to it is encrypted to the
// recipients in 64 KiB chunks; finish() seals the last chunk (a file without it is truncated
// and will not decrypt).
//
//   age::encryptor enc(out, recipients, {.armor = true});
//   enc.write(bytes);
//   enc.finish();

#include <cairn/age/armor.hpp>
#include <cairn/age/header.hpp>
#include <cairn/age/identity.hpp>
#include <cairn/age/stream.hpp>

#include <optional>

namespace cairn::age {

struct encrypt_options {
  bool armor = false;  // PEM "AGE ENCRYPTED FILE", for files that travel as text
};

class encryptor final : public sink {
 public:
  encryptor(sink& out, std::span<const recipient_ptr> recipients, encrypt_options options = {}) {
    if (recipients.empty()) throw error(error_kind::usage, "no recipients to encrypt to");
    for (const recipient_ptr& r : recipients)
      if (r->must_be_alone() && recipients.size() > 1)
        throw error(error_kind::usage, "a passphrase (scrypt) recipient must be the only recipient of a file");
    sink* target = &out;
    if (options.armor) target = &armor_.emplace(out);

    const secret_bytes file_key = detail::random_secret(detail::file_key_size);
    header h;
    for (const recipient_ptr& r : recipients)
      for (stanza& s : r->wrap(file_key)) h.stanzas.push_back(std::move(s));
    h.mac = compute_header_mac(h, file_key);
    const std::string text = serialize(h);
    target->write(detail::as_bytes(text));
    std::array<std::uint8_t, payload_nonce_size> nonce;
    detail::random_fill(nonce);
    target->write(nonce);
    payload_.emplace(*target, detail::payload_key(file_key, nonce));
  }

  void write(std::span<const std::uint8_t> data) override { payload_->write(data); }
  // Encrypts everything `in` holds, reading it straight into the chunk buffers.
  void write_from(source& in) { payload_->write_from(in); }

  void finish() {
    if (finished_) return;
    finished_ = true;
    payload_->finish();
    if (armor_) armor_->finish();
  }

 private:
  std::optional<armor_writer> armor_;
  std::optional<stream_writer> payload_;
  bool finished_ = false;
};

// Encrypts all of `in` onto `out`.
inline void encrypt(source& in, sink& out, std::span<const recipient_ptr> recipients, encrypt_options options = {}) {
  encryptor enc(out, recipients, options);
  enc.write_from(in);
  enc.finish();
}

}  // namespace cairn::age
