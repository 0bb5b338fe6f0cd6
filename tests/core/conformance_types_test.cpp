// Conformance with NixOS's lib.types: every type's check and merge, and the exact error texts
// (module-system.md §3, §5.2). Definitions written as cairn::value reach the evaluator
// unchecked, as values from JSON layers do; the run-time check is what is tested here.
#include "support.hpp"

using cairn::testing::evaluation;
using cairn::testing::message_of;

namespace conformance_types {
using namespace cairn;

inline constexpr option<"b", types::bool_> b{};
inline constexpr option<"n", types::int_> n{};
inline constexpr option<"s", types::str> s{};
inline constexpr option<"f", types::float_> f{};
struct decls {
  static constexpr auto options = declare(b, n, s, f);
};

// Modules [a b]: b's definition comes first (reverse breadth-first order).
struct bool_a { static constexpr int line = __LINE__; static constexpr void config(definitions& d) { d.set(b, true); } };
struct bool_b { static constexpr int line = __LINE__; static constexpr void config(definitions& d) { d.set(b, false); } };
struct bool_conflict {
  using imports = cairn::imports<decls, bool_a, bool_b>;
};

struct equal_definitions {
  using imports = cairn::imports<decls>;
  static constexpr void config(definitions& d) {
    d.set(b, true);
    d.set(b, true);
    d.set(n, 3);
    d.set(n, 3);
    d.set(s, "same");
    d.set(s, "same");
    d.set(f, 1.5);
    d.set(f, 1.5);
  }
};

struct three_ints {
  static constexpr int line = __LINE__ + 3;
  using imports = cairn::imports<decls>;
  static constexpr void config(definitions& d) {
    d.set(n, 1);
    d.set(n, 1);
    d.set(n, 2);
    d.set(n, 3);
  }
};

struct ints_of_wrong_type {
  static constexpr int line = __LINE__ + 3;
  using imports = cairn::imports<decls>;
  static constexpr void config(definitions& d) {
    d.set(n, value("one"));
    d.set(n, 3);
    d.set(n, value(true));
  }
};

struct strings_conflict {
  static constexpr int line = __LINE__ + 3;
  using imports = cairn::imports<decls>;
  static constexpr void config(definitions& d) {
    d.set(s, "a \"quoted\" word");
    d.set(s, "b");
  }
};

struct int_is_not_a_float {
  static constexpr int line = __LINE__ + 2;
  using imports = cairn::imports<decls>;
  static constexpr void config(definitions& d) { d.set(f, value(1)); }
};

struct deferred_value_checked {
  static constexpr int line = __LINE__ + 2;
  using imports = cairn::imports<decls>;
  static constexpr void config(definitions& d) { d.set(n, [](const cairn::config&) { return value("late"); }); }
};

// ---- bounded integers ------------------------------------------------------------------------

inline constexpr option<"between", types::ints::between<0, 10>> between{};
inline constexpr option<"unsigned", types::ints::unsigned_> unsigned_{};
inline constexpr option<"positive", types::ints::positive> positive{};
inline constexpr option<"u8", types::ints::u8> u8{};
inline constexpr option<"s8", types::ints::s8> s8{};
inline constexpr option<"port", types::port> port{};
struct bounded {
  static constexpr int line = __LINE__ + 3;
  static constexpr auto options = declare(between, unsigned_, positive, u8, s8, port);
  static constexpr void config(definitions& d) {
    d.set(between, 11);
    d.set(unsigned_, -1);
    d.set(positive, 0);
    d.set(u8, 256);
    d.set(s8, -129);
    d.set(port, 65536);
  }
};
struct bounds_inclusive {
  static constexpr auto options = declare(between, unsigned_, positive, u8, s8, port);
  static constexpr void config(definitions& d) {
    d.set(between, 10);
    d.set(unsigned_, 0);
    d.set(positive, 1);
    d.set(u8, 255);
    d.set(s8, -128);
    d.set(port, 65535);
  }
};

// ---- strings -----------------------------------------------------------------------------------

inline constexpr option<"nonEmpty", types::non_empty_str> non_empty{};
inline constexpr option<"singleLine", types::single_line_str> single_line{};
inline constexpr option<"multiLine", types::single_line_str> multi_line{};
inline constexpr option<"keys", types::list_of<types::single_line_str>> keys{};
inline constexpr option<"keyed", types::attrs_of<types::single_line_str>> keyed{};
struct strings {
  static constexpr auto options = declare(non_empty, single_line, multi_line, keys, keyed);
  static constexpr void config(definitions& d) {
    d.set(non_empty, " \t\n");
    d.set(single_line, "abc\n");
    d.set(multi_line, "a\nb");
    d.set(keys, {"ssh-ed25519 AAAA alice\n", "ssh-ed25519 BBBB bob"});
    d.set(keyed("alice"), "ssh-ed25519 AAAA alice\n");
  }
};

inline constexpr option<"lines", types::lines> lines{};
inline constexpr option<"commas", types::commas> commas{};
inline constexpr option<"envVar", types::env_var> env_var{};
inline constexpr option<"spaced", types::separated_string<" | ">> spaced{};
struct separated_a {
  static constexpr void config(definitions& d) {
    d.set(lines, "a");
    d.set(commas, "a");
    d.set(env_var, "/a");
    d.set(spaced, "a");
  }
};
struct separated {
  static constexpr auto options = declare(lines, commas, env_var, spaced);
  using imports = cairn::imports<separated_a>;
  static constexpr void config(definitions& d) {
    d.set(lines, "b\nc");
    d.set(commas, "b");
    d.set(env_var, "/b");
    d.set(spaced, "b");
  }
};
struct separated_wrong {
  static constexpr int line = __LINE__ + 2;
  static constexpr auto options = declare(lines, commas, env_var, spaced);
  static constexpr void config(definitions& d) { d.set(commas, value(1)); }
};

// ---- enums, paths, packages --------------------------------------------------------------------

inline constexpr option<"mode", types::enum_<"yes", "no">> mode{};
inline constexpr option<"single", types::enum_<"only">> single{};
inline constexpr option<"path", types::path> path{};
inline constexpr option<"pkg", types::package> pkg{};
struct enum_outside {
  static constexpr int line = __LINE__ + 2;
  static constexpr auto options = declare(mode, single, path, pkg);
  static constexpr void config(definitions& d) { d.set(mode, "maybe"); }
};
struct enum_single {
  static constexpr auto options = declare(mode, single, path, pkg);
  static constexpr void config(definitions& d) { d.set(single, "other"); }
};
struct enum_conflict {
  static constexpr auto options = declare(mode, single, path, pkg);
  static constexpr void config(definitions& d) {
    d.set(mode, "yes");
    d.set(mode, "yes");
    d.set(single, "only");
    d.set(path, "/etc");
    d.set(path, "/etc");
    d.set(pkg, package{.name = "hello", .version = "2.12"});
  }
};
struct relative_path {
  static constexpr int line = __LINE__ + 2;
  static constexpr auto options = declare(mode, single, path, pkg);
  static constexpr void config(definitions& d) { d.set(path, "etc/hosts"); }
};
struct two_packages {
  static constexpr int line = __LINE__ + 3;
  static constexpr auto options = declare(mode, single, path, pkg);
  static constexpr void config(definitions& d) {
    d.set(pkg, package{.name = "hello", .version = "2.12"});
    d.set(pkg, package{.name = "hello", .version = "2.12"});
  }
};

}  // namespace conformance_types

