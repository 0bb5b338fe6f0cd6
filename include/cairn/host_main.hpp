// cairn/host_main.hpp: the implementation of the host binary's command line (host.hpp).
//
// The same for every host, so compiled once per build tree rather than in every host's
// translation unit: cairn_add_host() links a runtime library made of one file that includes
// this header. Without CMake, include it in exactly one .cpp file of the program.
//
//   HOST eval [--json] | option PATH [--json] | options [--json|--markdown|--html] | check
//   HOST build [--root R] [-j N]                        realise the toplevel; print its store path
//   HOST switch|boot|test|dry-activate [--root R] [-j N] [--generation N]
//   HOST switch|boot|test|dry-activate --target-host [USER@]ADDR [--target-root R]
//        [--ssh-option OPT]... [--confirm-timeout S] [--no-magic-rollback]
//                                                       build here, copy, activate there
//   HOST serve [--root R]                               the target's side of a deploy (stdin/stdout)
//   HOST rollback | list-generations | delete-generations SPEC... | diff [A] [B] [--root R]
//   HOST gc [--root R] [--delete-older-than DAYS]
//   HOST install [--root R]
//
// A copy of the binary is each generation's bin/switch-to-configuration; run under that name it
// activates its own generation (activation/cli.hpp).
#pragma once

#include <chrono>
#include <cstdio>
#include <exception>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "activation.hpp"
#include "activation_main.hpp"
#include "deploy.hpp"
#include "detail/huge_page_heap.hpp"
#include "eval.hpp"
#include "homes/build.hpp"
#include "host.hpp"
#include "json.hpp"
#include "manual.hpp"
#include "store.hpp"
#include "system/closure_diff.hpp"
#include "system/toplevel.hpp"

