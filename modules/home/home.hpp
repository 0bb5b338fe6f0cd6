// modules/home/home.hpp: a home's identity, its files and its packages (home-manager's
// modules/home-environment.nix and modules/files.nix).
//
//   d.set(home::file_entry::text(".hushlogin"), "");
//   d.set(home::file_entry::source("bin/backup"), "users/alice/files/backup.sh");  // from the repository
//   d.set(home::file_entry::executable("bin/backup"), true);
//   d.set(home::packages, {cairn::packages::hello()});
//
// Every enabled file becomes a symlink in the home into the generation's home-files/ (a store
// path), as home-manager links ~/.foo into its home-manager-files; the packages are joined
// into the generation's home-path/, which ~/.cairn-profile points at.
#pragma once

#include <cairn/fwd.hpp>

#include <modules/system/assertions.hpp>

namespace cairn::modules::home {

inline constexpr option<"home.username", types::str> username{{
    .description = "The user's username.",
    .default_text = "the home's meta username",
}};
inline constexpr option<"home.homeDirectory", types::path> home_directory{{
    .description = "The user's home directory. Must be an absolute path.",
    .default_text = "the home's meta home_directory, else /home/<username>",
}};
inline constexpr option<"home.stateVersion", types::str> state_version{{
    .description = "The release of cairn whose defaults this home was written against.",
    .default_text = "the home's meta state_version",
}};

inline constexpr option<"home.file", types::attrs_of<types::submodule>> file{{
    .description = "Attribute set of files to link into the user home.",
    .example = R"({{".hushlogin", {{"text", ""}}}})",
}};

namespace file_entry {
inline constexpr option<"home.file.<name>.enable", types::bool_> enable{{
    .default_value = true,
    .description = "Whether this file should be generated. This option allows specific files to be "
                   "disabled.",
}};
inline constexpr option<"home.file.<name>.target", types::str> target{{
    .description = "Path to target file relative to the home directory.",
    .default_text = "<name>",
}};
inline constexpr option<"home.file.<name>.text", types::null_or<types::lines>> text{{
    .default_value = null,
    .description = "Text of the file. If this option is null then `source` must be set.",
}};
inline constexpr option<"home.file.<name>.source", types::null_or<types::str>> source{{
    .default_value = null,
    .description = "Path of the source file or directory (relative paths start at the repository). "
                   "If `text` is set, this is ignored.",
}};
inline constexpr option<"home.file.<name>.executable", types::bool_> executable{{
    .default_value = false,
    .description = "Set the execute bit on the file (text files; a source keeps its own bits "
                   "unless this is set).",
}};
inline constexpr option<"home.file.<name>.recursive", types::bool_> recursive{{
    .default_value = false,
    .description = "If the file source is a directory, then this option determines whether the "
                   "directory should be recursively linked to the target location: each file gets "
                   "its own link and the directories are real, so that other programs may add files "
                   "beside them.",
}};
inline constexpr option<"home.file.<name>.force", types::bool_> force{{
    .default_value = false,
    .description = "Whether the target path should be unconditionally replaced by the managed file, "
                   "even a file cairn did not write (it is deleted, not backed up).",
}};
}  // namespace file_entry

inline constexpr option<"home.packages", types::list_of<types::package>> packages{{
    .description = "The set of packages to appear in the user environment (~/.cairn-profile).",
}};

namespace detail {

// A target must stay inside the home: relative, without "." or ".." components.
constexpr bool is_home_relative(const std::string& t) {
  if (t.empty() || t[0] == '/') return false;
  std::size_t start = 0;
  while (start <= t.size()) {
    std::size_t end = t.find('/', start);
    if (end == std::string::npos) end = t.size();
    std::string_view part(t.data() + start, end - start);
    if (part.empty() || part == "." || part == "..") return false;
    start = end + 1;
  }
  return true;
}

}  // namespace detail

struct module {
  using imports = cairn::imports<assertions::module>;
  static constexpr auto options =
      declare(username, home_directory, state_version, file, file_entry::enable, file_entry::target, file_entry::text,
              file_entry::source, file_entry::executable, file_entry::recursive, file_entry::force, packages);

  static constexpr void config(definitions& d) {
    d.set(username, mk_default(std::string(d.meta().username)));
    if (!d.meta().home_directory.empty()) {
      d.set(home_directory, mk_default(std::string(d.meta().home_directory)));
    } else {
      d.set(home_directory, [](const cairn::config& c) { return "/home/" + c[username]; });
    }
    d.set(state_version, mk_default(std::string(d.meta().state_version)));
    d.each(file, [](instance_definitions& f) { f.set(file_entry::target, mk_default(f.name())); });
    d.set(assertions::assertions, [](const cairn::config& c) {
      list checks;
      auto check = [&](bool holds, const std::string& message) {
        attrs a;
        a.set("assertion", holds);
        a.set("message", value(message));
        checks.push_back(value(std::move(a)));
      };
      check(!c[username].empty(), "home.username is not set: give the home's meta a username");
      for (const auto& name : c.names(file)) {
        if (!c[file_entry::enable(name)]) continue;
        bool has_text = c[file_entry::text(name)].has_value();
        bool has_source = c[file_entry::source(name)].has_value();
        check(has_text || has_source, "home.file.\"" + name + "\": set text or source");
        const std::string target = c[file_entry::target(name)];
        check(detail::is_home_relative(target),
              "home.file.\"" + name + "\".target = \"" + target +
                  "\" must be a path relative to the home directory, without . or .. components");
      }
      return value(std::move(checks));
    });
  }
};

}  // namespace cairn::modules::home

CAIRN_LIBRARY_MODULE(cairn::modules::home::module)