namespace ct = conformance_types;

TEST(ConformanceTypes, BoolConflictNamesTheFirstDefinitionAndTheFirstThatDiffers) {
  EXPECT_EQ(message_of<ct::bool_conflict>("b"),
            "The option `b' has conflicting definition values:\n- In `" + CAIRN_AT(ct::bool_b::line) +
                "': false\n- In `" + CAIRN_AT(ct::bool_a::line) +
                "': true\nUse `mk_force(value)` or `mk_default(value)` to change the priority on any of these "
                "definitions.");
}

TEST(ConformanceTypes, EqualDefinitionsOfScalarTypesMerge) {
  evaluation<ct::equal_definitions> t;
  EXPECT_EQ(t["b"].as_bool(), true);
  EXPECT_EQ(t["n"].as_int(), 3);
  EXPECT_EQ(t["s"].as_string(), "same");
  EXPECT_EQ(t["f"].as_float(), 1.5);
}

TEST(ConformanceTypes, ConflictListsOnlyTheFirstAndTheFirstDifferingDefinition) {
  EXPECT_EQ(message_of<ct::three_ints>("n"),
            "The option `n' has conflicting definition values:\n- In `" + CAIRN_AT(ct::three_ints::line) +
                "': 1\n- In `" + CAIRN_AT(ct::three_ints::line + 2) +
                "': 2\nUse `mk_force(value)` or `mk_default(value)` to change the priority on any of these "
                "definitions.");
}

