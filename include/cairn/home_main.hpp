// cairn/home_main.hpp: the implementation of a home binary's command line (home.hpp).
//
// Compiled once per build tree with host_main.hpp, whose evaluation commands it shares:
// cairn_add_home() links the same runtime library as cairn_add_host().
#pragma once

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "home.hpp"
#include "homes/build.hpp"
#include "homes/diff.hpp"
#include "homes/execute.hpp"
#include "host_main.hpp"

namespace cairn::detail {

namespace fs = std::filesystem;

struct home_options {
  std::string root = "/";
  std::string home;    // the home directory; default: the configured one under the root
  std::string backup;  // -b EXT
  bool dry_run = false;
  unsigned jobs = 1;
  std::optional<int> generation;
  std::optional<unsigned> older_than_days;
  std::vector<std::string> rest;  // generation specs, diff arguments
};

inline std::string user_of(const home_entry& entry) {
  if (entry.home_meta.username.empty()) throw evaluation_error("the home's meta has no username: set meta.username");
  return std::string(entry.home_meta.username);
}

// Where a standalone home is activated: the home given, or the configured one under the root;
// links name real paths, as the home's owner sees the store.
inline homes::home_target standalone_target(const home_options& o, const homes::home_generation& g) {
  homes::home_target t;
  t.root = o.root;
  t.home = o.home.empty() ? activation::detail::under(o.root, g.home_directory) : fs::absolute(o.home).lexically_normal();
  if (!t.home.has_filename()) t.home = t.home.parent_path();  // "/tmp/alice/" names /tmp/alice
  t.backup_extension = o.backup;
  struct stat st;
  if (::geteuid() == 0 && ::stat(t.home.c_str(), &st) == 0) {  // root switching someone's home: theirs stays theirs
    t.uid = st.st_uid;
    t.gid = st.st_gid;
  }
  if (o.root == "/")
    if (const char* runtime = std::getenv("XDG_RUNTIME_DIR"); runtime != nullptr && *runtime != '\0')
      t.systemd = fs::exists(fs::path(runtime) / "systemd/private");
  return t;
}

inline homes::built_home build_home(const home_entry& entry, const home_options& o, store::store& s) {
  evaluator e(entry.root(), entry.home_meta);
  check_assertions(e, stderr);
  auto progress = [](std::string_view line) { fmt::print(stderr, "{}\n", line); };
  auto built = homes::build_home(e, s, {.jobs = o.jobs, .repo = repository(), .progress = progress});
  s.add_root(fmt::format("build-home-{}", built.generation.user), built.path);
  return built;
}

// A generation named on the command line: its number, or a store path.
inline std::string home_generation_path(const activation::profile& profile, const std::string& spec) {
  if (spec.starts_with("/")) return spec;
  int n = activation::detail::parse_number(spec, "a home generation");
  auto g = activation::find_generation(profile, n);
  if (!g) throw activation::error(fmt::format("home generation {} does not exist in {}", n, profile.dir.string()));
  return g->toplevel;
}

inline int run_home_command(const home_entry& entry, const std::string& command, home_options o) {
  o.root = fs::absolute(o.root).lexically_normal().string();
  if (o.root.size() > 1 && o.root.back() == '/') o.root.pop_back();
  const std::string user = user_of(entry);
  auto profile = homes::home_profile(o.root, user);
  if (command == "build") {
    store::store s({.root = o.root});
    fmt::print("{}\n", build_home(entry, o, s).generation.path);
    return 0;
  }
  if (command == "switch" || command == "rollback") {
    std::string path;
    if (command == "rollback") {
      auto g = activation::rollback_target(profile);
      o.generation = g.number;
      path = g.toplevel;
    } else if (o.generation) {
      path = home_generation_path(profile, std::to_string(*o.generation));
    } else {
      store::store s({.root = o.root});
      path = build_home(entry, o, s).generation.path;
    }
    auto where = standalone_target(o, homes::read_home_generation(o.root, path));
    homes::activate_home(where, path, {.generation = o.generation, .dry_run = o.dry_run});
    return 0;
  }
  if (command == "list-generations") {
    fmt::print("{}", activation::format_generations(activation::list_generations(profile)));
    return 0;
  }
  if (command == "delete-generations") {
    homes::home_lock lock(o.root, user);
    for (int n : activation::delete_generations(profile, o.rest)) fmt::print(stderr, "removing home generation {}\n", n);
    return 0;
  }
  if (command == "diff") {
    std::string a, b;
    if (o.rest.size() == 2) {
      a = home_generation_path(profile, o.rest[0]);
      b = home_generation_path(profile, o.rest[1]);
    } else {
      auto cur = activation::current_generation(profile);
      if (!cur) throw activation::error(fmt::format("{} has no home generation yet", user));
      b = home_generation_path(profile, std::to_string(*cur));
      if (o.rest.size() == 1) a = home_generation_path(profile, o.rest[0]);
      else a = activation::rollback_target(profile).toplevel;
    }
    auto ga = homes::read_home_generation(o.root, a), gb = homes::read_home_generation(o.root, b);
    store::store s({.root = o.root});
    fmt::print("<<< {}\n>>> {}\n", a, b);
    fmt::print("{}", system::format_closure_diff(system::diff_closures(s, s.parse(a), s.parse(b))));
    fmt::print("{}", homes::format_home_diff(homes::diff_homes(o.root, ga, gb)));
    return 0;
  }
  if (command == "gc") {  // nix-collect-garbage [--delete-older-than]: of this home's generations
    if (o.older_than_days) {
      homes::home_lock lock(o.root, user);
      for (int n : activation::delete_generations(profile, {fmt::format("{}d", *o.older_than_days)}))
        fmt::print(stderr, "removing home generation {}\n", n);
    }
    collect_garbage(o.root);
    return 0;
  }
  if (command == "recover") {
    homes::home_lock lock(o.root, user);
    if (!homes::recover_home(o.root, user)) fmt::print(stderr, "no interrupted switch of {}'s home\n", user);
    return 0;
  }
  throw activation::error(fmt::format("unknown command {}", command), activation::exit_usage);
}

int run_home(const home_entry& entry, int argc, char** argv) {
  const meta& m = entry.home_meta;
  CLI::App app{fmt::format("cairn home of {}: evaluate, build and activate this home configuration",
                           m.username.empty() ? "(no user)" : std::string(m.username))};
  app.require_subcommand(1);
  home_options o;
  evaluation_commands evaluation;
  evaluation.add_to(app);
  auto with_root = [&](CLI::App* cmd) {
    cmd->add_option("--root", o.root, "The root whose store and profiles hold the home's generations")->capture_default_str();
    return cmd;
  };
  auto with_home = [&](CLI::App* cmd) {
    cmd->add_option("--home", o.home, "The home directory to activate into (default: the configured one under the root)");
    cmd->add_option("-b,--backup-extension", o.backup, "Move files in the way (not cairn's) aside to <file>.<EXT>");
    return cmd;
  };
  std::vector<CLI::App*> commands;
  auto* build_cmd = with_root(app.add_subcommand("build", "Build the home's generation; print its store path"));
  build_cmd->add_option("-j,--jobs", o.jobs, "Builds at once")->capture_default_str();
  commands.push_back(build_cmd);
  auto* switch_cmd = with_home(with_root(app.add_subcommand("switch", "Build the home and activate it: link its files into the home")));
  switch_cmd->add_option("-j,--jobs", o.jobs, "Builds at once")->capture_default_str();
  switch_cmd->add_flag("-n,--dry-run", o.dry_run, "Print what switching would do; change nothing");
  switch_cmd->add_option("--generation", o.generation, "An existing generation instead of this configuration");
  commands.push_back(switch_cmd);
  auto* rollback_cmd = with_home(with_root(app.add_subcommand("rollback", "Activate the generation before the current one")));
  rollback_cmd->add_flag("-n,--dry-run", o.dry_run, "Print what rolling back would do; change nothing");
  commands.push_back(rollback_cmd);
  commands.push_back(with_root(app.add_subcommand("list-generations", "The home's generations: number, date, store path, current")));
  commands.back()->alias("generations");
  auto* delete_cmd = with_root(app.add_subcommand("delete-generations", "Delete home generations: N..., old, +N, Nd"));
  delete_cmd->add_option("specs", o.rest, "Which generations")->required();
  delete_cmd->alias("remove-generations");
  commands.push_back(delete_cmd);
  auto* diff_cmd = with_root(app.add_subcommand("diff", "What changed between two home generations (default: previous, current)"));
  diff_cmd->add_option("generations", o.rest, "Generation numbers or store paths")->expected(0, 2);
  commands.push_back(diff_cmd);
  auto* gc_cmd = with_root(app.add_subcommand("gc", "Collect garbage in the store (generations are roots)"));
  gc_cmd->add_option("--delete-older-than", o.older_than_days, "First delete home generations older than DAYS days");
  commands.push_back(gc_cmd);
  commands.push_back(with_root(app.add_subcommand("recover", "Finish an interrupted switch of the home")));
  if (auto exit_code = parse_command_line(app, argc, argv)) return *exit_code;
  grow_heap_in_huge_pages();  // commands are short-lived, most evaluate the configuration
  return report_errors([&] {
    for (auto* cmd : commands)
      if (*cmd) return run_home_command(entry, cmd->get_name(), o);
    evaluation.run(entry.root(), m, m.username.empty() ? "home" : m.username);
    return 0;
  });
}

}  // namespace cairn::detail
