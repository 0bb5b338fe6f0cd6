// cairn/host.hpp: the host binary's command line (the contract in DESIGN.md).
//
//   struct demo { static constexpr cairn::meta meta{...}; using imports = ...; static void config(...); };
//   CAIRN_HOST(demo)
//
//   demo eval [--json]                 the whole merged configuration, keys sorted
//   demo option PATH [--json]          value, type, default, description, declarations, definitions
//   demo options [--json|--markdown]   every option: the manual
//   demo check                         evaluate everything, assertions, warnings
//
// Exit codes: 0 success, 1 a user error (bad configuration, bad input), 2 a bad command line.
#pragma once

#include "meta.hpp"
#include "module.hpp"

namespace cairn::detail {

// What main() hands to the command line: the host module and its meta.
struct host_entry {
  const module_info& (*root)();
  meta host_meta;
};

// Defined in host_main.hpp (compiled once per build tree, see cairn_add_host).
int run_host(const host_entry& entry, int argc, char** argv);

template <class Host>
constexpr meta meta_of() {
  if constexpr (requires { Host::meta; }) return Host::meta;
  else return meta{};
}

}  // namespace cairn::detail

// The host binary's main().
#define CAIRN_HOST(Host)                                                                                 \
  int main(int argc, char** argv) {                                                                      \
    return ::cairn::detail::run_host({&::cairn::module_info_of<Host>, ::cairn::detail::meta_of<Host>()}, \
                                     argc, argv);                                                        \
  }
