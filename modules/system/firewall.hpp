// modules/system/firewall.hpp: a stateful packet filter, as NixOS's nftables-based firewall
// writes it (nixos/modules/services/networking/firewall.nix, firewall-nftables.nix).
//
//   d.set(networking::firewall::allowed_tcp_ports, {22, 80, 443});
//   d.set(networking::firewall::trusted_interfaces, {"wg0"});
//   d.set(networking::firewall::extra_input_rules, "ip saddr 10.0.0.0/8 tcp dport 9100 accept");
//
// The ruleset is /etc/nftables.conf (`table inet nixos-fw`, loaded after `flush ruleset`), and the
// oneshot service "nftables" loads it at boot, reloads it when it changed and flushes it when
// stopped. Port ranges (allowedTCPPortRanges, lists of submodules) are not offered.
#pragma once

#include <cairn/fwd.hpp>
#include <cairn/strings.hpp>

#include "environment.hpp"
#include "systemd.hpp"

namespace cairn::modules::networking::firewall {

inline constexpr option<"networking.firewall.enable", types::bool_> enable{{
    .default_value = true,
    .description = "Whether to enable the firewall. This is a simple stateful firewall that blocks "
                   "connection attempts to unauthorised TCP or UDP ports on this machine.",
}};

inline constexpr option<"networking.firewall.allowedTCPPorts", types::list_of<types::port>> allowed_tcp_ports{{
    .description = "List of TCP ports on which incoming connections are accepted.",
    .example = "{22, 80}",
}};

inline constexpr option<"networking.firewall.allowedUDPPorts", types::list_of<types::port>> allowed_udp_ports{{
    .description = "List of open UDP ports.",
    .example = "{53}",
}};

inline constexpr option<"networking.firewall.allowPing", types::bool_> allow_ping{{
    .default_value = true,
    .description = "Whether to respond to incoming ICMPv4 echo requests (\"pings\"). ICMPv6 pings "
                   "are refused with them.",
}};

inline constexpr option<"networking.firewall.logRefusedConnections", types::bool_> log_refused_connections{{
    .default_value = true,
    .description = "Whether to log rejected or dropped incoming connections.",
}};

inline constexpr option<"networking.firewall.rejectPackets", types::bool_> reject_packets{{
    .default_value = false,
    .description = "If set, refused packets are rejected rather than dropped (ignored). This means "
                   "that an ICMP \"port unreachable\" error message is sent back to the client (or a "
                   "TCP RST packet in case of an existing connection).",
}};

inline constexpr option<"networking.firewall.trustedInterfaces", types::list_of<types::str>> trusted_interfaces{{
    .description = "Traffic coming in from these interfaces will be accepted unconditionally. "
                   "Traffic from the loopback (lo) interface will always be accepted.",
    .example = "{\"enp0s2\"}",
}};

inline constexpr option<"networking.firewall.extraInputRules", types::lines> extra_input_rules{{
    .default_value = "",
    .description = "Additional nftables rules to be appended to the input-allow chain.",
    .example = "\"ip6 saddr { fc00::/7, fe80::/10 } tcp dport 24800 accept\"",
}};

namespace detail {

template <class Ports>
constexpr std::string port_set(const Ports& ports) {
  std::vector<std::string> items;
  for (auto p : ports) items.push_back(cairn::to_string(p));
  return cairn::join(items, ", ");
}

// Each line of `text` indented by `indent` (empty lines stay empty).
constexpr std::string indented(const std::string& text, const std::string& indent) {
  std::string out;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    if (!line.empty()) out += indent + line;
    out += "\n";
    start = end + 1;
  }
  return out;
}

}  // namespace detail

