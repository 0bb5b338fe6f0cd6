// Conformance with NixOS's lib.modules: priorities (mkOverride and friends), order (mkOrder),
// conditions (mkIf, pushed down) and grouping (mkMerge). Reference: module-system.md §1.2, §2.
#include "support.hpp"

using cairn::testing::evaluation;
using cairn::testing::message_of;

namespace conformance_priorities {
using namespace cairn;

inline constexpr option<"x", types::int_> x{{.default_value = 1}};
inline constexpr option<"n", types::int_> n{};
inline constexpr option<"l", types::list_of<types::int_>> l{};
inline constexpr option<"text", types::lines> text{};
inline constexpr auto enable = enable_option<"feature.enable">("the feature");
inline constexpr option<"b", types::bool_> b{};

struct decls {
  static constexpr auto options = declare(x, n, l, text, enable, b);
};

// ---- priorities ----------------------------------------------------------------------------

struct only_default {
  using imports = cairn::imports<decls>;
};
struct mk_default_over_default {
  using imports = cairn::imports<decls>;
  static constexpr void config(definitions& d) { d.set(x, mk_default(3)); }
};
struct plain_over_mk_default {
  using imports = cairn::imports<decls>;
  static constexpr void config(definitions& d) {
    d.set(x, mk_default(3));
    d.set(x, 4);
  }
};
struct force_over_plain {
  using imports = cairn::imports<decls>;
  static constexpr void config(definitions& d) {
    d.set(x, mk_force(5));
    d.set(x, 4);
  }
};
struct override_numbers {
  using imports = cairn::imports<decls>;
  static constexpr void config(definitions& d) {
    d.set(x, mk_override(10, 10));
    d.set(x, mk_force(50));
    d.set(x, mk_override(60, 60));
    d.set(x, mk_override(0, 0));
    d.set(x, 100);
  }
};
struct negative_override {
  using imports = cairn::imports<decls>;
  static constexpr void config(definitions& d) {
    d.set(x, mk_override(0, 0));
    d.set(x, mk_override(-5, -5));
  }
};
struct two_defaults_conflict {
  using imports = cairn::imports<decls>;
  static constexpr void config(definitions& d) {
    d.set(b, mk_default(true));
    d.set(b, mk_default(false));
  }
};
struct option_default_competes {
  using imports = cairn::imports<decls>;
  static constexpr void config(definitions& d) { d.set(x, mk_option_default(42)); }
};
inline constexpr option<"withDefault", types::list_of<types::int_>> with_default{{.default_value = {{1}}}};
struct option_default_list {
  static constexpr auto options = declare(with_default);
  static constexpr void config(definitions& d) { d.set(with_default, mk_option_default({2})); }
};
struct plain_silences_list_default {
  static constexpr auto options = declare(with_default);
  static constexpr void config(definitions& d) { d.set(with_default, {2}); }
};
inline constexpr option<"port", types::port> port{};
struct losing_definition_not_checked {
  static constexpr auto options = declare(port);
  static constexpr void config(definitions& d) {
    d.set(port, mk_default(70000));  // out of range, but at a losing priority
    d.set(port, 22);
  }
};
struct winning_definition_checked {
  static constexpr auto options = declare(port);
  static constexpr void config(definitions& d) {
    d.set(port, mk_force(70000));
    d.set(port, 22);
  }
};
struct forced_list_drops_plain_lists {
  using imports = cairn::imports<decls>;
  static constexpr void config(definitions& d) {
    d.set(l, {1});
    d.set(l, mk_force({2}));
    d.set(l, {3});
    d.set(l, mk_force({4}));
  }
};
struct priorities_inside_merge {
  using imports = cairn::imports<decls>;
  static constexpr void config(definitions& d) { d.set(l, mk_merge(mk_default(std::vector{1}), std::vector{2})); }
};

}  // namespace conformance_priorities

namespace cp = conformance_priorities;

TEST(ConformancePriorities, OptionDefaultIsUsedWhenNothingElseIsDefined) {
  evaluation<cp::only_default> t;
  EXPECT_EQ(t["x"].as_int(), 1);
}

TEST(ConformancePriorities, MkDefaultBeatsTheOptionDefault) {
  evaluation<cp::mk_default_over_default> t;
  EXPECT_EQ(t["x"].as_int(), 3);
}

TEST(ConformancePriorities, PlainDefinitionBeatsMkDefault) {
  evaluation<cp::plain_over_mk_default> t;
  EXPECT_EQ(t["x"].as_int(), 4);
}

TEST(ConformancePriorities, MkForceBeatsPlainDefinitions) {
  evaluation<cp::force_over_plain> t;
  EXPECT_EQ(t["x"].as_int(), 5);
}

