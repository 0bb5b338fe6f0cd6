// modules/system/services/openssh.hpp: the OpenSSH server (nixos/modules/services/networking/ssh/sshd.nix).
//
//   d.set(services::openssh::enable, true);
//   d.set(services::openssh::ports, {2222});
//   d.set(services::openssh::settings::permit_root_login, "no");
//   d.set(users::user::openssh::authorized_keys("alice"), {"ssh-ed25519 AAAA... alice@laptop"});
#pragma once

#include <cairn/fwd.hpp>

#include "../environment.hpp"
#include "../firewall.hpp"
#include "../systemd.hpp"
#include "../users.hpp"

namespace cairn::modules::services::openssh {

inline constexpr auto enable = enable_option<"services.openssh.enable">("the OpenSSH secure shell daemon");

inline constexpr option<"services.openssh.ports", types::list_of<types::port>> ports{{
    .default_value = {{22}},
    .description = "Specifies on which ports the SSH daemon listens.",
    .example = "{22, 2222}",
}};

inline constexpr option<"services.openssh.openFirewall", types::bool_> open_firewall{{
    .default_value = true,
    .description = "Whether to automatically open the specified ports in the firewall.",
}};

inline constexpr option<"services.openssh.settings", types::submodule> settings_option{{
    .description = "Configuration for sshd_config(5).",
}};

namespace settings {
inline constexpr option<"services.openssh.settings.PermitRootLogin",
                        types::enum_<"yes", "without-password", "prohibit-password", "forced-commands-only", "no">>
    permit_root_login{{
        .default_value = "prohibit-password",
        .description = "Whether the root user can login using ssh.",
    }};
inline constexpr option<"services.openssh.settings.PasswordAuthentication", types::bool_> password_authentication{{
    .default_value = true,
    .description = "Specifies whether password authentication is allowed.",
}};
inline constexpr option<"services.openssh.settings.KbdInteractiveAuthentication", types::bool_>
    kbd_interactive_authentication{{
        .default_value = true,
        .description = "Specifies whether keyboard-interactive authentication is allowed.",
    }};
inline constexpr option<"services.openssh.settings.X11Forwarding", types::bool_> x11_forwarding{{
    .default_value = false,
    .description = "Whether to allow X11 connections to be forwarded.",
}};
}  // namespace settings

inline constexpr option<"services.openssh.extraConfig", types::lines> extra_config{{
    .default_value = "",
    .description = "Verbatim contents of sshd_config.",
}};

}  // namespace cairn::modules::services::openssh

// The openssh module adds a field to every user account.
namespace cairn::modules::users::user::openssh {
inline constexpr option<"users.users.<name>.openssh.authorizedKeys.keys", types::list_of<types::single_line_str>>
    authorized_keys{{
        .description = "A list of verbatim OpenSSH public keys that should be added to the user's "
                       "authorized keys.",
    }};
}  // namespace cairn::modules::users::user::openssh

namespace cairn::modules::services::openssh {

constexpr std::string yes_no(bool b) { return b ? "yes" : "no"; }

constexpr std::string render_sshd_config(const cairn::config& c) {
  std::string out;
  for (auto port : c[ports]) out += "Port " + cairn::to_string(port) + "\n";
  out += "AuthorizedKeysFile %h/.ssh/authorized_keys /etc/ssh/authorized_keys.d/%u\n";
  out += "PermitRootLogin " + c[settings::permit_root_login] + "\n";
  out += "PasswordAuthentication " + yes_no(c[settings::password_authentication]) + "\n";
  out += "KbdInteractiveAuthentication " + yes_no(c[settings::kbd_interactive_authentication]) + "\n";
  out += "X11Forwarding " + yes_no(c[settings::x11_forwarding]) + "\n";
  out += "UsePAM yes\nPrintMotd no\nSubsystem sftp /usr/lib/openssh/sftp-server\n";
  if (auto extra = c[extra_config]; !extra.empty()) out += extra + "\n";
  return out;
}

struct module {
  using imports = cairn::imports<environment::module, networking::firewall::ports, systemd::module, users::module>;
  static constexpr auto options =
      declare(enable, ports, open_firewall, settings_option, settings::permit_root_login, settings::password_authentication,
              settings::kbd_interactive_authentication, settings::x11_forwarding, extra_config,
              users::user::openssh::authorized_keys);

  static constexpr void config(definitions& d) {
    auto on = d.when(enable);
    on.set(environment::etc_entry::text("ssh/sshd_config"), render_sshd_config);
    on.set(environment::etc_entry::replace_existing("ssh/sshd_config"), true);  // Debian ships one
    on.when(open_firewall).set(networking::firewall::allowed_tcp_ports, [](const cairn::config& c) { return c[ports]; });
    // Debian's own units for the same daemon would fight ours for the port: masked; its
    // sshd.service alias gives way to our unit.
    on.set(systemd::unit::enable("ssh.service"), false);
    on.set(systemd::unit::enable("ssh.socket"), false);
    on.set(systemd::unit::replace_existing("sshd.service"), true);
    on.set(environment::etc, [](const cairn::config& c) {  // /etc/ssh/authorized_keys.d/<user>
      std::vector<std::pair<std::string, attrs>> out;
      for (const auto& name : c.names(users::users)) {
        auto keys = c[users::user::openssh::authorized_keys(name)];
        if (keys.empty()) continue;
        attrs file;
        file.set("text", value(join(keys, "\n") + "\n"));
        out.emplace_back("ssh/authorized_keys.d/" + name, std::move(file));
      }
      return out;
    });

    on.set(systemd::service::description("sshd"), "SSH Daemon");
    on.set(systemd::service::wanted_by("sshd"), {"multi-user.target"});
    on.set(systemd::service::after("sshd"), {"network.target"});
    // The file as merged (a host may override it), not rendered a second time.
    on.set(systemd::service::restart_triggers("sshd"), [](const cairn::config& c) {
      return std::vector<std::string>{c[environment::etc_entry::text("ssh/sshd_config")].value_or("")};
    });
    on.set(systemd::service::stop_if_changed("sshd"), false);
    // A new machine has no host keys: the missing ones are made (rsa, ecdsa, ed25519, at sshd's
    // default paths), then the configuration is checked before the daemon starts, as Debian does.
    on.set(systemd::service::service_config("sshd", "ExecStartPre"),
           std::vector<std::string>{"/usr/bin/ssh-keygen -A", "/usr/sbin/sshd -t -f /etc/ssh/sshd_config"});
    on.set(systemd::service::service_config("sshd", "ExecStart"), "/usr/sbin/sshd -D -f /etc/ssh/sshd_config");
    on.set(systemd::service::service_config("sshd", "ExecReload"), "/bin/kill -HUP $MAINPID");
    on.set(systemd::service::service_config("sshd", "KillMode"), "process");
    on.set(systemd::service::service_config("sshd", "Restart"), "always");
    on.set(systemd::service::service_config("sshd", "RuntimeDirectory"), "sshd");

    on.set(users::user::is_system_user("sshd"), true);
    on.set(users::user::group("sshd"), "sshd");
    on.set(users::user::description("sshd"), "SSH privilege separation user");
    on.set(users::groups("sshd"), {});
  }
};

}  // namespace cairn::modules::services::openssh

CAIRN_LIBRARY_MODULE(cairn::modules::services::openssh::module)
