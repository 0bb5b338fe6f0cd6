// cairn/eval.hpp: evaluating a host's modules into its configuration, as lib.evalModules.
//
//   cairn::evaluator e(cairn::module_info_of<demo>(), demo::meta);
//   const cairn::value& port = e.read("services.openssh.port");
//   cairn::value everything = e.whole_config();
//
// Order of work, as NixOS: the import graph (breadth first, deduplicated, disabled modules
// dropped, reversed), declarations merged per option path, every module's config function run
// once to register its definitions, then option values computed on demand and memoised:
// discharge conditions, keep the winning priority, sort by order, check and merge by type.
// Reading an option that is being computed is a cycle, reported with the options on it.
//
// Everything here is usable in constant evaluation (see compile_time.hpp); errors are thrown as
// cairn::evaluation_error at run time and recorded (first one wins) at compile time.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "config.hpp"
#include "definitions.hpp"
#include "detail/box.hpp"
#include "detail/containers.hpp"
#include "detail/definition.hpp"
#include "detail/messages.hpp"
#include "detail/pretty.hpp"
#include "module.hpp"
#include "option.hpp"
#include "type_descriptor.hpp"
#include "value.hpp"

namespace cairn {

struct layer;
struct located_value;

class evaluation_error : public std::runtime_error {
 public:
  explicit evaluation_error(const std::string& message) : std::runtime_error(message), message_(message) {}
  const char* what() const noexcept override { return full_.empty() ? message_.c_str() : full_.c_str(); }
  const std::string& message() const { return message_; }
  // "… while evaluating the option `X'" frames, innermost first.
  void add_frame(const std::string& frame) {
    frames_.push_back(frame);
    full_ = message_;
    for (const auto& f : frames_) full_ += "\n       … " + f;
  }

 private:
  std::string message_;
  std::vector<std::string> frames_;
  std::string full_;
};

namespace detail {

struct def_entry {
  def_node node;
  location where;
  const instance_scope* scope = nullptr;  // definitions of a submodule instance read it as `config`
};

// A definition seen at some level of a merge: the registered entry, and the part of it that
// applies here (a structured node, or a plain value inside a plain definition).
struct def_ref {
  const def_entry* entry = nullptr;
  const def_node* node = nullptr;
  const value* plain = nullptr;
};

// The merged declaration of one option path (a pattern for submodule fields).
struct declaration {
  std::string path;
  std::vector<std::string> loc;
  const type_descriptor* type = nullptr;
  std::vector<const option_base*> declared_by;  // in the order NixOS folds them
  std::vector<const module_info*> modules;
  const option_base* with_default = nullptr;
  std::string description;
  std::string_view example;
  std::string_view default_text;
  bool read_only = false;
  bool internal = false;
  std::uint32_t trie = 0;
  std::int32_t top_node = -1;  // options outside submodules have one node
  // Fields of a submodule option outside submodules (users.users.<name>.uid): that option's
  // declaration and the field's path inside an instance ("uid"), to read fields directly.
  std::int32_t container = -1;
  std::string field_key;
  // Enum unions create types of their own.
  box<type_descriptor> merged_type;
  std::vector<std::string_view> merged_values;
};

struct trie_node {
  std::vector<std::string> names;  // literal children, in declaration order
  std::vector<std::uint32_t> children;
  std::uint32_t placeholder = 0;  // the `<name>` child, 0 when none (the root is nobody's child)
  std::string placeholder_label;
  std::int32_t declaration = -1;
  // Positions in `names` by name, once there are many: a host of hundreds of modules has
  // hundreds of top-level names, looked up for every declaration.
  string_index by_name;

  static constexpr std::size_t indexed_from = 8;

  constexpr std::uint32_t child(std::string_view name) const {
    if (names.size() > indexed_from) {
      const std::uint32_t* i = by_name.find(name);
      return i != nullptr ? children[*i] : 0;
    }
    for (std::size_t i = 0; i < names.size(); ++i)
      if (names[i] == name) return children[i];
    return 0;
  }

  constexpr void add_child(std::string_view name, std::uint32_t node) {
    names.emplace_back(name);
    children.push_back(node);
    if (names.size() == indexed_from + 1) {
      for (std::size_t i = 0; i < names.size(); ++i) by_name.insert(names[i], static_cast<std::uint32_t>(i));
    } else if (names.size() > indexed_from + 1) {
      by_name.insert(name, static_cast<std::uint32_t>(names.size() - 1));
    }
  }
};

struct each_entry {
  const instance_configurer* configure = nullptr;
  location where;
  std::vector<std::uint32_t> conditions;
};

enum class state : std::uint8_t { unevaluated, evaluating, done };

struct node;

struct instance_scope {
  std::string name;
  node* container = nullptr;
  std::uint32_t fields = 0;           // the trie node holding the field declarations
  std::vector<def_ref> element_defs;  // after the element level's conditions, priorities, order
  std::vector<std::string> bound;     // placeholder names from the root to this instance
  bool prepared = false;
  std::vector<std::string> field_keys;  // relative dotted paths, parallel to field_nodes
  std::vector<box<node>> field_nodes;
  std::vector<box<def_entry>> own;  // definitions from each() for this instance
  std::vector<std::string> own_keys;
  std::vector<std::uint32_t> own_group;
};

struct node {
  // Its path: options outside submodules point at their declaration's (not copied, a large
  // host has tens of thousands), fields of instances own theirs.
  const std::vector<std::string>* declared_loc = nullptr;
  std::vector<std::string> own_loc;
  constexpr const std::vector<std::string>& loc() const {
    if (declared_loc != nullptr) return *declared_loc;
    return own_loc;
  }
  std::uint32_t declaration = 0;
  std::vector<def_ref> defs;      // in definition order, without the default
  def_entry default_entry;        // the declared default (when has_default): a definition at priority 1500
  bool has_default = false;
  state value_state = state::unevaluated;
  value result;
  std::vector<box<value>> forced;  // values of deferred definitions, alive with the node
  // Submodule containers:
  state names_state = state::unevaluated;
  std::vector<box<instance_scope>> instances;  // in name order
  std::vector<each_entry> each;
  instance_scope* scope = nullptr;  // the instance this node is a field of
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
  const std::vector<std::string>* base = nullptr;
  const loc_ref* parent = nullptr;
  std::string_view name;
  std::size_t definition = 0;  // list entries: [definition <definition>-entry <entry>]
  std::size_t entry = 0;

  constexpr std::vector<std::string> materialize() const {
    std::vector<std::string> out;
    if (parent != nullptr) out = parent->materialize();
    else if (base != nullptr) out = *base;
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

}  // namespace detail

class evaluator final : private detail::registrar, private detail::reader {
 public:
  constexpr evaluator(const module_info& root, const meta& host) : meta_(host) {
    set_up(root);
    register_modules(no_layers{});
  }

  // With definitions read at run time (layer.hpp): applied as modules listed after the host.
  evaluator(const module_info& root, const meta& host, std::span<const layer> layers);

  evaluator(const evaluator&) = delete;
  evaluator& operator=(const evaluator&) = delete;
  constexpr ~evaluator() = default;

  // The first error, when evaluating at compile time (at run time errors are thrown).
  constexpr const std::optional<std::string>& first_error() const { return error_; }
  constexpr bool failed() const { return error_.has_value(); }

