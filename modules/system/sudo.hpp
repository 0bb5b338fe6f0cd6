// modules/system/sudo.hpp: sudo's policy, /etc/sudoers (nixos/modules/security/sudo.nix).
//
//   d.set(security::sudo::wheel_needs_password, false);
//   d.set(security::sudo::extra_config, "Defaults timestamp_timeout=30");
//
// root and the wheel group may run anything; the file is copied (mode 0440, owned by root), as
// sudo refuses a sudoers that is a link to a writable place. execWheelOnly is not offered.
#pragma once

#include <cairn/fwd.hpp>
#include <cairn/strings.hpp>

#include "environment.hpp"

namespace cairn::modules::security::sudo {

inline constexpr option<"security.sudo.enable", types::bool_> enable{{
    .default_value = true,
    .description = "Whether to enable the {command}`sudo` command, which allows non-root users to "
                   "execute commands as root.",
}};

inline constexpr option<"security.sudo.wheelNeedsPassword", types::bool_> wheel_needs_password{{
    .default_value = true,
    .description = "Whether users of the `wheel` group must provide a password to run commands as "
                   "super user via {command}`sudo`.",
}};

inline constexpr option<"security.sudo.keepTerminfo", types::bool_> keep_terminfo{{
    .default_value = true,
    .description = "Whether to keep the `TERMINFO` and `TERMINFO_DIRS` environment variables, for "
                   "root and the `wheel` group.",
}};

inline constexpr option<"security.sudo.extraConfig", types::lines> extra_config{{
    .default_value = "",
    .description = "Extra configuration text appended to {file}`sudoers`.",
}};

// The text of /etc/sudoers.
constexpr std::string render_sudoers(const cairn::config& c) {
  std::string out = "# Don't edit this file. Set the cairn options 'security.sudo.extraConfig'\n"
                    "# or 'security.sudo.wheelNeedsPassword' instead.\n\n";
  out += "root\tALL=(ALL:ALL)\tSETENV: ALL\n";
  if (c[wheel_needs_password]) out += "%wheel\tALL=(ALL:ALL)\tSETENV: ALL\n";
  else out += "%wheel\tALL=(ALL:ALL)\tNOPASSWD:SETENV: ALL\n";
  std::string extra;
  if (c[keep_terminfo])
    extra += "# Keep terminfo database for root and %wheel.\n"
             "Defaults:root,%wheel env_keep+=TERMINFO_DIRS\n"
             "Defaults:root,%wheel env_keep+=TERMINFO\n";
  if (auto text = c[extra_config]; !text.empty()) {
    if (!extra.empty()) extra += "\n";
    extra += text + "\n";
  }
  if (!extra.empty()) out += "\n# extraConfig\n" + extra;
  return out;
}

struct module {
  using imports = cairn::imports<environment::module>;
  static constexpr auto options = declare(enable, wheel_needs_password, keep_terminfo, extra_config);

  static constexpr void config(definitions& d) {
    auto on = d.when(enable);
    on.set(environment::etc_entry::text("sudoers"), render_sudoers);
    on.set(environment::etc_entry::mode("sudoers"), "0440");
    on.set(environment::etc_entry::replace_existing("sudoers"), true);  // Debian ships one
  }
};

}  // namespace cairn::modules::security::sudo

CAIRN_LIBRARY_MODULE(cairn::modules::security::sudo::module)
