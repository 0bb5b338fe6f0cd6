// The planner: one function computes everything an activation will do. dry-activate prints the
// plan; switch, boot and test execute exactly it (execute.hpp).
#pragma once

#include <cairn/activation/boot.hpp>
#include <cairn/activation/detail/fs.hpp>
#include <cairn/activation/error.hpp>
#include <cairn/activation/etc.hpp>
#include <cairn/activation/generations.hpp>
#include <cairn/activation/scripts.hpp>
#include <cairn/activation/toplevel.hpp>
#include <cairn/activation/units.hpp>
#include <cairn/activation/users.hpp>
#include <cairn/homes/plan.hpp>
#include <cairn/homes/execute.hpp>
#include <cairn/secrets/activation.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace cairn::activation {

namespace fs = std::filesystem;

// switch: make it the boot default and activate it now; boot: boot default only; test: activate
// only; dry_activate: print what switch would do.
enum class action { switch_, boot, test, dry_activate };

inline std::string_view action_name(action a) {
  switch (a) {
    case action::switch_: return "switch";
    case action::boot: return "boot";
    case action::test: return "test";
    case action::dry_activate: return "dry-activate";
  }
  return "?";
}

inline std::optional<action> parse_action(std::string_view s) {
  for (auto a : {action::switch_, action::boot, action::test, action::dry_activate})
    if (action_name(a) == s) return a;
  return std::nullopt;
}

// What is in force on a root before an activation.
struct current_state {
  fs::path root;
  std::optional<toplevel> current;          // /run/current-system (or the profile's, if unset)
  std::optional<int> current_generation;    // what `system` points at
  bool systemd = false;                     // systemctl is called (root is "/" and PID 1 is systemd)
  std::set<std::string> active_units;       // from systemd; else the current generation's enabled units
  std::vector<std::string> warnings;        // e.g. the generation in force cannot be read
};

inline fs::path current_system_link(const fs::path& root) { return root / "run/current-system"; }
inline fs::path booted_system_link(const fs::path& root) { return root / "run/booted-system"; }

// Reads the state of root. `use_systemd` false never asks systemd (and never calls systemctl).
inline current_state read_current_state(const fs::path& root, bool use_systemd = true) {
  current_state s;
  s.root = root;
  s.current_generation = current_generation(root);
  std::optional<std::string> path = detail::read_link(current_system_link(root));
  if (!path && s.current_generation)
    if (auto g = find_generation(root, *s.current_generation)) path = g->toplevel;
  if (path) {
    try {
      s.current = read_toplevel(root, *path, false);
    } catch (const error& e) {  // a damaged or collected generation must not block switching away from it
      s.warnings.push_back(fmt::format("warning: the generation in force cannot be read, so its units are not compared: {}", e.what()));
    }
  }
  s.systemd = use_systemd && systemd_manages(root);
  if (s.systemd) s.active_units = systemd_active_units();
  else if (s.current) s.active_units = detail::wanted_units(*s.current);
  return s;
}

struct plan {
  action act = action::switch_;
  fs::path root;
  std::optional<toplevel> next;            // nullopt: converge to no generation (rollback of a first switch)
  std::optional<std::string> previous;     // the toplevel in force before
  std::optional<int> previous_generation;  // what `system` pointed at before
  std::optional<int> generation;           // switch/boot: the generation `system` will point at
  bool new_generation_link = false;        // system-<generation>-link is created
  bool activates = false;                  // switch/test/dry-activate: /etc, users, units, scripts
  bool systemd = false;                    // unit actions are executed with systemctl
  users_plan users;
  etc_plan etc;
  unit_plan units;
  std::vector<std::string> scripts;        // activation scripts in order
  std::optional<boot_plan> boot;
  std::optional<secrets::prepared> secrets;  // decrypted before anything changes (dry-activate: in memory)
  std::vector<homes::home_plan> homes;       // activated after the system, each owned by its user
  std::vector<std::string> warnings;
};

struct plan_options {
  std::optional<int> generation;  // switch/boot to this existing generation (rollback, --generation)
  bool secrets = false;           // decrypt the secrets (activate and recover do; a plan to print alone does not)
  std::FILE* out = stderr;        // warnings while decrypting
};

