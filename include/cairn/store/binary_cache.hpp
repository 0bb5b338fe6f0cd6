#pragma once
// Binary caches in Nix's file layout (`file://DIR`): nix-cache-info, <hash>.narinfo, nar/<file
// hash>.nar[.xz|.zst]. Export signs with an Ed25519 key; import accepts a path only if one of
// its signatures verifies with a trusted key, and checks file and NAR hashes and sizes before
// anything is registered.
//
//   copy_to_cache(s, "/srv/cache", {top}, {.compression = compression::zstd, .key = sk});
//   copy_from_cache(s, "/srv/cache", {top}, {.trusted_keys = {pk}});
#include <cairn/store/compression.hpp>
#include <cairn/store/detail/fs.hpp>
#include <cairn/store/narinfo.hpp>
#include <cairn/store/signing.hpp>
#include <cairn/store/store.hpp>

#include <fmt/format.h>

#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace cairn::store {

/// A cache location "file:///dir[?compression=xz|zstd|none]" (Nix's URL form).
struct cache_url {
  std::filesystem::path dir;
  std::optional<compression> compression_param;

  static cache_url parse(std::string_view url) {
    if (!url.starts_with("file://"))
      throw store_error(fmt::format("unsupported binary cache '{}': only file:// caches are supported", url));
    auto rest = url.substr(7);
    cache_url c;
    const auto q = rest.find('?');
    c.dir = std::string(rest.substr(0, q));
    if (c.dir.empty() || c.dir.is_relative()) throw store_error(fmt::format("binary cache '{}' needs an absolute directory", url));
    if (q != std::string_view::npos) {
      for (auto params = rest.substr(q + 1); !params.empty();) {
        const auto amp = std::min(params.find('&'), params.size());
        const auto kv = params.substr(0, amp);
        params = params.substr(std::min(amp + 1, params.size()));
        const auto eq = kv.find('=');
        const auto k = kv.substr(0, eq);
        const auto v = eq == std::string_view::npos ? std::string_view() : kv.substr(eq + 1);
        if (k == "compression") {
          c.compression_param = parse_compression(v);
          if (!c.compression_param) throw store_error(fmt::format("unknown compression '{}' in '{}'", v, url));
        } else {
          throw store_error(fmt::format("unknown binary cache parameter '{}' in '{}'", k, url));
        }
      }
    }
    return c;
  }
};

struct copy_to_cache_options {
  compression compress = compression::xz;  ///< Nix's default
  std::optional<secret_key> key;           ///< sign each narinfo
};

struct copy_from_cache_options {
  std::vector<public_key> trusted_keys;
  bool require_signatures = true;  ///< reject paths without a signature by a trusted key
};

struct copy_result {
  std::vector<store_path> copied;   ///< in dependency order
  std::vector<store_path> present;  ///< already there
};

