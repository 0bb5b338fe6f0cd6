// modules/system/journald.hpp: the journal's settings, /etc/systemd/journald.conf
// (nixos/modules/system/boot/systemd/journald.nix).
//
//   d.set(services::journald::storage, "volatile");
//   d.set(services::journald::rate_limit_burst, 1000);
//   d.set(services::journald::extra_config, "SystemMaxUse=500M");
//
// The file replaces the base system's. systemd-journald reads it when it starts: as NixOS does, a
// switch that changes it restarts the daemon: systemd.services.systemd-journald, written as a
// drop-in for the base system's unit (overrideStrategy = "asDropin"), has it as a restart trigger.
#pragma once

#include <cairn/fwd.hpp>
#include <cairn/strings.hpp>

#include "environment.hpp"
#include "systemd.hpp"

namespace cairn::modules::services::journald {

inline constexpr option<"services.journald.storage", types::enum_<"persistent", "volatile", "auto", "none">> storage{{
    .default_value = "persistent",
    .description = "Controls where to store journal data. See {manpage}`journald.conf(5)` for further "
                   "information.",
}};

inline constexpr option<"services.journald.rateLimitInterval", types::str> rate_limit_interval{{
    .default_value = "30s",
    .description = "Configures the rate limiting interval that is applied to all messages generated on the "
                   "system. This rate limiting is applied per-service, so that two services which log do not "
                   "interfere with each other's limit. The value may be specified in the following units: s, "
                   "min, h, ms, us. To turn off any kind of rate limiting, set either value to 0. See "
                   "{option}`services.journald.rateLimitBurst` for important considerations when setting this "
                   "value.",
}};

inline constexpr option<"services.journald.rateLimitBurst", types::int_> rate_limit_burst{{
    .default_value = 10000,
    .description = "Configures the rate limiting burst limit (number of messages per interval) that is "
                   "applied to all messages generated on the system. This rate limiting is applied "
                   "per-service, so that two services which log do not interfere with each other's limit. "
                   "Note that the effective rate limit is multiplied by a factor derived from the available "
                   "free disk space for the journal as described on {manpage}`journald.conf(5)`.",
}};

inline constexpr option<"services.journald.console", types::str> console{{
    .default_value = "",
    .description = "If non-empty, write log messages to the specified TTY device.",
}};

inline constexpr option<"services.journald.forwardToSyslog", types::bool_> forward_to_syslog{{
    .default_value = false,
    .description = "Whether to forward log messages to syslog.",
}};

inline constexpr option<"services.journald.extraConfig", types::lines> extra_config{{
    .default_value = "",
    .description = "Extra config options for systemd-journald. See {manpage}`journald.conf(5)` for "
                   "available options.",
    .example = R"("Storage=volatile")",
}};

// The text of /etc/systemd/journald.conf, blank lines and all as NixOS's template leaves them.
constexpr std::string render_journald_conf(const cairn::config& c) {
  std::string out = "[Journal]\n";
  out += "Storage=" + c[storage] + "\n";
  out += "RateLimitInterval=" + c[rate_limit_interval] + "\n";
  out += "RateLimitBurst=" + cairn::to_string(c[rate_limit_burst]) + "\n";
  if (auto tty = c[console]; !tty.empty()) out += "ForwardToConsole=yes\nTTYPath=" + tty + "\n";
  out += "\n";
  if (c[forward_to_syslog]) out += "ForwardToSyslog=yes\n";
  out += "\n";
  return out + c[extra_config] + "\n";
}

struct module {
  using imports = cairn::imports<environment::module, systemd::module>;
  static constexpr auto options =
      declare(storage, rate_limit_interval, rate_limit_burst, console, forward_to_syslog, extra_config);

  static constexpr void config(definitions& d) {
    d.set(environment::etc_entry::text("systemd/journald.conf"), render_journald_conf);
    d.set(environment::etc_entry::replace_existing("systemd/journald.conf"), true);  // Debian ships one
    // The base system's unit, restarted in place when the file changes.
    d.set(systemd::service::override_strategy("systemd-journald"), "asDropin");
    d.set(systemd::service::restart_triggers("systemd-journald"), [](const cairn::config& c) {
      return std::vector<std::string>{c[environment::etc_entry::text("systemd/journald.conf")].value_or("")};
    });
    d.set(systemd::service::stop_if_changed("systemd-journald"), false);
  }
};

}  // namespace cairn::modules::services::journald

CAIRN_LIBRARY_MODULE(cairn::modules::services::journald::module)