TEST(ConformanceTypes, NotOfTypeListsEveryInvalidDefinitionV1Style) {
  EXPECT_EQ(message_of<ct::ints_of_wrong_type>("n"),
            "A definition for option `n' is not of type `signed integer'. Definition values:\n- In `" +
                CAIRN_AT(ct::ints_of_wrong_type::line) + "': \"one\"\n- In `" +
                CAIRN_AT(ct::ints_of_wrong_type::line + 2) + "': true");
}

TEST(ConformanceTypes, StringConflictQuotesAsNix) {
  EXPECT_CONTAINS(message_of<ct::strings_conflict>("s"),
                  "- In `" + CAIRN_AT(ct::strings_conflict::line) + "': \"a \\\"quoted\\\" word\"\n- In `" +
                      CAIRN_AT(ct::strings_conflict::line + 1) + "': \"b\"");
}

TEST(ConformanceTypes, AnIntegerIsNotAFloat) {
  EXPECT_EQ(message_of<ct::int_is_not_a_float>("f"),
            "A definition for option `f' is not of type `floating point number'. Definition values:\n- In `" +
                CAIRN_AT(ct::int_is_not_a_float::line) + "': 1");
}

TEST(ConformanceTypes, DeferredValuesAreCheckedAndShownComputed) {
  EXPECT_EQ(message_of<ct::deferred_value_checked>("n"),
            "A definition for option `n' is not of type `signed integer'. Definition values:\n- In `" +
                CAIRN_AT(ct::deferred_value_checked::line) + "': \"late\"");
}

TEST(ConformanceTypes, BoundedIntegersNameTheirRange) {
  auto expect = [](std::string_view option, std::string_view type, int line, std::string_view v) {
    EXPECT_EQ(message_of<ct::bounded>(option), "A definition for option `" + std::string(option) +
                                                   "' is not of type `" + std::string(type) +
                                                   "'. Definition values:\n- In `" + CAIRN_AT(line) +
                                                   "': " + std::string(v));
  };
  expect("between", "integer between 0 and 10 (both inclusive)", ct::bounded::line, "11");
  expect("unsigned", "unsigned integer, meaning >=0", ct::bounded::line + 1, "-1");
  expect("positive", "positive integer, meaning >0", ct::bounded::line + 2, "0");
  expect("u8", "8 bit unsigned integer; between 0 and 255 (both inclusive)", ct::bounded::line + 3, "256");
  expect("s8", "8 bit signed integer; between -128 and 127 (both inclusive)", ct::bounded::line + 4, "-129");
  expect("port", "16 bit unsigned integer; between 0 and 65535 (both inclusive)", ct::bounded::line + 5, "65536");
}

TEST(ConformanceTypes, BoundsAreInclusive) {
  evaluation<ct::bounds_inclusive> t;
  EXPECT_EQ(t.json("between"), "10");
  EXPECT_EQ(t.json("s8"), "-128");
  EXPECT_EQ(t.json("port"), "65535");
}

TEST(ConformanceTypes, WideIntegerTypesDescribeTheirRange) {
  EXPECT_EQ(cairn::describe(cairn::types::ints::u16::descriptor),
            "16 bit unsigned integer; between 0 and 65535 (both inclusive)");
  EXPECT_EQ(cairn::describe(cairn::types::ints::u32::descriptor),
            "32 bit unsigned integer; between 0 and 4294967295 (both inclusive)");
  EXPECT_EQ(cairn::describe(cairn::types::ints::s16::descriptor),
            "16 bit signed integer; between -32768 and 32767 (both inclusive)");
  EXPECT_EQ(cairn::describe(cairn::types::ints::s32::descriptor),
            "32 bit signed integer; between -2147483648 and 2147483647 (both inclusive)");
  EXPECT_EQ(cairn::describe(cairn::types::ints::between<-3, 3>::descriptor),
            "integer between -3 and 3 (both inclusive)");
}

TEST(ConformanceTypes, NonEmptyStringRejectsWhitespaceOnly) {
  EXPECT_CONTAINS(message_of<ct::strings>("nonEmpty"),
                  "A definition for option `nonEmpty' is not of type `non-empty string'. Definition values:");
}

TEST(ConformanceTypes, SingleLineStringDropsOneTrailingNewline) {
  evaluation<ct::strings> t;
  EXPECT_EQ(t["singleLine"].as_string(), "abc");
}

