// cairn/host.hpp: the host binary's command line (the contract in DESIGN.md).
//
//   struct demo { static constexpr cairn::meta meta{...}; using imports = ...; static void config(...); };
//   CAIRN_HOST(demo)
//
//   demo eval [--json]                 the whole merged configuration, keys sorted
//   demo option PATH [--json]          value, type, default, description, declarations, definitions
//   demo options [--json|--markdown|--html]
//                                      every option: the manual (--html: one searchable page)
//   demo check                         evaluate everything, assertions, warnings
//
// Exit codes: 0 success, 1 a user error (bad configuration, bad input), 2 a bad command line.
//
// A host activates the homes of its users after the system (home-manager's NixOS module):
//   struct demo { ...; using homes = cairn::home_manager::users<people::alice::home>; };
#pragma once

#include <vector>

#include "meta.hpp"
#include "module.hpp"

namespace cairn {

namespace home_manager {
// The homes a host activates, each a home module set (users/<name>/home.hpp) whose meta names
// its user.
template <class... Homes>
struct users {};
}  // namespace home_manager

}  // namespace cairn

namespace cairn::detail {

// A home module set and its meta (home.hpp's CAIRN_HOME, and a host's homes).
struct home_entry {
  const module_info& (*root)();
  meta home_meta;
};

// What main() hands to the command line: the host module, its meta and its homes.
struct host_entry {
  const module_info& (*root)();
  meta host_meta;
  std::vector<home_entry> homes = {};
};

// Defined in host_main.hpp (compiled once per build tree, see cairn_add_host).
int run_host(const host_entry& entry, int argc, char** argv);

template <class Host>
constexpr meta meta_of() {
  if constexpr (requires { Host::meta; }) return Host::meta;
  else return meta{};
}

template <class... Homes>
std::vector<home_entry> home_entries(home_manager::users<Homes...>*) {
  return {home_entry{&module_info_of<Homes>, meta_of<Homes>()}...};
}

template <class Host>
std::vector<home_entry> homes_of() {
  if constexpr (requires { typename Host::homes; }) return home_entries(static_cast<typename Host::homes*>(nullptr));
  else return {};
}

}  // namespace cairn::detail

// The host binary's main().
#define CAIRN_HOST(Host)                                                                                    \
  int main(int argc, char** argv) {                                                                         \
    return ::cairn::detail::run_host(                                                                       \
        {&::cairn::module_info_of<Host>, ::cairn::detail::meta_of<Host>(), ::cairn::detail::homes_of<Host>()}, \
        argc, argv);                                                                                        \
  }
