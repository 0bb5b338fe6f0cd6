// What changed between two toplevels on the activation side: /etc entries, systemd units, users
// and groups. (Packages and closure sizes are the store's diff.)
#pragma once

#include <cairn/activation/detail/fs.hpp>
#include <cairn/activation/toplevel.hpp>
#include <cairn/activation/units.hpp>

#include <fmt/format.h>

#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace cairn::activation {

namespace fs = std::filesystem;

struct name_diff {
  std::vector<std::string> added, removed, changed;
  [[nodiscard]] bool empty() const { return added.empty() && removed.empty() && changed.empty(); }
};

struct toplevel_diff {
  name_diff etc;    // /etc entries (units excluded)
  name_diff units;  // systemd units (files and drop-ins, by unit)
  name_diff users;
  name_diff groups;
};

namespace detail {

// An entry's identity: its manifest fields and its bytes (or link target).
inline std::string etc_identity(const fs::path& root, const toplevel& t, const etc_entry& e) {
  fs::path p = t.real / "etc" / e.target;
  std::string id = fmt::format("{}|{}|{}|{}|{}|{}|", e.mode, e.user, e.group, e.uid, e.gid, e.replace);
  if (auto l = read_link(p)) {
    id += "->" + *l;
    if (!l->empty() && l->front() == '/' && *l != "/dev/null") id += "|" + read_file_if_exists(resolve_in_root(root, *l)).value_or("");
  } else {
    id += read_file_if_exists(p).value_or("");
  }
  return id;
}

template <class Map>
name_diff diff_maps(const Map& a, const Map& b) {
  name_diff d;
  for (auto& [k, v] : a) {
    auto it = b.find(k);
    if (it == b.end()) d.removed.push_back(k);
    else if (!(it->second == v)) d.changed.push_back(k);
  }
  for (auto& [k, v] : b)
    if (!a.contains(k)) d.added.push_back(k);
  return d;
}

inline std::string unit_of(const std::string& target) {
  auto rest = target.substr(15);  // after systemd/system/
  auto slash = rest.find('/');
  if (slash == std::string::npos) return rest;
  auto dir = rest.substr(0, slash);
  if (dir.ends_with(".d")) return dir.substr(0, dir.size() - 2);
  return rest.substr(slash + 1);  // <target>.wants/<unit>: the wanted unit's enablement
}

}  // namespace detail

inline toplevel_diff diff_toplevels(const fs::path& root, const toplevel& a, const toplevel& b) {
  using namespace detail;
  auto index = [&](const toplevel& t, std::map<std::string, std::string>& etc, std::map<std::string, std::string>& units) {
    for (auto& e : t.etc) {
      std::string id = etc_identity(root, t, e);
      if (e.target.starts_with("systemd/system/")) units[unit_of(e.target)] += e.target + "=" + id + "\n";
      else etc[e.target] = id;
    }
  };
  std::map<std::string, std::string> ea, eb, ua, ub;
  index(a, ea, ua);
  index(b, eb, ub);
  toplevel_diff d;
  d.etc = diff_maps(ea, eb);
  d.units = diff_maps(ua, ub);
  std::map<std::string, std::string> usa, usb, gra, grb;
  auto user_id = [](const user_spec& u) {
    return fmt::format("{}|{}|{}|{}|{}|{}|{}|{}", u.uid ? *u.uid : -1, u.group, join(u.extra_groups, ","), u.description, u.home,
                       u.shell, u.hashed_password.value_or(""), u.is_system_user);
  };
  for (auto& u : a.users.users) usa[u.name] = user_id(u);
  for (auto& u : b.users.users) usb[u.name] = user_id(u);
  for (auto& g : a.users.groups) gra[g.name] = fmt::format("{}|{}", g.gid ? *g.gid : -1, join(g.members, ","));
  for (auto& g : b.users.groups) grb[g.name] = fmt::format("{}|{}", g.gid ? *g.gid : -1, join(g.members, ","));
  d.users = diff_maps(usa, usb);
  d.groups = diff_maps(gra, grb);
  return d;
}

// nvd-like text: one section per kind, "+ added", "- removed", "~ changed".
inline std::string format_diff(const toplevel_diff& d) {
  std::string out;
  auto section = [&](const char* title, const name_diff& n, const char* prefix) {
    if (n.empty()) return;
    out += fmt::format("{}:\n", title);
    for (auto& x : n.added) out += fmt::format("  + {}{}\n", prefix, x);
    for (auto& x : n.removed) out += fmt::format("  - {}{}\n", prefix, x);
    for (auto& x : n.changed) out += fmt::format("  ~ {}{}\n", prefix, x);
  };
  section("etc files", d.etc, "/etc/");
  section("units", d.units, "");
  section("users", d.users, "");
  section("groups", d.groups, "");
  if (out.empty()) out = "no changes in etc files, units, users or groups\n";
  return out;
}

}  // namespace cairn::activation
