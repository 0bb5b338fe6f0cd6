// Conformance with NixOS's module collection and evaluation (module-system.md §1, §2.2, §4.5,
// §5): imports and disabled modules, the fixpoint with memoised values and cycles, read-only
// options, "does not exist" with did-you-mean, provenance, assertions and warnings, and the
// same evaluation at compile time.
#include <utility>

#include <cairn/compile_time.hpp>
#include <modules/system/assertions.hpp>

#include "support.hpp"

using cairn::testing::error_of;
using cairn::testing::evaluation;
using cairn::testing::message_of;

namespace conformance_imports {
using namespace cairn;

inline constexpr option<"l", types::list_of<types::int_>> l{};
inline constexpr option<"onlyA", types::int_> only_a_option{{.default_value = 1}};
struct decls {
  static constexpr auto options = declare(l);
};

struct common {
  using imports = cairn::imports<decls>;
  static constexpr void config(definitions& d) { d.set(l, {7}); }
};
struct uses_common_a {
  using imports = cairn::imports<common>;
};
struct uses_common_b {
  using imports = cairn::imports<common, decls>;
};
struct imported_twice {
  using imports = cairn::imports<uses_common_a, uses_common_b, common>;
};

// Diamond: host -> a, b; a -> c; b -> c. Breadth first: host, a, b, c; reversed: c, b, a, host.
struct diamond_c {
  using imports = cairn::imports<decls>;
  static constexpr void config(definitions& d) { d.set(l, {3}); }
};
struct diamond_a {
  using imports = cairn::imports<diamond_c>;
  static constexpr void config(definitions& d) { d.set(l, {1}); }
};
struct diamond_b {
  using imports = cairn::imports<diamond_c>;
  static constexpr void config(definitions& d) { d.set(l, {2}); }
};
struct diamond {
  using imports = cairn::imports<diamond_a, diamond_b>;
  static constexpr void config(definitions& d) { d.set(l, {0}); }
};

// Imports that form a cycle are collected once each.
struct loop_b;
struct loop_a {
  using imports = cairn::imports<loop_b, decls>;
  static constexpr void config(definitions& d) { d.set(l, {1}); }
};
struct loop_b {
  using imports = cairn::imports<loop_a>;
  static constexpr void config(definitions& d) { d.set(l, {2}); }
};
struct import_loop {
  using imports = cairn::imports<loop_a>;
};

struct only_through_a {
  static constexpr auto options = declare(only_a_option);
  static constexpr void config(definitions& d) { d.set(l, {100}); }
};
struct shared {
  static constexpr void config(definitions& d) { d.set(l, {50}); }
};
struct mod_a {
  using imports = cairn::imports<only_through_a, shared>;
  static constexpr void config(definitions& d) { d.set(l, {1}); }
};
struct mod_b {
  using imports = cairn::imports<shared>;
  static constexpr void config(definitions& d) { d.set(l, {2}); }
};
struct disables_a {
  using imports = cairn::imports<decls, mod_a, mod_b>;
  using disabled_modules = cairn::imports<mod_a>;
};
struct disabler_deep_inside {
  using disabled_modules = cairn::imports<mod_a>;
};
struct nested_disables_a {
  using imports = cairn::imports<decls, mod_b>;
  static constexpr void config(definitions& d) { d.set(l, {0}); }
};
struct disabled_globally {
  using imports = cairn::imports<decls, mod_a, nested_disables_a>;
};
struct mod_b_imports_disabler {
  using imports = cairn::imports<mod_b, disabler_deep_inside>;
};
struct disabled_from_a_nested_import {
  using imports = cairn::imports<decls, mod_a, mod_b_imports_disabler>;
};
struct disables_unimported {
  using imports = cairn::imports<decls, mod_b>;
  using disabled_modules = cairn::imports<mod_a>;
};
struct defines_option_of_disabled_module {
  static constexpr int line = __LINE__ + 3;
  using imports = cairn::imports<decls, mod_a>;
  using disabled_modules = cairn::imports<only_through_a>;
  static constexpr void config(definitions& d) { d.set(only_a_option, 5); }
};

}  // namespace conformance_imports

