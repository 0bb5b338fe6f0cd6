#pragma once
// `<hash part>.narinfo` files of binary caches: line-oriented "Key: Value", in Nix's order.
#include <cairn/store/compression.hpp>
#include <cairn/store/error.hpp>
#include <cairn/store/hash.hpp>
#include <cairn/store/path_info.hpp>
#include <cairn/store/store_path.hpp>

#include <fmt/format.h>

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace cairn::store {

struct narinfo {
  store_path path;
  std::string url;                    ///< relative to the cache: "nar/<nix32 file hash>.nar.xz"
  std::string compression = "none";  ///< as written in the file ("xz", "zstd", "none", ...)
  std::optional<hash> file_hash;
  std::uint64_t file_size = 0;
  hash nar_hash;
  std::uint64_t nar_size = 0;
  store_path_set references;
  std::optional<store_path> deriver;
  std::vector<std::string> sigs;
  std::string ca;

  path_info to_path_info() const {
    return path_info{.path = path, .nar_hash = nar_hash, .nar_size = nar_size, .references = references,
                     .deriver = deriver, .ca = ca, .sigs = sigs};
  }
};

/// The text Nix writes (References with a trailing space when empty, Deriver omitted if unknown).
inline std::string to_string(const narinfo& n, const store_dir& dir) {
  std::string refs;
  for (const auto& r : n.references) refs += (refs.empty() ? "" : " ") + r.base_name();
  std::string o = fmt::format("StorePath: {}\nURL: {}\nCompression: {}\n", dir.print(n.path), n.url, n.compression);
  if (n.file_hash) o += fmt::format("FileHash: {}\nFileSize: {}\n", n.file_hash->to_string(), n.file_size);
  o += fmt::format("NarHash: {}\nNarSize: {}\nReferences: {}\n", n.nar_hash.to_string(), n.nar_size, refs);
  if (n.deriver) o += fmt::format("Deriver: {}\n", n.deriver->base_name());
  for (const auto& s : n.sigs) o += fmt::format("Sig: {}\n", s);
  if (!n.ca.empty()) o += fmt::format("CA: {}\n", n.ca);
  return o;
}

/// Parses a narinfo; `where` names it in errors ("<cache>/<hash>.narinfo", line N).
inline narinfo parse_narinfo(std::string_view text, const store_dir& dir, std::string_view where) {
  std::optional<store_path> path;
  std::optional<std::string> url, compression_name;
  std::optional<hash> file_hash, nar_hash;
  std::optional<std::uint64_t> file_size, nar_size;
  store_path_set refs;
  std::optional<store_path> deriver;
  std::vector<std::string> sigs;
  std::string ca;
  std::set<std::string> seen;
  std::size_t line_no = 0;
  auto fail = [&](std::string_view what) -> void {
    throw store_error(fmt::format("invalid narinfo '{}', line {}: {}", where, line_no, what));
  };
  auto number = [&](std::string_view v, std::string_view key) {
    std::uint64_t n = 0;
    if (v.empty() || v.size() > 19) fail(fmt::format("{} '{}' is not a number", key, v));
    for (char c : v) {
      if (c < '0' || c > '9') fail(fmt::format("{} '{}' is not a number", key, v));
      n = n * 10 + static_cast<std::uint64_t>(c - '0');
    }
    return n;
  };
  for (std::size_t a = 0; a < text.size();) {
    const auto b = std::min(text.find('\n', a), text.size());
    const auto line = text.substr(a, b - a);
    a = b + 1;
    ++line_no;
    if (line.empty()) continue;
    const auto colon = line.find(": ");
    if (colon == std::string_view::npos) {
      if (line.ends_with(":")) {
        // "References:" with nothing after it
      } else {
        fail("expected 'Key: Value'");
      }
    }
    const auto key = std::string(line.substr(0, colon == std::string_view::npos ? line.size() - 1 : colon));
    const auto value = colon == std::string_view::npos ? std::string_view() : line.substr(colon + 2);
    if (key != "Sig" && !seen.insert(key).second) fail(fmt::format("'{}' is given twice", key));
    try {
      if (key == "StorePath") path = dir.parse(value);
      else if (key == "URL") {
        if (value.empty() || value.find("..") != std::string_view::npos || value.front() == '/')
          fail(fmt::format("URL '{}' is not a path inside the cache", value));
        url = std::string(value);
      } else if (key == "Compression") compression_name = std::string(value);
      else if (key == "FileHash") file_hash = hash::parse(value);
      else if (key == "FileSize") file_size = number(value, key);
      else if (key == "NarHash") nar_hash = hash::parse(value);
      else if (key == "NarSize") nar_size = number(value, key);
      else if (key == "References") {
        for (std::size_t i = 0; i < value.size();) {
          const auto j = std::min(value.find(' ', i), value.size());
          if (j > i) refs.insert(store_path(value.substr(i, j - i)));
          i = j + 1;
        }
      } else if (key == "Deriver") {
        if (value != "unknown-deriver") deriver = store_path(value);
      } else if (key == "Sig") sigs.emplace_back(value);
      else if (key == "CA") ca = std::string(value);
      // Other keys (System, ...) are ignored, as Nix does.
    } catch (const bad_store_path& e) {
      fail(e.what());
    } catch (const store_error& e) {
      if (std::string_view(e.what()).starts_with("invalid narinfo")) throw;
      fail(e.what());
    }
  }
  line_no = 0;
  if (!path) fail("missing 'StorePath'");
  if (!url) fail("missing 'URL'");
  if (!nar_hash) fail("missing 'NarHash'");
  if (nar_hash->algo != hash_algo::sha256) fail("NarHash must be a sha256 hash");
  if (!nar_size || *nar_size == 0) fail("missing or zero 'NarSize'");
  narinfo n{.path = *path, .url = *url, .compression = compression_name.value_or("bzip2"), .file_hash = file_hash,
            .file_size = file_size.value_or(0), .nar_hash = *nar_hash, .nar_size = *nar_size,
            .references = std::move(refs), .deriver = deriver, .sigs = std::move(sigs), .ca = std::move(ca)};
  return n;
}

}  // namespace cairn::store
