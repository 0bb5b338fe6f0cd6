// modules/system/networkd.hpp: .network files as NixOS writes them with networking.useNetworkd,
// read back by systemd-networkd itself (in a mount and network namespace of its own).
#include <string>

#include <cairn/compile_time.hpp>
#include <cairn/fwd.hpp>

#include <modules/system/networkd.hpp>

#include "real_program.hpp"
#include "support.hpp"

namespace {

using cairn::testing::result;
using cairn::testing::run;
using cairn::testing::scratch;

namespace net = cairn::modules::networking::networkd;

struct server_host {
  static constexpr cairn::meta meta{.hostname = "web"};
  using imports = cairn::imports<net::module>;
  static constexpr void config(cairn::definitions& d) {
    d.set(net::interface::ipv4_addresses("eth0"), {"192.0.2.10/24", "198.51.100.7/32"});
    d.set(net::interface::ipv6_addresses("eth0"), {"2001:db8::10/64"});
    d.set(net::interface::mtu("eth0"), 9000);
    d.set(net::default_gateway, "192.0.2.1");
    d.set(net::default_gateway6, "2001:db8::1");
    d.set(net::nameservers, {"9.9.9.9", "2620:fe::fe"});
    d.set(net::search, {"example.org"});
  }
};
CAIRN_CHECK_AT_COMPILE_TIME(server_host);

// No addresses: DHCP, unless the interface or networking.useDHCP says otherwise.
struct laptop_host {
  static constexpr cairn::meta meta{.hostname = "laptop"};
  using imports = cairn::imports<net::module>;
  static constexpr void config(cairn::definitions& d) {
    d.set(net::interfaces("wlan0"), {});
    d.set(net::interface::use_dhcp("enp1s0"), false);
    d.set(net::interface::ipv4_addresses("enp2s0"), {"10.1.0.2/16"});
    d.set(net::interface::use_dhcp("enp2s0"), true);
  }
};
CAIRN_CHECK_AT_COMPILE_TIME(laptop_host);

struct renamed_host {
  static constexpr cairn::meta meta{.hostname = "r"};
  using imports = cairn::imports<net::module>;
  static constexpr void config(cairn::definitions& d) {
    d.set(net::interface::name("lan"), "enp3s0");
    d.set(net::use_dhcp, false);
  }
};
CAIRN_CHECK_AT_COMPILE_TIME(renamed_host);

struct off_host {
  static constexpr cairn::meta meta{.hostname = "off"};
  using imports = cairn::imports<net::module>;
  static constexpr void config(cairn::definitions& d) {
    d.set(net::use_networkd, false);
    d.set(net::interface::ipv4_addresses("eth0"), {"192.0.2.10/24"});
  }
};
CAIRN_CHECK_AT_COMPILE_TIME(off_host);

// A prefix of 33 and an address without its prefix: the assertion and networkd both refuse them.
struct bad_address_host {
  static constexpr cairn::meta meta{.hostname = "bad"};
  using imports = cairn::imports<net::module>;
  static constexpr void config(cairn::definitions& d) {
    d.set(net::interface::ipv4_addresses("eth0"), {"192.0.2.10/33", "192.0.2.300/24"});
    d.set(net::interface::ipv6_addresses("eth0"), {"2001:db8::10"});
  }
};

struct wrong_addresses {
  static constexpr cairn::meta meta{.hostname = "x"};
  using imports = cairn::imports<net::module>;
  static constexpr void config(cairn::definitions& d) {
    d.set(net::interface::ipv4_addresses("eth0"), cairn::value("192.0.2.10/24"));
  }
};
struct wrong_mtu {
  static constexpr cairn::meta meta{.hostname = "x"};
  using imports = cairn::imports<net::module>;
  static constexpr void config(cairn::definitions& d) { d.set(net::interface::mtu("eth0"), cairn::value("big")); }
};

template <class Host>
std::string etc_text(const std::string& name) {
  cairn::testing::evaluation<Host> e;
  return e["environment.etc.\"" + name + "\".text"].as_string();
}

template <class Host>
std::vector<std::string> network_files() {
  cairn::testing::evaluation<Host> e;
  std::vector<std::string> out;
  for (const auto& [name, v] : e["environment.etc"].as_attrs())
    if (name.starts_with("systemd/network/")) out.push_back(name);
  return out;
}

// systemd-networkd reads the files from /run/systemd/network, in a private mount and network
// namespace (a tmpfs over /run/systemd and an empty /etc/systemd/network), and is stopped after
// it has loaded them. What it says about our files is what it would say at boot.
result networkd_reads(const scratch& s) {
  const std::string script =
      "mount -t tmpfs none /run/systemd && mkdir /run/systemd/network && "
      "cp " + (s.dir / "network").string() + "/*.network /run/systemd/network/ && "
      "{ ! [ -d /etc/systemd/network ] || mount -t tmpfs none /etc/systemd/network; } && "
      "SYSTEMD_LOG_LEVEL=info SYSTEMD_LOG_TARGET=console timeout -s TERM 2 /lib/systemd/systemd-networkd; "
      "status=$?; [ $status -eq 124 ] || [ $status -eq 0 ]";
  return run("unshare -m -n sh -c '" + script + "' 2>&1 | grep '^/run/systemd/network/' ; exit 0", true);
}

template <class Host>
void write_network_files(const scratch& s) {
  cairn::testing::evaluation<Host> e;
  for (const auto& name : network_files<Host>())
    s.write("network/" + name.substr(std::string("systemd/network/").size()),
            e["environment.etc.\"" + name + "\".text"].as_string());
}

bool networkd_can_run() {
  return run("test -x /lib/systemd/systemd-networkd && unshare -m -n true", true).status == 0;
}

}  // namespace

