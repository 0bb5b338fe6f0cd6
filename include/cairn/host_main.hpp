// cairn/host_main.hpp: the implementation of the host binary's command line (host.hpp).
//
// The same for every host, so compiled once per build tree rather than in every host's
// translation unit: cairn_add_host() links a runtime library made of one file that includes
// this header. Without CMake, include it in exactly one .cpp file of the program.
#pragma once

#include <cstdio>
#include <exception>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "eval.hpp"
#include "host.hpp"
#include "json.hpp"
#include "manual.hpp"

namespace cairn {

namespace detail {

// `eval --json`: the configuration as to_json(e.whole_config()) prints it, written while the
// evaluator visits the values in path order, without assembling a copy of the configuration.
inline std::string config_json(evaluator& e) {
  std::string out = "{";
  std::vector<std::string_view> open;  // the sets being written, below the root
  std::vector<bool> has_entries{false};  // per open set, the root first
  e.for_each_value([&](const std::vector<std::string_view>& loc, const value& v) {
    std::size_t common = 0;
    while (common < open.size() && common + 1 < loc.size() && open[common] == loc[common]) ++common;
    for (; open.size() > common; open.pop_back(), has_entries.pop_back()) out.push_back('}');
    for (; open.size() + 1 < loc.size(); open.push_back(loc[open.size()]), has_entries.push_back(false)) {
      if (has_entries.back()) out.push_back(',');
      has_entries.back() = true;
      append_json_string(out, loc[open.size()]);
      out += ":{";
    }
    if (has_entries.back()) out.push_back(',');
    has_entries.back() = true;
    append_json_string(out, loc.back());
    out.push_back(':');
    append_json(out, v);
  });
  out.append(open.size() + 1, '}');
  return out;
}

// Warnings printed, failed assertions thrown with every message.
inline void check_assertions(evaluator& e, std::FILE* warnings_to) {
  for (const auto& w : warnings(e)) fmt::print(warnings_to, "evaluation warning: {}\n", w);
  if (auto failed = failed_assertions(e); !failed.empty()) throw evaluation_error(messages::failed_assertions(failed));
}

int run_host(const host_entry& entry, int argc, char** argv) {
  const module_info& host = entry.root();
  const meta& m = entry.host_meta;
  CLI::App app{fmt::format("cairn host {}: evaluate, inspect and check this configuration",
                           m.hostname.empty() ? "configuration" : std::string(m.hostname))};
  app.require_subcommand(1);
  bool json = false, markdown = false;
  std::string path;
  auto* eval_cmd = app.add_subcommand("eval", "Print the whole merged configuration (keys sorted)");
  eval_cmd->add_flag("--json", json, "As JSON, as `nix eval --json` prints `config`");
  auto* option_cmd = app.add_subcommand("option", "Explain one option: value, type, default, who set it and why");
  option_cmd->add_option("path", path, "Option path, e.g. services.openssh.port or users.users.alice.uid")->required();
  option_cmd->add_flag("--json", json, "As JSON");
  auto* options_cmd = app.add_subcommand("options", "List every option: the manual");
  auto* options_json_flag = options_cmd->add_flag("--json", json, "As NixOS's options.json");
  options_cmd->add_flag("--markdown", markdown, "As a Markdown manual")->excludes(options_json_flag);
  auto* check_cmd = app.add_subcommand("check", "Evaluate everything; check assertions; print warnings");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  try {
    // The evaluator and the configuration live until the process exits, on purpose: freeing
    // every value and definition one by one costs a large share of a big host's evaluation
    // (W(400,50) of bench/: 13 of 100 ms), and the system takes the memory back at once.
    evaluator& e = *new evaluator(host, m);
    if (*eval_cmd) {
      if (json) {
        fmt::print("{}\n", config_json(e));
      } else {
        const value& v = *new value(e.whole_config());
        fmt::print("{}\n", pretty(v));
      }
    } else if (*option_cmd) {
      auto x = explain_option(e, path);
      fmt::print("{}", json ? explanation_json(x) + "\n" : explanation_text(x));
    } else if (*options_cmd) {
      fmt::print("{}", json ? options_json(e) + "\n" : markdown ? options_markdown(e) : options_text(e));
    } else if (*check_cmd) {
      e.force_all();
      check_assertions(e, stderr);
      fmt::print("{}: configuration ok ({} options, {} modules)\n", m.hostname.empty() ? "host" : m.hostname,
                 e.declarations().size(), e.modules().size());
    }
    return 0;
  } catch (const evaluation_error& err) {
    fmt::print(stderr, "error: {}\n", detail::replace_all(err.what(), "\n", "\n       "));
    return 1;
  }
}

}  // namespace detail
}  // namespace cairn
