// cairn/activation_main.hpp: the program every generation's bin/switch-to-configuration links to.
//
//   switch-to-configuration switch|boot|test|dry-activate|rollback|... [--root R]   (activation/cli.hpp)
//   switch-to-configuration serve [--root R]                     the target's side of a deploy
//
// It holds no configuration: built once per build tree (cairn_add_host builds it), the same file
// serves every generation of every host, so a new configuration does not bring a new program.
#pragma once

#include <cstdio>
#include <cstring>
#include <exception>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "activation.hpp"
#include "deploy/serve.hpp"

namespace cairn::detail {

// `serve [--root R]`.
inline int run_serve(const std::vector<std::string>& args) {
  std::string root = "/";
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--root" && i + 1 < args.size()) root = args[++i];
    else {
      fmt::print(stderr, "error: serve: unexpected argument '{}'\nusage: serve [--root R]\n", args[i]);
      return 2;
    }
  }
  try {
    return deploy::serve(std::filesystem::absolute(root).lexically_normal());
  } catch (const std::exception& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return 1;
  }
}

inline int run_switch_to_configuration(int argc, char** argv) {
  std::vector<std::string> args(argv + std::min(argc, 1), argv + argc);
  if (!args.empty() && args[0] == "serve") return run_serve({args.begin() + 1, args.end()});
  // Started by a path (a generation's bin/switch-to-configuration): that generation.
  std::optional<std::filesystem::path> invoked_as;
  if (argc > 0 && std::strchr(argv[0], '/') != nullptr) invoked_as = std::filesystem::absolute(argv[0]).lexically_normal();
  return activation::run_cli(args, stdout, stderr, invoked_as);
}

}  // namespace cairn::detail
