// The activation commands of a host binary (and of a generation's bin/switch-to-configuration,
// which is a copy of it):
//
//   switch|boot|test|dry-activate [--root R] [--generation N] [--lock-timeout S] [--no-systemd] [TOPLEVEL]
//   rollback [--root R]                    the newest generation older than the current, by its own program
//   list-generations [--root R]
//   delete-generations [--root R] SPEC...  N..., old, +N, Nd (as nix-env)
//   diff [--root R] [A] [B]                generations (numbers) or toplevel paths; default previous, current
//   install [--root R]                     take over a root (required before activating "/")
//   recover [--root R]                     finish an interrupted activation
//
// Exit codes: 0 ok, 1 error, 2 bad command line, 3 activation script failed, 4 units failed.
#pragma once

#include <cairn/activation/diff.hpp>
#include <cairn/activation/error.hpp>
#include <cairn/activation/execute.hpp>
#include <cairn/activation/generations.hpp>
#include <cairn/activation/install.hpp>
#include <cairn/activation/lock.hpp>
#include <cairn/activation/plan.hpp>
#include <cairn/activation/toplevel.hpp>

#include <fmt/format.h>

#include <charconv>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <unistd.h>

namespace cairn::activation {

namespace fs = std::filesystem;

struct cli_options {
  fs::path root = "/";
  std::optional<int> generation;
  std::chrono::milliseconds lock_timeout{std::chrono::seconds(60)};
  bool use_systemd = true;
  std::vector<std::string> positional;
};

namespace detail {

struct usage_error : error {
  explicit usage_error(const std::string& what) : error(what, exit_usage) {}
};

inline int parse_number(const std::string& s, const char* what) {
  int n = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (ec != std::errc() || p != s.data() + s.size() || s.empty()) throw usage_error(fmt::format("{} must be a number, not '{}'", what, s));
  return n;
}

inline cli_options parse_cli(const std::vector<std::string>& args, std::size_t from) {
  cli_options o;
  for (std::size_t i = from; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&]() -> const std::string& {
      if (i + 1 >= args.size()) throw usage_error(fmt::format("{} needs a value", a));
      return args[++i];
    };
    if (a == "--root") o.root = value();
    else if (a == "--generation") o.generation = parse_number(value(), "--generation");
    else if (a == "--lock-timeout") o.lock_timeout = std::chrono::seconds(parse_number(value(), "--lock-timeout"));
    else if (a == "--no-systemd") o.use_systemd = false;
    else if (a.starts_with("--") && a.size() > 2) throw usage_error(fmt::format("unknown option '{}'", a));
    else o.positional.push_back(a);
  }
  if (o.root.empty()) throw usage_error("--root needs a directory");
  o.root = fs::absolute(o.root).lexically_normal();
  if (o.root.string().size() > 1 && o.root.string().back() == '/') o.root = o.root.parent_path();
  return o;
}

// A toplevel argument: a logical path, or a real path under the root.
inline std::string logical_toplevel(const fs::path& root, const std::string& arg) {
  if (root != "/" && arg.starts_with(root.string() + "/")) return arg.substr(root.string().size());
  return arg;
}

}  // namespace detail

// When this program runs as <toplevel>/bin/switch-to-configuration under root: that toplevel.
// `invoked_as` is the path it was started by (argv[0]): a generation's bin/switch-to-configuration
// is a link to the program shared by generations, so /proc/self/exe names the program, not the
// generation. Without it, /proc/self/exe (a generation holding a copy of its program).
inline std::optional<std::string> self_toplevel(const fs::path& root, const std::optional<fs::path>& invoked_as = std::nullopt) {
  std::error_code ec;
  fs::path exe = invoked_as ? *invoked_as : fs::read_symlink("/proc/self/exe", ec);
  if (ec || exe.filename() != "switch-to-configuration") return std::nullopt;
  fs::path bin = fs::canonical(exe.parent_path(), ec);  // the generation's bin/, its links resolved
  if (ec || bin.filename() != "bin") return std::nullopt;
  fs::path real = bin.parent_path();
  if (!fs::exists(real / "cairn-toplevel.json")) return std::nullopt;
  if (root == "/") return real.string();
  auto rel = real.lexically_relative(root);
  if (rel.empty() || rel.begin()->string() == "..") return std::nullopt;
  return "/" + rel.string();
}

// Runs generation g's own program: `<toplevel>/bin/switch-to-configuration switch --root R
// --generation N`, as NixOS runs the rolled-back generation's switch-to-configuration. Falls back
// to this program's code when the toplevel has none.
inline int run_generation(const cli_options& o, const generation& g, std::FILE* err) {
  fs::path program = detail::resolve_in_root(o.root, g.toplevel + "/bin/switch-to-configuration");
  if (::access(program.c_str(), X_OK) == 0) {
    std::vector<std::string> argv = {program.string(), "switch", "--root", o.root.string(), "--generation", std::to_string(g.number),
                                     "--lock-timeout", std::to_string(std::chrono::duration_cast<std::chrono::seconds>(o.lock_timeout).count())};
    if (!o.use_systemd) argv.push_back("--no-systemd");
    argv.push_back(g.toplevel);  // explicit: the program need not recognise itself
    return detail::run(argv);
  }
  fmt::print(err, "note: {} has no bin/switch-to-configuration; activating it with this program\n", g.toplevel);
  return activate(o.root, g.toplevel, action::switch_, {.lock_timeout = o.lock_timeout, .generation = g.number, .use_systemd = o.use_systemd, .out = err}).exit_code;
}