namespace ci = conformance_imports;

TEST(ConformanceImports, AModuleImportedManyTimesIsCollectedOnce) {
  evaluation<ci::imported_twice> t;
  EXPECT_EQ(t.json("l"), "[7]");
  auto& mods = t.e.modules();
  EXPECT_EQ(std::count(mods.begin(), mods.end(), &cairn::module_info_of<ci::common>()), 1);
}

TEST(ConformanceImports, DiamondImportsGiveReverseBreadthFirstOrder) {
  evaluation<ci::diamond> t;
  EXPECT_EQ(t.json("l"), "[3,2,1,0]");
}

TEST(ConformanceImports, ImportCyclesAreCollectedOnceEach) {
  // Breadth first: host, loop_a, loop_b, decls.
  evaluation<ci::import_loop> t;
  EXPECT_EQ(t.json("l"), "[2,1]");
  EXPECT_EQ(t.e.modules().size(), 4u);
}

TEST(ConformanceImports, DisabledModulesContributeNothing) {
  // mod_a and only_through_a are gone; shared stays, mod_b imports it too.
  evaluation<ci::disables_a> t;
  EXPECT_EQ(t.json("l"), "[50,2]");
}

TEST(ConformanceImports, WhatOnlyADisabledModuleImportsIsDroppedWithIt) {
  EXPECT_CONTAINS(message_of<ci::disables_a>("onlyA"), "The option `onlyA' does not exist.");
}

TEST(ConformanceImports, DisablingIsGlobalWhereverItIsWritten) {
  evaluation<ci::disabled_from_a_nested_import> t;
  EXPECT_EQ(t.json("l"), "[50,2]");
}

TEST(ConformanceImports, DisablingAModuleNobodyImportsIsHarmless) {
  evaluation<ci::disables_unimported> t;
  EXPECT_EQ(t.json("l"), "[50,2]");
}

TEST(ConformanceImports, DefiningAnOptionOfADisabledModuleDoesNotExist) {
  auto m = message_of<ci::defines_option_of_disabled_module>("l");
  EXPECT_CONTAINS(m, "The option `onlyA' does not exist. Definition values:\n- In `" +
                         CAIRN_AT(ci::defines_option_of_disabled_module::line) + "': 5");
  EXPECT_CONTAINS(m, "its module is not imported");
}

// ---- the fixpoint ------------------------------------------------------------------------

namespace conformance_fixpoint {
using namespace cairn;

inline constexpr option<"a", types::int_> a{};
inline constexpr option<"b", types::int_> b{};
inline constexpr option<"c", types::int_> c{{.default_value = 1}};
inline constexpr option<"greeting", types::str> greeting{};
inline constexpr option<"name", types::str> name{};
struct decls {
  static constexpr auto options = declare(a, b, c, greeting, name);
};

// Reads an option that a module later in the import order defines.
struct reader {
  static constexpr void config(definitions& d) {
    d.set(greeting, [](const cairn::config& cfg) { return "hello " + cfg[name]; });
  }
};
struct writer {
  static constexpr void config(definitions& d) { d.set(name, "world"); }
};
struct reads_later_module {
  using imports = cairn::imports<decls, reader, writer>;
};

struct chain {
  using imports = cairn::imports<decls>;
  static constexpr void config(definitions& d) {
    d.set(a, [](const cairn::config& cfg) { return cfg[b] + 1; });
    d.set(b, [](const cairn::config& cfg) { return cfg[c] + 1; });
  }
};

inline int computed = 0;
struct memoised {
  using imports = cairn::imports<decls>;
  static void config(definitions& d) {
    d.set(c, mk_force([](const cairn::config&) {
            ++computed;
            return 10;
          }));
    d.set(a, [](const cairn::config& cfg) { return cfg[c] + cfg[c]; });
    d.when([](const cairn::config& cfg) { return cfg[c] > 5; }).set(b, [](const cairn::config& cfg) { return cfg[c]; });
  }
};

struct two_option_cycle {
  using imports = cairn::imports<decls>;
  static constexpr void config(definitions& d) {
    d.set(a, [](const cairn::config& cfg) { return cfg[b]; });
    d.set(b, [](const cairn::config& cfg) { return cfg[c] + cfg[a]; });
  }
};
struct condition_cycle {
  using imports = cairn::imports<decls>;
  static constexpr void config(definitions& d) {
    d.set(a, mk_if([](const cairn::config& cfg) { return cfg[a] > 0; }, 1));
  }
};

inline constexpr option<"hosts", types::attrs_of<types::submodule>> hosts{};
inline constexpr option<"hosts.<name>.port", types::int_> host_port{};
struct instance_cycle {
  static constexpr auto options = declare(hosts, host_port);
  static constexpr void config(definitions& d) {
    d.set(host_port("one"), [](const cairn::config& cfg) { return cfg[host_port("two")] + 1; });
    d.set(host_port("two"), [](const cairn::config& cfg) { return cfg[host_port("one")] + 1; });
  }
};
struct names_cycle {
  static constexpr auto options = declare(hosts, host_port);
  static constexpr void config(definitions& d) {
    d.set(hosts, [](const cairn::config& cfg) {
      std::vector<std::pair<std::string, attrs>> out;
      for (const auto& n : cfg.names(hosts)) out.push_back({n + "-copy", attrs{}});
      return out;
    });
  }
};

}  // namespace conformance_fixpoint

