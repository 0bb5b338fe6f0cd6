#pragma once
// The age payload: STREAM over ChaCha20-Poly1305 in 64 KiB chunks. The nonce of a chunk is
// an 11-byte big-endian counter and a last-chunk flag; the final chunk is never empty unless
// the whole plaintext is. Memory stays at one chunk whatever the file size.

#include <cairn/age/detail/crypto.hpp>
#include <cairn/age/error.hpp>
#include <cairn/age/io.hpp>

#include <array>
#include <memory>
#include <optional>

namespace cairn::age {

inline constexpr std::size_t chunk_size = 64 * 1024;
inline constexpr std::size_t payload_nonce_size = 16;

namespace detail {

inline constexpr std::size_t sealed_chunk_size = chunk_size + tag_size;

class chunk_nonce {
 public:
  std::span<const std::uint8_t> bytes() const { return nonce_; }
  void set_last(bool last) { nonce_[11] = last ? 1 : 0; }
  bool is_first() const {
    for (int i = 0; i < 11; ++i)
      if (nonce_[i]) return false;
    return true;
  }
  void increment() {
    for (int i = 10; i >= 0; --i)
      if (++nonce_[i] != 0) return;
    throw error(error_kind::payload, "payload too large: chunk counter overflow");
  }

 private:
  std::array<std::uint8_t, 12> nonce_{};
};

inline secret_bytes payload_key(std::span<const std::uint8_t> file_key, std::span<const std::uint8_t> nonce) {
  return hkdf_sha256(file_key, nonce, "payload");
}

}  // namespace detail

// Encrypts everything written to it onto `out` (which already holds header and nonce).
class stream_writer final : public sink {
 public:
  stream_writer(sink& out, std::span<const std::uint8_t> key)
      : out_(out), aead_(detail::new_chacha20poly1305(Botan::ENCRYPTION)), buf_(detail::sealed_chunk_size) {
    aead_->set_key(key.data(), key.size());
  }

  void write(std::span<const std::uint8_t> data) override {
    while (!data.empty()) {
      // A full buffer is sealed only once more data arrives: only then is it not the last.
      if (len_ == chunk_size) seal(false);
      const std::size_t n = std::min(data.size(), chunk_size - len_);
      std::memcpy(buf_.data() + len_, data.data(), n);
      len_ += n;
      data = data.subspan(n);
    }
  }

  void finish() {
    if (finished_) return;
    seal(true);
    finished_ = true;
  }

 private:
  void seal(bool last) {
    nonce_.set_last(last);
    aead_->start(nonce_.bytes().data(), nonce_.bytes().size());
    buf_.resize(len_);
    aead_->finish(buf_);  // appends the tag; the capacity stays
    out_.write(buf_);
    buf_.resize(detail::sealed_chunk_size);
    len_ = 0;
    nonce_.increment();
  }

  sink& out_;
  std::unique_ptr<Botan::AEAD_Mode> aead_;
  detail::chunk_nonce nonce_;
  secret_bytes buf_;
  std::size_t len_ = 0;
  bool finished_ = false;
};

// Decrypts the payload from `in` (positioned after the 16-byte nonce). Plaintext of each
// chunk is released only after its tag verified; an error_kind::payload names the problem:
// truncated (no final chunk), a chunk that fails to authenticate, or trailing data.
class stream_reader final : public source {
 public:
  stream_reader(source& in, std::span<const std::uint8_t> key)
      : in_(in), aead_(detail::new_chacha20poly1305(Botan::DECRYPTION)), buf_(detail::sealed_chunk_size) {
    aead_->set_key(key.data(), key.size());
    buf_.resize(0);
  }

  std::size_t read_some(std::span<std::uint8_t> out) override {
    if (pos_ == buf_.size()) {
      if (out.empty()) return 0;
      if (pending_error_) throw error(error_kind::payload, *pending_error_);
      if (last_seen_) return 0;
      read_chunk();
      if (pos_ == buf_.size()) return 0;
    }
    const std::size_t n = std::min(out.size(), buf_.size() - pos_);
    std::memcpy(out.data(), buf_.data() + pos_, n);
    pos_ += n;
    return n;
  }

 private:
  [[noreturn]] static void fail(const std::string& what) { throw error(error_kind::payload, what); }

  bool open(bool last) {
    nonce_.set_last(last);
    aead_->start(nonce_.bytes().data(), nonce_.bytes().size());
    try {
      aead_->finish(buf_, 0);
    } catch (const Botan::Invalid_Authentication_Tag&) {
      return false;
    }
    return true;
  }

  void read_chunk() {
    buf_.resize(detail::sealed_chunk_size);
    pos_ = 0;
    const std::size_t n = in_.read_full(buf_);
    if (n == 0) {
      buf_.clear();
      fail("the file is truncated: the encrypted payload ends before its final chunk");
    }
    bool last = n < detail::sealed_chunk_size;
    if (last && n == detail::tag_size && !nonce_.is_first())
      fail("the last chunk is empty, which a conformant encoder never writes (truncated or tampered file)");
    // Botan asserts on inputs shorter than the tag instead of failing the check.
    if (n < detail::tag_size) {
      buf_.clear();
      fail("the file is truncated or tampered: a payload chunk is shorter than its tag");
    }
    buf_.resize(n);
    bool ok = false;
    if (last) {
      ok = open(true);
    } else {
      // Botan decrypts in place before checking the tag: keep the ciphertext for the retry.
      retry_.assign(buf_.begin(), buf_.end());
      ok = open(false);
      if (!ok) {  // a full-length final chunk
        std::swap(buf_, retry_);
        last = ok = open(true);
      }
    }
    if (!ok) {
      buf_.clear();
      fail(n < detail::sealed_chunk_size
               ? "the last payload chunk failed to authenticate: the file is truncated, or was tampered with or corrupted"
               : "a payload chunk failed to authenticate: the file was tampered with or corrupted");
    }
    nonce_.increment();
    if (last) {
      last_seen_ = true;
      std::uint8_t extra;
      if (in_.read_some({&extra, 1}) != 0) pending_error_ = "trailing data after the end of the encrypted payload";
    }
  }

  source& in_;
  std::unique_ptr<Botan::AEAD_Mode> aead_;
  detail::chunk_nonce nonce_;
  secret_bytes buf_, retry_;
  std::size_t pos_ = 0;
  bool last_seen_ = false;
  std::optional<std::string> pending_error_;
};

}  // namespace cairn::age