// The two toplevels `diff [A] [B]` compares: generation numbers or toplevel paths; by default
// the generation before the current one, and the current one.
inline std::pair<std::string, std::string> diff_targets(const cli_options& o) {
  auto resolve = [&](const std::string& a) -> std::string {
    if (a.starts_with("/")) return detail::logical_toplevel(o.root, a);
    int n = detail::parse_number(a, "a generation");
    auto g = find_generation(o.root, n);
    if (!g) throw error(fmt::format("profile version {} does not exist", n));
    return g->toplevel;
  };
  if (o.positional.size() == 2) return {resolve(o.positional[0]), resolve(o.positional[1])};
  auto cur = current_generation(o.root);
  if (!cur) throw error("no current generation to compare with");
  std::string b = find_generation(o.root, *cur)->toplevel;
  if (o.positional.size() == 1) return {resolve(o.positional[0]), b};
  return {rollback_target(o.root).toplevel, b};
}

// Runs one activation command; args[0] is the command. Prints errors to err, returns the exit code.
inline int run_cli(const std::vector<std::string>& args, std::FILE* out = stdout, std::FILE* err = stderr,
                   const std::optional<fs::path>& invoked_as = std::nullopt) {
  using namespace detail;
  try {
    if (args.empty()) throw usage_error("no command given");
    const std::string& cmd = args[0];
    cli_options o = parse_cli(args, 1);
    auto no_more = [&](std::size_t n) {
      if (o.positional.size() > n) throw usage_error(fmt::format("{}: unexpected argument '{}'", cmd, o.positional[n]));
    };

    if (auto act = parse_action(cmd)) {
      no_more(1);
      std::optional<std::string> top;
      if (!o.positional.empty()) top = logical_toplevel(o.root, o.positional[0]);
      else if (auto self = self_toplevel(o.root, invoked_as)) top = *self;
      else if (o.generation) {
        auto g = find_generation(o.root, *o.generation);
        if (!g) throw error(fmt::format("profile version {} does not exist", *o.generation));
        return run_generation(o, *g, err);
      } else throw usage_error(fmt::format("{}: which toplevel? give its store path", cmd));
      auto r = activate(o.root, *top, *act, {.lock_timeout = o.lock_timeout, .generation = o.generation, .use_systemd = o.use_systemd, .out = err});
      if (*act != action::dry_activate && r.exit_code == exit_ok) fmt::print(err, "Done. The new configuration is {}\n", *top);
      return r.exit_code;
    }
    if (cmd == "rollback") {
      no_more(0);
      generation g = rollback_target(o.root);
      fmt::print(err, "switching profile from version {} to {}\n", current_generation(o.root).value_or(0), g.number);
      return run_generation(o, g, err);
    }
    if (cmd == "list-generations") {
      no_more(0);
      fmt::print(out, "{}", format_generations(list_generations(o.root)));
      return exit_ok;
    }
    if (cmd == "delete-generations") {
      if (o.positional.empty()) throw usage_error("delete-generations: which? (N..., old, +N, Nd)");
      activation_lock lock(o.root, o.lock_timeout);
      for (int n : delete_generations(o.root, o.positional)) fmt::print(err, "removing profile version {}\n", n);
      return exit_ok;
    }
    if (cmd == "diff") {
      no_more(2);
      auto [a, b] = diff_targets(o);
      toplevel ta = read_toplevel(o.root, a), tb = read_toplevel(o.root, b);
      fmt::print(out, "{} -> {}\n{}", a, b, format_diff(diff_toplevels(o.root, ta, tb)));
      return exit_ok;
    }
    if (cmd == "install") {
      no_more(0);
      activation_lock lock(o.root, o.lock_timeout);
      install(o.root, err);
      return exit_ok;
    }
    if (cmd == "recover") {
      no_more(0);
      activation_lock lock(o.root, o.lock_timeout);
      if (!recover(o.root, err, o.use_systemd)) fmt::print(err, "nothing to recover on {}\n", o.root.string());
      return exit_ok;
    }
    throw usage_error(fmt::format("unknown command '{}'", cmd));
  } catch (const detail::usage_error& e) {
    fmt::print(err, "error: {}\nusage: switch|boot|test|dry-activate [--root R] [--generation N] [TOPLEVEL] | rollback | list-generations | "
                    "delete-generations SPEC... | diff [A] [B] | install | recover\n",
               e.what());
    return exit_usage;
  } catch (const error& e) {
    fmt::print(err, "error: {}\n", e.what());
    return e.exit_code();
  }
}

}  // namespace cairn::activation
