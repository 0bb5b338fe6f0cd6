// cairn/fixed_string.hpp: a string usable as a template argument.
//
// Option paths are template arguments of their option's type, so that a diagnostic about a
// definition can name the option: g++ prints `cairn::fixed_string<22>{"services.openssh.port"}`.
#pragma once

#include <cstddef>
#include <string_view>

namespace cairn {

template <std::size_t N>
struct fixed_string {
  char data[N]{};

  constexpr fixed_string() = default;
  constexpr fixed_string(const char (&text)[N]) {  // NOLINT: implicit, for "..." template arguments
    for (std::size_t i = 0; i < N; ++i) data[i] = text[i];
  }

  static constexpr std::size_t size() { return N - 1; }
  constexpr std::string_view view() const { return {data, N - 1}; }
  constexpr operator std::string_view() const { return view(); }  // NOLINT
};

template <std::size_t N>
fixed_string(const char (&)[N]) -> fixed_string<N>;

}  // namespace cairn