/// Exports the closure of `paths` to the cache directory (created if needed).
inline copy_result copy_to_cache(store& s, const std::filesystem::path& cache, const std::vector<store_path>& paths,
                                 const copy_to_cache_options& opts = {}) {
  detail::make_dirs(cache / "nar");
  const auto info_file = cache / "nix-cache-info";
  if (::access(info_file.c_str(), F_OK) != 0)
    detail::write_file_atomic(info_file, fmt::format("StoreDir: {}\n", s.dir().path()));
  else if (const auto existing = detail::read_file(info_file); existing.find("StoreDir: " + s.dir().path() + "\n") == std::string::npos)
    throw store_error(fmt::format("binary cache '{}' is for another store directory (its nix-cache-info: {})",
                                  cache.native(), existing.substr(0, existing.find('\n'))));
  copy_result r;
  for (const auto& p : s.requisites(paths)) {
    const auto narinfo_file = cache / (std::string(p.hash_part()) + ".narinfo");
    if (::access(narinfo_file.c_str(), F_OK) == 0) {
      r.present.push_back(p);
      continue;
    }
    const auto info = s.path_info_of(p);
    const auto tmp = cache / "nar" / fmt::format(".tmp-{}-{}", ::getpid(), p.hash_part());
    hash_sink file_hash;
    std::uint64_t file_size = 0;
    {
      detail::fd f(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
      if (!f) detail::throw_sys("cannot create", tmp.native());
      try {
        auto to_file = [&](std::string_view d) {
          file_hash(d);
          file_size += d.size();
          detail::write_all(f.get(), d, tmp.native());
        };
        compressing_sink z(opts.compress, to_file);
        hash_sink nar_check;
        auto tee = [&](std::string_view d) {
          nar_check(d);
          z(d);
        };
        dump_path(s.physical(p), tee);
        z.finish();
        if (nar_check.finish() != info.nar_hash)
          throw hash_mismatch(fmt::format("path '{}' was modified! expected hash '{}': not exporting it", s.logical(p),
                                          info.nar_hash.to_string()));
        if (::fsync(f.get()) != 0) detail::throw_sys("cannot sync", tmp.native());
      } catch (...) {
        ::unlink(tmp.c_str());
        throw;
      }
    }
    narinfo n{.path = p, .nar_hash = info.nar_hash, .nar_size = info.nar_size, .references = info.references,
              .deriver = info.deriver, .ca = info.ca};
    n.file_hash = file_hash.finish();
    n.file_size = file_size;
    n.compression = std::string(to_string(opts.compress));
    n.url = fmt::format("nar/{}{}", n.file_hash->to_nix32(), file_extension(opts.compress));
    if (::rename(tmp.c_str(), (cache / n.url).c_str()) != 0) detail::throw_sys("cannot create", (cache / n.url).native());
    if (opts.key) n.sigs.push_back(opts.key->sign(signature_fingerprint(s.dir(), info)));
    detail::write_file_atomic(narinfo_file, to_string(n, s.dir()));
    r.copied.push_back(p);
  }
  return r;
}

/// Imports `paths` and their closures from the cache directory.
inline copy_result copy_from_cache(store& s, const std::filesystem::path& cache, const std::vector<store_path>& paths,
                                   const copy_from_cache_options& opts = {}) {
  const auto url = "file://" + cache.native();
  const auto info_file = cache / "nix-cache-info";
  std::string cache_info;
  try {
    cache_info = detail::read_file(info_file);
  } catch (const store_error&) {
    throw store_error(fmt::format("'{}' is not a binary cache: it has no readable nix-cache-info", url));
  }
  if (cache_info.find("StoreDir: " + s.dir().path() + "\n") == std::string::npos)
    throw store_error(fmt::format("binary cache '{}' is not for store directory '{}'", url, s.dir().path()));

  // Read the narinfos of the closure, then import dependencies first.
  std::map<store_path, narinfo> infos;
  std::vector<store_path> stack(paths.begin(), paths.end());
  while (!stack.empty()) {
    const auto p = stack.back();
    stack.pop_back();
    if (infos.contains(p)) continue;
    const auto file = cache / (std::string(p.hash_part()) + ".narinfo");
    std::string text;
    try {
      text = detail::read_file(file);
    } catch (const store_error&) {
      if (s.is_valid(p)) continue;
      throw store_error(fmt::format("path '{}' is not in binary cache '{}'", s.logical(p), url));
    }
    auto n = parse_narinfo(text, s.dir(), file.native());
    if (n.path != p)
      throw store_error(fmt::format("narinfo '{}' describes '{}', not '{}'", file.native(), s.logical(n.path), s.logical(p)));
    for (const auto& r : n.references)
      if (r != p) stack.push_back(r);
    infos.emplace(p, std::move(n));
  }
  copy_result result;
  std::set<store_path> done;
  std::function<void(const store_path&)> import = [&](const store_path& p) {
    if (!done.insert(p).second) return;
    const auto it = infos.find(p);
    if (it == infos.end()) return;  // valid locally already
    for (const auto& r : it->second.references)
      if (r != p) import(r);
    if (s.is_valid(p)) {
      result.present.push_back(p);
      return;
    }
    const auto& n = it->second;
    if (opts.require_signatures) {
      const auto fp = signature_fingerprint(s.dir(), n.to_path_info());
      bool trusted = false;
      for (const auto& sig : n.sigs)
        for (const auto& k : opts.trusted_keys) trusted = trusted || k.verify(fp, sig);
      if (!trusted) {
        std::string names;
        for (const auto& sig : n.sigs) names += (names.empty() ? "" : ", ") + sig.substr(0, sig.find(':'));
        throw store_error(fmt::format(
            "cannot import '{}' from '{}': it has no valid signature by a trusted key ({})", s.logical(p), url,
            n.sigs.empty() ? std::string("it is unsigned") : fmt::format("signed by: {}; no signature verifies", names)));
      }
    }
    const auto c = parse_compression(n.compression);
    if (!c) throw store_error(fmt::format("cannot import '{}': unsupported compression '{}'", s.logical(p), n.compression));
    const auto nar_file = cache / n.url;
    // The file's own hash and size first: a damaged download never reaches the NAR parser.
    if (n.file_hash) {
      struct stat st {};
      if (::stat(nar_file.c_str(), &st) != 0) detail::throw_sys("cannot read", nar_file.native());
      if (static_cast<std::uint64_t>(st.st_size) != n.file_size)
        throw hash_mismatch(fmt::format("NAR file '{}' of '{}' is {} bytes long, but its narinfo says FileSize {}",
                                        nar_file.native(), s.logical(p), st.st_size, n.file_size));
      const auto got = hash_file(nar_file, n.file_hash->algo);
      if (got != *n.file_hash)
        throw hash_mismatch(fmt::format("NAR file '{}' of '{}' has hash '{}', but its narinfo says FileHash '{}'",
                                        nar_file.native(), s.logical(p), got.to_string(), n.file_hash->to_string()));
    }
    detail::fd f(::open(nar_file.c_str(), O_RDONLY | O_CLOEXEC));
    if (!f) detail::throw_sys("cannot open", nar_file.native());
    detail::fd_source raw{f.get(), nar_file.native()};
    decompressing_source z(*c, raw, nar_file.native());
    s.add_nar(n.to_path_info(), z);
    result.copied.push_back(p);
  };
  for (const auto& p : paths) import(p);
  return result;
}

}  // namespace cairn::store