TEST(ConformancePriorities, MkOverrideZeroBeatsEveryNamedPriority) {
  evaluation<cp::override_numbers> t;
  EXPECT_EQ(t["x"].as_int(), 0);
}

TEST(ConformancePriorities, NegativePrioritiesAreAllowedAndWin) {
  evaluation<cp::negative_override> t;
  EXPECT_EQ(t["x"].as_int(), -5);
}

TEST(ConformancePriorities, TwoDifferingMkDefaultsConflictLikePlainOnes) {
  EXPECT_CONTAINS(message_of<cp::two_defaults_conflict>("b"), "The option `b' has conflicting definition values:");
}

TEST(ConformancePriorities, MkOptionDefaultCompetesWithTheDeclaredDefault) {
  // Both at 1500: the default is prepended, so it is the first definition.
  auto m = message_of<cp::option_default_competes>("x");
  EXPECT_CONTAINS(m, "The option `x' has conflicting definition values:\n- In `");
  EXPECT_CONTAINS(m, "': 1\n- In `");
  EXPECT_CONTAINS(m, "': 42\n");
}

TEST(ConformancePriorities, MkOptionDefaultOnAListConcatenatesAfterTheDefault) {
  evaluation<cp::option_default_list> t;
  EXPECT_EQ(t.json("withDefault"), "[1,2]");
}

TEST(ConformancePriorities, AnyPlainDefinitionSilencesTheDefaultCompletely) {
  evaluation<cp::plain_silences_list_default> t;
  EXPECT_EQ(t.json("withDefault"), "[2]");
}

TEST(ConformancePriorities, LowerPriorityDefinitionsAreDroppedBeforeTypeChecking) {
  evaluation<cp::losing_definition_not_checked> t;
  EXPECT_EQ(t["port"].as_int(), 22);
}

TEST(ConformancePriorities, WinningDefinitionsAreTypeChecked) {
  EXPECT_CONTAINS(message_of<cp::winning_definition_checked>("port"),
                  "A definition for option `port' is not of type `16 bit unsigned integer; between 0 and 65535 "
                  "(both inclusive)'. Definition values:\n- In `");
}

TEST(ConformancePriorities, OnlyDefinitionsAtTheWinningPriorityAreMerged) {
  evaluation<cp::forced_list_drops_plain_lists> t;
  EXPECT_EQ(t.json("l"), "[2,4]");
}

TEST(ConformancePriorities, PrioritiesInsideMkMergeApplyPerDefinition) {
  evaluation<cp::priorities_inside_merge> t;
  EXPECT_EQ(t.json("l"), "[2]");
}

// ---- order ---------------------------------------------------------------------------------

namespace conformance_order {
using namespace cairn;
using cp::l;
using cp::text;

struct before_and_after {
  using imports = cairn::imports<cp::decls>;
  static constexpr void config(definitions& d) {
    d.set(l, {1});
    d.set(l, mk_after({3}));
    d.set(l, mk_before({0}));
    d.set(l, {2});
  }
};
struct order_numbers {
  using imports = cairn::imports<cp::decls>;
  static constexpr void config(definitions& d) {
    d.set(l, mk_order(1200, {12}));
    d.set(l, mk_order(-1, {-1}));
    d.set(l, {10});
    d.set(l, mk_order(600, {6}));
    d.set(l, mk_after({15}));
    d.set(l, mk_before({5}));
  }
};

// modules = [ sib sib2 ]; sib sets [0] and imports {[1]}, {[2]; imports [{[21]}]}, {[3]};
// sib2 sets [100]: NixOS gives [ 21 3 2 1 100 0 ].
struct i21 {
  static constexpr void config(definitions& d) { d.set(l, {21}); }
};
struct i1 {
  static constexpr void config(definitions& d) { d.set(l, {1}); }
};
struct i2 {
  using imports = cairn::imports<i21>;
  static constexpr void config(definitions& d) { d.set(l, {2}); }
};
struct i3 {
  static constexpr void config(definitions& d) { d.set(l, {3}); }
};
struct sib {
  using imports = cairn::imports<i1, i2, i3>;
  static constexpr void config(definitions& d) { d.set(l, {0}); }
};
struct sib2 {
  static constexpr void config(definitions& d) { d.set(l, {100}); }
};
struct reverse_bfs {
  using imports = cairn::imports<cp::decls, sib, sib2>;
};

struct first_before {
  static constexpr void config(definitions& d) { d.set(l, mk_before({1})); }
};
struct second_before {
  static constexpr void config(definitions& d) { d.set(l, mk_before({2})); }
};
struct ties_keep_definition_order {
  using imports = cairn::imports<cp::decls, first_before, second_before>;
  static constexpr void config(definitions& d) { d.set(l, {0}); }
};

struct merge_keeps_order {
  using imports = cairn::imports<cp::decls>;
  static constexpr void config(definitions& d) {
    d.set(l, mk_merge(std::vector{1}, std::vector{2}, mk_before(std::vector{0})));
  }
};
struct force_around_before {
  using imports = cairn::imports<cp::decls>;
  static constexpr void config(definitions& d) {
    d.set(l, {1});
    d.set(l, mk_force(mk_before({0})));
  }
};
struct order_after_priority_filter {
  using imports = cairn::imports<cp::decls>;
  static constexpr void config(definitions& d) {
    d.set(l, mk_default(mk_before({0})));  // dropped: mk_default loses to plain
    d.set(l, mk_after({2}));
    d.set(l, {1});
  }
};

struct lines_a {
  static constexpr void config(definitions& d) { d.set(text, "from a"); }
};
struct lines_b {
  static constexpr void config(definitions& d) { d.set(text, "from b"); }
};
struct lines_in_definition_order {
  using imports = cairn::imports<cp::decls, lines_a, lines_b>;
  static constexpr void config(definitions& d) {
    d.set(text, "from host");
    d.set(text, mk_before("first"));
  }
};

}  // namespace conformance_order

