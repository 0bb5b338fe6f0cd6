// cairn/homes/plan.hpp: the home planner. One function computes everything a home activation
// will do; a dry run prints the plan, a switch executes exactly it (homes/execute.hpp).
//
// A path in the home is cairn's when it is a symlink into a home generation of the store (as
// home-manager recognises its links into a home-manager-files path). Anything else at a path
// the new generation links is in the way: the switch stops before any change, naming every
// such file, unless a backup extension is given (it is moved aside) or the file is `force`d.
// Links the new generation no longer has are removed if they are still cairn's; a file the
// user put there instead is left alone.
#pragma once

#include <cairn/activation/detail/fs.hpp>
#include <cairn/activation/error.hpp>
#include <cairn/activation/generations.hpp>
#include <cairn/homes/generation.hpp>

#include <fmt/format.h>

#include <sys/stat.h>
#include <unistd.h>

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace cairn::homes {

// Where and how a home generation is activated.
struct home_target {
  fs::path root = "/";           // whose store and profiles hold the generations
  fs::path home;                 // the home directory, as a real path on this machine
  bool logical_links = false;    // links name /cairn/store/... (a home inside a system root), not real paths
  std::optional<uid_t> uid;      // owner of what activation creates (the system switch runs as root)
  std::optional<gid_t> gid;
  std::string backup_extension;  // files in the way are moved to <file>.<ext>; empty: they stop the switch
  bool systemd = false;          // the user's systemd manager runs: unit changes are carried out
};

struct home_link {
  std::string target;  // relative to the home
  std::string to;      // what the link names
  bool replaces = false;
  friend bool operator==(const home_link&, const home_link&) = default;
};

struct home_plan {
  home_target where;
  std::string user;
  std::optional<home_generation> previous;  // in force before
  home_generation next;
  std::optional<int> previous_generation;
  int generation = 0;
  bool new_generation_link = false;
  std::vector<home_link> links;     // created or repointed, in target order
  std::size_t unchanged = 0;        // links already right
  std::vector<std::string> backup;  // moved to <target>.<ext> first
  std::vector<std::string> clobber; // force: deleted first
  std::vector<std::string> remove;  // obsolete links of cairn's
  std::vector<std::string> keep;    // obsolete targets that are no longer cairn's: left alone
  std::set<std::string> stop, start, restart;  // systemd user units
  bool daemon_reload = false;
  std::vector<std::string> warnings;
};

struct home_plan_options {
  std::optional<int> generation;  // an existing generation (rollback, --generation N)
  // A switch that was interrupted on its way to this generation: its links are cairn's too,
  // and those `next` does not have go.
  std::optional<home_generation> interrupted;
};

namespace detail {

using activation::detail::lexists;
using activation::detail::read_link;

// Where a file in the way goes: <target>.<ext>, as home-manager's -b / backupFileExtension.
inline std::string backup_name(const home_target& w, const std::string& target) { return target + "." + w.backup_extension; }

// What a link to <generation>/<source> names.
inline std::string link_to(const home_target& w, const std::string& generation, const std::string& source) {
  std::string base = w.logical_links ? generation : activation::detail::under(w.root, generation).string();
  return base + "/" + source;
}

// Whether a link target points into a home generation of a store: /cairn/store/<hash>-cairn-home-*,
// logical or under any root (a root copied or moved keeps its home's links cairn's).
inline bool is_cairn_link(const std::string& target) {
  constexpr std::string_view store = "/cairn/store/";
  for (auto at = target.find(store); at != std::string::npos; at = target.find(store, at + 1)) {
    std::string_view rest(target.data() + at + store.size(), target.size() - at - store.size());
    rest = rest.substr(0, rest.find('/'));
    if (rest.size() > 33 && rest[32] == '-' && rest.substr(33).starts_with("cairn-home-")) return true;
  }
  return false;
}

inline std::string describe_kind(const fs::path& p) {
  struct stat st;
  if (::lstat(p.c_str(), &st) != 0) return "missing";
  if (S_ISLNK(st.st_mode)) return fmt::format("a symlink to {}", read_link(p).value_or("?"));
  if (S_ISDIR(st.st_mode)) return "a directory";
  return "a file";
}

// Systemd user units of a generation: unit name -> file source, and the units default.target wants.
struct user_units {
  std::map<std::string, std::string> files;
  std::set<std::string> wanted;
};

inline bool is_unit_name(std::string_view n) {
  for (std::string_view suffix : {".service", ".timer", ".socket", ".target", ".path", ".mount"})
    if (n.size() > suffix.size() && n.ends_with(suffix)) return true;
  return false;
}

inline user_units units_of(const home_generation& g) {
  user_units u;
  for (const auto& f : g.files) {
    fs::path t(f.target);
    std::string dir = t.parent_path().string();
    std::string name = t.filename().string();
    if (!is_unit_name(name)) continue;
    if (dir == "systemd/user" || dir.ends_with("/systemd/user")) u.files[name] = f.source;
    else if (dir.ends_with("systemd/user/default.target.wants")) u.wanted.insert(name);
  }
  return u;
}

// Whether the real directory `at` (the home's `rel`) is left empty once the obsolete links of
// cairn's under it are removed: then a link may take its place.
inline bool empties(const fs::path& at, const std::string& rel, const std::set<std::string>& obsolete) {
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(at, ec)) {
    std::string sub = rel + "/" + e.path().filename().string();
    if (e.is_symlink()) {
      if (!obsolete.contains(sub) || !is_cairn_link(read_link(e.path()).value_or(""))) return false;
    } else if (e.is_directory()) {
      if (!empties(e.path(), sub, obsolete)) return false;
    } else {
      return false;
    }
  }
  return !ec;
}

inline std::string unit_text(const fs::path& root, const home_generation& g, const std::string& source) {
  return activation::detail::read_file_if_exists(activation::detail::resolve_in_root(root, g.path + "/" + source)).value_or("");
}

}  // namespace detail

