// modules/system/assertions.hpp: assertions and warnings, as nixos/modules/misc/assertions.nix.
//
//   d.set(assertions::assertions, assertions::require(
//       [](const auto& c) { return c[port] != 0; }, "services.foo.port must not be 0"));
//   d.set(assertions::warnings, mk_if(deprecated_option, {"services.foo.bar is deprecated"}));
//
// `check` and `build` stop with every failed assertion's message and print the warnings.
#pragma once

#include <cairn/fwd.hpp>

namespace cairn::modules::assertions {

inline constexpr option<"assertions", types::list_of<types::anything>> assertions{{
    .description = "This option allows modules to express conditions that must hold for the evaluation "
                   "of the system configuration to succeed, along with associated messages to be "
                   "shown to the user: a list of { assertion = <bool>; message = <string>; }.",
    .internal = true,
}};

inline constexpr option<"warnings", types::list_of<types::str>> warnings{{
    .description = "This option allows modules to show warnings to users during the evaluation of the "
                   "system configuration.",
    .internal = true,
}};

struct module {
  static constexpr auto options = declare(assertions, warnings);
};

// A deferred definition of `assertions`: one assertion whose truth (and message) are computed
// from the final configuration.
template <class Holds, class Message>
constexpr auto require(Holds holds, Message message) {
  return [holds, message](const cairn::config& c) {
    attrs a;
    a.set("assertion", static_cast<bool>(holds(c)));
    if constexpr (std::is_invocable_v<const Message&, const cairn::config&>) a.set("message", value(message(c)));
    else a.set("message", value(std::string(std::string_view(message))));
    return value(list{value(std::move(a))});
  };
}

}  // namespace cairn::modules::assertions

CAIRN_LIBRARY_MODULE(cairn::modules::assertions::module)
