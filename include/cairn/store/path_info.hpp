#pragma once
// What the store knows about a valid path (Nix's ValidPathInfo).
#include <cairn/store/hash.hpp>
#include <cairn/store/store_path.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace cairn::store {

struct path_info {
  store_path path;
  hash nar_hash;                        ///< SHA-256 of the path's NAR
  std::uint64_t nar_size = 0;           ///< size of the NAR in bytes
  store_path_set references;            ///< store paths it refers to (may include itself)
  std::optional<store_path> deriver;    ///< the .drv it was built from, if any
  std::int64_t registration_time = 0;   ///< seconds since the epoch
  std::string ca;                       ///< content address ("text:sha256:…", "fixed:r:sha256:…") or empty
  std::vector<std::string> sigs;        ///< "keyname:base64" signatures
};

}  // namespace cairn::store