// The profile of a plan's user.
inline activation::profile profile_of(const home_plan& p) { return home_profile(p.where.root, p.user); }

// Computes the plan; reads only. Throws activation::error naming every file in the way.
inline home_plan plan_home(const home_target& where, const std::optional<home_generation>& previous, const home_generation& next,
                           const home_plan_options& opt = {}) {
  using namespace detail;
  home_plan p;
  p.where = where;
  p.user = next.user;
  p.previous = previous;
  p.next = next;
  auto profile = home_profile(where.root, next.user);
  p.previous_generation = activation::current_generation(profile);
  if (opt.generation) {
    auto g = activation::find_generation(profile, *opt.generation);
    if (!g) throw error(fmt::format("home generation {} of {} does not exist", *opt.generation, next.user));
    if (g->toplevel != next.path) throw error(fmt::format("home generation {} is {}, not {}", *opt.generation, g->toplevel, next.path));
    p.generation = g->number;
  } else {
    p.generation = activation::generation_for(profile, next.path);
    p.new_generation_link = !lexists(profile.generation_link(p.generation));
  }

  std::set<std::string> wanted;
  for (const auto& f : next.files) wanted.insert(f.target);
  std::set<std::string> obsolete;
  for (const auto* g : {previous ? &*previous : nullptr, opt.interrupted ? &*opt.interrupted : nullptr})
    if (g != nullptr)
      for (const auto& f : g->files)
        if (!wanted.contains(f.target)) obsolete.insert(f.target);

  std::vector<std::string> in_the_way;
  auto stop_at = [&](const std::string& target, const std::string& why) {
    in_the_way.push_back(fmt::format("{} ({})", (where.home / target).string(), why));
  };
  for (const auto& f : next.files) {
    // Every directory above the link must be one (or a link to one), or cairn's link that goes.
    bool parents_ok = true;
    bool parent_goes = false;  // a link of cairn's above it is removed first: nothing is there then
    fs::path rel;
    const fs::path target_path(f.target);
    for (auto it = target_path.begin(); std::next(it) != target_path.end(); ++it) {
      rel /= *it;
      fs::path at = where.home / rel;
      struct stat st;
      if (::lstat(at.c_str(), &st) != 0) break;  // missing: created
      if (S_ISDIR(st.st_mode)) continue;
      if (S_ISLNK(st.st_mode)) {
        auto t = read_link(at).value_or("");
        if (is_cairn_link(t) && obsolete.contains(rel.string())) {
          parent_goes = true;
          break;
        }
        if (fs::is_directory(at)) continue;
      }
      stop_at(rel.string(), fmt::format("{}, where {} needs a directory", describe_kind(at), f.target));
      parents_ok = false;
      break;
    }
    if (!parents_ok) continue;
    fs::path at = where.home / f.target;
    std::string to = link_to(where, next.path, f.source);
    struct stat st;
    if (parent_goes || ::lstat(at.c_str(), &st) != 0) {
      p.links.push_back({f.target, to, false});
      continue;
    }
    if (S_ISLNK(st.st_mode)) {
      auto cur = read_link(at).value_or("");
      if (cur == to) {
        ++p.unchanged;
        continue;
      }
      if (is_cairn_link(cur)) {
        p.links.push_back({f.target, to, true});
        continue;
      }
    }
    if (S_ISDIR(st.st_mode) && empties(at, f.target, obsolete)) {  // a recursive link becomes one link
      p.links.push_back({f.target, to, false});
      continue;
    }
    // Not cairn's.
    if (f.force) {
      if (S_ISDIR(st.st_mode)) {
        stop_at(f.target, "a directory; force replaces files, not directories");
        continue;
      }
      p.clobber.push_back(f.target);
      p.links.push_back({f.target, to, false});
      continue;
    }
    if (!where.backup_extension.empty()) {
      fs::path aside = where.home / backup_name(where, f.target);
      if (lexists(aside)) {
        stop_at(f.target, fmt::format("{}; moving it aside would clobber {}", describe_kind(at), aside.string()));
        continue;
      }
      p.backup.push_back(f.target);
      p.links.push_back({f.target, to, false});
      continue;
    }
    stop_at(f.target, describe_kind(at));
  }
  if (!in_the_way.empty()) {
    std::string list;
    for (const auto& s : in_the_way) list += "\n  " + s;
    throw error(fmt::format(
        "the home of {} in {} was not switched: {} not written by cairn {} in the way:{}\n"
        "nothing was changed. Move or remove {}, or let cairn move {} aside: `switch -b EXT` (standalone) "
        "or home-manager.backupFileExtension (in a host).",
        next.user, where.home.string(), in_the_way.size() == 1 ? "a file" : fmt::format("{} files", in_the_way.size()),
        in_the_way.size() == 1 ? "is" : "are", list, in_the_way.size() == 1 ? "it" : "them",
        in_the_way.size() == 1 ? "it" : "them"));
  }

  for (const auto& t : obsolete) {
    fs::path at = where.home / t;
    auto cur = read_link(at);
    if (cur && is_cairn_link(*cur)) p.remove.push_back(t);
    else if (lexists(at)) p.keep.push_back(t);
  }
  for (const auto& t : p.keep)
    p.warnings.push_back(fmt::format("warning: not removing {}: it is no longer the link cairn made", (where.home / t).string()));

  // Systemd user units, as sd-switch: stop what went, start what is new, restart what changed.
  auto now = units_of(next);
  user_units before;
  if (previous) before = units_of(*previous);
  for (const auto& [name, source] : before.files)
    if (!now.files.contains(name) && before.wanted.contains(name)) p.stop.insert(name);
  for (const auto& name : now.wanted) {
    if (!now.files.contains(name)) continue;
    if (!before.files.contains(name) || !before.wanted.contains(name)) p.start.insert(name);
    else if (unit_text(where.root, *previous, before.files[name]) != unit_text(where.root, next, now.files[name])) p.restart.insert(name);
  }
  p.daemon_reload = before.files != now.files || !p.restart.empty();
  return p;
}

