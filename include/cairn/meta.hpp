// cairn/meta.hpp: facts about a host that every module may read while registering and while
// evaluating (seed 001's `meta`; NixOS passes such values as specialArgs).
//
//   struct demo { static constexpr cairn::meta meta{.hostname = "demo", .state_version = "0.1",
//                                                   .users = {"alice"}}; ... };
//   struct home { static constexpr cairn::meta meta{.state_version = "0.1", .username = "alice",
//                                                   .home_directory = "/home/alice"}; ... };
#pragma once

#include <string_view>

#include "types.hpp"

namespace cairn {

struct meta {
  std::string_view hostname;
  std::string_view state_version;
  std::string_view system = "x86_64-linux";
  literal_list<std::string_view> users;  // the people with an account and a home on this host
  // A home (home-manager's configuration) rather than a host: whose, and where it lives.
  std::string_view username;
  std::string_view home_directory;
};

}  // namespace cairn
