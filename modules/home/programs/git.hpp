// modules/home/programs/git.hpp: Git (home-manager's modules/programs/git.nix).
//
//   d.set(programs::git::enable, true);
//   d.set(programs::git::user_name, "Alice Liddell");
//   d.set(programs::git::aliases("co"), "checkout");
//   d.set(programs::git::extra_config("pull", "rebase"), true);
//   d.set(programs::git::extra_config("url.git@github.com:", "insteadOf"), "https://github.com/");
//   d.set(programs::git::ignores, {"*~", ".direnv/"});
//
// Rendered to ~/.config/git/config in git-config(1) syntax as home-manager's gitIni: sections
// sorted by name, a dotted section name becomes a subsection ([url "git@github.com:"]), string
// values are quoted with `"`, `\`, newline and tab escaped.
#pragma once

#include <cairn/fwd.hpp>

#include "../xdg.hpp"

namespace cairn::modules::home::programs::git {

inline constexpr auto enable = enable_option<"programs.git.enable">("Git");

inline constexpr option<"programs.git.userName", types::null_or<types::str>> user_name{{
    .default_value = null,
    .description = "Default user name to use.",
}};
inline constexpr option<"programs.git.userEmail", types::null_or<types::str>> user_email{{
    .default_value = null,
    .description = "Default user email to use.",
}};
inline constexpr option<"programs.git.aliases", types::attrs_of<types::str>> aliases{{
    .description = "Git aliases to define.",
    .example = R"({{"co", "checkout"}})",
}};

// A git-config value: a string, a number or a boolean.
using git_value = types::one_of<types::str, types::int_, types::bool_>;

inline constexpr option<"programs.git.extraConfig", types::attrs_of<types::attrs_of<git_value>>> extra_config{{
    .description = "Additional configuration to add, by section and key. A section name with a dot "
                   "(`url.git@github.com:`) names a subsection.",
    .example = R"(extra_config("core", "editor") = "vim")",
}};
inline constexpr option<"programs.git.ignores", types::list_of<types::str>> ignores{{
    .description = "List of paths that should be globally ignored.",
    .example = R"({"*~", "*.swp"})",
}};

namespace detail {

// A value as gitIni writes it: strings quoted and escaped, booleans and numbers bare.
constexpr std::string render_value(const value& v) {
  if (v.is_bool()) return v.as_bool() ? "true" : "false";
  if (v.is_int()) return cairn::to_string(v.as_int());
  std::string out = "\"";
  for (char ch : v.as_string()) {
    if (ch == '\n') out += "\\n";
    else if (ch == '\t') out += "\\t";
    else if (ch == '"') out += "\\\"";
    else if (ch == '\\') out += "\\\\";
    else out += ch;
  }
  return out + "\"";
}

// [section] or [section "sub.section"] for "section.sub.section"; a name with a quote is
// taken as already written in git's syntax (`a "b"`).
constexpr std::string section_header(const std::string& name) {
  auto dot = name.find('.');
  if (name.find('"') != std::string::npos || dot == std::string::npos) return "[" + name + "]";
  std::string out = "[" + name.substr(0, dot) + " \"";
  for (char ch : name.substr(dot + 1)) {
    if (ch == '"' || ch == '\\') out += '\\';
    out += ch;
  }
  return out + "\"]";
}

// The whole configuration (home-manager's programs.git.iniContent), by section then key.
constexpr attrs ini_content(const cairn::config& c) {
  attrs ini;
  auto put = [&](const std::string& section, const std::string& key, const value& v) {
    value* s = ini.find(section);
    if (s == nullptr) s = &ini.set(section, value(attrs{}));
    s->as_attrs().set(key, v);
  };
  if (auto n = c[user_name]; n.has_value()) put("user", "name", value(*n));
  if (auto e = c[user_email]; e.has_value()) put("user", "email", value(*e));
  for (const auto& [name, v] : c.raw(aliases).as_attrs()) put("alias", name, v);
  if (!c[ignores].empty()) put("core", "excludesFile", value(c[xdg::config_home] + "/git/ignore"));
  for (const auto& [section, keys] : c.raw(extra_config).as_attrs())
    for (const auto& [key, v] : keys.as_attrs()) put(section, key, v);
  return ini;
}

constexpr std::string render_config(const cairn::config& c) {
  std::string out;
  for (const auto& [section, keys] : ini_content(c)) {
    out += section_header(section) + "\n";
    for (const auto& [key, v] : keys.as_attrs()) out += "\t" + key + " = " + render_value(v) + "\n";
  }
  return out;
}

}  // namespace detail

struct module {
  using imports = cairn::imports<xdg::module>;
  static constexpr auto options = declare(enable, user_name, user_email, aliases, extra_config, ignores);

  static constexpr void config(definitions& d) {
    auto on = d.when(enable);
    on.set(xdg::config_file_entry::text("git/config"), detail::render_config);
    on.set(xdg::config_file, [](const cairn::config& c) {
      std::vector<std::pair<std::string, attrs>> out;
      if (auto i = c[ignores]; !i.empty()) {
        attrs f;
        f.set("text", value(cairn::join(i, "\n") + "\n"));
        out.emplace_back("git/ignore", std::move(f));
      }
      return out;
    });
  }
};

}  // namespace cairn::modules::home::programs::git

CAIRN_LIBRARY_MODULE(cairn::modules::home::programs::git::module)
