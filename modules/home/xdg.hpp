// modules/home/xdg.hpp: the XDG base directories and files in ~/.config (home-manager's
// modules/misc/xdg.nix).
//
//   d.set(xdg::config_file_entry::text("foot/foot.ini"), "font=monospace:size=11\n");
//   d.set(xdg::config_file_entry::source("nvim"), "users/alice/nvim");   // a directory
//   d.set(xdg::config_file_entry::recursive("nvim"), true);
//
// Every xdg.configFile.<name> becomes home.file."<configHome relative to the home>/<target>",
// as home-manager maps xdg.configFile onto home.file.
#pragma once

#include <cairn/fwd.hpp>

#include "home.hpp"

namespace cairn::modules::home::xdg {

inline constexpr option<"xdg.configHome", types::str> config_home{{
    .description = "Absolute path to directory holding application configurations.",
    .default_text = "<homeDirectory>/.config",
}};
inline constexpr option<"xdg.dataHome", types::str> data_home{{
    .description = "Absolute path to directory holding application data.",
    .default_text = "<homeDirectory>/.local/share",
}};
inline constexpr option<"xdg.stateHome", types::str> state_home{{
    .description = "Absolute path to directory holding application states.",
    .default_text = "<homeDirectory>/.local/state",
}};
inline constexpr option<"xdg.cacheHome", types::str> cache_home{{
    .description = "Absolute path to directory holding application caches.",
    .default_text = "<homeDirectory>/.cache",
}};

inline constexpr option<"xdg.configFile", types::attrs_of<types::submodule>> config_file{{
    .description = "Attribute set of files to link into the user's XDG configuration home.",
    .example = R"({{"git/ignore", {{"text", "*.o\n"}}}})",
}};

namespace config_file_entry {
inline constexpr option<"xdg.configFile.<name>.enable", types::bool_> enable{{
    .default_value = true,
    .description = "Whether this file should be generated. This option allows specific files to be "
                   "disabled.",
}};
inline constexpr option<"xdg.configFile.<name>.target", types::str> target{{
    .description = "Path to target file relative to xdg.configHome.",
    .default_text = "<name>",
}};
inline constexpr option<"xdg.configFile.<name>.text", types::null_or<types::lines>> text{{
    .default_value = null,
    .description = "Text of the file. If this option is null then `source` must be set.",
}};
inline constexpr option<"xdg.configFile.<name>.source", types::null_or<types::str>> source{{
    .default_value = null,
    .description = "Path of the source file or directory (relative paths start at the repository). "
                   "If `text` is set, this is ignored.",
}};
inline constexpr option<"xdg.configFile.<name>.executable", types::bool_> executable{{
    .default_value = false,
    .description = "Set the execute bit on the file.",
}};
inline constexpr option<"xdg.configFile.<name>.recursive", types::bool_> recursive{{
    .default_value = false,
    .description = "If the file source is a directory, then this option determines whether the "
                   "directory should be recursively linked to the target location.",
}};
inline constexpr option<"xdg.configFile.<name>.force", types::bool_> force{{
    .default_value = false,
    .description = "Whether the target path should be unconditionally replaced by the managed file.",
}};
}  // namespace config_file_entry

namespace detail {

// The home.file name of a path below the home: relative when it is inside the home (else left
// absolute, which home.file's assertion then names).
constexpr std::string home_relative(const std::string& home, const std::string& path) {
  if (path == home) return "";
  if (path.size() > home.size() && path.compare(0, home.size(), home) == 0 && path[home.size()] == '/')
    return path.substr(home.size() + 1);
  return path;
}

}  // namespace detail

struct module {
  using imports = cairn::imports<home::module>;
  static constexpr auto options =
      declare(config_home, data_home, state_home, cache_home, config_file, config_file_entry::enable,
              config_file_entry::target, config_file_entry::text, config_file_entry::source,
              config_file_entry::executable, config_file_entry::recursive, config_file_entry::force);

  static constexpr void config(definitions& d) {
    // Defaults computed from the home directory, at an option default's priority.
    d.set(config_home, mk_option_default([](const cairn::config& c) { return c[home_directory] + "/.config"; }));
    d.set(data_home, mk_option_default([](const cairn::config& c) { return c[home_directory] + "/.local/share"; }));
    d.set(state_home, mk_option_default([](const cairn::config& c) { return c[home_directory] + "/.local/state"; }));
    d.set(cache_home, mk_option_default([](const cairn::config& c) { return c[home_directory] + "/.cache"; }));
    d.each(config_file, [](instance_definitions& f) { f.set(config_file_entry::target, mk_default(f.name())); });
    d.set(file, [](const cairn::config& c) {
      std::vector<std::pair<std::string, attrs>> out;
      const std::string base = detail::home_relative(c[home_directory], c[config_home]);
      for (const auto& name : c.names(config_file)) {
        if (!c[config_file_entry::enable(name)]) continue;
        attrs f;
        if (auto t = c[config_file_entry::text(name)]; t.has_value()) f.set("text", value(*t));
        if (auto s = c[config_file_entry::source(name)]; s.has_value()) f.set("source", value(*s));
        f.set("executable", value(c[config_file_entry::executable(name)]));
        f.set("recursive", value(c[config_file_entry::recursive(name)]));
        f.set("force", value(c[config_file_entry::force(name)]));
        std::string target = c[config_file_entry::target(name)];
        if (base.empty()) out.emplace_back(target, std::move(f));
        else out.emplace_back(base + "/" + target, std::move(f));
      }
      return out;
    });
  }
};

}  // namespace cairn::modules::home::xdg

CAIRN_LIBRARY_MODULE(cairn::modules::home::xdg::module)
