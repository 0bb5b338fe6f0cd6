// Conformance in the corners: values as NixOS's showDefs prints them (toPretty, the 5-line cut),
// priorities and conditions at the level of whole submodule instances, conditions on an
// instance's own fields, submodules nested in submodules, and which unmatched definition is
// reported first.
#include "support.hpp"

using cairn::testing::evaluation;
using cairn::testing::message_of;

namespace conformance_pretty {
using namespace cairn;

inline constexpr option<"s", types::str> s{};
inline constexpr option<"any", types::anything> any{};
inline constexpr option<"text", types::str> text{};
inline constexpr option<"once", types::unique<types::anything>> once{};
struct decls {
  static constexpr auto options = declare(s, any, text, once);
};

struct multi_line_strings {
  static constexpr int line = __LINE__ + 3;
  using imports = cairn::imports<decls>;
  static constexpr void config(definitions& d) {
    d.set(s, "line one\nline two");
    d.set(s, "other");
    d.set(text, "ends with newline\n");
    d.set(text, "${x} and ''quotes''\nsecond");
  }
};
struct long_values {
  static constexpr int line = __LINE__ + 3;
  using imports = cairn::imports<decls>;
  static constexpr void config(definitions& d) {
    d.set(any, value(list{value(1), value(2), value(3), value(4), value(5), value(6)}));
    d.set(any, value(list{value(1)}));
  }
};
struct nested_attrs {
  static constexpr int line = __LINE__ + 8;
  using imports = cairn::imports<decls>;
  static constexpr void config(definitions& d) {
    attrs inner;
    inner.set("b", value("x\ny"));
    attrs outer;
    outer.set("a", value(inner));
    outer.set("with space", value(list{}));
    d.set(once, value(outer));
    d.set(once, value(1));
  }
};

}  // namespace conformance_pretty

namespace cpp = conformance_pretty;

TEST(ConformancePretty, MultiLineStringsPrintAsIndentedStringsClosedOnTheLastLine) {
  EXPECT_EQ(message_of<cpp::multi_line_strings>("s"),
            "The option `s' has conflicting definition values:\n- In `" + CAIRN_AT(cpp::multi_line_strings::line) +
                "':\n    ''\n      line one\n      line two''\n- In `" + CAIRN_AT(cpp::multi_line_strings::line + 1) +
                "': \"other\"\nUse `mk_force(value)` or `mk_default(value)` to change the priority on any of these "
                "definitions.");
}

TEST(ConformancePretty, ATrailingNewlineClosesOnItsOwnLineAndSpecialsAreEscaped) {
  EXPECT_CONTAINS(message_of<cpp::multi_line_strings>("text"),
                  "':\n    ''\n      ends with newline\n    ''\n- In `" +
                      CAIRN_AT(cpp::multi_line_strings::line + 3) +
                      "':\n    ''\n      ''${x} and '''quotes'''\n      second''\n");
}

TEST(ConformancePretty, ValuesLongerThanFiveLinesAreCut) {
  EXPECT_EQ(message_of<cpp::long_values>("any"),
            "The option `any' has conflicting definition values:\n- In `" + CAIRN_AT(cpp::long_values::line) +
                "':\n    [\n      1\n      2\n      3\n      4\n    ...\n- In `" +
                CAIRN_AT(cpp::long_values::line + 1) +
                "':\n    [\n      1\n    ]\nUse `mk_force(value)` or `mk_default(value)` to change the priority "
                "on any of these definitions.");
}

TEST(ConformancePretty, AttributeSetsNestAndQuoteNames) {
  EXPECT_CONTAINS(message_of<cpp::nested_attrs>("once"),
                  "- In `" + CAIRN_AT(cpp::nested_attrs::line) +
                      "':\n    {\n      a = {\n        b = ''\n          x\n          y'';\n    ...\n- In `");
  cairn::attrs a;
  a.set("with space", cairn::value(cairn::list{}));
  a.set("ok", cairn::value(true));
  EXPECT_EQ(cairn::detail::pretty(cairn::value(a)), "{\n  ok = true;\n  \"with space\" = [ ];\n}");
}

// ---- whole instances ---------------------------------------------------------------------------

