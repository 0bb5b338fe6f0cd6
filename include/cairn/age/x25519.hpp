#pragma once
// X25519 recipients (age1…) and identities (AGE-SECRET-KEY-1…), age's native key type.
//
//   auto id = age::x25519_identity::generate();
//   std::string secret = id.to_string();             // AGE-SECRET-KEY-1…
//   std::string pub = id.recipient().to_string();    // age1…

#include <cairn/age/detail/bech32.hpp>
#include <cairn/age/identity.hpp>

namespace cairn::age {

inline constexpr std::string_view x25519_stanza_type = "X25519";

namespace detail {
inline constexpr std::string_view x25519_label = "age-encryption.org/v1/X25519";
inline constexpr std::string_view recipient_hrp = "age";
inline constexpr std::string_view identity_hrp = "AGE-SECRET-KEY-";
}  // namespace detail

class x25519_recipient final : public recipient {
 public:
  explicit x25519_recipient(const std::array<std::uint8_t, 32>& public_key) : public_key_(public_key) {}

  // Parses "age1…"; throws error_kind::key.
  static x25519_recipient parse(std::string_view s) {
    const auto d = detail::bech32_decode(s);
    if (!d || d->hrp != detail::recipient_hrp || d->data.size() != 32)
      throw error(error_kind::key, "malformed X25519 recipient (expected age1… in Bech32)");
    std::array<std::uint8_t, 32> pk;
    std::copy(d->data.begin(), d->data.end(), pk.begin());
    return x25519_recipient(pk);
  }

  const std::array<std::uint8_t, 32>& public_key() const noexcept { return public_key_; }
  std::string to_string() const override { return detail::bech32_encode(detail::recipient_hrp, public_key_); }

  std::vector<stanza> wrap(std::span<const std::uint8_t> file_key) const override {
    const secret_bytes ephemeral = detail::random_secret(32);
    const auto share = detail::x25519_base(std::span<const std::uint8_t, 32>(ephemeral.data(), 32));
    const auto shared = detail::x25519(std::span<const std::uint8_t, 32>(ephemeral.data(), 32), public_key_);
    if (!shared) throw error(error_kind::key, "invalid X25519 recipient " + to_string() + " (low-order point)");
    std::vector<std::uint8_t> salt(share.begin(), share.end());
    salt.insert(salt.end(), public_key_.begin(), public_key_.end());
    const secret_bytes key = detail::hkdf_sha256(*shared, salt, detail::x25519_label);
    const auto body = detail::wrap_file_key(key, file_key);
    return {stanza{std::string(x25519_stanza_type), {detail::base64_encode(share)}, {body.begin(), body.end()}}};
  }

 private:
  std::array<std::uint8_t, 32> public_key_;
};

class x25519_identity final : public identity {
 public:
  // From the 32-byte secret scalar.
  explicit x25519_identity(secret_bytes secret) : secret_(std::move(secret)) {
    if (secret_.size() != 32) throw error(error_kind::key, "an X25519 secret key is 32 bytes");
    public_ = detail::x25519_base(scalar());
  }

  static x25519_identity generate() { return x25519_identity(detail::random_secret(32)); }

  // Parses "AGE-SECRET-KEY-1…"; throws error_kind::key (the message never echoes the key).
  static x25519_identity parse(std::string_view s) {
    auto d = detail::bech32_decode(s);
    if (!d || d->hrp != detail::identity_hrp || d->data.size() != 32) {
      if (d) Botan::secure_scrub_memory(d->data.data(), d->data.size());
      throw error(error_kind::key, "malformed X25519 identity (expected AGE-SECRET-KEY-1… in Bech32)");
    }
    secret_bytes secret(d->data.begin(), d->data.end());
    Botan::secure_scrub_memory(d->data.data(), d->data.size());
    return x25519_identity(std::move(secret));
  }

  std::string to_string() const { return detail::bech32_encode(detail::identity_hrp, secret_); }
  x25519_recipient recipient() const { return x25519_recipient(public_); }
  std::string describe() const override { return "X25519 identity for " + recipient().to_string(); }

  std::optional<secret_bytes> unwrap(std::span<const stanza> stanzas) const override {
    for (const stanza& s : stanzas) {
      if (s.type != x25519_stanza_type) continue;
      if (s.args.size() != 1) detail::stanza_error(s.type, "expected exactly one argument");
      const auto share = detail::stanza_bytes(s.type, s.args[0], 32, "ephemeral share");
      if (s.body.size() != detail::wrapped_key_size) detail::stanza_error(s.type, "wrapped file key is not 32 bytes");
      const auto shared = detail::x25519(scalar(), std::span<const std::uint8_t, 32>(share.data(), 32));
      if (!shared) detail::stanza_error(s.type, "low-order ephemeral share (all-zero shared secret)");
      std::vector<std::uint8_t> salt(share);
      salt.insert(salt.end(), public_.begin(), public_.end());
      const secret_bytes key = detail::hkdf_sha256(*shared, salt, detail::x25519_label);
      if (auto file_key = detail::unwrap_file_key(key, s.body)) return file_key;
    }
    return std::nullopt;
  }

 private:
  std::span<const std::uint8_t, 32> scalar() const { return std::span<const std::uint8_t, 32>(secret_.data(), 32); }

  secret_bytes secret_;
  std::array<std::uint8_t, 32> public_;
};

}  // namespace cairn::age
