// Users and groups as update-users-groups.pl does them: /etc/passwd, /etc/group, /etc/shadow (and
// /etc/gshadow when the root has one) rewritten from the declared spec; entries cairn does not
// manage kept as they are; ids stable across switches through a persistent map that never forgets
// (ROOT/cairn/var/activation/users.json), so a deleted user's id is not reused; users and groups
// removed only when cairn declared them before. Files keep Debian's modes: passwd and group 0644
// root:root, shadow and gshadow 0640 root:shadow.
#pragma once

#include <cairn/activation/detail/fs.hpp>
#include <cairn/activation/error.hpp>
#include <cairn/activation/lock.hpp>
#include <cairn/activation/toplevel.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace cairn::activation {

namespace fs = std::filesystem;

struct users_state {
  std::map<std::string, int> uid_map;  // never shrinks: ids are not reused
  std::map<std::string, int> gid_map;
  std::set<std::string> declarative_users;
  std::set<std::string> declarative_groups;
  friend bool operator==(const users_state&, const users_state&) = default;
};

struct home_dir {
  std::string path;  // logical
  uid_t uid;
  gid_t gid;
  mode_t mode;
};

struct users_plan {
  std::string passwd, group, shadow;
  std::optional<std::string> gshadow;  // only when the root has /etc/gshadow
  bool changed = false;                // any of the files differs from what is there
  std::vector<std::string> messages;   // what will happen, in update-users-groups.pl's words
  std::vector<home_dir> homes;         // home directories to create
  std::map<std::string, uid_t> uids;   // every user of the new passwd
  std::map<std::string, gid_t> gids;   // every group of the new group file
  gid_t shadow_gid = 0;
  users_state previous;
  users_state next;
};

namespace detail {

inline fs::path users_state_file(const fs::path& root) { return state_dir(root) / "users.json"; }

inline users_state read_users_state(const fs::path& root) {
  users_state s;
  auto text = read_file_if_exists(users_state_file(root));
  if (!text) return s;
  try {
    auto j = nlohmann::json::parse(*text);
    s.uid_map = j.at("uidMap").get<std::map<std::string, int>>();
    s.gid_map = j.at("gidMap").get<std::map<std::string, int>>();
    s.declarative_users = j.at("declarativeUsers").get<std::set<std::string>>();
    s.declarative_groups = j.at("declarativeGroups").get<std::set<std::string>>();
  } catch (const nlohmann::json::exception& e) {
    throw error(fmt::format("{} is corrupt ({}); it holds the stable uid/gid map: restore it from a backup", users_state_file(root).string(), e.what()));
  }
  return s;
}

inline void write_users_state(const fs::path& root, const users_state& s) {
  nlohmann::json j = {{"uidMap", s.uid_map}, {"gidMap", s.gid_map}, {"declarativeUsers", s.declarative_users}, {"declarativeGroups", s.declarative_groups}};
  make_dirs(state_dir(root));
  write_file_atomic(users_state_file(root), j.dump(1) + "\n", {.mode = 0644});  // synced with the root at the end
}

// A colon-separated database file; lines we cannot parse are kept verbatim.
struct db_line {
  std::vector<std::string> fields;  // empty: verbatim
  std::string raw;
};

struct db_file {
  std::vector<db_line> lines;
  std::string original;
  bool exists = false;

  static db_file read(const fs::path& p, std::size_t nfields) {
    db_file f;
    auto text = read_file_if_exists(p);
    if (!text) return f;
    f.exists = true;
    f.original = *text;
    std::size_t start = 0;
    while (start < text->size()) {
      auto end = text->find('\n', start);
      std::string line = text->substr(start, end == std::string::npos ? std::string::npos : end - start);
      start = end == std::string::npos ? text->size() : end + 1;
      auto fields = split(line, ':');
      if (fields.size() == nfields && !fields[0].empty() && line[0] != '#' && line[0] != '+' && line[0] != '-') f.lines.push_back({std::move(fields), {}});
      else f.lines.push_back({{}, std::move(line)});
    }
    return f;
  }
  db_line* find(const std::string& name) {
    for (auto& l : lines)
      if (!l.fields.empty() && l.fields[0] == name) return &l;
    return nullptr;
  }
  void erase(const std::string& name) {
    std::erase_if(lines, [&](const db_line& l) { return !l.fields.empty() && l.fields[0] == name; });
  }
  std::string text() const {
    std::string out;
    for (auto& l : lines) out += (l.fields.empty() ? l.raw : join(l.fields, ":")) + "\n";
    return out;
  }
};

inline std::optional<int> to_int(const std::string& s) {
  int n = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (ec != std::errc() || p != s.data() + s.size() || s.empty()) return std::nullopt;
  return n;
}

}  // namespace detail

