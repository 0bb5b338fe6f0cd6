// modules/home/session.hpp: environment variables of the user's sessions (home-manager's
// home.sessionVariables and home.sessionPath, rendered as hm-session-vars.sh).
//
//   d.set(session::session_variables("EDITOR"), "emacs");
//   d.set(session::session_variables("GS_OPTIONS"), "-sPAPERSIZE=a4");
//   d.set(session::session_path, {"$HOME/.local/bin"});
//
// The script is a package in home.packages, so that it lands in the per-user profile at
// ~/.cairn-profile/etc/profile.d/cairn-session-vars.sh, where home-manager keeps
// ~/.nix-profile/etc/profile.d/hm-session-vars.sh; shells' profiles source it (programs.bash).
#pragma once

#include <cairn/fwd.hpp>

#include "home.hpp"

namespace cairn::modules::home {

inline constexpr option<"home.sessionVariables", types::attrs_of<types::either<types::str, types::int_>>>
    session_variables{{
        .description = "Environment variables to always set at login. The values may refer to other "
                       "environment variables using POSIX.2 style variable references, such as "
                       "\"$HOME/bin\" (`$` is kept, `\"`, `\\` and backquotes are escaped).",
        .example = R"({{"EDITOR", "emacs"}, {"GS_OPTIONS", "-sPAPERSIZE=a4"}})",
    }};

inline constexpr option<"home.sessionPath", types::list_of<types::str>> session_path{{
    .description = "Extra directories to prepend to PATH. These directories are added to the PATH "
                   "variable in a double-quoted context, so expressions like `$HOME` are expanded by "
                   "the shell.",
    .example = R"({"$HOME/.local/bin", "${xdg.configHome}/emacs/bin"})",
}};

namespace session {

// Where the script lands in the profile, and the package that carries it.
inline constexpr std::string_view script_path = "etc/profile.d/cairn-session-vars.sh";
inline constexpr std::string_view profile_script = "$HOME/.cairn-profile/etc/profile.d/cairn-session-vars.sh";

// A value inside double quotes: `$` still expands (so values may name other variables), the
// characters that would end or change the quoted text are escaped.
constexpr std::string double_quoted(const std::string& v) {
  std::string out = "\"";
  for (char ch : v) {
    if (ch == '"' || ch == '\\' || ch == '`') out += '\\';
    out += ch;
  }
  return out + "\"";
}

// `export NAME="value"` lines, sorted by name (as home-manager's lib.shell.exportAll).
constexpr std::string export_all(const value& variables) {
  std::string out;
  for (const auto& [name, v] : variables.as_attrs()) {
    if (v.is_int()) out += "export " + name + "=\"" + cairn::to_string(v.as_int()) + "\"\n";
    else out += "export " + name + "=" + double_quoted(v.as_string()) + "\n";
  }
  return out;
}

constexpr std::string render_session_vars(const cairn::config& c) {
  std::string out =
      "# Only source this once.\n"
      "if [ -n \"$__CAIRN_SESS_VARS_SOURCED\" ]; then return; fi\n"
      "export __CAIRN_SESS_VARS_SOURCED=1\n\n";
  out += export_all(c.raw(session_variables));
  if (auto path = c[session_path]; !path.empty())
    out += "export PATH=\"" + cairn::join(path, ":") + "${PATH:+:}$PATH\"\n";
  return out;
}

struct module {
  using imports = cairn::imports<home::module>;
  static constexpr auto options = declare(session_variables, session_path);

  static constexpr void config(definitions& d) {
    d.set(session_path, {"$HOME/.cairn-profile/bin"});  // the profile's programs
    d.set(packages, [](const cairn::config& c) {
      cairn::package p{.name = "cairn-session-vars"};
      p.files.push_back(cairn::package_file{.path = std::string(script_path), .contents = render_session_vars(c)});
      return std::vector<cairn::package>{p};
    });
  }
};

}  // namespace session
}  // namespace cairn::modules::home

CAIRN_LIBRARY_MODULE(cairn::modules::home::session::module)
