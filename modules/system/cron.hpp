// modules/system/cron.hpp: the cron daemon and the system-wide crontab, /etc/crontab
// (nixos/modules/services/scheduling/cron.nix), with Debian's cron.
//
//   d.set(services::cron::enable, true);
//   d.set(services::cron::system_cron_jobs, {"*/5 * * * *  root  /usr/local/bin/poll"});
//   d.set(services::cron::mailto, "ops@example.org");
//
// /etc/crontab is copied (mode 0600, owned by root: cron ignores a system crontab others can
// write), and the service "cron" runs /usr/sbin/cron in the foreground. cron notices a changed
// crontab by itself; a changed time zone restarts it, as in NixOS.
#pragma once

#include <cairn/fwd.hpp>
#include <cairn/strings.hpp>

#include "environment.hpp"
#include "systemd.hpp"
#include "time.hpp"

namespace cairn::modules::services::cron {

inline constexpr option<"services.cron.enable", types::bool_> enable{{
    .default_value = false,
    .description = "Whether to enable the Vixie cron daemon.",
}};

inline constexpr option<"services.cron.mailto", types::null_or<types::str>> mailto{{
    .default_value = null,
    .description = "Email address to which job output will be mailed.",
}};

inline constexpr option<"services.cron.systemCronJobs", types::list_of<types::str>> system_cron_jobs{{
    .description = "A list of Cron jobs to be appended to the system-wide crontab. See the manual page for "
                   "crontab for the expected format: five time fields, the user, the command.",
    .example = R"({"* * * * *  test   ls -l / > /tmp/cronout 2>&1", "* * * * *  eelco  echo Hello World > /home/eelco/cronout"})",
}};

// The text of /etc/crontab, as NixOS's system-crontab renders it (Debian's PATH, not a profile's).
constexpr std::string render_crontab(const cairn::config& c) {
  std::string out = "SHELL=/bin/bash\n"
                    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n";
  if (auto to = c[mailto]) out += "MAILTO=\"" + *to + "\"\n";
  out += "\n";
  for (const auto& job : c[system_cron_jobs]) out += job + "\n";
  return out + "\n";
}

struct module {
  using imports = cairn::imports<environment::module, systemd::module, time::module>;
  static constexpr auto options = declare(enable, mailto, system_cron_jobs);

  static constexpr void config(definitions& d) {
    auto on = d.when(enable);
    on.set(environment::etc_entry::text("crontab"), render_crontab);
    on.set(environment::etc_entry::mode("crontab"), "0600");
    on.set(environment::etc_entry::replace_existing("crontab"), true);  // Debian's cron ships one

    on.set(systemd::service::description("cron"), "Cron Daemon");
    on.set(systemd::service::wanted_by("cron"), {"multi-user.target"});
    on.set(systemd::service::after("cron"), {"remote-fs.target", "nss-user-lookup.target"});
    on.set(systemd::service::restart_triggers("cron"), [](const cairn::config& c) {
      return std::vector<std::string>{c[time::time_zone].value_or("UTC")};
    });
    on.set(systemd::service::service_config("cron", "ExecStart"), "/usr/sbin/cron -f");
    on.set(systemd::service::service_config("cron", "KillMode"), "process");
    on.set(systemd::service::service_config("cron", "Restart"), "on-failure");
  }
};

}  // namespace cairn::modules::services::cron

CAIRN_LIBRARY_MODULE(cairn::modules::services::cron::module)
