#pragma once
// Reference scanning: which candidate store paths' 32-character hash parts occur in a path's
// NAR serialisation (file contents, symlink targets and file names), as Nix does.
#include <cairn/store/base32.hpp>
#include <cairn/store/nar.hpp>
#include <cairn/store/store_path.hpp>

#include <cstring>
#include <functional>
#include <filesystem>
#include <string>
#include <string_view>
#include <unordered_map>

namespace cairn::store {

/// A sink that looks for hash parts in the bytes it is given, across chunk boundaries.
class reference_scanner {
 public:
  explicit reference_scanner(const store_path_set& candidates) {
    for (const auto& c : candidates) candidates_.emplace(std::string(c.hash_part()), c);
  }

  void operator()(std::string_view data) {
    constexpr auto keep = store_path_hash_length - 1;
    if (candidates_.empty()) return;
    // The last bytes of the stream so far, joined with this chunk's first, find a hash split
    // between chunks. tail_ is shorter than a hash, so no window lies inside it alone.
    if (!tail_.empty()) {
      std::string joined = tail_;
      joined.append(data.substr(0, std::min(data.size(), keep)));
      scan(joined);
    }
    scan(data);
    if (data.size() >= keep) {
      tail_.assign(data.substr(data.size() - keep));
    } else {
      tail_.append(data);
      if (tail_.size() > keep) tail_.erase(0, tail_.size() - keep);
    }
  }

  /// The candidates seen so far.
  const store_path_set& found() const { return found_; }

 private:
  // Boyer-Moore-like: test a window's characters from the right; on a non-nix32 character the
  // window jumps past it.
  void scan(std::string_view s) {
    constexpr auto len = store_path_hash_length;
    std::size_t i = 0;
    while (i + len <= s.size()) {
      std::size_t j = len;
      while (j > 0 && detail::nix32_digit(s[i + j - 1]) >= 0) --j;
      if (j > 0) {
        i += j;
        continue;
      }
      if (const auto it = candidates_.find(s.substr(i, len)); it != candidates_.end()) {
        found_.insert(it->second);
        candidates_.erase(it);
      }
      ++i;
    }
  }

  struct string_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view v) const { return std::hash<std::string_view>{}(v); }
  };
  std::unordered_map<std::string, store_path, string_hash, std::equal_to<>> candidates_;
  store_path_set found_;
  std::string tail_;
};

/// The candidates whose hash parts occur in the NAR of `path`.
inline store_path_set scan_for_references(const std::filesystem::path& path, const store_path_set& candidates) {
  reference_scanner s(candidates);
  dump_path(path, s);
  return s.found();
}

}  // namespace cairn::store
