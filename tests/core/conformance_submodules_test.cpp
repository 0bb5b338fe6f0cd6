// Conformance with NixOS's submodules (module-system.md §3.3) and declaration merging (§4.2):
// attrs_of<submodule> instances, fields declared by several modules, per-instance config,
// plain submodule options, and which declarations of one option merge.
#include "support.hpp"

using cairn::testing::evaluation;
using cairn::testing::message_of;

namespace conformance_submodules {
using namespace cairn;

inline constexpr option<"users", types::attrs_of<types::submodule>> users{};
namespace user {
inline constexpr option<"users.<name>.uid", types::null_or<types::int_>> uid{{.default_value = null}};
inline constexpr option<"users.<name>.name", types::str> name{};
inline constexpr option<"users.<name>.groups", types::list_of<types::str>> groups{};
// Declared by another module, as the openssh module adds users.users.<name>.openssh...
inline constexpr option<"users.<name>.ssh.authorizedKeys.keys", types::list_of<types::str>> keys{};
}  // namespace user

struct users_module {
  static constexpr auto options = declare(users, user::uid, user::name, user::groups);
  static constexpr void config(definitions& d) {
    d.each(users, [](instance_definitions& u) { u.set(user::name, mk_default(u.name())); });
  }
};
struct ssh_module {
  using imports = cairn::imports<users_module>;
  static constexpr auto options = declare(user::keys);
};

constexpr bool never(const cairn::config&) { return false; }

struct instances_from_fields {
  using imports = cairn::imports<ssh_module>;
  static constexpr void config(definitions& d) {
    d.set(user::uid("alice"), 1000);
    d.set(user::groups("bob"), {"wheel"});
    d.set(user::keys("alice"), {"ssh-ed25519 AAAA alice"});
  }
};
struct named_explicitly {
  using imports = cairn::imports<ssh_module>;
  static constexpr void config(definitions& d) {
    d.set(user::name("alice"), "Alice");
    d.set(users("eve"), {});
  }
};
struct each_reads_its_instance {
  using imports = cairn::imports<users_module>;
  static constexpr void config(definitions& d) {
    d.set(user::uid("alice"), 1000);
    d.set(user::uid("bob"), 1001);
    d.each(users, [](instance_definitions& u) {
      u.set(user::groups, [](const cairn::config& c) {
        std::vector<std::string> out;
        out.push_back(c[user::name] + "-" + cairn::to_string(c[user::uid].value_or(0)));
        return out;
      });
    });
  }
};
struct names_removed_by_conditions {
  using imports = cairn::imports<users_module>;
  static constexpr void config(definitions& d) {
    d.set(user::uid("alice"), 1);
    d.set(user::uid("carol"), mk_if(never, 3));
    d.when(never).set(user::groups("dave"), {"x"});
    d.set(user::uid("erin"), mk_if(never, 4));
    d.set(user::groups("erin"), {"kept"});
    d.set(users("frank"), mk_if(never, instance{}));
    d.when(never).set(users("gina"), {});
  }
};

// Definition order inside an instance: NixOS evaluates the instance with its definitions as
// modules after the submodule's own modules, then reverses: definitions in outer breadth-first
// order, the submodule's own configuration (each()) last.
struct groups_a {
  static constexpr void config(definitions& d) { d.set(user::groups("alice"), {"a"}); }
};
struct groups_b {
  static constexpr void config(definitions& d) { d.set(user::groups("alice"), {"b"}); }
};
struct groups_each {
  using imports = cairn::imports<users_module>;
  static constexpr void config(definitions& d) {
    d.each(users, [](instance_definitions& u) { u.set(user::groups, {"each"}); });
  }
};
struct order_inside_instances {
  using imports = cairn::imports<groups_each, groups_a, groups_b>;
  static constexpr void config(definitions& d) { d.set(user::groups("alice"), {"h"}); }
};

struct each_under_false_condition {
  using imports = cairn::imports<users_module>;
  static constexpr void config(definitions& d) {
    d.set(user::uid("alice"), 1);
    d.when(never).each(users, [](instance_definitions& u) { u.set(user::groups, {"never"}); });
  }
};
struct deferred_reads_other_instance {
  using imports = cairn::imports<users_module>;
  static constexpr void config(definitions& d) {
    d.set(user::uid("alice"), 1000);
    d.set(user::uid("bob"), [](const cairn::config& c) { return *c[user::uid("alice")] + 1; });
  }
};
struct whole_instance_values {
  using imports = cairn::imports<users_module>;
  static constexpr void config(definitions& d) {
    attrs alice;
    alice.set("uid", value(5));
    alice.set("groups", value(list{value("from attrs")}));
    attrs all;
    all.set("alice", value(alice));
    d.set(users, value(all));
    d.set(user::uid("alice"), mk_force(6));
    d.set(user::groups("alice"), {"from field"});
  }
};
struct field_does_not_exist {
  static constexpr int line = __LINE__ + 7;
  using imports = cairn::imports<ssh_module>;
  static constexpr void config(definitions& d) {
    attrs alice;
    alice.set("uidd", value(1));
    attrs all;
    all.set("alice", value(alice));
    d.set(users, value(all));
  }
};
struct field_wrong_type {
  static constexpr int line = __LINE__ + 2;
  using imports = cairn::imports<users_module>;
  static constexpr void config(definitions& d) { d.set(user::uid("alice"), value("x")); }
};
struct instance_not_attrs {
  static constexpr int line = __LINE__ + 5;
  using imports = cairn::imports<users_module>;
  static constexpr void config(definitions& d) {
    attrs all;
    all.set("alice", value(5));
    d.set(users, value(all));
  }
};
struct container_not_attrs {
  static constexpr int line = __LINE__ + 2;
  using imports = cairn::imports<users_module>;
  static constexpr void config(definitions& d) { d.set(users, value(list{})); }
};
// A field whose module is not imported, set from each(): it does not exist in the instance.
namespace user {
inline constexpr option<"users.<name>.shell.program", types::str> shell_program{};
}
struct field_not_imported {
  static constexpr int line = __LINE__ + 4;
  using imports = cairn::imports<users_module>;
  static constexpr void config(definitions& d) {
    d.set(user::uid("alice"), 1);
    d.each(users, [](instance_definitions& u) { u.set(user::shell_program, "/bin/sh"); });
  }
};
struct no_users {
  using imports = cairn::imports<ssh_module>;
};

// A plain submodule option: services.web = { port; host; }.
inline constexpr option<"services.web", types::submodule> web{};
namespace web_fields {
inline constexpr option<"services.web.port", types::port> port{{.default_value = 80}};
inline constexpr option<"services.web.host", types::str> host{{.default_value = "localhost"}};
inline constexpr option<"services.web.tls.enable", types::bool_> tls{{.default_value = false}};
}  // namespace web_fields
struct web_module {
  static constexpr auto options = declare(web, web_fields::port, web_fields::host);
};
struct web_tls_module {  // adds a field to the same submodule
  static constexpr auto options = declare(web_fields::tls);
};
struct web_defaults {
  using imports = cairn::imports<web_module, web_tls_module>;
};
struct web_configured {
  using imports = cairn::imports<web_module, web_tls_module>;
  static constexpr void config(definitions& d) {
    d.set(web_fields::port, 8080);
    attrs v;
    v.set("host", value("example.org"));
    d.set(web, value(v));
    d.each(web, [](instance_definitions& w) { w.set(web_fields::tls, [](const cairn::config& c) {
                                                return c[web_fields::port] == 8080; }); });
  }
};
struct web_conflict_a { static constexpr int line = __LINE__; static constexpr void config(definitions& d) { d.set(web_fields::port, 1); } };
struct web_conflict {
  static constexpr int line = __LINE__ + 3;
  using imports = cairn::imports<web_module, web_conflict_a>;
  static constexpr void config(definitions& d) {
    d.set(web_fields::port, 2);
  }
};

}  // namespace conformance_submodules

