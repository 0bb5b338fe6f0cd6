#pragma once
// Passphrase recipients and identities (the "scrypt" stanza). A passphrase-encrypted file has
// exactly one stanza; decryption refuses work factors above a limit (default 2^22, as age),
// since the work factor is chosen by whoever wrote the file.
//
//   age::scrypt_recipient to("correct horse");                // work factor 2^18, as age
//   age::scrypt_identity from("correct horse");
//   age::scrypt_identity asks([] { return read_passphrase(); });   // prompts only if needed

#include <cairn/age/identity.hpp>

#include <functional>
#include <mutex>

namespace cairn::age {

inline constexpr std::string_view scrypt_stanza_type = "scrypt";
inline constexpr int default_scrypt_work_factor = 18;
inline constexpr int max_scrypt_work_factor = 22;

namespace detail {
inline constexpr std::string_view scrypt_label = "age-encryption.org/v1/scrypt";
inline secret_bytes to_secret(std::string_view s) { return secret_bytes(s.begin(), s.end()); }
inline std::string_view as_text(const secret_bytes& b) { return {reinterpret_cast<const char*>(b.data()), b.size()}; }
}  // namespace detail

class scrypt_recipient final : public recipient {
 public:
  explicit scrypt_recipient(std::string_view passphrase, int work_factor = default_scrypt_work_factor)
      : passphrase_(detail::to_secret(passphrase)), work_factor_(work_factor) {
    if (passphrase.empty()) throw error(error_kind::usage, "the passphrase is empty");
    if (work_factor < 1 || work_factor > 30) throw error(error_kind::usage, "scrypt work factor must be within 1..30");
  }

  std::vector<stanza> wrap(std::span<const std::uint8_t> file_key) const override {
    std::array<std::uint8_t, 16> salt;
    detail::random_fill(salt);
    std::vector<std::uint8_t> labelled(detail::scrypt_label.begin(), detail::scrypt_label.end());
    labelled.insert(labelled.end(), salt.begin(), salt.end());
    const secret_bytes key = detail::scrypt_key(detail::as_text(passphrase_), labelled, work_factor_);
    const auto body = detail::wrap_file_key(key, file_key);
    return {stanza{std::string(scrypt_stanza_type), {detail::base64_encode(salt), std::to_string(work_factor_)}, {body.begin(), body.end()}}};
  }
  std::string to_string() const override { return "passphrase (scrypt)"; }
  bool must_be_alone() const override { return true; }

 private:
  secret_bytes passphrase_;
  int work_factor_;
};

class scrypt_identity final : public identity {
 public:
  using passphrase_fn = std::function<secret_bytes()>;

  explicit scrypt_identity(std::string_view passphrase, int max_work_factor = max_scrypt_work_factor)
      : passphrase_(detail::to_secret(passphrase)), max_work_factor_(max_work_factor) {}
  // Asks for the passphrase only when a file turns out to be passphrase-encrypted.
  explicit scrypt_identity(passphrase_fn ask, int max_work_factor = max_scrypt_work_factor)
      : ask_(std::move(ask)), max_work_factor_(max_work_factor) {}

  std::string describe() const override { return "passphrase"; }

  std::optional<secret_bytes> unwrap(std::span<const stanza> stanzas) const override {
    for (const stanza& s : stanzas) {
      if (s.type != scrypt_stanza_type) continue;
      if (stanzas.size() != 1) detail::stanza_error(s.type, "an scrypt stanza must be the only stanza");
      if (s.args.size() != 2) detail::stanza_error(s.type, "expected a salt and a work factor");
      const auto salt = detail::stanza_bytes(s.type, s.args[0], 16, "salt");
      const int log_n = parse_work_factor(s.args[1]);
      if (s.body.size() != detail::wrapped_key_size) detail::stanza_error(s.type, "wrapped file key is not 32 bytes");
      if (log_n > max_work_factor_)
        detail::stanza_error(s.type, "work factor " + std::to_string(log_n) + " is above the limit of " + std::to_string(max_work_factor_));
      std::unique_lock lock(mutex_);  // asked once, even with several threads decrypting
      if (!passphrase_ && ask_) passphrase_ = ask_();
      if (!passphrase_) return std::nullopt;
      const secret_bytes passphrase = *passphrase_;
      lock.unlock();
      std::vector<std::uint8_t> labelled(detail::scrypt_label.begin(), detail::scrypt_label.end());
      labelled.insert(labelled.end(), salt.begin(), salt.end());
      const secret_bytes key = detail::scrypt_key(detail::as_text(passphrase), labelled, log_n);
      if (auto file_key = detail::unwrap_file_key(key, s.body)) return file_key;
    }
    return std::nullopt;
  }

 private:
  // ^[1-9][0-9]*$ and at most two digits: no sign, no leading zero, no hex, no overflow.
  static int parse_work_factor(std::string_view s) {
    const bool ok = !s.empty() && s.size() <= 2 && s[0] >= '1' && s[0] <= '9' && (s.size() == 1 || (s[1] >= '0' && s[1] <= '9'));
    if (!ok) detail::stanza_error(scrypt_stanza_type, "invalid work factor");
    return s.size() == 1 ? s[0] - '0' : (s[0] - '0') * 10 + (s[1] - '0');
  }

  mutable std::mutex mutex_;
  mutable std::optional<secret_bytes> passphrase_;
  passphrase_fn ask_;
  int max_work_factor_;
};

}  // namespace cairn::age
