// cairn/detail/eval_submodules.hpp: submodule instances: attrs_of<submodule> names, an instance's
// definitions split among its fields, each() configurations, the values of instances.
// Members of cairn::evaluator, which eval.hpp declares.
#pragma once

#include "../eval.hpp"

namespace cairn {

constexpr evaluator::instance_scope* evaluator::find_instance(node& n, std::string_view name) {
  std::size_t lo = 0, hi = n.submodule().instances.size();  // instances are in name order
  while (lo < hi) {
    std::size_t mid = (lo + hi) / 2;
    if (std::string_view(n.submodule().instances[mid]->name) < name) lo = mid + 1;
    else hi = mid;
  }
  if (lo < n.submodule().instances.size() && n.submodule().instances[lo]->name == name) return n.submodule().instances[lo].get();
  return nullptr;
}

// The instances of a submodule container: for attrs_of<submodule> one per name whose
// definitions survive their conditions (NixOS's attrsOf is strict in them).
constexpr void evaluator::instances(node& n) {
  if (failed() || n.submodule().names_state == detail::state::done) return;
  if (n.submodule().names_state == detail::state::evaluating) return report_cycle(&n, true);
  n.submodule().names_state = detail::state::evaluating;
  stack_.push_back({&n, true});
  compute_instances(n);
  stack_.pop_back();
  n.submodule().names_state = detail::state::done;
}

constexpr void evaluator::compute_instances(node& n) {
  const auto& d = declarations_[n.declaration];
  const auto& type = type_of(d);
  def_ref default_def;
  if (n.has_default) default_def = default_ref(n);
  std::vector<def_ref> top;  // kept by a plain submodule's instance
  process(n.has_default ? &default_def : nullptr, n.defs, top);
  if (failed()) return;
  std::uint32_t container_trie = d.trie;
  std::vector<std::string> bound;
  if (n.scope != nullptr) bound = n.scope->bound;
  if (type.kind == type_kind::submodule) {
    auto s = detail::box<instance_scope>::make();
    s->container = &n;
    s->fields = container_trie;
    s->element_defs = std::move(top);
    s->bound = bound;
    n.submodule().instances.push_back(std::move(s));
    return;
  }
  std::vector<named_def> items;
  std::vector<shown> invalid;
  attr_definitions(top, items, invalid);
  if (failed()) return;
  if (!invalid.empty())
    return fail(detail::messages::not_of_type(detail::show_option(n.loc), describe(type), invalid, true));
  for_each_name(items, [&](std::string_view name, const std::vector<def_ref>& group) {
    auto processed = process(group);
    if (failed()) return false;
    if (!processed.empty()) {
      auto s = detail::box<instance_scope>::make();
      s->name = std::string(name);
      s->container = &n;
      s->fields = tries_[container_trie].placeholder;
      s->element_defs = std::move(processed);
      s->bound = bound;
      s->bound.push_back(s->name);
      n.submodule().instances.push_back(std::move(s));
    }
    return true;
  });
}

constexpr std::vector<std::string> evaluator::instance_loc(const instance_scope& s) const {
  std::vector<std::string> loc(s.container->loc.begin(), s.container->loc.end());
  if (!s.name.empty()) loc.push_back(s.name);
  return loc;
}

// Splits the instance's definitions among its fields and runs each() for it. A submodule is
// its own evaluation in NixOS, whose module list puts the definitions last and reverses: so
// definitions arrive in reverse, then each() configurations in reverse registration order.
constexpr void evaluator::prepare(instance_scope& s) {
  if (s.prepared) return;
  s.prepared = true;
  std::vector<std::string> keys;
  std::vector<std::vector<def_ref>> defs_by_key;
  auto add = [&](const std::string& key, const def_ref& r) {
    for (std::size_t i = 0; i < keys.size(); ++i)
      if (keys[i] == key) {
        defs_by_key[i].push_back(r);
        return;
      }
    keys.push_back(key);
    defs_by_key.push_back({r});
  };
  for (auto it = s.element_defs.rbegin(); it != s.element_defs.rend(); ++it) {
    split(s, *it, s.fields, "", instance_loc(s), add);
    if (failed()) return;
  }
  auto& container = *s.container;
  for (auto it = container.submodule().each.rbegin(); it != container.submodule().each.rend(); ++it) {
    bool holds = true;
    for (auto c : it->conditions) holds = holds && condition_holds(c, nullptr);
    if (failed()) return;
    if (!holds) continue;
    instance_definitions d(*this, it->where.module, &s, s.name);
    d = instance_definitions(d.when(true), s.name);
    auto first = s.own.size();
    ++current_group_;
    it->configure->configure(d);
    if (failed()) return;
    (void)first;
  }
  for (std::size_t i = 0; i < s.own.size(); ++i) add(s.own_keys[i], def_ref{s.own[i].get(), &s.own[i]->node, nullptr});
  for (std::size_t i = 0; i < keys.size(); ++i) {
    auto t = field_trie(s, keys[i]);
    auto& f = field(s, keys[i], t);
    f.own_defs = std::move(defs_by_key[i]);
    f.defs = f.own_defs;
  }
}

template <class Add>
constexpr void evaluator::split(instance_scope& s, const def_ref& r, std::uint32_t t, const std::string& prefix,
                                const std::vector<std::string>& loc, Add& add) {
  struct item {
    std::string_view name;
    def_ref ref;
  };
  std::vector<item> items;
  if (r.node != nullptr && r.node->type == def_node::kind::attrs) {
    const auto& c = r.node->children[0];
    items.push_back({r.node->attr_name(), c.type == def_node::kind::plain ? def_ref{r.entry, nullptr, &c.plain}
                                                                   : def_ref{r.entry, &c, nullptr}});
  } else {
    const value* v = force_ref(r);
    if (failed()) return;
    if (v == nullptr || !v->is_attrs()) {
      return fail(detail::messages::not_of_type(detail::show_option(loc), "submodule", {show(r)}, true));
    }
    for (const auto& a : v->as_attrs()) items.push_back({a.name, def_ref{r.entry, nullptr, &a.val}});
  }
  for (const auto& [name, child] : items) {
    auto c = tries_[t].child(name);
    auto child_loc = loc;
    child_loc.emplace_back(name);
    if (c == 0) {
      std::vector<std::string> suggestions;
      for (auto& candidate : detail::closest(name, tries_[t].names)) {
        auto sl = loc;
        sl.push_back(candidate);
        suggestions.push_back(detail::show_option(sl));
      }
      return fail(detail::messages::does_not_exist(detail::show_option(child_loc), {show(child)},
                                                   suggestions, false, {}));
    }
    std::string key = join_key(prefix, name);
    if (tries_[c].declaration >= 0) {
      add(key, child);
    } else {
      split(s, child, c, key, child_loc, add);
      if (failed()) return;
    }
  }
}

// No conditional expressions of strings here: g++ 12 miscompiles their moves in constant evaluation.
constexpr std::string evaluator::join_key(const std::string& prefix, std::string_view name) {
  std::string key = prefix;
  if (!key.empty()) key += ".";
  key += name;
  return key;
}

constexpr std::uint32_t evaluator::field_trie(const instance_scope& s, std::string_view key) const {
  std::uint32_t t = s.fields;
  for (const auto& segment : detail::split(key, '.')) t = tries_[t].child(segment);
  return t;
}

constexpr detail::field_node& evaluator::field(instance_scope& s, const std::string& key, std::uint32_t t) {
  for (std::size_t i = 0; i < s.field_keys.size(); ++i)
    if (s.field_keys[i] == key) return *s.field_nodes[i];
  auto f = detail::box<detail::field_node>::make();
  f->own_path = instance_loc(s);
  for (auto& segment : detail::split(key, '.')) f->own_path.push_back(std::move(segment));
  f->loc = f->own_path;
  f->declaration = static_cast<std::uint32_t>(tries_[t].declaration);
  f->scope = &s;
  init_default(*f, declarations_[f->declaration]);
  s.field_keys.push_back(key);
  s.field_nodes.push_back(std::move(f));
  return *s.field_nodes.back();
}

constexpr value evaluator::subtree_value(instance_scope& s, std::uint32_t t, const std::string& prefix) {
  attrs out;
  const auto& tn = tries_[t];
  for (std::size_t i = 0; i < tn.names.size() && !failed(); ++i) {
    auto c = tn.children[i];
    std::string key = join_key(prefix, tn.names[i]);
    if (tries_[c].declaration >= 0) out.set(tn.names[i], force(field(s, key, c)));
    else out.set(tn.names[i], subtree_value(s, c, key));
  }
  return out;
}

constexpr void evaluator::force_deep(node& n) {
  if (!is_submodule_container(type_of(declarations_[n.declaration]))) {
    force(n);
    return;
  }
  instances(n);
  for (std::size_t i = 0; i < n.submodule().instances.size() && !failed(); ++i) {
    prepare(*n.submodule().instances[i]);
    force_fields(*n.submodule().instances[i], n.submodule().instances[i]->fields, "");
  }
}

constexpr void evaluator::force_fields(instance_scope& s, std::uint32_t t, const std::string& prefix) {
  for (std::size_t i = 0; i < tries_[t].names.size() && !failed(); ++i) {
    auto c = tries_[t].children[i];
    std::string key = join_key(prefix, tries_[t].names[i]);
    if (tries_[c].declaration >= 0) force_deep(field(s, key, c));
    else force_fields(s, c, key);
  }
}

constexpr value evaluator::container_value(node& n) {
  instances(n);
  if (failed()) return {};
  const auto& type = type_of(declarations_[n.declaration]);
  if (type.kind == type_kind::submodule) {
    auto& s = *n.submodule().instances.front();
    prepare(s);
    return subtree_value(s, s.fields, "");
  }
  attrs out;
  for (auto& s : n.submodule().instances) {
    prepare(*s);
    if (failed()) return {};
    out.set(s->name, subtree_value(*s, s->fields, ""));
  }
  return out;
}

}  // namespace cairn
