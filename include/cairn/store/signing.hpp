#pragma once
// Ed25519 keys and signatures in Nix's formats: keys are "name:base64(key)" (secret = 64 bytes,
// seed then public key; public = 32 bytes), a signature is "name:base64(64 bytes)" over the
// fingerprint "1;<store path>;<sha256:nix32 NAR hash>;<NAR size>;<references, comma-separated>".
#include <cairn/store/error.hpp>
#include <cairn/store/path_info.hpp>
#include <cairn/store/store_path.hpp>

#include <botan/auto_rng.h>
#include <botan/base64.h>
#include <botan/ed25519.h>
#include <botan/pubkey.h>
#include <fmt/format.h>

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

namespace cairn::store {

namespace detail {
inline std::pair<std::string, std::vector<std::uint8_t>> split_key(std::string_view text, std::size_t size,
                                                                   std::string_view what) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.remove_suffix(1);
  const auto colon = text.find(':');
  if (colon == std::string_view::npos || colon == 0)
    throw store_error(fmt::format("{} '{}' is not of the form NAME:BASE64", what, text.substr(0, 40)));
  std::vector<std::uint8_t> key;
  try {
    auto v = Botan::base64_decode(std::string(text.substr(colon + 1)));
    key.assign(v.begin(), v.end());
  } catch (const std::exception&) {
    throw store_error(fmt::format("{} '{}' has invalid base64", what, text.substr(0, colon)));
  }
  if (key.size() != size)
    throw store_error(fmt::format("{} '{}' has {} bytes, expected {}", what, text.substr(0, colon), key.size(), size));
  return {std::string(text.substr(0, colon)), std::move(key)};
}
}  // namespace detail

/// The text a signature covers.
inline std::string signature_fingerprint(const store_dir& dir, const path_info& info) {
  if (info.nar_size == 0) throw store_error(fmt::format("cannot sign '{}': its NAR size is unknown", dir.print(info.path)));
  std::string refs;
  for (const auto& r : info.references) refs += (refs.empty() ? "" : ",") + dir.print(r);
  return fmt::format("1;{};{};{};{}", dir.print(info.path), info.nar_hash.to_string(hash_format::nix32), info.nar_size, refs);
}

class public_key {
 public:
  /// Parses "name:base64(32 bytes)".
  static public_key parse(std::string_view text) {
    auto [name, key] = detail::split_key(text, 32, "public key");
    return public_key(std::move(name), std::move(key));
  }
  public_key(std::string name, std::vector<std::uint8_t> key) : name_(std::move(name)), key_(std::move(key)) {}
  const std::string& name() const { return name_; }
  std::string to_string() const { return name_ + ":" + Botan::base64_encode(key_); }

  /// Whether `sig` ("name:base64") is this key's valid signature of `message`.
  bool verify(std::string_view message, std::string_view sig) const {
    const auto colon = sig.find(':');
    if (colon == std::string_view::npos || sig.substr(0, colon) != name_) return false;
    std::vector<std::uint8_t> raw;
    try {
      auto v = Botan::base64_decode(std::string(sig.substr(colon + 1)));
      raw.assign(v.begin(), v.end());
    } catch (const std::exception&) {
      return false;
    }
    if (raw.size() != 64) return false;
    Botan::Ed25519_PublicKey pk(key_);
    Botan::PK_Verifier v(pk, "Pure");
    return v.verify_message(reinterpret_cast<const std::uint8_t*>(message.data()), message.size(), raw.data(), raw.size());
  }

 private:
  std::string name_;
  std::vector<std::uint8_t> key_;
};

class secret_key {
 public:
  /// Parses "name:base64(64 bytes: seed, public key)" (nix-store --generate-binary-cache-key).
  static secret_key parse(std::string_view text) {
    auto [name, key] = detail::split_key(text, 64, "secret key");
    return secret_key(std::move(name), Botan::secure_vector<std::uint8_t>(key.begin(), key.end()));
  }
  /// A new random key.
  static secret_key generate(std::string name) {
    if (name.empty() || name.find(':') != std::string::npos)
      throw store_error(fmt::format("invalid key name '{}': it must be non-empty and have no ':'", name));
    Botan::AutoSeeded_RNG rng;
    Botan::Ed25519_PrivateKey k(rng);
    return secret_key(std::move(name), k.get_private_key());
  }
  const std::string& name() const { return name_; }
  std::string to_string() const { return name_ + ":" + Botan::base64_encode(key_); }
  public_key to_public() const {
    return public_key(name_, std::vector<std::uint8_t>(key_.begin() + 32, key_.end()));
  }
  /// "name:base64(signature)" of message (deterministic, as Ed25519 is).
  std::string sign(std::string_view message) const {
    Botan::Ed25519_PrivateKey k(key_);
    Botan::AutoSeeded_RNG rng;
    Botan::PK_Signer signer(k, rng, "Pure");
    const auto sig = signer.sign_message(reinterpret_cast<const std::uint8_t*>(message.data()), message.size(), rng);
    return name_ + ":" + Botan::base64_encode(sig);
  }

 private:
  secret_key(std::string name, Botan::secure_vector<std::uint8_t> key) : name_(std::move(name)), key_(std::move(key)) {
    // The public half must be the one the seed gives: catches a corrupt key file early.
    Botan::Ed25519_PrivateKey k(Botan::secure_vector<std::uint8_t>(key_.begin(), key_.begin() + 32));
    if (!std::equal(k.get_public_key().begin(), k.get_public_key().end(), key_.begin() + 32))
      throw store_error(fmt::format("secret key '{}' is corrupt: its public half does not match its seed", name_));
  }
  std::string name_;
  Botan::secure_vector<std::uint8_t> key_;
};

}  // namespace cairn::store
