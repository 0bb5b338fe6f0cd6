// cairn/compile_time.hpp: evaluating a whole configuration at compile time, in one line.
//
//   struct demo { ... };
//   CAIRN_CHECK_AT_COMPILE_TIME(demo)
//
// The compiler then evaluates every option, every submodule instance and the assertions; a
// conflict, a failed assertion, a value outside its type (a port of 70000, a value not in an
// enum), a missing option or a cycle is a compile error whose text is the evaluation error:
//
//   error: 'cairn::error::configuration_does_not_evaluate<cairn::fixed_string<N>{"The option
//   `services.openssh.port' has conflicting definition values: | - In `host.cpp:12': 22 | ..."}>'
//   has incomplete type
//
// Every module's config function (and what it calls) must then be constexpr and visible: the
// modules of such a host are header-only. A value only known at run time (a file read, fmt)
// cannot be part of it. So a check is a unit of its own, outside a target that links the
// module library compiled once (cairn_add_host(NAME SOURCES host.cpp CHECK check.cpp)).
//
// g++ 12 miscompiles two things in constant evaluation that are fine at run time: a
// conditional expression whose result is a class (`c ? "/home/" + name : "/var/empty"`,
// `v ? x : value{}`) and a move from a by-value std::string parameter. Write `if` statements
// and take strings by reference in modules meant for compile-time evaluation.
#pragma once

#include <cstddef>
#include <string>

#include "eval.hpp"
#include "fixed_string.hpp"
#include "host.hpp"

namespace cairn {

namespace error {
template <fixed_string Message>
struct configuration_does_not_evaluate;
}  // namespace error

namespace detail {

template <class Host>
constexpr std::string compile_time_evaluation() {
  evaluator e(module_info_of<Host>(), meta_of<Host>());
  if (!e.failed()) e.force_all();
  std::string message = e.first_error().value_or("");
  if (!e.failed())
    if (auto failed = failed_assertions(e); !failed.empty()) message = messages::failed_assertions(failed);
  // Diagnostics print template arguments on one line.
  return replace_all(message, "\n", " | ");
}

template <class Host>
constexpr std::size_t compile_time_error_size() {
  return compile_time_evaluation<Host>().size();
}

template <class Host, std::size_t N>
constexpr fixed_string<N + 1> compile_time_error() {
  fixed_string<N + 1> out;
  auto s = compile_time_evaluation<Host>();
  for (std::size_t i = 0; i < N; ++i) out.data[i] = s[i];
  return out;
}

template <class Host>
consteval bool check_at_compile_time() {
  constexpr std::size_t n = compile_time_error_size<Host>();
  if constexpr (n != 0) {
    (void)sizeof(error::configuration_does_not_evaluate<compile_time_error<Host, n>()>);
    return false;
  } else {
    return true;
  }
}

}  // namespace detail
}  // namespace cairn

#ifndef CAIRN_LINK_MODULE_LIBRARY
#define CAIRN_CHECK_AT_COMPILE_TIME(Host) \
  static_assert(::cairn::detail::check_at_compile_time<Host>(), "cairn: " #Host " does not evaluate")
#else
#define CAIRN_CHECK_AT_COMPILE_TIME(Host)                                                              \
  static_assert(sizeof(Host) == 0, "cairn: " #Host " is checked in a target that links the module "   \
                                   "library, whose modules it sees declared only: check it in a unit " \
                                   "of its own (cairn_add_host(NAME SOURCES host.cpp CHECK check.cpp))")
#endif