namespace co = conformance_order;

TEST(ConformanceOrder, MkBeforeFirstMkAfterLastPlainInDefinitionOrder) {
  evaluation<co::before_and_after> t;
  EXPECT_EQ(t.json("l"), "[0,1,2,3]");
}

TEST(ConformanceOrder, MkOrderSortsByNumberIncludingNegativeOnes) {
  evaluation<co::order_numbers> t;
  EXPECT_EQ(t.json("l"), "[-1,5,6,10,12,15]");
}

TEST(ConformanceOrder, DefinitionOrderIsTheReverseOfBreadthFirstImportOrder) {
  evaluation<co::reverse_bfs> t;
  EXPECT_EQ(t.json("l"), "[21,3,2,1,100,0]");
}

TEST(ConformanceOrder, TiesAtTheSameOrderKeepDefinitionOrder) {
  // BFS: host, decls, first_before, second_before; reversed: second before first.
  evaluation<co::ties_keep_definition_order> t;
  EXPECT_EQ(t.json("l"), "[2,1,0]");
}

TEST(ConformanceOrder, MkMergeKeepsItsOrderInsideOneModule) {
  evaluation<co::merge_keeps_order> t;
  EXPECT_EQ(t.json("l"), "[0,1,2]");
}

TEST(ConformanceOrder, MkForceAroundMkBeforeKeepsBoth) {
  evaluation<co::force_around_before> t;
  EXPECT_EQ(t.json("l"), "[0]");
}

TEST(ConformanceOrder, OrderIsAppliedAfterPriorityFiltering) {
  evaluation<co::order_after_priority_filter> t;
  EXPECT_EQ(t.json("l"), "[1,2]");
}

TEST(ConformanceOrder, LinesJoinInDefinitionOrderWithMkBefore) {
  evaluation<co::lines_in_definition_order> t;
  EXPECT_EQ(t["text"].as_string(), "first\nfrom b\nfrom a\nfrom host");
}

// ---- mkIf and mkMerge, pushed down -----------------------------------------------------------

