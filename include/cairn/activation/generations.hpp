// The system profile and its generations, in Nix's layout under ROOT/cairn/var/profiles:
//   system-<N>-link -> /cairn/store/<hash>-cairn-system-<host>   (a GC root for the store)
//   system          -> system-<N>-link                           (the boot default)
// Every change is a new link then an atomic rename; dates are the links' mtimes, as in Nix.
#pragma once

#include <cairn/activation/detail/fs.hpp>
#include <cairn/activation/error.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <ctime>
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <sys/stat.h>

namespace cairn::activation {

namespace fs = std::filesystem;

struct generation {
  int number = 0;
  std::string toplevel;  // logical store path the link points at
  std::time_t date = 0;  // the link's mtime
  bool current = false;
};

inline fs::path profiles_dir(const fs::path& root) { return root / "cairn/var/profiles"; }
inline fs::path profile_link(const fs::path& root) { return profiles_dir(root) / "system"; }
inline fs::path generation_link(const fs::path& root, int n) { return profiles_dir(root) / fmt::format("system-{}-link", n); }

namespace detail {
inline std::optional<int> parse_generation_link(const std::string& name) {
  if (!name.starts_with("system-") || !name.ends_with("-link")) return std::nullopt;
  std::string_view digits(name.data() + 7, name.size() - 12);
  int n = 0;
  auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
  if (ec != std::errc() || p != digits.data() + digits.size() || digits.empty() || n <= 0) return std::nullopt;
  return n;
}
}  // namespace detail

// The generation `system` points at, if any.
inline std::optional<int> current_generation(const fs::path& root) {
  auto t = detail::read_link(profile_link(root));
  if (!t) return std::nullopt;
  return detail::parse_generation_link(fs::path(*t).filename().string());
}

// Every generation, oldest first.
inline std::vector<generation> list_generations(const fs::path& root) {
  std::vector<generation> out;
  std::error_code ec;
  auto cur = current_generation(root);
  for (auto it = fs::directory_iterator(profiles_dir(root), ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
    auto n = detail::parse_generation_link(it->path().filename().string());
    if (!n) continue;
    auto target = detail::read_link(it->path());
    if (!target) continue;
    struct stat st;
    ::lstat(it->path().c_str(), &st);
    out.push_back({*n, *target, st.st_mtime, cur == *n});
  }
  std::sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.number < b.number; });
  return out;
}

inline std::optional<generation> find_generation(const fs::path& root, int n) {
  for (auto& g : list_generations(root))
    if (g.number == n) return g;
  return std::nullopt;
}

// nix-env --list-generations: "   1   2026-11-21 11:29:46   (current)".
inline std::string format_generations(const std::vector<generation>& gens) {
  std::string out;
  for (auto& g : gens) {
    char date[32];
    std::tm tm{};
    ::localtime_r(&g.date, &tm);
    std::strftime(date, sizeof date, "%Y-%m-%d %H:%M:%S", &tm);
    out += fmt::format("{:4}   {}   {}   {}\n", g.number, date, g.toplevel, g.current ? "(current)" : "");
  }
  return out;
}

// The generation number a toplevel gets: that of the newest generation if it already points there
// (Nix makes no new generation then), else newest + 1. Does not change anything.
inline int generation_for(const fs::path& root, const std::string& toplevel) {
  auto gens = list_generations(root);
  if (gens.empty()) return 1;
  if (gens.back().toplevel == toplevel) return gens.back().number;
  return gens.back().number + 1;
}

// Makes system-<n>-link point at toplevel (atomically; idempotent).
inline void create_generation_link(const fs::path& root, int n, const std::string& toplevel) {
  detail::make_dirs(profiles_dir(root));
  detail::atomic_symlink(toplevel, generation_link(root, n));
}

// Points `system` at generation n (a new link, then rename).
inline void set_current_generation(const fs::path& root, int n) {
  if (!detail::lexists(generation_link(root, n))) throw error(fmt::format("profile version {} does not exist", n));
  detail::atomic_symlink(fmt::format("system-{}-link", n), profile_link(root));
}

// The generation `rollback` switches to: the newest one older than the current.
inline generation rollback_target(const fs::path& root) {
  auto gens = list_generations(root);
  auto cur = current_generation(root);
  if (!cur) throw error(fmt::format("no current generation in {}", profiles_dir(root).string()));
  std::optional<generation> best;
  for (auto& g : gens)
    if (g.number < *cur) best = g;
  if (!best) throw error(fmt::format("no profile version older than the current ({}) exists", *cur));
  return *best;
}

// nix-env --delete-generations: each spec is a number, "old" (all but current, newer ones too),
// "+N" (keep the current and the N-1 older before it; newer untouched) or "Nd" (keep those newer
// than N days, plus the newest older one). The current generation is never deleted. Returns the
// numbers removed.
inline std::vector<int> delete_generations(const fs::path& root, const std::vector<std::string>& specs, std::time_t now = std::time(nullptr)) {
  auto gens = list_generations(root);
  auto cur = current_generation(root);
  std::set<int> doomed;
  auto parse_int = [](std::string_view s, std::string_view what) {
    int n = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
    if (ec != std::errc() || p != s.data() + s.size() || s.empty()) throw error(fmt::format("invalid {} '{}'", what, s));
    return n;
  };
  for (auto& spec : specs) {
    if (spec == "old") {
      for (auto& g : gens)
        if (g.number != cur) doomed.insert(g.number);
    } else if (spec.starts_with("+")) {
      int keep = parse_int(std::string_view(spec).substr(1), "number of generations to keep");
      if (keep <= 0) throw error(fmt::format("invalid number of generations to keep '{}'", spec));
      int kept = 0;
      for (auto it = gens.rbegin(); it != gens.rend(); ++it) {
        if (cur && it->number > *cur) continue;
        if (++kept > keep) doomed.insert(it->number);
      }
    } else if (spec.ends_with("d")) {
      int days = parse_int(std::string_view(spec).substr(0, spec.size() - 1), "number of days");
      std::time_t cutoff = now - static_cast<std::time_t>(days) * 24 * 3600;
      bool kept_older = false;
      for (auto it = gens.rbegin(); it != gens.rend(); ++it) {
        if (it->date >= cutoff) continue;
        if (!kept_older) {
          kept_older = true;  // the one that was live at the cutoff
          continue;
        }
        if (it->number != cur) doomed.insert(it->number);
      }
    } else {
      int n = parse_int(spec, "generation number");
      if (cur == n) throw error(fmt::format("cannot delete current version of profile {}", profile_link(root).string()));
      if (std::none_of(gens.begin(), gens.end(), [&](auto& g) { return g.number == n; }))
        throw error(fmt::format("profile version {} does not exist", n));
      doomed.insert(n);
    }
  }
  std::vector<int> removed;
  for (int n : doomed) {
    if (cur == n) continue;
    detail::remove_file(generation_link(root, n));
    removed.push_back(n);
  }
  return removed;
}

}  // namespace cairn::activation
