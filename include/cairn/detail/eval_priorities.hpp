// cairn/detail/eval_priorities.hpp: NixOS's mergeDefinitions before the type's merge: conditions
// discharged, the winning priority kept, definitions sorted by order.
// Members of cairn::evaluator, which eval.hpp declares.
#pragma once

#include "../eval.hpp"

namespace cairn {

constexpr bool evaluator::condition_holds(std::uint32_t id, const instance_scope* scope) {
  value v = callables_[id]->call(cairn::config(*this, scope));
  if (failed()) return false;
  if (!v.is_bool()) {
    fail("\u2018mkIf\u2019 called with a non-Boolean condition");
    return false;
  }
  return v.as_bool();
}

constexpr void evaluator::discharge(const def_ref& r, std::vector<def_ref>& out) {
  if (r.plain != nullptr) {
    out.push_back(r);
    return;
  }
  const auto& n = *r.node;
  switch (n.type) {
    case def_node::kind::plain: out.push_back({r.entry, nullptr, &n.plain}); return;
    case def_node::kind::merge:
      for (const auto& c : n.children) discharge({r.entry, &c, nullptr}, out);
      return;
    case def_node::kind::condition:
      if (condition_holds(n.callable, r.entry->scope)) discharge({r.entry, &n.children[0], nullptr}, out);
      return;
    default: out.push_back(r);
  }
}

constexpr std::int32_t evaluator::priority_of(const def_ref& r) {
  if (r.node != nullptr && r.node->type == def_node::kind::override_) return r.node->number;
  // A declared default is mkOptionDefault of its value at the option's own level only: the
  // attributes and list entries inside it are plain definitions below.
  if (r.entry != nullptr && r.entry->option_default && (r.node == &r.entry->node || r.plain == &r.entry->node.plain))
    return priority::option_default;
  return priority::plain;
}

constexpr std::int32_t evaluator::order_of(const def_ref& r) {
  return r.node != nullptr && r.node->type == def_node::kind::order ? r.node->number : order::plain;
}

constexpr evaluator::def_ref evaluator::strip(const def_ref& r) {
  const def_node& c = r.node->children[0];
  if (c.type == def_node::kind::plain) return {r.entry, nullptr, &c.plain};
  return {r.entry, &c, nullptr};
}

// The usual case, every definition a plain value at the plain priority: nothing to discharge
// and no order, and a declared default (`first`, at a lower priority) loses to any of them. Fills
// `kept` as process() would and says so, or leaves it empty.
constexpr bool evaluator::plain_only(const def_ref* first, std::span<const def_ref> defs, std::vector<def_ref>& kept) {
  auto is_plain = [](const def_ref& r) {
    return (r.plain != nullptr || r.node->type == def_node::kind::plain) && priority_of(r) == priority::plain;
  };
  for (const auto& r : defs)
    if (!is_plain(r)) return false;
  if (defs.empty()) {
    if (first == nullptr || first->plain == nullptr) return false;  // a default alone: kept as it is
    kept.push_back(*first);
    return true;
  }
  if (first != nullptr && (first->plain == nullptr || priority_of(*first) <= priority::plain)) return false;
  for (const auto& r : defs) kept.push_back(r.plain != nullptr ? r : def_ref{r.entry, nullptr, &r.node->plain});
  return true;
}

constexpr std::vector<evaluator::def_ref> evaluator::process(const std::vector<def_ref>& defs) {
  std::vector<def_ref> kept;
  process(nullptr, defs, kept);
  return kept;
}

// `first` (when not null) comes before `defs`: a node's default.
constexpr void evaluator::process(const def_ref* first, std::span<const def_ref> defs, std::vector<def_ref>& kept) {
  kept.clear();  // discharged, then filtered in place
  kept.reserve(defs.size() + 1);
  if (plain_only(first, defs, kept)) return;
  if (first != nullptr) {
    discharge(*first, kept);
    if (failed()) return kept.clear();
  }
  for (const auto& r : defs) {
    discharge(r, kept);
    if (failed()) return kept.clear();
  }
  std::int32_t best = 9999;
  for (const auto& r : kept) best = std::min(best, priority_of(r));
  bool ordered = false;
  std::size_t count = 0;
  for (std::size_t i = 0; i < kept.size(); ++i) {
    const def_ref r = kept[i];
    if (priority_of(r) != best) continue;  // dropped before any check, as NixOS
    auto k = r.node != nullptr && r.node->type == def_node::kind::override_ ? strip(r) : r;
    ordered = ordered || (k.node != nullptr && k.node->type == def_node::kind::order);
    kept[count++] = k;
  }
  kept.resize(count);
  if (ordered) {
    detail::stable_sort(kept, [](const def_ref& a, const def_ref& b) { return order_of(a) < order_of(b); });
    for (auto& r : kept)
      if (r.node != nullptr && r.node->type == def_node::kind::order) r = strip(r);
  }
}

}  // namespace cairn
