#pragma once
// ssh-ed25519 recipients and identities, as age's agessh package defines them, so a host's
// /etc/ssh/ssh_host_ed25519_key can decrypt the secrets encrypted to its public key
// (what sops-nix and agenix rely on). The Ed25519 keys are mapped to X25519 (Montgomery
// form) and the shared secret is tweaked with a hash of the SSH public key.
//
//   auto r = age::ssh_ed25519_recipient::parse("ssh-ed25519 AAAAC3Nza… host");
//   auto i = age::ssh_ed25519_identity::parse_private_key(contents_of_key_file);

#include <cairn/age/identity.hpp>

#include <botan/bigint.h>
#include <botan/numthry.h>

namespace cairn::age {

inline constexpr std::string_view ssh_ed25519_stanza_type = "ssh-ed25519";

namespace detail {
inline constexpr std::string_view ssh_ed25519_label = "age-encryption.org/v1/ssh-ed25519";

[[noreturn]] inline void ssh_key_error(const std::string& what) { throw error(error_kind::key, what); }

// The SSH wire encoding: uint32 length prefixes, big-endian.
inline void put_ssh_string(std::vector<std::uint8_t>& out, std::span<const std::uint8_t> s) {
  const auto n = static_cast<std::uint32_t>(s.size());
  const std::uint8_t length[4] = {static_cast<std::uint8_t>(n >> 24), static_cast<std::uint8_t>(n >> 16),
                                  static_cast<std::uint8_t>(n >> 8), static_cast<std::uint8_t>(n)};
  out.insert(out.end(), std::begin(length), std::end(length));
  out.insert(out.end(), s.begin(), s.end());
}

class ssh_reader {
 public:
  explicit ssh_reader(std::span<const std::uint8_t> data) : data_(data) {}
  std::uint32_t u32() {
    if (data_.size() < 4) ssh_key_error("malformed OpenSSH key (truncated)");
    const std::uint32_t v = (std::uint32_t{data_[0]} << 24) | (std::uint32_t{data_[1]} << 16) | (std::uint32_t{data_[2]} << 8) | data_[3];
    data_ = data_.subspan(4);
    return v;
  }
  std::span<const std::uint8_t> string() {
    const std::uint32_t n = u32();
    if (data_.size() < n) ssh_key_error("malformed OpenSSH key (truncated)");
    auto s = data_.first(n);
    data_ = data_.subspan(n);
    return s;
  }
  std::string_view text() {
    const auto s = string();
    return {reinterpret_cast<const char*>(s.data()), s.size()};
  }
  std::span<const std::uint8_t> rest() const { return data_; }

 private:
  std::span<const std::uint8_t> data_;
};

inline std::vector<std::uint8_t> ssh_ed25519_wire_key(std::span<const std::uint8_t, 32> public_key) {
  std::vector<std::uint8_t> out;
  put_ssh_string(out, as_bytes(ssh_ed25519_stanza_type));
  put_ssh_string(out, public_key);
  return out;
}

// The Montgomery u-coordinate of an Ed25519 public key, u = (1 + y) / (1 - y) mod p, after
// checking that the key is a point on the curve. std::nullopt for an invalid key.
inline std::optional<std::array<std::uint8_t, 32>> ed25519_to_x25519(std::span<const std::uint8_t, 32> public_key) {
  const Botan::BigInt p = (Botan::BigInt::power_of_2(255)) - 19;
  std::array<std::uint8_t, 32> be;
  std::reverse_copy(public_key.begin(), public_key.end(), be.begin());
  be[0] &= 0x7f;  // the top bit is the sign of x
  const Botan::BigInt y = Botan::BigInt(be.data(), be.size()) % p;
  // On the curve: x^2 = (y^2 - 1) / (d y^2 + 1) must have a square root.
  const Botan::BigInt d = ((p - 121665) * Botan::inverse_mod(Botan::BigInt(121666), p)) % p;
  const Botan::BigInt y2 = (y * y) % p;
  const Botan::BigInt x2 = ((y2 + p - 1) * Botan::inverse_mod((d * y2 + 1) % p, p)) % p;
  if (!x2.is_zero() && Botan::ressol(x2, p) < 0) return std::nullopt;
  const Botan::BigInt one_minus_y = (p + 1 - y) % p;
  if (one_minus_y.is_zero()) return std::nullopt;  // the neutral point
  const Botan::BigInt u = ((y + 1) * Botan::inverse_mod(one_minus_y, p)) % p;
  const auto u_be = Botan::BigInt::encode_1363(u, 32);
  std::array<std::uint8_t, 32> out;
  std::reverse_copy(u_be.begin(), u_be.end(), out.begin());
  return out;
}

inline secret_bytes ssh_ed25519_tweak(std::span<const std::uint8_t> wire_key) {
  return hkdf_sha256({}, wire_key, ssh_ed25519_label);
}

inline std::string ssh_ed25519_tag(std::span<const std::uint8_t> wire_key) {
  const auto digest = sha256(wire_key);
  return base64_encode(std::span(digest).first(4));
}

// The wrapping key of both directions: X25519 secret, tweaked, then HKDF over share || their u.
inline std::optional<secret_bytes> ssh_ed25519_wrap_key(std::span<const std::uint8_t, 32> scalar, std::span<const std::uint8_t, 32> point,
                                                        std::span<const std::uint8_t> wire_key, std::span<const std::uint8_t> share,
                                                        std::span<const std::uint8_t> montgomery_public) {
  const auto shared = x25519(scalar, point);
  if (!shared) return std::nullopt;
  const secret_bytes tweak = ssh_ed25519_tweak(wire_key);
  const auto tweaked = x25519(std::span<const std::uint8_t, 32>(tweak.data(), 32), std::span<const std::uint8_t, 32>(shared->data(), 32));
  if (!tweaked) return std::nullopt;
  std::vector<std::uint8_t> salt(share.begin(), share.end());
  salt.insert(salt.end(), montgomery_public.begin(), montgomery_public.end());
  return hkdf_sha256(*tweaked, salt, ssh_ed25519_label);
}
}  // namespace detail

class ssh_ed25519_recipient final : public recipient {
 public:
  // From the 32-byte Ed25519 public key; throws error_kind::key if it is not a curve point.
  explicit ssh_ed25519_recipient(const std::array<std::uint8_t, 32>& public_key, std::string comment = {})
      : public_key_(public_key), wire_(detail::ssh_ed25519_wire_key(public_key_)), comment_(std::move(comment)) {
    const auto u = detail::ed25519_to_x25519(public_key_);
    if (!u) detail::ssh_key_error("invalid ssh-ed25519 public key (not a point on the curve)");
    montgomery_ = *u;
  }

