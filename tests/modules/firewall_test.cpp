// modules/system/firewall.hpp: the nftables ruleset NixOS's firewall writes, read back by nft.
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <cairn/compile_time.hpp>
#include <cairn/fwd.hpp>

#include <modules/system/firewall.hpp>

#include "real_program.hpp"
#include "support.hpp"

namespace {

using cairn::testing::result;
using cairn::testing::run;
using cairn::testing::scratch;

namespace fw = cairn::modules::networking::firewall;

struct small_host {
  static constexpr cairn::meta meta{.hostname = "gate"};
  using imports = cairn::imports<fw::module>;
  static constexpr void config(cairn::definitions& d) {
    d.set(fw::allowed_tcp_ports, {22, 80});
    d.set(fw::allowed_udp_ports, {53});
    d.set(fw::trusted_interfaces, {"wg0"});
  }
};
CAIRN_CHECK_AT_COMPILE_TIME(small_host);

// Nothing set: the defaults (enabled, ping and logging on, nothing open).
struct default_host {
  static constexpr cairn::meta meta{.hostname = "plain"};
  using imports = cairn::imports<fw::module>;
  static constexpr void config(cairn::definitions&) {}
};
CAIRN_CHECK_AT_COMPILE_TIME(default_host);

struct strict_host {
  static constexpr cairn::meta meta{.hostname = "strict"};
  using imports = cairn::imports<fw::module>;
  static constexpr void config(cairn::definitions& d) {
    d.set(fw::allowed_tcp_ports, {443, 8080, 65535});
    d.set(fw::allow_ping, false);
    d.set(fw::reject_packets, true);
    d.set(fw::log_refused_connections, false);
    d.set(fw::trusted_interfaces, {"eth1", "docker0", "br-lan"});
  }
};
CAIRN_CHECK_AT_COMPILE_TIME(strict_host);

struct extra_rules_host {
  static constexpr cairn::meta meta{.hostname = "extra"};
  using imports = cairn::imports<fw::module>;
  static constexpr void config(cairn::definitions& d) {
    d.set(fw::allowed_udp_ports, {51820, 5353});
    d.set(fw::extra_input_rules, "ip saddr 10.0.0.0/8 tcp dport 9100 accept\n"
                                 "ip6 saddr { fc00::/7, fe80::/10 } tcp dport 24800 accept comment \"barrier\"");
    d.set(fw::extra_input_rules, "iifname \"eth2\" udp dport 67 accept");
  }
};
CAIRN_CHECK_AT_COMPILE_TIME(extra_rules_host);

struct broken_rules_host {
  static constexpr cairn::meta meta{.hostname = "broken"};
  using imports = cairn::imports<fw::module>;
  static constexpr void config(cairn::definitions& d) {
    d.set(fw::extra_input_rules, "tcp dport { 22, accept");
  }
};

struct disabled_host {
  static constexpr cairn::meta meta{.hostname = "open"};
  using imports = cairn::imports<fw::module>;
  static constexpr void config(cairn::definitions& d) {
    d.set(fw::enable, false);
    d.set(fw::allowed_tcp_ports, {22});
  }
};
CAIRN_CHECK_AT_COMPILE_TIME(disabled_host);

struct wrong_port {
  static constexpr cairn::meta meta{.hostname = "x"};
  using imports = cairn::imports<fw::module>;
  static constexpr void config(cairn::definitions& d) {
    d.set(fw::allowed_tcp_ports, cairn::value(cairn::list{cairn::value(22), cairn::value(70000)}));
  }
  static constexpr int line = __LINE__ - 2;  // the wrong definition
};
struct wrong_ping {
  static constexpr cairn::meta meta{.hostname = "x"};
  using imports = cairn::imports<fw::module>;
  static constexpr void config(cairn::definitions& d) { d.set(fw::allow_ping, cairn::value("yes")); }
};
struct wrong_interfaces {
  static constexpr cairn::meta meta{.hostname = "x"};
  using imports = cairn::imports<fw::module>;
  static constexpr void config(cairn::definitions& d) { d.set(fw::trusted_interfaces, cairn::value("eth0")); }
};

template <class Host>
std::string ruleset() {
  cairn::testing::evaluation<Host> e;
  return e["environment.etc.\"nftables.conf\".text"].as_string();
}

// `nft -c -f`: nft parses the ruleset and the kernel checks it, without loading it.
template <class Host>
result nft_check() {
  scratch s;
  return run("nft -c -f " + s.write("nftables.conf", ruleset<Host>()), true);
}

const std::string icmpv6_rule =
    "    icmpv6 type != { nd-redirect, 139 } accept comment \"Accept all ICMPv6 messages except redirects and "
    "node information queries (type 139).  See RFC 4890, section 4.4.\"\n";

}  // namespace