// The ruleset of /etc/nftables.conf.
constexpr std::string render_ruleset(const cairn::config& c) {
  std::vector<std::string> ifaces{"\"lo\""};
  for (const auto& i : c[trusted_interfaces]) ifaces.push_back("\"" + i + "\"");

  std::string out = "#!/usr/sbin/nft -f\nflush ruleset\n\ntable inet nixos-fw {\n";
  out += "  chain input {\n";
  out += "    type filter hook input priority filter; policy drop;\n\n";
  out += "    iifname { " + cairn::join(ifaces, ", ") + " } accept comment \"trusted interfaces\"\n\n";
  out += "    # Some ICMPv6 types like NDP is untracked\n";
  out += "    ct state vmap {\n"
         "      invalid : drop,\n"
         "      established : accept,\n"
         "      related : accept,\n"
         "      new : jump input-allow,\n"
         "      untracked : jump input-allow,\n"
         "    }\n";
  if (c[log_refused_connections]) out += "\n    tcp flags syn / fin,syn,rst,ack log level info prefix \"refused connection: \"\n";
  if (c[reject_packets]) out += "\n    meta l4proto tcp reject with tcp reset\n    reject\n";
  out += "  }\n\n";

  out += "  chain input-allow {\n";
  if (auto tcp = detail::port_set(c[allowed_tcp_ports]); !tcp.empty())
    out += "    tcp dport { " + tcp + " } accept\n";
  if (auto udp = detail::port_set(c[allowed_udp_ports]); !udp.empty())
    out += "    udp dport { " + udp + " } accept\n";
  if (c[allow_ping]) {
    out += "    icmp type echo-request accept comment \"allow ping\"\n";
    out += "    icmpv6 type != { nd-redirect, 139 } accept comment \"Accept all ICMPv6 messages except "
           "redirects and node information queries (type 139).  See RFC 4890, section 4.4.\"\n";
  } else {
    out += "    icmpv6 type != { nd-redirect, echo-request, 139 } accept comment \"Accept all ICMPv6 "
           "messages except pings, redirects and node information queries (type 139).  See RFC 4890, "
           "section 4.4.\"\n";
  }
  out += "    ip6 daddr fe80::/64 udp dport 546 accept comment \"DHCPv6 client\"\n";
  if (auto extra = c[extra_input_rules]; !extra.empty()) out += "\n" + detail::indented(extra, "    ");
  out += "  }\n}\n";
  return out;
}

// The open ports alone, for services that open theirs: importing them does not turn the
// firewall on, importing module does.
struct ports {
  static constexpr auto options = declare(allowed_tcp_ports, allowed_udp_ports);
};

struct module {
  using imports = cairn::imports<environment::module, systemd::module, ports>;
  static constexpr auto options = declare(enable, allow_ping, log_refused_connections, reject_packets,
                                          trusted_interfaces, extra_input_rules);

  static constexpr void config(definitions& d) {
    auto on = d.when(enable);
    on.set(environment::etc_entry::text("nftables.conf"), render_ruleset);
    on.set(environment::etc_entry::replace_existing("nftables.conf"), true);  // Debian ships one

    on.set(systemd::service::description("nftables"), "nftables firewall");
    on.set(systemd::service::wanted_by("nftables"), {"multi-user.target"});
    on.set(systemd::service::wants("nftables"), {"network-pre.target"});
    on.set(systemd::service::before("nftables"), {"network-pre.target"});
    on.set(systemd::service::unit_config("nftables", "DefaultDependencies"), false);
    // A changed ruleset is loaded in place: no window without a firewall.
    on.set(systemd::service::reload_if_changed("nftables"), true);
    on.set(systemd::service::reload_triggers("nftables"), [](const cairn::config& c) {
      return std::vector<std::string>{render_ruleset(c)};
    });
    on.set(systemd::service::service_config("nftables", "Type"), "oneshot");
    on.set(systemd::service::service_config("nftables", "RemainAfterExit"), true);
    on.set(systemd::service::service_config("nftables", "ExecStart"), "/usr/sbin/nft -f /etc/nftables.conf");
    on.set(systemd::service::service_config("nftables", "ExecReload"), "/usr/sbin/nft -f /etc/nftables.conf");
    on.set(systemd::service::service_config("nftables", "ExecStop"), "/usr/sbin/nft flush ruleset");
  }
};

}  // namespace cairn::modules::networking::firewall

CAIRN_LIBRARY_MODULE(cairn::modules::networking::firewall::module)