  // Parses an OpenSSH public key line: "ssh-ed25519 AAAA… [comment]".
  static ssh_ed25519_recipient parse(std::string_view line) {
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
    const auto sp = line.find(' ');
    if (sp == std::string_view::npos || line.substr(0, sp) != ssh_ed25519_stanza_type)
      detail::ssh_key_error("malformed SSH public key (expected \"ssh-ed25519 AAAA…\")");
    std::string_view b64 = line.substr(sp + 1);
    std::string comment;
    if (const auto sp2 = b64.find(' '); sp2 != std::string_view::npos) {
      comment = std::string(b64.substr(sp2 + 1));
      b64 = b64.substr(0, sp2);
    }
    const auto blob = detail::base64_decode(b64, true);
    if (!blob) detail::ssh_key_error("malformed SSH public key (invalid base64)");
    detail::ssh_reader r(*blob);
    if (r.text() != ssh_ed25519_stanza_type) detail::ssh_key_error("malformed SSH public key (the key type does not match)");
    const auto pk = r.string();
    if (pk.size() != 32 || !r.rest().empty()) detail::ssh_key_error("malformed ssh-ed25519 public key");
    std::array<std::uint8_t, 32> key;
    std::copy(pk.begin(), pk.end(), key.begin());
    return ssh_ed25519_recipient(key, std::move(comment));
  }

  std::string to_string() const override {
    return std::string(ssh_ed25519_stanza_type) + " " + detail::base64_encode(wire_, true);
  }
  const std::string& comment() const noexcept { return comment_; }

  std::vector<stanza> wrap(std::span<const std::uint8_t> file_key) const override {
    const secret_bytes ephemeral = detail::random_secret(32);
    const std::span<const std::uint8_t, 32> eph(ephemeral.data(), 32);
    const auto share = detail::x25519_base(eph);
    const auto key = detail::ssh_ed25519_wrap_key(eph, montgomery_, wire_, share, montgomery_);
    if (!key) detail::ssh_key_error("invalid ssh-ed25519 recipient (low-order point)");
    const auto body = detail::wrap_file_key(*key, file_key);
    return {stanza{std::string(ssh_ed25519_stanza_type), {detail::ssh_ed25519_tag(wire_), detail::base64_encode(share)}, {body.begin(), body.end()}}};
  }