TEST(Firewall, TheRulesetAsNixOSWritesIt) {
  EXPECT_EQ(ruleset<small_host>(),
            "#!/usr/sbin/nft -f\n"
            "flush ruleset\n"
            "\n"
            "table inet nixos-fw {\n"
            "  chain input {\n"
            "    type filter hook input priority filter; policy drop;\n"
            "\n"
            "    iifname { \"lo\", \"wg0\" } accept comment \"trusted interfaces\"\n"
            "\n"
            "    # Some ICMPv6 types like NDP is untracked\n"
            "    ct state vmap {\n"
            "      invalid : drop,\n"
            "      established : accept,\n"
            "      related : accept,\n"
            "      new : jump input-allow,\n"
            "      untracked : jump input-allow,\n"
            "    }\n"
            "\n"
            "    tcp flags syn / fin,syn,rst,ack log level info prefix \"refused connection: \"\n"
            "  }\n"
            "\n"
            "  chain input-allow {\n"
            "    tcp dport { 22, 80 } accept\n"
            "    udp dport { 53 } accept\n"
            "    icmp type echo-request accept comment \"allow ping\"\n" +
                icmpv6_rule +
                "    ip6 daddr fe80::/64 udp dport 546 accept comment \"DHCPv6 client\"\n"
                "  }\n"
                "}\n");
}

TEST(Firewall, OptionsChangeTheirRules) {
  auto plain = ruleset<default_host>();
  EXPECT_CONTAINS(plain, "    iifname { \"lo\" } accept comment \"trusted interfaces\"\n");
  EXPECT_EQ(plain.find("dport {"), std::string::npos);
  EXPECT_EQ(plain.find("reject"), std::string::npos);

  auto strict = ruleset<strict_host>();
  EXPECT_CONTAINS(strict, "    iifname { \"lo\", \"eth1\", \"docker0\", \"br-lan\" } accept comment \"trusted interfaces\"\n");
  EXPECT_CONTAINS(strict, "      untracked : jump input-allow,\n    }\n\n"
                          "    meta l4proto tcp reject with tcp reset\n    reject\n  }\n");
  EXPECT_CONTAINS(strict, "    tcp dport { 443, 8080, 65535 } accept\n    icmpv6 type != { nd-redirect, echo-request, 139 }");
  EXPECT_EQ(strict.find("udp dport {"), std::string::npos);
  EXPECT_EQ(strict.find("log "), std::string::npos);
  EXPECT_EQ(strict.find("icmp type echo-request"), std::string::npos);

  auto extra = ruleset<extra_rules_host>();
  EXPECT_CONTAINS(extra, "    udp dport { 51820, 5353 } accept\n");
  EXPECT_CONTAINS(extra, "    ip6 daddr fe80::/64 udp dport 546 accept comment \"DHCPv6 client\"\n\n"
                         "    ip saddr 10.0.0.0/8 tcp dport 9100 accept\n"
                         "    ip6 saddr { fc00::/7, fe80::/10 } tcp dport 24800 accept comment \"barrier\"\n"
                         "    iifname \"eth2\" udp dport 67 accept\n"
                         "  }\n}\n");
}