  // The value at a concrete path: "services.openssh.port", users.users.alice.uid as
  // {"users", "users", "alice", "uid"}.
  constexpr const value& read(const std::vector<std::string>& loc) {
    auto r = resolve(loc);
    if (failed()) return empty_;
    return value_at(r);
  }
  constexpr const value& read(std::string_view dotted) { return read(split_path(dotted)); }

  // Every option outside submodules, computed, nested by path: NixOS's `config`.
  constexpr value whole_config() {
    attrs out;
    for (std::uint32_t i = 0; i < nodes_.size() && !failed(); ++i) {
      const auto& v = force(nodes_[i]);
      insert_at(out, nodes_[i].loc(), 0, v);
    }
    return out;
  }

  // The values whole_config() would nest, without assembling them: f(loc, value) for every
  // option outside submodules, in path order (names in byte order at every level), so that a
  // printer can stream them. A large host's configuration is not copied (bench/: 17% of
  // `eval --json` of W(400,50) was that copy). `loc` is a std::vector<std::string_view>.
  template <class F>
  constexpr void for_each_value(F&& f) {
    for (std::uint32_t i = 0; i < nodes_.size() && !failed(); ++i) force(nodes_[i]);
    if (failed()) return;
    std::vector<std::string_view> loc;
    visit_in_order(0, loc, f);
  }

  // Computes every option value and every field of every submodule instance, without
  // assembling the values of submodule options (whole_config does that).
  constexpr void force_all() {
    for (std::uint32_t i = 0; i < nodes_.size() && !failed(); ++i) force_deep(nodes_[i]);
  }

  constexpr cairn::config root_config() { return cairn::config(*this, nullptr); }
  constexpr const cairn::meta& host_meta() const override { return meta_; }

  // For the manual and `option PATH`.
  constexpr const std::vector<detail::box<detail::declaration>>& declarations() const { return declarations_; }
  constexpr const detail::declaration* find_declaration(std::string_view pattern) const {
    auto* i = declaration_index_.find(pattern);
    return i ? declarations_[*i].get() : nullptr;
  }
  constexpr const std::vector<const module_info*>& modules() const { return modules_; }

  // Every definition of the option at `loc`, with what became of it.
  constexpr std::vector<detail::definition_report> explain(const std::vector<std::string>& loc);

  // The pattern path of the option at a concrete path ("users.users.<name>.uid").
  constexpr const detail::declaration* declaration_at(const std::vector<std::string>& loc) {
    auto r = resolve(loc);
    if (failed() || r.target == nullptr || !r.rest.empty()) return nullptr;
    return declarations_[r.target->declaration].get();
  }

  static constexpr std::vector<std::string> split_path(std::string_view dotted);

 private:
  using def_ref = detail::def_ref;
  using def_node = detail::def_node;
  using node = detail::node;
  using instance_scope = detail::instance_scope;
  using shown = detail::messages::shown_definition;

  // ---- set-up ---------------------------------------------------------------------------

  constexpr void set_up(const module_info& root) {
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
    declaration_index_.reserve(options);
    tries_.reserve(segments + 1);  // at most one node per segment, and the root
    nodes_.reserve(options);
    for (const auto* m : fold_order_)
      for (const auto* o : m->options) declare(*o, m);
    if (failed()) return;
    check_nesting();
    if (failed()) return;
    index_fields();
  }

  // Every module's definitions, in NixOS's order; run-time layers come as top-level modules
  // after the host: reversed, just before the host's own definitions.
  struct no_layers {};
  template <class Layers>
  constexpr void register_modules(const Layers& layers) {
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
    if (!unmatched_.empty()) report_unmatched(unmatched_.front());
  }

  void register_layer(const layer& l);
  void register_layer_value(const located_value& v, std::uint32_t t, std::vector<std::string>& path,
                            std::string_view file, std::int32_t priority, bool inside_instance);

  // ---- errors ---------------------------------------------------------------------------

  constexpr void fail(const std::string& message) {
    if (std::is_constant_evaluated()) {
      if (!error_) error_ = message;
    } else {
      throw evaluation_error(message);
    }
  }

  // ---- the import graph ------------------------------------------------------------------

