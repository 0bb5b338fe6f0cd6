// modules/system/activation.hpp: activation scripts (nixos/modules/system/activation/activation-script.nix).
//
//   d.set(activation::script::text("motd-date"), "date > \"$CAIRN_ROOT/var/lib/motd-date\"");
//   d.set(activation::script::deps("motd-date"), {"users"});
//
// Scripts run at every switch, ordered by their deps (a cycle is an error naming it), with
// $CAIRN_ROOT set to the target root: prefix paths with it.
#pragma once

#include <cairn/fwd.hpp>

namespace cairn::modules::activation {

inline constexpr option<"system.activationScripts", types::attrs_of<types::submodule>> scripts{{
    .description = "A set of shell script fragments that are executed when the system configuration "
                   "is activated, by name.",
}};

namespace script {
inline constexpr option<"system.activationScripts.<name>.text", types::lines> text{{
    .description = "The script (run by /bin/sh -e).",
}};
inline constexpr option<"system.activationScripts.<name>.deps", types::list_of<types::str>> deps{{
    .description = "Scripts (by name) that must run before this one. `users` and `etc` name the "
                   "built-in steps.",
}};
inline constexpr option<"system.activationScripts.<name>.supportsDryActivation", types::bool_>
    supports_dry_activation{{
        .default_value = false,
        .description = "Whether the script honours $CAIRN_DRY_ACTIVATE (and may run during dry-activate).",
    }};
}  // namespace script

struct module {
  static constexpr auto options = declare(scripts, script::text, script::deps, script::supports_dry_activation);
};

}  // namespace cairn::modules::activation

CAIRN_LIBRARY_MODULE(cairn::modules::activation::module)
