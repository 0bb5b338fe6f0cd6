// cairn/detail/eval_collect.hpp: collecting definitions: every module's config function run once, each
// definition attached to the node of the option outside submodules that holds it.
// Members of cairn::evaluator, which eval.hpp declares.
#pragma once

#include "../eval.hpp"

namespace cairn {

template <class Layers>
constexpr void evaluator::register_modules(const Layers& layers) {
  if (failed()) return;
  for (std::size_t i = 0; i < fold_order_.size(); ++i) {
    const auto* m = fold_order_[i];
    if constexpr (!std::is_same_v<Layers, no_layers>)  // layer.hpp defines the layer functions
      if (i + 1 == fold_order_.size())
        for (auto l = layers.size(); l-- > 0;) register_layer(layers[l]);
    if (m->config == nullptr) continue;
    definitions d(*this, m);
    m->config(d);
    if (failed()) return;
  }
  if (!unmatched_.empty()) return report_unmatched(unmatched_.front());
  settle_definitions();
}

constexpr detail::def_entry& evaluator::new_entry() {
  if (entries_.empty() || entries_.back().size() == entries_.back().capacity()) {
    entries_.emplace_back();
    entries_.back().reserve(256);
  }
  return entries_.back().emplace_back();
}

constexpr std::uint32_t evaluator::add_callable(detail::callable* owned) {
  callables_.emplace_back(owned);
  return static_cast<std::uint32_t>(callables_.size() - 1);
}

// The concrete path of a definition or read: the option's pattern with its placeholders bound,
// then attribute names.
constexpr std::optional<std::vector<std::string>> evaluator::concrete_path(
    const option_base& o, const std::vector<std::string>& names, std::uint8_t bound, const instance_scope* scope) {
  std::vector<std::string> out;
  std::size_t next_name = 0;
  std::size_t next_scope_name = 0;
  for (auto& segment : split_path(o.path)) {
    if (!is_placeholder(segment)) {
      out.push_back(std::move(segment));
    } else if (next_name < bound) {
      out.push_back(names[next_name++]);
    } else if (scope != nullptr && next_scope_name < scope->bound.size()) {
      out.push_back(scope->bound[next_scope_name++]);
    } else {
      return std::nullopt;
    }
  }
  for (std::size_t i = bound; i < names.size(); ++i) out.push_back(names[i]);
  return out;
}

constexpr evaluator::def_node evaluator::wrap_below(def_node&& leaf, const std::vector<std::string>& loc,
                                                    std::size_t from) {
  for (std::size_t i = loc.size(); i-- > from;) {
    def_node a;
    a.make_attr(loc[i]);
    a.children.push_back(std::move(leaf));
    leaf = std::move(a);
  }
  return std::move(leaf);
}

constexpr evaluator::def_node evaluator::with_conditions(def_node&& n, const std::vector<std::uint32_t>& conditions) {
  for (auto i = conditions.size(); i-- > 0;) {
    auto wrapped = def_node::wrap(def_node::kind::condition, 0, std::move(n));
    wrapped.callable = conditions[i];
    n = std::move(wrapped);
  }
  return std::move(n);
}

// Every node's definitions, in registration order, as one slice each of one array: a vector
// per option would be a heap object per option.
constexpr void evaluator::settle_definitions() {
  std::vector<std::uint32_t> start(nodes_.size() + 1, 0);
  for (const auto& chunk : entries_)
    for (const auto& e : chunk)
      if (e.top_node >= 0) ++start[static_cast<std::size_t>(e.top_node) + 1];
  for (std::size_t i = 1; i < start.size(); ++i) start[i] += start[i - 1];
  top_defs_.resize(start.back());
  std::vector<std::uint32_t> next(start.begin(), start.end() - 1);
  for (const auto& chunk : entries_)
    for (const auto& e : chunk)
      if (e.top_node >= 0) top_defs_[next[static_cast<std::size_t>(e.top_node)]++] = def_ref{&e, &e.node, nullptr};
  for (std::size_t i = 0; i < nodes_.size(); ++i)
    nodes_[i].defs = std::span<const def_ref>(top_defs_.data() + start[i], start[i + 1] - start[i]);
}

constexpr evaluator::def_node* evaluator::top_level_entry(const option_base& o, const std::vector<std::string>& names,
                                                          const detail::location& where) {
  const auto* d = declaration_of(o);
  if (d == nullptr || d->top_node < 0) return nullptr;
  auto& entry = new_entry();
  entry.where = where;
  entry.top_node = d->top_node;
  // Attribute names below the option, built in place: {name = {name = leaf;};}.
  def_node* at = &entry.node;
  for (const auto& name : names) {
    at->make_attr(name);
    at = &at->children.emplace_back();
  }
  return at;
}

constexpr void evaluator::define(const option_base& o, const std::vector<std::string>& names, std::uint8_t bound,
                                 def_node&& leaf, const detail::location& where,
                                 const std::vector<std::uint32_t>& conditions, instance_scope* scope) {
  // The common case, an option outside submodules (perhaps indexed by attribute names): found
  // by its path, without building the concrete path or walking the trie level by level.
  if (scope == nullptr && bound == 0) {
    if (conditions.empty()) {
      if (auto* at = top_level_entry(o, names, where); at != nullptr) {
        *at = std::move(leaf);
        return;
      }
    } else if (auto* at = top_level_entry(o, {}, where); at != nullptr) {
      *at = with_conditions(wrap_below(std::move(leaf), names, 0), conditions);  // conditions outermost
      return;
    }
  }
  auto path = concrete_path(o, names, bound, scope);
  if (!path) return fail(detail::messages::needs_instance(std::string(o.path)));
  if (scope != nullptr) return define_in_instance(*scope, o, *path, std::move(leaf), where, conditions);
  define_concrete(*path, std::move(leaf), where, conditions, &o);
}

constexpr void evaluator::define_value(const option_base& o, const std::vector<std::string>& names, std::uint8_t bound,
                                       value&& v, const detail::location& where,
                                       const std::vector<std::uint32_t>& conditions, instance_scope* scope) {
  if (scope == nullptr && bound == 0 && conditions.empty()) {
    if (auto* at = top_level_entry(o, names, where); at != nullptr) {
      at->plain = std::move(v);
      return;
    }
  }
  define(o, names, bound, def_node::of(std::move(v)), where, conditions, scope);
}

// A definition at a concrete path: attached to the option outside submodules that holds it.
constexpr void evaluator::define_concrete(const std::vector<std::string>& path, def_node&& leaf,
                                          const detail::location& where, const std::vector<std::uint32_t>& conditions,
                                          const option_base* o) {
  std::uint32_t t = 0;
  std::size_t i = 0;
  for (; i < path.size() && tries_[t].declaration < 0; ++i) {
    auto next = tries_[t].child(path[i]);
    if (next == 0) break;
    t = next;
  }
  auto& entry = new_entry();
  entry.where = where;
  if (tries_[t].declaration < 0 || declarations_[tries_[t].declaration].top_node < 0) {
    entry.node = std::move(leaf);
    detail::unmatched_definition u;
    u.loc.assign(path.begin(), path.begin() + static_cast<std::ptrdiff_t>(std::min(i + 1, path.size())));
    u.below.assign(path.begin() + static_cast<std::ptrdiff_t>(u.loc.size()), path.end());
    u.trie = t;
    u.option = o;
    u.ref = def_ref{&entry, &entry.node, nullptr};
    unmatched_.push_back(std::move(u));
    return;
  }
  entry.node = with_conditions(wrap_below(std::move(leaf), path, i), conditions);
  entry.top_node = declarations_[tries_[t].declaration].top_node;
}

constexpr void evaluator::each(const option_base& o, detail::instance_configurer* owned, const detail::location& where,
                               const std::vector<std::uint32_t>& conditions) {
  configurers_.emplace_back(owned);
  const auto* d = declaration_of(o);
  if (d == nullptr || d->top_node < 0) {
    return fail("The option `" + std::string(o.path) + "' configured with each() at " + where_of(where) +
                " does not exist: its module is not imported.");
  }
  nodes_[d->top_node].submodule().each.push_back({owned, where, conditions});
}

// Definitions from each(): fields of this instance, relative to its container.
constexpr void evaluator::define_in_instance(instance_scope& scope, const option_base& o,
                                             const std::vector<std::string>& path, def_node&& leaf,
                                             const detail::location& where,
                                             const std::vector<std::uint32_t>& conditions) {
  const auto& container = scope.container->loc;
  bool inside = path.size() > container.size() + (scope.name.empty() ? 0 : 1);
  for (std::size_t i = 0; inside && i < container.size(); ++i) inside = path[i] == container[i];
  if (inside && !scope.name.empty()) inside = path[container.size()] == scope.name;
  if (!inside)
    return fail("The option `" + std::string(o.path) + "' defined at " + where_of(where) +
                " is not a field of `" + detail::show_option(container) + "', whose instances each() configures.");
  std::size_t start = container.size() + (scope.name.empty() ? 0 : 1);
  std::uint32_t t = scope.fields;  // a plain submodule's node holds its own declaration
  std::size_t i = start;
  std::string key;
  while (i < path.size()) {
    auto next = tries_[t].child(path[i]);
    if (next == 0) break;
    if (!key.empty()) key += ".";
    key += path[i++];
    t = next;
    if (tries_[t].declaration >= 0) break;
  }
  if (key.empty() || tries_[t].declaration < 0) {
    // NixOS reports the first segment that matches nothing, with the value defined below it.
    std::size_t matched = std::min(i + 1, path.size());
    std::vector<std::string> loc(path.begin(), path.begin() + static_cast<std::ptrdiff_t>(matched));
    std::vector<std::string> suggestions;
    if (i < path.size())
      for (auto& c : detail::closest(path[i], tries_[t].names)) {
        auto sl = std::vector<std::string>(path.begin(), path.begin() + static_cast<std::ptrdiff_t>(i));
        sl.push_back(c);
        suggestions.push_back(detail::show_option(sl));
      }
    std::string not_imported;
    if (find_path(o.path) == nullptr) not_imported = where_of(o);
    return fail(detail::messages::does_not_exist(
        detail::show_option(loc), {shown{where_of(where), display_below(leaf, path, matched)}}, suggestions, false,
        not_imported));
  }
  auto entry = detail::box<detail::def_entry>::make();
  entry->where = where;
  entry->scope = &scope;
  entry->node = with_conditions(wrap_below(std::move(leaf), path, i), conditions);
  scope.own.push_back(std::move(entry));
  scope.own_keys.push_back(key);
  scope.own_group.push_back(current_group_);
}

}  // namespace cairn