namespace cf = conformance_fixpoint;

TEST(ConformanceFixpoint, AnyModuleReadsTheFinalValueOfAnyOption) {
  evaluation<cf::reads_later_module> t;
  EXPECT_EQ(t["greeting"].as_string(), "hello world");
}

TEST(ConformanceFixpoint, DeferredValuesChainThroughOtherOptions) {
  evaluation<cf::chain> t;
  EXPECT_EQ(t["a"].as_int(), 3);
}

TEST(ConformanceFixpoint, AValueIsComputedOnceHoweverOftenItIsRead) {
  cf::computed = 0;
  evaluation<cf::memoised> t;
  EXPECT_EQ(t["a"].as_int(), 20);
  EXPECT_EQ(t["b"].as_int(), 10);
  EXPECT_EQ(t["c"].as_int(), 10);
  EXPECT_EQ(t["a"].as_int(), 20);
  EXPECT_EQ(cf::computed, 1);
}

TEST(ConformanceFixpoint, ACycleListsTheOptionPathsInOrder) {
  EXPECT_EQ(message_of<cf::two_option_cycle>("a"),
            "infinite recursion encountered: the value of `a' depends on itself:\n  `a' -> `b' -> `a'");
  EXPECT_EQ(message_of<cf::two_option_cycle>("b"),
            "infinite recursion encountered: the value of `b' depends on itself:\n  `b' -> `a' -> `b'");
}

TEST(ConformanceFixpoint, AConditionOnItsOwnOptionIsACycle) {
  EXPECT_EQ(message_of<cf::condition_cycle>("a"),
            "infinite recursion encountered: the value of `a' depends on itself:\n  `a' -> `a'");
}

TEST(ConformanceFixpoint, ACycleThroughSubmoduleInstancesNamesTheirFields) {
  EXPECT_EQ(message_of<cf::instance_cycle>("hosts.one.port"),
            "infinite recursion encountered: the value of `hosts.one.port' depends on itself:\n  `hosts.one.port' -> "
            "`hosts.two.port' -> `hosts.one.port'");
}

TEST(ConformanceFixpoint, InstanceNamesThatDependOnThemselvesAreACycle) {
  EXPECT_CONTAINS(message_of<cf::names_cycle>("hosts"),
                  "infinite recursion encountered: the value of `hosts (its names)' depends on itself:");
}

TEST(ConformanceFixpoint, ErrorsInsideReadsNameTheOptionsBeingEvaluated) {
  auto m = error_of<cf::two_option_cycle>("a");
  auto inner = m.find("… while evaluating the option `b'");
  auto outer = m.find("… while evaluating the option `a'");
  EXPECT_NE(inner, std::string::npos) << m;
  EXPECT_NE(outer, std::string::npos) << m;
  EXPECT_LT(inner, outer);
}

