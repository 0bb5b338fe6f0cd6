// The executor: carries out a plan, and nothing else, so that a crash at any point leaves a root
// that the next activation completes. Before the first change it writes an intent journal
// (ROOT/cairn/var/activation/journal.json: from, to, action, pending units); every step
// converges to the target and is idempotent (state files record "old ∪ new" while a step runs,
// every file is written new then renamed); the journal goes when the last step is done. The next
// activation, and `recover`, finish an interrupted one first. A step that fails (a full disk, a
// failing systemctl) is rolled back to the previous generation on the spot.
#pragma once

#include <cairn/activation/boot.hpp>
#include <cairn/activation/detail/fs.hpp>
#include <cairn/activation/error.hpp>
#include <cairn/activation/etc.hpp>
#include <cairn/activation/generations.hpp>
#include <cairn/activation/install.hpp>
#include <cairn/activation/lock.hpp>
#include <cairn/activation/plan.hpp>
#include <cairn/activation/scripts.hpp>
#include <cairn/activation/toplevel.hpp>
#include <cairn/activation/units.hpp>
#include <cairn/activation/users.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace cairn::activation {

namespace fs = std::filesystem;

struct activation_result {
  int exit_code = exit_ok;
  std::vector<std::string> failed_scripts;
  std::vector<std::string> failed_units;
};

inline fs::path journal_file(const fs::path& root) { return state_dir(root) / "journal.json"; }

// An interrupted activation, as its journal records it.
struct journal {
  action act = action::switch_;
  std::optional<std::string> to;
  std::optional<std::string> from;
  std::optional<int> from_generation;
  std::optional<int> generation;
  bool explicit_generation = false;
  bool new_generation_link = false;
  std::set<std::string> start, restart, reload;
};

namespace detail {

inline nlohmann::json opt_json(const std::optional<std::string>& s) { return s ? nlohmann::json(*s) : nlohmann::json(nullptr); }
inline nlohmann::json opt_json(const std::optional<int>& n) { return n ? nlohmann::json(*n) : nlohmann::json(nullptr); }

inline void write_journal(const fs::path& root, const journal& j) {
  nlohmann::json o = {{"action", action_name(j.act)},
                      {"to", opt_json(j.to)},
                      {"from", opt_json(j.from)},
                      {"fromGeneration", opt_json(j.from_generation)},
                      {"generation", opt_json(j.generation)},
                      {"explicitGeneration", j.explicit_generation},
                      {"newGenerationLink", j.new_generation_link},
                      {"start", j.start},
                      {"restart", j.restart},
                      {"reload", j.reload}};
  make_dirs(state_dir(root));
  write_file_atomic(journal_file(root), o.dump(1) + "\n", {.mode = 0644, .sync = true});
  fsync_dir(state_dir(root));  // the journal is durable before the first change
}

}  // namespace detail

inline std::optional<journal> read_journal(const fs::path& root) {
  auto text = detail::read_file_if_exists(journal_file(root));
  if (!text) return std::nullopt;
  try {
    auto o = nlohmann::json::parse(*text);
    journal j;
    auto a = parse_action(o.at("action").get<std::string>());
    if (!a) throw error("unknown action");
    j.act = *a;
    j.to = detail::opt_str(o, "to");
    j.from = detail::opt_str(o, "from");
    if (!o.at("fromGeneration").is_null()) j.from_generation = o["fromGeneration"].get<int>();
    if (!o.at("generation").is_null()) j.generation = o["generation"].get<int>();
    j.explicit_generation = o.value("explicitGeneration", false);
    j.new_generation_link = o.value("newGenerationLink", false);
    j.start = o.value("start", std::set<std::string>{});
    j.restart = o.value("restart", std::set<std::string>{});
    j.reload = o.value("reload", std::set<std::string>{});
    return j;
  } catch (const std::exception& e) {
    throw error(fmt::format("{} is corrupt ({}); it records an interrupted activation: inspect it, then remove it and switch again",
                            journal_file(root).string(), e.what()));
  }
}

struct execute_options {
  std::FILE* out = stderr;  // progress, in switch-to-configuration's words
  bool explicit_generation = false;
  bool sync = true;  // syncfs the root before the journal goes (power-loss safety); off for throwaway roots
};

