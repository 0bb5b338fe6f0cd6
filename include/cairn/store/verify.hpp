#pragma once
// Checking the store against its database, as `nix-store --verify [--check-contents]`.
#include <cairn/store/store.hpp>

#include <fmt/format.h>

#include <string>
#include <vector>

namespace cairn::store {

struct verify_options {
  bool check_contents = false;  ///< re-hash every path (slow) to find modified ones
};

struct verify_result {
  std::vector<store_path> missing;          ///< valid in the database, gone from disk
  std::vector<store_path> invalidated;      ///< missing paths removed from the database (no referrers)
  std::vector<store_path> modified;         ///< contents differ from the registered NAR hash
  std::vector<std::string> messages;        ///< one line per problem, in Nix's wording
  bool ok() const { return missing.empty() && modified.empty(); }
};

/// Verifies one path's contents; returns the "was modified!" message, or nothing.
inline std::optional<std::string> verify_path_contents(store& s, const store_path& p) {
  const auto info = s.path_info_of(p);
  const auto got = hash_path(s.physical(p));
  if (got.nar_hash != info.nar_hash || got.nar_size != info.nar_size)
    return fmt::format("path '{}' was modified! expected hash '{}', got '{}'", s.logical(p), info.nar_hash.to_string(),
                       got.nar_hash.to_string());
  return std::nullopt;
}

inline verify_result verify(store& s, const verify_options& opts = {}) {
  verify_result r;
  for (const auto& p : s.valid_paths()) {
    struct stat st {};
    if (::lstat(s.physical(p).c_str(), &st) != 0) {
      r.missing.push_back(p);
      if (s.referrers(p).empty()) {
        s.with_db([&](database& db) { db.invalidate({p}); });
        r.invalidated.push_back(p);
        r.messages.push_back(fmt::format("path '{}' disappeared, removing from database...", s.logical(p)));
      } else {
        r.messages.push_back(fmt::format("path '{}' disappeared, but it still has valid referrers!", s.logical(p)));
      }
      continue;
    }
    if (opts.check_contents) {
      if (auto m = verify_path_contents(s, p)) {
        r.modified.push_back(p);
        r.messages.push_back(std::move(*m));
      }
    }
  }
  return r;
}

}  // namespace cairn::store