// ---- read-only options, values that are missing --------------------------------------------

namespace conformance_values {
using namespace cairn;

inline constexpr int ro_line = __LINE__ + 1;
inline constexpr option<"ro", types::int_> ro{{.default_value = 1, .read_only = true}};
inline constexpr option<"roNoDefault", types::int_> ro_no_default{{.read_only = true}};
inline constexpr option<"required", types::int_> required{};
inline constexpr option<"list", types::list_of<types::str>> list_option{};
inline constexpr option<"set", types::attrs_of<types::str>> set_option{};
inline constexpr option<"maybe", types::null_or<types::str>> maybe{};
inline constexpr option<"once", types::unique<types::list_of<types::str>>> once{};
inline constexpr option<"record", types::submodule> record{};
inline constexpr option<"record.field", types::str> record_field{{.default_value = "default"}};
struct decls {
  static constexpr auto options =
      declare(ro, ro_no_default, required, list_option, set_option, maybe, once, record, record_field);
};

struct read_only_default {
  using imports = cairn::imports<decls>;
  static constexpr void config(definitions& d) { d.set(ro_no_default, 2); }
};
struct read_only_set {
  static constexpr int line = __LINE__ + 2;
  using imports = cairn::imports<decls>;
  static constexpr void config(definitions& d) { d.set(ro, mk_force(2)); }
};
struct read_only_set_twice {
  static constexpr int line = __LINE__ + 3;
  using imports = cairn::imports<decls>;
  static constexpr void config(definitions& d) {
    d.set(ro_no_default, 2);
    d.set(ro_no_default, 2);
  }
};
struct nothing_defined {
  using imports = cairn::imports<decls>;
};

}  // namespace conformance_values

namespace cv = conformance_values;

TEST(ConformanceValues, ReadOnlyOptionsKeepTheirDefaultOrTheirOneDefinition) {
  evaluation<cv::read_only_default> t;
  EXPECT_EQ(t["ro"].as_int(), 1);
  EXPECT_EQ(t["roNoDefault"].as_int(), 2);
}

TEST(ConformanceValues, AReadOnlyOptionWithADefaultCannotBeSetEvenWithMkForce) {
  EXPECT_EQ(message_of<cv::read_only_set>("ro"),
            "The option `ro' is read-only, but it's set multiple times. Definition values:\n- In `" +
                CAIRN_AT(cv::ro_line) + "': 1\n- In `" + CAIRN_AT(cv::read_only_set::line) + "': 2");
}

TEST(ConformanceValues, AReadOnlyOptionSetTwiceEvenToEqualValues) {
  EXPECT_EQ(message_of<cv::read_only_set_twice>("roNoDefault"),
            "The option `roNoDefault' is read-only, but it's set multiple times. Definition values:\n- In `" +
                CAIRN_AT(cv::read_only_set_twice::line) + "': 2\n- In `" +
                CAIRN_AT(cv::read_only_set_twice::line + 1) + "': 2");
}

TEST(ConformanceValues, AnOptionWithoutDefinitionOrEmptyValueWasAccessedButHasNoValue) {
  EXPECT_EQ(message_of<cv::nothing_defined>("required"),
            "The option `required' was accessed but has no value defined. Try setting the option.");
}

TEST(ConformanceValues, UnsetContainersNullablesAndSubmodulesHaveTheirEmptyValue) {
  evaluation<cv::nothing_defined> t;
  EXPECT_EQ(t.json("list"), "[]");
  EXPECT_EQ(t.json("set"), "{}");
  EXPECT_EQ(t.json("maybe"), "null");
  EXPECT_EQ(t.json("once"), "[]");
  EXPECT_EQ(t.json("record"), R"({"field":"default"})");
}

// ---- "does not exist" and did-you-mean ---------------------------------------------------------