namespace cs = conformance_submodules;

TEST(ConformanceSubmodules, InstancesComeFromTheDefinitionsOfTheirFields) {
  evaluation<cs::instances_from_fields> t;
  auto c = t.e.root_config();
  EXPECT_EQ(c.names(cs::users), (std::vector<std::string>{"alice", "bob"}));
  EXPECT_EQ(t.json("users.alice"),
            R"({"groups":[],"name":"alice","ssh":{"authorizedKeys":{"keys":["ssh-ed25519 AAAA alice"]}},"uid":1000})");
}

TEST(ConformanceSubmodules, FieldDefaultsApplyInEveryInstance) {
  evaluation<cs::instances_from_fields> t;
  EXPECT_TRUE(t["users.bob.uid"].is_null());
  EXPECT_EQ(t.json("users.bob.groups"), R"(["wheel"])");
  EXPECT_EQ(t.json("users.bob.ssh.authorizedKeys.keys"), "[]");
}

TEST(ConformanceSubmodules, FieldsDeclaredByAnotherModuleReadThroughTheirOption) {
  evaluation<cs::instances_from_fields> t;
  auto c = t.e.root_config();
  EXPECT_EQ(c[cs::user::keys("alice")], (std::vector<std::string>{"ssh-ed25519 AAAA alice"}));
  EXPECT_EQ(c[cs::user::uid("alice")], 1000);
}

