// cairn/homes/execute.hpp: carries out a home plan, and nothing else, so that a crash at any
// point leaves a home the next activation completes.
//
// Before the first change an intent journal is written (ROOT/cairn/var/homes/<user>/journal.json:
// from, to, where); every step is idempotent (a file in the way is moved aside before its link
// is made, a link is made new beside its path then renamed over it) and the profile flips last.
// The next activation of the home, or `recover`, finishes an interrupted one first: planned
// again from the journal's "from", the links already made are cairn's and the files already
// moved aside are gone from the way.
#pragma once

#include <cairn/activation/detail/fs.hpp>
#include <cairn/activation/error.hpp>
#include <cairn/activation/generations.hpp>
#include <cairn/activation/lock.hpp>
#include <cairn/homes/generation.hpp>
#include <cairn/homes/plan.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

namespace cairn::homes {

inline fs::path home_journal_file(const fs::path& root, const std::string& user) { return home_state_dir(root, user) / "journal.json"; }

// An interrupted home activation, as its journal records it.
struct home_journal {
  std::string user;
  std::optional<std::string> from;
  std::string to;
  std::optional<int> generation;  // explicit: an existing generation (rollback)
  home_target where;
};

namespace detail {

inline void write_home_journal(const home_plan& p, bool explicit_generation) {
  nlohmann::json j{{"user", p.user},
                   {"from", p.previous ? nlohmann::json(p.previous->path) : nlohmann::json(nullptr)},
                   {"to", p.next.path},
                   {"generation", explicit_generation ? nlohmann::json(p.generation) : nlohmann::json(nullptr)},
                   {"home", p.where.home.string()},
                   {"logicalLinks", p.where.logical_links},
                   {"uid", p.where.uid ? nlohmann::json(*p.where.uid) : nlohmann::json(nullptr)},
                   {"gid", p.where.gid ? nlohmann::json(*p.where.gid) : nlohmann::json(nullptr)},
                   {"backupExtension", p.where.backup_extension},
                   {"systemd", p.where.systemd}};
  activation::detail::make_dirs(home_state_dir(p.where.root, p.user));
  activation::detail::write_file_atomic(home_journal_file(p.where.root, p.user), j.dump(2) + "\n", {.sync = true});
}

inline std::optional<home_journal> read_home_journal(const fs::path& root, const std::string& user) {
  auto file = home_journal_file(root, user);
  auto text = activation::detail::read_file_if_exists(file);
  if (!text) return std::nullopt;
  try {
    auto j = nlohmann::json::parse(*text);
    home_journal h;
    h.user = j.at("user").get<std::string>();
    if (!j.at("from").is_null()) h.from = j.at("from").get<std::string>();
    h.to = j.at("to").get<std::string>();
    if (!j.at("generation").is_null()) h.generation = j.at("generation").get<int>();
    h.where.root = root;
    h.where.home = j.at("home").get<std::string>();
    h.where.logical_links = j.at("logicalLinks").get<bool>();
    if (!j.at("uid").is_null()) h.where.uid = j.at("uid").get<uid_t>();
    if (!j.at("gid").is_null()) h.where.gid = j.at("gid").get<gid_t>();
    h.where.backup_extension = j.at("backupExtension").get<std::string>();
    h.where.systemd = j.value("systemd", false);
    return h;
  } catch (const nlohmann::json::exception& e) {
    throw error(fmt::format("{}: not a valid home activation journal ({}); remove it to go on", file.string(), e.what()));
  }
}

// Creates the directories above `target` in the home that are missing, owned as the home is.
inline void make_parents(const home_target& w, const std::string& target) {
  if (!fs::exists(w.home)) {  // a home without its directory yet: made as useradd -m would
    activation::detail::make_dirs(w.home.parent_path());
    if (::mkdir(w.home.c_str(), 0700) != 0 && errno != EEXIST) activation::detail::throw_sys("create the home directory", w.home);
    if ((w.uid || w.gid) && ::chown(w.home.c_str(), w.uid.value_or(-1), w.gid.value_or(-1)) != 0)
      activation::detail::throw_sys("change the owner of", w.home);
  }
  fs::path at = w.home;
  const fs::path target_path(target);
  for (auto it = target_path.begin(); std::next(it) != target_path.end(); ++it) {
    at /= *it;
    if (::mkdir(at.c_str(), 0755) == 0) {
      if ((w.uid || w.gid) && ::lchown(at.c_str(), w.uid.value_or(-1), w.gid.value_or(-1)) != 0)
        activation::detail::throw_sys("change the owner of", at);
    } else if (errno != EEXIST) {
      activation::detail::throw_sys("create directory", at);
    }
  }
}

inline void systemctl_user(const home_plan& p, const std::string& verb, const std::set<std::string>& units) {
  std::vector<std::string> argv{"systemctl", "--user", verb};
  argv.insert(argv.end(), units.begin(), units.end());
  if (units.empty() && verb != "daemon-reload") return;
  pid_t pid = ::fork();
  if (pid < 0) activation::detail::throw_sys("fork for", "systemctl");
  if (pid == 0) {
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    ::execvp("systemctl", args.data());
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw error(fmt::format("systemctl --user {} {} failed for {}", verb, activation::detail::join({units.begin(), units.end()}, " "), p.user));
}

inline void say(std::FILE* out, const std::string& line) {
  if (out) fmt::print(out, "{}\n", line);
}

}  // namespace detail

// Removes what a write cut short left beside the home's links.
inline void remove_stale_links(const home_target& w, const home_generation& g) {
  std::set<fs::path> dirs;
  for (const auto& f : g.files) dirs.insert((w.home / f.target).parent_path());
  for (const auto& d : dirs) activation::detail::remove_stale_temporaries(d, false);
}

// Executes the plan (printing what it does to `out`).
inline void execute_home(const home_plan& p, std::FILE* out = stderr, bool explicit_generation = false) {
  using namespace activation::detail;
  const home_target& w = p.where;
  auto profile = profile_of(p);
  for (const auto& line : p.warnings) detail::say(out, line);
  remove_stale_links(w, p.next);  // an activation killed while making a link left its temporary
  detail::write_home_journal(p, explicit_generation);
  crash_point("home: journal written");
  auto lines = plan_lines(p);
  std::size_t said = 0;
  auto next_line = [&] {
    if (said < lines.size()) detail::say(out, lines[said++]);
  };
  next_line();  // the generation
  if (p.new_generation_link) {
    activation::create_generation_link(profile, p.generation, p.next.path);
    crash_point("home: generation link created");
  }
  for (const auto& t : p.backup) {
    next_line();
    fs::path at = w.home / t;
    fs::path aside = w.home / detail::backup_name(w, t);
    if (lexists(at) && ::rename(at.c_str(), aside.c_str()) != 0) throw_sys("move aside", at);
    crash_point("home: moved aside");
  }
  for (const auto& t : p.clobber) {
    next_line();
    remove_file(w.home / t);
    crash_point("home: deleted (force)");
  }
  for (const auto& t : p.remove) {
    next_line();
    fs::path at = w.home / t;
    remove_file(at);
    prune_empty_dirs(at.parent_path(), w.home);
    crash_point("home: obsolete link removed");
  }
  for (const auto& l : p.links) {
    next_line();
    fs::path at = w.home / l.target;
    detail::make_parents(w, l.target);
    if (auto cur = read_link(at); !cur || *cur != l.to) {
      fs::path tmp = temp_sibling(at);
      ::unlink(tmp.c_str());
      if (::symlink(l.to.c_str(), tmp.c_str()) != 0) throw_sys("create symlink", tmp);
      if ((w.uid || w.gid) && ::lchown(tmp.c_str(), w.uid.value_or(-1), w.gid.value_or(-1)) != 0) throw_sys("change the owner of", tmp);
      crash_point("home: new link ready");
      if (::rename(tmp.c_str(), at.c_str()) != 0) {
        int e = errno;
        ::unlink(tmp.c_str());
        throw_sys("rename into place", at, e);
      }
    }
    crash_point("home: linked");
  }
  if (p.daemon_reload) {
    next_line();
    if (w.systemd) detail::systemctl_user(p, "daemon-reload", {});
  }
  for (auto [verb, units] : {std::pair{"stop", &p.stop}, std::pair{"restart", &p.restart}, std::pair{"start", &p.start}}) {
    if (units->empty()) continue;
    next_line();
    if (w.systemd) detail::systemctl_user(p, verb, *units);
  }
  next_line();  // the generation made current
  activation::set_current_generation(profile, p.generation);
  crash_point("home: generation made current");
  remove_file(home_journal_file(w.root, p.user));
  crash_point("home: journal removed");
}

// The generation the user's home profile is in force at, if it can be read.
inline std::optional<home_generation> current_home(const fs::path& root, const std::string& user, std::vector<std::string>* warnings = nullptr) {
  auto profile = home_profile(root, user);
  auto n = activation::current_generation(profile);
  if (!n) return std::nullopt;
  auto g = activation::find_generation(profile, *n);
  if (!g) return std::nullopt;
  try {
    return read_home_generation(root, g->toplevel);
  } catch (const error& e) {
    if (warnings) warnings->push_back(fmt::format("warning: the home generation in force cannot be read, so nothing is removed: {}", e.what()));
    return std::nullopt;
  }
}

// The generation an interrupted activation of the user's home was switching to, if any.
inline std::optional<home_generation> interrupted_home(const fs::path& root, const std::string& user, std::vector<std::string>* warnings = nullptr) {
  auto j = detail::read_home_journal(root, user);
  if (!j) return std::nullopt;
  try {
    return read_home_generation(root, j->to);
  } catch (const error& e) {
    if (warnings) warnings->push_back(fmt::format("warning: the interrupted switch's generation cannot be read: {}", e.what()));
    return std::nullopt;
  }
}

// Finishes an interrupted activation of the user's home, if there is one (call with the home's
// lock held). Returns whether there was one. A new switch need not: it supersedes the
// interrupted one (plan_home's `interrupted`), whose links are cairn's like any other.
inline bool recover_home(const fs::path& root, const std::string& user, std::FILE* out = stderr) {
  auto j = detail::read_home_journal(root, user);
  if (!j) return false;
  detail::say(out, fmt::format("finishing an interrupted switch of {}'s home to {} (from {})...", user, j->to, j->from.value_or("no generation")));
  std::optional<home_generation> from;
  if (j->from) from = read_home_generation(root, *j->from);
  auto to = read_home_generation(root, j->to);
  auto p = plan_home(j->where, from, to, {.generation = j->generation});
  execute_home(p, out, j->generation.has_value());
  return true;
}

// The lock of one user's home activations, held while the object lives.
struct home_lock {
  activation::activation_lock lock;
  home_lock(const fs::path& root, const std::string& user, std::chrono::milliseconds timeout = std::chrono::seconds(60))
      : lock(root, timeout, home_state_dir(root, user)) {}
};

struct activate_home_options {
  std::optional<int> generation;  // an existing generation (rollback)
  bool dry_run = false;
  std::FILE* out = stderr;
};

// What `home switch` does: takes the home's lock, finishes an interrupted activation, plans
// against the generation in force, and prints (dry run) or executes.
inline home_plan activate_home(const home_target& where, const std::string& generation_path, const activate_home_options& o = {}) {
  auto next = read_home_generation(where.root, generation_path);
  std::optional<home_lock> lock;
  if (!o.dry_run) lock.emplace(where.root, next.user);
  std::vector<std::string> warnings;
  auto interrupted = interrupted_home(where.root, next.user, &warnings);
  if (interrupted)
    detail::say(o.out, fmt::format("note: {} the interrupted switch of {}'s home to {}", o.dry_run ? "this would supersede" : "superseding",
                                   next.user, interrupted->path));
  auto previous = current_home(where.root, next.user, &warnings);
  auto p = plan_home(where, previous, next, {.generation = o.generation, .interrupted = interrupted});
  p.warnings.insert(p.warnings.begin(), warnings.begin(), warnings.end());
  if (o.dry_run) {
    if (o.out) fmt::print(o.out, "{}", format_home_plan(p));
  } else {
    execute_home(p, o.out, o.generation.has_value());
  }
  return p;
}

}  // namespace cairn::homes