namespace conformance_missing {
using namespace cairn;

inline constexpr auto svc_enable = enable_option<"svc.enable">("svc");
inline constexpr option<"svc.ports", types::list_of<types::port>> svc_ports{};
inline constexpr int svc_port_line = __LINE__ + 1;
inline constexpr option<"svc.port", types::port> svc_port{};  // declared by no imported module
struct svc {
  static constexpr auto options = declare(svc_enable, svc_ports);
};
struct defines_undeclared {
  static constexpr int line = __LINE__ + 2;
  using imports = cairn::imports<svc>;
  static constexpr void config(definitions& d) { d.set(svc_port, 22); }
};

inline constexpr auto set_enable = enable_option<"set.enable">("set");
inline constexpr auto sea_enable = enable_option<"sea.enable">("sea");
struct declares_set {
  static constexpr auto options = declare(set_enable);
};
struct first_unmatched_segment {
  static constexpr int line = __LINE__ + 2;
  using imports = cairn::imports<declares_set>;
  static constexpr void config(definitions& d) { d.set(sea_enable, true); }
};

inline constexpr option<"s.aa", types::int_> s_aa{};
inline constexpr option<"s.ab", types::int_> s_ab{};
inline constexpr option<"s.ac", types::int_> s_ac{};
inline constexpr option<"s.ad", types::int_> s_ad{};
inline constexpr option<"s.ax", types::int_> s_ax{};
inline constexpr option<"s.zzzzzzzz", types::int_> s_far{};
struct four_siblings {
  static constexpr auto options = declare(s_ad, s_ac, s_ab, s_aa);
};
struct top_three {
  using imports = cairn::imports<four_siblings>;
  static constexpr void config(definitions& d) { d.set(s_ax, 1); }
};
struct far_with_few_candidates {
  using imports = cairn::imports<four_siblings>;
  static constexpr void config(definitions& d) { d.set(s_far, 1); }
};

// Many siblings: "b.f0" .. "b.f99" (100) and "m.f0" .. "m.f98" (99).
template <char Prefix, std::size_t I>
constexpr auto numbered_path() {
  constexpr std::size_t digits = I < 10 ? 1 : (I < 100 ? 2 : 3);
  fixed_string<4 + digits> out;  // "b.f", the digits, the terminator
  out.data[0] = Prefix;
  out.data[1] = '.';
  out.data[2] = 'f';
  std::size_t n = I;
  for (std::size_t k = digits; k-- > 0;) {
    out.data[3 + k] = static_cast<char>('0' + n % 10);
    n /= 10;
  }
  return out;
}
template <char Prefix, std::size_t I>
inline constexpr option<numbered_path<Prefix, I>(), types::int_> numbered{};
template <char Prefix, std::size_t... I>
constexpr auto declare_numbered(std::index_sequence<I...>) {
  return declare(numbered<Prefix, I>...);
}
struct hundred {
  static constexpr auto options = declare_numbered<'b'>(std::make_index_sequence<100>{});
};
struct ninety_nine {
  static constexpr auto options = declare_numbered<'m'>(std::make_index_sequence<99>{});
};
inline constexpr option<"b.f5x", types::int_> b_near{};
inline constexpr option<"b.zzzzzz", types::int_> b_far{};
inline constexpr option<"m.zzzzzz", types::int_> m_far{};
struct near_among_hundred {
  using imports = cairn::imports<hundred>;
  static constexpr void config(definitions& d) { d.set(b_near, 1); }
};
struct far_among_hundred {
  using imports = cairn::imports<hundred>;
  static constexpr void config(definitions& d) { d.set(b_far, 1); }
};
struct far_among_ninety_nine {
  using imports = cairn::imports<ninety_nine>;
  static constexpr void config(definitions& d) { d.set(m_far, 1); }
};

struct declares_nothing {
  static constexpr void config(definitions& d) { d.set(s_aa, 1); }
};

}  // namespace conformance_missing

namespace cm = conformance_missing;