namespace conformance_conditions {
using namespace cairn;
using cp::enable;
using cp::l;
using cp::n;
using cp::x;

constexpr bool never(const cairn::config&) { return false; }
constexpr bool always(const cairn::config&) { return true; }

struct if_false_no_priority {
  using imports = cairn::imports<cp::decls>;
  static constexpr void config(definitions& d) {
    d.set(x, mk_if(never, mk_force(7)));
    d.set(x, 2);
  }
};
struct if_true_with_force {
  using imports = cairn::imports<cp::decls>;
  static constexpr void config(definitions& d) {
    d.set(x, mk_if(always, mk_force(7)));
    d.set(x, 2);
  }
};
struct when_false_no_priority {
  using imports = cairn::imports<cp::decls>;
  static constexpr void config(definitions& d) {
    d.when(false).set(x, mk_force(7));
    d.when(never).set(x, mk_force(8));
    d.set(x, 2);
  }
};
// A module whose definitions depend on its own enable option: NixOS's config = mkIf cfg.enable {...}.
struct service {
  using imports = cairn::imports<cp::decls>;
  static constexpr void config(definitions& d) {
    auto on = d.when(enable);
    on.set(n, 80);
    on.set(l, {1});
  }
};
struct service_enabled {
  using imports = cairn::imports<service>;
  static constexpr void config(definitions& d) { d.set(enable, true); }
};
struct service_disabled {
  using imports = cairn::imports<service>;
};
struct condition_reads_other_option {
  using imports = cairn::imports<cp::decls>;
  static constexpr void config(definitions& d) {
    d.set(n, 3);
    d.when([](const cairn::config& c) { return c[n] > 2; }).set(l, {1});
    d.when([](const cairn::config& c) { return c[n] > 5; }).set(l, {2});
  }
};
struct nested_scopes {
  using imports = cairn::imports<cp::decls>;
  static constexpr void config(definitions& d) {
    d.set(enable, true);
    auto on = d.when(enable);
    on.set(l, {1});
    on.when(never).set(l, {2});
    on.when(always).set(l, {3});
  }
};
struct merge_with_ifs {
  using imports = cairn::imports<cp::decls>;
  static constexpr void config(definitions& d) {
    d.set(l, mk_merge(mk_if(never, std::vector{1}), std::vector{2}, mk_if(always, std::vector{3})));
  }
};
struct condition_defined_by_a_later_module {
  static constexpr void config(definitions& d) { d.set(cp::l, mk_if(enable, std::vector{5})); }
};
struct enabler {
  static constexpr void config(definitions& d) { d.set(enable, mk_force(true)); }
};
struct conditions_read_the_final_config {
  using imports = cairn::imports<cp::decls, condition_defined_by_a_later_module, enabler>;
  static constexpr void config(definitions& d) { d.set(enable, false); }
};
struct scope_only_affects_its_definitions {
  using imports = cairn::imports<cp::decls>;
  static constexpr void config(definitions& d) {
    d.when(false).set(n, 1);
    d.set(l, {4});
  }
};
struct all_definitions_false {
  using imports = cairn::imports<cp::decls>;
  static constexpr void config(definitions& d) {
    d.set(n, mk_if(never, 1));
    d.when(never).set(n, 2);
  }
};
inline constexpr option<"flags", types::attrs_of<types::int_>> flags{};
struct attribute_names_removed_by_if {
  static constexpr auto options = declare(flags);
  static constexpr void config(definitions& d) {
    d.set(flags("kept"), 1);
    d.set(flags("gone"), mk_if(never, 2));
    d.when(never).set(flags("alsoGone"), 3);
  }
};

}  // namespace conformance_conditions

namespace cc = conformance_conditions;

TEST(ConformanceConditions, MkIfFalseContributesNothingNotEvenAPriority) {
  evaluation<cc::if_false_no_priority> t;
  EXPECT_EQ(t["x"].as_int(), 2);
}

TEST(ConformanceConditions, MkIfAroundMkForceWorks) {
  evaluation<cc::if_true_with_force> t;
  EXPECT_EQ(t["x"].as_int(), 7);
}

TEST(ConformanceConditions, FalseWhenScopesContributeNothingNotEvenAPriority) {
  evaluation<cc::when_false_no_priority> t;
  EXPECT_EQ(t["x"].as_int(), 2);
}

TEST(ConformanceConditions, ModuleDefinitionsUnderItsOwnEnableOption) {
  evaluation<cc::service_enabled> on;
  EXPECT_EQ(on["n"].as_int(), 80);
  EXPECT_EQ(on.json("l"), "[1]");
  evaluation<cc::service_disabled> off;
  EXPECT_EQ(off.json("l"), "[]");
  EXPECT_CONTAINS(message_of<cc::service_disabled>("n"), "The option `n' was accessed but has no value defined.");
}

TEST(ConformanceConditions, ConditionsMayReadOtherOptions) {
  evaluation<cc::condition_reads_other_option> t;
  EXPECT_EQ(t.json("l"), "[1]");
}

TEST(ConformanceConditions, NestedScopesRequireEveryCondition) {
  evaluation<cc::nested_scopes> t;
  EXPECT_EQ(t.json("l"), "[1,3]");
}

TEST(ConformanceConditions, MkMergeDischargesItsConditionsOneByOne) {
  evaluation<cc::merge_with_ifs> t;
  EXPECT_EQ(t.json("l"), "[2,3]");
}

TEST(ConformanceConditions, ConditionsSeeTheFinalValueNotTheDefinitionsSoFar) {
  evaluation<cc::conditions_read_the_final_config> t;
  EXPECT_EQ(t["feature.enable"].as_bool(), true);
  EXPECT_EQ(t.json("l"), "[5]");
}

TEST(ConformanceConditions, AScopeOnlyAffectsTheDefinitionsMadeThroughIt) {
  evaluation<cc::scope_only_affects_its_definitions> t;
  EXPECT_EQ(t.json("l"), "[4]");
}

TEST(ConformanceConditions, AnOptionWhoseDefinitionsAllVanishHasNoValue) {
  EXPECT_EQ(message_of<cc::all_definitions_false>("n"),
            "The option `n' was accessed but has no value defined. Try setting the option.");
}

TEST(ConformanceConditions, AttributeNamesWhoseDefinitionsAllVanishAreRemoved) {
  evaluation<cc::attribute_names_removed_by_if> t;
  EXPECT_EQ(t.json("flags"), R"({"kept":1})");
}
