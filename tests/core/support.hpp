// Helpers for module-system tests: evaluate a host type, expect an error text.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include <cairn/eval.hpp>
#include <cairn/fwd.hpp>
#include <cairn/host.hpp>
#include <cairn/json.hpp>

namespace cairn::testing {

template <class Host>
struct evaluation {
  cairn::evaluator e{cairn::module_info_of<Host>(), cairn::detail::meta_of<Host>()};
  const cairn::value& operator[](std::string_view path) { return e.read(path); }
  std::string json(std::string_view path) { return cairn::to_json(e.read(path)); }
};

// The message of the evaluation error that reading `path` (or, when empty, evaluating
// everything) throws; empty when there is none.
template <class Host>
std::string error_of(std::string_view path = {}) {
  try {
    cairn::evaluator e(cairn::module_info_of<Host>(), cairn::detail::meta_of<Host>());
    if (path.empty()) e.force_all();
    else e.read(path);
  } catch (const cairn::evaluation_error& err) {
    return err.what();
  }
  return {};
}

// The message alone, without the "… while evaluating the option" frames: for exact texts.
template <class Host>
std::string message_of(std::string_view path = {}) {
  try {
    cairn::evaluator e(cairn::module_info_of<Host>(), cairn::detail::meta_of<Host>());
    if (path.empty()) e.force_all();
    else e.read(path);
  } catch (const cairn::evaluation_error& err) {
    return err.message();
  }
  return {};
}

// The messages of the assertions that fail once everything is evaluated, one per line.
template <class Host>
std::string failed_assertions_of() {
  cairn::evaluator e(cairn::module_info_of<Host>(), cairn::detail::meta_of<Host>());
  e.force_all();
  return cairn::detail::join(cairn::failed_assertions(e), "\n");
}

// The first error of an evaluation in constant evaluation style (recorded, not thrown):
// usable in static_assert.
template <class Host>
constexpr std::string compile_time_error_of(std::string_view path = {}) {
  cairn::evaluator e(cairn::module_info_of<Host>(), cairn::detail::meta_of<Host>());
  if (!e.failed()) {
    if (path.empty()) e.force_all();
    else e.read(path);
  }
  return e.first_error().value_or("");
}

}  // namespace cairn::testing

// "file:line" of a line of the current test file, as definitions and declarations report it.
#define CAIRN_AT(line) (std::string(__FILE__) + ":" + std::to_string(line))

#define EXPECT_CONTAINS(haystack, needle) EXPECT_NE(std::string(haystack).find(needle), std::string::npos) \
  << "expected to find: " << (needle) << "\nin: " << (haystack)
