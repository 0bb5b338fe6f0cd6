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

// A profile: a directory of <name>-<N>-link generation links and <name> pointing at one of them.
// The system's is ROOT/cairn/var/profiles/system; a home's is
// ROOT/cairn/var/profiles/per-user/<user>/home (home/generation.hpp).
struct profile {
  fs::path dir;
  std::string name = "system";
  fs::path link() const { return dir / name; }
  fs::path generation_link(int n) const { return dir / fmt::format("{}-{}-link", name, n); }
  std::string generation_link_name(int n) const { return fmt::format("{}-{}-link", name, n); }
};

inline fs::path profiles_dir(const fs::path& root) { return root / "cairn/var/profiles"; }
inline profile system_profile(const fs::path& root) { return {profiles_dir(root), "system"}; }
inline fs::path profile_link(const fs::path& root) { return system_profile(root).link(); }
inline fs::path generation_link(const fs::path& root, int n) { return system_profile(root).generation_link(n); }

namespace detail {
inline std::optional<int> parse_generation_link(const std::string& name, std::string_view profile_name = "system") {
  const std::string prefix = std::string(profile_name) + "-";
  if (!name.starts_with(prefix) || !name.ends_with("-link") || name.size() <= prefix.size() + 5) return std::nullopt;
  std::string_view digits(name.data() + prefix.size(), name.size() - prefix.size() - 5);
  int n = 0;
  auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
  if (ec != std::errc() || p != digits.data() + digits.size() || digits.empty() || n <= 0) return std::nullopt;
  return n;
}
}  // namespace detail

// The generation the profile points at, if any.
inline std::optional<int> current_generation(const profile& pr) {
  auto t = detail::read_link(pr.link());
  if (!t) return std::nullopt;
  return detail::parse_generation_link(fs::path(*t).filename().string(), pr.name);
}
inline std::optional<int> current_generation(const fs::path& root) { return current_generation(system_profile(root)); }

// Every generation, oldest first.
inline std::vector<generation> list_generations(const profile& pr) {
  std::vector<generation> out;
  std::error_code ec;
  auto cur = current_generation(pr);
  for (auto it = fs::directory_iterator(pr.dir, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
    auto n = detail::parse_generation_link(it->path().filename().string(), pr.name);
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
inline std::vector<generation> list_generations(const fs::path& root) { return list_generations(system_profile(root)); }

inline std::optional<generation> find_generation(const profile& pr, int n) {
  for (auto& g : list_generations(pr))
    if (g.number == n) return g;
  return std::nullopt;
}
inline std::optional<generation> find_generation(const fs::path& root, int n) { return find_generation(system_profile(root), n); }

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
inline int generation_for(const profile& pr, const std::string& toplevel) {
  auto gens = list_generations(pr);
  if (gens.empty()) return 1;
  if (gens.back().toplevel == toplevel) return gens.back().number;
  return gens.back().number + 1;
}
inline int generation_for(const fs::path& root, const std::string& toplevel) { return generation_for(system_profile(root), toplevel); }

// Makes <name>-<n>-link point at toplevel (atomically; idempotent).
inline void create_generation_link(const profile& pr, int n, const std::string& toplevel) {
  detail::make_dirs(pr.dir);
  detail::atomic_symlink(toplevel, pr.generation_link(n));
}
inline void create_generation_link(const fs::path& root, int n, const std::string& toplevel) {
  create_generation_link(system_profile(root), n, toplevel);
}

// Points the profile at generation n (a new link, then rename).
inline void set_current_generation(const profile& pr, int n) {
  if (!detail::lexists(pr.generation_link(n))) throw error(fmt::format("profile version {} does not exist", n));
  detail::atomic_symlink(pr.generation_link_name(n), pr.link());
}
inline void set_current_generation(const fs::path& root, int n) { set_current_generation(system_profile(root), n); }

// The generation `rollback` switches to: the newest one older than the current.
inline generation rollback_target(const profile& pr) {
  auto gens = list_generations(pr);
  auto cur = current_generation(pr);
  if (!cur) throw error(fmt::format("no current generation in {}", pr.dir.string()));
  std::optional<generation> best;
  for (auto& g : gens)
    if (g.number < *cur) best = g;
  if (!best) throw error(fmt::format("no profile version older than the current ({}) exists", *cur));
  return *best;
}
inline generation rollback_target(const fs::path& root) { return rollback_target(system_profile(root)); }

// nix-env --delete-generations: each spec is a number, "old" (all but current, newer ones too),
// "+N" (keep the current and the N-1 older before it; newer untouched) or "Nd" (keep those newer
// than N days, plus the newest older one). The current generation is never deleted. Returns the
// numbers removed.
inline std::vector<int> delete_generations(const profile& pr, const std::vector<std::string>& specs, std::time_t now = std::time(nullptr)) {
  auto gens = list_generations(pr);
  auto cur = current_generation(pr);
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
      if (cur == n) throw error(fmt::format("cannot delete current version of profile {}", pr.link().string()));
      if (std::none_of(gens.begin(), gens.end(), [&](auto& g) { return g.number == n; }))
        throw error(fmt::format("profile version {} does not exist", n));
      doomed.insert(n);
    }
  }
  std::vector<int> removed;
  for (int n : doomed) {
    if (cur == n) continue;
    detail::remove_file(pr.generation_link(n));
    removed.push_back(n);
  }
  return removed;
}
inline std::vector<int> delete_generations(const fs::path& root, const std::vector<std::string>& specs, std::time_t now = std::time(nullptr)) {
  return delete_generations(system_profile(root), specs, now);
}

}  // namespace cairn::activation
