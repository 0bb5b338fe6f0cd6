// modules/system/home-manager.hpp: how a host activates the homes of its users (home-manager's
// NixOS module). The homes themselves are listed in the host:
//
//   struct demo { ...; using homes = cairn::home_manager::users<people::alice::home>; };
//   d.set(home_manager::backup_file_extension, "backup");
//
// The system switch activates each home after the system, owned by its user; a file in a home
// that cairn did not write stops the switch before any change, unless it may be moved aside.
#pragma once

#include <cairn/fwd.hpp>

namespace cairn::modules::home_manager {

inline constexpr option<"home-manager.backupFileExtension", types::null_or<types::str>> backup_file_extension{{
    .default_value = null,
    .description = "On activation move existing files by appending the given file extension rather "
                   "than exiting with an error.",
    .example = "\"backup\"",
}};

struct module {
  static constexpr auto options = declare(backup_file_extension);
};

}  // namespace cairn::modules::home_manager

CAIRN_LIBRARY_MODULE(cairn::modules::home_manager::module)