TEST(ConformanceMissing, DefiningAnOptionNoImportedModuleDeclaresDoesNotExist) {
  EXPECT_EQ(message_of<cm::defines_undeclared>("svc.enable"),
            "The option `svc.port' does not exist. Definition values:\n- In `" +
                CAIRN_AT(cm::defines_undeclared::line) +
                "': 22\n\nDid you mean `svc.ports' or `svc.enable'?\n\nThe option is declared in C++ but its module "
                "is not imported by this host; add it to the imports of a module that uses it (declared at " +
                CAIRN_AT(cm::svc_port_line) + ").");
}

TEST(ConformanceMissing, TheFirstSegmentWithoutDeclarationIsReportedWithTheValueBelowIt) {
  auto m = message_of<cm::first_unmatched_segment>("set.enable");
  EXPECT_CONTAINS(m, "The option `sea' does not exist. Definition values:\n- In `" +
                         CAIRN_AT(cm::first_unmatched_segment::line) +
                         "':\n    {\n      enable = true;\n    }\n\nDid you mean `set'?");
}

TEST(ConformanceMissing, SuggestionsAreTheThreeClosestTiesAlphabetical) {
  EXPECT_CONTAINS(message_of<cm::top_three>("s.aa"), "\n\nDid you mean `s.aa', `s.ab' or `s.ac'?");
}

TEST(ConformanceMissing, WithFewerThanAHundredCandidatesEvenFarNamesAreSuggested) {
  EXPECT_CONTAINS(message_of<cm::far_with_few_candidates>("s.aa"), "\n\nDid you mean `s.aa', `s.ab' or `s.ac'?");
  EXPECT_CONTAINS(message_of<cm::far_among_ninety_nine>("m.f0"), "\n\nDid you mean `m.");
}

TEST(ConformanceMissing, WithAHundredCandidatesOnlyNamesWithinDistanceTwo) {
  EXPECT_CONTAINS(message_of<cm::near_among_hundred>("b.f0"), "\n\nDid you mean `b.f5', `b.f50' or `b.f51'?");
  EXPECT_EQ(message_of<cm::far_among_hundred>("b.f0").find("Did you mean"), std::string::npos);
}

TEST(ConformanceMissing, NoOptionsDeclaredAtAll) {
  EXPECT_CONTAINS(message_of<cm::declares_nothing>(),
                  "The option `s' does not exist. Definition values:");
  EXPECT_CONTAINS(message_of<cm::declares_nothing>(),
                  "It seems as if you're trying to define an option that no imported module declares.");
}

// ---- provenance ---------------------------------------------------------------------------

namespace conformance_provenance {
using namespace cairn;

inline constexpr int x_line = __LINE__ + 1;
inline constexpr option<"x", types::int_> x{{.default_value = 1}};
constexpr bool never(const cairn::config&) { return false; }
struct host {
  static constexpr int line = __LINE__ + 3;
  static constexpr auto options = declare(x);
  static constexpr void config(definitions& d) {
    d.set(x, mk_default(3));
    d.set(x, 4);
    d.set(x, mk_if(never, mk_force(9)));
  }
};

}  // namespace conformance_provenance

namespace cpv = conformance_provenance;

TEST(ConformanceProvenance, ExplainGivesEveryDefinitionWithFileLinePriorityAndFate) {
  evaluation<cpv::host> t;
  auto reports = t.e.explain({"x"});
  ASSERT_EQ(reports.size(), 4u);
  auto file = std::string(__FILE__);
  EXPECT_EQ(reports[0].file, file);
  EXPECT_EQ(reports[0].line, static_cast<std::uint32_t>(cpv::x_line));
  EXPECT_TRUE(reports[0].is_default);
  EXPECT_EQ(reports[0].priority, 1500);
  EXPECT_FALSE(reports[0].wins);
  EXPECT_EQ(reports[1].line, static_cast<std::uint32_t>(cpv::host::line));
  EXPECT_EQ(reports[1].priority, 1000);
  EXPECT_FALSE(reports[1].wins);
  EXPECT_EQ(reports[2].line, static_cast<std::uint32_t>(cpv::host::line + 1));
  EXPECT_EQ(reports[2].priority, 100);
  EXPECT_TRUE(reports[2].wins);
  EXPECT_EQ(reports[2].v, cairn::value(4));
  EXPECT_EQ(reports[3].line, static_cast<std::uint32_t>(cpv::host::line + 2));
  EXPECT_EQ(reports[3].priority, 50);
  EXPECT_FALSE(reports[3].condition_holds);
  EXPECT_FALSE(reports[3].wins);
}

