// cairn/detail/eval_declarations.hpp: the table of declarations: the import graph, declarations merged per
// option path (mergeOptionDecls), the trie of paths, nesting checks, every option's node and default.
// Members of cairn::evaluator, which eval.hpp declares.
#pragma once

#include "../eval.hpp"

namespace cairn {

constexpr void evaluator::set_up(const module_info& root) {
  tries_.emplace_back();  // the root
  collect_modules(root);
  for (auto it = modules_.rbegin(); it != modules_.rend(); ++it) fold_order_.push_back(*it);
  // Room for every declaration and trie node up front: growing moves every trie node and
  // rehashes every path (a host of 20,000 options spent a tenth of declaring on that).
  std::size_t options = 0, segments = 0;
  for (const auto* m : fold_order_)
    for (const auto* o : m->options) {
      ++options;
      segments += 1 + static_cast<std::size_t>(std::count(o->path.begin(), o->path.end(), '.'));
    }
  declarations_.reserve(options);
  segments_.reserve(segments);
  if (!std::is_constant_evaluated()) option_index_.reserve(options);
  // Room for a node per option and a quarter more (options share most of their prefixes); it
  // grows if a host needs more. The bound, a node per segment, reserved twice what hosts use,
  // and in a heap of huge pages (huge_page_heap.hpp) reserved room is resident when unused.
  tries_.reserve(std::min(segments, options + options / 4) + 1);
  nodes_.reserve(options);
  for (const auto* m : fold_order_)
    for (const auto* o : m->options) declare(*o);
  if (failed()) return;
  check_nesting();
  if (failed()) return;
  index_fields();
}

constexpr void evaluator::collect_modules(const module_info& root) {
  // Disabled modules from every reachable module count, as NixOS collects them from the
  // whole import tree before walking it.
  std::vector<const module_info*> seen{&root};
  std::vector<const module_info*> disabled;
  for (std::size_t i = 0; i < seen.size(); ++i) {
    for (auto ref : seen[i]->disabled) disabled.push_back(&ref());
    for (auto ref : seen[i]->imports) {
      const module_info* m = &ref();
      if (std::find(seen.begin(), seen.end(), m) == seen.end()) seen.push_back(m);
    }
  }
  auto is_disabled = [&](const module_info* m) {
    return std::find(disabled.begin(), disabled.end(), m) != disabled.end();
  };
  if (is_disabled(&root)) return;
  modules_.push_back(&root);
  for (std::size_t i = 0; i < modules_.size(); ++i)
    for (auto ref : modules_[i]->imports) {
      const module_info* m = &ref();
      if (!is_disabled(m) && std::find(modules_.begin(), modules_.end(), m) == modules_.end()) modules_.push_back(m);
    }
}

constexpr std::string evaluator::where_of(const option_base& o) {
  return detail::normalize_path(o.declared_at.file_name()) + ":" + detail::to_string(std::int64_t(o.declared_at.line()));
}

constexpr std::string evaluator::where_of(const detail::location& l) {
  return detail::normalize_path(l.file) + ":" + detail::to_string(std::int64_t(l.line));
}

constexpr const detail::declaration* evaluator::declaration_of(const option_base& o) const {
  if (!std::is_constant_evaluated())
    if (const auto* i = option_index_.find(&o); i != nullptr) return &declarations_[*i];
  return find_path(o.path);  // at compile time; or an option object no imported module declares
}

// Walked in the trie, segment by segment: no index of whole paths is kept.
constexpr const detail::declaration* evaluator::find_path(std::string_view pattern) const {
  std::uint32_t t = 0;
  if (pattern.find('"') == std::string_view::npos) {  // no quoted segment: cut at every dot
    for (std::size_t start = 0;;) {
      const auto dot = pattern.find('.', start);
      t = next_in_pattern(t, pattern.substr(start, dot == std::string_view::npos ? dot : dot - start));
      if (t == 0) return nullptr;
      if (dot == std::string_view::npos) break;
      start = dot + 1;
    }
  } else {
    for (const auto& segment : split_path(pattern))
      if ((t = next_in_pattern(t, segment)) == 0) return nullptr;
  }
  const auto d = tries_[t].declaration;
  return d >= 0 ? &declarations_[static_cast<std::uint32_t>(d)] : nullptr;
}

constexpr bool evaluator::is_placeholder(std::string_view segment) {
  return segment.size() >= 2 && segment.front() == '<' && segment.back() == '>';
}

constexpr const type_descriptor& evaluator::type_of(const detail::declaration& d) const { return *d.type; }

constexpr void evaluator::declare(const option_base& o) {
  // The path's node in the trie, made if new: a known path is found there, not hashed apart.
  const auto first = segments_.size();
  split_path_into(o.path, segments_);  // within the capacity reserved at set-up
  const std::span<const std::string> loc(segments_.data() + first, segments_.size() - first);
  const auto t = insert_trie(loc);
  if (tries_[t].declaration < 0) {
    auto index = static_cast<std::uint32_t>(declarations_.size());
    if (!std::is_constant_evaluated()) option_index_.insert(&o, index);
    tries_[t].declaration = static_cast<std::int32_t>(index);
    auto& d = declarations_.emplace_back();  // within the capacity reserved at set-up
    d.path = o.path;
    d.loc = loc;
    d.type = o.type;
    d.declared_by.push_back(&o);
    if (o.has_default) d.with_default = &o;
    if (o.has_description()) d.described_by = &o;
    d.read_only = o.read_only;
    d.internal = o.internal;
    d.trie = t;
    return;
  }
  // Declared before: the segments are the first declaration's.
  const auto existing = static_cast<std::uint32_t>(tries_[t].declaration);
  segments_.resize(first);
  last_declared_ = declarations_[existing].loc;
  if (!std::is_constant_evaluated()) option_index_.insert(&o, existing);
  auto& d = declarations_[existing];
  for (const auto* earlier : d.declared_by)
    if (earlier == &o) return;  // the same C++ object declared by two modules: one declaration
  // NixOS's mergeOptionDecls: a field given by both declarations is an error.
  bool clash = (o.has_default && d.with_default != nullptr) ||
               (o.has_description() && d.described_by != nullptr) ||
               (!o.example.empty() && !d.example().empty());
  if (clash) {
    std::vector<std::string> earlier;
    for (const auto* e : d.declared_by) earlier.push_back(where_of(*e));
    return fail(detail::messages::already_declared(std::string(d.path), where_of(o), earlier));
  }
  const type_descriptor* merged = merge_types(d, *d.type, *o.type);
  if (merged == nullptr)
    return fail(detail::messages::types_do_not_merge(std::string(d.path), where_of(o), describe(*o.type),
                                                     where_of(*d.declared_by.front()), describe(*d.type)));
  d.type = merged;
  d.declared_by.push_back(&o);
  if (o.has_default) d.with_default = &o;
  if (d.described_by == nullptr && o.has_description()) d.described_by = &o;
}

// Declarations merge where NixOS's typeMerge succeeds: equal types, enums by union,
// containers when their elements merge, submodules (their fields are declared apart).
constexpr const type_descriptor* evaluator::merge_types(detail::declaration& d, const type_descriptor& a,
                                                        const type_descriptor& b) {
  if (&a == &b) return &a;
  if (a.kind != b.kind || a.name != b.name) return nullptr;
  switch (a.kind) {
    case type_kind::enumeration: {
      auto merged = detail::box<detail::enum_union>::make();
      merged->values.assign(a.values.begin(), a.values.end());
      for (auto v : b.values)
        if (std::find(merged->values.begin(), merged->values.end(), v) == merged->values.end())
          merged->values.push_back(v);
      merged->type = a;
      merged->type.values = std::span<const std::string_view>(merged->values.data(), merged->values.size());
      d.merged_enum = std::move(merged);  // `a` may be the one it replaces: not read after this
      return &d.merged_enum->type;
    }
    case type_kind::integer:
      return a.bounded == b.bounded && a.min == b.min && a.max == b.max ? &a : nullptr;
    case type_kind::separated_string: return a.separator == b.separator ? &a : nullptr;
    case type_kind::string: return a.rule == b.rule ? &a : nullptr;
    case type_kind::list_of:
    case type_kind::attrs_of:
    case type_kind::null_or:
    case type_kind::unique:
      return same_type(*a.elem, *b.elem) ? &a : nullptr;
    case type_kind::either: return same_type(*a.elem, *b.elem) && same_type(*a.elem2, *b.elem2) ? &a : nullptr;
    default: return &a;
  }
}

constexpr bool evaluator::same_type(const type_descriptor& a, const type_descriptor& b) {
  if (&a == &b) return true;
  if (a.kind != b.kind || a.name != b.name || a.bounded != b.bounded || a.min != b.min || a.max != b.max ||
      a.separator != b.separator || a.rule != b.rule || a.values.size() != b.values.size())
    return false;
  for (std::size_t i = 0; i < a.values.size(); ++i)
    if (a.values[i] != b.values[i]) return false;
  if ((a.elem == nullptr) != (b.elem == nullptr) || (a.elem2 == nullptr) != (b.elem2 == nullptr)) return false;
  return (a.elem == nullptr || same_type(*a.elem, *b.elem)) && (a.elem2 == nullptr || same_type(*a.elem2, *b.elem2));
}

constexpr std::uint32_t evaluator::insert_trie(std::span<const std::string> loc) {
  // A module declares its options one after another: the nodes of the prefix a path shares with
  // the one declared before it are taken as they are, without looking their names up again.
  std::size_t i = 0;
  std::uint32_t t = 0;
  for (; i < loc.size() && i < last_declared_.size() && loc[i] == last_declared_[i]; ++i) t = last_nodes_[i];
  last_nodes_.resize(i);
  for (; i < loc.size(); ++i) {
    const auto& segment = loc[i];
    std::uint32_t next = 0;
    if (is_placeholder(segment)) {
      next = tries_[t].placeholder;
      if (next == 0) {
        next = static_cast<std::uint32_t>(tries_.size());
        tries_[t].placeholder = next;
        tries_.emplace_back().parent = t;
      }
    } else {
      const auto made = static_cast<std::uint32_t>(tries_.size());
      next = tries_[t].child_or_add(segment, made);
      if (next == made) tries_.emplace_back().parent = t;
    }
    t = next;
    last_nodes_.push_back(t);
  }
  last_declared_ = loc;
  return t;
}

// Options below an option must be the fields of a submodule; every option outside a
// submodule gets its node.
constexpr void evaluator::check_nesting() {
  for (std::uint32_t i = 0; i < declarations_.size(); ++i) {
    auto& d = declarations_[i];
    const auto& t = tries_[d.trie];
    bool has_children = !t.names.empty() || t.placeholder != 0;
    if (has_children) {
      const auto& type = *d.type;
      bool ok = (type.kind == type_kind::submodule && t.placeholder == 0) ||
                (type.kind == type_kind::attrs_of && type.elem->kind == type_kind::submodule && t.names.empty());
      if (!ok) {
        auto child = first_declaration_below(d.trie);
        const auto& c = declarations_[child];
        std::vector<std::string> prefix(c.loc.begin(), c.loc.begin() + static_cast<std::ptrdiff_t>(d.loc.size() + 1));
        return fail(detail::messages::not_a_parent(detail::show_option(d.loc), where_of(*d.declared_by.front()),
                                                   describe(type), detail::show_option(prefix),
                                                   where_of(*c.declared_by.front())));
      }
    }
    bool in_submodule = false;
    for (const auto& s : d.loc) in_submodule = in_submodule || is_placeholder(s);
    if (!in_submodule && !inside_submodule_option(d)) {
      d.top_node = static_cast<std::int32_t>(nodes_.size());
      auto& n = nodes_.emplace_back();  // within the capacity reserved at set-up
      n.loc = d.loc;
      n.declaration = i;
      init_default(n, d);
    }
  }
}

// Direct access to the fields of submodule options outside submodules.
constexpr void evaluator::index_fields() {
  for (auto& d : declarations_) {
    if (d.top_node >= 0) continue;
    std::uint32_t t = 0;
    std::size_t i = 0;
    for (; i < d.loc.size() && tries_[t].declaration < 0; ++i) t = next_in_pattern(t, d.loc[i]);
    if (t == 0 || tries_[t].declaration < 0) continue;
    const auto& c = declarations_[tries_[t].declaration];
    if (c.top_node < 0) continue;
    auto below = t;
    if (c.type->kind == type_kind::attrs_of) {
      if (i >= d.loc.size() || !is_placeholder(d.loc[i])) continue;
      below = tries_[below].placeholder;
      ++i;
    }
    // Only fields of this instance itself: not those of a submodule nested in it
    // (machines.<name>.network.address lives in the instance of machines.<name>.network).
    std::string key;
    bool simple = true;
    for (; i < d.loc.size(); ++i) {
      below = next_in_pattern(below, d.loc[i]);
      simple = simple && !is_placeholder(d.loc[i]) && (i + 1 == d.loc.size() || tries_[below].declaration < 0);
      if (!key.empty()) key += ".";
      key += d.loc[i];
    }
    if (!simple) continue;
    d.container = tries_[t].declaration;
    d.field_key = detail::box<std::string>::make(std::move(key));
  }
}

constexpr std::uint32_t evaluator::next_in_pattern(std::uint32_t t, std::string_view segment) const {
  return is_placeholder(segment) ? tries_[t].placeholder : tries_[t].child(segment);
}

// Fields of a plain submodule option have no placeholder but live in its instance: an option
// above them is declared.
constexpr bool evaluator::inside_submodule_option(const detail::declaration& d) const {
  for (auto t = tries_[d.trie].parent; t != 0; t = tries_[t].parent)
    if (tries_[t].declaration >= 0) return true;
  return false;
}

constexpr std::uint32_t evaluator::first_declaration_below(std::uint32_t t) const {
  std::vector<std::uint32_t> queue{t};
  for (std::size_t i = 0; i < queue.size(); ++i) {
    const auto& n = tries_[queue[i]];
    if (i != 0 && n.declaration >= 0) return static_cast<std::uint32_t>(n.declaration);
    for (auto c : n.children) queue.push_back(c);
    if (n.placeholder != 0) queue.push_back(n.placeholder);
  }
  return 0;
}

constexpr void evaluator::init_default(node& n, const detail::declaration& d) {
  if (d.with_default == nullptr) return;
  n.has_default = true;
  // A plain value, not wrapped in mk_option_default: the entry says its priority (one heap node
  // less per option).
  n.default_entry.node.plain = d.with_default->make_default(*d.with_default);
  n.default_entry.option_default = true;
  n.default_entry.where = {d.with_default->declared_at.file_name(),
                            static_cast<std::uint32_t>(d.with_default->declared_at.line()), nullptr};
  n.default_entry.scope = n.scope;
}

constexpr std::vector<std::string> evaluator::split_path(std::string_view dotted) {
  std::vector<std::string> out;
  out.reserve(1 + static_cast<std::size_t>(std::count(dotted.begin(), dotted.end(), '.')));
  split_path_into(dotted, out);
  return out;
}

constexpr void evaluator::split_path_into(std::string_view dotted, std::vector<std::string>& out) {
  // Segments may be quoted as showOption prints them: environment.etc."ssh/sshd_config".text
  if (dotted.find('"') == std::string_view::npos) {  // no quoted segment: cut at every dot
    std::size_t start = 0;
    for (std::size_t dot; (dot = dotted.find('.', start)) != std::string_view::npos; start = dot + 1)
      out.emplace_back(dotted.substr(start, dot - start));
    out.emplace_back(dotted.substr(start));
    return;
  }
  std::string current;
  bool quoted = false;
  for (std::size_t i = 0; i < dotted.size(); ++i) {
    char c = dotted[i];
    if (quoted) {
      if (c == '\\' && i + 1 < dotted.size()) current.push_back(dotted[++i]);
      else if (c == '"') quoted = false;
      else current.push_back(c);
    } else if (c == '"') {
      quoted = true;
    } else if (c == '.') {
      out.push_back(current);
      current.clear();
    } else {
      current.push_back(c);
    }
  }
  out.push_back(current);
}

}  // namespace cairn