TEST(Networkd, TheNetworkFileAsNixOSWritesIt) {
  EXPECT_EQ(network_files<server_host>(), std::vector<std::string>{"systemd/network/40-eth0.network"});
  EXPECT_EQ(etc_text<server_host>("systemd/network/40-eth0.network"),
            "[Match]\n"
            "Name=eth0\n"
            "\n"
            "[Link]\n"
            "MTUBytes=9000\n"
            "\n"
            "[Network]\n"
            "DHCP=no\n"
            "IPv6PrivacyExtensions=kernel\n"
            "Address=192.0.2.10/24\n"
            "Address=198.51.100.7/32\n"
            "Address=2001:db8::10/64\n"
            "\n"
            "[Route]\n"
            "Gateway=192.0.2.1\n"
            "GatewayOnLink=false\n"
            "\n"
            "[Route]\n"
            "Gateway=2001:db8::1\n"
            "GatewayOnLink=false\n");
}

TEST(Networkd, DhcpWhereThereIsNoStaticAddress) {
  EXPECT_EQ(cairn::detail::join(network_files<laptop_host>(), ","),
            "systemd/network/40-enp1s0.network,systemd/network/40-enp2s0.network,systemd/network/40-wlan0.network");
  EXPECT_EQ(etc_text<laptop_host>("systemd/network/40-wlan0.network"),
            "[Match]\nName=wlan0\n\n[Network]\nDHCP=yes\nIPv6PrivacyExtensions=kernel\n");
  EXPECT_CONTAINS(etc_text<laptop_host>("systemd/network/40-enp1s0.network"), "DHCP=no\n");
  EXPECT_CONTAINS(etc_text<laptop_host>("systemd/network/40-enp2s0.network"), "DHCP=yes\n");
  // The file and Name= follow networking.interfaces.<name>.name.
  EXPECT_EQ(etc_text<renamed_host>("systemd/network/40-enp3s0.network"),
            "[Match]\nName=enp3s0\n\n[Network]\nDHCP=no\nIPv6PrivacyExtensions=kernel\n");
  EXPECT_TRUE(network_files<off_host>().empty());
}

