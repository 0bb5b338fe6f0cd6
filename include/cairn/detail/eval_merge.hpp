// cairn/detail/eval_merge.hpp: checking and merging definitions, per type (each type's `merge` in
// lib/types.nix).
// Members of cairn::evaluator, which eval.hpp declares.
#pragma once

#include "../eval.hpp"

namespace cairn {

constexpr value evaluator::merge_values(const detail::loc_ref& loc, const type_descriptor& type,
                                        const std::vector<def_ref>& defs) {
  if (failed()) return {};
  switch (type.kind) {
    case type_kind::boolean:
    case type_kind::integer:
    case type_kind::floating:
    case type_kind::enumeration:
    case type_kind::path: return merge_equal(loc, type, defs);
    case type_kind::string: {
      value merged = merge_equal(loc, type, defs);
      // singleLineStr allows one trailing newline and drops it (lib.removeSuffix "\n").
      if (type.rule != string_rule::single_line || !merged.is_string()) return merged;
      const auto& text = merged.as_string();
      if (text.empty() || text.back() != '\n') return merged;
      return value(std::string_view(text).substr(0, text.size() - 1));
    }
    case type_kind::package: {
      if (!check_all(loc, type, defs, false)) return {};
      if (defs.size() > 1) return unique_error(loc, defs);
      return *force_ref(defs[0]);
    }
    case type_kind::separated_string: {
      if (!check_all(loc, type, defs, false)) return {};
      std::string out;
      for (std::size_t i = 0; i < defs.size(); ++i) {
        if (i != 0) out += type.separator;
        out += force_ref(defs[i])->as_string();
      }
      return out;
    }
    case type_kind::list_of: return merge_list(loc, type, defs);
    case type_kind::attrs_of:
    case type_kind::anything: return merge_attrs(loc, type, defs);
    case type_kind::null_or: {
      // v1: every definition checked against `null or <t>` before anything merges.
      if (!check_all(loc, type, defs, false)) return {};
      std::size_t nulls = 0;
      for (const auto& r : defs) {
        const value* v = force_ref(r);
        if (failed()) return {};
        if (v != nullptr && v->is_null()) ++nulls;
      }
      if (nulls == defs.size()) return null;
      if (nulls == 0) return merge_values(loc, *type.elem, defs);
      std::vector<std::string> files;
      for (const auto& r : defs) files.push_back(where_of(r.entry->where));
      fail(detail::messages::null_and_not_null(loc.shown(), files));
      return {};
    }
    case type_kind::either: {
      bool all_left = true, all_right = true;
      for (const auto& r : defs) {
        const value* v = force_ref(r);
        if (failed()) return {};
        all_left = all_left && v != nullptr && check_head(*type.elem, *v);
        all_right = all_right && v != nullptr && check_head(*type.elem2, *v);
      }
      if (all_left) return merge_values(loc, *type.elem, defs);
      if (all_right) return merge_values(loc, *type.elem2, defs);
      fail(detail::messages::neither(loc.shown(), describe(type), describe(*type.elem),
                                     describe(*type.elem2), show_all(defs)));
      return {};
    }
    case type_kind::unique:
      // v1: checked with the element's check (and description) before counting definitions.
      if (!check_all(loc, type, defs, false)) return {};
      if (defs.size() != 1) return unique_error(loc, defs);
      return merge_values(loc, *type.elem, defs);
    case type_kind::submodule:
      fail("The option `" + loc.shown() +
           "' has a submodule inside a list or another container; cairn supports submodule and "
           "attrs_of<submodule> options.");
      return {};
  }
  return {};
}

constexpr value evaluator::unique_error(const detail::loc_ref& loc, const std::vector<def_ref>& defs) {
  fail(detail::messages::not_unique(loc.shown(), show_all(defs)));
  return {};
}

// NixOS's v1 check: every definition's head, all failures reported.
constexpr bool evaluator::check_all(const detail::loc_ref& loc, const type_descriptor& type,
                                    const std::vector<def_ref>& defs, bool type_error_style) {
  std::vector<shown> invalid;
  for (const auto& r : defs) {
    const value* v = force_ref(r);
    if (failed()) return false;
    if (v == nullptr || !check_head(type, *v)) invalid.push_back(show(r));
  }
  if (invalid.empty()) return true;
  fail(detail::messages::not_of_type(loc.shown(), describe(type), invalid, type_error_style));
  return false;
}

// mergeEqualOption: all definitions equal, else the first and the first that differs.
constexpr value evaluator::merge_equal(const detail::loc_ref& loc, const type_descriptor& type,
                                       const std::vector<def_ref>& defs) {
  if (!check_all(loc, type, defs, false)) return {};
  const value* first = force_ref(defs[0]);
  for (std::size_t i = 1; i < defs.size(); ++i) {
    const value* other = force_ref(defs[i]);
    if (!(*other == *first)) {
      fail(detail::messages::conflicting(loc.shown(), show(defs[0]), show(defs[i])));
      return {};
    }
  }
  return *first;
}

constexpr bool evaluator::is_scalar(const type_descriptor& t) {
  switch (t.kind) {
    case type_kind::boolean:
    case type_kind::integer:
    case type_kind::floating:
    case type_kind::string:
    case type_kind::separated_string:
    case type_kind::enumeration:
    case type_kind::path:
    case type_kind::package: return true;
    default: return false;
  }
}

// listOf: each element merged on its own at `[definition n-entry m]`, then concatenated.
constexpr value evaluator::merge_list(const detail::loc_ref& loc, const type_descriptor& type,
                                      const std::vector<def_ref>& defs) {
  if (!check_all(loc, type, defs, true)) return {};
  list out;
  std::size_t total = 0;
  for (const auto& r : defs) total += force_ref(r)->as_list().size();
  out.reserve(total);
  const auto& elem = *type.elem;
  // Scalars whose single definition merges to itself are checked in place; single-line
  // strings still drop their trailing newline in their merge.
  const bool in_place = is_scalar(elem) && elem.kind != type_kind::separated_string &&
                        !(elem.kind == type_kind::string && elem.rule == string_rule::single_line);
  for (std::size_t n = 0; n < defs.size(); ++n) {
    const auto& items = force_ref(defs[n])->as_list();
    for (std::size_t m = 0; m < items.size(); ++m) {
      if (in_place) {
        if (!check_head(elem, items[m])) {
          fail(detail::messages::not_of_type(detail::loc_ref{{}, &loc, {}, n + 1, m + 1}.shown(), describe(elem),
                                             {shown{where_of(defs[n].entry->where), items[m]}}, false));
          return {};
        }
        out.push_back(items[m]);
      } else {
        def_ref single{defs[n].entry, nullptr, &items[m]};
        out.push_back(merge_values(detail::loc_ref{{}, &loc, {}, n + 1, m + 1}, elem, {single}));
        if (failed()) return {};
      }
    }
  }
  return out;
}

// attrsOf: names from every definition, each name's definitions merged on their own (names
// whose definitions all vanish are removed).
constexpr value evaluator::merge_attrs(const detail::loc_ref& loc, const type_descriptor& type,
                                       const std::vector<def_ref>& defs) {
  const bool anything = type.kind == type_kind::anything;
  detail::vector_pool<named_def>::lease items(named_defs_);
  std::vector<shown> invalid;
  attr_definitions(defs, *items, invalid);
  if (failed()) return {};
  if (anything && !invalid.empty()) return merge_anything(loc, defs);
  if (!invalid.empty()) {
    fail(detail::messages::not_of_type(loc.shown(), describe(type), invalid, true));
    return {};
  }
  attrs out;
  out.reserve(items->size());  // at least one definition per name
  const type_descriptor& elem = anything ? type : *type.elem;
  detail::vector_pool<def_ref>::lease processed(def_refs_);
  for_each_name(*items, [&](std::string_view name, const std::vector<def_ref>& group) {
    detail::loc_ref element_loc{{}, &loc, name};
    // One plain definition has nothing to discharge, no rival priority and no order: process()
    // would return it as it is (and allocate a vector for it).
    if (group.size() == 1 && group.front().plain != nullptr) {
      out.set(name, merge_values(element_loc, elem, group));
      return !failed();
    }
    process(nullptr, group, *processed);
    if (failed()) return false;
    if (!processed->empty()) out.set(name, merge_values(element_loc, elem, *processed));
    return !failed();
  });
  if (failed()) return {};
  return out;
}

constexpr void evaluator::attr_definitions(const std::vector<def_ref>& defs, std::vector<named_def>& items,
                                           std::vector<shown>& invalid) {
  for (const auto& r : defs) {
    if (r.node != nullptr && r.node->type == def_node::kind::attrs) {
      const auto& c = r.node->children[0];
      items.push_back({r.node->attr_name(), c.type == def_node::kind::plain ? def_ref{r.entry, nullptr, &c.plain}
                                                                     : def_ref{r.entry, &c, nullptr}});
      continue;
    }
    const value* v = force_ref(r);
    if (failed()) return;
    if (v == nullptr || !v->is_attrs()) {
      invalid.push_back(show(r));
      continue;
    }
    for (const auto& a : v->as_attrs()) items.push_back({a.name, def_ref{r.entry, nullptr, &a.val}});
  }
  detail::stable_sort(items, [](const named_def& a, const named_def& b) { return a.name < b.name; });
}

// Calls f(name, that name's definitions) for each name of sorted items, while f returns true.
template <class F>
constexpr void evaluator::for_each_name(const std::vector<named_def>& items, F&& f) {
  detail::vector_pool<def_ref>::lease group(def_refs_);  // reused from name to name
  for (std::size_t i = 0; i < items.size();) {
    std::size_t j = i;
    group->clear();
    while (j < items.size() && items[j].name == items[i].name) group->push_back(items[j++].ref);
    if (!f(items[i].name, *group)) return;
    i = j;
  }
}

// types.anything for values that are not all attribute sets: equal values, one kind.
constexpr value evaluator::merge_anything(const detail::loc_ref& loc, const std::vector<def_ref>& defs) {
  const value* first = force_ref(defs[0]);
  for (std::size_t i = 1; i < defs.size(); ++i) {
    const value* other = force_ref(defs[i]);
    if (first == nullptr || other == nullptr || first->type() != other->type()) {
      fail("The option `" + loc.shown() + "' has conflicting option types in `" +
           where_of(defs[0].entry->where) + "' and `" + where_of(defs[i].entry->where) + "'");
      return {};
    }
    if (!(*other == *first)) {
      fail(detail::messages::conflicting(loc.shown(), show(defs[0]), show(defs[i])));
      return {};
    }
  }
  if (first == nullptr) return {};
  return *first;
}

}  // namespace cairn