namespace cairn {

namespace detail {

// `eval --json`: the configuration as to_json(e.whole_config()) prints it, written while the
// evaluator visits the values in path order, without assembling a copy of the configuration.
inline std::string config_json(evaluator& e) {
  // A set is opened when its first option is written: whole_config() has no empty sets.
  struct printer {
    json_writer out;
    std::vector<std::string_view> pending;  // sets entered and not opened yet, outermost first
    std::size_t open = 0;                   // sets entered and opened, below the root
    std::size_t entered = 0;
    bool first = true;  // nothing written yet in the innermost open set

    void enter(std::string_view name) {
      pending.push_back(name);
      ++entered;
    }
    void leave() {
      if (entered-- == open) {
        --open;
        out.put('}');
        first = false;
      } else {
        pending.pop_back();
      }
    }
    void option(std::string_view name, const value& v) {
      if (!pending.empty()) {
        for (auto set : pending) {
          if (!first) out.put(',');
          out.string(set);
          out.put(":{");
          first = true;
        }
        open = entered;
        pending.clear();
      }
      if (!first) out.put(',');
      first = false;
      out.string(name);
      out.put(':');
      out.write(v);
    }
  } p;
  p.out.put('{');
  e.visit_config(p);
  p.out.put('}');
  return std::move(p.out).take();
}

// Warnings printed, failed assertions thrown with every message.
inline void check_assertions(evaluator& e, std::FILE* warnings_to) {
  for (const auto& w : warnings(e)) fmt::print(warnings_to, "evaluation warning: {}\n", w);
  if (auto failed = failed_assertions(e); !failed.empty()) throw evaluation_error(messages::failed_assertions(failed));
}

struct host_options {
  std::string root = "/";
  unsigned jobs = 1;
  std::optional<int> generation;
  std::optional<unsigned> older_than_days;
  bool no_systemd = false;
  std::vector<std::string> rest;  // generation specs, diff arguments
  // Deploying to another machine (switch ... --target-host).
  std::string target_host;
  std::string target_root = "/";
  std::vector<std::string> ssh_options;  // each as ssh -o OPT
  unsigned confirm_timeout = 30;
  bool no_magic_rollback = false;
};

// Where a deploy builds when no --root is given: the deploying user's cache, not this machine's
// own root.
inline std::string default_deploy_root() {
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg != nullptr && *xdg == '/') return std::string(xdg) + "/cairn/deploy";
  if (const char* home = std::getenv("HOME"); home != nullptr && *home == '/') return std::string(home) + "/.cache/cairn/deploy";
  throw std::runtime_error("--target-host without --root: set HOME or XDG_CACHE_HOME, or give --root for the local build");
}

// The program a generation links as bin/switch-to-configuration: the build tree's activation
// program when there is one (cairn_add_host builds it), else this binary.
inline std::filesystem::path activation_program() {
#ifdef CAIRN_ACTIVATION_PROGRAM
  if (::access(CAIRN_ACTIVATION_PROGRAM, X_OK) == 0) return CAIRN_ACTIVATION_PROGRAM;
#endif
  return std::filesystem::read_symlink("/proc/self/exe");
}

inline std::vector<std::string> activation_args(const std::string& command, const host_options& o) {
  std::vector<std::string> args{command, "--root", o.root};
  if (o.generation) args.insert(args.end(), {"--generation", std::to_string(*o.generation)});
  if (o.no_systemd) args.push_back("--no-systemd");
  args.insert(args.end(), o.rest.begin(), o.rest.end());
  return args;
}

// Where relative secrets.<name>.file paths start: $CAIRN_REPO, else the source tree the host
// was built from.
inline std::filesystem::path repository() {
  if (const char* env = std::getenv("CAIRN_REPO"); env != nullptr && *env != '\0') return env;
#ifdef CAIRN_REPO_DIR
  return CAIRN_REPO_DIR;
#else
  return std::filesystem::current_path();
#endif
}

// The homes of a host, each evaluated on its own and built into the store; each user must be an
// account of the host whose home directory is the home's.
inline std::vector<std::pair<std::string, store::store_path>> build_homes(const host_entry& entry, evaluator& system, const host_options& o,
                                                                          store::store& s) {
  std::vector<std::pair<std::string, store::store_path>> out;
  const value* users = system::detail::read_if_declared(system, "users.users");
  for (const auto& h : entry.homes) {
    evaluator e(h.root(), h.home_meta);
    check_assertions(e, stderr);
    auto progress = [](std::string_view line) { fmt::print(stderr, "{}\n", line); };
    auto built = homes::build_home(e, s, {.jobs = o.jobs, .repo = repository(), .progress = progress});
    const auto& g = built.generation;
    const value* account = users != nullptr ? users->as_attrs().find(g.user) : nullptr;
    if (account == nullptr)
      throw evaluation_error(fmt::format("the host lists a home for {}, but users.users.{} is not defined", g.user, g.user));
    if (auto home = system::detail::string_member(*account, "home"); home != g.home_directory)
      throw evaluation_error(fmt::format("the home of {} lives in {} (home.homeDirectory), but users.users.{}.home is {}", g.user,
                                         g.home_directory, g.user, home));
    for (const auto& [user, path] : out)
      if (user == g.user) throw evaluation_error(fmt::format("the host lists two homes for {}", g.user));
    out.emplace_back(g.user, built.path);
  }
  return out;
}

// Evaluates, builds the toplevel into the root's store and keeps it as a GC root.
inline system::built_toplevel build(const host_entry& entry, const host_options& o, store::store& s) {
  evaluator e(entry.root(), entry.host_meta);
  check_assertions(e, stderr);
  auto progress = [](std::string_view line) { fmt::print(stderr, "{}\n", line); };
  auto homes = build_homes(entry, e, o, s);
  auto built = system::build_toplevel(e, entry.host_meta, s,
                                      {.jobs = o.jobs, .self = activation_program(), .repo = repository(), .progress = progress,
                                       .homes = std::move(homes)});
  s.add_root(fmt::format("build-{}", entry.host_meta.hostname.empty() ? "host" : entry.host_meta.hostname), *built.path);
  return built;
}

// What switching to `next` changes, as nvd and activation see it.
inline void print_changes(store::store& s, const host_options& o, const system::built_toplevel& next) {
  auto current = activation::current_generation(o.root);
  if (!current) {
    fmt::print(stderr, "first generation on {}: {}\n", o.root, next.toplevel);
    return;
  }
  auto from = activation::find_generation(o.root, *current);
  if (!from || from->toplevel == next.toplevel) return;
  fmt::print(stderr, "<<< {} (generation {})\n>>> {}\n", from->toplevel, *current, next.toplevel);
  fmt::print(stderr, "{}", system::format_closure_diff(system::diff_closures(s, s.parse(from->toplevel), *next.path)));
  auto a = activation::read_toplevel(o.root, from->toplevel);
  auto b = activation::read_toplevel(o.root, next.toplevel);
  fmt::print(stderr, "{}", activation::format_diff(activation::diff_toplevels(o.root, a, b)));
}

// `gc`: the store's dead paths go (every generation, a host's or a home's, is a root).
inline void collect_garbage(const std::string& root) {
  store::store s({.root = root});
  auto r = store::collect_garbage(s);
  fmt::print("{} store paths deleted, {} freed\n", r.deleted.size(), system::format_bytes(static_cast<std::int64_t>(r.bytes_freed)));
}

// switch ... --target-host: built into the local root, then deployed (deploy/deploy.hpp).
inline int deploy_to_target(const host_entry& entry, const std::string& command, const host_options& o) {
  if (o.generation) throw std::runtime_error("--generation picks a generation of this machine; with --target-host, run it on the target");
  store::store s({.root = o.root});
  auto next = build(entry, o, s);
  deploy::deploy_options d{.target = {.destination = o.target_host, .options = deploy::ssh_options_from_environment()},
                           .remote_root = o.target_root,
                           .action = command,
                           .use_systemd = !o.no_systemd,
                           .program = activation_program(),
                           .root_name = entry.host_meta.hostname.empty() ? "host" : std::string(entry.host_meta.hostname)};
  for (const auto& opt : o.ssh_options) d.target.options.insert(d.target.options.end(), {"-o", opt});
  if (o.no_magic_rollback) d.confirm_timeout.reset();
  else d.confirm_timeout = std::chrono::seconds(o.confirm_timeout);
  auto r = deploy::deploy(s, *next.path, d);
  fmt::print(stderr, "deploy: {} of {} paths copied ({} of NAR), {} bytes sent to {}\n", r.copied.copied_paths,
             r.copied.closure_paths, system::format_bytes(static_cast<std::int64_t>(r.copied.nar_bytes)), r.bytes_sent,
             o.target_host);
  if (r.exit_code == 0) fmt::print("{}\n", next.toplevel);
  return r.exit_code;
}

inline int run_host_command(const host_entry& entry, const std::string& command, const host_options& o) {
  if (command == "build") {
    store::store s({.root = o.root});
    fmt::print("{}\n", build(entry, o, s).toplevel);
    return 0;
  }
  if (command == "switch" || command == "boot" || command == "test" || command == "dry-activate") {
    if (!o.target_host.empty()) return deploy_to_target(entry, command, o);
    if (o.generation) return activation::run_cli(activation_args(command, o));
    store::store s({.root = o.root});
    auto next = build(entry, o, s);
    print_changes(s, o, next);
    // The new generation activates itself, with its own copy of this program.
    auto program = s.physical(*next.path) / "bin" / "switch-to-configuration";
    std::vector<std::string> argv{program.string(), command, "--root", o.root};
    if (o.no_systemd) argv.push_back("--no-systemd");
    argv.push_back(next.toplevel);
    return activation::detail::run(argv);
  }
  if (command == "diff") {
    // The closure first (packages and sizes), then /etc, units and accounts.
    activation::cli_options co{.root = o.root, .positional = o.rest};
    auto [a, b] = activation::diff_targets(co);
    store::store s({.root = o.root});
    fmt::print("{}", system::format_closure_diff(system::diff_closures(s, s.parse(a), s.parse(b))));
    return activation::run_cli(activation_args(command, o), stdout, stderr);
  }
  if (command == "gc") {
    if (o.older_than_days) {
      activation::activation_lock lock(o.root, std::chrono::seconds(60));
      for (int n : activation::delete_generations(o.root, {fmt::format("{}d", *o.older_than_days)}))
        fmt::print(stderr, "removing profile version {}\n", n);
    }
    collect_garbage(o.root);
    return 0;
  }
  return activation::run_cli(activation_args(command, o));
}

// eval, option, options and check: the commands of every configuration, a host's or a home's.
struct evaluation_commands {
  CLI::App* eval_cmd = nullptr;
  CLI::App* option_cmd = nullptr;
  CLI::App* options_cmd = nullptr;
  CLI::App* check_cmd = nullptr;
  bool json = false, markdown = false, html = false;
  std::string path;