TEST(Networkd, TheNameServersGoToResolvConf) {
  EXPECT_EQ(etc_text<server_host>("resolv.conf"),
            "# Generated by cairn from networking.nameservers and networking.search.\n"
            "search example.org\n"
            "nameserver 9.9.9.9\n"
            "nameserver 2620:fe::fe\n");
  cairn::testing::evaluation<server_host> e;
  EXPECT_EQ(e.json("environment.etc.\"resolv.conf\".replaceExisting"), "true");
  cairn::testing::evaluation<laptop_host> dhcp;
  EXPECT_EQ(dhcp["environment.etc"].as_attrs().find("resolv.conf"), nullptr);
}

TEST(Networkd, SystemdNetworkdAcceptsTheFiles) {
  if (!networkd_can_run()) GTEST_SKIP() << "cannot run systemd-networkd in a namespace here";
  scratch s;
  write_network_files<server_host>(s);
  write_network_files<laptop_host>(s);
  // A file with one unknown key alongside: networkd read the directory, and said nothing else.
  s.write("network/99-sentinel.network", "[Match]\nName=none0\n\n[Network]\nSentinel=1\n");
  auto good = networkd_reads(s);
  EXPECT_EQ(good.out, "/run/systemd/network/99-sentinel.network:5: Unknown key 'Sentinel' in section [Network], "
                      "ignoring.\n");

  // The check is real: networkd names the bad addresses of the file.
  scratch bad;
  write_network_files<bad_address_host>(bad);
  auto r = networkd_reads(bad);
  EXPECT_CONTAINS(r.out, "40-eth0.network:7: Invalid address '192.0.2.10/33'");
  EXPECT_CONTAINS(r.out, "40-eth0.network:8: Invalid address '192.0.2.300/24'");
  EXPECT_CONTAINS(r.out, "40-eth0.network:9: An address '2001:db8::10' is specified without prefix length");
  // And a key it does not know.
  scratch unknown;
  unknown.write("network/50-x.network", "[Match]\nName=x\n\n[Network]\nAdress=192.0.2.1/24\n");
  EXPECT_CONTAINS(networkd_reads(unknown).out, "50-x.network:5: Unknown key 'Adress' in section [Network]");
}

TEST(Networkd, AddressesNeedTheirPrefixLength) {
  cairn::evaluator e(cairn::module_info_of<bad_address_host>(), cairn::detail::meta_of<bad_address_host>());
  e.force_all();
  auto failed = cairn::detail::join(cairn::failed_assertions(e), "\n");
  EXPECT_CONTAINS(failed, "networking.interfaces.eth0.ipv4.addresses: \"192.0.2.10/33\" is not an address with its "
                          "prefix length, such as \"192.0.2.10/24\"");
  EXPECT_CONTAINS(failed, "networking.interfaces.eth0.ipv4.addresses: \"192.0.2.300/24\"");
  EXPECT_CONTAINS(failed, "networking.interfaces.eth0.ipv6.addresses: \"2001:db8::10\" is not an address with its "
                          "prefix length, such as \"2001:db8::10/64\"");
  cairn::evaluator good(cairn::module_info_of<server_host>(), cairn::detail::meta_of<server_host>());
  good.force_all();
  EXPECT_TRUE(cairn::failed_assertions(good).empty());
}

TEST(Networkd, WrongTypesNameTheOption) {
  EXPECT_CONTAINS(cairn::testing::message_of<wrong_addresses>("networking.interfaces.eth0.ipv4.addresses"),
                  "A definition for option `networking.interfaces.eth0.ipv4.addresses' is not of type `list of "
                  "string'");
  EXPECT_CONTAINS(cairn::testing::message_of<wrong_mtu>("networking.interfaces.eth0.mtu"),
                  "A definition for option `networking.interfaces.eth0.mtu' is not of type `null or");
  EXPECT_CONTAINS(cairn::testing::error_of<wrong_mtu>("environment.etc.\"systemd/network/40-eth0.network\".text"),
                  "networking.interfaces.eth0.mtu");
}