namespace detail {

inline void say(std::FILE* out, const std::string& s) {
  if (out) {
    fmt::print(out, "{}\n", s);
    std::fflush(out);
  }
}

inline std::vector<std::string> units_failed(const std::set<std::string>& units) {
  std::vector<std::string> failed;
  for (auto& u : units) {
    std::string state;
    run({"systemctl", "show", "-p", "ActiveState", "--value", "--", u}, &state);
    if (state.starts_with("failed")) failed.push_back(u);
  }
  return failed;
}

// The steps that change the root, in order; shared by execute and the rollback of a failure.
inline activation_result run_steps(const plan& p, std::FILE* out) {
  activation_result r;
  const fs::path& root = p.root;
  const unit_plan& u = p.units;
  if (p.generation && p.new_generation_link) {
    create_generation_link(root, *p.generation, p.next->path);
    crash_point("profile: generation link created");
  }
  if (p.activates) {
    if (!u.stop.empty()) {
      if (p.systemd) {
        say(out, "stopping the following units: " + unit_list(u.stop));
        systemctl("stop", u.stop);
      }
      crash_point("units: stopped");
    }
    if (!u.skip.empty()) say(out, "NOT restarting the following changed units: " + unit_list(u.skip));
    say(out, "activating the configuration...");
    if (p.secrets) {
      say(out, secrets::describe(*p.secrets));
      secrets::flip(root, *p.secrets);
    }
    for (auto& m : p.users.messages) say(out, m);
    apply_users(root, p.users);
    say(out, "setting up /etc...");
    for (auto& t : p.etc.remove) say(out, fmt::format("removing obsolete /etc/{}", t));
    for (auto& t : p.etc.backup) say(out, fmt::format("moving /etc/{} (not cairn's) to /etc/{}", t, detail::backup_target(t)));
    apply_etc(root, p.etc);
    if (p.next) {
      r.failed_scripts = run_activation_scripts(root, *p.next, p.scripts, action_name(p.act), out);
      make_dirs(root / "run");
      atomic_symlink(p.next->path, current_system_link(root));
      crash_point("current-system flipped");
      if (!lexists(booted_system_link(root))) {
        atomic_symlink(p.next->path, booted_system_link(root));  // the first generation of a root is the booted one
        crash_point("booted-system set");
      }
      for (const auto& h : p.homes) {  // after the system, as home-manager-<user>.service runs
        say(out, fmt::format("activating the home of {}...", h.user));
        homes::home_lock lock(root, h.user);
        homes::execute_home(h, out);
      }
    } else {
      remove_file(current_system_link(root));
    }
  }
  if (p.generation) {
    if (p.boot) {  // entries first: loader.conf's default is their last write
      apply_boot(root, *p.boot);
      crash_point("boot: loader entry written");
    }
    set_current_generation(root, *p.generation);
    crash_point("profile: boot default flipped");
  }
  if (p.activates) {
    if (p.systemd) {
      if (u.daemon_reload) {
        say(out, "reloading the systemd manager configuration...");
        run({"systemctl", "daemon-reload"});
        run({"systemctl", "reset-failed"});
      }
      if (!u.reload.empty()) {
        say(out, "reloading the following units: " + unit_list(u.reload));
        systemctl("reload-or-restart", u.reload);
      }
      if (!u.restart.empty()) {
        say(out, "restarting the following units: " + unit_list(u.restart));
        systemctl("restart", u.restart);
      }
      if (!u.start.empty() || !u.hidden_starts.empty()) {
        if (!u.start.empty()) say(out, "starting the following units: " + unit_list(u.start));
        std::set<std::string> all = u.start;
        all.insert(u.hidden_starts.begin(), u.hidden_starts.end());
        systemctl("start", all);
      }
      crash_point("units: started");
      std::set<std::string> touched = u.start;
      touched.insert(u.restart.begin(), u.restart.end());
      touched.insert(u.reload.begin(), u.reload.end());
      r.failed_units = units_failed(touched);
    } else if (u.daemon_reload || !u.stop.empty() || !u.start.empty() || !u.restart.empty() || !u.reload.empty()) {
      say(out, fmt::format("systemd does not manage {}: not executed:", root.string()));
      if (!u.stop.empty()) say(out, "  would stop the following units: " + unit_list(u.stop));
      if (!u.reload.empty()) say(out, "  would reload the following units: " + unit_list(u.reload));
      if (!u.restart.empty()) say(out, "  would restart the following units: " + unit_list(u.restart));
      if (!u.start.empty()) say(out, "  would start the following units: " + unit_list(u.start));
    }
  }
  if (!r.failed_units.empty()) {
    say(out, "warning: the following units failed: " + join(r.failed_units, ", "));
    r.exit_code = exit_units_failed;
  }
  if (!r.failed_scripts.empty() && r.exit_code == exit_ok) r.exit_code = exit_script_failed;
  return r;
}

// Puts the previous generation back in force after a failed step of p.
inline void roll_back(const plan& p, std::FILE* out) {
  const fs::path& root = p.root;
  std::optional<toplevel> prev;
  if (p.previous) prev = read_toplevel(root, *p.previous);
  if (p.secrets) secrets::unflip(root, *p.secrets);  // the previous directory is still there
  if (p.activates) {
    current_state s = read_current_state(root, p.systemd);
    if (p.next) s.current = p.next;
    plan back = plan_activation(prev ? &*prev : nullptr, s, action::test);
    run_steps(back, out);
  }
  if (p.generation) {
    if (p.previous_generation) set_current_generation(root, *p.previous_generation);
    else remove_file(profile_link(root));
    if (p.new_generation_link) remove_file(generation_link(root, *p.generation));
    if (p.boot && p.previous_generation) set_default_boot_entry(p.boot->dir, fmt::format("cairn-generation-{}.conf", *p.previous_generation));
  }
}

}  // namespace detail