// Plans the user and group databases of root for spec (nullptr: no generation, so every user and
// group cairn declared is removed). Changes nothing.
// `locate` maps a logical path (a hashedPasswordFile) to where it is read; by default, resolved
// under root. Activation passes one that sees the secrets it is about to put in force.
using path_locator = std::function<fs::path(std::string_view)>;

inline users_plan plan_users(const fs::path& root, const users_groups_spec* spec, const path_locator& locate = {}) {
  using namespace detail;
  static const users_groups_spec empty{};
  const users_groups_spec& s = spec ? *spec : empty;
  users_plan p;
  p.previous = read_users_state(root);
  p.next.uid_map = p.previous.uid_map;
  p.next.gid_map = p.previous.gid_map;

  db_file passwd = db_file::read(root / "etc/passwd", 7);
  db_file group = db_file::read(root / "etc/group", 4);
  db_file shadow = db_file::read(root / "etc/shadow", 9);
  db_file gshadow = db_file::read(root / "etc/gshadow", 4);

  std::set<std::string> declared_users, declared_groups;
  for (auto& u : s.users) declared_users.insert(u.name);
  for (auto& g : s.groups) declared_groups.insert(g.name);
  p.next.declarative_users = declared_users;
  p.next.declarative_groups = declared_groups;

  auto ids_in_use = [](db_file& f) {
    std::set<int> used;
    for (auto& l : f.lines)
      if (!l.fields.empty())
        if (auto n = to_int(l.fields[2])) used.insert(*n);
    return used;
  };
  auto allocate = [&](std::set<int>& used, const std::map<std::string, int>& map, int lo, int hi, bool down, const std::string& what) {
    std::set<int> mapped;
    for (auto& [n, id] : map) mapped.insert(id);
    for (int id = down ? hi : lo; down ? id >= lo : id <= hi; id += down ? -1 : 1)
      if (!used.contains(id) && !mapped.contains(id)) return id;
    throw error(fmt::format("out of free UIDs or GIDs allocating {} in {}..{}", what, lo, hi));
  };

  // Users and groups cairn no longer declares but did: removed (from each file on its own, so
  // that a run interrupted between two files is completed by the next).
  for (auto& g : p.previous.declarative_groups)
    if (!declared_groups.contains(g)) {
      if (group.find(g)) p.messages.push_back(fmt::format("removing group '{}'", g));
      group.erase(g);
      gshadow.erase(g);
    }
  for (auto& u : p.previous.declarative_users)
    if (!declared_users.contains(u)) {
      if (passwd.find(u)) p.messages.push_back(fmt::format("removing user '{}'", u));
      passwd.erase(u);
      shadow.erase(u);
    }

  // Declared groups.
  std::set<int> gids_used = ids_in_use(group);
  std::vector<db_line> new_groups;
  for (auto& g : s.groups) {
    db_line* line = group.find(g.name);
    if (line) {
      auto have = to_int(line->fields[2]);
      if (g.gid && have && *have != *g.gid)
        p.messages.push_back(fmt::format("warning: not applying GID change of group '{}' ({} -> {}) in /etc/group", g.name, *have, *g.gid));
      if (have) p.next.gid_map[g.name] = *have;
      continue;
    }
    int gid;
    if (g.gid) gid = *g.gid;
    else if (auto it = p.previous.gid_map.find(g.name); it != p.previous.gid_map.end() && !gids_used.contains(it->second)) {
      gid = it->second;
      p.messages.push_back(fmt::format("reviving group '{}' with GID {}", g.name, gid));
    } else {
      auto map = p.next.gid_map;
      map.erase(g.name);
      gid = allocate(gids_used, map, 400, 999, true, fmt::format("group '{}'", g.name));
    }
    if (!p.previous.gid_map.contains(g.name) || p.previous.gid_map.at(g.name) != gid || g.gid)
      p.messages.push_back(fmt::format("creating group '{}' with GID {}", g.name, gid));
    gids_used.insert(gid);
    p.next.gid_map[g.name] = gid;
    new_groups.push_back({{g.name, "x", std::to_string(gid), ""}, {}});
  }
  std::sort(new_groups.begin(), new_groups.end(), [](auto& a, auto& b) { return std::stoi(a.fields[2]) < std::stoi(b.fields[2]); });
  for (auto& l : new_groups) group.lines.push_back(l);
  if (gshadow.exists)
    for (auto& g : s.groups)
      if (!gshadow.find(g.name)) gshadow.lines.push_back({{g.name, "!", "", ""}, {}});

  // Memberships: declared members, declared users' extraGroups, and members cairn does not manage.
  std::map<std::string, std::set<std::string>> wanted;
  for (auto& g : s.groups) wanted[g.name].insert(g.members.begin(), g.members.end());
  for (auto& u : s.users)
    for (auto& g : u.extra_groups) {
      if (!group.find(g)) {
        p.messages.push_back(fmt::format("warning: user '{}' is in extraGroups '{}', which does not exist", u.name, g));
        continue;
      }
      wanted[g].insert(u.name);
    }
  std::set<std::string> managed_users = declared_users;
  managed_users.insert(p.previous.declarative_users.begin(), p.previous.declarative_users.end());
  auto set_members = [&](db_file& f, std::size_t field, const std::string& name, bool declared) {
    db_line* line = f.find(name);
    if (!line) return;
    std::vector<std::string> members;
    std::set<std::string> seen;
    for (auto& m : split(line->fields[field], ','))
      if (!m.empty() && !managed_users.contains(m) && (!declared || s.mutable_users) && seen.insert(m).second) members.push_back(m);
    for (auto& m : wanted[name])
      if (seen.insert(m).second) members.push_back(m);
    line->fields[field] = join(members, ",");
  };
  for (auto& l : group.lines)
    if (!l.fields.empty()) {
      std::string name = l.fields[0];
      set_members(group, 3, name, declared_groups.contains(name));
      if (gshadow.exists) set_members(gshadow, 3, name, declared_groups.contains(name));
    }

  for (auto& l : group.lines)
    if (!l.fields.empty())
      if (auto n = to_int(l.fields[2])) p.gids[l.fields[0]] = static_cast<gid_t>(*n);

  // Declared users.
  std::set<int> uids_used = ids_in_use(passwd);
  std::vector<db_line> new_users;
  std::vector<db_line> new_shadow;
  for (auto& u : s.users) {
    gid_t gid;
    if (auto it = p.gids.find(u.group); it != p.gids.end()) gid = it->second;
    else if (auto n = to_int(u.group)) gid = static_cast<gid_t>(*n);
    else throw error(fmt::format("user '{}': primary group '{}' does not exist (declare it under users.groups)", u.name, u.group));
    std::string shell = u.shell.empty() ? "/usr/sbin/nologin" : u.shell;

    std::optional<std::string> hash = u.hashed_password;
    if (u.hashed_password_file) {
      auto text = read_file_if_exists(locate ? locate(*u.hashed_password_file) : resolve_in_root(root, *u.hashed_password_file));
      if (!text) p.messages.push_back(fmt::format("warning: password file '{}' does not exist", *u.hashed_password_file));
      else {
        std::string h = text->substr(0, text->find('\n'));
        if (h.find(':') != std::string::npos) throw error(fmt::format("user '{}': password file '{}' holds a ':'", u.name, *u.hashed_password_file));
        hash = h;
      }
    }

    db_line* line = passwd.find(u.name);
    int uid;
    if (line) {
      uid = to_int(line->fields[2]).value_or(0);
      if (u.uid && *u.uid != uid)
        p.messages.push_back(fmt::format("warning: not applying UID change of user '{}' ({} -> {}) in /etc/passwd", u.name, uid, *u.uid));
      line->fields = {u.name, "x", std::to_string(uid), std::to_string(gid), u.description, u.home, shell};
    } else {
      if (u.uid) uid = *u.uid;
      else if (auto it = p.previous.uid_map.find(u.name);
               it != p.previous.uid_map.end() && !uids_used.contains(it->second) && (!u.is_system_user || (it->second >= 400 && it->second <= 999))) {
        uid = it->second;
        p.messages.push_back(fmt::format("reviving user '{}' with UID {}", u.name, uid));
      } else {
        auto map = p.next.uid_map;
        map.erase(u.name);
        uid = u.is_system_user ? allocate(uids_used, map, 400, 999, true, fmt::format("user '{}'", u.name))
                               : allocate(uids_used, map, 1000, 29999, false, fmt::format("user '{}'", u.name));
      }
      uids_used.insert(uid);
      if (p.previous.uid_map.find(u.name) == p.previous.uid_map.end() || p.previous.uid_map.at(u.name) != uid || u.uid)
        p.messages.push_back(fmt::format("creating user '{}' with UID {}", u.name, uid));
      new_users.push_back({{u.name, "x", std::to_string(uid), std::to_string(gid), u.description, u.home, shell}, {}});
    }
    p.next.uid_map[u.name] = uid;

    db_line* sline = shadow.find(u.name);
    if (!sline) {
      std::string h = hash.value_or(u.initial_hashed_password.value_or("!"));
      new_shadow.push_back({{u.name, h, "1", "", "", "", "", "", ""}, {}});
    } else if (!s.mutable_users) {
      sline->fields[1] = hash.value_or("!");
    } else if (hash && sline->fields[1] != *hash && (sline->fields[1] == "!" || sline->fields[1] == "*" || sline->fields[1].empty())) {
      sline->fields[1] = *hash;  // mutable users: a password is set only where none is
    }

    if (u.create_home)
      p.homes.push_back({u.home, static_cast<uid_t>(uid), gid, static_cast<mode_t>(std::stoul(u.home_mode, nullptr, 8))});
  }
  std::sort(new_users.begin(), new_users.end(), [](auto& a, auto& b) { return std::stoi(a.fields[2]) < std::stoi(b.fields[2]); });
  for (auto& l : new_users) passwd.lines.push_back(l);
  for (auto& l : new_shadow) shadow.lines.push_back(l);

  for (auto& l : passwd.lines)
    if (!l.fields.empty())
      if (auto n = to_int(l.fields[2])) p.uids[l.fields[0]] = static_cast<uid_t>(*n);
  p.shadow_gid = p.gids.contains("shadow") ? p.gids["shadow"] : 0;

  p.passwd = passwd.text();
  p.group = group.text();
  p.shadow = shadow.text();
  if (gshadow.exists) p.gshadow = gshadow.text();
  p.changed = p.passwd != passwd.original || p.group != group.original || p.shadow != shadow.original ||
              (gshadow.exists && *p.gshadow != gshadow.original) || p.next != p.previous;
  for (auto& h : p.homes)
    if (!fs::exists(under(root, h.path))) p.changed = true;
  return p;
}