  void add_to(CLI::App& app) {
    eval_cmd = app.add_subcommand("eval", "Print the whole merged configuration (keys sorted)");
    eval_cmd->add_flag("--json", json, "As JSON, as `nix eval --json` prints `config`");
    option_cmd = app.add_subcommand("option", "Explain one option: value, type, default, who set it and why");
    option_cmd->add_option("path", path, "Option path, e.g. services.openssh.ports or users.users.alice.uid")->required();
    option_cmd->add_flag("--json", json, "As JSON");
    options_cmd = app.add_subcommand("options", "List every option: the manual");
    auto* options_json_flag = options_cmd->add_flag("--json", json, "As NixOS's options.json");
    auto* options_markdown_flag = options_cmd->add_flag("--markdown", markdown, "As a Markdown manual")->excludes(options_json_flag);
    options_cmd->add_flag("--html", html, "As one self-contained HTML page with a search box (works offline)")
        ->excludes(options_json_flag)
        ->excludes(options_markdown_flag);
    check_cmd = app.add_subcommand("check", "Evaluate everything; check assertions; print warnings");
  }

  // Runs the one given (false: none was); `name` is what `check` reports as ok.
  bool run(const module_info& root, const meta& m, std::string_view name) {
    if (!*eval_cmd && !*option_cmd && !*options_cmd && !*check_cmd) return false;
    // The evaluator and the configuration live until the process exits, on purpose: freeing
    // every value and definition one by one costs a large share of a big host's evaluation
    // (W(400,50) of bench/: 13 of 100 ms), and the system takes the memory back at once.
    evaluator& e = *new evaluator(root, m);
    if (*eval_cmd) {
      if (json) {
        auto json = config_json(e);
        json.push_back('\n');
        std::fwrite(json.data(), 1, json.size(), stdout);  // not through a format buffer: a copy less
      } else {
        const value& v = *new value(e.whole_config());
        fmt::print("{}\n", pretty(v));
      }
    } else if (*option_cmd) {
      auto x = explain_option(e, path);
      fmt::print("{}", json ? explanation_json(x) + "\n" : explanation_text(x));
    } else if (*options_cmd) {
      if (json) fmt::print("{}\n", options_json(e));
      else if (markdown) fmt::print("{}", options_markdown(e));
      else if (html) fmt::print("{}", options_html(e));
      else fmt::print("{}", options_text(e));
    } else if (*check_cmd) {
      e.force_all();
      check_assertions(e, stderr);
      fmt::print("{}: configuration ok ({} options, {} modules)\n", name, e.declarations().size(), e.modules().size());
    }
    return true;
  }
};

// Parses argv; an exit code when the program is done (--help: 0, a bad command line: 2).
inline std::optional<int> parse_command_line(CLI::App& app, int argc, char** argv) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  return std::nullopt;
}

