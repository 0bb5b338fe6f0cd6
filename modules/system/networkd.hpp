// modules/system/networkd.hpp: static addresses, the default gateway and the name servers, as
// NixOS writes them with networking.useNetworkd (nixos/modules/tasks/network-interfaces.nix,
// network-interfaces-systemd.nix).
//
//   d.set(networking::networkd::interface::ipv4_addresses("eth0"), {"192.0.2.10/24"});
//   d.set(networking::networkd::interface::ipv6_addresses("eth0"), {"2001:db8::10/64"});
//   d.set(networking::networkd::default_gateway, "192.0.2.1");
//   d.set(networking::networkd::nameservers, {"9.9.9.9", "2620:fe::fe"});
//
// Each interface is /etc/systemd/network/40-<name>.network; the default gateways are a [Route]
// of each, as NixOS's genericNetwork adds them. NixOS's addresses are lists of submodules
// ({ address, prefixLength }), which cairn's types do not have: here they are the strings
// networkd itself reads, "address/prefixLength", checked by an assertion. The name servers go to
// /etc/resolv.conf, as NixOS does without systemd-resolved. Enabling systemd-networkd.service is
// left to the base system (Debian ships it disabled).
#pragma once

#include <cairn/fwd.hpp>
#include <cairn/strings.hpp>

#include "assertions.hpp"
#include "environment.hpp"

namespace cairn::modules::networking::networkd {

inline constexpr option<"networking.useNetworkd", types::bool_> use_networkd{{
    .default_value = true,
    .description = "Whether the interfaces are configured by systemd-networkd. cairn has no scripted "
                   "networking: if false, `networking.interfaces` renders nothing.",
}};

inline constexpr option<"networking.useDHCP", types::bool_> use_dhcp{{
    .default_value = true,
    .description = "Whether to use DHCP to obtain an IP address and other configuration for all network "
                   "interfaces that do not have any manually configured IPv4 addresses.",
}};

inline constexpr option<"networking.interfaces", types::attrs_of<types::submodule>> interfaces{{
    .description = "The configuration for each network interface.",
    .example = R"({{"eth0", {{"ipv4.addresses", {"131.211.84.78/25"}}}}})",
}};

namespace interface {
inline constexpr option<"networking.interfaces.<name>.name", types::str> name{{
    .description = "Name of the interface.",
    .default_text = "<name>",
}};
inline constexpr option<"networking.interfaces.<name>.ipv4.addresses", types::list_of<types::str>> ipv4_addresses{{
    .description = "List of IPv4 addresses that will be statically assigned to the interface, each as "
                   "\"address/prefixLength\" (NixOS: a list of { address, prefixLength }).",
    .example = R"({"10.0.0.1/16", "192.168.1.1/24"})",
}};
inline constexpr option<"networking.interfaces.<name>.ipv6.addresses", types::list_of<types::str>> ipv6_addresses{{
    .description = "List of IPv6 addresses that will be statically assigned to the interface, each as "
                   "\"address/prefixLength\" (NixOS: a list of { address, prefixLength }).",
    .example = R"({"fdfd:b3f0:482::1/48", "2001:1470:fffd:2098::e006/64"})",
}};
inline constexpr option<"networking.interfaces.<name>.useDHCP", types::null_or<types::bool_>> use_dhcp{{
    .default_value = null,
    .description = "Whether this interface should be configured with DHCP. Overrides the default set by "
                   "`networking.useDHCP`. If null (the default), DHCP is enabled if the interface has no "
                   "IPv4 addresses configured with `networking.interfaces.<name>.ipv4.addresses`, and "
                   "disabled otherwise.",
}};
inline constexpr option<"networking.interfaces.<name>.mtu", types::null_or<types::ints::unsigned_>> mtu{{
    .default_value = null,
    .description = "MTU size for packets leaving the interface. Leave empty to use the default.",
    .example = "9000",
}};
}  // namespace interface

inline constexpr option<"networking.defaultGateway", types::null_or<types::str>> default_gateway{{
    .default_value = null,
    .description = "The default gateway. It can be left empty if it is auto-detected through DHCP. "
                   "(NixOS also takes { address, interface, metric }; here the address.)",
    .example = R"("131.211.84.1")",
}};

inline constexpr option<"networking.defaultGateway6", types::null_or<types::str>> default_gateway6{{
    .default_value = null,
    .description = "The default IPv6 gateway. It can be left empty if it is auto-detected through DHCP.",
    .example = R"("2001:4d0:1e04:895::1")",
}};

inline constexpr option<"networking.nameservers", types::list_of<types::str>> nameservers{{
    .description = "The list of nameservers. It can be left empty if it is auto-detected through DHCP.",
    .example = R"({"130.161.158.4", "130.161.33.17"})",
}};

inline constexpr option<"networking.search", types::list_of<types::str>> search{{
    .description = "The list of domain search paths that are considered for resolving hostnames with fewer "
                   "dots than configured in the `ndots` option, which defaults to 1 if unset.",
    .example = R"({"example.com", "home.arpa"})",
}};

namespace detail {

constexpr bool all_of(std::string_view s, std::string_view allowed) {
  if (s.empty()) return false;
  for (char ch : s)
    if (allowed.find(ch) == std::string_view::npos) return false;
  return true;
}

constexpr int number(std::string_view s) {
  if (!all_of(s, "0123456789") || s.size() > 3) return -1;
  int n = 0;
  for (char ch : s) n = n * 10 + (ch - '0');
  return n;
}

// "192.0.2.10/24" (v4) or "2001:db8::1/64" (v6): what NixOS's { address, prefixLength } renders to.
constexpr bool is_cidr(std::string_view s, bool v6) {
  auto slash = s.find('/');
  if (slash == std::string_view::npos) return false;
  int prefix = number(s.substr(slash + 1));
  std::string_view address = s.substr(0, slash);
  if (v6) return prefix >= 0 && prefix <= 128 && address.find(':') != std::string_view::npos &&
                 all_of(address, "0123456789abcdefABCDEF:.");
  if (prefix < 0 || prefix > 32) return false;
  int parts = 0;
  for (std::size_t start = 0;; ++parts) {
    auto dot = address.find('.', start);
    auto part = address.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (int n = number(part); n < 0 || n > 255) return false;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return parts == 3;
}

}  // namespace detail

// The text of /etc/systemd/network/40-<name>.network, in the order of NixOS's networkToUnit.
constexpr std::string render_network(const cairn::config& c, const std::string& name) {
  auto v4 = c[interface::ipv4_addresses(name)];
  auto v6 = c[interface::ipv6_addresses(name)];
  bool dhcp = c[use_dhcp] && v4.empty();
  if (auto own = c[interface::use_dhcp(name)]) dhcp = *own;

  std::string out = "[Match]\nName=" + c[interface::name(name)] + "\n\n";
  if (auto m = c[interface::mtu(name)]) out += "[Link]\nMTUBytes=" + cairn::to_string(*m) + "\n\n";
  out += "[Network]\n";
  out += std::string("DHCP=") + (dhcp ? "yes" : "no") + "\n";
  out += "IPv6PrivacyExtensions=kernel\n";
  for (const auto& a : v4) out += "Address=" + a + "\n";
  for (const auto& a : v6) out += "Address=" + a + "\n";
  std::vector<std::string> gateways;
  if (auto g = c[default_gateway]; g.has_value() && !g->empty()) gateways.push_back(*g);
  if (auto g = c[default_gateway6]; g.has_value() && !g->empty()) gateways.push_back(*g);
  for (const auto& gateway : gateways) out += "\n[Route]\nGateway=" + gateway + "\nGatewayOnLink=false\n";
  return out;
}

// The text of /etc/resolv.conf.
constexpr std::string render_resolv_conf(const cairn::config& c) {
  std::string out = "# Generated by cairn from networking.nameservers and networking.search.\n";
  if (auto domains = c[search]; !domains.empty()) out += "search " + cairn::join(domains, " ") + "\n";
  for (const auto& ns : c[nameservers]) out += "nameserver " + ns + "\n";
  return out;
}

struct module {
  using imports = cairn::imports<assertions::module, environment::module>;
  static constexpr auto options =
      declare(use_networkd, use_dhcp, interfaces, interface::name, interface::ipv4_addresses,
              interface::ipv6_addresses, interface::use_dhcp, interface::mtu, default_gateway, default_gateway6,
              nameservers, search);

