#pragma once
// Hash values and their text forms (base16, nix32, base64, SRI, "algo:..."), and hashing
// with Botan (which uses the CPU's SHA instructions where present).
#include <cairn/store/base32.hpp>
#include <cairn/store/detail/io.hpp>
#include <cairn/store/error.hpp>

#include <botan/base64.h>
#include <botan/hash.h>
#include <botan/hex.h>
#include <fmt/format.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cairn::store {

enum class hash_algo { md5, sha1, sha256, sha512 };

/// "sha256" etc, as Nix spells them.
constexpr std::string_view to_string(hash_algo a) {
  switch (a) {
    case hash_algo::md5: return "md5";
    case hash_algo::sha1: return "sha1";
    case hash_algo::sha256: return "sha256";
    case hash_algo::sha512: return "sha512";
  }
  return "?";
}

/// Digest size in bytes.
constexpr std::size_t hash_size(hash_algo a) {
  switch (a) {
    case hash_algo::md5: return 16;
    case hash_algo::sha1: return 20;
    case hash_algo::sha256: return 32;
    case hash_algo::sha512: return 64;
  }
  return 0;
}

inline std::optional<hash_algo> parse_hash_algo(std::string_view s) {
  for (auto a : {hash_algo::md5, hash_algo::sha1, hash_algo::sha256, hash_algo::sha512})
    if (s == to_string(a)) return a;
  return std::nullopt;
}

/// How a hash is printed.
enum class hash_format { base16, nix32, base64, sri };

/// A digest with its algorithm.
struct hash {
  hash_algo algo = hash_algo::sha256;
  std::vector<std::uint8_t> bytes = std::vector<std::uint8_t>(32, 0);

  std::string to_base16() const { return Botan::hex_encode(bytes, false); }
  std::string to_nix32() const { return nix32_encode(bytes); }
  std::string to_base64() const { return Botan::base64_encode(bytes); }
  /// "sha256-<base64>".
  std::string to_sri() const { return fmt::format("{}-{}", cairn::store::to_string(algo), to_base64()); }
  /// The text alone in the given format (no algorithm prefix except for SRI).
  std::string encode(hash_format f) const {
    switch (f) {
      case hash_format::base16: return to_base16();
      case hash_format::nix32: return to_nix32();
      case hash_format::base64: return to_base64();
      case hash_format::sri: return to_sri();
    }
    return {};
  }
  /// "sha256:<nix32>" as in narinfo files and the store database.
  std::string to_string(hash_format f = hash_format::nix32) const {
    return f == hash_format::sri ? to_sri() : fmt::format("{}:{}", cairn::store::to_string(algo), encode(f));
  }
  friend bool operator==(const hash&, const hash&) = default;

  /// Parses a hash of a known algorithm given as base16, nix32 or base64 (told apart by length),
  /// or as SRI / "algo:..." whose algorithm must then match.
  static hash parse(std::string_view text, std::optional<hash_algo> algo = std::nullopt);
};

namespace detail {
inline std::optional<std::vector<std::uint8_t>> decode_hash_text(std::string_view t, hash_algo a) {
  const auto size = hash_size(a);
  if (t.size() == size * 2) {
    std::vector<std::uint8_t> out(size);
    for (std::size_t i = 0; i < size; ++i) {
      auto nibble = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
      };
      const int hi = nibble(t[2 * i]), lo = nibble(t[2 * i + 1]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out[i] = static_cast<std::uint8_t>(hi << 4 | lo);
    }
    return out;
  }
  if (t.size() == nix32_length(size)) return nix32_decode(t, size);
  if (t.size() == (size + 2) / 3 * 4) {
    try {
      auto v = Botan::base64_decode(std::string(t));
      if (v.size() == size) return std::vector<std::uint8_t>(v.begin(), v.end());
    } catch (const std::exception&) {
    }
  }
  return std::nullopt;
}
}  // namespace detail

inline hash hash::parse(std::string_view text, std::optional<hash_algo> algo) {
  std::string_view body = text;
  bool sri = false;
  auto sep = text.find(':');
  if (sep == std::string_view::npos) {
    sep = text.find('-');
    sri = sep != std::string_view::npos;
  }
  if (sep != std::string_view::npos) {
    const auto named = parse_hash_algo(text.substr(0, sep));
    if (!named) throw store_error(fmt::format("unknown hash algorithm '{}' in '{}'", text.substr(0, sep), text));
    if (algo && *algo != *named)
      throw store_error(fmt::format("hash '{}' should have type '{}'", text, cairn::store::to_string(*algo)));
    algo = named;
    body = text.substr(sep + 1);
  }
  if (!algo) throw store_error(fmt::format("hash '{}' does not include a type", text));
  std::optional<std::vector<std::uint8_t>> bytes;
  if (sri) {
    if (body.size() == (hash_size(*algo) + 2) / 3 * 4) bytes = detail::decode_hash_text(body, *algo);
  } else {
    bytes = detail::decode_hash_text(body, *algo);
  }
  if (!bytes) throw store_error(fmt::format("invalid {} hash '{}'", cairn::store::to_string(*algo), text));
  return hash{*algo, std::move(*bytes)};
}

/// A sink that hashes what it is given (and counts the bytes).
class hash_sink {
 public:
  explicit hash_sink(hash_algo a = hash_algo::sha256)
      : algo_(a), fn_(Botan::HashFunction::create_or_throw(botan_name(a))) {}
  void operator()(std::string_view d) {
    fn_->update(reinterpret_cast<const std::uint8_t*>(d.data()), d.size());
    count_ += d.size();
  }
  /// The digest so far; the sink starts over afterwards.
  hash finish() {
    hash h{algo_, {}};
    h.bytes.resize(fn_->output_length());
    fn_->final(h.bytes.data());
    count_ = 0;
    return h;
  }
  std::uint64_t bytes_hashed() const { return count_; }
  /// Which implementation Botan chose ("base", "shani", ...).
  std::string provider() const { return fn_->provider(); }

 private:
  static const char* botan_name(hash_algo a) {
    switch (a) {
      case hash_algo::md5: return "MD5";
      case hash_algo::sha1: return "SHA-160";
      case hash_algo::sha256: return "SHA-256";
      case hash_algo::sha512: return "SHA-512";
    }
    return "SHA-256";
  }
  hash_algo algo_;
  std::unique_ptr<Botan::HashFunction> fn_;
  std::uint64_t count_ = 0;
};

/// Hash of a string.
inline hash hash_string(std::string_view data, hash_algo a = hash_algo::sha256) {
  hash_sink s(a);
  s(data);
  return s.finish();
}

/// Hash of a file's contents ("flat" hashing, as nix-hash --flat).
inline hash hash_file(const std::filesystem::path& file, hash_algo a = hash_algo::sha256) {
  detail::fd f(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
  if (!f) detail::throw_sys("cannot open", file.native());
  hash_sink s(a);
  std::vector<char> buf(1 << 20);
  while (auto n = detail::read_some(f.get(), buf.data(), buf.size(), file.native())) s({buf.data(), n});
  return s.finish();
}

/// Nix's compressHash: XOR-folds a digest into `size` bytes (store path hash parts use 20).
inline std::vector<std::uint8_t> compress_hash(const hash& h, std::size_t size) {
  std::vector<std::uint8_t> out(size, 0);
  for (std::size_t i = 0; i < h.bytes.size(); ++i) out[i % size] ^= h.bytes[i];
  return out;
}

}  // namespace cairn::store