// Executes a plan (switch, boot, test; dry-activate prints it). Throws activation::error when a
// step fails, after rolling back to the generation that was in force.
inline activation_result execute(const plan& p, const execute_options& o = {}) {
  using namespace detail;
  if (p.act == action::dry_activate) {
    if (o.out) fmt::print(o.out, "{}", format_plan(p));
    return {};
  }
  for (auto& w : p.warnings) say(o.out, w);
  journal j;
  j.act = p.act;
  if (p.next) j.to = p.next->path;
  j.from = p.previous;
  j.from_generation = p.previous_generation;
  j.generation = p.generation;
  j.explicit_generation = o.explicit_generation;
  j.new_generation_link = p.new_generation_link;
  if (p.systemd) {
    j.start = p.units.start;
    j.restart = p.units.restart;
    j.reload = p.units.reload;
  }
  try {
    write_journal(p.root, j);
  } catch (...) {
    if (p.secrets) secrets::discard(p.root, *p.secrets);  // nothing changed: no decrypted copy left behind
    throw;
  }
  crash_point("journal written");
  activation_result r;
  try {
    r = run_steps(p, o.out);
  } catch (const std::exception& e) {
    std::string why = e.what();
    say(o.out, fmt::format("{} failed; rolling back to {}...", action_name(p.act), p.previous.value_or("no generation")));
    try {
      roll_back(p, o.out);
      remove_file(journal_file(p.root));
    } catch (const std::exception& e2) {
      throw error(fmt::format("{}\nrolling back failed as well: {}\nthe next activation of {} finishes the interrupted one (journal: {})", why,
                              e2.what(), p.root.string(), journal_file(p.root).string()));
    }
    throw error(fmt::format("{}\n{} of {} failed and was rolled back: {} is in force", why, action_name(p.act),
                            p.next ? p.next->path : std::string("(none)"), p.previous.value_or("no generation")));
  }
  if (p.secrets) secrets::finish(p.root);  // the secrets that were in force before go
  if (o.sync) sync_filesystem(p.root);  // everything durable before the journal goes (one syncfs, not one fsync per file)
  remove_file(journal_file(p.root));
  fsync_dir(state_dir(p.root));
  crash_point("journal removed");
  return r;
}