 private:
  std::array<std::uint8_t, 32> public_key_;
  std::array<std::uint8_t, 32> montgomery_{};
  std::vector<std::uint8_t> wire_;
  std::string comment_;
};

class ssh_ed25519_identity final : public identity {
 public:
  // From the 32-byte Ed25519 seed and its public key.
  ssh_ed25519_identity(std::span<const std::uint8_t> seed, const std::array<std::uint8_t, 32>& public_key, std::string comment = {})
      : recipient_(public_key, std::move(comment)), wire_(detail::ssh_ed25519_wire_key(public_key)) {
    if (seed.size() != 32) detail::ssh_key_error("an Ed25519 seed is 32 bytes");
    scalar_ = detail::sha512(seed);
    scalar_.resize(32);  // X25519 clamps it, as Ed25519 does
    montgomery_ = *detail::ed25519_to_x25519(public_key);
  }

  // Parses an unencrypted OpenSSH private key file ("-----BEGIN OPENSSH PRIVATE KEY-----").
  static ssh_ed25519_identity parse_private_key(std::string_view pem) {
    constexpr std::string_view begin = "-----BEGIN OPENSSH PRIVATE KEY-----", end = "-----END OPENSSH PRIVATE KEY-----";
    const auto b = pem.find(begin), e = pem.find(end);
    if (b == std::string_view::npos || e == std::string_view::npos || e < b) detail::ssh_key_error("not an OpenSSH private key");
    std::string b64;
    for (const char c : pem.substr(b + begin.size(), e - b - begin.size()))
      if (c != '\n' && c != '\r' && c != ' ' && c != '\t') b64 += c;
    secret_bytes blob;
    if (!detail::base64_decode_to(blob, b64, true)) detail::ssh_key_error("malformed OpenSSH private key (invalid base64)");
    Botan::secure_scrub_memory(b64.data(), b64.size());
    constexpr std::string_view magic{"openssh-key-v1\0", 15};
    if (blob.size() < magic.size() || !std::equal(magic.begin(), magic.end(), blob.begin()))
      detail::ssh_key_error("malformed OpenSSH private key (bad magic)");
    detail::ssh_reader r(std::span<const std::uint8_t>(blob).subspan(magic.size()));
    const auto cipher = r.text();
    r.text();  // kdf name
    r.string();  // kdf options
    if (cipher != "none")
      detail::ssh_key_error("the OpenSSH private key is passphrase-protected, which is not supported: "
                            "use an unencrypted key (as host keys are), or remove the passphrase with ssh-keygen -p");
    if (r.u32() != 1) detail::ssh_key_error("OpenSSH key files with several keys are not supported");
    r.string();  // public key blob, repeated in the private section
    detail::ssh_reader priv(r.string());
    if (priv.u32() != priv.u32()) detail::ssh_key_error("malformed OpenSSH private key (check bytes differ)");
    const auto type = priv.text();
    if (type != ssh_ed25519_stanza_type)
      detail::ssh_key_error("unsupported SSH key type " + std::string(type) + ": only ssh-ed25519 keys can be age identities here");
    const auto pk = priv.string();
    const auto sk = priv.string();  // seed || public key
    const auto comment = priv.text();
    if (pk.size() != 32 || sk.size() != 64 || !std::equal(pk.begin(), pk.end(), sk.begin() + 32))
      detail::ssh_key_error("malformed ssh-ed25519 private key");
    std::array<std::uint8_t, 32> public_key;
    std::copy(pk.begin(), pk.end(), public_key.begin());
    return ssh_ed25519_identity(sk.first(32), public_key, std::string(comment));
  }

  const ssh_ed25519_recipient& recipient() const noexcept { return recipient_; }
  std::string describe() const override { return "ssh-ed25519 key " + recipient_.to_string(); }

  std::optional<secret_bytes> unwrap(std::span<const stanza> stanzas) const override {
    const std::string tag = detail::ssh_ed25519_tag(wire_);
    for (const stanza& s : stanzas) {
      if (s.type != ssh_ed25519_stanza_type) continue;
      if (s.args.size() != 2) detail::stanza_error(s.type, "expected a key tag and an ephemeral share");
      const auto share = detail::stanza_bytes(s.type, s.args[1], 32, "ephemeral share");
      if (s.args[0] != tag) continue;  // addressed to another key
      if (s.body.size() != detail::wrapped_key_size) detail::stanza_error(s.type, "wrapped file key is not 32 bytes");
      const auto key = detail::ssh_ed25519_wrap_key(std::span<const std::uint8_t, 32>(scalar_.data(), 32),
                                                    std::span<const std::uint8_t, 32>(share.data(), 32), wire_, share, montgomery_);
      if (!key) detail::stanza_error(s.type, "low-order ephemeral share (all-zero shared secret)");
      if (auto file_key = detail::unwrap_file_key(*key, s.body)) return file_key;
    }
    return std::nullopt;
  }

 private:
  ssh_ed25519_recipient recipient_;
  std::vector<std::uint8_t> wire_;
  secret_bytes scalar_;
  std::array<std::uint8_t, 32> montgomery_{};
};

}  // namespace cairn::age
