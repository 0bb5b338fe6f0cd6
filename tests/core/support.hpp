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

}  // namespace cairn::testing

#define EXPECT_CONTAINS(haystack, needle) EXPECT_NE(std::string(haystack).find(needle), std::string::npos) \
  << "expected to find: " << (needle) << "\nin: " << (haystack)
