// cairn/definitions.hpp: what a module's config function writes.
//
//   static constexpr void config(cairn::definitions& d) {
//     auto on = d.when(enable);                            // mkIf, pushed down to each definition
//     on.set(openssh::port, 22);                           // a value of the option's type
//     on.set(environment::etc_text("ssh/sshd_config"),     // a value computed from the final config
//            [](const cairn::config& c) { return render(c[openssh::port]); });
//     d.set(networking::host_name, mk_default(std::string(d.meta().hostname)));
//   }
//
// Registering only records definitions: which options, with which priority, order and
// conditions. Values and conditions that read the config are deferred, so any module may read
// the final value of any option (NixOS's fixpoint) and which options a module defines never
// depends on the config. There is deliberately no way to read the config here: in NixOS that
// is "infinite recursion encountered".
#pragma once

#include <concepts>
#include <cstdint>
#include <initializer_list>
#include <source_location>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "config.hpp"
#include "detail/definition.hpp"
#include "diagnostics.hpp"
#include "option.hpp"
#include "properties.hpp"

namespace cairn {

namespace detail {

template <class F>
concept config_function = std::is_invocable_v<const F&, const config&>;

template <class C>
constexpr bool valid_condition() {
  using B = bare<C>;
  if constexpr (std::is_same_v<B, bool>) return true;
  else if constexpr (requires { typename B::type; B::path_text; })
    return std::is_same_v<typename B::type, types::bool_>;
  else if constexpr (requires { typename B::type; B{}.option; })
    return std::is_same_v<typename B::type, types::bool_>;
  else if constexpr (config_function<B>)
    return std::is_same_v<bare<std::invoke_result_t<const B&, const config&>>, bool>;
  else return false;
}

// Whether V (a value, a property around values, or a function of the config) may define an
// option of type T.
template <class T, class V>
struct definable {
  static constexpr bool value = [] {
    if constexpr (config_function<V>) return accepts<T, std::invoke_result_t<const V&, const config&>>;
    else return accepts<T, V>;
  }();
};
template <class T, class C>
struct definable<T, override_property<C>> : definable<T, C> {};
template <class T, class C>
struct definable<T, order_property<C>> : definable<T, C> {};
template <class T, class Cond, class C>
struct definable<T, if_property<Cond, C>> {
  static constexpr bool value = valid_condition<Cond>() && definable<T, C>::value;
};
template <class T, class... Vs>
struct definable<T, merge_property<Vs...>> {
  static constexpr bool value = (definable<T, Vs>::value && ...);
};

// Stops compilation at the first wrong part of V with a sentence naming the option.
template <fixed_string P, class T, class V>
struct report_wrong {
  static constexpr void now() {
    if constexpr (config_function<V>) wrong_function_result<P, T, bare<std::invoke_result_t<const V&, const config&>>>();
    else wrong_value<P, T, std::decay_t<V>>();
  }
};
template <fixed_string P, class T, class C>
struct report_wrong<P, T, override_property<C>> : report_wrong<P, T, C> {};
template <fixed_string P, class T, class C>
struct report_wrong<P, T, order_property<C>> : report_wrong<P, T, C> {};
template <fixed_string P, class T, class Cond, class C>
struct report_wrong<P, T, if_property<Cond, C>> {
  static constexpr void now() {
    if constexpr (!valid_condition<Cond>()) wrong_condition<P, Cond>();
    else report_wrong<P, T, C>::now();
  }
};
template <fixed_string P, class T, class... Vs>
struct report_wrong<P, T, merge_property<Vs...>> {
  static constexpr void now() {
    ([] {
      if constexpr (!definable<T, Vs>::value) report_wrong<P, T, Vs>::now();
    }(), ...);
  }
};

template <class T, class F>
struct deferred_value final : callable {
  F function;
  constexpr explicit deferred_value(const F& f) : function(f) {}
  constexpr value call(const config& c) const override { return to_value<T>(function(c)); }
  constexpr ~deferred_value() override {}
};

template <class F>
struct deferred_condition final : callable {
  F function;
  constexpr explicit deferred_condition(const F& f) : function(f) {}
  constexpr value call(const config& c) const override { return static_cast<bool>(function(c)); }
  constexpr ~deferred_condition() override {}
};

struct option_condition final : callable {
  const option_base* option;
  constexpr explicit option_condition(const option_base* o) : option(o) {}
  constexpr value call(const config& c) const override { return c.raw(*option); }
  constexpr ~option_condition() override {}
};

template <class F>
struct each_instance final : instance_configurer {
  F function;
  constexpr explicit each_instance(const F& f) : function(f) {}
  constexpr void configure(definitions& d) const override;
  constexpr ~each_instance() override {}
};

}  // namespace detail

class instance_definitions;

class definitions {
 public:
  constexpr definitions(detail::registrar& r, const module_info* module, detail::instance_scope* scope = nullptr)
      : registrar_(&r), module_(module), scope_(scope) {}

