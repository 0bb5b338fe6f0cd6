#pragma once
// Garbage collection from roots, as `nix-store --gc`:
//  - roots: symlinks under <state>/gcroots and <state>/profiles (recursively; e.g. the
//    generation links profiles/system-N-link), followed through indirect links (gcroots/auto,
//    profile -> profile-N-link), and the temporary roots of live store processes;
//  - live: the closure of the roots under references, plus the derivers (.drv) of live paths
//    (Nix's keep-derivations) and their closures;
//  - everything else in the store directory is dead, deleted referrers first, the database
//    updated (and synced) before the files go so a crash never leaves a valid path without its
//    files; what a killed collector invalidated but did not delete, the next one removes.
#include <cairn/store/detail/fs.hpp>
#include <cairn/store/detail/lock.hpp>
#include <cairn/store/store.hpp>

#include <fmt/format.h>

#include <filesystem>
#include <limits>
#include <set>
#include <string>
#include <vector>

namespace cairn::store {

/// A root: the link (physical path) and the store path it keeps alive.
struct gc_root {
  std::filesystem::path link;
  store_path target;
};

enum class gc_action { delete_dead, print_roots, print_live, print_dead };

struct gc_options {
  gc_action action = gc_action::delete_dead;
  std::uint64_t max_freed = std::numeric_limits<std::uint64_t>::max();  ///< stop after freeing this many bytes
};

struct gc_result {
  std::vector<gc_root> roots;
  std::vector<store_path> live;     ///< sorted
  std::vector<store_path> dead;     ///< valid paths that are not live, sorted
  std::vector<store_path> deleted;  ///< valid paths deleted (delete_dead)
  std::uint64_t bytes_freed = 0;
};

namespace detail {

/// Follows `link` (physical) through at most 8 symlinks until a target in the store.
inline std::optional<store_path> resolve_root(store& s, const std::filesystem::path& link, bool& dangling) {
  std::filesystem::path cur = link;
  for (int hop = 0; hop < 8; ++hop) {
    std::error_code ec;
    const auto target = std::filesystem::read_symlink(cur, ec);
    if (ec) {
      dangling = !std::filesystem::exists(std::filesystem::symlink_status(cur));
      return std::nullopt;
    }
    const auto t = target.native();
    if (s.dir().is_in_store(t)) {
      try {
        return s.dir().to_store_path(t);
      } catch (const bad_store_path&) {
        return std::nullopt;
      }
    }
    if (target.is_relative()) {
      cur = cur.parent_path() / target;
    } else {
      // An absolute target names a path on the target system when it exists under the root,
      // else a path on this machine (like the ./result links of indirect roots).
      const auto under_root = s.to_physical(t);
      cur = std::filesystem::exists(std::filesystem::symlink_status(under_root)) ? under_root : target;
    }
    if (!std::filesystem::is_symlink(std::filesystem::symlink_status(cur))) {
      dangling = !std::filesystem::exists(std::filesystem::symlink_status(cur));
      return std::nullopt;
    }
  }
  return std::nullopt;
}

inline void scan_roots(store& s, const std::filesystem::path& dir, bool is_auto, std::vector<gc_root>& out) {
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator(dir, ec); !ec && it != std::filesystem::directory_iterator();
       it.increment(ec)) {
    const auto& p = it->path();
    const auto st = it->symlink_status();
    if (std::filesystem::is_symlink(st)) {
      bool dangling = false;
      if (auto target = resolve_root(s, p, dangling)) {
        out.push_back({p, *target});
      } else if (dangling && is_auto) {
        std::filesystem::remove(p, ec);  // the ./result link it stood for is gone
      }
    } else if (std::filesystem::is_directory(st)) {
      scan_roots(s, p, is_auto || p.filename() == "auto", out);
    } else if (std::filesystem::is_regular_file(st)) {
      // A regular file named like a store path is a root too (as in Nix).
      try {
        out.push_back({p, store_path(p.filename().native())});
      } catch (const bad_store_path&) {
      }
    }
  }
}

/// Temporary roots of live store processes; the files of dead ones are removed.
inline void temp_roots(store& s, std::vector<gc_root>& out) {
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(s.state_path() / "temproots", ec)) {
    detail::file_lock probe(e.path(), true, false);
    if (probe.held()) {
      std::filesystem::remove(e.path(), ec);
      continue;
    }
    std::string text;
    try {
      text = read_file(e.path());
    } catch (const store_error&) {
      continue;
    }
    for (std::size_t a = 0; a < text.size();) {
      const auto b = std::min(text.find('\n', a), text.size());
      try {
        out.push_back({e.path(), store_path(std::string_view(text).substr(a, b - a))});
      } catch (const bad_store_path&) {
      }
      a = b + 1;
    }
  }
}

}  // namespace detail

/// The roots: gcroots/ and profiles/ links, and (include_temporary) live processes' temporary roots.
inline std::vector<gc_root> find_roots(store& s, bool include_temporary = false) {
  std::vector<gc_root> roots;
  detail::scan_roots(s, s.state_path() / "gcroots", false, roots);
  detail::scan_roots(s, s.state_path() / "profiles", false, roots);
  if (include_temporary) detail::temp_roots(s, roots);
  std::sort(roots.begin(), roots.end(), [](const gc_root& a, const gc_root& b) { return a.link < b.link; });
  return roots;
}