// ---- assertions and warnings ------------------------------------------------------------------

namespace conformance_assertions {
using namespace cairn;
namespace assertions = cairn::modules::assertions;

inline constexpr option<"port", types::port> port{{.default_value = 0}};
inline constexpr auto legacy = enable_option<"legacy.enable">("the legacy mode");
struct checked {
  using imports = cairn::imports<assertions::module>;
  static constexpr auto options = declare(port, legacy);
  static constexpr void config(definitions& d) {
    d.set(assertions::assertions,
          assertions::require([](const cairn::config& c) { return c[port] != 0; }, "port must not be 0"));
    d.set(assertions::warnings, mk_if(legacy, std::vector<std::string>{"legacy mode is deprecated"}));
  }
};
struct also_checked {
  static constexpr void config(definitions& d) {
    d.set(assertions::assertions, assertions::require([](const cairn::config&) { return false; },
                                                      [](const cairn::config& c) {
                                                        return "port is " + cairn::to_string(c[port]);
                                                      }));
    d.set(assertions::warnings, {"first warning"});
  }
};
struct failing {
  using imports = cairn::imports<checked, also_checked>;
  static constexpr void config(definitions& d) { d.set(legacy, true); }
};
struct passing {
  using imports = cairn::imports<checked>;
  static constexpr void config(definitions& d) { d.set(port, 22); }
};
struct no_assertions_module {
  static constexpr auto options = declare(port);
};

}  // namespace conformance_assertions

namespace ca = conformance_assertions;

TEST(ConformanceAssertions, EveryFailedAssertionIsListedInDefinitionOrder) {
  evaluation<ca::failing> t;
  auto failed = cairn::failed_assertions(t.e);
  EXPECT_EQ(failed, (std::vector<std::string>{"port is 0", "port must not be 0"}));
  EXPECT_EQ(cairn::detail::messages::failed_assertions(failed),
            "Failed assertions:\n- port is 0\n- port must not be 0");
}

TEST(ConformanceAssertions, WarningsAreCollectedInDefinitionOrder) {
  evaluation<ca::failing> t;
  EXPECT_EQ(cairn::warnings(t.e), (std::vector<std::string>{"first warning", "legacy mode is deprecated"}));
}

TEST(ConformanceAssertions, PassingAssertionsAndNoWarnings) {
  evaluation<ca::passing> t;
  EXPECT_TRUE(cairn::failed_assertions(t.e).empty());
  EXPECT_TRUE(cairn::warnings(t.e).empty());
}

TEST(ConformanceAssertions, WithoutTheAssertionsModuleThereAreNone) {
  evaluation<ca::no_assertions_module> t;
  EXPECT_TRUE(cairn::failed_assertions(t.e).empty());
  EXPECT_TRUE(cairn::warnings(t.e).empty());
}

// ---- meta -------------------------------------------------------------------------------------

namespace conformance_meta {
using namespace cairn;

inline constexpr option<"hostName", types::str> host_name{};
inline constexpr option<"motd", types::str> motd{};
struct uses_meta {
  static constexpr auto options = declare(host_name, motd);
  static constexpr void config(definitions& d) {
    d.set(host_name, mk_default(d.meta().hostname));
    d.set(motd, [](const cairn::config& c) { return "Welcome to " + c[host_name] + " (" +
                                                     std::string(c.meta().state_version) + ")"; });
  }
};
struct host {
  static constexpr cairn::meta meta{.hostname = "demo", .state_version = "0.1"};
  using imports = cairn::imports<uses_meta>;
};

}  // namespace conformance_meta

TEST(ConformanceMeta, EveryModuleSeesTheHostsMetaWhileRegisteringAndEvaluating) {
  evaluation<conformance_meta::host> t;
  EXPECT_EQ(t["hostName"].as_string(), "demo");
  EXPECT_EQ(t["motd"].as_string(), "Welcome to demo (0.1)");
}