namespace conformance_instances {
using namespace cairn;

inline constexpr option<"users", types::attrs_of<types::submodule>> users{};
inline constexpr option<"users.<name>.uid", types::null_or<types::int_>> uid{{.default_value = null}};
inline constexpr option<"users.<name>.normal", types::bool_> normal{{.default_value = false}};
inline constexpr option<"users.<name>.home", types::str> home{{.default_value = "/var/empty"}};
inline constexpr option<"users.<name>.groups", types::list_of<types::str>> groups{};
struct users_module {
  static constexpr auto options = declare(users, uid, normal, home, groups);
};

struct forced_instance {
  using imports = cairn::imports<users_module>;
  static constexpr void config(definitions& d) {
    d.set(users("alice"), mk_force(instance{}));
    d.set(uid("alice"), 5);
    d.set(uid("bob"), 6);
  }
};
struct forced_attribute_set {
  using imports = cairn::imports<users_module>;
  static constexpr void config(definitions& d) {
    attrs carol;
    carol.set("uid", value(7));
    attrs all;
    all.set("carol", value(carol));
    d.set(users, mk_force(value(all)));
    d.set(uid("dave"), 8);
  }
};
struct conditions_on_own_fields {
  using imports = cairn::imports<users_module>;
  static constexpr void config(definitions& d) {
    d.set(normal("alice"), true);
    d.set(uid("bob"), 2);
    d.each(users, [](instance_definitions& u) {
      auto on = u.when(normal);
      on.set(home, "/home/" + std::string(u.name()));
      on.set(groups, {"users"});
      u.when([](const cairn::config& c) { return c[uid].has_value(); }).set(groups, {"has-uid"});
    });
  }
};
struct field_condition_cycle {
  using imports = cairn::imports<users_module>;
  static constexpr void config(definitions& d) {
    d.set(uid("alice"), 1);
    d.each(users, [](instance_definitions& u) { u.when(normal).set(normal, true); });
  }
};

// Submodules in submodules: machines.<name>.disks.<name>.size, and a plain submodule inside
// each machine: machines.<name>.network = { address; }.
inline constexpr option<"machines", types::attrs_of<types::submodule>> machines{};
inline constexpr option<"machines.<name>.disks", types::attrs_of<types::submodule>> disks{};
inline constexpr option<"machines.<name>.disks.<name>.size", types::int_> disk_size{{.default_value = 10}};
inline constexpr option<"machines.<name>.network", types::submodule> network{};
inline constexpr option<"machines.<name>.network.address", types::str> address{{.default_value = "dhcp"}};
struct machines_module {
  static constexpr auto options = declare(machines, disks, disk_size, network, address);
};
struct nested {
  using imports = cairn::imports<machines_module>;
  static constexpr void config(definitions& d) {
    d.set(disk_size("m1", "sda"), 20);
    d.set(disks("m1", "sdb"), {});
    d.set(address("m2"), "10.0.0.2");
    d.set(disk_size("m2", "nvme0"), [](const cairn::config& c) { return c[disk_size("m1", "sda")] * 2; });
  }
};

}  // namespace conformance_instances

namespace cin = conformance_instances;

TEST(ConformanceInstances, PrioritiesApplyToWholeInstances) {
  // users.alice = mkForce {} beats users.alice.uid = 5: alice's uid stays its default.
  evaluation<cin::forced_instance> t;
  EXPECT_TRUE(t["users.alice.uid"].is_null());
  EXPECT_EQ(t["users.bob.uid"].as_int(), 6);
}

TEST(ConformanceInstances, ForcingTheWholeAttributeSetDropsEveryOtherDefinitionOfIt) {
  evaluation<cin::forced_attribute_set> t;
  auto c = t.e.root_config();
  EXPECT_EQ(c.names(cin::users), (std::vector<std::string>{"carol"}));
  EXPECT_EQ(t["users.carol.uid"].as_int(), 7);
}

TEST(ConformanceInstances, ConditionsInsideAnInstanceReadItsOwnFields) {
  evaluation<cin::conditions_on_own_fields> t;
  EXPECT_EQ(t["users.alice.home"].as_string(), "/home/alice");
  EXPECT_EQ(t.json("users.alice.groups"), R"(["users"])");
  EXPECT_EQ(t["users.bob.home"].as_string(), "/var/empty");
  EXPECT_EQ(t.json("users.bob.groups"), R"(["has-uid"])");
}

TEST(ConformanceInstances, AFieldConditionOnTheFieldItselfIsACycle) {
  EXPECT_EQ(message_of<cin::field_condition_cycle>("users.alice.normal"),
            "infinite recursion encountered: the value of `users.alice.normal' depends on itself:\n  "
            "`users.alice.normal' -> `users.alice.normal'");
}

TEST(ConformanceInstances, SubmodulesNestInSubmodules) {
  evaluation<cin::nested> t;
  EXPECT_EQ(t.json("machines.m1"), R"({"disks":{"sda":{"size":20},"sdb":{"size":10}},"network":{"address":"dhcp"}})");
  EXPECT_EQ(t.json("machines.m2"), R"({"disks":{"nvme0":{"size":40}},"network":{"address":"10.0.0.2"}})");
  auto c = t.e.root_config();
  EXPECT_EQ(c[cin::disk_size("m2", "nvme0")], 40);
  EXPECT_EQ(c[cin::address("m2")], "10.0.0.2");
  EXPECT_EQ(c[cin::address("m1")], "dhcp");
  EXPECT_EQ(c.names(cin::disks("m1")), (std::vector<std::string>{"sda", "sdb"}));
}

// ---- the first unmatched definition --------------------------------------------------------

namespace conformance_unmatched {
using namespace cairn;

inline constexpr option<"known", types::int_> known{};
inline constexpr option<"unknownA", types::int_> unknown_a{};
inline constexpr option<"unknownB", types::int_> unknown_b{};
struct declares_known {
  static constexpr auto options = declare(known);
};
struct defines_a {
  static constexpr void config(definitions& d) { d.set(unknown_a, 1); }
};
struct defines_b {
  static constexpr void config(definitions& d) { d.set(unknown_b, 2); }
};
struct two_unmatched {
  using imports = cairn::imports<declares_known, defines_a, defines_b>;
  static constexpr void config(definitions& d) { d.set(known, 0); }
};

}  // namespace conformance_unmatched

TEST(ConformanceUnmatched, OnlyTheFirstUnmatchedDefinitionInDefinitionOrderIsReported) {
  // Reading a declared option fails too: the check runs before any value (NixOS §1.1).
  auto m = message_of<conformance_unmatched::two_unmatched>("known");
  EXPECT_CONTAINS(m, "The option `unknownB' does not exist.");
  EXPECT_EQ(m.find("unknownA'"), std::string::npos);
}