TEST(Firewall, NftAcceptsTheRulesets) {
  ASSERT_EQ(run("command -v nft", true).status, 0) << "nft is not installed";
  for (auto r : {nft_check<small_host>(), nft_check<default_host>(), nft_check<strict_host>(),
                 nft_check<extra_rules_host>()}) {
    EXPECT_EQ(r.status, 0) << r.out;
    EXPECT_EQ(r.out, "");
  }
  // The check is real: nft refuses a broken rule, naming it.
  auto broken = nft_check<broken_rules_host>();
  EXPECT_NE(broken.status, 0);
  EXPECT_CONTAINS(broken.out, "syntax error");
}

TEST(Firewall, LoadedInANetworkNamespaceTheRulesAreThere) {
  // Loading for real (in a namespace of its own, so this machine's firewall is untouched).
  if (run("unshare -n true", true).status != 0) GTEST_SKIP() << "cannot create a network namespace here";
  scratch s;
  auto file = s.write("nftables.conf", ruleset<strict_host>());
  auto r = run("unshare -n sh -c 'nft -f " + file + " && nft list chain inet nixos-fw input-allow'", true);
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_CONTAINS(r.out, "tcp dport { 443, 8080, 65535 } accept");
  EXPECT_CONTAINS(r.out, "ip6 daddr fe80::/64 udp dport 546 accept");
}

TEST(Firewall, TheServiceLoadsTheRuleset) {
  cairn::testing::evaluation<small_host> e;
  const std::string digest = cairn::modules::systemd::detail::trigger_digest({ruleset<small_host>()});
  EXPECT_EQ(e["systemd.units.\"nftables.service\".text"].as_string(),
            "[Unit]\n"
            "Description=nftables firewall\n"
            "Before=network-pre.target\n"
            "Wants=network-pre.target\n"
            "X-Reload-Triggers=" + digest + "\n"
            "DefaultDependencies=false\n"
            "\n"
            "[Service]\n"
            "X-ReloadIfChanged=true\n"
            "ExecReload=/usr/sbin/nft -f /etc/nftables.conf\n"
            "ExecStart=/usr/sbin/nft -f /etc/nftables.conf\n"
            "ExecStop=/usr/sbin/nft flush ruleset\n"
            "RemainAfterExit=true\n"
            "Type=oneshot\n");
  EXPECT_EQ(e.json("systemd.units.\"nftables.service\".wantedBy"), "[\"multi-user.target\"]");
  EXPECT_EQ(e.json("environment.etc.\"nftables.conf\".replaceExisting"), "true");
  // Another ruleset, another trigger: a switch reloads the service.
  cairn::testing::evaluation<strict_host> other;
  EXPECT_NE(other["systemd.units.\"nftables.service\".text"].as_string(),
            e["systemd.units.\"nftables.service\".text"].as_string());
}

TEST(Firewall, DisabledItRendersNothing) {
  cairn::testing::evaluation<disabled_host> e;
  EXPECT_EQ(e["environment.etc"].as_attrs().find("nftables.conf"), nullptr);
  EXPECT_EQ(e["systemd.units"].as_attrs().find("nftables.service"), nullptr);
}

TEST(Firewall, WrongTypesNameTheOption) {
  EXPECT_EQ(cairn::testing::message_of<wrong_port>("networking.firewall.allowedTCPPorts"),
            "A definition for option `networking.firewall.allowedTCPPorts.\"[definition 1-entry 2]\"' is not of "
            "type `16 bit unsigned integer; between 0 and 65535 (both inclusive)'. Definition values:\n- In `" +
                CAIRN_AT(wrong_port::line) + "': 70000");
  EXPECT_CONTAINS(cairn::testing::message_of<wrong_ping>("networking.firewall.allowPing"),
                  "A definition for option `networking.firewall.allowPing' is not of type `boolean'");
  EXPECT_CONTAINS(cairn::testing::message_of<wrong_interfaces>("networking.firewall.trustedInterfaces"),
                  "A definition for option `networking.firewall.trustedInterfaces' is not of type `list of string'");
  // Reading the ruleset reports it too.
  EXPECT_CONTAINS(cairn::testing::error_of<wrong_port>("environment.etc.\"nftables.conf\".text"),
                  "networking.firewall.allowedTCPPorts");
}