  static constexpr void config(definitions& d) {
    d.each(interfaces, [](instance_definitions& i) { i.set(interface::name, mk_default(i.name())); });
    d.set(environment::etc, [](const cairn::config& c) {
      std::vector<std::pair<std::string, attrs>> out;
      if (c[use_networkd])
        for (const auto& name : c.names(interfaces)) {
          attrs file;
          file.set("text", value(render_network(c, name)));
          out.emplace_back("systemd/network/40-" + c[interface::name(name)] + ".network", std::move(file));
        }
      if (!c[nameservers].empty() || !c[search].empty()) {
        attrs file;
        file.set("text", value(render_resolv_conf(c)));
        file.set("replaceExisting", value(true));  // the base system has one
        out.emplace_back("resolv.conf", std::move(file));
      }
      return out;
    });
    d.set(assertions::assertions, [](const cairn::config& c) {
      list checks;
      for (const auto& name : c.names(interfaces))
        for (bool v6 : {false, true}) {
          std::string path = "networking.interfaces." + name + (v6 ? ".ipv6" : ".ipv4") + ".addresses";
          std::vector<std::string> addresses;
          if (v6) addresses = c[interface::ipv6_addresses(name)];
          else addresses = c[interface::ipv4_addresses(name)];
          for (const auto& a : addresses) {
            attrs check;
            check.set("assertion", detail::is_cidr(a, v6));
            std::string sample = "192.0.2.10/24";
            if (v6) sample = "2001:db8::10/64";
            check.set("message", value(path + ": \"" + a + "\" is not an address with its prefix length, such as \"" +
                                       sample + "\""));
            checks.push_back(value(std::move(check)));
          }
        }
      return value(std::move(checks));
    });
  }
};

}  // namespace cairn::modules::networking::networkd

CAIRN_LIBRARY_MODULE(cairn::modules::networking::networkd::module)