TEST(ConformanceTypes, SingleLineStringsInContainersDropTheirTrailingNewlineToo) {
  evaluation<ct::strings> t;
  EXPECT_EQ(t.json("keys"), R"(["ssh-ed25519 AAAA alice","ssh-ed25519 BBBB bob"])");
  EXPECT_EQ(t.json("keyed"), R"({"alice":"ssh-ed25519 AAAA alice"})");
}

TEST(ConformanceTypes, SingleLineStringRejectsInnerNewlines) {
  EXPECT_CONTAINS(message_of<ct::strings>("multiLine"),
                  "is not of type `(optionally newline-terminated) single-line string'. Definition values:");
}

TEST(ConformanceTypes, SeparatedStringsJoinInDefinitionOrder) {
  // Definition order: the imported module first.
  evaluation<ct::separated> t;
  EXPECT_EQ(t["lines"].as_string(), "a\nb\nc");
  EXPECT_EQ(t["commas"].as_string(), "a,b");
  EXPECT_EQ(t["envVar"].as_string(), "/a:/b");
  EXPECT_EQ(t["spaced"].as_string(), "a | b");
}

TEST(ConformanceTypes, SeparatedStringDescriptionsShowTheSeparatorAsJson) {
  EXPECT_EQ(cairn::describe(cairn::types::lines::descriptor), "strings concatenated with \"\\n\"");
  EXPECT_EQ(cairn::describe(cairn::types::commas::descriptor), "strings concatenated with \",\"");
  EXPECT_EQ(cairn::describe(cairn::types::env_var::descriptor), "strings concatenated with \":\"");
  EXPECT_EQ(message_of<ct::separated_wrong>("commas"),
            "A definition for option `commas' is not of type `strings concatenated with \",\"'. Definition "
            "values:\n- In `" + CAIRN_AT(ct::separated_wrong::line) + "': 1");
}

TEST(ConformanceTypes, EnumRejectsValuesOutsideIt) {
  EXPECT_EQ(message_of<ct::enum_outside>("mode"),
            "A definition for option `mode' is not of type `one of \"yes\", \"no\"'. Definition values:\n- In `" +
                CAIRN_AT(ct::enum_outside::line) + "': \"maybe\"");
}

TEST(ConformanceTypes, SingularEnumDescription) {
  EXPECT_CONTAINS(message_of<ct::enum_single>("single"), "is not of type `value \"only\" (singular enum)'.");
  EXPECT_EQ(cairn::describe(cairn::types::enum_<>::descriptor), "impossible (empty enum)");
}

TEST(ConformanceTypes, EqualEnumAndPathDefinitionsMerge) {
  evaluation<ct::enum_conflict> t;
  EXPECT_EQ(t["mode"].as_string(), "yes");
  EXPECT_EQ(t["single"].as_string(), "only");
  EXPECT_EQ(t["path"].as_string(), "/etc");
  EXPECT_EQ(t["pkg"].as_package().full_name(), "hello-2.12");
}

TEST(ConformanceTypes, PathMustBeAbsolute) {
  EXPECT_EQ(message_of<ct::relative_path>("path"),
            "A definition for option `path' is not of type `absolute path'. Definition values:\n- In `" +
                CAIRN_AT(ct::relative_path::line) + "': \"etc/hosts\"");
}

TEST(ConformanceTypes, PackagesAreUniqueEvenWhenEqual) {
  EXPECT_EQ(message_of<ct::two_packages>("pkg"),
            "The option `pkg' is defined multiple times while it's expected to be unique.\n\nDefinition values:\n- "
            "In `" + CAIRN_AT(ct::two_packages::line) + "': <derivation hello-2.12>\n- In `" +
                CAIRN_AT(ct::two_packages::line + 1) +
                "': <derivation hello-2.12>\nUse `mk_force(value)` or `mk_default(value)` to change the priority "
                "on any of these definitions.");
}

// ---- containers ------------------------------------------------------------------------------