// Writes the planned files (each one atomically) and creates the homes. Idempotent.
inline void apply_users(const fs::path& root, const users_plan& p) {
  using namespace detail;
  if (!p.changed) return;
  users_state work = p.next;  // ids only grow; declarative sets as old ∪ new until the files are written
  work.declarative_users.insert(p.previous.declarative_users.begin(), p.previous.declarative_users.end());
  work.declarative_groups.insert(p.previous.declarative_groups.begin(), p.previous.declarative_groups.end());
  write_users_state(root, work);
  crash_point("users: state recorded");
  make_dirs(root / "etc");
  write_file_atomic(root / "etc/group", p.group, {.mode = 0644, .uid = 0, .gid = 0, .sync = true});
  crash_point("users: /etc/group written");
  if (p.gshadow) {
    write_file_atomic(root / "etc/gshadow", *p.gshadow, {.mode = 0640, .uid = 0, .gid = p.shadow_gid, .sync = true});
    crash_point("users: /etc/gshadow written");
  }
  write_file_atomic(root / "etc/passwd", p.passwd, {.mode = 0644, .uid = 0, .gid = 0, .sync = true});
  crash_point("users: /etc/passwd written");
  write_file_atomic(root / "etc/shadow", p.shadow, {.mode = 0640, .uid = 0, .gid = p.shadow_gid, .sync = true});
  crash_point("users: /etc/shadow written");
  for (auto& h : p.homes) {
    fs::path real = under(root, h.path);
    if (fs::exists(real)) continue;
    make_dirs(real.parent_path());
    write_point(real);
    if (::mkdir(real.c_str(), h.mode) != 0 && errno != EEXIST) throw_sys("create home directory", real);
    if (::chown(real.c_str(), h.uid, h.gid) != 0 || ::chmod(real.c_str(), h.mode) != 0) throw_sys("set the owner and mode of", real);
  }
  if (work != p.next) write_users_state(root, p.next);
  crash_point("users: state committed");
}

}  // namespace cairn::activation