/// Collects garbage (or only reports, per options.action).
inline gc_result collect_garbage(store& s, const gc_options& opts = {}) {
  // Exclusive: no process adds a temporary root while we decide.
  detail::file_lock gc_lock(s.state_path() / "gc.lock", true);
  gc_result r;
  r.roots = find_roots(s);
  auto all_roots = r.roots;
  detail::temp_roots(s, all_roots);
  if (opts.action == gc_action::print_roots) return r;

  const auto g = s.with_db([](database& db) { return db.load_graph(); });
  std::vector<char> live(g.paths.size(), 0);
  std::vector<std::size_t> stack;
  auto mark = [&](std::size_t i) {
    if (!live[i]) {
      live[i] = 1;
      stack.push_back(i);
    }
  };
  for (const auto& root : all_roots)
    if (auto it = g.index.find(root.target.base_name()); it != g.index.end()) mark(it->second);
  while (!stack.empty()) {
    const auto i = stack.back();
    stack.pop_back();
    for (auto j : g.refs[i]) mark(j);
    if (!g.derivers[i].empty())
      if (auto it = g.index.find(g.derivers[i]); it != g.index.end()) mark(it->second);
  }
  for (std::size_t i = 0; i < g.paths.size(); ++i) (live[i] ? r.live : r.dead).emplace_back(g.paths[i]);
  std::sort(r.live.begin(), r.live.end());
  std::sort(r.dead.begin(), r.dead.end());
  if (opts.action != gc_action::delete_dead) return r;

  // Referrers before references: reverse post-order of a DFS over the dead subgraph.
  std::vector<std::size_t> order;
  std::vector<char> seen(g.paths.size(), 0);
  for (std::size_t i = 0; i < g.paths.size(); ++i) {
    if (live[i] || seen[i]) continue;
    std::vector<std::pair<std::size_t, std::size_t>> st{{i, 0}};
    seen[i] = 1;
    while (!st.empty()) {
      auto& [n, k] = st.back();
      if (k < g.refs[n].size()) {
        const auto j = g.refs[n][k++];
        if (!live[j] && !seen[j]) {
          seen[j] = 1;
          st.push_back({j, 0});
        }
      } else {
        order.push_back(n);
        st.pop_back();
      }
    }
  }
  std::reverse(order.begin(), order.end());

  // Deletion, crash-safe at every point: a batch of paths leaves the database (one transaction,
  // synced) before any of its files go, and a batch holds no path referred to by a later one.
  // Killed before the commit, nothing changed; after it, the batch's files are unregistered
  // leftovers, which the pass below removes on the next run. Without max_freed the batch is
  // every dead path: one transaction, one fsync (SQLite's cost is per page touched, and a
  // batch of random paths touches most pages, so smaller batches cost nearly as much each).
  // With max_freed, a batch is the paths that reach it as measured before: the same paths as
  // deleting one at a time, without a transaction each.
  const auto store_phys = s.to_physical(s.dir().path());
  detail::fd sfd(::open(store_phys.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!sfd) detail::throw_sys("cannot open the store directory", store_phys.native());
  const bool limited = opts.max_freed != std::numeric_limits<std::uint64_t>::max();
  for (std::size_t a = 0; a < order.size() && r.bytes_freed < opts.max_freed;) {
    std::size_t b = order.size();
    if (limited) {
      std::uint64_t planned = r.bytes_freed;
      for (b = a; b < order.size() && planned < opts.max_freed; ++b) {
        const auto& n = g.paths[order[b]];
        planned += detail::disk_usage_at(sfd.get(), n, (store_phys / n).native());
      }
    }
    std::vector<store_path> chunk;
    chunk.reserve(b - a);
    for (std::size_t k = a; k < b; ++k) chunk.emplace_back(g.paths[order[k]]);
    s.with_db([&](database& db) { db.invalidate(chunk); });
    for (auto& p : chunk) {
      r.bytes_freed += detail::remove_at(sfd.get(), p.base_name(), (store_phys / p.base_name()).native());
      r.deleted.push_back(std::move(p));
    }
    a = b;
  }
  // Unregistered leftovers in the store directory (not being written: no live temp root).
  if (r.bytes_freed < opts.max_freed) {
    std::set<std::string> protected_names;
    for (const auto& root : all_roots) protected_names.insert(root.target.base_name());
    for (const auto& n : detail::list_dir(sfd.get(), store_phys.native())) {
      if (n.starts_with(".") || g.index.contains(n) || protected_names.contains(n)) continue;
      try {
        const store_path p(n);
        detail::file_lock busy(s.state_path() / "locks" / (n + ".lock"), true, false, true);
        if (!busy.held() || s.is_valid(p)) continue;
        r.bytes_freed += detail::remove_at(sfd.get(), n, (store_phys / n).native());
      } catch (const bad_store_path&) {
      }
    }
    // Hard-link targets of `optimise` that nothing uses any more.
    const auto links = store_phys / ".links";
    detail::fd lfd(::open(links.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (lfd) {
      for (const auto& n : detail::list_dir(lfd.get(), links.native())) {
        struct stat st {};
        if (::fstatat(lfd.get(), n.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && st.st_nlink == 1) {
          if (::unlinkat(lfd.get(), n.c_str(), 0) == 0) r.bytes_freed += static_cast<std::uint64_t>(st.st_blocks) * 512;
        }
      }
    }
  }
  return r;
}

}  // namespace cairn::store