namespace conformance_containers {
using namespace cairn;

inline constexpr option<"l", types::list_of<types::int_>> l{};
inline constexpr option<"ll", types::list_of<types::list_of<types::int_>>> ll{};
inline constexpr option<"a", types::attrs_of<types::int_>> a{};
inline constexpr option<"al", types::attrs_of<types::list_of<types::str>>> al{};
struct decls {
  static constexpr auto options = declare(l, ll, a, al);
};

struct list_entry_wrong {
  static constexpr int line = __LINE__ + 3;
  using imports = cairn::imports<decls>;
  static constexpr void config(definitions& d) {
    d.set(l, {1});
    d.set(l, value(list{value(2), value("three")}));
  }
};
struct list_head_wrong {
  static constexpr int line = __LINE__ + 3;
  using imports = cairn::imports<decls>;
  static constexpr void config(definitions& d) {
    d.set(l, {1});
    d.set(l, value(5));
    d.set(l, value("x"));
  }
};
struct nested_lists {
  using imports = cairn::imports<decls>;
  static constexpr void config(definitions& d) {
    d.set(ll, value(list{value(list{value(1)}), value(list{})}));
    d.set(ll, value(list{value(list{value(2), value(3)})}));
  }
};
struct nested_list_wrong {
  using imports = cairn::imports<decls>;
  static constexpr void config(definitions& d) { d.set(ll, value(list{value(list{value(1), value(true)})})); }
};

struct attrs_a {
  static constexpr void config(definitions& d) { d.set(a, std::vector<std::pair<std::string, int>>{{"x", 1}}); }
};
struct attrs_merge {
  using imports = cairn::imports<decls, attrs_a>;
  static constexpr void config(definitions& d) {
    d.set(a("y"), 2);
    d.set(al("k"), {"from host"});
    d.set(al, std::vector<std::pair<std::string, std::vector<std::string>>>{{"k", {"from list"}}, {"j", {}}});
  }
};
struct attrs_key_a { static constexpr int line = __LINE__; static constexpr void config(definitions& d) { d.set(a("k"), 1); } };
struct attrs_key_conflict {
  static constexpr int line = __LINE__ + 3;
  using imports = cairn::imports<decls, attrs_key_a>;
  static constexpr void config(definitions& d) {
    d.set(a, std::vector<std::pair<std::string, int>>{{"k", 2}});
  }
};
struct attrs_key_forced {
  using imports = cairn::imports<decls>;
  static constexpr void config(definitions& d) {
    d.set(a("k"), mk_force(1));
    d.set(a, std::vector<std::pair<std::string, int>>{{"k", 2}, {"m", 3}});
  }
};
struct attrs_head_wrong {
  static constexpr int line = __LINE__ + 2;
  using imports = cairn::imports<decls>;
  static constexpr void config(definitions& d) { d.set(a, value(list{})); }
};
struct attrs_element_wrong {
  static constexpr int line = __LINE__ + 5;
  using imports = cairn::imports<decls>;
  static constexpr void config(definitions& d) {
    attrs v;
    v.set("a.b", value("s"));
    d.set(a, value(v));
  }
};
struct containers_unset {
  using imports = cairn::imports<decls>;
};

}  // namespace conformance_containers

namespace cct = conformance_containers;

TEST(ConformanceTypes, ListEntriesAreCheckedAtTheirDefinitionAndEntry) {
  EXPECT_EQ(message_of<cct::list_entry_wrong>("l"),
            "A definition for option `l.\"[definition 2-entry 2]\"' is not of type `signed integer'. Definition "
            "values:\n- In `" + CAIRN_AT(cct::list_entry_wrong::line + 1) + "': \"three\"");
}

TEST(ConformanceTypes, ListHeadCheckIsV2WithTypeError) {
  EXPECT_EQ(message_of<cct::list_head_wrong>("l"),
            "A definition for option `l' is not of type `list of signed integer'. TypeError: Definition values: "
            "\n- In `" + CAIRN_AT(cct::list_head_wrong::line + 1) + "': 5\n- In `" +
                CAIRN_AT(cct::list_head_wrong::line + 2) + "': \"x\"");
}

TEST(ConformanceTypes, ListsOfListsConcatenateTheOuterLists) {
  evaluation<cct::nested_lists> t;
  EXPECT_EQ(t.json("ll"), "[[1],[],[2,3]]");
}

TEST(ConformanceTypes, NestedListEntriesNameEveryLevel) {
  EXPECT_CONTAINS(message_of<cct::nested_list_wrong>("ll"),
                  "A definition for option `ll.\"[definition 1-entry 1]\".\"[definition 1-entry 2]\"' is not of type "
                  "`signed integer'.");
}

TEST(ConformanceTypes, AttrsOfMergesPerNameRecursively) {
  evaluation<cct::attrs_merge> t;
  EXPECT_EQ(t.json("a"), R"({"x":1,"y":2})");
  EXPECT_EQ(t.json("al"), R"({"j":[],"k":["from host","from list"]})");
}

