// /etc as NixOS's setup-etc.pl does it: /etc/static -> <toplevel>/etc, each entry linked through
// it (or copied with owner and mode), entries the previous generation managed and this one does
// not removed, files cairn never managed left alone. What cairn manages is recorded in
// ROOT/cairn/var/activation/etc-state.json (updated as "old ∪ new" before any change and "new"
// after, so an interrupted step is completed by running it again).
#pragma once

#include <cairn/activation/detail/fs.hpp>
#include <cairn/activation/error.hpp>
#include <cairn/activation/lock.hpp>
#include <cairn/activation/toplevel.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <sys/stat.h>

namespace cairn::activation {

namespace fs = std::filesystem;

inline constexpr std::string_view backup_suffix = ".cairn-backup";

// What cairn manages in /etc: target -> "link" | "direct" | "copy"; originals moved aside; the
// directories cairn created (removed again when empty).
struct etc_state {
  std::map<std::string, std::string> entries;
  std::set<std::string> backups;
  std::set<std::string> dirs;
  friend bool operator==(const etc_state&, const etc_state&) = default;
};

struct etc_plan {
  std::optional<std::string> toplevel;       // /etc/static -> <toplevel>/etc; nullopt: no generation
  fs::path toplevel_real;                    // where its bytes are
  std::vector<etc_entry> entries;            // every entry of the next generation
  std::vector<std::string> update;           // entries to create or rewrite
  std::vector<std::string> remove;           // entries of the previous generation to remove
  std::vector<std::string> backup;           // unmanaged files to move to <target>.cairn-backup
  std::vector<std::string> restore;          // backups to move back (their entry is gone)
  std::map<std::string, std::pair<uid_t, gid_t>> owners;  // copied entries: resolved owner
  etc_state previous;
  etc_state next;
};

namespace detail {

inline fs::path etc_state_file(const fs::path& root) { return state_dir(root) / "etc-state.json"; }

inline etc_state read_etc_state(const fs::path& root) {
  etc_state s;
  auto text = read_file_if_exists(etc_state_file(root));
  if (!text) return s;
  try {
    auto j = nlohmann::json::parse(*text);
    s.entries = j.at("entries").get<std::map<std::string, std::string>>();
    s.backups = j.at("backups").get<std::set<std::string>>();
    s.dirs = j.at("dirs").get<std::set<std::string>>();
  } catch (const nlohmann::json::exception& e) {
    throw error(fmt::format("{} is corrupt ({}); it records which /etc files cairn manages: restore it or remove it to adopt only links into /etc/static",
                            etc_state_file(root).string(), e.what()));
  }
  return s;
}

inline void write_etc_state(const fs::path& root, const etc_state& s) {
  nlohmann::json j = {{"entries", s.entries}, {"backups", s.backups}, {"dirs", s.dirs}};
  make_dirs(state_dir(root));
  write_file_atomic(etc_state_file(root), j.dump() + "\n", {.mode = 0644});  // synced with the root at the end
}

inline std::string etc_kind(const etc_entry& e) { return e.copied() ? "copy" : e.mode == "direct-symlink" ? "direct" : "link"; }

inline std::string static_link_of(const std::string& target) { return "/etc/static/" + target; }

// Where an unmanaged /etc/<target> is kept while cairn manages it: <target>.cairn-backup, except
// for a link in a unit's .wants/.requires/.upholds directory, which systemd would read as a
// badly named unit: it goes to the sibling directory <dir>.cairn-backup/<name>.
inline std::string backup_target(const std::string& target) {
  const fs::path t(target);
  const std::string dir = t.parent_path().filename().string();
  for (std::string_view links : {".wants", ".requires", ".upholds"})
    if (dir.ends_with(links)) return (t.parent_path().parent_path() / (dir + std::string(backup_suffix)) / t.filename()).string();
  return target + std::string(backup_suffix);
}

// The backup of /etc/<target> on disk, if any (also one made next to it by an earlier version).
inline std::optional<fs::path> existing_backup(const fs::path& root, const std::string& target) {
  for (const auto& b : {root / "etc" / backup_target(target), root / "etc" / (target + std::string(backup_suffix))})
    if (lexists(b)) return b;
  return std::nullopt;
}

// Where /etc/<target> should point for a direct-symlink entry: the entry's own source.
inline std::string direct_target(const fs::path& toplevel_real, const std::string& target) {
  auto src = read_link(toplevel_real / "etc" / target);
  if (!src) throw error(fmt::format("toplevel {}: direct-symlink entry '{}' is not a symlink", toplevel_real.string(), target));
  return *src;
}

inline std::string copy_source_contents(const fs::path& root, const std::string& toplevel, const fs::path& toplevel_real, const std::string& target) {
  fs::path p = toplevel_real / "etc" / target;
  if (!read_link(p)) return read_file(p);
  return read_file(resolve_in_root(root, toplevel + "/etc/" + target));
}

inline mode_t parse_mode(const std::string& m) { return static_cast<mode_t>(std::stoul(m, nullptr, 8)); }

// Does /etc/<target> already hold what the entry asks for?
inline bool etc_entry_in_place(const fs::path& root, const toplevel& t, const etc_entry& e, uid_t uid, gid_t gid) {
  fs::path p = root / "etc" / e.target;
  if (!e.copied()) {
    auto l = read_link(p);
    return l && *l == (e.mode == "direct-symlink" ? direct_target(t.real, e.target) : static_link_of(e.target));
  }
  struct stat st;
  if (::lstat(p.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return false;
  if ((st.st_mode & 07777) != parse_mode(e.mode) || st.st_uid != uid || st.st_gid != gid) return false;
  auto have = read_file_if_exists(p);
  return have && *have == copy_source_contents(root, t.path, t.real, e.target);
}

}  // namespace detail

// Plans /etc for `next` (nullptr: no generation, i.e. remove everything cairn manages).
// `resolve_user`/`resolve_group` turn a copied entry's owner names into ids (from the planned
// passwd/group). Throws, changing nothing, when an unmanaged file is in the way of an entry
// without `replace`, naming every such file.
inline etc_plan plan_etc(const fs::path& root, const toplevel* next,
                         const std::function<std::optional<uid_t>(const std::string&)>& resolve_user,
                         const std::function<std::optional<gid_t>(const std::string&)>& resolve_group) {
  using namespace detail;
  etc_plan p;
  p.previous = read_etc_state(root);
  p.next.dirs = p.previous.dirs;
  std::vector<std::string> conflicts;
  if (next) {
    p.toplevel = next->path;
    p.toplevel_real = next->real;
    p.entries = next->etc;
  }
  std::set<std::string> next_targets;
  std::set<std::string> checked_parents;
  for (auto& e : p.entries) {
    next_targets.insert(e.target);
    p.next.entries[e.target] = etc_kind(e);
    uid_t uid = static_cast<uid_t>(e.uid);
    gid_t gid = static_cast<gid_t>(e.gid);
    if (e.copied()) {
      if (!e.user.empty()) {
        auto u = resolve_user(e.user);
        if (!u) throw error(fmt::format("etc entry '{}': user '{}' does not exist", e.target, e.user));
        uid = *u;
      }
      if (!e.group.empty()) {
        auto g = resolve_group(e.group);
        if (!g) throw error(fmt::format("etc entry '{}': group '{}' does not exist", e.target, e.group));
        gid = *g;
      }
      p.owners[e.target] = {uid, gid};
    }
    fs::path real = root / "etc" / e.target;
    // A parent that is a file cairn does not manage is in the way as well.
    for (fs::path parent = fs::path(e.target).parent_path(); !parent.empty(); parent = parent.parent_path()) {
      if (!checked_parents.insert(parent.string()).second) break;  // this parent and those above: seen
      struct stat st;
      if (::lstat((root / "etc" / parent).c_str(), &st) == 0 && !S_ISDIR(st.st_mode) && !p.previous.entries.contains(parent.string())) {
        bool ours = S_ISLNK(st.st_mode) && read_link(root / "etc" / parent) == static_link_of(parent.string());
        if (!ours) conflicts.push_back(fmt::format("/etc/{} (a file where entry '{}' needs a directory)", parent.string(), e.target));
      }
    }
    bool managed = p.previous.entries.contains(e.target);
    bool pending_backup = p.previous.backups.contains(e.target);
    struct stat st;
    bool present = ::lstat(real.c_str(), &st) == 0;
    if (pending_backup) {
      p.next.backups.insert(e.target);
      // An interrupted backup: the original is still in place and not yet moved aside.
      if (present && !existing_backup(root, e.target) && !etc_entry_in_place(root, *next, e, uid, gid))
        p.backup.push_back(e.target);
    }
    if (!present) {
      p.update.push_back(e.target);
      continue;
    }
    if (!managed) {
      auto l = S_ISLNK(st.st_mode) ? read_link(real) : std::nullopt;
      bool adoptable = l && l->starts_with("/etc/static/");  // a link of an earlier generation
      if (S_ISDIR(st.st_mode)) {
        conflicts.push_back(fmt::format("/etc/{} (a directory)", e.target));
        continue;
      }
      if (!adoptable) {
        if (!e.replace) {
          conflicts.push_back(fmt::format("/etc/{} (a {} cairn does not manage)", e.target, S_ISLNK(st.st_mode) ? "symlink" : "file"));
          continue;
        }
        if (auto b = existing_backup(root, e.target)) {
          conflicts.push_back(fmt::format("/etc/{} (its backup {} already exists)", e.target, b->string()));
          continue;
        }
        p.backup.push_back(e.target);
        p.next.backups.insert(e.target);
        p.update.push_back(e.target);
        continue;
      }
    }
    if (!etc_entry_in_place(root, *next, e, uid, gid)) p.update.push_back(e.target);
  }
  for (auto& [t, kind] : p.previous.entries) {
    if (next_targets.contains(t)) continue;
    p.remove.push_back(t);
    if (p.previous.backups.contains(t)) p.restore.push_back(t);
  }
  if (!conflicts.empty()) {
    std::string list;
    for (auto& c : conflicts) list += "\n  " + c;
    throw error(fmt::format("refusing to activate: files that cairn does not manage are in the way in {}:{}\n"
                            "move them away, or declare the entry with replace = true to back them up as <file>{}",
                            (root / "etc").string(), list, backup_suffix));
  }
  return p;
}

// Applies an etc plan. Idempotent: running it again after an interruption completes it.
inline void apply_etc(const fs::path& root, const etc_plan& p) {
  using namespace detail;
  fs::path etc = root / "etc";
  make_dirs(etc);
  etc_state work = p.previous;  // old ∪ new, recorded before anything changes
  for (auto& [t, k] : p.next.entries) work.entries[t] = k;
  for (auto& b : p.next.backups) work.backups.insert(b);
  std::set<std::string> seen_dirs;
  for (auto& e : p.entries)
    for (fs::path d = fs::path(e.target).parent_path(); !d.empty(); d = d.parent_path()) {
      if (!seen_dirs.insert(d.string()).second) break;
      if (!fs::is_directory(etc / d)) work.dirs.insert(d.string());
    }
  const etc_state on_disk = work != p.previous ? work : p.previous;
  if (work != p.previous) write_etc_state(root, work);
  crash_point("etc: state recorded");

  if (p.toplevel) atomic_symlink(*p.toplevel + "/etc", etc / "static");
  else remove_file(etc / "static");
  crash_point("etc: /etc/static flipped");

  // Entries that are gone: remove them (and restore what they replaced) before new ones land.
  std::set<std::string> restore(p.restore.begin(), p.restore.end());
  for (auto& t : p.remove) {
    fs::path real = etc / t;
    auto b = restore.contains(t) ? existing_backup(root, t) : std::nullopt;
    if (b) {
      if (::rename(b->c_str(), real.c_str()) != 0) throw_sys("restore", *b);
      if (b->parent_path() != real.parent_path()) ::rmdir(b->parent_path().c_str());  // gone when empty
    } else {
      remove_file(real);
    }
    work.entries.erase(t);
    work.backups.erase(t);
    for (fs::path d = fs::path(t).parent_path(); !d.empty() && work.dirs.contains(d.string()); d = d.parent_path()) {
      if (::rmdir((etc / d).c_str()) != 0) break;
      work.dirs.erase(d.string());
    }
    crash_point("etc: removed an obsolete entry");
  }

  for (auto& t : p.backup) {
    fs::path real = etc / t;
    fs::path b = etc / backup_target(t);
    if (lexists(real) && !existing_backup(root, t)) {
      make_dirs(b.parent_path());
      if (::rename(real.c_str(), b.c_str()) != 0) throw_sys("back up", real);
    }
    crash_point("etc: backed up a file in the way");
  }

  std::set<std::string> update(p.update.begin(), p.update.end());
  std::set<std::string> made_dirs;
  for (auto& e : p.entries) {
    if (!update.contains(e.target)) continue;
    fs::path real = etc / e.target;
    if (made_dirs.insert(real.parent_path().string()).second) make_dirs(real.parent_path());
    if (e.copied()) {
      auto [uid, gid] = p.owners.at(e.target);
      write_file_atomic(real, copy_source_contents(root, *p.toplevel, p.toplevel_real, e.target),
                        {.mode = parse_mode(e.mode), .uid = uid, .gid = gid});
    } else if (e.mode == "direct-symlink") {
      atomic_symlink(direct_target(p.toplevel_real, e.target), real);
    } else {
      atomic_symlink(static_link_of(e.target), real);
    }
    crash_point("etc: entry in place");
  }

  etc_state done = p.next;
  done.dirs = work.dirs;
  for (auto& d : p.next.dirs) done.dirs.insert(d);
  if (done != on_disk) write_etc_state(root, done);
  crash_point("etc: state committed");
}

}  // namespace cairn::activation
