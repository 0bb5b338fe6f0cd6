// cairn/detail/definition.hpp: what a definition is once registered, and the two interfaces
// between module code and the evaluator (registering definitions, reading the config). Both
// are abstract so that a module compiled on its own sees no evaluator code.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "../meta.hpp"
#include "../value.hpp"

namespace cairn {

class config;
class definitions;
struct option_base;
struct module_info;

namespace detail {

// Where a definition or declaration was written.
struct location {
  // As std::source_location gives it: measuring it (strlen) is left to the messages that print
  // it, not paid by every definition.
  const char* file = "";
  std::uint32_t line = 0;
  const module_info* module = nullptr;
};

// A definition as NixOS represents it: a value wrapped in properties (mkIf, mkOverride,
// mkOrder, mkMerge), attribute sets of further definitions below an option (users.users.alice
// = { extraGroups = mkForce [...]; }), or a value computed from the final config on demand.
struct def_node {
  enum class kind : std::uint8_t { plain, attrs, condition, override_, order, merge, thunk };
  kind type = kind::plain;
  std::int32_t number = 0;      // priority (override_) or order (order)
  std::uint32_t callable = 0;   // condition or thunk, owned by the evaluator
  value plain;                     // kind::plain; kind::attrs: the name of its attribute
  std::vector<def_node> children;  // merge contents, or the one content (an attribute's value)
  // kind::thunk once computed: the value, owned by the evaluator (a deferred value is computed
  // once however often its definition is checked, merged and shown).
  const value* forced = nullptr;

  // kind::attrs: {name = children[0];}. The name is held in `plain` (a definition has a value
  // or attributes, never both): a registered definition is a smaller object.
  constexpr std::string_view attr_name() const { return plain.as_string(); }
  constexpr void make_attr(std::string_view name) {
    type = kind::attrs;
    plain = value(name);
  }

  static constexpr def_node of(value&& v) {
    def_node n;
    n.plain = std::move(v);
    return n;
  }
  static constexpr def_node wrap(kind k, std::int32_t number, def_node&& content) {
    def_node n;
    n.type = k;
    n.number = number;
    n.children.push_back(std::move(content));
    return n;
  }
};

// A value or condition computed from the final config when first needed.
struct callable {
  constexpr virtual ~callable() = default;
  constexpr virtual value call(const config& c) const = 0;
};

// Per-instance configuration of a submodule (d.each(users::users, ...)).
struct instance_configurer {
  constexpr virtual ~instance_configurer() = default;
  constexpr virtual void configure(definitions& d) const = 0;
};

struct instance_scope;  // the evaluator's instance of a submodule

// Registration: what `definitions` calls.
struct registrar {
  // Takes ownership.
  constexpr virtual std::uint32_t add_callable(callable* owned) = 0;
  // `names` binds the option's placeholders (the first `bound` names) then indexes attributes.
  // `conditions` (from d.when scopes) hold at the option's level, as NixOS pushes mkIf down to
  // the option and no further.
  constexpr virtual void define(const option_base& option, const std::vector<std::string>& names,
                                std::uint8_t bound, def_node&& node, const location& where,
                                const std::vector<std::uint32_t>& conditions, instance_scope* scope) = 0;
  // The same for a plain value, the usual definition: no node built in the module's code.
  constexpr virtual void define_value(const option_base& option, const std::vector<std::string>& names,
                                      std::uint8_t bound, value&& v, const location& where,
                                      const std::vector<std::uint32_t>& conditions, instance_scope* scope) = 0;
  constexpr virtual void each(const option_base& option, instance_configurer* owned, const location& where,
                              const std::vector<std::uint32_t>& conditions) = 0;
  constexpr virtual const cairn::meta& host_meta() const = 0;

 protected:
  constexpr ~registrar() = default;
};

// Reading: what `config` calls. Returns values owned by the evaluator.
struct reader {
  constexpr virtual const value& read(const option_base& option, const std::vector<std::string>& names,
                                      std::uint8_t bound, const instance_scope* scope) = 0;
  constexpr virtual std::vector<std::string> names(const option_base& option, const std::vector<std::string>& names,
                                                   std::uint8_t bound, const instance_scope* scope) = 0;
  constexpr virtual std::string_view instance_name(const instance_scope* scope) const = 0;
  constexpr virtual const cairn::meta& host_meta() const = 0;
  // At compile time an error is recorded rather than thrown; reads after it give empty values
  // so that the first error is the one reported.
  constexpr virtual bool evaluation_failed() const = 0;

 protected:
  constexpr ~reader() = default;
};

}  // namespace detail
}  // namespace cairn
