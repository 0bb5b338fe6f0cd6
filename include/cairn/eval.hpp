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
//
// The evaluator's parts, one job each: the declarations table (detail/eval_declarations.hpp),
// collecting definitions (detail/eval_collect.hpp), the fixpoint of values
// (detail/eval_fixpoint.hpp), priorities and order (detail/eval_priorities.hpp), merging by type
// (detail/eval_merge.hpp), submodule instances (detail/eval_submodules.hpp) and errors
// (detail/eval_diagnostics.hpp); their records in detail/declaration_table.hpp and
// detail/eval_nodes.hpp. This header declares the evaluator and includes them all.
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
#include "detail/declaration_table.hpp"
#include "detail/definition.hpp"
#include "detail/eval_nodes.hpp"
#include "detail/messages.hpp"
#include "detail/pretty.hpp"
#include "evaluation_error.hpp"
#include "module.hpp"
#include "option.hpp"
#include "type_descriptor.hpp"
#include "value.hpp"

namespace cairn {

struct layer;
struct located_value;

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
      insert_at(out, nodes_[i].loc, 0, v);
    }
    return out;
  }

  // The values whole_config() would nest, without assembling them, so that a printer can
  // stream them (bench/: 17% of `eval --json` of W(400,50) was the copy). Every option outside
  // submodules is computed, then visited in path order, names in byte order at every level:
  // `visitor.enter(name)` and `visitor.leave()` around each set of options, and
  // `visitor.option(name, value)` for each option.
  template <class Visitor>
  constexpr void visit_config(Visitor& visitor) {
    for (std::uint32_t i = 0; i < nodes_.size() && !failed(); ++i) force(nodes_[i]);
    if (failed()) return;
    std::vector<detail::sort_entry> order;  // reused from level to level
    visit_in_order(0, order, visitor);
  }

  // Computes every option value and every field of every submodule instance, without
  // assembling the values of submodule options (whole_config does that).
  constexpr void force_all() {
    for (std::uint32_t i = 0; i < nodes_.size() && !failed(); ++i) force_deep(nodes_[i]);
  }

  constexpr cairn::config root_config() { return cairn::config(*this, nullptr); }
  constexpr const cairn::meta& host_meta() const override { return meta_; }

  // For the manual and `option PATH`.
  constexpr const std::vector<detail::declaration>& declarations() const { return declarations_; }
  constexpr const detail::declaration* find_declaration(std::string_view pattern) const {
    return find_path(pattern);
  }
  constexpr const std::vector<const module_info*>& modules() const { return modules_; }

  // Every definition of the option at `loc`, with what became of it.
  constexpr std::vector<detail::definition_report> explain(const std::vector<std::string>& loc);

  // The pattern path of the option at a concrete path ("users.users.<name>.uid").
  constexpr const detail::declaration* declaration_at(const std::vector<std::string>& loc) {
    auto r = resolve(loc);
    if (failed() || r.target == nullptr || !r.rest.empty()) return nullptr;
    return &declarations_[r.target->declaration];
  }

  static constexpr std::vector<std::string> split_path(std::string_view dotted);
  // The same, appended to `out`.
  static constexpr void split_path_into(std::string_view dotted, std::vector<std::string>& out);

 private:
  using def_ref = detail::def_ref;
  using def_node = detail::def_node;
  using node = detail::node;
  using instance_scope = detail::instance_scope;
  using shown = detail::messages::shown_definition;

  // ---- the table of declarations (detail/eval_declarations.hpp) --------------------------

  constexpr void set_up(const module_info& root);

  constexpr void collect_modules(const module_info& root);

  static constexpr std::string where_of(const option_base& o);
  static constexpr std::string where_of(const detail::location& l);
  static constexpr bool is_placeholder(std::string_view segment);

  constexpr const type_descriptor& type_of(const detail::declaration& d) const;

  constexpr void declare(const option_base& o);
  // The declaration of the option `o` declares, if it is declared.
  constexpr const detail::declaration* declaration_of(const option_base& o) const;
  // The declaration of a path (a pattern for submodule fields).
  constexpr const detail::declaration* find_path(std::string_view pattern) const;

  constexpr const type_descriptor* merge_types(detail::declaration& d, const type_descriptor& a,
                                               const type_descriptor& b);
  static constexpr bool same_type(const type_descriptor& a, const type_descriptor& b);

  // The trie node of a path, made if new.
  constexpr std::uint32_t insert_trie(std::span<const std::string> loc);

  constexpr void check_nesting();
  constexpr void index_fields();
  constexpr std::uint32_t next_in_pattern(std::uint32_t t, std::string_view segment) const;

  constexpr bool inside_submodule_option(const detail::declaration& d) const;
  constexpr std::uint32_t first_declaration_below(std::uint32_t t) const;

  constexpr void init_default(node& n, const detail::declaration& d);

  // ---- collecting definitions (detail/eval_collect.hpp) ----------------------------------

  // Every module's definitions, in NixOS's order; run-time layers come as top-level modules
  // after the host: reversed, just before the host's own definitions.
  struct no_layers {};
  template <class Layers>
  constexpr void register_modules(const Layers& layers);
  void register_layer(const layer& l);
  void register_layer_value(const located_value& v, std::uint32_t t, std::vector<std::string>& path,
                            const char* file, std::int32_t priority, bool inside_instance);

  constexpr detail::def_entry& new_entry();
  constexpr void settle_definitions();

  constexpr std::uint32_t add_callable(detail::callable* owned) override;

  constexpr std::optional<std::vector<std::string>> concrete_path(const option_base& o,
                                                                  const std::vector<std::string>& names,
                                                                  std::uint8_t bound, const instance_scope* scope);

  static constexpr def_node wrap_below(def_node&& leaf, const std::vector<std::string>& loc, std::size_t from);
  static constexpr def_node with_conditions(def_node&& n, const std::vector<std::uint32_t>& conditions);

  constexpr void define(const option_base& o, const std::vector<std::string>& names, std::uint8_t bound,
                        def_node&& leaf, const detail::location& where, const std::vector<std::uint32_t>& conditions,
                        instance_scope* scope) override;

  constexpr void define_value(const option_base& o, const std::vector<std::string>& names, std::uint8_t bound, value&& v,
                              const detail::location& where, const std::vector<std::uint32_t>& conditions,
                              instance_scope* scope) override;
  // The registered entry of a definition of an option outside submodules, when `o` is one:
  // returns where its leaf goes, below the attribute names.
  constexpr def_node* top_level_entry(const option_base& o, const std::vector<std::string>& names,
                                      const detail::location& where);

  constexpr void define_concrete(const std::vector<std::string>& path, def_node&& leaf, const detail::location& where,
                                 const std::vector<std::uint32_t>& conditions, const option_base* o);

  constexpr void each(const option_base& o, detail::instance_configurer* owned, const detail::location& where,
                      const std::vector<std::uint32_t>& conditions) override;

  constexpr void define_in_instance(instance_scope& scope, const option_base& o, const std::vector<std::string>& path,
                                    def_node&& leaf, const detail::location& where,
                                    const std::vector<std::uint32_t>& conditions);

  // ---- reading and forcing: the fixpoint (detail/eval_fixpoint.hpp) ----------------------

  struct resolved {
    node* target = nullptr;
    instance_scope* scope = nullptr;  // with target null: an intermediate path inside an instance
    std::uint32_t fields = 0;
    std::string key_prefix;
    bool root_set = false;          // with target null: a set of options outside submodules
    std::vector<std::string> rest;  // attribute names below the option
    std::vector<std::string> loc;
  };

  constexpr resolved resolve(const std::vector<std::string>& loc);

  constexpr resolved walk(node& n, std::vector<std::string> rest, const std::vector<std::string>& loc);

  constexpr const value& value_at(const resolved& r);

  constexpr const value& read(const option_base& o, const std::vector<std::string>& names, std::uint8_t bound,
                              const instance_scope* scope) override;

  constexpr const value& placeholder(const type_descriptor& t);

  constexpr const value& read_option(const option_base& o, const std::vector<std::string>& names, std::uint8_t bound,
                                     const instance_scope* scope);

  constexpr std::vector<std::string> names(const option_base& o, const std::vector<std::string>& names,
                                           std::uint8_t bound, const instance_scope* scope) override;

  constexpr bool evaluation_failed() const override;

  constexpr std::string_view instance_name(const instance_scope* scope) const override;

  static constexpr void insert_at(attrs& into, std::span<const std::string> loc, std::size_t i, const value& v);

  constexpr const value& force(node& n);

  constexpr std::vector<def_ref> all_defs(node& n);
  static constexpr def_ref default_ref(const node& n);

  constexpr value compute(node& n);

  constexpr const value* force_ref(const def_ref& r);
  template <class Visitor>
  constexpr void visit_in_order(std::uint32_t t, std::vector<detail::sort_entry>& order, Visitor& visitor) const;
  constexpr value set_value(std::uint32_t t);

  // ---- NixOS's mergeDefinitions: discharge, priorities, order (detail/eval_priorities.hpp) ---

  constexpr bool condition_holds(std::uint32_t id, const instance_scope* scope);

  constexpr void discharge(const def_ref& r, std::vector<def_ref>& out);

  static constexpr std::int32_t priority_of(const def_ref& r);
  static constexpr std::int32_t order_of(const def_ref& r);
  static constexpr def_ref strip(const def_ref& r);

  constexpr std::vector<def_ref> process(const std::vector<def_ref>& defs);
  // Into `kept` (cleared first), which callers borrow from def_refs_.
  constexpr void process(const def_ref* first, std::span<const def_ref> defs, std::vector<def_ref>& kept);
  constexpr bool plain_only(const def_ref* first, std::span<const def_ref> defs, std::vector<def_ref>& kept);

  // ---- check and merge, per type (detail/eval_merge.hpp) ---------------------------------

  constexpr value merge_values(const detail::loc_ref& loc, const type_descriptor& type,
                               const std::vector<def_ref>& defs);

  constexpr value unique_error(const detail::loc_ref& loc, const std::vector<def_ref>& defs);

  constexpr bool check_all(const detail::loc_ref& loc, const type_descriptor& type,
                           const std::vector<def_ref>& defs, bool type_error_style);

  constexpr value merge_equal(const detail::loc_ref& loc, const type_descriptor& type,
                              const std::vector<def_ref>& defs);

  static constexpr bool is_scalar(const type_descriptor& t);

  constexpr value merge_list(const detail::loc_ref& loc, const type_descriptor& type,
                             const std::vector<def_ref>& defs);
  constexpr value merge_attrs(const detail::loc_ref& loc, const type_descriptor& type,
                              const std::vector<def_ref>& defs);

  // attrsOf's first step, shared with submodule instances: every definition's attributes as
  // (name, definition) pairs, sorted by name and in definition order within a name; a
  // definition that is not an attribute set goes to `invalid`.
  struct named_def {
    std::string_view name;
    def_ref ref;
  };
  constexpr void attr_definitions(const std::vector<def_ref>& defs, std::vector<named_def>& items,
                                  std::vector<shown>& invalid);

  template <class F>
  constexpr void for_each_name(const std::vector<named_def>& items, F&& f);

  constexpr value merge_anything(const detail::loc_ref& loc, const std::vector<def_ref>& defs);

  // ---- submodules (detail/eval_submodules.hpp) -------------------------------------------

  constexpr instance_scope* find_instance(node& n, std::string_view name);

  constexpr void instances(node& n);

  constexpr void compute_instances(node& n);

  constexpr std::vector<std::string> instance_loc(const instance_scope& s) const;

  constexpr void prepare(instance_scope& s);

  template <class Add>
  constexpr void split(instance_scope& s, const def_ref& r, std::uint32_t t, const std::string& prefix,
                       const std::vector<std::string>& loc, Add& add);

  static constexpr std::string join_key(const std::string& prefix, std::string_view name);

  constexpr std::uint32_t field_trie(const instance_scope& s, std::string_view key) const;

  constexpr detail::field_node& field(instance_scope& s, const std::string& key, std::uint32_t t);

  constexpr value subtree_value(instance_scope& s, std::uint32_t t, const std::string& prefix);

  constexpr void force_deep(node& n);
  constexpr void force_fields(instance_scope& s, std::uint32_t t, const std::string& prefix);

  constexpr value container_value(node& n);

  // ---- errors and messages (detail/eval_diagnostics.hpp) ---------------------------------

  constexpr void fail(const std::string& message);

  constexpr void report_unmatched(const detail::unmatched_definition& u);
  constexpr std::string suggest(std::uint32_t t, const std::vector<std::string>& loc, std::size_t i) const;
  constexpr std::string children_hint(std::uint32_t t) const;
  constexpr void report_cycle(const node* n, bool names);

  constexpr std::optional<value> display(const def_node& n) const;

  constexpr std::optional<value> display_below(const def_node& leaf, const std::vector<std::string>& path,
                                               std::size_t from) const;

  constexpr shown show(const def_ref& r);
  constexpr std::vector<shown> show_all(const std::vector<def_ref>& defs);

  // ---- state -----------------------------------------------------------------------------

  meta meta_;
  std::vector<const module_info*> modules_;     // breadth first from the host
  std::vector<const module_info*> fold_order_;  // reversed: the order of definitions
  // Reserved for every option at set-up: never moves (nodes and the trie point into it).
  std::vector<detail::declaration> declarations_;
  std::vector<std::string> segments_;  // every declaration's path, segment by segment (reserved: never moves)
  detail::address_index option_index_;  // the same by option object, at run time
  std::vector<detail::trie_node> tries_;
  std::span<const std::string> last_declared_;  // the path declared last, and its trie nodes
  std::vector<std::uint32_t> last_nodes_;
  std::vector<node> nodes_;  // reserved for every option at set-up: never moves (nodes are pointed at)
  // Registered definitions, in chunks that never move (definitions are pointed at): one heap
  // object per chunk rather than per definition.
  std::vector<std::vector<detail::def_entry>> entries_;
  std::vector<def_ref> top_defs_;  // the definitions of every node outside submodules, node by node
  std::vector<detail::poly_box<detail::callable>> callables_;
  std::vector<detail::poly_box<detail::instance_configurer>> configurers_;
  std::vector<detail::unmatched_definition> unmatched_;
  std::vector<std::pair<const node*, bool>> stack_;  // what is being computed (node, its names?)
  std::vector<detail::box<value>> arena_;
  std::vector<detail::box<value>> forced_;  // values of deferred definitions, computed once
  detail::vector_pool<def_ref> def_refs_;
  detail::vector_pool<named_def> named_defs_;
  std::optional<std::string> error_;
  value empty_;
  value placeholders_[8] = {value(), value(false), value(0), value(0.0), value(""), value(list{}), value(attrs{}),
                            value(package{})};
  std::uint32_t current_group_ = 0;
  bool frames_started_ = false;
  std::vector<detail::box<std::string>> layer_files_;  // names that run-time locations point into
};

}  // namespace cairn

#include "detail/eval_collect.hpp"
#include "detail/eval_declarations.hpp"
#include "detail/eval_diagnostics.hpp"
#include "detail/eval_fixpoint.hpp"
#include "detail/eval_merge.hpp"
#include "detail/eval_priorities.hpp"
#include "detail/eval_submodules.hpp"

namespace cairn {

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