TEST(ConformanceSubmodules, EachGivesDefaultsThatDefinitionsOverride) {
  evaluation<cs::named_explicitly> t;
  EXPECT_EQ(t["users.alice.name"].as_string(), "Alice");
  EXPECT_EQ(t["users.eve.name"].as_string(), "eve");
}

TEST(ConformanceSubmodules, AnInstanceDefinedEmptyHasItsDefaults) {
  evaluation<cs::named_explicitly> t;
  EXPECT_EQ(t.json("users.eve"), R"({"groups":[],"name":"eve","ssh":{"authorizedKeys":{"keys":[]}},"uid":null})");
}

TEST(ConformanceSubmodules, EachReadsTheFieldsOfItsOwnInstance) {
  evaluation<cs::each_reads_its_instance> t;
  EXPECT_EQ(t.json("users.alice.groups"), R"(["alice-1000"])");
  EXPECT_EQ(t.json("users.bob.groups"), R"(["bob-1001"])");
}

TEST(ConformanceSubmodules, NamesWhoseDefinitionsAllVanishAreNotInstances) {
  // users.frank = mkIf false {...} and a false scope (pushed down to `users`) remove the name;
  // users.carol.uid = mkIf false 3 still defines users.carol = { uid = mkIf false 3; }, as NixOS.
  evaluation<cs::names_removed_by_conditions> t;
  auto c = t.e.root_config();
  EXPECT_EQ(c.names(cs::users), (std::vector<std::string>{"alice", "carol", "erin"}));
  EXPECT_TRUE(t["users.carol.uid"].is_null());
  EXPECT_TRUE(t["users.erin.uid"].is_null());
}

TEST(ConformanceSubmodules, DefinitionOrderInsideInstances) {
  evaluation<cs::order_inside_instances> t;
  EXPECT_EQ(t.json("users.alice.groups"), R"(["h","a","b","each"])");
}

TEST(ConformanceSubmodules, EachUnderAFalseConditionDoesNotApply) {
  evaluation<cs::each_under_false_condition> t;
  EXPECT_EQ(t.json("users.alice.groups"), "[]");
}

TEST(ConformanceSubmodules, DeferredFieldsReadOtherInstances) {
  evaluation<cs::deferred_reads_other_instance> t;
  EXPECT_EQ(t["users.bob.uid"].as_int(), 1001);
}

TEST(ConformanceSubmodules, WholeInstanceValuesMergeFieldByField) {
  // Both definitions come from one module; inside the instance (its own evaluation, whose
  // module list NixOS reverses) the later one comes first.
  evaluation<cs::whole_instance_values> t;
  EXPECT_EQ(t["users.alice.uid"].as_int(), 6);
  EXPECT_EQ(t.json("users.alice.groups"), R"(["from field","from attrs"])");
}

TEST(ConformanceSubmodules, UndeclaredFieldInAnInstanceDoesNotExist) {
  EXPECT_EQ(message_of<cs::field_does_not_exist>("users.alice.uid"),
            "The option `users.alice.uidd' does not exist. Definition values:\n- In `" +
                CAIRN_AT(cs::field_does_not_exist::line) +
                "': 1\n\nDid you mean `users.alice.uid', `users.alice.name' or `users.alice.ssh'?");
}

TEST(ConformanceSubmodules, FieldsOfModulesNotImportedDoNotExistInTheInstance) {
  auto m = message_of<cs::field_not_imported>("users.alice.uid");
  EXPECT_CONTAINS(m, "The option `users.alice.shell' does not exist. Definition values:\n- In `" +
                         CAIRN_AT(cs::field_not_imported::line) + "':\n    {\n      program = \"/bin/sh\";\n    }");
  EXPECT_CONTAINS(m, "Did you mean `users.alice.name'");
  EXPECT_CONTAINS(m, "its module is not imported");
}

