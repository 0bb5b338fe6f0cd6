// cairn/module.hpp: modules and how they import each other.
//
// A module is a type with any of:
//   using imports = cairn::imports<systemd::module, environment::module>;
//   using disabled_modules = cairn::imports<some::module>;   // as NixOS's disabledModules
//   static constexpr auto options = cairn::declare(enable, port);
//   static constexpr void config(cairn::definitions& d) { ... }
//
// The import graph is resolved before any option is evaluated: breadth first from the host,
// each module once (its identity is its type), disabled modules and what only they import
// dropped, then reversed, which is the order NixOS gives definitions.
//
// A module may be compiled on its own so that editing it recompiles it alone: declare it with
// CAIRN_MODULE_DECLARATION(ns::module) after its definition in its header (or, for importers
// that should not see its header, after a forward declaration), and put
// CAIRN_MODULE_DEFINITION(ns::module) in its .cpp file.
//
// The modules of cairn's library (modules/) end their header with CAIRN_LIBRARY_MODULE: a
// host links them compiled once per build tree (cairn::module_library, which defines
// CAIRN_LINK_MODULE_LIBRARY for its users) instead of compiling every module it imports in its
// own unit; anywhere else they are header-only, as evaluating a configuration at compile time
// needs every module's definition.
#pragma once

#include <array>
#include <cstddef>
#include <span>
#include <string_view>

#include "definitions.hpp"
#include "option.hpp"

namespace cairn {

struct module_info;
using module_ref = const module_info& (*)();

struct module_info {
  std::string_view name;  // the C++ type, for messages
  std::span<const module_ref> imports;
  std::span<const module_ref> disabled;
  std::span<const option_base* const> options;
  void (*config)(definitions&) = nullptr;
};

template <class... Modules>
struct imports {};

// The options a module declares (NixOS's `options = { ... }`).
template <class... Options>
constexpr std::array<const option_base*, sizeof...(Options)> declare(const Options&... options) {
  return {&options...};
}

// How the evaluator finds a module. Specialised (not constexpr, defined in the module's own
// translation unit) for separately compiled modules.
template <class M>
constexpr const module_info& module_info_of();

namespace detail {

template <class M>
constexpr std::string_view type_name() {
  std::string_view pretty = __PRETTY_FUNCTION__;  // "... type_name() [with M = ns::module; ...]"
  auto start = pretty.find("M = ") + 4;
  auto end = pretty.find_first_of(";]", start);
  return pretty.substr(start, end - start);
}

template <class List>
struct refs_of;
template <class... Ms>
struct refs_of<imports<Ms...>> {
  static constexpr std::array<module_ref, sizeof...(Ms)> refs{&module_info_of<Ms>...};
};

template <class M>
constexpr std::span<const module_ref> imports_of() {
  if constexpr (requires { typename M::imports; }) return refs_of<typename M::imports>::refs;
  else return {};
}
template <class M>
constexpr std::span<const module_ref> disabled_of() {
  if constexpr (requires { typename M::disabled_modules; }) return refs_of<typename M::disabled_modules>::refs;
  else return {};
}
template <class M>
constexpr std::span<const option_base* const> options_of() {
  if constexpr (requires { M::options; }) return M::options;
  else return {};
}
template <class M>
constexpr auto config_of() -> void (*)(definitions&) {
  if constexpr (requires(definitions& d) { M::config(d); }) return &M::config;
  else return nullptr;
}

template <class M>
inline constexpr module_info module_info_v{
    .name = type_name<M>(),
    .imports = imports_of<M>(),
    .disabled = disabled_of<M>(),
    .options = options_of<M>(),
    .config = config_of<M>(),
};

}  // namespace detail

template <class M>
constexpr const module_info& module_info_of() {
  return detail::module_info_v<M>;
}

}  // namespace cairn

// In the module's header: its importers call into its own translation unit.
#define CAIRN_MODULE_DECLARATION(...) \
  template <>                        \
  const ::cairn::module_info& ::cairn::module_info_of<__VA_ARGS__>();

// In the module's .cpp file.
#define CAIRN_MODULE_DEFINITION(...)                                   \
  template <>                                                          \
  const ::cairn::module_info& ::cairn::module_info_of<__VA_ARGS__>() { \
    return ::cairn::detail::module_info_v<__VA_ARGS__>;                \
  }

// At the end of a library module's header.
#ifdef CAIRN_LINK_MODULE_LIBRARY
#define CAIRN_LIBRARY_MODULE(...) CAIRN_MODULE_DECLARATION(__VA_ARGS__)
#else
#define CAIRN_LIBRARY_MODULE(...)
#endif