  constexpr void collect_modules(const module_info& root) {
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

  // ---- declarations ----------------------------------------------------------------------

  static constexpr std::string where_of(const option_base& o) {
    return detail::normalize_path(o.declared_at.file_name()) + ":" + detail::to_string(std::int64_t(o.declared_at.line()));
  }
  static constexpr std::string where_of(const detail::location& l) {
    return detail::normalize_path(l.file) + ":" + detail::to_string(std::int64_t(l.line));
  }
  static constexpr bool is_placeholder(std::string_view segment) {
    return segment.size() >= 2 && segment.front() == '<' && segment.back() == '>';
  }

  constexpr const type_descriptor& type_of(const detail::declaration& d) const { return *d.type; }

  constexpr void declare(const option_base& o, const module_info* m) {
    auto existing = declaration_index_.find(o.path);
    if (existing == nullptr) {
      auto d = detail::box<detail::declaration>::make();
      d->path = std::string(o.path);
      d->loc = split_path(o.path);
      d->type = o.type;
      d->declared_by.push_back(&o);
      d->modules.push_back(m);
      if (o.has_default) d->with_default = &o;
      d->description = o.full_description();
      d->example = o.example;
      d->default_text = o.default_text;
      d->read_only = o.read_only;
      d->internal = o.internal;
      auto index = static_cast<std::uint32_t>(declarations_.size());
      declaration_index_.insert(o.path, index);
      d->trie = insert_trie(d->loc, index);
      declarations_.push_back(std::move(d));
      return;
    }
    auto& d = *declarations_[*existing];
    for (const auto* earlier : d.declared_by)
      if (earlier == &o) {  // the same C++ object declared by two modules: one declaration
        d.modules.push_back(m);
        return;
      }
    // NixOS's mergeOptionDecls: a field given by both declarations is an error.
    bool clash = (o.has_default && d.with_default != nullptr) ||
                 (!o.full_description().empty() && !d.description.empty()) ||
                 (!o.example.empty() && !d.example.empty());
    if (clash) {
      std::vector<std::string> earlier;
      for (const auto* e : d.declared_by) earlier.push_back(where_of(*e));
      return fail(detail::messages::already_declared(d.path, where_of(o), earlier));
    }
    const type_descriptor* merged = merge_types(d, *d.type, *o.type);
    if (merged == nullptr)
      return fail(detail::messages::types_do_not_merge(d.path, where_of(o), describe(*o.type),
                                                       where_of(*d.declared_by.front()), describe(*d.type)));
    d.type = merged;
    d.declared_by.push_back(&o);
    d.modules.push_back(m);
    if (o.has_default) d.with_default = &o;
    if (d.description.empty()) d.description = o.full_description();
    if (d.example.empty()) d.example = o.example;
    if (d.default_text.empty()) d.default_text = o.default_text;
  }

  // Declarations merge where NixOS's typeMerge succeeds: equal types, enums by union,
  // containers when their elements merge, submodules (their fields are declared apart).
  constexpr const type_descriptor* merge_types(detail::declaration& d, const type_descriptor& a,
                                               const type_descriptor& b) {
    if (&a == &b) return &a;
    if (a.kind != b.kind || a.name != b.name) return nullptr;
    switch (a.kind) {
      case type_kind::enumeration: {
        d.merged_values.assign(a.values.begin(), a.values.end());
        for (auto v : b.values)
          if (std::find(d.merged_values.begin(), d.merged_values.end(), v) == d.merged_values.end())
            d.merged_values.push_back(v);
        d.merged_type = detail::box<type_descriptor>::make(a);
        d.merged_type->values = std::span<const std::string_view>(d.merged_values.data(), d.merged_values.size());
        return d.merged_type.get();
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
  static constexpr bool same_type(const type_descriptor& a, const type_descriptor& b) {
    if (&a == &b) return true;
    if (a.kind != b.kind || a.name != b.name || a.bounded != b.bounded || a.min != b.min || a.max != b.max ||
        a.separator != b.separator || a.rule != b.rule || a.values.size() != b.values.size())
      return false;
    for (std::size_t i = 0; i < a.values.size(); ++i)
      if (a.values[i] != b.values[i]) return false;
    if ((a.elem == nullptr) != (b.elem == nullptr) || (a.elem2 == nullptr) != (b.elem2 == nullptr)) return false;
    return (a.elem == nullptr || same_type(*a.elem, *b.elem)) && (a.elem2 == nullptr || same_type(*a.elem2, *b.elem2));
  }

  constexpr std::uint32_t insert_trie(const std::vector<std::string>& loc, std::uint32_t declaration) {
    std::uint32_t t = 0;
    for (const auto& segment : loc) {
      std::uint32_t next = 0;
      if (is_placeholder(segment)) {
        next = tries_[t].placeholder;
        if (next == 0) {
          next = static_cast<std::uint32_t>(tries_.size());
          tries_[t].placeholder = next;
          tries_[t].placeholder_label = segment;
          tries_.emplace_back();
        }
      } else {
        next = tries_[t].child(segment);
        if (next == 0) {
          next = static_cast<std::uint32_t>(tries_.size());
          tries_[t].add_child(segment, next);
          tries_.emplace_back();
        }
      }
      t = next;
    }
    tries_[t].declaration = static_cast<std::int32_t>(declaration);
    return t;
  }

  // Options below an option must be the fields of a submodule; every option outside a
  // submodule gets its node.
  constexpr void check_nesting() {
    for (std::uint32_t i = 0; i < declarations_.size(); ++i) {
      auto& d = *declarations_[i];
      const auto& t = tries_[d.trie];
      bool has_children = !t.names.empty() || t.placeholder != 0;
      if (has_children) {
        const auto& type = *d.type;
        bool ok = (type.kind == type_kind::submodule && t.placeholder == 0) ||
                  (type.kind == type_kind::attrs_of && type.elem->kind == type_kind::submodule && t.names.empty());
        if (!ok) {
          auto child = first_declaration_below(d.trie);
          const auto& c = *declarations_[child];
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
        n.declared_loc = &d.loc;
        n.declaration = i;
        init_default(n, d);
      }
    }
  }
  // Direct access to the fields of submodule options outside submodules.
  constexpr void index_fields() {
    for (auto& d : declarations_) {
      if (d->top_node >= 0) continue;
      std::uint32_t t = 0;
      std::size_t i = 0;
      for (; i < d->loc.size() && tries_[t].declaration < 0; ++i) t = next_in_pattern(t, d->loc[i]);
      if (t == 0 || tries_[t].declaration < 0) continue;
      const auto& c = *declarations_[tries_[t].declaration];
      if (c.top_node < 0) continue;
      auto below = t;
      if (c.type->kind == type_kind::attrs_of) {
        if (i >= d->loc.size() || !is_placeholder(d->loc[i])) continue;
        below = tries_[below].placeholder;
        ++i;
      }
      // Only fields of this instance itself: not those of a submodule nested in it
      // (machines.<name>.network.address lives in the instance of machines.<name>.network).
      std::string key;
      bool simple = true;
      for (; i < d->loc.size(); ++i) {
        below = next_in_pattern(below, d->loc[i]);
        simple = simple && !is_placeholder(d->loc[i]) && (i + 1 == d->loc.size() || tries_[below].declaration < 0);
        if (!key.empty()) key += ".";
        key += d->loc[i];
      }
      if (!simple) continue;
      d->container = tries_[t].declaration;
      d->field_key = std::move(key);
    }
  }
  constexpr std::uint32_t next_in_pattern(std::uint32_t t, std::string_view segment) const {
    return is_placeholder(segment) ? tries_[t].placeholder : tries_[t].child(segment);
  }

  // Fields of a plain submodule option have no placeholder but live in its instance.
  constexpr bool inside_submodule_option(const detail::declaration& d) const {
    std::uint32_t t = 0;
    for (std::size_t i = 0; i + 1 < d.loc.size(); ++i) {
      t = tries_[t].child(d.loc[i]);
      if (t == 0) return false;
      if (tries_[t].declaration >= 0) return true;
    }
    return false;
  }
  constexpr std::uint32_t first_declaration_below(std::uint32_t t) const {
    std::vector<std::uint32_t> queue{t};
    for (std::size_t i = 0; i < queue.size(); ++i) {
      const auto& n = tries_[queue[i]];
      if (i != 0 && n.declaration >= 0) return static_cast<std::uint32_t>(n.declaration);
      for (auto c : n.children) queue.push_back(c);
      if (n.placeholder != 0) queue.push_back(n.placeholder);
    }
    return 0;
  }

  constexpr void init_default(node& n, const detail::declaration& d) {
    if (d.with_default == nullptr) return;
    n.has_default = true;
    // def_node::wrap(override_, option_default, def_node::of(default)), built in place.
    auto& wrapped = n.default_entry.node;
    wrapped.type = def_node::kind::override_;
    wrapped.number = priority::option_default;
    wrapped.children.emplace_back();
    wrapped.children.back().plain = d.with_default->make_default(*d.with_default);
    n.default_entry.where = {d.with_default->declared_at.file_name(),
                              static_cast<std::uint32_t>(d.with_default->declared_at.line()), nullptr};
    n.default_entry.scope = n.scope;
  }

  // ---- registration ----------------------------------------------------------------------

  constexpr detail::def_entry& new_entry() {
    if (entries_.empty() || entries_.back().size() == entries_.back().capacity()) {
      entries_.emplace_back();
      entries_.back().reserve(256);
    }
    return entries_.back().emplace_back();
  }

  constexpr std::uint32_t add_callable(detail::callable* owned) override {
    callables_.emplace_back(owned);
    return static_cast<std::uint32_t>(callables_.size() - 1);
  }

  // The concrete path of a definition or read: the option's pattern with its placeholders bound,
  // then attribute names.
  constexpr std::optional<std::vector<std::string>> concrete_path(const option_base& o,
                                                                  const std::vector<std::string>& names,
                                                                  std::uint8_t bound, const instance_scope* scope) {
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

  static constexpr def_node wrap_below(def_node&& leaf, const std::vector<std::string>& loc, std::size_t from) {
    for (std::size_t i = loc.size(); i-- > from;) {
      def_node a;
      a.type = def_node::kind::attrs;
      a.names.push_back(loc[i]);
      a.children.push_back(std::move(leaf));
      leaf = std::move(a);
    }
    return std::move(leaf);
  }
  static constexpr def_node with_conditions(def_node&& n, const std::vector<std::uint32_t>& conditions) {
    for (auto i = conditions.size(); i-- > 0;) {
      auto wrapped = def_node::wrap(def_node::kind::condition, 0, std::move(n));
      wrapped.callable = conditions[i];
      n = std::move(wrapped);
    }
    return std::move(n);
  }

  constexpr void define(const option_base& o, const std::vector<std::string>& names, std::uint8_t bound,
                        def_node&& leaf, const detail::location& where, const std::vector<std::uint32_t>& conditions,
                        instance_scope* scope) override {
    // The common case, an option outside submodules (perhaps indexed by attribute names): found
    // by its path, without building the concrete path or walking the trie level by level.
    if (scope == nullptr && bound == 0) {
      if (auto* i = declaration_index_.find(o.path); i != nullptr && declarations_[*i]->top_node >= 0) {
        auto& entry = new_entry();
        entry.where = where;
        if (names.empty() && conditions.empty()) entry.node = std::move(leaf);
        else entry.node = with_conditions(wrap_below(std::move(leaf), names, 0), conditions);
        nodes_[declarations_[*i]->top_node].defs.push_back(def_ref{&entry, &entry.node, nullptr});
        return;
      }
    }
    auto path = concrete_path(o, names, bound, scope);
    if (!path) return fail(detail::messages::needs_instance(std::string(o.path)));
    if (scope != nullptr) return define_in_instance(*scope, o, *path, std::move(leaf), where, conditions);
    define_concrete(*path, std::move(leaf), where, conditions, &o);
  }

  // A definition at a concrete path: attached to the option outside submodules that holds it.
  constexpr void define_concrete(const std::vector<std::string>& path, def_node&& leaf, const detail::location& where,
                                 const std::vector<std::uint32_t>& conditions, const option_base* o) {
    std::uint32_t t = 0;
    std::size_t i = 0;
    for (; i < path.size() && tries_[t].declaration < 0; ++i) {
      auto next = tries_[t].child(path[i]);
      if (next == 0) break;
      t = next;
    }
    auto& entry = new_entry();
    entry.where = where;
    if (tries_[t].declaration < 0 || declarations_[tries_[t].declaration]->top_node < 0) {
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
    auto& n = nodes_[declarations_[tries_[t].declaration]->top_node];
    n.defs.push_back(def_ref{&entry, &entry.node, nullptr});
  }

  constexpr void each(const option_base& o, detail::instance_configurer* owned, const detail::location& where,
                      const std::vector<std::uint32_t>& conditions) override {
    configurers_.emplace_back(owned);
    auto* index = declaration_index_.find(o.path);
    if (index == nullptr || declarations_[*index]->top_node < 0) {
      return fail("The option `" + std::string(o.path) + "' configured with each() at " + where_of(where) +
                  " does not exist: its module is not imported.");
    }
    nodes_[declarations_[*index]->top_node].each.push_back({owned, where, conditions});
  }

  // Definitions from each(): fields of this instance, relative to its container.
  constexpr void define_in_instance(instance_scope& scope, const option_base& o, const std::vector<std::string>& path,
                                    def_node&& leaf, const detail::location& where,
                                    const std::vector<std::uint32_t>& conditions) {
    const auto& container = scope.container->loc();
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
      if (declaration_index_.find(o.path) == nullptr) not_imported = where_of(o);
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

  constexpr void report_unmatched(const detail::unmatched_definition& u) {
    const auto& t = tries_[u.trie];
    std::vector<std::string> suggestions;
    std::vector<std::string> candidates = t.names;
    auto wrong = u.loc.back();
    for (auto& c : detail::closest(wrong, candidates)) {
      std::vector<std::string> s(u.loc.begin(), u.loc.end() - 1);
      s.push_back(c);
      suggestions.push_back(detail::show_option(s));
    }
    std::string not_imported;
    if (u.option != nullptr && declaration_index_.find(u.option->path) == nullptr) not_imported = where_of(*u.option);
    shown definition{where_of(u.ref.entry->where), display_below(*u.ref.node, u.below, 0)};
    fail(detail::messages::does_not_exist(detail::show_option(u.loc), {definition}, suggestions,
                                          declarations_.empty(), not_imported));
  }

  // ---- reading ---------------------------------------------------------------------------

  struct resolved {
    node* target = nullptr;
    instance_scope* scope = nullptr;  // with target null: an intermediate path inside an instance
    std::uint32_t fields = 0;
    std::string key_prefix;
    bool root_set = false;          // with target null: a set of options outside submodules
    std::vector<std::string> rest;  // attribute names below the option
    std::vector<std::string> loc;
  };

  constexpr resolved resolve(const std::vector<std::string>& loc) {
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
    if (declarations_[tries_[t].declaration]->top_node < 0) {
      fail("`" + detail::show_option(loc) + "' is a field of a submodule; name its instance." + children_hint(t));
      return r;
    }
    return walk(nodes_[declarations_[tries_[t].declaration]->top_node],
                std::vector<std::string>(loc.begin() + static_cast<std::ptrdiff_t>(i), loc.end()), loc);
  }

  constexpr std::string suggest(std::uint32_t t, const std::vector<std::string>& loc, std::size_t i) const {
    auto found = detail::closest(loc[i], tries_[t].names);
    if (found.empty()) return "";
    std::vector<std::string> s(loc.begin(), loc.begin() + static_cast<std::ptrdiff_t>(i));
    s.push_back(found.front());
    return " Did you mean `" + detail::show_option(s) + "'?";
  }
  constexpr std::string children_hint(std::uint32_t t) const {
    if (tries_[t].names.empty()) return "";
    std::string out = " It has: ";
    for (std::size_t i = 0; i < tries_[t].names.size() && i < 12; ++i) {
      if (i != 0) out += ", ";
      out += tries_[t].names[i];
    }
    return out + (tries_[t].names.size() > 12 ? ", ..." : "") + ".";
  }

  constexpr resolved walk(node& n, std::vector<std::string> rest, const std::vector<std::string>& loc) {
    resolved r;
    r.loc = loc;
    if (rest.empty() || !is_submodule_container(type_of(*declarations_[n.declaration]))) {
      r.target = &n;
      r.rest = std::move(rest);
      return r;
    }
    instances(n);
    if (failed()) return r;
    instance_scope* scope = nullptr;
    std::size_t used = 0;
    if (type_of(*declarations_[n.declaration]).kind == type_kind::submodule) {
      scope = n.instances.empty() ? nullptr : n.instances.front().get();
    } else {
      scope = find_instance(n, rest.front());
      used = 1;
      if (scope == nullptr) {
        fail(detail::messages::missing_attribute(detail::show_option(n.loc()), rest.front()));
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
        std::vector<std::string> prefix = n.loc();
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

  constexpr const value& value_at(const resolved& r) {
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

  constexpr const value& read(const option_base& o, const std::vector<std::string>& names, std::uint8_t bound,
                              const instance_scope* scope) override {
    const value& v = read_option(o, names, bound, scope);
    if (failed()) return placeholder(*o.type);
    return v;
  }

  // After an error at compile time, reads give an empty value of the option's kind, so that the
  // code reading it runs on to the end and the first error is the one reported.
  constexpr const value& placeholder(const type_descriptor& t) {
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

  constexpr const value& read_option(const option_base& o, const std::vector<std::string>& names, std::uint8_t bound,
                                     const instance_scope* scope) {
    if (failed()) return empty_;
    if (auto* i = declaration_index_.find(o.path); i != nullptr) {
      const auto& d = *declarations_[*i];
      if (d.top_node >= 0 && names.empty()) return force(nodes_[d.top_node]);  // the common case
      if (d.container >= 0 && names.size() == bound) {  // a field: users.users.<name>.uid
        node& c = nodes_[declarations_[d.container]->top_node];
        instances(c);
        if (failed()) return empty_;
        instance_scope* s = nullptr;
        if (declarations_[d.container]->type->kind == type_kind::submodule) s = c.instances.front().get();
        else if (bound >= 1) s = find_instance(c, names[0]);
        else if (scope != nullptr && scope->container == &c) s = const_cast<instance_scope*>(scope);
        if (s != nullptr) {
          prepare(*s);
          if (failed()) return empty_;
          return force(field(*s, d.field_key, d.trie));
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

  constexpr std::vector<std::string> names(const option_base& o, const std::vector<std::string>& names,
                                           std::uint8_t bound, const instance_scope* scope) override {
    auto path = concrete_path(o, names, bound, scope);
    std::vector<std::string> out;
    if (!path) {
      fail(detail::messages::needs_instance(std::string(o.path)));
      return out;
    }
    auto r = resolve(*path);
    if (failed()) return out;
    if (r.target != nullptr && r.rest.empty() && is_submodule_container(type_of(*declarations_[r.target->declaration]))) {
      instances(*r.target);
      for (const auto& s : r.target->instances) out.push_back(s->name);
      return out;
    }
    const auto& v = value_at(r);
    if (v.is_attrs())
      for (const auto& a : v.as_attrs()) out.push_back(a.name);
    return out;
  }

  constexpr bool evaluation_failed() const override { return failed(); }

  constexpr std::string_view instance_name(const instance_scope* scope) const override {
    return scope ? std::string_view(scope->name) : std::string_view();
  }

  static constexpr void insert_at(attrs& into, const std::vector<std::string>& loc, std::size_t i, const value& v) {
    if (i + 1 == loc.size()) {
      into.set(loc[i], v);
      return;
    }
    value* sub = into.find(loc[i]);
    if (sub == nullptr || !sub->is_attrs()) sub = &into.set(loc[i], attrs{});
    insert_at(sub->as_attrs(), loc, i + 1, v);
  }

  // ---- forcing ---------------------------------------------------------------------------

  constexpr const value& force(node& n) {
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
        if (stack_.size() > 1 || frames_started_) e.add_frame("while evaluating the option `" + detail::show_option(n.loc()) + "'");
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

  constexpr void report_cycle(const node* n, bool names) {
    std::vector<std::string> chain;
    bool on = false;
    for (const auto& [s, is_names] : stack_) {
      on = on || (s == n && is_names == names);
      if (on) chain.push_back(detail::show_option(s->loc()) + (is_names ? " (its names)" : ""));
    }
    chain.push_back(detail::show_option(n->loc()) + (names ? " (its names)" : ""));
    fail(detail::messages::cycle(chain));
  }

  constexpr std::vector<def_ref> all_defs(node& n) {
    std::vector<def_ref> defs;
    defs.reserve(n.defs.size() + 1);
    if (n.has_default) defs.push_back(default_ref(n));
    defs.insert(defs.end(), n.defs.begin(), n.defs.end());
    return defs;
  }
  static constexpr def_ref default_ref(const node& n) {
    return {&n.default_entry, &n.default_entry.node, nullptr};
  }

  constexpr value compute(node& n) {
    const auto& d = *declarations_[n.declaration];
    const auto& type = type_of(d);
    if (d.read_only && n.defs.size() + (n.has_default ? 1 : 0) > 1) {
      std::vector<shown> each;
      for (const auto& r : all_defs(n)) each.push_back(show(r, &n));
      fail(detail::messages::read_only_set_twice(detail::show_option(n.loc()), each));
      return {};
    }
    if (is_submodule_container(type)) return container_value(n);
    // The default first, then the definitions (all_defs(n), without copying them).
    def_ref default_def;
    if (n.has_default) default_def = default_ref(n);
    auto processed = process(n.has_default ? &default_def : nullptr, n.defs);
    if (failed()) return {};
    if (processed.empty()) {
      if (has_empty_value(type)) return empty_value(type);
      fail(detail::messages::no_value(detail::show_option(n.loc())));
      return {};
    }
    return merge_values(detail::loc_ref{&n.loc()}, type, processed, n);
  }

  // ---- NixOS's mergeDefinitions: discharge, priorities, order --------------------------------

  constexpr bool condition_holds(std::uint32_t id, const instance_scope* scope) {
    value v = callables_[id]->call(cairn::config(*this, scope));
    if (failed()) return false;
    if (!v.is_bool()) {
      fail("\u2018mkIf\u2019 called with a non-Boolean condition");
      return false;
    }
    return v.as_bool();
  }

  constexpr void discharge(const def_ref& r, std::vector<def_ref>& out) {
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

  static constexpr std::int32_t priority_of(const def_ref& r) {
    return r.node != nullptr && r.node->type == def_node::kind::override_ ? r.node->number : priority::plain;
  }
  static constexpr std::int32_t order_of(const def_ref& r) {
    return r.node != nullptr && r.node->type == def_node::kind::order ? r.node->number : order::plain;
  }
  static constexpr def_ref strip(const def_ref& r) {
    const def_node& c = r.node->children[0];
    if (c.type == def_node::kind::plain) return {r.entry, nullptr, &c.plain};
    return {r.entry, &c, nullptr};
  }

  constexpr std::vector<def_ref> process(const std::vector<def_ref>& defs) { return process(nullptr, defs); }
  // `first` (when not null) comes before `defs`: a node's default.
  constexpr std::vector<def_ref> process(const def_ref* first, const std::vector<def_ref>& defs) {
    std::vector<def_ref> kept;  // discharged, then filtered in place
    kept.reserve(defs.size() + 1);
    if (first != nullptr) {
      discharge(*first, kept);
      if (failed()) return {};
    }
    for (const auto& r : defs) {
      discharge(r, kept);
      if (failed()) return {};
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
    return kept;
  }

  // The value of a definition at this level: plain, or computed (deferred definitions).
  // Structured attribute sets have no single value here (null is returned).
  constexpr const value* force_ref(const def_ref& r, node& owner) {
    if (r.plain != nullptr) return r.plain;
    if (r.node->type == def_node::kind::plain) return &r.node->plain;
    if (r.node->type == def_node::kind::thunk) {
      // Checking, merging and showing a definition each ask for its value: compute it once.
      if (r.node->forced != nullptr) return r.node->forced;
      value v = callables_[r.node->callable]->call(cairn::config(*this, r.entry->scope));
      owner.forced.push_back(detail::box<value>::make(std::move(v)));
      // The node is the evaluator's own (registered definitions are never const objects).
      const_cast<def_node*>(r.node)->forced = owner.forced.back().get();
      return r.node->forced;
    }
    return nullptr;
  }

  // ---- check and merge, per type ---------------------------------------------------------

  constexpr value merge_values(const detail::loc_ref& loc, const type_descriptor& type,
                               const std::vector<def_ref>& defs, node& owner) {
    if (failed()) return {};
    switch (type.kind) {
      case type_kind::boolean:
      case type_kind::integer:
      case type_kind::floating:
      case type_kind::enumeration:
      case type_kind::path: return merge_equal(loc, type, defs, owner);
      case type_kind::string: {
        value merged = merge_equal(loc, type, defs, owner);
        // singleLineStr allows one trailing newline and drops it (lib.removeSuffix "\n").
        if (type.rule != string_rule::single_line || !merged.is_string()) return merged;
        const auto& text = merged.as_string();
        if (text.empty() || text.back() != '\n') return merged;
        return value(std::string_view(text).substr(0, text.size() - 1));
      }
      case type_kind::package: {
        if (!check_all(loc, type, defs, owner, false)) return {};
        if (defs.size() > 1) return unique_error(loc, defs, owner);
        return *force_ref(defs[0], owner);
      }
      case type_kind::separated_string: {
        if (!check_all(loc, type, defs, owner, false)) return {};
        std::string out;
        for (std::size_t i = 0; i < defs.size(); ++i) {
          if (i != 0) out += type.separator;
          out += force_ref(defs[i], owner)->as_string();
        }
        return out;
      }
      case type_kind::list_of: return merge_list(loc, type, defs, owner);
      case type_kind::attrs_of:
      case type_kind::anything: return merge_attrs(loc, type, defs, owner);
      case type_kind::null_or: {
        // v1: every definition checked against `null or <t>` before anything merges.
        if (!check_all(loc, type, defs, owner, false)) return {};
        std::size_t nulls = 0;
        for (const auto& r : defs) {
          const value* v = force_ref(r, owner);
          if (failed()) return {};
          if (v != nullptr && v->is_null()) ++nulls;
        }
        if (nulls == defs.size()) return null;
        if (nulls == 0) return merge_values(loc, *type.elem, defs, owner);
        std::vector<std::string> files;
        for (const auto& r : defs) files.push_back(where_of(r.entry->where));
        fail(detail::messages::null_and_not_null(loc.shown(), files));
        return {};
      }
      case type_kind::either: {
        bool all_left = true, all_right = true;
        for (const auto& r : defs) {
          const value* v = force_ref(r, owner);
          if (failed()) return {};
          all_left = all_left && v != nullptr && check_head(*type.elem, *v);
          all_right = all_right && v != nullptr && check_head(*type.elem2, *v);
        }
        if (all_left) return merge_values(loc, *type.elem, defs, owner);
        if (all_right) return merge_values(loc, *type.elem2, defs, owner);
        fail(detail::messages::neither(loc.shown(), describe(type), describe(*type.elem),
                                       describe(*type.elem2), show_all(defs, owner)));
        return {};
      }
      case type_kind::unique:
        // v1: checked with the element's check (and description) before counting definitions.
        if (!check_all(loc, type, defs, owner, false)) return {};
        if (defs.size() != 1) return unique_error(loc, defs, owner);
        return merge_values(loc, *type.elem, defs, owner);
      case type_kind::submodule:
        fail("The option `" + loc.shown() +
             "' has a submodule inside a list or another container; cairn supports submodule and "
             "attrs_of<submodule> options.");
        return {};
    }
    return {};
  }

  constexpr value unique_error(const detail::loc_ref& loc, const std::vector<def_ref>& defs, node& owner) {
    fail(detail::messages::not_unique(loc.shown(), show_all(defs, owner)));
    return {};
  }

  // NixOS's v1 check: every definition's head, all failures reported.
  constexpr bool check_all(const detail::loc_ref& loc, const type_descriptor& type,
                           const std::vector<def_ref>& defs, node& owner, bool type_error_style) {
    std::vector<shown> invalid;
    for (const auto& r : defs) {
      const value* v = force_ref(r, owner);
      if (failed()) return false;
      if (v == nullptr || !check_head(type, *v)) invalid.push_back(show(r, &owner));
    }
    if (invalid.empty()) return true;
    fail(detail::messages::not_of_type(loc.shown(), describe(type), invalid, type_error_style));
    return false;
  }

  // mergeEqualOption: all definitions equal, else the first and the first that differs.
  constexpr value merge_equal(const detail::loc_ref& loc, const type_descriptor& type,
                              const std::vector<def_ref>& defs, node& owner) {
    if (!check_all(loc, type, defs, owner, false)) return {};
    const value* first = force_ref(defs[0], owner);
    for (std::size_t i = 1; i < defs.size(); ++i) {
      const value* other = force_ref(defs[i], owner);
      if (!(*other == *first)) {
        fail(detail::messages::conflicting(loc.shown(), show(defs[0], &owner), show(defs[i], &owner)));
        return {};
      }
    }
    return *first;
  }

  static constexpr bool is_scalar(const type_descriptor& t) {
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
  constexpr value merge_list(const detail::loc_ref& loc, const type_descriptor& type,
                             const std::vector<def_ref>& defs, node& owner) {
    if (!check_all(loc, type, defs, owner, true)) return {};
    list out;
    std::size_t total = 0;
    for (const auto& r : defs) total += force_ref(r, owner)->as_list().size();
    out.reserve(total);
    const auto& elem = *type.elem;
    // Scalars whose single definition merges to itself are checked in place; single-line
    // strings still drop their trailing newline in their merge.
    const bool in_place = is_scalar(elem) && elem.kind != type_kind::separated_string &&
                          !(elem.kind == type_kind::string && elem.rule == string_rule::single_line);
    for (std::size_t n = 0; n < defs.size(); ++n) {
      const auto& items = force_ref(defs[n], owner)->as_list();
      for (std::size_t m = 0; m < items.size(); ++m) {
        if (in_place) {
          if (!check_head(elem, items[m])) {
            fail(detail::messages::not_of_type(detail::loc_ref{nullptr, &loc, {}, n + 1, m + 1}.shown(), describe(elem),
                                               {shown{where_of(defs[n].entry->where), items[m]}}, false));
            return {};
          }
          out.push_back(items[m]);
        } else {
          def_ref single{defs[n].entry, nullptr, &items[m]};
          out.push_back(merge_values(detail::loc_ref{nullptr, &loc, {}, n + 1, m + 1}, elem, {single}, owner));
          if (failed()) return {};
        }
      }
    }
    return out;
  }
  // attrsOf: names from every definition, each name's definitions merged on their own (names
  // whose definitions all vanish are removed).
  constexpr value merge_attrs(const detail::loc_ref& loc, const type_descriptor& type,
                              const std::vector<def_ref>& defs, node& owner) {
    const bool anything = type.kind == type_kind::anything;
    std::vector<named_def> items;
    std::vector<shown> invalid;
    attr_definitions(defs, owner, items, invalid);
    if (failed()) return {};
    if (anything && !invalid.empty()) return merge_anything(loc, defs, owner);
    if (!invalid.empty()) {
      fail(detail::messages::not_of_type(loc.shown(), describe(type), invalid, true));
      return {};
    }
    attrs out;
    const type_descriptor& elem = anything ? type : *type.elem;
    for_each_name(items, [&](std::string_view name, const std::vector<def_ref>& group) {
      detail::loc_ref element_loc{nullptr, &loc, name};
      auto processed = process(group);
      if (failed()) return false;
      if (!processed.empty()) out.set(name, merge_values(element_loc, elem, processed, owner));
      return !failed();
    });
    if (failed()) return {};
    return out;
  }

  // attrsOf's first step, shared with submodule instances: every definition's attributes as
  // (name, definition) pairs, sorted by name and in definition order within a name; a
  // definition that is not an attribute set goes to `invalid`.
  struct named_def {
    std::string_view name;
    def_ref ref;
  };
  constexpr void attr_definitions(const std::vector<def_ref>& defs, node& owner, std::vector<named_def>& items,
                                  std::vector<shown>& invalid) {
    for (const auto& r : defs) {
      if (r.node != nullptr && r.node->type == def_node::kind::attrs) {
        for (std::size_t i = 0; i < r.node->names.size(); ++i) {
          const auto& c = r.node->children[i];
          items.push_back({r.node->names[i], c.type == def_node::kind::plain ? def_ref{r.entry, nullptr, &c.plain}
                                                                             : def_ref{r.entry, &c, nullptr}});
        }
        continue;
      }
      const value* v = force_ref(r, owner);
      if (failed()) return;
      if (v == nullptr || !v->is_attrs()) {
        invalid.push_back(show(r, &owner));
        continue;
      }
      for (const auto& a : v->as_attrs()) items.push_back({a.name, def_ref{r.entry, nullptr, &a.val}});
    }
    detail::stable_sort(items, [](const named_def& a, const named_def& b) { return a.name < b.name; });
  }

  // Calls f(name, that name's definitions) for each name of sorted items, while f returns true.
  template <class F>
  constexpr void for_each_name(const std::vector<named_def>& items, F&& f) {
    std::vector<def_ref> group;  // reused from name to name
    for (std::size_t i = 0; i < items.size();) {
      std::size_t j = i;
      group.clear();
      while (j < items.size() && items[j].name == items[i].name) group.push_back(items[j++].ref);
      if (!f(items[i].name, group)) return;
      i = j;
    }
  }

  // types.anything for values that are not all attribute sets: equal values, one kind.
  constexpr value merge_anything(const detail::loc_ref& loc, const std::vector<def_ref>& defs, node& owner) {
    const value* first = force_ref(defs[0], owner);
    for (std::size_t i = 1; i < defs.size(); ++i) {
      const value* other = force_ref(defs[i], owner);
      if (first == nullptr || other == nullptr || first->type() != other->type()) {
        fail("The option `" + loc.shown() + "' has conflicting option types in `" +
             where_of(defs[0].entry->where) + "' and `" + where_of(defs[i].entry->where) + "'");
        return {};
      }
      if (!(*other == *first)) {
        fail(detail::messages::conflicting(loc.shown(), show(defs[0], &owner), show(defs[i], &owner)));
        return {};
      }
    }
    if (first == nullptr) return {};
    return *first;
  }

  // ---- submodules ------------------------------------------------------------------------

  constexpr instance_scope* find_instance(node& n, std::string_view name) {
    std::size_t lo = 0, hi = n.instances.size();  // instances are in name order
    while (lo < hi) {
      std::size_t mid = (lo + hi) / 2;
      if (std::string_view(n.instances[mid]->name) < name) lo = mid + 1;
      else hi = mid;
    }
    if (lo < n.instances.size() && n.instances[lo]->name == name) return n.instances[lo].get();
    return nullptr;
  }

  // The instances of a submodule container: for attrs_of<submodule> one per name whose
  // definitions survive their conditions (NixOS's attrsOf is strict in them).
  constexpr void instances(node& n) {
    if (failed() || n.names_state == detail::state::done) return;
    if (n.names_state == detail::state::evaluating) return report_cycle(&n, true);
    n.names_state = detail::state::evaluating;
    stack_.push_back({&n, true});
    compute_instances(n);
    stack_.pop_back();
    n.names_state = detail::state::done;
  }

  constexpr void compute_instances(node& n) {
    const auto& d = *declarations_[n.declaration];
    const auto& type = type_of(d);
    def_ref default_def;
    if (n.has_default) default_def = default_ref(n);
    auto top = process(n.has_default ? &default_def : nullptr, n.defs);
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
      n.instances.push_back(std::move(s));
      return;
    }
    std::vector<named_def> items;
    std::vector<shown> invalid;
    attr_definitions(top, n, items, invalid);
    if (failed()) return;
    if (!invalid.empty())
      return fail(detail::messages::not_of_type(detail::show_option(n.loc()), describe(type), invalid, true));
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
        n.instances.push_back(std::move(s));
      }
      return true;
    });
  }

  constexpr std::vector<std::string> instance_loc(const instance_scope& s) const {
    auto loc = s.container->loc();
    if (!s.name.empty()) loc.push_back(s.name);
    return loc;
  }

  // Splits the instance's definitions among its fields and runs each() for it. A submodule is
  // its own evaluation in NixOS, whose module list puts the definitions last and reverses: so
  // definitions arrive in reverse, then each() configurations in reverse registration order.
  constexpr void prepare(instance_scope& s) {
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
    for (auto it = container.each.rbegin(); it != container.each.rend(); ++it) {
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
      f.defs = std::move(defs_by_key[i]);
    }
  }

  template <class Add>
  constexpr void split(instance_scope& s, const def_ref& r, std::uint32_t t, const std::string& prefix,
                       const std::vector<std::string>& loc, Add& add) {
    struct item {
      std::string_view name;
      def_ref ref;
    };
    std::vector<item> items;
    if (r.node != nullptr && r.node->type == def_node::kind::attrs) {
      for (std::size_t i = 0; i < r.node->names.size(); ++i) {
        const auto& c = r.node->children[i];
        items.push_back({r.node->names[i], c.type == def_node::kind::plain ? def_ref{r.entry, nullptr, &c.plain}
                                                                           : def_ref{r.entry, &c, nullptr}});
      }
    } else {
      const value* v = force_ref(r, *s.container);
      if (failed()) return;
      if (v == nullptr || !v->is_attrs()) {
        return fail(detail::messages::not_of_type(detail::show_option(loc), "submodule", {show(r, s.container)}, true));
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
        return fail(detail::messages::does_not_exist(detail::show_option(child_loc), {show(child, s.container)},
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
  static constexpr std::string join_key(const std::string& prefix, std::string_view name) {
    std::string key = prefix;
    if (!key.empty()) key += ".";
    key += name;
    return key;
  }

  constexpr std::uint32_t field_trie(const instance_scope& s, std::string_view key) const {
    std::uint32_t t = s.fields;
    for (const auto& segment : detail::split(key, '.')) t = tries_[t].child(segment);
    return t;
  }

  constexpr node& field(instance_scope& s, const std::string& key, std::uint32_t t) {
    for (std::size_t i = 0; i < s.field_keys.size(); ++i)
      if (s.field_keys[i] == key) return *s.field_nodes[i];
    auto f = detail::box<node>::make();
    f->own_loc = instance_loc(s);
    for (auto& segment : detail::split(key, '.')) f->own_loc.push_back(std::move(segment));
    f->declaration = static_cast<std::uint32_t>(tries_[t].declaration);
    f->scope = &s;
    init_default(*f, *declarations_[f->declaration]);
    s.field_keys.push_back(key);
    s.field_nodes.push_back(std::move(f));
    return *s.field_nodes.back();
  }

  constexpr value subtree_value(instance_scope& s, std::uint32_t t, const std::string& prefix) {
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

  constexpr void force_deep(node& n) {
    if (!is_submodule_container(type_of(*declarations_[n.declaration]))) {
      force(n);
      return;
    }
    instances(n);
    for (std::size_t i = 0; i < n.instances.size() && !failed(); ++i) {
      prepare(*n.instances[i]);
      force_fields(*n.instances[i], n.instances[i]->fields, "");
    }
  }
  constexpr void force_fields(instance_scope& s, std::uint32_t t, const std::string& prefix) {
    for (std::size_t i = 0; i < tries_[t].names.size() && !failed(); ++i) {
      auto c = tries_[t].children[i];
      std::string key = join_key(prefix, tries_[t].names[i]);
      if (tries_[c].declaration >= 0) force_deep(field(s, key, c));
      else force_fields(s, c, key);
    }
  }

  template <class F>
  constexpr void visit_in_order(std::uint32_t t, std::vector<std::string_view>& loc, F& f) const {
    const auto& tn = tries_[t];
    std::vector<std::uint32_t> sorted(tn.names.size());
    for (std::uint32_t i = 0; i < sorted.size(); ++i) sorted[i] = i;
    // A node's names are distinct: any sort gives the one order.
    std::sort(sorted.begin(), sorted.end(), [&tn](std::uint32_t a, std::uint32_t b) {
      return std::string_view(tn.names[a]) < std::string_view(tn.names[b]);
    });
    for (auto i : sorted) {
      auto c = tn.children[i];
      auto d = tries_[c].declaration;
      loc.emplace_back(tn.names[i]);
      if (d < 0) visit_in_order(c, loc, f);
      else if (declarations_[d]->top_node >= 0) f(std::as_const(loc), std::as_const(nodes_[declarations_[d]->top_node].result));
      loc.pop_back();
    }
  }

  // The options below a trie node outside submodules, as one attribute set.
  constexpr value set_value(std::uint32_t t) {
    attrs out;
    const auto& tn = tries_[t];
    for (std::size_t i = 0; i < tn.names.size() && !failed(); ++i) {
      auto c = tn.children[i];
      auto d = tries_[c].declaration;
      if (d >= 0 && declarations_[d]->top_node >= 0) out.set(tn.names[i], force(nodes_[declarations_[d]->top_node]));
      else if (d < 0) out.set(tn.names[i], set_value(c));
    }
    return out;
  }

  constexpr value container_value(node& n) {
    instances(n);
    if (failed()) return {};
    const auto& type = type_of(*declarations_[n.declaration]);
    if (type.kind == type_kind::submodule) {
      auto& s = *n.instances.front();
      prepare(s);
      return subtree_value(s, s.fields, "");
    }
    attrs out;
    for (auto& s : n.instances) {
      prepare(*s);
      if (failed()) return {};
      out.set(s->name, subtree_value(*s, s->fields, ""));
    }
    return out;
  }

  // ---- messages --------------------------------------------------------------------------

  // The value of a definition as printed in messages (structured definitions shown as the
  // attribute set they define; unevaluated deferred ones without value).
  constexpr std::optional<value> display(const def_node& n) const {
    switch (n.type) {
      case def_node::kind::plain: return n.plain;
      case def_node::kind::attrs: {
        attrs out;
        for (std::size_t i = 0; i < n.names.size(); ++i) {
          auto v = display(n.children[i]);
          if (!v) return std::nullopt;
          out.set(n.names[i], std::move(*v));
        }
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
  constexpr std::optional<value> display_below(const def_node& leaf, const std::vector<std::string>& path,
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

  constexpr shown show(const def_ref& r, node* owner = nullptr) {
    shown s{where_of(r.entry->where), std::nullopt};
    if (r.plain != nullptr) s.v = *r.plain;
    else if (r.node->type == def_node::kind::thunk && owner != nullptr && !failed()) {
      const value* v = force_ref(r, *owner);
      if (v != nullptr) s.v = *v;
    } else s.v = display(*r.node);
    return s;
  }
  constexpr std::vector<shown> show_all(const std::vector<def_ref>& defs, node& owner) {
    std::vector<shown> out;
    for (const auto& r : defs) out.push_back(show(r, &owner));
    return out;
  }

  // ---- state -----------------------------------------------------------------------------

  meta meta_;
  std::vector<const module_info*> modules_;     // breadth first from the host
  std::vector<const module_info*> fold_order_;  // reversed: the order of definitions
  std::vector<detail::box<detail::declaration>> declarations_;
  detail::string_index declaration_index_;
  std::vector<detail::trie_node> tries_;
  std::vector<node> nodes_;  // reserved for every option at set-up: never moves (nodes are pointed at)
  // Registered definitions, in chunks that never move (definitions are pointed at): one heap
  // object per chunk rather than per definition.
  std::vector<std::vector<detail::def_entry>> entries_;
  std::vector<detail::poly_box<detail::callable>> callables_;
  std::vector<detail::poly_box<detail::instance_configurer>> configurers_;
  std::vector<detail::unmatched_definition> unmatched_;
  std::vector<std::pair<const node*, bool>> stack_;  // what is being computed (node, its names?)
  std::vector<detail::box<value>> arena_;
  std::optional<std::string> error_;
  value empty_;
  value placeholders_[8] = {value(), value(false), value(0), value(0.0), value(""), value(list{}), value(attrs{}),
                            value(package{})};
  std::uint32_t current_group_ = 0;
  bool frames_started_ = false;
  std::vector<detail::box<std::string>> layer_files_;  // names that run-time locations point into
};

constexpr std::vector<std::string> evaluator::split_path(std::string_view dotted) {
  // Segments may be quoted as showOption prints them: environment.etc."ssh/sshd_config".text
  std::vector<std::string> out;
  out.reserve(1 + static_cast<std::size_t>(std::count(dotted.begin(), dotted.end(), '.')));
  if (dotted.find('"') == std::string_view::npos) {  // no quoted segment: cut at every dot
    std::size_t start = 0;
    for (std::size_t dot; (dot = dotted.find('.', start)) != std::string_view::npos; start = dot + 1)
      out.emplace_back(dotted.substr(start, dot - start));
    out.emplace_back(dotted.substr(start));
    return out;
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
  return out;
}

constexpr std::vector<detail::definition_report> evaluator::explain(const std::vector<std::string>& loc) {
  std::vector<detail::definition_report> out;
  auto r = resolve(loc);
  if (failed() || r.target == nullptr) return out;
  node& n = *r.target;
  if (is_submodule_container(type_of(*declarations_[n.declaration]))) instances(n);
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
    auto shown_value = show(inner, &n);
    d.v = shown_value.v;
    out.push_back(std::move(d));
  }
  return out;
}

// NixOS's checkAssertWarn, for configurations that declare `assertions` and `warnings`
// (modules/system/assertions.hpp): the messages of every failed assertion, in order.
constexpr std::vector<std::string> failed_assertions(evaluator& e) {
  std::vector<std::string> failed;
  if (e.find_declaration("assertions") == nullptr) return failed;
  const value& all = e.read("assertions");
  if (e.failed() || !all.is_list()) return failed;
  for (const auto& a : all.as_list()) {
    const value* holds = a.is_attrs() ? a.as_attrs().find("assertion") : nullptr;
    const value* message = a.is_attrs() ? a.as_attrs().find("message") : nullptr;
    if (holds == nullptr || !holds->is_bool() || message == nullptr || !message->is_string()) {
      failed.push_back("an assertion must be { assertion = <bool>; message = <string>; }, got " + detail::pretty(a));
      continue;
    }
    if (!holds->as_bool()) failed.push_back(message->as_string());
  }
  return failed;
}

constexpr std::vector<std::string> warnings(evaluator& e) {
  std::vector<std::string> out;
  if (e.find_declaration("warnings") == nullptr) return out;
  const value& all = e.read("warnings");
  if (e.failed() || !all.is_list()) return out;
  for (const auto& w : all.as_list())
    if (w.is_string()) out.push_back(w.as_string());
  return out;
}

}  // namespace cairn