// Finishes an interrupted activation, if the root has one (call with the lock held). Returns
// whether there was one.
inline bool recover(const fs::path& root, std::FILE* out = stderr, bool use_systemd = true) {
  // e.g. a journal or an install backup whose write was cut short
  detail::remove_stale_temporaries(state_dir(root), false);
  detail::remove_stale_temporaries(install_backup_dir(root), false);
  detail::remove_stale_temporaries(root / "cairn/var", false);
  auto j = read_journal(root);
  if (!j) return false;
  detail::say(out, fmt::format("finishing an interrupted {} of {} (from {})...", action_name(j->act), j->to.value_or("(none)"),
                               j->from.value_or("no generation")));
  // What a write cut short left: a temporary beside its target, never the target itself.
  detail::remove_stale_temporaries(root / "etc", true);
  for (auto dir : {state_dir(root), profiles_dir(root), root / "run", root / "boot/loader", root / "boot/loader/entries", root / "boot/cairn"})
    detail::remove_stale_temporaries(dir, false);
  current_state s = read_current_state(root, use_systemd);
  std::optional<toplevel> to;
  try {
    if (j->to) to = read_toplevel(root, *j->to);
  } catch (const error& e) {
    detail::say(out, fmt::format("cannot finish it ({}); going back to {}", e.what(), j->from.value_or("no generation")));
    std::optional<toplevel> from;
    if (j->from) from = read_toplevel(root, *j->from);
    plan back = plan_activation(from ? &*from : nullptr, s, j->act == action::boot ? action::boot : action::test, {.secrets = true, .out = out});
    back.previous = j->from;
    detail::run_steps(back, out);
    if (j->generation) {
      if (j->from_generation) set_current_generation(root, *j->from_generation);
      if (j->new_generation_link) detail::remove_file(generation_link(root, *j->generation));
    }
    detail::remove_file(journal_file(root));
    return true;
  }
  plan_options po{.secrets = true, .out = out};
  if (j->explicit_generation) po.generation = j->generation;
  plan p = plan_activation(to ? &*to : nullptr, s, j->act, po);
  p.previous = j->from;
  p.previous_generation = j->from_generation;
  if (j->new_generation_link && j->generation == p.generation) p.new_generation_link = true;
  if (p.systemd) {  // as ng seeds its lists from /run/nixos/*-list
    p.units.start.insert(j->start.begin(), j->start.end());
    p.units.restart.insert(j->restart.begin(), j->restart.end());
    p.units.reload.insert(j->reload.begin(), j->reload.end());
  }
  execute(p, {.out = out, .explicit_generation = j->explicit_generation});
  return true;
}

struct activate_options {
  std::chrono::milliseconds lock_timeout{std::chrono::seconds(60)};
  std::optional<int> generation;  // switch/boot to this existing generation (rollback)
  bool use_systemd = true;        // false: never call systemctl, even on "/"
  std::FILE* out = stderr;
};

// What a host binary's switch/boot/test/dry-activate does: checks the root is managed, takes the
// lock, finishes an interrupted activation, plans, and prints (dry-activate) or executes.
//   activate("/tmp/r", "/cairn/store/...-cairn-system-demo", action::switch_, {});
inline activation_result activate(const fs::path& root, const std::string& toplevel_path, action act, const activate_options& o = {}) {
  if (!is_managed(root)) {
    if (is_real_root(root))
      throw error(fmt::format("this machine is not managed by cairn yet; `install --root /` says what cairn will take over and takes it over"));
    if (act != action::dry_activate) install(root, nullptr);
  }
  if (act == action::dry_activate) {
    // Changes nothing, so takes no lock file it would have to create; waits on an existing one.
    std::optional<activation_lock> lock;
    if (fs::exists(state_dir(root) / "lock")) lock.emplace(root, o.lock_timeout);
    if (read_journal(root)) detail::say(o.out, "note: an interrupted activation will be finished first by the next switch");
    current_state s = read_current_state(root, o.use_systemd);
    toplevel next = read_toplevel(root, toplevel_path);
    plan p = plan_activation(&next, s, act, {.generation = o.generation, .secrets = true, .out = o.out});
    return execute(p, {.out = o.out});
  }
  activation_lock lock(root, o.lock_timeout);
  recover(root, o.out, o.use_systemd);
  current_state s = read_current_state(root, o.use_systemd);
  toplevel next = read_toplevel(root, toplevel_path);
  plan p = plan_activation(&next, s, act, {.generation = o.generation, .secrets = true, .out = o.out});
  return execute(p, {.out = o.out, .explicit_generation = o.generation.has_value()});
}

}  // namespace cairn::activation
