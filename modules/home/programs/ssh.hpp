// modules/home/programs/ssh.hpp: the OpenSSH client (home-manager's modules/programs/ssh.nix).
//
//   d.set(programs::ssh::enable, true);
//   d.set(programs::ssh::match_block::hostname("work"), "work.example.com");
//   d.set(programs::ssh::match_block::user("work"), "alice");
//   d.set(programs::ssh::match_block::port("work"), 2222);
//   d.set(programs::ssh::match_block::identity_file("work"), {"~/.ssh/id_work"});
//   d.set(programs::ssh::control_master, "auto");
//
// Rendered to ~/.ssh/config: the Include line, the match blocks sorted by name with a block for
// `Host *` last (ssh takes the first value it obtains for each keyword), then `Host *` with the
// global settings and extraConfig, as home-manager renders it.
#pragma once

#include <cairn/fwd.hpp>

#include "../home.hpp"

namespace cairn::modules::home::programs::ssh {

inline constexpr auto enable = enable_option<"programs.ssh.enable">("SSH client configuration");

inline constexpr option<"programs.ssh.matchBlocks", types::attrs_of<types::submodule>> match_blocks{{
    .description = "Specify per-host settings. Note, if the order of rules matter then they are "
                   "rendered sorted by name, with a block for `*` last.",
}};

namespace match_block {
inline constexpr option<"programs.ssh.matchBlocks.<name>.host", types::str> host{{
    .description = "The host pattern used by this conditional block.",
    .default_text = "<name>",
}};
inline constexpr option<"programs.ssh.matchBlocks.<name>.hostname", types::null_or<types::str>> hostname{{
    .default_value = null,
    .description = "Specifies the real host name to log into.",
}};
inline constexpr option<"programs.ssh.matchBlocks.<name>.user", types::null_or<types::str>> user{{
    .default_value = null,
    .description = "Specifies the user to log in as.",
}};
inline constexpr option<"programs.ssh.matchBlocks.<name>.port", types::null_or<types::port>> port{{
    .default_value = null,
    .description = "Specifies port number to connect on remote host.",
}};
inline constexpr option<"programs.ssh.matchBlocks.<name>.identityFile", types::list_of<types::str>> identity_file{{
    .description = "Specifies files from which the user identity is read. Identities will be tried "
                   "in the given order.",
}};
inline constexpr option<"programs.ssh.matchBlocks.<name>.forwardAgent", types::null_or<types::bool_>>
    forward_agent{{
        .default_value = null,
        .description = "Whether the connection to the authentication agent (if any) will be forwarded "
                       "to the remote machine.",
    }};
inline constexpr option<"programs.ssh.matchBlocks.<name>.identitiesOnly", types::bool_> identities_only{{
    .default_value = false,
    .description = "Specifies that ssh should only use the authentication identity explicitly "
                   "configured in the ~/.ssh/config files or passed on the ssh command-line, even if "
                   "ssh-agent offers more identities.",
}};
inline constexpr option<"programs.ssh.matchBlocks.<name>.extraOptions", types::attrs_of<types::str>> extra_options{{
    .description = "Extra configuration options for the host.",
    .example = R"({{"RemoteForward", "52698 localhost:52698"}})",
}};
}  // namespace match_block

inline constexpr option<"programs.ssh.extraConfig", types::lines> extra_config{{
    .default_value = "",
    .description = "Extra configuration.",
}};
inline constexpr option<"programs.ssh.includes", types::list_of<types::str>> includes{{
    .description = "File globs of ssh config files that should be included via the `Include` "
                   "directive.",
}};
inline constexpr option<"programs.ssh.controlMaster", types::str> control_master{{
    .default_value = "",
    .description = "Configure sharing of multiple sessions over a single network connection "
                   "(`yes`, `no`, `ask`, `auto`, `autoask`; empty: not set).",
}};
inline constexpr option<"programs.ssh.controlPath", types::str> control_path{{
    .default_value = "",
    .description = "Specify path to the control socket used for connection sharing (empty: not set).",
}};
inline constexpr option<"programs.ssh.controlPersist", types::str> control_persist{{
    .default_value = "",
    .description = "Whether control socket should remain open in the background (empty: not set).",
    .example = "\"10m\"",
}};
inline constexpr option<"programs.ssh.serverAliveInterval", types::int_> server_alive_interval{{
    .default_value = 0,
    .description = "Set timeout in seconds after which response will be requested (0: not set).",
}};
inline constexpr option<"programs.ssh.addKeysToAgent", types::str> add_keys_to_agent{{
    .default_value = "",
    .description = "When enabled, a private key that is used during authentication will be added to "
                   "ssh-agent if it is running (`yes`, `no`, `ask`, `confirm`, a time; empty: not set).",
}};

namespace detail {

// An argument as ssh_config reads it: quoted when it holds a space.
constexpr std::string argument(const std::string& s) {
  if (s.find_first_of(" \t") == std::string::npos) return s;
  return "\"" + s + "\"";
}

constexpr std::string render_match_block(const cairn::config& c, const std::string& name) {
  std::string out = "Host " + c[match_block::host(name)] + "\n";
  if (auto p = c[match_block::port(name)]; p.has_value()) out += "  Port " + cairn::to_string(*p) + "\n";
  if (auto f = c[match_block::forward_agent(name)]; f.has_value())
    out += std::string("  ForwardAgent ") + (*f ? "yes" : "no") + "\n";
  if (c[match_block::identities_only(name)]) out += "  IdentitiesOnly yes\n";
  if (auto u = c[match_block::user(name)]; u.has_value()) out += "  User " + argument(*u) + "\n";
  if (auto h = c[match_block::hostname(name)]; h.has_value()) out += "  HostName " + argument(*h) + "\n";
  for (const auto& f : c[match_block::identity_file(name)]) out += "  IdentityFile " + argument(f) + "\n";
  for (const auto& [key, v] : c.raw(match_block::extra_options(name)).as_attrs())
    out += "  " + key + " " + v.as_string() + "\n";
  return out;
}

constexpr std::string render_config(const cairn::config& c) {
  std::string out;
  if (auto i = c[includes]; !i.empty()) out += "Include " + cairn::join(i, " ") + "\n\n";
  std::vector<std::string> names = c.names(match_blocks);  // sorted
  std::vector<std::string> last;
  for (const auto& name : names) {
    if (c[match_block::host(name)] == "*") last.push_back(name);
    else out += render_match_block(c, name) + "\n";
  }
  for (const auto& name : last) out += render_match_block(c, name) + "\n";
  out += "Host *\n";
  auto setting = [&](std::string_view key, const std::string& v) {
    if (!v.empty()) out += "  " + std::string(key) + " " + v + "\n";
  };
  setting("AddKeysToAgent", c[add_keys_to_agent]);
  if (auto s = c[server_alive_interval]; s != 0) setting("ServerAliveInterval", cairn::to_string(s));
  setting("ControlMaster", c[control_master]);
  setting("ControlPath", argument(c[control_path]));
  setting("ControlPersist", c[control_persist]);
  if (auto extra = c[extra_config]; !extra.empty()) out += "\n" + cairn::indent_lines(extra, "  ") + "\n";
  while (out.size() >= 2 && out[out.size() - 1] == '\n' && out[out.size() - 2] == '\n') out.pop_back();
  return out;
}

}  // namespace detail

struct module {
  using imports = cairn::imports<home::module>;
  static constexpr auto options =
      declare(enable, match_blocks, match_block::host, match_block::hostname, match_block::user, match_block::port,
              match_block::identity_file, match_block::forward_agent, match_block::identities_only,
              match_block::extra_options, extra_config, includes, control_master, control_path, control_persist,
              server_alive_interval, add_keys_to_agent);

  static constexpr void config(definitions& d) {
    d.each(match_blocks, [](instance_definitions& b) { b.set(match_block::host, mk_default(b.name())); });
    auto on = d.when(enable);
    on.set(file_entry::text(".ssh/config"), detail::render_config);
  }
};

}  // namespace cairn::modules::home::programs::ssh

CAIRN_LIBRARY_MODULE(cairn::modules::home::programs::ssh::module)
