// modules/home/programs/bash.hpp: the Bash shell (home-manager's modules/programs/bash.nix).
//
//   d.set(programs::bash::enable, true);
//   d.set(programs::bash::shell_aliases("ll"), "ls -l");
//   d.set(programs::bash::history_control, {"ignoredups", "ignorespace"});
//   d.set(programs::bash::init_extra, "PS1='\\u@\\h \\w\\$ '");
//
// Writes ~/.bash_profile (sources ~/.profile and ~/.bashrc), ~/.profile (the session variables
// of the profile's cairn-session-vars.sh, then this module's), ~/.bashrc and, when there is
// something to run, ~/.bash_logout, as home-manager does.
#pragma once

#include <cairn/fwd.hpp>
#include <cairn/strings.hpp>

#include "../home.hpp"
#include "../session.hpp"

namespace cairn::modules::home::programs::bash {

inline constexpr auto enable = enable_option<"programs.bash.enable">("GNU Bourne-Again SHell");

inline constexpr option<"programs.bash.shellAliases", types::attrs_of<types::str>> shell_aliases{{
    .description = "An attribute set that maps aliases (the top level attribute names in this option) "
                   "to command strings or directly to build outputs.",
    .example = R"({{"ll", "ls -l"}, {"..", "cd .."}})",
}};
inline constexpr option<"programs.bash.sessionVariables", types::attrs_of<types::str>> session_variables{{
    .description = "Environment variables that will be set for the Bash session.",
    .example = R"({{"MAILCHECK", "30"}})",
}};
inline constexpr option<"programs.bash.historySize", types::int_> history_size{{
    .default_value = 10000,
    .description = "Number of history lines to keep in memory.",
}};
inline constexpr option<"programs.bash.historyFileSize", types::int_> history_file_size{{
    .default_value = 100000,
    .description = "Number of history lines to keep on file.",
}};
inline constexpr option<"programs.bash.historyControl",
                        types::list_of<types::enum_<"erasedups", "ignoredups", "ignorespace", "ignoreboth">>>
    history_control{{
        .description = "Controlling how commands are saved on the history list.",
    }};
inline constexpr option<"programs.bash.shellOptions", types::list_of<types::str>> shell_options{{
    .default_value = {{"histappend", "checkwinsize", "extglob", "globstar", "checkjobs"}},
    .description = "Shell options to set. Prefix an option with \"-\" to unset.",
    .example = R"({"extglob", "-cdspell"})",
}};
inline constexpr option<"programs.bash.bashrcExtra", types::lines> bashrc_extra{{
    .default_value = "",
    .description = "Extra commands that should be placed in ~/.bashrc. Note that these commands will "
                   "be run even in non-interactive shells.",
}};
inline constexpr option<"programs.bash.initExtra", types::lines> init_extra{{
    .default_value = "",
    .description = "Extra commands that should be run when initializing an interactive shell.",
}};
inline constexpr option<"programs.bash.profileExtra", types::lines> profile_extra{{
    .default_value = "",
    .description = "Extra commands that should be run when initializing a login shell.",
}};
inline constexpr option<"programs.bash.logoutExtra", types::lines> logout_extra{{
    .default_value = "",
    .description = "Extra commands that should be run when logging out of an interactive shell.",
}};

namespace detail {

constexpr std::string block(const std::string& text) {
  if (text.empty()) return "";
  if (text.back() == '\n') return text + "\n";
  return text + "\n\n";
}

constexpr std::string render_bash_profile(const cairn::config&) {
  return "# include .profile if it exists\n"
         "[[ -f ~/.profile ]] && . ~/.profile\n\n"
         "# include .bashrc if it exists\n"
         "[[ -f ~/.bashrc ]] && . ~/.bashrc\n";
}

constexpr std::string render_profile(const cairn::config& c) {
  const std::string script(session::profile_script);
  std::string out = "if [ -f \"" + script + "\" ]; then\n  . \"" + script + "\"\nfi\n\n";
  out += block(session::export_all(c.raw(session_variables)));
  out += block(c[profile_extra]);
  return out;
}

constexpr std::string render_bashrc(const cairn::config& c) {
  std::string out = block(c[bashrc_extra]);
  out += "# Commands that should be applied only for interactive shells.\n[[ $- == *i* ]] || return\n\n";
  // As home-manager: the history settings, then the shell options, aliases and initExtra.
  std::string history = "HISTFILESIZE=" + cairn::to_string(c[history_file_size]) + "\n";
  history += "HISTSIZE=" + cairn::to_string(c[history_size]) + "\n";
  if (auto control = c[history_control]; !control.empty()) history += "HISTCONTROL=" + cairn::join(control, ":") + "\n";
  out += block(history);
  std::string shopts;
  for (const auto& o : c[shell_options]) {
    if (!o.empty() && o[0] == '-') shopts += "shopt -u " + o.substr(1) + "\n";
    else shopts += "shopt -s " + o + "\n";
  }
  out += block(shopts);
  std::string aliases;
  for (const auto& [name, v] : c.raw(shell_aliases).as_attrs())
    aliases += "alias " + name + "=" + cairn::escape_shell_arg(v.as_string()) + "\n";
  out += block(aliases);
  out += block(c[init_extra]);
  while (out.size() >= 2 && out[out.size() - 1] == '\n' && out[out.size() - 2] == '\n') out.pop_back();
  return out;
}

}  // namespace detail

struct module {
  using imports = cairn::imports<home::module, session::module>;
  static constexpr auto options =
      declare(enable, shell_aliases, session_variables, history_size, history_file_size, history_control,
              shell_options, bashrc_extra, init_extra, profile_extra, logout_extra);

  static constexpr void config(definitions& d) {
    auto on = d.when(enable);
    on.set(file_entry::text(".bash_profile"), detail::render_bash_profile);
    on.set(file_entry::text(".profile"), [](const cairn::config& c) {
      std::string out = detail::render_profile(c);
      while (out.size() >= 2 && out[out.size() - 1] == '\n' && out[out.size() - 2] == '\n') out.pop_back();
      return out;
    });
    on.set(file_entry::text(".bashrc"), detail::render_bashrc);
    on.set(file, [](const cairn::config& c) {
      std::vector<std::pair<std::string, attrs>> out;
      if (auto logout = c[logout_extra]; !logout.empty()) {
        attrs f;
        if (logout.back() != '\n') logout += "\n";
        f.set("text", value(logout));
        out.emplace_back(".bash_logout", std::move(f));
      }
      return out;
    });
  }
};

}  // namespace cairn::modules::home::programs::bash

CAIRN_LIBRARY_MODULE(cairn::modules::home::programs::bash::module)