// The errors of a command, as the command line reports them; returns the exit code.
template <class F>
int report_errors(F&& f) {
  try {
    return f();
  } catch (const evaluation_error& err) {
    fmt::print(stderr, "error: {}\n", detail::replace_all(err.what(), "\n", "\n       "));
    return 1;
  } catch (const activation::error& err) {
    fmt::print(stderr, "error: {}\n", err.what());
    return err.exit_code();
  } catch (const std::exception& err) {  // the store's errors, I/O
    fmt::print(stderr, "error: {}\n", err.what());
    return 1;
  }
}

int run_host(const host_entry& entry, int argc, char** argv) {
  // Run as a generation's bin/switch-to-configuration: activate that generation.
  // (Generations built before the activation program existed hold a copy of the host binary.)
  if (argc > 0 && std::filesystem::path(argv[0]).filename() == "switch-to-configuration") return run_switch_to_configuration(argc, argv);

  const meta& m = entry.host_meta;
  CLI::App app{fmt::format("cairn host {}: evaluate, build and activate this configuration",
                           m.hostname.empty() ? "configuration" : std::string(m.hostname))};
  app.require_subcommand(1);
  host_options o;
  evaluation_commands evaluation;
  evaluation.add_to(app);

  auto with_root = [&](CLI::App* cmd) {
    cmd->add_option("--root", o.root, "Target root (a directory for tests and images; / is this machine)")
        ->capture_default_str();
    return cmd;
  };
  auto with_jobs = [&](CLI::App* cmd) {
    cmd->add_option("-j,--jobs", o.jobs, "Builds at once")->capture_default_str();
    return cmd;
  };
  std::vector<CLI::App*> host_commands;
  host_commands.push_back(with_jobs(with_root(app.add_subcommand("build", "Build the toplevel; print its store path"))));
  for (auto [name, what] : {std::pair{"switch", "Build, make it the boot default and activate it now"},
                            std::pair{"boot", "Build and make it the boot default, without activating it"},
                            std::pair{"test", "Build and activate it now, without making it the boot default"},
                            std::pair{"dry-activate", "Build and print what activating it would do"}}) {
    auto* cmd = with_jobs(with_root(app.add_subcommand(name, what)));
    cmd->add_option("--generation", o.generation, "An existing generation instead of this configuration");
    cmd->add_flag("--no-systemd", o.no_systemd, "Never call systemctl: report the unit plan only");
    cmd->add_option("--target-host", o.target_host, "Deploy to [USER@]ADDR over ssh (CAIRN_SSHOPTS: extra ssh arguments)");
    cmd->add_option("--target-root", o.target_root, "The target's root (a directory for tests and images)")->capture_default_str();
    cmd->add_option("--ssh-option", o.ssh_options, "An ssh -o option for the deploy (repeatable)");
    cmd->add_option("--confirm-timeout", o.confirm_timeout, "Seconds the target waits for a confirmation before it rolls back")
        ->capture_default_str();
    cmd->add_flag("--no-magic-rollback", o.no_magic_rollback, "Do not wait for a confirmation over a new connection");
    host_commands.push_back(cmd);
  }
  host_commands.push_back(with_root(app.add_subcommand("rollback", "Activate the previous generation (with its own program)")));
  host_commands.push_back(with_root(app.add_subcommand("list-generations", "The generations: number, date, toplevel, current")));
  auto* delete_cmd = with_root(app.add_subcommand("delete-generations", "Delete generations: N..., old, +N, Nd"));
  delete_cmd->add_option("specs", o.rest, "Which generations")->required();
  host_commands.push_back(delete_cmd);
  auto* diff_cmd = with_root(app.add_subcommand("diff", "What changed between two generations (default: previous, current)"));
  diff_cmd->add_option("generations", o.rest, "Generation numbers or toplevel paths")->expected(0, 2);
  host_commands.push_back(diff_cmd);
  auto* gc_cmd = with_root(app.add_subcommand("gc", "Collect garbage in the store (generations are roots)"));
  gc_cmd->add_option("--delete-older-than", o.older_than_days, "First delete generations older than DAYS days");
  host_commands.push_back(gc_cmd);
  host_commands.push_back(with_root(app.add_subcommand("install", "Take over the root (needed once before activating /)")));
  auto* serve_cmd = with_root(app.add_subcommand("serve", "The target's side of a deploy: a protocol on stdin and stdout"));

  if (auto exit_code = parse_command_line(app, argc, argv)) return *exit_code;
  if (*serve_cmd) return run_serve({"--root", o.root});
  grow_heap_in_huge_pages();  // every other command is short-lived, most evaluate the configuration
  if (!o.target_host.empty() && app.get_subcommands().front()->count("--root") == 0) o.root = "";

  return report_errors([&] {
    if (o.root.empty()) o.root = default_deploy_root();
    for (auto* cmd : host_commands)
      if (*cmd) return run_host_command(entry, cmd->get_name(), o);
    evaluation.run(entry.root(), m, m.hostname.empty() ? "host" : m.hostname);
    return 0;
  });
}

}  // namespace detail
}  // namespace cairn
