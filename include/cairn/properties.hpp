// cairn/properties.hpp: priorities, order, conditions, as NixOS's mkOverride/mkOrder/mkIf/mkMerge.
//
//   d.set(time::time_zone, mk_force("Europe/Oslo"));     // priority 50 beats plain definitions
//   d.set(networking::host_name, mk_default("demo"));    // priority 1000 yields to them
//   d.set(environment::system_packages, mk_before({hello}));
//   d.set(openssh::port, mk_if(openssh::enable, 2222));  // or d.when(openssh::enable).set(...)
//
// Nesting follows NixOS where NixOS gives a meaningful result and is rejected at compile time
// where NixOS would silently misbehave: mk_force(mk_if(...)) (write mk_if(c, mk_force(v))) and
// mk_before(mk_force(...)) (write mk_force(mk_before(v))).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

namespace cairn {

struct option_base;

// Priority numbers: the lowest wins (NixOS's values).
namespace priority {
inline constexpr std::int32_t option_default = 1500;  // an option's declared default
inline constexpr std::int32_t default_ = 1000;        // mk_default
inline constexpr std::int32_t plain = 100;            // a definition without property
inline constexpr std::int32_t force = 50;             // mk_force
}  // namespace priority

// Order numbers for lists and lines: the lowest comes first, ties keep definition order.
namespace order {
inline constexpr std::int32_t before = 500;
inline constexpr std::int32_t plain = 1000;
inline constexpr std::int32_t after = 1500;
}  // namespace order

namespace detail {

template <class V>
struct override_property {
  std::int32_t priority;
  V content;
};
template <class V>
struct order_property {
  std::int32_t order;
  V content;
};
template <class C, class V>
struct if_property {
  C condition;
  V content;
};
template <class... Vs>
struct merge_property {
  std::tuple<Vs...> contents;
};

template <class V>
struct is_property : std::false_type {};
template <class V>
struct is_property<override_property<V>> : std::true_type {};
template <class V>
struct is_property<order_property<V>> : std::true_type {};
template <class C, class V>
struct is_property<if_property<C, V>> : std::true_type {};
template <class... Vs>
struct is_property<merge_property<Vs...>> : std::true_type {};

template <class V>
struct is_if_or_merge : std::false_type {};
template <class C, class V>
struct is_if_or_merge<if_property<C, V>> : std::true_type {};
template <class... Vs>
struct is_if_or_merge<merge_property<Vs...>> : std::true_type {};

template <class V>
struct is_override : std::false_type {};
template <class V>
struct is_override<override_property<V>> : std::true_type {};

// Values are kept by value; string literals as pointers (they live for the program).
template <class V>
using stored = std::conditional_t<std::is_array_v<std::remove_reference_t<V>>, std::decay_t<V>, std::remove_cvref_t<V>>;

// A condition on a boolean option refers to the option object, which outlives every definition.
template <class Type>
struct option_condition_ref {
  using type = Type;
  const option_base* option;
};

template <class C>
constexpr auto stored_condition(const C& c) {
  if constexpr (requires { typename C::type; C::path_text; })
    return option_condition_ref<typename C::type>{&c};
  else return c;
}

}  // namespace detail

// mkOverride: a definition at priority `priority` (lower wins).
struct mk_override_fn {
  template <class V>
  constexpr auto operator()(std::int32_t priority, V&& v) const {
    static_assert(!detail::is_if_or_merge<detail::stored<V>>::value,
                  "cairn: a priority outside mk_if/mk_merge has no effect in NixOS; "
                  "write mk_if(condition, mk_force(value)) instead");
    return detail::override_property<detail::stored<V>>{priority, std::forward<V>(v)};
  }
  template <class E>
  constexpr auto operator()(std::int32_t priority, std::initializer_list<E> items) const {
    return detail::override_property<std::vector<E>>{priority, std::vector<E>(items)};
  }
};
inline constexpr mk_override_fn mk_override{};

template <std::int32_t Priority>
struct mk_priority_fn {
  template <class V>
  constexpr auto operator()(V&& v) const { return mk_override(Priority, std::forward<V>(v)); }
  template <class E>
  constexpr auto operator()(std::initializer_list<E> items) const { return mk_override(Priority, items); }
};
inline constexpr mk_priority_fn<priority::force> mk_force{};
inline constexpr mk_priority_fn<priority::default_> mk_default{};
inline constexpr mk_priority_fn<priority::option_default> mk_option_default{};

// mkOrder: position in list and lines results (lower first).
struct mk_order_fn {
  template <class V>
  constexpr auto operator()(std::int32_t order, V&& v) const {
    static_assert(!detail::is_override<detail::stored<V>>::value,
                  "cairn: an order around a priority hides the priority in NixOS; "
                  "write mk_force(mk_before(value)) instead");
    static_assert(!detail::is_if_or_merge<detail::stored<V>>::value,
                  "cairn: write mk_if(condition, mk_before(value)) instead");
    return detail::order_property<detail::stored<V>>{order, std::forward<V>(v)};
  }
  template <class E>
  constexpr auto operator()(std::int32_t order, std::initializer_list<E> items) const {
    return detail::order_property<std::vector<E>>{order, std::vector<E>(items)};
  }
};
inline constexpr mk_order_fn mk_order{};

template <std::int32_t Order>
struct mk_position_fn {
  template <class V>
  constexpr auto operator()(V&& v) const { return mk_order(Order, std::forward<V>(v)); }
  template <class E>
  constexpr auto operator()(std::initializer_list<E> items) const { return mk_order(Order, items); }
};
inline constexpr mk_position_fn<order::before> mk_before{};
inline constexpr mk_position_fn<order::after> mk_after{};

// mkIf: the definition counts only when the condition holds. The condition is a bool, a bool
// option, or a function of the final config, evaluated only when the option is merged.
struct mk_if_fn {
  template <class C, class V>
  constexpr auto operator()(const C& condition, V&& v) const {
    using stored_c = decltype(detail::stored_condition(condition));
    return detail::if_property<stored_c, detail::stored<V>>{detail::stored_condition(condition), std::forward<V>(v)};
  }
  template <class C, class E>
  constexpr auto operator()(const C& condition, std::initializer_list<E> items) const {
    using stored_c = decltype(detail::stored_condition(condition));
    return detail::if_property<stored_c, std::vector<E>>{detail::stored_condition(condition), std::vector<E>(items)};
  }
};
inline constexpr mk_if_fn mk_if{};

// mkMerge: several definitions of one option from one place, in this order.
struct mk_merge_fn {
  template <class... Vs>
  constexpr auto operator()(Vs&&... vs) const {
    return detail::merge_property<detail::stored<Vs>...>{{std::forward<Vs>(vs)...}};
  }
};
inline constexpr mk_merge_fn mk_merge{};

}  // namespace cairn
