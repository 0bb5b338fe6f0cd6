// cairn/detail/declaration_table.hpp: what the evaluator knows of declared options: one merged
// declaration per option path, and the trie of paths that definitions and reads walk.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "../module.hpp"
#include "../option.hpp"
#include "../type_descriptor.hpp"
#include "box.hpp"
#include "containers.hpp"

namespace cairn::detail {

// The type of an enum declared more than once: the union of the declarations' values.
struct enum_union {
  type_descriptor type;
  std::vector<std::string_view> values;
};

// The merged declaration of one option path (a pattern for submodule fields).
struct declaration {
  std::string_view path;  // the first declaring option's (option paths are static)
  std::span<const std::string> loc;  // its segments, in the evaluator's one array of them
  const type_descriptor* type = nullptr;
  pointer_list<const option_base> declared_by;  // in the order NixOS folds them
  const option_base* with_default = nullptr;
  const option_base* described_by = nullptr;  // the first declaration with a description
  bool read_only = false;
  bool internal = false;
  std::uint32_t trie = 0;
  std::int32_t top_node = -1;  // options outside submodules have one node
  // Fields of a submodule option outside submodules (users.users.<name>.uid): that option's
  // declaration and the field's path inside an instance ("uid"), to read fields directly.
  std::int32_t container = -1;
  box<std::string> field_key;
  box<enum_union> merged_enum;  // an enum declared more than once: the union

  // Made when asked for (the manual, `option PATH`), not for every option of every evaluation:
  // each the first declaration's that gives one, as NixOS's mergeOptionDecls.
  constexpr std::string description() const {
    return described_by != nullptr ? described_by->full_description() : std::string();
  }
  constexpr std::string_view example() const {
    for (const auto* o : declared_by)
      if (!o->example.empty()) return o->example;
    return {};
  }
  constexpr std::string_view default_text() const {
    for (const auto* o : declared_by)
      if (!o->default_text.empty()) return o->default_text;
    return {};
  }
};

struct trie_node {
  // The key of by_name's index i.
  struct name_at {
    const std::vector<std::string_view>* names;
    constexpr std::string_view operator()(std::uint32_t i) const { return (*names)[i]; }
  };

  // Literal children, in declaration order: views of the segments of the declaration that
  // made each child (declarations never move and their paths never change).
  std::vector<std::string_view> names;
  std::vector<std::uint32_t> children;
  std::uint32_t placeholder = 0;  // the `<name>` child, 0 when none (the root is nobody's child)
  std::uint32_t parent = 0;
  std::int32_t declaration = -1;
  // Positions in `names` by name, once there are many: a host of hundreds of modules has
  // hundreds of top-level names, looked up for every declaration.
  box<string_index> by_name;  // made with the ninth name (most nodes are leaves)

  static constexpr std::size_t indexed_from = 8;

  constexpr std::uint32_t child(std::string_view name) const {
    if (names.size() > indexed_from) {
      const std::uint32_t* i = by_name->find(name, name_at{&names});
      return i != nullptr ? children[*i] : 0;
    }
    for (std::size_t i = 0; i < names.size(); ++i)
      if (names[i] == name) return children[i];
    return 0;
  }

  // The child of that name; where there is none, `node` becomes it (one lookup for both).
  constexpr std::uint32_t child_or_add(std::string_view name, std::uint32_t node) {
    if (names.size() > indexed_from) {
      auto at = by_name->insert(name, static_cast<std::uint32_t>(names.size()), name_at{&names});
      if (at != names.size()) return children[at];
      names.emplace_back(name);
      children.push_back(node);
      return node;
    }
    if (auto existing = child(name); existing != 0) return existing;
    add_child(name, node);
    return node;
  }

  constexpr void add_child(std::string_view name, std::uint32_t node) {
    names.emplace_back(name);
    children.push_back(node);
    if (names.size() == indexed_from + 1) {
      by_name = box<string_index>::make();
      for (std::size_t i = 0; i < names.size(); ++i) by_name->insert(names[i], static_cast<std::uint32_t>(i), name_at{&names});
    } else if (names.size() > indexed_from + 1) {
      by_name->insert(name, static_cast<std::uint32_t>(names.size() - 1), name_at{&names});
    }
  }
};

}  // namespace cairn::detail