// The homes of `next`, each planned against the generation of it in force: links named as the
// machine sees them (/cairn/store/...), owned by the user's account in the new passwd.
inline std::vector<homes::home_plan> plan_homes(const fs::path& root, const toplevel& next, const users_plan& users) {
  std::vector<homes::home_plan> out;
  for (const auto& h : next.homes) {
    auto g = homes::read_home_generation(root, h.generation);
    homes::home_target w{.root = root, .home = detail::under(root, g.home_directory), .logical_links = true,
                         .backup_extension = h.backup_extension};
    auto uid = users.uids.find(h.user);
    if (uid == users.uids.end()) throw error(fmt::format("the home of {} cannot be activated: {} has no account", h.user, h.user));
    w.uid = uid->second;
    for (const auto& u : next.users.users)
      if (u.name == h.user)
        if (auto gid = users.gids.find(u.group.empty() ? std::string("users") : u.group); gid != users.gids.end()) w.gid = gid->second;
    std::vector<std::string> warnings;
    auto previous = homes::current_home(root, h.user, &warnings);
    out.push_back(homes::plan_home(w, previous, g, {.interrupted = homes::interrupted_home(root, h.user, &warnings)}));
    out.back().warnings.insert(out.back().warnings.begin(), warnings.begin(), warnings.end());
  }
  return out;
}

// Computes the plan. Reads only (but for opt.secrets: the secrets are decrypted into a fresh
// /run/secrets.d/<N> that nothing points at yet); throws activation::error (having changed
// nothing in force) for anything that would fail part-way: an unmanaged file in the way, a
// script cycle, a full /boot, a secret that does not decrypt, ...
inline plan plan_activation(const toplevel* next, const current_state& cur, action act, const plan_options& opt = {}) {
  plan p;
  p.act = act;
  p.root = cur.root;
  if (next) p.next = *next;
  if (cur.current) p.previous = cur.current->path;
  p.previous_generation = cur.current_generation;
  p.activates = act != action::boot;
  p.systemd = cur.systemd;
  p.warnings = cur.warnings;
  const fs::path& root = cur.root;

  if (act != action::test && next) {  // dry-activate: what switch would do
    if (opt.generation) {
      auto g = find_generation(root, *opt.generation);
      if (!g) throw error(fmt::format("profile version {} does not exist", *opt.generation));
      if (g->toplevel != next->path)
        throw error(fmt::format("generation {} is {}, not {}", *opt.generation, g->toplevel, next->path));
      p.generation = g->number;
    } else {
      p.generation = generation_for(root, next->path);
      p.new_generation_link = !detail::lexists(generation_link(root, *p.generation));
    }
    if (next->boot) p.boot = plan_boot(root, *next, *p.generation);
  }

  if (p.activates) {
    p.users = plan_users(root, next ? &next->users : nullptr);
    auto resolve_user = [&](const std::string& n) -> std::optional<uid_t> {
      if (auto it = p.users.uids.find(n); it != p.users.uids.end()) return it->second;
      return std::nullopt;
    };
    auto resolve_group = [&](const std::string& n) -> std::optional<gid_t> {
      if (auto it = p.users.gids.find(n); it != p.users.gids.end()) return it->second;
      return std::nullopt;
    };
    p.etc = plan_etc(root, next ? &*next : nullptr, resolve_user, resolve_group);
    p.units = plan_units(root, cur.current ? &*cur.current : nullptr, next ? &*next : nullptr, cur.active_units);
    if (next) p.homes = plan_homes(root, *next, p.users);
    if (next && opt.secrets) {
      // Owners are the accounts this activation writes; password files may be secrets, so the
      // users are planned again with the fresh secrets visible at /run/secrets.
      auto id_of = [](const auto& ids) {
        return [&ids](const std::string& n) -> std::optional<unsigned> {
          if (auto it = ids.find(n); it != ids.end()) return it->second;
          if (n == "root") return 0;  // even on a root without /etc/passwd yet
          return detail::to_int(n);   // a numeric id
        };
      };
      p.secrets = secrets::prepare(root, *next, id_of(p.users.uids), id_of(p.users.gids),
                                   {.dry = act == action::dry_activate, .out = opt.out});
      if (p.secrets && !p.secrets->dry) {
        auto prepared = p.secrets;
        try {
          p.users = plan_users(root, &next->users, [&](std::string_view path) { return secrets::resolve_after(root, prepared, path); });
        } catch (...) {
          secrets::discard(root, *prepared);
          throw;
        }
      }
      if (p.secrets)
        for (auto& unit : p.secrets->restart_units)  // as sops-nix: only a running unit is restarted
          if (cur.active_units.contains(unit) && !p.units.stop.contains(unit) && !p.units.start.contains(unit)) {
            p.units.reload.erase(unit);
            p.units.restart.insert(unit);
          }
    }
    if (next) p.scripts = order_activation_scripts(next->activation_scripts);
  }
  return p;
}