  // d.set(option, value): a definition of `option`. `value` is a value of the option's type, a
  // property (mk_force(...), mk_if(...), ...), or a function of the final config.
  // (Each overload is made once per option and called about once in a unit: inlined, it is no
  // function of its own for every module unit to compile.)
  template <fixed_string P, class T, class V>
  [[gnu::always_inline]] constexpr void set(const option<P, T>& o, V&& v,
                                            std::source_location where = std::source_location::current()) {
    if constexpr (definable_here<P, T, V, true>) define_as<T>(o, nullptr, 0, std::forward<V>(v), where);
    else reject<P, T, V, true>();
  }
  // Braced values: d.set(users::user::extra_groups("alice"), {"wheel"}).
  template <fixed_string P, class T, class E>
  [[gnu::always_inline]] constexpr void set(const option<P, T>& o, std::initializer_list<E> v,
                     std::source_location where = std::source_location::current()) {
    if constexpr (definable_here<P, T, std::vector<E>, true>) define_braced<T>(o, nullptr, 0, v, where);
    else reject<P, T, std::vector<E>, true>();
  }
  template <fixed_string P, class T>
  [[gnu::always_inline]] constexpr void set(const option<P, T>& o, const typename T::value_type& v,
                     std::source_location where = std::source_location::current()) {
    if constexpr (definable_here<P, T, typename T::value_type, true>) define_as<T>(o, nullptr, 0, v, where);
    else reject<P, T, typename T::value_type, true>();
  }

  template <fixed_string P, class T, class V>
  [[gnu::always_inline]] constexpr void set(const target<P, T>& t, V&& v,
                                            std::source_location where = std::source_location::current()) {
    if constexpr (definable_here<P, T, V, false>)
      define_as<T>(*t.option, &t.names, t.bound_placeholders, std::forward<V>(v), where);
    else reject<P, T, V, false>();
  }
  template <fixed_string P, class T, class E>
  [[gnu::always_inline]] constexpr void set(const target<P, T>& t, std::initializer_list<E> v,
                     std::source_location where = std::source_location::current()) {
    if constexpr (definable_here<P, T, std::vector<E>, false>)
      define_braced<T>(*t.option, &t.names, t.bound_placeholders, v, where);
    else reject<P, T, std::vector<E>, false>();
  }
  template <fixed_string P, class T>
  [[gnu::always_inline]] constexpr void set(const target<P, T>& t, const typename T::value_type& v,
                     std::source_location where = std::source_location::current()) {
    if constexpr (definable_here<P, T, typename T::value_type, false>)
      define_as<T>(*t.option, &t.names, t.bound_placeholders, v, where);
    else reject<P, T, typename T::value_type, false>();
  }

  // A scope whose definitions all hold only when `condition` does (NixOS's config = mkIf c {...}).
  template <class C>
  [[nodiscard]] constexpr definitions when(C&& condition) const {
    static_assert(detail::valid_condition<C>(),
                  "cairn: a condition is a bool, a bool option, or a function of the config returning bool");
    definitions scoped = *this;
    if (auto id = scoped.make_condition(condition); id != always) scoped.conditions_.push_back(id);
    return scoped;
  }

