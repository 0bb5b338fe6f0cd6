// modules/system/services/heartbeat.hpp: a tiny daemon that writes the time to a file at an
// interval: something to watch a switch start, reload, restart and stop.
//
//   d.set(services::heartbeat::enable, true);
//   d.set(services::heartbeat::interval, 10);
//
// Its settings live in /etc/heartbeat.conf; a changed file reloads the daemon (SIGHUP, it
// re-reads the file) rather than restarting it; a changed daemon script restarts it.
#pragma once

#include <cairn/fwd.hpp>

#include "../environment.hpp"
#include "../systemd.hpp"

namespace cairn::modules::services::heartbeat {

inline constexpr auto enable = enable_option<"services.heartbeat.enable">("the heartbeat daemon");

inline constexpr option<"services.heartbeat.interval", types::ints::positive> interval{{
    .default_value = 30,
    .description = "Seconds between two heartbeats.",
}};

inline constexpr option<"services.heartbeat.file", types::path> file{{
    .default_value = "/run/heartbeat",
    .description = "Where the time of the last heartbeat is written.",
}};

constexpr std::string render_config(const cairn::config& c) {
  return "interval=" + cairn::to_string(c[interval]) + "\nfile=" + c[file] + "\n";
}

// Reads the settings, and again on SIGHUP; each reload is counted in <file>.reloads.
inline constexpr std::string_view daemon_script = R"(#!/bin/sh
load() { . /etc/heartbeat.conf; }
load
trap 'load; echo reloaded >> "$file.reloads"' HUP
while true; do
  date -u +%s > "$file"
  sleep "$interval" &
  wait $!
done
)";

struct module {
  using imports = cairn::imports<environment::module, systemd::module>;
  static constexpr auto options = declare(enable, interval, file);

  static constexpr void config(definitions& d) {
    auto on = d.when(enable);
    on.set(environment::etc_entry::text("heartbeat.conf"), render_config);
    on.set(environment::etc_entry::text("heartbeat/daemon.sh"), daemon_script);
    on.set(systemd::service::description("heartbeat"), "Heartbeat daemon");
    on.set(systemd::service::wanted_by("heartbeat"), {"multi-user.target"});
    on.set(systemd::service::service_config("heartbeat", "ExecStart"), "/bin/sh /etc/heartbeat/daemon.sh");
    on.set(systemd::service::service_config("heartbeat", "ExecReload"), "/bin/kill -HUP $MAINPID");
    on.set(systemd::service::reload_if_changed("heartbeat"), true);
    on.set(systemd::service::reload_triggers("heartbeat"),
           [](const cairn::config& c) { return std::vector<std::string>{render_config(c)}; });
    on.set(systemd::service::restart_triggers("heartbeat"), {std::string(daemon_script)});
  }
};

}  // namespace cairn::modules::services::heartbeat

CAIRN_LIBRARY_MODULE(cairn::modules::services::heartbeat::module)