TEST(ConformanceSubmodules, FieldErrorsNameTheFullPath) {
  EXPECT_EQ(message_of<cs::field_wrong_type>("users.alice.uid"),
            "A definition for option `users.alice.uid' is not of type `null or signed integer'. Definition "
            "values:\n- In `" + CAIRN_AT(cs::field_wrong_type::line) + "': \"x\"");
}

TEST(ConformanceSubmodules, AnInstanceMustBeAnAttributeSet) {
  EXPECT_EQ(message_of<cs::instance_not_attrs>("users.alice.uid"),
            "A definition for option `users.alice' is not of type `submodule'. TypeError: Definition values: \n- "
            "In `" + CAIRN_AT(cs::instance_not_attrs::line) + "': 5");
}

TEST(ConformanceSubmodules, AnAttrsOfSubmoduleMustBeAnAttributeSet) {
  EXPECT_EQ(message_of<cs::container_not_attrs>("users"),
            "A definition for option `users' is not of type `attribute set of (submodule)'. TypeError: Definition "
            "values: \n- In `" + CAIRN_AT(cs::container_not_attrs::line) + "': [ ]");
}

TEST(ConformanceSubmodules, UnsetAttrsOfSubmoduleIsEmpty) {
  evaluation<cs::no_users> t;
  EXPECT_EQ(t.json("users"), "{}");
}

TEST(ConformanceSubmodules, ReadingAnInstanceThatIsNotDefinedFails) {
  EXPECT_CONTAINS(message_of<cs::instances_from_fields>("users.nobody.uid"), "`users' has no attribute `nobody'");
}

TEST(ConformanceSubmodules, UnsetPlainSubmoduleIsItsFieldDefaults) {
  evaluation<cs::web_defaults> t;
  EXPECT_EQ(t.json("services.web"), R"({"host":"localhost","port":80,"tls":{"enable":false}})");
}

TEST(ConformanceSubmodules, PlainSubmoduleMergesFieldDefinitionsAndValues) {
  evaluation<cs::web_configured> t;
  EXPECT_EQ(t.json("services.web"), R"({"host":"example.org","port":8080,"tls":{"enable":true}})");
}

TEST(ConformanceSubmodules, PlainSubmoduleFieldConflictNamesTheField) {
  // Outer order: web_conflict_a, then the host; the instance's own evaluation reverses it.
  EXPECT_EQ(message_of<cs::web_conflict>("services.web.port"),
            "The option `services.web.port' has conflicting definition values:\n- In `" +
                CAIRN_AT(cs::web_conflict::line) + "': 2\n- In `" + CAIRN_AT(cs::web_conflict_a::line) +
                "': 1\nUse `mk_force(value)` or `mk_default(value)` to change the priority on any of these "
                "definitions.");
}

// ---- declarations --------------------------------------------------------------------------