  // Configuration applied to every instance of a submodule option, as a submodule's own module
  // in NixOS: d.each(users::users, [](cairn::instance_definitions& u) { u.set(user::group, ...); }).
  template <fixed_string P, class T, class F>
  constexpr void each(const option<P, T>& o, const F& configure,
                      std::source_location where = std::source_location::current());

  constexpr const cairn::meta& meta() const { return registrar_->host_meta(); }

  // There is no config to read yet: reading it here would be NixOS's "infinite recursion".
  template <class Option>
  constexpr auto operator[](const Option&) const {  // deduced: `auto x = d[o]` stops here first
    static_assert(sizeof(Option) == 0,
                  "cairn: the config cannot be read while definitions are registered (NixOS: infinite "
                  "recursion); read it in a function of the config: d.set(x, [](const cairn::config& c) "
                  "{ return c[y]; })");
    return 0;
  }

 protected:
  // Whether V may define the option P of type T (AtRoot: outside a submodule instance). Only this
  // check and its diagnostic depend on the option's path: the definition itself (define_as) is
  // shared by all options of a type, so that a module of many definitions compiles fast.
  template <fixed_string P, class T, class V, bool AtRoot>
  static constexpr bool definable_here =
      !(AtRoot && option<P, T>::placeholder_count > 0) && detail::definable<T, std::decay_t<V>>::value;

  // Stops compilation with a sentence naming the option (see diagnostics.hpp).
  template <fixed_string P, class T, class V, bool AtRoot>
  static constexpr void reject() {
    if constexpr (AtRoot && option<P, T>::placeholder_count > 0) detail::unbound_field<P>();
    else detail::report_wrong<P, T, std::decay_t<V>>::now();
  }

  // A braced value as the type takes it: the list itself where it converts a list, so that no
  // vector is copied from it first (most list definitions are braced).
  template <class T, class E>
  constexpr void define_braced(const option_base& o, const std::vector<std::string>* names, std::uint8_t bound,
                               std::initializer_list<E> v, const std::source_location& where) {
    if constexpr (detail::definable<T, std::initializer_list<E>>::value) define_as<T>(o, names, bound, v, where);
    else define_as<T>(o, names, bound, std::vector<E>(v), where);
  }

  // `names` (null: none) binds the option's placeholders, then indexes attributes.
  template <class T, class V>
  constexpr void define_as(const option_base& o, const std::vector<std::string>* names, std::uint8_t bound, V&& v,
                           const std::source_location& where) {
    for (auto id : conditions_)
      if (id == never) return;  // d.when(false): contributes nothing, not even a priority
    const std::vector<std::string> none;
    const auto& indexed = names != nullptr ? *names : none;
    using B = detail::bare<V>;
    if constexpr (!detail::is_property<B>::value && !detail::config_function<B>) {
      // A plain value, the usual definition: handed over as a value, without a node.
      registrar_->define_value(o, indexed, bound, detail::to_value<T>(v), locate(where), conditions_, scope_);
    } else {
      detail::def_node node = build<T>(v);
      if (node.type == detail::def_node::kind::merge && node.children.empty()) return;
      registrar_->define(o, indexed, bound, std::move(node), locate(where), conditions_, scope_);
    }
  }

  template <class T, class V>
  constexpr detail::def_node build(V&& v) {
    using B = detail::bare<V>;
    using kind = detail::def_node::kind;
    if constexpr (requires { v.priority; v.content; }) {
      return detail::def_node::wrap(kind::override_, v.priority, build<T>(v.content));
    } else if constexpr (requires { v.order; v.content; }) {
      return detail::def_node::wrap(kind::order, v.order, build<T>(v.content));
    } else if constexpr (requires { v.condition; v.content; }) {
      auto id = make_condition(v.condition);
      if (id == never) {
        detail::def_node empty;
        empty.type = kind::merge;  // contributes nothing, not even a priority
        return empty;
      }
      if (id == always) return build<T>(v.content);
      auto n = detail::def_node::wrap(kind::condition, 0, build<T>(v.content));
      n.callable = id;
      return n;
    } else if constexpr (detail::is_property<B>::value) {  // merge
      detail::def_node n;
      n.type = kind::merge;
      std::apply([&](const auto&... vs) { (n.children.push_back(build<T>(vs)), ...); }, v.contents);
      return n;
    } else if constexpr (detail::config_function<B>) {
      detail::def_node n;
      n.type = kind::thunk;
      n.callable = registrar_->add_callable(new detail::deferred_value<T, std::decay_t<V>>(v));
      return n;
    } else {
      return detail::def_node::of(detail::to_value<T>(v));
    }
  }