namespace detail {
inline std::string unit_list(const std::set<std::string>& units) {
  std::vector<std::string> v(units.begin(), units.end());
  std::sort(v.begin(), v.end(), [](const std::string& a, const std::string& b) {
    return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(),
                                        [](unsigned char x, unsigned char y) { return std::tolower(x) < std::tolower(y); });
  });
  return join(v, ", ");
}
}  // namespace detail

// The plan in switch-to-configuration's words, as dry-activate prints it ("would stop ...").
inline std::string format_plan(const plan& p) {
  using detail::unit_list;
  std::string out;
  auto line = [&](std::string s) { out += s + "\n"; };
  std::string target = p.next ? p.next->path : std::string("(no generation)");
  line(fmt::format("plan: {} {} on {}{}", action_name(p.act), target, p.root.string(),
                   p.previous ? fmt::format(" (now in force: {})", *p.previous) : std::string(" (no generation in force)")));
  for (auto& w : p.warnings) line(w);
  if (p.generation)
    line(p.new_generation_link ? fmt::format("would create generation {} and make it the boot default", *p.generation)
                               : fmt::format("would make generation {} the boot default", *p.generation));
  if (p.boot) line(fmt::format("would write boot loader entry {}/loader/entries/{}", p.boot->dir.string(), p.boot->entry_name));
  if (!p.activates) return out;
  const unit_plan& u = p.units;
  if (!u.stop.empty()) line("would stop the following units: " + unit_list(u.stop));
  if (!u.skip.empty()) line("would NOT restart the following changed units: " + unit_list(u.skip));
  line("would activate the configuration...");
  for (auto& m : p.users.messages) {
    std::string s = m;
    for (auto [ing, base] : {std::pair{"creating ", "create "}, {"removing ", "remove "}, {"reviving ", "revive "}})
      if (s.starts_with(ing)) s = std::string("would ") + base + s.substr(std::string_view(ing).size());
    line("  " + s);
  }
  line(fmt::format("  would set up /etc: {} entries, {} to write, {} obsolete to remove", p.etc.entries.size(), p.etc.update.size(), p.etc.remove.size()));
  for (auto& t : p.etc.remove) line(fmt::format("  would remove obsolete /etc/{}", t));
  for (auto& t : p.etc.backup) line(fmt::format("  would move /etc/{} (not cairn's) to /etc/{}", t, detail::backup_target(t)));
  for (auto& t : p.etc.restore) line(fmt::format("  would restore /etc/{} from /etc/{}", t, detail::backup_target(t)));
  if (p.secrets) line("  " + secrets::describe(*p.secrets));
  if (!p.scripts.empty()) line("  would run activation scripts: " + detail::join(p.scripts, ", "));
  if (p.next) line(fmt::format("  would point /run/current-system at {}", p.next->path));
  for (const auto& h : p.homes) {
    for (const auto& w : h.warnings) line("  " + w);
    for (const auto& l : homes::plan_lines(h)) line("  would " + l);
  }
  if (u.daemon_reload) line("would reload the systemd manager configuration");
  if (!u.reload.empty()) line("would reload the following units: " + unit_list(u.reload));
  if (!u.restart.empty()) line("would restart the following units: " + unit_list(u.restart));
  if (!u.start.empty()) line("would start the following units: " + unit_list(u.start));
  if (!p.systemd && (u.daemon_reload || !u.stop.empty() || !u.start.empty() || !u.restart.empty() || !u.reload.empty()))
    line(fmt::format("note: systemd does not manage {}: unit actions are reported, not executed", p.root.string()));
  return out;
}

}  // namespace cairn::activation
