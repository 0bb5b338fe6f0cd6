// Systemd units: the old and new generations' unit files compared as switch-to-configuration-ng
// compares them, to decide which units to stop, start, restart or reload; and the systemctl calls
// that carry the decision out (only on "/" of a machine whose PID 1 is systemd).
#pragma once

#include <cairn/activation/detail/fs.hpp>
#include <cairn/activation/error.hpp>
#include <cairn/activation/toplevel.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>

namespace cairn::activation {

namespace fs = std::filesystem;

// A unit file with its drop-ins merged: section -> key -> values (an empty assignment clears).
using unit_info = std::map<std::string, std::map<std::string, std::vector<std::string>>>;

struct unit_plan {
  std::set<std::string> stop;           // stopped before activation
  std::set<std::string> skip;           // changed, but NOT restarted (X-RestartIfChanged=false, ...)
  std::set<std::string> reload;         // reloaded after activation
  std::set<std::string> restart;        // restarted after activation
  std::set<std::string> start;          // started after activation
  std::set<std::string> hidden_starts;  // targets re-started (not printed, as ng)
  bool daemon_reload = false;           // unit files changed
};

namespace detail {

inline std::string trim(std::string_view s) {
  auto b = s.find_first_not_of(" \t\r");
  if (b == std::string_view::npos) return {};
  auto e = s.find_last_not_of(" \t\r");
  return std::string(s.substr(b, e - b + 1));
}

inline void parse_unit_into(unit_info& info, std::string_view text) {
  std::string section;
  std::string pending;
  std::size_t start = 0;
  while (start <= text.size()) {
    auto end = text.find('\n', start);
    std::string_view raw = text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    start = end == std::string_view::npos ? text.size() + 1 : end + 1;
    std::string line = pending + trim(raw);
    pending.clear();
    if (!line.empty() && line.back() == '\\') {
      line.pop_back();
      pending = line + " ";
      continue;
    }
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    if (line.front() == '[' && line.back() == ']') {
      section = line.substr(1, line.size() - 2);
      info[section];
      continue;
    }
    auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    std::string key = trim(std::string_view(line).substr(0, eq));
    std::string value = trim(std::string_view(line).substr(eq + 1));
    auto& values = info[section][key];
    if (value.empty()) values.clear();
    else values.push_back(value);
  }
}

inline bool unit_bool(const unit_info& u, const std::string& section, const std::string& key, bool fallback = false) {
  auto s = u.find(section);
  if (s == u.end()) return fallback;
  auto k = s->second.find(key);
  if (k == s->second.end() || k->second.empty()) return fallback;
  std::string v = k->second.back();
  std::transform(v.begin(), v.end(), v.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return v == "1" || v == "yes" || v == "true" || v == "on";
}

// The generation's definition of a unit: its file under etc/systemd/system and drop-ins.
struct unit_def {
  bool has_file = false;
  bool masked = false;
  unit_info info;
};

inline std::optional<unit_def> load_unit(const fs::path& root, const toplevel& t, const std::string& name) {
  static const std::string dir_prefix = "systemd/system/";
  unit_def d;
  bool found = false;
  auto base_for = [&](const std::string& n) -> const etc_entry* { return t.find_etc(dir_prefix + n); };
  std::string file_name = name;
  const etc_entry* e = base_for(name);
  if (!e) {
    auto at = name.find('@');
    auto dot = name.rfind('.');
    if (at != std::string::npos && dot != std::string::npos && at + 1 < dot) {
      file_name = name.substr(0, at + 1) + name.substr(dot);  // foo@bar.service -> foo@.service
      e = base_for(file_name);
    }
  }
  if (e) {
    found = true;
    d.has_file = true;
    fs::path p = t.real / "etc" / e->target;
    if (auto l = read_link(p); l && *l == "/dev/null") d.masked = true;
    else parse_unit_into(d.info, t.read_etc(root, e->target));
  }
  // Drop-ins of the instance and of the template, in name order.
  std::vector<std::pair<std::string, const etc_entry*>> drop_ins;
  for (const std::string* n : {static_cast<const std::string*>(&file_name), &name}) {
    std::string prefix = dir_prefix + *n + ".d/";
    auto it = std::lower_bound(t.etc.begin(), t.etc.end(), prefix, [](const etc_entry& x, const std::string& p) { return x.target < p; });
    for (; it != t.etc.end() && it->target.starts_with(prefix); ++it)
      if (it->target.ends_with(".conf") && it->target.find('/', prefix.size()) == std::string::npos)
        drop_ins.emplace_back(it->target.substr(prefix.size()), &*it);
    if (file_name == name) break;
  }
  std::stable_sort(drop_ins.begin(), drop_ins.end(), [](auto& a, auto& b) { return a.first < b.first; });
  for (auto& [fname, entry] : drop_ins) {
    found = true;
    parse_unit_into(d.info, t.read_etc(root, entry->target));
  }
  if (!found) return std::nullopt;
  return d;
}

enum class unit_change { none, reload, restart };

// ng's compare_units: [Install] and cosmetic [Unit] keys ignored; a change only in
// X-Reload-Triggers, ExecReload or [Mount] Options means reload; anything else restart.
inline unit_change compare_units(const unit_info& a, const unit_info& b) {
  static const std::set<std::string> ignored_unit_keys = {
      "Description", "Documentation", "OnFailure", "OnSuccess", "OnFailureJobMode", "IgnoreOnIsolate", "StopWhenUnneeded",
      "RefuseManualStart", "RefuseManualStop", "AllowIsolate", "CollectMode", "SourcePath"};
  auto reload_key = [](const std::string& section, const std::string& key) {
    return (section == "Unit" && key == "X-Reload-Triggers") || (section == "Service" && key == "ExecReload") ||
           (section == "Mount" && key == "Options");
  };
  auto relevant = [&](const std::string& section, const std::string& key) {
    return section != "Install" && !(section == "Unit" && ignored_unit_keys.contains(key));
  };
  unit_change result = unit_change::none;
  std::set<std::pair<std::string, std::string>> keys;
  for (auto* u : {&a, &b})
    for (auto& [s, kv] : *u)
      for (auto& [k, v] : kv)
        if (relevant(s, k)) keys.emplace(s, k);
  static const std::vector<std::string> none;
  auto values = [](const unit_info& u, const std::string& s, const std::string& k) -> const std::vector<std::string>& {
    auto si = u.find(s);
    if (si == u.end()) return none;
    auto ki = si->second.find(k);
    return ki == si->second.end() ? none : ki->second;
  };
  for (auto& [s, k] : keys) {
    auto& va = values(a, s, k);
    auto& vb = values(b, s, k);
    if (va == vb) continue;
    if (!reload_key(s, k)) return unit_change::restart;
    if (s == "Service" && k == "ExecReload" && vb.empty()) continue;  // removing ExecReload: nothing to do
    result = unit_change::reload;
  }
  return result;
}

// The units a generation enables: those with a <target>.wants/ or .requires/ link in its etc.
inline std::set<std::string> wanted_units(const toplevel& t) {
  std::set<std::string> out;
  for (auto& e : t.etc) {
    if (!e.target.starts_with("systemd/system/")) continue;
    auto rest = std::string_view(e.target).substr(15);
    auto slash = rest.find('/');
    if (slash == std::string_view::npos) continue;
    auto dir = rest.substr(0, slash);
    if ((dir.ends_with(".wants") || dir.ends_with(".requires")) && rest.find('/', slash + 1) == std::string_view::npos)
      out.insert(std::string(rest.substr(slash + 1)));
  }
  return out;
}

// Every unit a generation defines (files, and units with drop-ins only).
inline std::set<std::string> defined_units(const toplevel& t) {
  std::set<std::string> out;
  for (auto& e : t.etc) {
    if (!e.target.starts_with("systemd/system/")) continue;
    auto rest = std::string_view(e.target).substr(15);
    auto slash = rest.find('/');
    if (slash == std::string_view::npos) out.insert(std::string(rest));
    else if (rest.substr(0, slash).ends_with(".d") && rest.ends_with(".conf")) out.insert(std::string(rest.substr(0, slash - 2)));
  }
  return out;
}

}  // namespace detail

// Plans unit actions for a switch from `old` to `next` (either may be null). `active` are the
// units systemd reports active (or activating/reloading); without systemd the caller passes the
// old generation's enabled units, as they would be after boot.
inline unit_plan plan_units(const fs::path& root, const toplevel* old, const toplevel* next, const std::set<std::string>& active) {
  using namespace detail;
  unit_plan p;
  std::set<std::string> old_units = old ? defined_units(*old) : std::set<std::string>{};
  std::set<std::string> new_units = next ? defined_units(*next) : std::set<std::string>{};

  auto stop_and_start = [&](const std::string& u, const unit_info& info) {
    // Socket-activated services: stop the service and its sockets, start the sockets only.
    std::vector<std::string> sockets;
    auto si = info.find("Service");
    if (si != info.end())
      if (auto k = si->second.find("Sockets"); k != si->second.end())
        for (auto& v : k->second) {
          std::size_t pos = 0;
          while (pos < v.size()) {
            auto end = v.find(' ', pos);
            auto s = v.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
            if (!s.empty()) sockets.push_back(s);
            pos = end == std::string::npos ? v.size() : end + 1;
          }
        }
    std::string implicit = u.substr(0, u.rfind('.')) + ".socket";
    if (sockets.empty() && new_units.contains(implicit)) sockets.push_back(implicit);
    if (unit_bool(info, "Service", "X-NotSocketActivated")) sockets.clear();
    std::erase_if(sockets, [&](auto& s) { return !active.contains(s); });
    p.stop.insert(u);
    if (sockets.empty()) {
      p.start.insert(u);
      return;
    }
    for (auto& s : sockets) {
      p.stop.insert(s);
      p.start.insert(s);
    }
  };

  for (auto& u : active) {
    bool in_old = old_units.contains(u), in_new = new_units.contains(u);
    if (!in_old && !in_new) continue;  // not cairn's
    auto o = in_old ? load_unit(root, *old, u) : std::nullopt;
    auto n = in_new ? load_unit(root, *next, u) : std::nullopt;
    if (o && o->has_file && (!n || !n->has_file || n->masked)) {
      if (!o->masked && unit_bool(o->info, "Unit", "X-StopOnRemoval", true)) p.stop.insert(u);
      continue;
    }
    if (u.ends_with(".target")) {
      static const std::set<std::string> sleep_targets = {"suspend.target", "hibernate.target", "hybrid-sleep.target"};
      const unit_info& ni = n ? n->info : unit_info{};
      if (!unit_bool(ni, "Unit", "RefuseManualStart") && !unit_bool(ni, "Unit", "X-OnlyManualStart") && !sleep_targets.contains(u)) {
        p.hidden_starts.insert(u);
        if (unit_bool(ni, "Unit", "X-StopOnReconfiguration")) p.stop.insert(u);
      }
      continue;
    }
    static const unit_info empty;
    const unit_info& oi = o ? o->info : empty;
    const unit_info& ni = n ? n->info : empty;
    switch (compare_units(oi, ni)) {
      case unit_change::none: break;
      case unit_change::reload: p.reload.insert(u); break;
      case unit_change::restart: {
        static const std::set<std::string> no_restart = {"sysinit.target", "basic.target", "multi-user.target", "graphical.target"};
        if (no_restart.contains(u) || u.ends_with(".path") || u.ends_with(".slice") || u.ends_with(".socket")) break;
        if (u.ends_with(".mount")) {
          (u == "-.mount" ? p.reload : p.restart).insert(u);
          break;
        }
        if (unit_bool(ni, "Service", "X-ReloadIfChanged")) {
          p.reload.insert(u);
        } else if (!unit_bool(ni, "Service", "X-RestartIfChanged", true) || unit_bool(ni, "Unit", "RefuseManualStop") ||
                   unit_bool(ni, "Unit", "X-OnlyManualStart")) {
          p.skip.insert(u);
        } else if (!u.ends_with(".service") || !unit_bool(ni, "Service", "X-StopIfChanged", true)) {
          p.restart.insert(u);
        } else {
          stop_and_start(u, ni);
        }
        break;
      }
    }
  }
  // New units that the new generation enables: started (systemd would pull them in through
  // their targets; naming them makes the plan checkable).
  if (next)
    for (auto& u : wanted_units(*next))
      if (!active.contains(u) && new_units.contains(u)) {
        auto n = load_unit(root, *next, u);
        if (n && n->has_file && !n->masked && !unit_bool(n->info, "Unit", "RefuseManualStart")) p.start.insert(u);
      }
  // A unit reloaded and restarted is only restarted; one stopped and started is not restarted.
  for (auto& u : p.restart) p.reload.erase(u);
  for (auto& u : p.start) p.restart.erase(u);
  // Any difference in the unit trees means systemd must re-read them.
  auto unit_entries = [](const toplevel* t) {
    std::vector<etc_entry> out;
    if (t)
      for (auto& e : t->etc)
        if (e.target.starts_with("systemd/")) out.push_back(e);
    return out;
  };
  auto oe = unit_entries(old), ne = unit_entries(next);
  p.daemon_reload = oe != ne || !p.stop.empty() || !p.restart.empty() || !p.start.empty() || !p.reload.empty();
  if (!p.daemon_reload && old && next)
    for (auto& u : new_units)
      if (old_units.contains(u)) {
        auto a = load_unit(root, *old, u), b = load_unit(root, *next, u);
        if (a && b && (a->info != b->info || a->masked != b->masked)) {
          p.daemon_reload = true;
          break;
        }
      }
  return p;
}

// ---- systemctl -------------------------------------------------------------------------------

// True when root is "/" of a machine whose PID 1 is systemd: only then is systemctl called.
inline bool systemd_manages(const fs::path& root) {
  std::error_code ec;
  if (!fs::equivalent(root, "/", ec)) return false;
  auto comm = detail::read_file_if_exists("/proc/1/comm");
  return comm && comm->starts_with("systemd") && fs::is_directory("/run/systemd/system", ec);
}

namespace detail {

// Runs a program with arguments (no shell); returns its exit status; output captured if asked.
inline int run(const std::vector<std::string>& argv, std::string* output = nullptr) {
  int pipefd[2] = {-1, -1};
  if (output && ::pipe(pipefd) != 0) throw_sys("create a pipe for", argv[0]);
  pid_t pid = ::fork();
  if (pid < 0) throw_sys("fork for", argv[0]);
  if (pid == 0) {
    if (output) {
      ::dup2(pipefd[1], 1);
      ::close(pipefd[0]);
      ::close(pipefd[1]);
    }
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
  if (output) {
    ::close(pipefd[1]);
    char buf[4096];
    ssize_t n;
    while ((n = ::read(pipefd[0], buf, sizeof buf)) > 0) output->append(buf, static_cast<std::size_t>(n));
    ::close(pipefd[0]);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace detail

// The units systemd has active, activating or reloading.
inline std::set<std::string> systemd_active_units() {
  std::string out;
  detail::run({"systemctl", "list-units", "--all", "--full", "--plain", "--no-legend", "--no-pager"}, &out);
  std::set<std::string> active;
  std::size_t start = 0;
  while (start < out.size()) {
    auto end = out.find('\n', start);
    std::string line = out.substr(start, end == std::string::npos ? std::string::npos : end - start);
    start = end == std::string::npos ? out.size() : end + 1;
    char unit[512], load[64], act[64];
    if (std::sscanf(line.c_str(), "%511s %63s %63s", unit, load, act) == 3) {
      std::string a = act;
      if (a == "active" || a == "activating" || a == "reloading") active.insert(unit);
    }
  }
  return active;
}

inline void systemctl(const std::string& verb, const std::set<std::string>& units) {
  if (units.empty()) return;
  std::vector<std::string> argv = {"systemctl", verb, "--"};
  argv.insert(argv.end(), units.begin(), units.end());
  detail::run(argv);
}

}  // namespace cairn::activation
