#pragma once
// The primitives of age v1 over Botan 2.19, with the checks Botan leaves to its caller:
// X25519 results that are all zero (low-order points) and AEAD inputs shorter than the tag.
// Algorithm objects are created once per thread and reused: name lookup and allocation
// would otherwise dominate decrypting many small secrets.

#include <botan/aead.h>
#include <botan/curve25519.h>
#include <botan/hash.h>
#include <botan/kdf.h>
#include <botan/mac.h>
#include <botan/mem_ops.h>
#include <botan/scrypt.h>
#include <botan/system_rng.h>

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>

namespace cairn::age {

// Bytes that hold key material: wiped when freed.
using secret_bytes = Botan::secure_vector<std::uint8_t>;

}  // namespace cairn::age

namespace cairn::age::detail {

inline constexpr std::size_t file_key_size = 16;
inline constexpr std::size_t tag_size = 16;
inline constexpr std::size_t wrapped_key_size = file_key_size + tag_size;

inline std::span<const std::uint8_t> as_bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

inline void random_fill(std::span<std::uint8_t> out) { Botan::system_rng().randomize(out.data(), out.size()); }

inline secret_bytes random_secret(std::size_t n) {
  secret_bytes out(n);
  random_fill(out);
  return out;
}

// HKDF-SHA-256 with 32 bytes of output (every use in age). An empty salt is RFC 5869's default.
inline std::unique_ptr<Botan::AEAD_Mode> new_chacha20poly1305(Botan::Cipher_Dir dir) {
  return Botan::AEAD_Mode::create_or_throw("ChaCha20Poly1305", dir);
}

inline secret_bytes hkdf_sha256(std::span<const std::uint8_t> ikm, std::span<const std::uint8_t> salt, std::string_view info) {
  thread_local const auto kdf = Botan::KDF::create_or_throw("HKDF(SHA-256)");
  secret_bytes out(32);
  kdf->kdf(out.data(), out.size(), ikm.data(), ikm.size(), salt.data(), salt.size(),
          reinterpret_cast<const std::uint8_t*>(info.data()), info.size());
  return out;
}

inline std::array<std::uint8_t, 32> hmac_sha256(std::span<const std::uint8_t> key, std::span<const std::uint8_t> data) {
  thread_local const auto mac = Botan::MessageAuthenticationCode::create_or_throw("HMAC(SHA-256)");
  mac->set_key(key.data(), key.size());
  mac->update(data.data(), data.size());
  std::array<std::uint8_t, 32> out;
  mac->final(out.data());
  mac->clear();  // drop the key
  return out;
}

inline std::array<std::uint8_t, 32> sha256(std::span<const std::uint8_t> data) {
  thread_local const auto h = Botan::HashFunction::create_or_throw("SHA-256");
  h->update(data.data(), data.size());
  std::array<std::uint8_t, 32> out;
  h->final(out.data());
  return out;
}

inline secret_bytes sha512(std::span<const std::uint8_t> data) {
  thread_local const auto h = Botan::HashFunction::create_or_throw("SHA-512");
  h->update(data.data(), data.size());
  secret_bytes out(64);
  h->final(out.data());
  return out;
}

inline bool constant_time_equal(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) {
  return a.size() == b.size() && Botan::constant_time_compare(a.data(), b.data(), a.size());
}

// X25519(scalar, point). std::nullopt when the result is all zero: the point had low order,
// and age must reject the stanza (Botan returns the zeros without complaint).
inline std::optional<secret_bytes> x25519(std::span<const std::uint8_t, 32> scalar, std::span<const std::uint8_t, 32> point) {
  secret_bytes out(32);
  Botan::curve25519_donna(out.data(), scalar.data(), point.data());
  std::uint8_t any = 0;
  for (const std::uint8_t b : out) any |= b;
  if (any == 0) return std::nullopt;
  return out;
}

inline std::array<std::uint8_t, 32> x25519_base(std::span<const std::uint8_t, 32> scalar) {
  std::array<std::uint8_t, 32> out;
  Botan::curve25519_basepoint(out.data(), scalar.data());
  return out;
}

// ChaCha20-Poly1305 with a zero nonce: how every stanza wraps the 16-byte file key.
inline std::array<std::uint8_t, wrapped_key_size> wrap_file_key(std::span<const std::uint8_t> key, std::span<const std::uint8_t> file_key) {
  thread_local const auto aead = new_chacha20poly1305(Botan::ENCRYPTION);
  aead->set_key(key.data(), key.size());
  const std::uint8_t nonce[12] = {};
  aead->start(nonce, sizeof nonce);
  secret_bytes buf(file_key.begin(), file_key.end());
  aead->finish(buf);
  aead->clear();
  std::array<std::uint8_t, wrapped_key_size> out;
  std::copy(buf.begin(), buf.end(), out.begin());
  return out;
}

// The inverse; std::nullopt when the tag does not verify ("not for this key").
// The caller has checked that `body` is exactly wrapped_key_size bytes (age requires that
// check before decrypting, against partitioning oracles).
inline std::optional<secret_bytes> unwrap_file_key(std::span<const std::uint8_t> key, std::span<const std::uint8_t> body) {
  thread_local const auto aead = new_chacha20poly1305(Botan::DECRYPTION);
  aead->set_key(key.data(), key.size());
  const std::uint8_t nonce[12] = {};
  aead->start(nonce, sizeof nonce);
  secret_bytes buf(body.begin(), body.end());
  bool ok = true;
  try {
    aead->finish(buf);
  } catch (const Botan::Invalid_Authentication_Tag&) {
    ok = false;
  }
  aead->clear();
  if (!ok) return std::nullopt;
  return buf;
}

inline secret_bytes scrypt_key(std::string_view passphrase, std::span<const std::uint8_t> salt, int log_n) {
  secret_bytes out(32);
  Botan::scrypt(out.data(), out.size(), passphrase.data(), passphrase.size(), salt.data(), salt.size(),
                std::size_t{1} << log_n, 8, 1);
  return out;
}

}  // namespace cairn::age::detail