namespace conformance_declarations {
using namespace cairn;

inline constexpr option<"mode", types::enum_<"a", "b">> mode_ab{};
inline constexpr option<"mode", types::enum_<"c">> mode_c{};
struct declares_ab {
  static constexpr auto options = declare(mode_ab);
};
struct declares_c {
  static constexpr auto options = declare(mode_c);
};
struct enum_union {
  using imports = cairn::imports<declares_ab, declares_c>;
  static constexpr void config(definitions& d) { d.set(mode_ab, "c"); }
};
struct enum_union_other_value {
  using imports = cairn::imports<declares_ab, declares_c>;
  static constexpr void config(definitions& d) { d.set(mode_c, "a"); }
};

inline constexpr int x_a_line = __LINE__ + 1;
inline constexpr option<"x", types::int_> x_a{{.default_value = 1}};
inline constexpr int x_b_line = __LINE__ + 1;
inline constexpr option<"x", types::int_> x_b{{.default_value = 2}};
inline constexpr int x_c_line = __LINE__ + 1;
inline constexpr option<"x", types::int_> x_c{{.description = "Typed only."}};
inline constexpr option<"x", types::int_> x_typed{};
struct declares_x_a {
  static constexpr auto options = declare(x_a);
};
struct declares_x_b {
  static constexpr auto options = declare(x_b);
};
struct declares_x_c {
  static constexpr auto options = declare(x_c);
};
struct declares_x_typed {
  static constexpr auto options = declare(x_typed);
};
struct two_defaults {
  using imports = cairn::imports<declares_x_a, declares_x_b>;
};
struct three_declarations {
  // Fold order (reverse breadth-first): c, b, a; a's default clashes with b's.
  using imports = cairn::imports<declares_x_a, declares_x_b, declares_x_c>;
};
struct default_and_description_from_different_declarations {
  using imports = cairn::imports<declares_x_a, declares_x_c, declares_x_typed>;
};

inline constexpr int y_int_line = __LINE__ + 1;
inline constexpr option<"y", types::int_> y_int{};
inline constexpr int y_str_line = __LINE__ + 1;
inline constexpr option<"y", types::str> y_str{};
struct declares_y_int {
  static constexpr auto options = declare(y_int);
};
struct declares_y_str {
  static constexpr auto options = declare(y_str);
};
struct types_do_not_merge {
  using imports = cairn::imports<declares_y_int, declares_y_str>;
};

inline constexpr option<"z", types::separated_string<",">> z_commas{};
inline constexpr option<"z", types::separated_string<":">> z_colons{};
struct declares_z_commas {
  static constexpr auto options = declare(z_commas);
};
struct declares_z_colons {
  static constexpr auto options = declare(z_colons);
};
struct separators_do_not_merge {
  using imports = cairn::imports<declares_z_commas, declares_z_colons>;
};

inline constexpr option<"w", types::list_of<types::int_>> w_ints{};
inline constexpr option<"w", types::list_of<types::str>> w_strs{};
inline constexpr option<"w", types::list_of<types::int_>> w_ints_again{};
struct declares_w_ints {
  static constexpr auto options = declare(w_ints);
};
struct declares_w_strs {
  static constexpr auto options = declare(w_strs);
};
struct declares_w_ints_again {
  static constexpr auto options = declare(w_ints_again);
};
struct element_types_do_not_merge {
  using imports = cairn::imports<declares_w_ints, declares_w_strs>;
};
struct element_types_merge {
  using imports = cairn::imports<declares_w_ints, declares_w_ints_again>;
  static constexpr void config(definitions& d) {
    d.set(w_ints, {1});
    d.set(w_ints_again, {2});
  }
};

inline constexpr option<"r", types::ints::between<0, 10>> r_a{};
inline constexpr option<"r", types::ints::between<0, 10>> r_b{};
struct declares_r_a {
  static constexpr auto options = declare(r_a);
};
struct declares_r_b {
  static constexpr auto options = declare(r_b);
};
struct bounded_twice {
  using imports = cairn::imports<declares_r_a, declares_r_b>;
  static constexpr void config(definitions& d) { d.set(r_a, 50); }
};

// The same C++ option object declared by two modules is one declaration, not a clash.
inline constexpr option<"shared", types::int_> shared{{.default_value = 7, .description = "Shared."}};
struct shares_a {
  static constexpr auto options = declare(shared);
};
struct shares_b {
  static constexpr auto options = declare(shared);
};
struct same_object_twice {
  using imports = cairn::imports<shares_a, shares_b>;
};

// An option under an option that is not a submodule.
inline constexpr int parent_line = __LINE__ + 1;
inline constexpr option<"parent", types::int_> parent{};
inline constexpr int child_line = __LINE__ + 1;
inline constexpr option<"parent.child", types::int_> child{};
struct nested_under_int {
  static constexpr auto options = declare(parent, child);
};

// users.users extended by two modules, each declaring the submodule option again.
inline constexpr option<"accounts", types::attrs_of<types::submodule>> accounts_a{};
inline constexpr option<"accounts", types::attrs_of<types::submodule>> accounts_b{};
inline constexpr option<"accounts.<name>.home", types::str> home{{.default_value = "/home"}};
inline constexpr option<"accounts.<name>.shell", types::str> shell{{.default_value = "/bin/sh"}};
struct accounts_module_a {
  static constexpr auto options = declare(accounts_a, home);
};
struct accounts_module_b {
  static constexpr auto options = declare(accounts_b, shell);
};
struct submodule_extended {
  using imports = cairn::imports<accounts_module_a, accounts_module_b>;
  static constexpr void config(definitions& d) { d.set(accounts_b("root"), {}); }
};

}  // namespace conformance_declarations