// ---- the same at compile time -----------------------------------------------------------------

namespace conformance_compile_time {
using namespace cairn;
using cairn::testing::compile_time_error_of;

template <class Host>
constexpr value read_at_compile_time(std::string_view path) {
  evaluator e(module_info_of<Host>(), detail::meta_of<Host>());
  return e.read(path);
}

struct instances {
  static constexpr auto options = declare(cf::hosts, cf::host_port);
  static constexpr void config(definitions& d) {
    d.set(cf::host_port("one"), 1);
    d.set(cf::host_port("two"), [](const cairn::config& c) { return c[cf::host_port("one")] + 1; });
  }
};

inline constexpr option<"port", types::port> port{};
struct port_a {
  static constexpr void config(definitions& d) { d.set(port, 22); }
};
struct port_conflict {
  static constexpr auto options = declare(port);
  using imports = cairn::imports<port_a>;
  static constexpr void config(definitions& d) { d.set(port, 2222); }
};
struct port_out_of_range {
  static constexpr auto options = declare(port);
  static constexpr void config(definitions& d) { d.set(port, 70000); }
};

}  // namespace conformance_compile_time

CAIRN_CHECK_AT_COMPILE_TIME(conformance_assertions::passing);
CAIRN_CHECK_AT_COMPILE_TIME(conformance_compile_time::instances);

namespace cct = conformance_compile_time;

TEST(ConformanceCompileTime, OrderPrioritiesAndTheFixpointEvaluateInTheCompiler) {
  using cairn::list;
  using cairn::value;
  static_assert(cct::read_at_compile_time<ci::diamond>("l") == value(list{value(3), value(2), value(1), value(0)}));
  static_assert(cct::read_at_compile_time<cpv::host>("x") == value(4));
  static_assert(cct::read_at_compile_time<cf::chain>("a") == value(3));
  static_assert(cct::read_at_compile_time<cf::reads_later_module>("greeting") == value("hello world"));
  EXPECT_EQ(evaluation<ci::diamond>{}.json("l"), "[3,2,1,0]");
}

TEST(ConformanceCompileTime, SubmoduleInstancesEvaluateInTheCompiler) {
  static_assert(cct::read_at_compile_time<cct::instances>("hosts.two.port") == cairn::value(2));
  static_assert(cct::read_at_compile_time<cv::nothing_defined>("record.field") == cairn::value("default"));
  EXPECT_EQ(evaluation<cct::instances>{}["hosts.two.port"].as_int(), 2);
}

TEST(ConformanceCompileTime, ErrorsAreRecordedWithTheSameTextAsAtRunTime) {
  static_assert(cct::compile_time_error_of<cf::two_option_cycle>("a") ==
                "infinite recursion encountered: the value of `a' depends on itself:\n  `a' -> `b' -> `a'");
  static_assert(cct::compile_time_error_of<cct::port_conflict>("port").starts_with(
      "The option `port' has conflicting definition values:\n- In `"));
  static_assert(cct::compile_time_error_of<cct::port_out_of_range>("port").starts_with(
      "A definition for option `port' is not of type `16 bit unsigned integer; between 0 and 65535 (both "
      "inclusive)'."));
  static_assert(cct::compile_time_error_of<cv::read_only_set>("ro").starts_with(
      "The option `ro' is read-only, but it's set multiple times."));
  EXPECT_TRUE(message_of<cct::port_conflict>("port").starts_with(
      "The option `port' has conflicting definition values:\n- In `"));
}

TEST(ConformanceCompileTime, FailedAssertionsAreFoundByTheCompiler) {
  // Diagnostics print template arguments on one line: newlines become " | ".
  static_assert(cairn::detail::compile_time_evaluation<ca::failing>() ==
                "Failed assertions: | - port is 0 | - port must not be 0");
  static_assert(cairn::detail::compile_time_evaluation<ca::passing>().empty());
  SUCCEED();
}
