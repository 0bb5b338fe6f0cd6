// cairn/detail/eval_fixpoint.hpp: the fixpoint: option values computed on demand and memoised, reads by
// path, a cycle reported when an option being computed is read again.
// Members of cairn::evaluator, which eval.hpp declares.
#pragma once

#include "../eval.hpp"

namespace cairn {

constexpr evaluator::resolved evaluator::resolve(const std::vector<std::string>& loc) {
  resolved r;
  r.loc = loc;
  std::uint32_t t = 0;
  std::size_t i = 0;
  for (; i < loc.size() && tries_[t].declaration < 0; ++i) {
    auto next = tries_[t].child(loc[i]);
    if (next == 0) {
      std::vector<std::string> prefix(loc.begin(), loc.begin() + static_cast<std::ptrdiff_t>(i + 1));
      fail("The option `" + detail::show_option(prefix) + "' does not exist." + suggest(t, loc, i));
      return r;
    }
    t = next;
  }
  if (tries_[t].declaration < 0) {  // a set of options, as config.services.openssh in NixOS
    r.fields = t;
    r.root_set = true;
    return r;
  }
  if (declarations_[tries_[t].declaration].top_node < 0) {
    fail("`" + detail::show_option(loc) + "' is a field of a submodule; name its instance." + children_hint(t));
    return r;
  }
  return walk(nodes_[declarations_[tries_[t].declaration].top_node],
              std::vector<std::string>(loc.begin() + static_cast<std::ptrdiff_t>(i), loc.end()), loc);
}

constexpr evaluator::resolved evaluator::walk(node& n, std::vector<std::string> rest,
                                              const std::vector<std::string>& loc) {
  resolved r;
  r.loc = loc;
  if (rest.empty() || !is_submodule_container(type_of(declarations_[n.declaration]))) {
    r.target = &n;
    r.rest = std::move(rest);
    return r;
  }
  instances(n);
  if (failed()) return r;
  instance_scope* scope = nullptr;
  std::size_t used = 0;
  if (type_of(declarations_[n.declaration]).kind == type_kind::submodule) {
    scope = n.submodule().instances.empty() ? nullptr : n.submodule().instances.front().get();
  } else {
    scope = find_instance(n, rest.front());
    used = 1;
    if (scope == nullptr) {
      fail(detail::messages::missing_attribute(detail::show_option(n.loc), rest.front()));
      return r;
    }
  }
  if (scope == nullptr) return r;
  prepare(*scope);
  if (failed()) return r;
  // The fields' trie node of a plain submodule holds the submodule's own declaration: look
  // at declarations below it only.
  std::uint32_t t = scope->fields;
  std::string key;
  std::size_t i = used;
  while (i < rest.size()) {
    auto next = tries_[t].child(rest[i]);
    if (next == 0) {
      std::vector<std::string> prefix(n.loc.begin(), n.loc.end());
      for (std::size_t j = 0; j <= i; ++j) prefix.push_back(rest[j]);
      fail("The option `" + detail::show_option(prefix) + "' does not exist.");
      return r;
    }
    if (!key.empty()) key += ".";
    key += rest[i++];
    t = next;
    if (tries_[t].declaration >= 0) break;
  }
  if (key.empty() || tries_[t].declaration < 0) {  // a set of fields: users.users.alice.openssh
    r.scope = scope;
    r.fields = t;
    r.key_prefix = key;
    return r;
  }
  return walk(field(*scope, key, t), std::vector<std::string>(rest.begin() + static_cast<std::ptrdiff_t>(i), rest.end()),
              loc);
}

constexpr const value& evaluator::value_at(const resolved& r) {
  if (r.target == nullptr && r.root_set) {
    arena_.push_back(detail::box<value>::make(set_value(r.fields)));
    return *arena_.back();
  }
  if (r.target == nullptr) {
    if (r.scope == nullptr) return empty_;
    arena_.push_back(detail::box<value>::make(subtree_value(*r.scope, r.fields, r.key_prefix)));
    return *arena_.back();
  }
  const value* v = &force(*r.target);
  for (const auto& name : r.rest) {
    if (failed()) return empty_;
    const value* next = v->is_attrs() ? v->as_attrs().find(name) : nullptr;
    if (next == nullptr) {
      std::vector<std::string> at(r.loc.begin(), r.loc.end() - static_cast<std::ptrdiff_t>(r.rest.size()));
      fail(detail::messages::missing_attribute(detail::show_option(at), name));
      return empty_;
    }
    v = next;
  }
  return *v;
}

constexpr const value& evaluator::read(const option_base& o, const std::vector<std::string>& names, std::uint8_t bound,
                                       const instance_scope* scope) {
  const value& v = read_option(o, names, bound, scope);
  if (failed()) return placeholder(*o.type);
  return v;
}

// After an error at compile time, reads give an empty value of the option's kind, so that the
// code reading it runs on to the end and the first error is the one reported.
constexpr const value& evaluator::placeholder(const type_descriptor& t) {
  switch (t.kind) {
    case type_kind::boolean: return placeholders_[1];
    case type_kind::integer: return placeholders_[2];
    case type_kind::floating: return placeholders_[3];
    case type_kind::string:
    case type_kind::separated_string:
    case type_kind::enumeration:
    case type_kind::path: return placeholders_[4];
    case type_kind::list_of: return placeholders_[5];
    case type_kind::attrs_of:
    case type_kind::submodule:
    case type_kind::anything: return placeholders_[6];
    case type_kind::package: return placeholders_[7];
    case type_kind::either:
    case type_kind::unique: return placeholder(*t.elem);
    default: return placeholders_[0];
  }
}

constexpr const value& evaluator::read_option(const option_base& o, const std::vector<std::string>& names,
                                              std::uint8_t bound, const instance_scope* scope) {
  if (failed()) return empty_;
  if (const auto* declared = declaration_of(o); declared != nullptr) {
    const auto& d = *declared;
    if (d.top_node >= 0 && names.empty()) return force(nodes_[d.top_node]);  // the common case
    if (d.container >= 0 && names.size() == bound) {  // a field: users.users.<name>.uid
      node& c = nodes_[declarations_[d.container].top_node];
      instances(c);
      if (failed()) return empty_;
      instance_scope* s = nullptr;
      if (declarations_[d.container].type->kind == type_kind::submodule) s = c.submodule().instances.front().get();
      else if (bound >= 1) s = find_instance(c, names[0]);
      else if (scope != nullptr && scope->container == &c) s = const_cast<instance_scope*>(scope);
      if (s != nullptr) {
        prepare(*s);
        if (failed()) return empty_;
        return force(field(*s, *d.field_key, d.trie));
      }
    }
  }
  auto path = concrete_path(o, names, bound, scope);
  if (!path) {
    fail(detail::messages::needs_instance(std::string(o.path)));
    return empty_;
  }
  return read(*path);
}

constexpr std::vector<std::string> evaluator::names(const option_base& o, const std::vector<std::string>& names,
                                                    std::uint8_t bound, const instance_scope* scope) {
  auto path = concrete_path(o, names, bound, scope);
  std::vector<std::string> out;
  if (!path) {
    fail(detail::messages::needs_instance(std::string(o.path)));
    return out;
  }
  auto r = resolve(*path);
  if (failed()) return out;
  if (r.target != nullptr && r.rest.empty() && is_submodule_container(type_of(declarations_[r.target->declaration]))) {
    instances(*r.target);
    for (const auto& s : r.target->submodule().instances) out.push_back(s->name);
    return out;
  }
  const auto& v = value_at(r);
  if (v.is_attrs())
    for (const auto& a : v.as_attrs()) out.push_back(a.name);
  return out;
}

constexpr bool evaluator::evaluation_failed() const { return failed(); }

constexpr std::string_view evaluator::instance_name(const instance_scope* scope) const {
  return scope ? std::string_view(scope->name) : std::string_view();
}

constexpr void evaluator::insert_at(attrs& into, std::span<const std::string> loc, std::size_t i, const value& v) {
  if (i + 1 == loc.size()) {
    into.set(loc[i], v);
    return;
  }
  value* sub = into.find(loc[i]);
  if (sub == nullptr || !sub->is_attrs()) sub = &into.set(loc[i], attrs{});
  insert_at(sub->as_attrs(), loc, i + 1, v);
}

constexpr const value& evaluator::force(node& n) {
  if (failed()) return n.result;
  if (n.value_state == detail::state::done) return n.result;
  if (n.value_state == detail::state::evaluating) {
    report_cycle(&n, false);
    return n.result;
  }
  n.value_state = detail::state::evaluating;
  stack_.push_back({&n, false});
  if (std::is_constant_evaluated()) {
    n.result = compute(n);
  } else {
    try {
      n.result = compute(n);
    } catch (evaluation_error& e) {
      if (stack_.size() > 1 || frames_started_) e.add_frame("while evaluating the option `" + detail::show_option(n.loc) + "'");
      frames_started_ = true;
      stack_.pop_back();
      n.value_state = detail::state::unevaluated;
      if (stack_.empty()) frames_started_ = false;
      throw;
    }
  }
  stack_.pop_back();
  n.value_state = detail::state::done;
  return n.result;
}

constexpr std::vector<evaluator::def_ref> evaluator::all_defs(node& n) {
  std::vector<def_ref> defs;
  defs.reserve(n.defs.size() + 1);
  if (n.has_default) defs.push_back(default_ref(n));
  defs.insert(defs.end(), n.defs.begin(), n.defs.end());
  return defs;
}

constexpr evaluator::def_ref evaluator::default_ref(const node& n) {
  return {&n.default_entry, nullptr, &n.default_entry.node.plain};
}

constexpr value evaluator::compute(node& n) {
  const auto& d = declarations_[n.declaration];
  const auto& type = type_of(d);
  if (d.read_only && n.defs.size() + (n.has_default ? 1 : 0) > 1) {
    std::vector<shown> each;
    for (const auto& r : all_defs(n)) each.push_back(show(r));
    fail(detail::messages::read_only_set_twice(detail::show_option(n.loc), each));
    return {};
  }
  if (is_submodule_container(type)) return container_value(n);
  // The default first, then the definitions (all_defs(n), without copying them).
  def_ref default_def;
  if (n.has_default) default_def = default_ref(n);
  detail::vector_pool<def_ref>::lease processed(def_refs_);
  process(n.has_default ? &default_def : nullptr, n.defs, *processed);
  if (failed()) return {};
  if (processed->empty()) {
    if (has_empty_value(type)) return empty_value(type);
    fail(detail::messages::no_value(detail::show_option(n.loc)));
    return {};
  }
  return merge_values(detail::loc_ref{n.loc}, type, *processed);
}

// The value of a definition at this level: plain, or computed (deferred definitions).
// Structured attribute sets have no single value here (null is returned).
constexpr const value* evaluator::force_ref(const def_ref& r) {
  if (r.plain != nullptr) return r.plain;
  if (r.node->type == def_node::kind::plain) return &r.node->plain;
  if (r.node->type == def_node::kind::thunk) {
    // Checking, merging and showing a definition each ask for its value: compute it once.
    if (r.node->forced != nullptr) return r.node->forced;
    value v = callables_[r.node->callable]->call(cairn::config(*this, r.entry->scope));
    forced_.push_back(detail::box<value>::make(std::move(v)));
    // The node is the evaluator's own (registered definitions are never const objects).
    const_cast<def_node*>(r.node)->forced = forced_.back().get();
    return r.node->forced;
  }
  return nullptr;
}

// `order` holds the sorted children of every level being visited, each level's after its
// parent's.
template <class Visitor>
constexpr void evaluator::visit_in_order(std::uint32_t t, std::vector<detail::sort_entry>& order, Visitor& visitor) const {
  const auto& tn = tries_[t];
  const std::size_t first = order.size(), count = tn.names.size();
  for (std::uint32_t i = 0; i < count; ++i) order.push_back({detail::sort_key(tn.names[i]), i});
  // A node's names are distinct: any sort gives the one order. Most are told apart by their
  // first eight bytes, compared as one number.
  std::sort(order.begin() + static_cast<std::ptrdiff_t>(first), order.end(),
            [&tn](const detail::sort_entry& a, const detail::sort_entry& b) {
              if (a.key != b.key) return a.key < b.key;
              return detail::name_less(tn.names[a.index], tn.names[b.index]);
            });
  for (std::size_t k = first; k < first + count; ++k) {
    const auto i = order[k].index;
    const auto c = tn.children[i];
    const auto d = tries_[c].declaration;
    if (d < 0) {
      visitor.enter(tn.names[i]);
      visit_in_order(c, order, visitor);
      visitor.leave();
    } else if (declarations_[d].top_node >= 0) {
      visitor.option(tn.names[i], std::as_const(nodes_[declarations_[d].top_node].result));
    }
  }
  order.resize(first);
}

// The options below a trie node outside submodules, as one attribute set.
constexpr value evaluator::set_value(std::uint32_t t) {
  attrs out;
  const auto& tn = tries_[t];
  for (std::size_t i = 0; i < tn.names.size() && !failed(); ++i) {
    auto c = tn.children[i];
    auto d = tries_[c].declaration;
    if (d >= 0 && declarations_[d].top_node >= 0) out.set(tn.names[i], force(nodes_[declarations_[d].top_node]));
    else if (d < 0) out.set(tn.names[i], set_value(c));
  }
  return out;
}

}  // namespace cairn