namespace cd = conformance_declarations;

TEST(ConformanceDeclarations, EnumDeclarationsMergeByUnion) {
  evaluation<cd::enum_union> t;
  EXPECT_EQ(t["mode"].as_string(), "c");
  evaluation<cd::enum_union_other_value> u;
  EXPECT_EQ(u["mode"].as_string(), "a");
  // Folded in reverse breadth-first order: declares_c first.
  EXPECT_EQ(cairn::describe(*t.e.find_declaration("mode")->type), "one of \"c\", \"a\", \"b\"");
}

TEST(ConformanceDeclarations, TheSameDefaultTwiceIsAnErrorNamingBothPlaces) {
  // Fold order b, a: a's declaration is the later one.
  EXPECT_EQ(message_of<cd::two_defaults>("x"), "The option `x' in `" + CAIRN_AT(cd::x_a_line) +
                                                   "' is already declared in `" + CAIRN_AT(cd::x_b_line) + "'.");
}

TEST(ConformanceDeclarations, AClashNamesEveryEarlierDeclaration) {
  EXPECT_EQ(message_of<cd::three_declarations>("x"),
            "The option `x' in `" + CAIRN_AT(cd::x_a_line) + "' is already declared in `" + CAIRN_AT(cd::x_c_line) +
                "' and `" + CAIRN_AT(cd::x_b_line) + "'.");
}

TEST(ConformanceDeclarations, DeclarationsGivingDifferentFieldsMerge) {
  evaluation<cd::default_and_description_from_different_declarations> t;
  EXPECT_EQ(t["x"].as_int(), 1);
  EXPECT_EQ(t.e.find_declaration("x")->description(), "Typed only.");
}

TEST(ConformanceDeclarations, DifferentTypesDoNotMerge) {
  EXPECT_CONTAINS(message_of<cd::types_do_not_merge>("y"), "The option `y' in `" + CAIRN_AT(cd::y_int_line) +
                                                               "' is already declared in `" +
                                                               CAIRN_AT(cd::y_str_line) + "'");
}

TEST(ConformanceDeclarations, SeparatedStringsMergeOnlyWithTheSameSeparator) {
  EXPECT_CONTAINS(message_of<cd::separators_do_not_merge>("z"), "The option `z' in `");
  EXPECT_CONTAINS(message_of<cd::separators_do_not_merge>("z"), "' is already declared in `");
}

TEST(ConformanceDeclarations, ContainersMergeWhenTheirElementTypesMerge) {
  EXPECT_CONTAINS(message_of<cd::element_types_do_not_merge>("w"), "' is already declared in `");
  evaluation<cd::element_types_merge> t;
  EXPECT_EQ(t.json("w"), "[1,2]");
}

TEST(ConformanceDeclarations, EqualBoundedIntegersMergeAndKeepTheirRange) {
  // NixOS merges two ints.between into plain int and drops the range; cairn keeps it.
  EXPECT_CONTAINS(message_of<cd::bounded_twice>("r"),
                  "A definition for option `r' is not of type `integer between 0 and 10 (both inclusive)'.");
}

TEST(ConformanceDeclarations, OneOptionObjectDeclaredByTwoModulesIsOneDeclaration) {
  evaluation<cd::same_object_twice> t;
  EXPECT_EQ(t["shared"].as_int(), 7);
  EXPECT_EQ(t.e.find_declaration("shared")->declared_by.size(), 1u);
}

TEST(ConformanceDeclarations, OptionsUnderANonSubmoduleOptionAreAnError) {
  EXPECT_EQ(message_of<cd::nested_under_int>("parent"),
            "The option `parent' in module `" + CAIRN_AT(cd::parent_line) +
                "' would be a parent of the following options, but its type `signed integer' does not support "
                "nested options.\n - option(s) with prefix `parent.child' in module `" + CAIRN_AT(cd::child_line) +
                "'");
}

TEST(ConformanceDeclarations, SubmoduleOptionsDeclaredAgainAddFields) {
  evaluation<cd::submodule_extended> t;
  EXPECT_EQ(t.json("accounts"), R"({"root":{"home":"/home","shell":"/bin/sh"}})");
  EXPECT_EQ(t.e.find_declaration("accounts")->declared_by.size(), 2u);
}
