// modules/system/networking.hpp: the host name and /etc/hosts (nixos/modules/config/networking.nix).
#pragma once

#include <cairn/fwd.hpp>

#include "environment.hpp"

namespace cairn::modules::networking {

inline constexpr option<"networking.hostName", types::str> host_name{{
    .description = "The name of the machine. Defaults to the host's meta.hostname.",
    .default_text = "meta.hostname",
}};

inline constexpr option<"networking.extraHosts", types::lines> extra_hosts{{
    .default_value = "",
    .description = "Additional verbatim entries to be appended to /etc/hosts.",
    .example = R"("192.168.0.1 lanlocalhost")",
}};

constexpr std::string render_hosts(const std::string& host_name, const std::string& extra) {
  std::string out = "127.0.0.1 localhost\n::1 localhost\n127.0.1.1 " + host_name + "\n";
  if (!extra.empty()) out += extra + "\n";
  return out;
}

struct module {
  using imports = cairn::imports<environment::module>;
  static constexpr auto options = declare(host_name, extra_hosts);

  static constexpr void config(definitions& d) {
    d.set(host_name, mk_default(d.meta().hostname));
    d.set(environment::etc_entry::text("hostname"),
          [](const cairn::config& c) { return c[host_name] + "\n"; });
    d.set(environment::etc_entry::text("hosts"),
          [](const cairn::config& c) { return render_hosts(c[host_name], c[extra_hosts]); });
    // A base system has both; cairn takes them over (and gives them back if it stops managing them).
    d.set(environment::etc_entry::replace_existing("hostname"), true);
    d.set(environment::etc_entry::replace_existing("hosts"), true);
  }
};

}  // namespace cairn::modules::networking

CAIRN_LIBRARY_MODULE(cairn::modules::networking::module)