TEST(ConformanceTypes, AttrsOfConflictIsReportedAtTheAttribute) {
  EXPECT_EQ(message_of<cct::attrs_key_conflict>("a"),
            "The option `a.k' has conflicting definition values:\n- In `" + CAIRN_AT(cct::attrs_key_a::line) +
                "': 1\n- In `" + CAIRN_AT(cct::attrs_key_conflict::line) +
                "': 2\nUse `mk_force(value)` or `mk_default(value)` to change the priority on any of these "
                "definitions.");
}

TEST(ConformanceTypes, PrioritiesApplyPerAttribute) {
  evaluation<cct::attrs_key_forced> t;
  EXPECT_EQ(t.json("a"), R"({"k":1,"m":3})");
}

TEST(ConformanceTypes, AttrsOfHeadCheckIsV2WithTypeError) {
  EXPECT_EQ(message_of<cct::attrs_head_wrong>("a"),
            "A definition for option `a' is not of type `attribute set of signed integer'. TypeError: Definition "
            "values: \n- In `" + CAIRN_AT(cct::attrs_head_wrong::line) + "': [ ]");
}

TEST(ConformanceTypes, AttrsOfElementErrorsQuoteNamesThatAreNotIdentifiers) {
  EXPECT_EQ(message_of<cct::attrs_element_wrong>("a"),
            "A definition for option `a.\"a.b\"' is not of type `signed integer'. Definition values:\n- In `" +
                CAIRN_AT(cct::attrs_element_wrong::line) + "': \"s\"");
}

TEST(ConformanceTypes, UnsetContainersHaveTheirEmptyValue) {
  evaluation<cct::containers_unset> t;
  EXPECT_EQ(t.json("l"), "[]");
  EXPECT_EQ(t.json("a"), "{}");
}

// ---- null_or, either, unique, anything ------------------------------------------------------

namespace conformance_wrappers {
using namespace cairn;

inline constexpr option<"o", types::null_or<types::int_>> o{};
inline constexpr option<"e", types::either<types::int_, types::str>> e{};
inline constexpr option<"u", types::unique<types::int_>> u{};
inline constexpr option<"ul", types::unique<types::list_of<types::int_>>> ul{};
inline constexpr option<"any", types::anything> any{};
struct decls {
  static constexpr auto options = declare(o, e, u, ul, any);
};

struct null_or_all_null {
  using imports = cairn::imports<decls>;
  static constexpr void config(definitions& d) {
    d.set(o, null);
    d.set(o, null);
  }
};
struct null_or_values {
  using imports = cairn::imports<decls>;
  static constexpr void config(definitions& d) {
    d.set(o, 4);
    d.set(o, 4);
  }
};
struct null_or_mixed {
  static constexpr int line = __LINE__ + 3;
  using imports = cairn::imports<decls>;
  static constexpr void config(definitions& d) {
    d.set(o, null);
    d.set(o, 4);
  }
};
struct null_or_wrong {
  static constexpr int line = __LINE__ + 2;
  using imports = cairn::imports<decls>;
  static constexpr void config(definitions& d) { d.set(o, value("four")); }
};
struct either_left {
  using imports = cairn::imports<decls>;
  static constexpr void config(definitions& d) {
    d.set(e, 1);
    d.set(e, 1);
  }
};
struct either_right {
  using imports = cairn::imports<decls>;
  static constexpr void config(definitions& d) { d.set(e, "one"); }
};
struct either_mixed {
  static constexpr int line = __LINE__ + 3;
  using imports = cairn::imports<decls>;
  static constexpr void config(definitions& d) {
    d.set(e, 1);
    d.set(e, "s");
  }
};
struct either_conflict_in_left {
  using imports = cairn::imports<decls>;
  static constexpr void config(definitions& d) {
    d.set(e, 1);
    d.set(e, 2);
  }
};
struct unique_twice {
  static constexpr int line = __LINE__ + 3;
  using imports = cairn::imports<decls>;
  static constexpr void config(definitions& d) {
    d.set(u, 1);
    d.set(u, 1);
  }
};
struct unique_with_force {
  using imports = cairn::imports<decls>;
  static constexpr void config(definitions& d) {
    d.set(u, 1);
    d.set(u, mk_force(2));
    d.set(ul, {1, 2});
  }
};
struct unique_lists_do_not_concatenate {
  using imports = cairn::imports<decls>;
  static constexpr void config(definitions& d) {
    d.set(ul, {1});
    d.set(ul, {2});
  }
};
struct unique_wrong_type {
  static constexpr int line = __LINE__ + 2;
  using imports = cairn::imports<decls>;
  static constexpr void config(definitions& d) { d.set(ul, value(3)); }
};
struct anything_attrs {
  using imports = cairn::imports<decls>;
  static constexpr void config(definitions& d) {
    attrs one, inner_one;
    inner_one.set("x", value(1));
    one.set("nested", value(inner_one));
    one.set("same", value("s"));
    attrs two, inner_two;
    inner_two.set("y", value(list{value(2)}));
    two.set("nested", value(inner_two));
    two.set("same", value("s"));
    d.set(any, value(one));
    d.set(any, value(two));
  }
};
struct anything_kinds {
  static constexpr int line = __LINE__ + 3;
  using imports = cairn::imports<decls>;
  static constexpr void config(definitions& d) {
    d.set(any, value(1));
    d.set(any, value("1"));
  }
};
struct anything_unequal_lists {
  using imports = cairn::imports<decls>;
  static constexpr void config(definitions& d) {
    d.set(any, value(list{value(1)}));
    d.set(any, value(list{value(2)}));
  }
};
struct wrappers_unset {
  using imports = cairn::imports<decls>;
};

}  // namespace conformance_wrappers