  static constexpr std::uint32_t always = 0xffffffff;
  static constexpr std::uint32_t never = 0xfffffffe;

  template <class C>
  constexpr std::uint32_t make_condition(const C& c) {
    using B = detail::bare<C>;
    if constexpr (std::is_same_v<B, bool>) return c ? always : never;
    else if constexpr (requires { typename B::type; B::path_text; })
      return registrar_->add_callable(new detail::option_condition(&c));
    else if constexpr (requires { typename B::type; c.option; })
      return registrar_->add_callable(new detail::option_condition(c.option));
    else return registrar_->add_callable(new detail::deferred_condition<std::decay_t<C>>(c));
  }
  constexpr detail::location locate(const std::source_location& where) const {
    return {where.file_name(), static_cast<std::uint32_t>(where.line()), module_};
  }

  detail::registrar* registrar_;
  const module_info* module_;
  detail::instance_scope* scope_;
  std::vector<std::uint32_t> conditions_;
};

// The definitions of one instance of a submodule: its fields may be set without naming it.
//   d.each(users::users, [](cairn::instance_definitions& u) {
//     u.set(users::user::name, mk_default(std::string(u.name())));
//   });
class instance_definitions : public definitions {
 public:
  constexpr instance_definitions(detail::registrar& r, const module_info* module, detail::instance_scope* scope,
                                 std::string_view name)
      : definitions(r, module, scope), name_(name) {}
  constexpr explicit instance_definitions(const definitions& d, std::string_view name)
      : definitions(d), name_(name) {}

  using definitions::set;
  // Fields of this instance: u.set(users::user::home, "/home/alice").
  template <fixed_string P, class T, class V>
  [[gnu::always_inline]] constexpr void set(const option<P, T>& o, V&& v,
                                            std::source_location where = std::source_location::current()) {
    if constexpr (definable_here<P, T, V, false>) define_as<T>(o, nullptr, 0, std::forward<V>(v), where);
    else reject<P, T, V, false>();
  }
  template <fixed_string P, class T>
  [[gnu::always_inline]] constexpr void set(const option<P, T>& o, const typename T::value_type& v,
                     std::source_location where = std::source_location::current()) {
    if constexpr (definable_here<P, T, typename T::value_type, false>) define_as<T>(o, nullptr, 0, v, where);
    else reject<P, T, typename T::value_type, false>();
  }
  template <fixed_string P, class T, class E>
  [[gnu::always_inline]] constexpr void set(const option<P, T>& o, std::initializer_list<E> v,
                     std::source_location where = std::source_location::current()) {
    if constexpr (definable_here<P, T, std::vector<E>, false>) define_braced<T>(o, nullptr, 0, v, where);
    else reject<P, T, std::vector<E>, false>();
  }

  template <class C>
  [[nodiscard]] constexpr instance_definitions when(C&& condition) const {
    return instance_definitions(definitions::when(std::forward<C>(condition)), name_);
  }

  // The instance's name: "alice" for users.users.alice.
  constexpr std::string_view name() const { return name_; }

 private:
  std::string_view name_;
};

template <fixed_string P, class T, class F>
constexpr void definitions::each(const option<P, T>& o, const F& configure, std::source_location where) {
  static_assert(is_submodule_container(T::descriptor),
                "cairn: each() configures instances of a submodule or attrs_of<submodule> option");
  static_assert(std::is_invocable_v<const F&, instance_definitions&>,
                "cairn: each() takes a function of (cairn::instance_definitions&)");
  registrar_->each(o, new detail::each_instance<F>(configure), locate(where), conditions_);
}

template <class F>
constexpr void detail::each_instance<F>::configure(definitions& d) const {
  function(static_cast<instance_definitions&>(d));
}

}  // namespace cairn
