#pragma once
// Store paths: `<store dir>/<32 nix32 chars>-<name>`, and how Nix computes them from a
// fingerprint `type:sha256:<hex>:<store dir>:<name>` truncated to 160 bits.
#include <cairn/store/base32.hpp>
#include <cairn/store/error.hpp>
#include <cairn/store/hash.hpp>

#include <fmt/format.h>

#include <compare>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace cairn::store {

inline constexpr std::size_t store_path_hash_length = 32;
inline constexpr std::size_t store_path_max_name = 211;

/// Throws bad_store_path unless `name` is a valid store path name: 1..211 characters of
/// [A-Za-z0-9+-._?=], not "." or "..", and not starting with ".-" or "..-" (current Nix's rule;
/// Nix 2.8 still accepted "." and "..").
inline void check_store_name(std::string_view name, std::string_view context = {}) {
  const auto where = context.empty() ? fmt::format("store path name '{}'", name) : std::string(context);
  if (name.empty()) throw bad_store_path(fmt::format("{} has an empty name", where));
  if (name.size() > store_path_max_name)
    throw bad_store_path(fmt::format("{} has a name longer than {} characters", where, store_path_max_name));
  if (name == "." || name == ".." || name.starts_with(".-") || name.starts_with("..-"))
    throw bad_store_path(fmt::format("{} has the invalid name '{}'", where, name));
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '+' || c == '-' || c == '.' || c == '_' || c == '?' || c == '=';
    if (!ok) {
      const auto shown = (c >= 0x20 && c < 0x7f) ? fmt::format("'{}'", c) : fmt::format("0x{:02x}", static_cast<unsigned char>(c));
      throw bad_store_path(fmt::format("{} contains illegal character {}", where, shown));
    }
  }
}

/// A store path without its store directory: `<hash part>-<name>` (as Nix's StorePath).
class store_path {
 public:
  /// Parses and validates a base name such as "ybf7by4xvcgjhwilsg87rqz9di79bify-greeting".
  explicit store_path(std::string_view base_name) : s_(base_name) {
    const auto where = fmt::format("store path '{}'", base_name);
    if (s_.size() < store_path_hash_length + 2 || s_[store_path_hash_length] != '-')
      throw bad_store_path(fmt::format("{} is not of the form <32-character hash>-<name>", where));
    if (!is_nix32(hash_part())) throw bad_store_path(fmt::format("{} has an invalid hash part", where));
    check_store_name(name(), where);
  }
  /// From a 20-byte digest and a name.
  store_path(std::span<const std::uint8_t> digest20, std::string_view name)
      : store_path(nix32_encode(digest20) + "-" + std::string(name)) {}

  std::string_view hash_part() const { return std::string_view(s_).substr(0, store_path_hash_length); }
  std::string_view name() const { return std::string_view(s_).substr(store_path_hash_length + 1); }
  /// `<hash part>-<name>`.
  const std::string& base_name() const { return s_; }

  friend auto operator<=>(const store_path&, const store_path&) = default;
  friend bool operator==(const store_path&, const store_path&) = default;

 private:
  std::string s_;
};

using store_path_set = std::set<store_path>;

/// How a path's contents are hashed for a fixed-output/content-addressed path.
enum class file_ingestion {
  flat,       ///< the bytes of a single regular file
  recursive,  ///< the NAR serialisation ("r:" in Nix's texts)
};

/// A store directory ("/cairn/store" by default): turns store paths into text and back, and
/// computes paths from fingerprints. The directory is part of every path's hash.
class store_dir {
 public:
  explicit store_dir(std::string dir = "/cairn/store") : dir_(std::move(dir)) {
    while (dir_.size() > 1 && dir_.back() == '/') dir_.pop_back();
    if (dir_.empty() || dir_.front() != '/')
      throw store_error(fmt::format("store directory '{}' is not an absolute path", dir_));
  }
  const std::string& path() const { return dir_; }

  /// "<dir>/<base name>".
  std::string print(const store_path& p) const { return dir_ + "/" + p.base_name(); }

  /// Parses a full path directly inside this store directory.
  store_path parse(std::string_view full) const {
    if (!is_in_store(full))
      throw bad_store_path(fmt::format("path '{}' is not in the store directory '{}'", full, dir_));
    auto rest = full.substr(dir_.size() + 1);
    if (rest.find('/') != std::string_view::npos)
      throw bad_store_path(fmt::format("path '{}' is inside a store path, not a store path itself", full));
    return store_path(rest);
  }
  /// Whether `full` lies under this store directory (at any depth).
  bool is_in_store(std::string_view full) const {
    return full.size() > dir_.size() + 1 && full.starts_with(dir_) && full[dir_.size()] == '/';
  }
  /// The store path that `full` (a store path or a file inside one) belongs to.
  store_path to_store_path(std::string_view full) const {
    if (!is_in_store(full))
      throw bad_store_path(fmt::format("path '{}' is not in the store directory '{}'", full, dir_));
    auto rest = full.substr(dir_.size() + 1);
    return store_path(rest.substr(0, rest.find('/')));
  }

  /// The path of fingerprint `type:sha256:<hex of inner>:<dir>:<name>`.
  store_path make_path(std::string_view type, const hash& inner, std::string_view name) const {
    check_store_name(name);
    const auto fp = fmt::format("{}:sha256:{}:{}:{}", type, inner.to_base16(), dir_, name);
    return store_path(compress_hash(hash_string(fp), 20), name);
  }

  /// A `text` path (builtins.toFile, .drv files): contents hashed flat, references sorted.
  store_path make_text_path(std::string_view name, const hash& contents_sha256, const store_path_set& refs) const {
    return make_path(type_with_refs("text", refs, false), contents_sha256, name);
  }

  /// A `source` path (nix-store --add): NAR sha256, with references and possibly itself.
  store_path make_source_path(std::string_view name, const hash& nar_sha256, const store_path_set& refs = {},
                              bool self_reference = false) const {
    return make_path(type_with_refs("source", refs, self_reference), nar_sha256, name);
  }

  /// A fixed-output path (nix-store --add-fixed, fixed-output derivations). Recursive SHA-256 is
  /// a `source` path; everything else goes through `fixed:out:<r:?><algo>:<hex>:`.
  store_path make_fixed_output_path(std::string_view name, file_ingestion method, const hash& h) const {
    if (method == file_ingestion::recursive && h.algo == hash_algo::sha256) return make_source_path(name, h);
    const auto inner = fmt::format("fixed:out:{}{}:{}:", method == file_ingestion::recursive ? "r:" : "",
                                   to_string(h.algo), h.to_base16());
    return make_path("output:out", hash_string(inner), name);
  }

 private:
  std::string type_with_refs(std::string_view type, const store_path_set& refs, bool self) const {
    std::string t(type);
    for (const auto& r : refs) t += ":" + print(r);
    if (self) t += ":self";
    return t;
  }
  std::string dir_;
};

}  // namespace cairn::store

template <>
struct fmt::formatter<cairn::store::store_path> : fmt::formatter<std::string_view> {
  template <class Ctx>
  auto format(const cairn::store::store_path& p, Ctx& ctx) const {
    return fmt::formatter<std::string_view>::format(p.base_name(), ctx);
  }
};
