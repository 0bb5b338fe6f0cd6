// cairn/detail/eval_diagnostics.hpp: errors: failing (thrown at run time, recorded at compile time), the
// definitions as messages show them, unknown options with suggestions, cycles, `option PATH`.
// Members of cairn::evaluator, which eval.hpp declares.
#pragma once

#include "../eval.hpp"

namespace cairn {

constexpr void evaluator::fail(const std::string& message) {
  if (std::is_constant_evaluated()) {
    if (!error_) error_ = message;
  } else {
    throw evaluation_error(message);
  }
}

constexpr void evaluator::report_unmatched(const detail::unmatched_definition& u) {
  const auto& t = tries_[u.trie];
  std::vector<std::string> suggestions;
  auto wrong = u.loc.back();
  for (auto& c : detail::closest(wrong, t.names)) {
    std::vector<std::string> s(u.loc.begin(), u.loc.end() - 1);
    s.push_back(c);
    suggestions.push_back(detail::show_option(s));
  }
  std::string not_imported;
  if (u.option != nullptr && find_path(u.option->path) == nullptr) not_imported = where_of(*u.option);
  shown definition{where_of(u.ref.entry->where), display_below(*u.ref.node, u.below, 0)};
  fail(detail::messages::does_not_exist(detail::show_option(u.loc), {definition}, suggestions,
                                        declarations_.empty(), not_imported));
}

constexpr std::string evaluator::suggest(std::uint32_t t, const std::vector<std::string>& loc, std::size_t i) const {
  auto found = detail::closest(loc[i], tries_[t].names);
  if (found.empty()) return "";
  std::vector<std::string> s(loc.begin(), loc.begin() + static_cast<std::ptrdiff_t>(i));
  s.push_back(found.front());
  return " Did you mean `" + detail::show_option(s) + "'?";
}

constexpr std::string evaluator::children_hint(std::uint32_t t) const {
  if (tries_[t].names.empty()) return "";
  std::string out = " It has: ";
  for (std::size_t i = 0; i < tries_[t].names.size() && i < 12; ++i) {
    if (i != 0) out += ", ";
    out += tries_[t].names[i];
  }
  return out + (tries_[t].names.size() > 12 ? ", ..." : "") + ".";
}

constexpr void evaluator::report_cycle(const node* n, bool names) {
  std::vector<std::string> chain;
  bool on = false;
  for (const auto& [s, is_names] : stack_) {
    on = on || (s == n && is_names == names);
    if (on) chain.push_back(detail::show_option(s->loc) + (is_names ? " (its names)" : ""));
  }
  chain.push_back(detail::show_option(n->loc) + (names ? " (its names)" : ""));
  fail(detail::messages::cycle(chain));
}

// The value of a definition as printed in messages (structured definitions shown as the
// attribute set they define; unevaluated deferred ones without value).
constexpr std::optional<value> evaluator::display(const def_node& n) const {
  switch (n.type) {
    case def_node::kind::plain: return n.plain;
    case def_node::kind::attrs: {
      auto v = display(n.children[0]);
      if (!v) return std::nullopt;
      attrs out;
      out.set(n.attr_name(), std::move(*v));
      return out;
    }
    case def_node::kind::override_:
    case def_node::kind::order:
    case def_node::kind::condition: return display(n.children[0]);
    default: return std::nullopt;
  }
}

// The value an unmatched definition has at the first segment that matches nothing: its own
// value nested below the rest of its path (`sea.enable = true` shows `{ enable = true; }`).
constexpr std::optional<value> evaluator::display_below(const def_node& leaf, const std::vector<std::string>& path,
                                                        std::size_t from) const {
  auto v = display(leaf);
  if (!v) return v;
  for (std::size_t k = path.size(); k-- > from;) {
    attrs a;
    a.set(path[k], std::move(*v));
    v = value(std::move(a));
  }
  return v;
}

constexpr evaluator::shown evaluator::show(const def_ref& r) {
  shown s{where_of(r.entry->where), std::nullopt};
  if (r.plain != nullptr) s.v = *r.plain;
  else if (r.node->type == def_node::kind::thunk && !failed()) {
    const value* v = force_ref(r);
    if (v != nullptr) s.v = *v;
  } else s.v = display(*r.node);
  return s;
}

constexpr std::vector<evaluator::shown> evaluator::show_all(const std::vector<def_ref>& defs) {
  std::vector<shown> out;
  for (const auto& r : defs) out.push_back(show(r));
  return out;
}

constexpr std::vector<detail::definition_report> evaluator::explain(const std::vector<std::string>& loc) {
  std::vector<detail::definition_report> out;
  auto r = resolve(loc);
  if (failed() || r.target == nullptr) return out;
  node& n = *r.target;
  if (is_submodule_container(type_of(declarations_[n.declaration]))) instances(n);
  // Leaves of each definition with their priority, order and whether their conditions hold.
  struct leaf {
    def_ref ref;
    bool holds;
    bool is_default;
  };
  std::vector<leaf> leaves;
  auto walk_leaves = [&](auto& self, const def_ref& ref, bool holds, bool is_default) -> void {
    if (ref.plain == nullptr && ref.node->type == def_node::kind::merge) {
      for (const auto& c : ref.node->children) self(self, def_ref{ref.entry, &c, nullptr}, holds, is_default);
    } else if (ref.plain == nullptr && ref.node->type == def_node::kind::condition) {
      bool h = holds && condition_holds(ref.node->callable, ref.entry->scope);
      self(self, def_ref{ref.entry, &ref.node->children[0], nullptr}, h, is_default);
    } else {
      leaves.push_back({ref, holds, is_default});
    }
  };
  if (n.has_default) walk_leaves(walk_leaves, def_ref{&n.default_entry, &n.default_entry.node, nullptr}, true, true);
  for (const auto& d : n.defs) walk_leaves(walk_leaves, d, true, false);
  std::int32_t best = 9999;
  for (const auto& l : leaves)
    if (l.holds) best = std::min(best, priority_of(l.ref));
  for (const auto& l : leaves) {
    detail::definition_report d;
    d.file = detail::normalize_path(l.ref.entry->where.file);
    d.line = l.ref.entry->where.line;
    d.module = l.ref.entry->where.module ? l.ref.entry->where.module->name : std::string_view();
    d.priority = priority_of(l.ref);
    auto inner = l.ref.node != nullptr && l.ref.node->type == def_node::kind::override_ ? strip(l.ref) : l.ref;
    d.order = order_of(inner);
    d.is_default = l.is_default;
    d.condition_holds = l.holds;
    d.wins = l.holds && d.priority == best;
    auto shown_value = show(inner);
    d.v = shown_value.v;
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace cairn
