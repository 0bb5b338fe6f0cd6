// cairn/detail/eval_nodes.hpp: the evaluator's records of definitions and values: registered
// definitions, the node (memoised value) of each option and submodule field, submodule instances.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "../definitions.hpp"
#include "../option.hpp"
#include "../value.hpp"
#include "box.hpp"
#include "definition.hpp"
#include "pretty.hpp"

namespace cairn::detail {

struct def_entry {
  def_node node;
  location where;
  const instance_scope* scope = nullptr;  // definitions of a submodule instance read it as `config`
  bool option_default = false;            // an option's declared default (priority 1500)
  // The node of the option outside submodules it defines, if one: its place among that node's
  // definitions is settled once every module has registered (settle_definitions).
  std::int32_t top_node = -1;
};

// A definition seen at some level of a merge: the registered entry, and the part of it that
// applies here (a structured node, or a plain value inside a plain definition).
struct def_ref {
  const def_entry* entry = nullptr;
  const def_node* node = nullptr;
  const value* plain = nullptr;
};

struct each_entry {
  const instance_configurer* configure = nullptr;
  location where;
  std::vector<std::uint32_t> conditions;
};

enum class state : std::uint8_t { unevaluated, evaluating, done };

struct node;
struct field_node;

struct instance_scope {
  std::string name;
  node* container = nullptr;
  std::uint32_t fields = 0;           // the trie node holding the field declarations
  std::vector<def_ref> element_defs;  // after the element level's conditions, priorities, order
  std::vector<std::string> bound;     // placeholder names from the root to this instance
  bool prepared = false;
  std::vector<std::string> field_keys;  // relative dotted paths, parallel to field_nodes
  std::vector<box<field_node>> field_nodes;
  std::vector<box<def_entry>> own;  // definitions from each() for this instance
  std::vector<std::string> own_keys;
  std::vector<std::uint32_t> own_group;
};

// What only the node of a submodule option has: its instances.
struct submodule_state {
  state names_state = state::unevaluated;
  std::vector<box<instance_scope>> instances;  // in name order
  std::vector<each_entry> each;
};

// The memoised value of an option outside submodules, or of a field of an instance. Nodes are
// kept small: a large host has tens of thousands, and every page of them costs its start.
struct node {
  // Its path: options outside submodules view their declaration's (not copied), fields of
  // instances their own (field_node).
  std::span<const std::string> loc;
  std::uint32_t declaration = 0;
  bool has_default = false;
  state value_state = state::unevaluated;
  std::span<const def_ref> defs;  // in definition order, without the default
  def_entry default_entry;        // the declared default (when has_default): a definition at priority 1500
  value result;
  instance_scope* scope = nullptr;  // the instance this node is a field of
  // A submodule option's instances, made when first asked for.
  constexpr submodule_state& submodule() {
    if (!submodule_) submodule_ = box<submodule_state>::make();
    return *submodule_;
  }

 private:
  box<submodule_state> submodule_;
};

// A field of a submodule instance: owns its path and its definitions, which `loc` and `defs`
// view (a field node is boxed: it never moves).
struct field_node : node {
  std::vector<std::string> own_path;
  std::vector<def_ref> own_defs;
};

// A definition as `option PATH` explains it.
struct definition_report {
  std::string file;
  std::uint32_t line = 0;
  std::string_view module;
  std::int32_t priority = priority::plain;
  std::int32_t order = order::plain;
  bool is_default = false;
  bool condition_holds = true;
  bool wins = false;  // at the winning priority (merged into the value)
  std::optional<value> v;
};

// An option path built only when a message needs it: merges below an option (list entries,
// attribute names) must not allocate paths, constant evaluation pays for every allocation.
struct loc_ref {
  std::span<const std::string> base;
  const loc_ref* parent = nullptr;
  std::string_view name;
  std::size_t definition = 0;  // list entries: [definition <definition>-entry <entry>]
  std::size_t entry = 0;

  constexpr std::vector<std::string> materialize() const {
    std::vector<std::string> out;
    if (parent != nullptr) out = parent->materialize();
    else out.assign(base.begin(), base.end());
    if (definition != 0)
      out.push_back("[definition " + to_string(std::int64_t(definition)) + "-entry " +
                    to_string(std::int64_t(entry)) + "]");
    else if (parent != nullptr) out.emplace_back(name);
    return out;
  }
  constexpr std::string shown() const { return show_option(materialize()); }
};

struct unmatched_definition {
  std::vector<std::string> loc;    // up to the first segment that matches nothing
  std::vector<std::string> below;  // the rest of the definition's path
  std::uint32_t trie = 0;          // where the match failed, for suggestions
  def_ref ref;
  const option_base* option = nullptr;
};

}  // namespace cairn::detail