// What the plan does, one line each; a dry run prints them with "would ".
inline std::vector<std::string> plan_lines(const home_plan& p) {
  std::vector<std::string> out;
  const std::string home = p.where.home.string();
  out.push_back(fmt::format("{} generation {} of {}'s home{}", p.new_generation_link ? "create" : "switch to", p.generation, p.user,
                            p.previous ? fmt::format(" (now in force: {})", p.previous->path) : std::string(" (first generation)")));
  for (const auto& t : p.backup) out.push_back(fmt::format("move {0}/{1} (not cairn's) to {0}/{2}", home, t, detail::backup_name(p.where, t)));
  for (const auto& t : p.clobber) out.push_back(fmt::format("delete {}/{} (force)", home, t));
  for (const auto& t : p.remove) out.push_back(fmt::format("remove obsolete link {}/{}", home, t));
  for (const auto& l : p.links) out.push_back(fmt::format("{} {}/{} -> {}", l.replaces ? "repoint" : "link", home, l.target, l.to));
  const char* how = p.where.systemd ? "" : " (no user manager: reported, not executed)";
  auto units = [](const std::set<std::string>& s) { return activation::detail::join({s.begin(), s.end()}, ", "); };
  if (p.daemon_reload) out.push_back(fmt::format("reload the systemd user manager of {}{}", p.user, how));
  if (!p.stop.empty()) out.push_back(fmt::format("stop the following user units: {}{}", units(p.stop), how));
  if (!p.restart.empty()) out.push_back(fmt::format("restart the following user units: {}{}", units(p.restart), how));
  if (!p.start.empty()) out.push_back(fmt::format("start the following user units: {}{}", units(p.start), how));
  out.push_back(fmt::format("make generation {} current ({} links, {} unchanged)", p.generation, p.next.files.size(), p.unchanged));
  return out;
}

inline std::string format_home_plan(const home_plan& p) {
  std::string out = fmt::format("plan: switch {}'s home in {} to {}\n", p.user, p.where.home.string(), p.next.path);
  for (const auto& w : p.warnings) out += w + "\n";
  for (const auto& l : plan_lines(p)) out += "would " + l + "\n";
  return out;
}

}  // namespace cairn::homes