namespace cw = conformance_wrappers;

TEST(ConformanceTypes, NullOrAllNullIsNull) {
  evaluation<cw::null_or_all_null> t;
  EXPECT_TRUE(t["o"].is_null());
}

TEST(ConformanceTypes, NullOrWithoutNullsMergesByTheElementType) {
  evaluation<cw::null_or_values> t;
  EXPECT_EQ(t["o"].as_int(), 4);
}

TEST(ConformanceTypes, NullOrDefinedBothNullAndNotNull) {
  EXPECT_EQ(message_of<cw::null_or_mixed>("o"),
            "The option `o` is defined both null and not null, in `" + CAIRN_AT(cw::null_or_mixed::line) + "' and `" +
                CAIRN_AT(cw::null_or_mixed::line + 1) + "'.");
}

TEST(ConformanceTypes, NullOrChecksAgainstItsOwnDescription) {
  EXPECT_EQ(message_of<cw::null_or_wrong>("o"),
            "A definition for option `o' is not of type `null or signed integer'. Definition values:\n- In `" +
                CAIRN_AT(cw::null_or_wrong::line) + "': \"four\"");
}

TEST(ConformanceTypes, EitherMergesWithTheSideEveryDefinitionPasses) {
  evaluation<cw::either_left> left;
  EXPECT_EQ(left["e"].as_int(), 1);
  evaluation<cw::either_right> right;
  EXPECT_EQ(right["e"].as_string(), "one");
}

TEST(ConformanceTypes, EitherWithDefinitionsOfBothSidesIsNeither) {
  EXPECT_EQ(message_of<cw::either_mixed>("e"),
            "A definition for option `e' is not of type `signed integer or string'. TypeError: The option `e` is "
            "neither a value of type `signed integer` nor `string`, Definition values: \n- In `" +
                CAIRN_AT(cw::either_mixed::line) + "': 1\n- In `" + CAIRN_AT(cw::either_mixed::line + 1) + "': \"s\"");
}

TEST(ConformanceTypes, EitherConflictsWithinOneSideAsThatSide) {
  EXPECT_CONTAINS(message_of<cw::either_conflict_in_left>("e"), "The option `e' has conflicting definition values:");
}

TEST(ConformanceTypes, UniqueDefinedMultipleTimes) {
  EXPECT_EQ(message_of<cw::unique_twice>("u"),
            "The option `u' is defined multiple times while it's expected to be unique.\n\nDefinition values:\n- "
            "In `" + CAIRN_AT(cw::unique_twice::line) + "': 1\n- In `" + CAIRN_AT(cw::unique_twice::line + 1) +
                "': 1\nUse `mk_force(value)` or `mk_default(value)` to change the priority on any of these "
                "definitions.");
}

TEST(ConformanceTypes, UniqueCountsDefinitionsAfterPriorities) {
  evaluation<cw::unique_with_force> t;
  EXPECT_EQ(t["u"].as_int(), 2);
  EXPECT_EQ(t.json("ul"), "[1,2]");
}

TEST(ConformanceTypes, UniqueListsDoNotConcatenate) {
  EXPECT_CONTAINS(message_of<cw::unique_lists_do_not_concatenate>("ul"),
                  "The option `ul' is defined multiple times while it's expected to be unique.");
}

TEST(ConformanceTypes, UniqueChecksWithTheV1ShapeOfItsElement) {
  EXPECT_EQ(message_of<cw::unique_wrong_type>("ul"),
            "A definition for option `ul' is not of type `list of signed integer'. Definition values:\n- In `" +
                CAIRN_AT(cw::unique_wrong_type::line) + "': 3");
}

