// modules/system/environment.hpp: files in /etc and the system's packages
// (nixos/modules/system/etc/etc.nix, environment.systemPackages).
//
//   d.set(environment::etc_entry::text("motd"), "Welcome!\n");
//   d.set(environment::etc_entry::source("localtime"), "/usr/share/zoneinfo/Europe/Oslo");
//   d.set(environment::etc_entry::mode("ssh/ssh_host_key"), "0600");   // copied, not linked
#pragma once

#include <cairn/fwd.hpp>

#include "assertions.hpp"

namespace cairn::modules::environment {

inline constexpr option<"environment.etc", types::attrs_of<types::submodule>> etc{{
    .description = "Set of files that have to be linked in /etc.",
    .example = R"({{"issue", {{"text", "Welcome!\n"}}}})",
}};

namespace etc_entry {
inline constexpr option<"environment.etc.<name>.enable", types::bool_> enable{{
    .default_value = true,
    .description = "Whether this /etc file should be generated. This option allows specific /etc files "
                   "to be disabled.",
}};
inline constexpr option<"environment.etc.<name>.target", types::str> target{{
    .description = "Name of symlink (relative to /etc). Defaults to the attribute name.",
    .default_text = "<name>",
}};
inline constexpr option<"environment.etc.<name>.text", types::null_or<types::lines>> text{{
    .default_value = null,
    .description = "Text of the file.",
}};
inline constexpr option<"environment.etc.<name>.source", types::null_or<types::path>> source{{
    .default_value = null,
    .description = "Path of the source file (instead of text).",
}};
inline constexpr option<"environment.etc.<name>.mode", types::str> mode{{
    .default_value = "symlink",
    .description = "If set to something else than `symlink`, the file is copied instead of symlinked, "
                   "with the given file mode.",
    .example = "\"0600\"",
}};
inline constexpr option<"environment.etc.<name>.user", types::str> user{{
    .default_value = "+0",
    .description = "User name of the file owner (copied files only). Changing this option takes "
                   "precedence over `uid`.",
}};
inline constexpr option<"environment.etc.<name>.group", types::str> group{{
    .default_value = "+0",
    .description = "Group name of the file owner (copied files only). Changing this option takes "
                   "precedence over `gid`.",
}};
inline constexpr option<"environment.etc.<name>.replaceExisting", types::bool_> replace_existing{{
    .default_value = false,
    .description = "Whether activation may replace a file at this path that cairn did not create "
                   "(otherwise such a file is an error naming it).",
}};
}  // namespace etc_entry

inline constexpr option<"environment.systemPackages", types::list_of<types::package>> system_packages{{
    .description = "The set of packages that appear in /run/current-system/sw.",
}};

struct module {
  using imports = cairn::imports<assertions::module>;
  static constexpr auto options = declare(etc, etc_entry::enable, etc_entry::target, etc_entry::text,
                                          etc_entry::source, etc_entry::mode, etc_entry::user, etc_entry::group,
                                          etc_entry::replace_existing, system_packages);

  static constexpr void config(definitions& d) {
    d.each(etc, [](instance_definitions& f) { f.set(etc_entry::target, mk_default(f.name())); });
    d.set(assertions::assertions, [](const cairn::config& c) {
      list checks;
      for (const auto& name : c.names(etc)) {
        bool has_text = c[etc_entry::text(name)].has_value();
        bool has_source = c[etc_entry::source(name)].has_value();
        attrs a;
        a.set("assertion", has_text != has_source || !c[etc_entry::enable(name)]);
        a.set("message", value("environment.etc.\"" + name + "\": set exactly one of text and source"));
        checks.push_back(value(std::move(a)));
      }
      return value(std::move(checks));
    });
  }
};

}  // namespace cairn::modules::environment

CAIRN_LIBRARY_MODULE(cairn::modules::environment::module)