TEST(ConformanceTypes, AnythingMergesAttributeSetsRecursively) {
  evaluation<cw::anything_attrs> t;
  EXPECT_EQ(t.json("any"), R"({"nested":{"x":1,"y":[2]},"same":"s"})");
}

TEST(ConformanceTypes, AnythingWithDifferentKindsHasConflictingTypes) {
  EXPECT_EQ(message_of<cw::anything_kinds>("any"),
            "The option `any' has conflicting option types in `" + CAIRN_AT(cw::anything_kinds::line) + "' and `" +
                CAIRN_AT(cw::anything_kinds::line + 1) + "'");
}

TEST(ConformanceTypes, AnythingListsMustBeEqual) {
  EXPECT_CONTAINS(message_of<cw::anything_unequal_lists>("any"),
                  "The option `any' has conflicting definition values:");
}

TEST(ConformanceTypes, UnsetNullableIsNullAndUnsetScalarsHaveNoValue) {
  evaluation<cw::wrappers_unset> t;
  EXPECT_TRUE(t["o"].is_null());
  EXPECT_EQ(message_of<cw::wrappers_unset>("e"),
            "The option `e' was accessed but has no value defined. Try setting the option.");
  EXPECT_EQ(message_of<cw::wrappers_unset>("any"),
            "The option `any' was accessed but has no value defined. Try setting the option.");
}

// ---- descriptions (optionDescriptionPhrase) -------------------------------------------------

TEST(ConformanceTypes, CompositeDescriptionsParenthesiseAsNixOS) {
  using namespace cairn::types;
  using cairn::describe;
  EXPECT_EQ(describe(attrs_of<either<int_, str>>::descriptor), "attribute set of (signed integer or string)");
  EXPECT_EQ(describe(either<list_of<str>, int_>::descriptor), "(list of string) or signed integer");
  EXPECT_EQ(describe(either<int_, list_of<str>>::descriptor), "signed integer or list of string");
  EXPECT_EQ(describe(attrs_of<ints::u32>::descriptor),
            "attribute set of 32 bit unsigned integer; between 0 and 4294967295 (both inclusive)");
  EXPECT_EQ(describe(list_of<list_of<int_>>::descriptor), "list of list of signed integer");
  EXPECT_EQ(describe(null_or<list_of<str>>::descriptor), "null or (list of string)");
  EXPECT_EQ(describe(null_or<either<int_, str>>::descriptor), "null or signed integer or string");
  EXPECT_EQ(describe(list_of<null_or<int_>>::descriptor), "list of (null or signed integer)");
  EXPECT_EQ(describe(list_of<enum_<"a", "b">>::descriptor), "list of (one of \"a\", \"b\")");
  EXPECT_EQ(describe(list_of<enum_<"a">>::descriptor), "list of value \"a\" (singular enum)");
  EXPECT_EQ(describe(unique<list_of<int_>>::descriptor), "list of signed integer");
  EXPECT_EQ(describe(list_of<unique<null_or<int_>>>::descriptor), "list of (null or signed integer)");
}

TEST(ConformanceTypes, SubmoduleDescriptionsAreParenthesisedWhenNested) {
  using namespace cairn::types;
  EXPECT_EQ(cairn::describe(submodule::descriptor), "submodule");
  EXPECT_EQ(cairn::describe(attrs_of<submodule>::descriptor), "attribute set of (submodule)");
}

TEST(ConformanceTypes, NonRestrictiveClausesReadWithACommaInEither) {
  using namespace cairn::types;
  EXPECT_EQ(cairn::describe(either<ints::unsigned_, str>::descriptor), "unsigned integer, meaning >=0, or string");
  EXPECT_EQ(cairn::describe(either<ints::positive, list_of<str>>::descriptor),
            "positive integer, meaning >0, or (list of string)");
  EXPECT_EQ(cairn::describe(list_of<ints::positive>::descriptor), "list of (positive integer, meaning >0)");
}

TEST(ConformanceTypes, OneOfFoldsLeftIntoEither) {
  using namespace cairn::types;
  EXPECT_EQ(cairn::describe(one_of<int_, str, bool_>::descriptor), "signed integer or string or boolean");
  EXPECT_EQ(cairn::describe(one_of<bool_, list_of<int_>, attrs_of<str>>::descriptor),
            "boolean or list of signed integer or attribute set of string");
}
