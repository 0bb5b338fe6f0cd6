// cairn/types.hpp: the option types, as in NixOS's `lib.types`.
//
// Each type is a tag with:
//   descriptor     its runtime description (check, merge rules, message text)
//   value_type     what reading the option gives in C++
//   literal_type   what a constexpr default may be written as
//   accepts<V>     whether a C++ value of type V may define it (a compile-time check)
//   to_value(v)    V -> cairn::value;  from_value(value) -> value_type
//
//   types::port, types::list_of<types::str>, types::attrs_of<types::submodule>, ...
#pragma once

#include <array>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "detail/text.hpp"
#include "fixed_string.hpp"
#include "type_descriptor.hpp"
#include "value.hpp"

namespace cairn {

// A fixed-capacity list for constexpr defaults: constexpr variables cannot keep heap memory.
template <class T, std::size_t Capacity = 16>
class literal_list {
 public:
  constexpr literal_list() = default;
  constexpr literal_list(std::initializer_list<T> items) {
    if (items.size() > Capacity) too_many_elements_for_a_constexpr_default();
    for (const auto& item : items) items_[size_++] = item;
  }
  constexpr const T* begin() const { return items_; }
  constexpr const T* end() const { return items_ + size_; }
  constexpr std::size_t size() const { return size_; }

 private:
  // Not constexpr: reaching it in a constant expression makes the compiler name it.
  static void too_many_elements_for_a_constexpr_default() {}
  T items_[Capacity]{};
  std::size_t size_ = 0;
};

// A null-or-value literal for defaults of null_or options.
template <class T>
struct literal_nullable {
  constexpr literal_nullable() = default;
  constexpr literal_nullable(null_t) {}                  // NOLINT
  constexpr literal_nullable(std::nullopt_t) {}          // NOLINT
  template <class U>
    requires std::is_constructible_v<T, U&&>
  constexpr literal_nullable(U&& u) : is_null(false), item(std::forward<U>(u)) {}  // NOLINT
  bool is_null = true;
  T item{};
};

// Read-side value of attrs_of options: names in byte order.
template <class V>
class attr_map {
 public:
  using value_type = std::pair<std::string, V>;
  constexpr attr_map() = default;
  constexpr auto begin() const { return items_.begin(); }
  constexpr auto end() const { return items_.end(); }
  constexpr std::size_t size() const { return items_.size(); }
  constexpr bool empty() const { return items_.empty(); }
  constexpr bool contains(std::string_view name) const { return find(name) != nullptr; }
  constexpr const V* find(std::string_view name) const {
    for (const auto& [k, v] : items_)
      if (k == name) return &v;
    return nullptr;
  }
  constexpr const V& at(std::string_view name) const { return *find(name); }
  constexpr void push_back(value_type&& item) { items_.push_back(std::move(item)); }
  friend constexpr bool operator==(const attr_map&, const attr_map&) = default;

 private:
  std::vector<value_type> items_;
};

// Defining an instance of a submodule without setting any field: d.set(users::groups("wheel"), {}).
struct instance {
  friend constexpr bool operator==(instance, instance) = default;
};

namespace detail {

template <class V>
using bare = std::remove_cvref_t<V>;

template <class V>
concept string_like = std::is_convertible_v<const V&, std::string_view> && !std::is_same_v<V, std::nullptr_t>;

template <class V>
concept range_like = requires(const V& v) {
  std::begin(v);
  std::end(v);
} && !string_like<V>;

template <class V>
using range_element = bare<decltype(*std::begin(std::declval<const V&>()))>;

template <class V>
struct is_pair : std::false_type {};
template <class A, class B>
struct is_pair<std::pair<A, B>> : std::true_type {};

template <class V>
struct is_optional : std::false_type {};
template <class V>
struct is_optional<std::optional<V>> : std::true_type {};

template <class V>
concept integer_like = std::is_integral_v<V> && !std::is_same_v<V, bool> && !std::is_same_v<V, char> &&
                       !std::is_same_v<V, char8_t> && !std::is_same_v<V, wchar_t>;

}  // namespace detail

namespace types {

struct bool_ {
  using value_type = bool;
  using literal_type = bool;
  static constexpr type_descriptor descriptor{.kind = type_kind::boolean, .name = "bool", .description = "boolean"};
  template <class V>
  static constexpr bool accepts = std::is_same_v<detail::bare<V>, bool>;
  static constexpr value to_value(bool b) { return b; }
  static constexpr bool from_value(const value& v) { return v.as_bool(); }
};

namespace detail {
template <const type_descriptor& D>
struct integer_type {
  using value_type = std::int64_t;
  using literal_type = std::int64_t;
  static constexpr const type_descriptor& descriptor = D;
  template <class V>
  static constexpr bool accepts = cairn::detail::integer_like<cairn::detail::bare<V>>;
  template <class V>
  static constexpr value to_value(V i) { return static_cast<std::int64_t>(i); }
  static constexpr std::int64_t from_value(const value& v) { return v.as_int(); }
};

inline constexpr type_descriptor int_descriptor{.kind = type_kind::integer, .name = "int", .description = "signed integer"};
}  // namespace detail

struct int_ : detail::integer_type<detail::int_descriptor> {};

namespace ints {
namespace detail {
template <std::int64_t Lo, std::int64_t Hi>
constexpr auto between_text() {
  constexpr auto n = ("integer between " + cairn::detail::to_string(Lo) + " and " + cairn::detail::to_string(Hi) +
                      " (both inclusive)").size();
  fixed_string<n + 1> out;
  auto s = "integer between " + cairn::detail::to_string(Lo) + " and " + cairn::detail::to_string(Hi) + " (both inclusive)";
  for (std::size_t i = 0; i < n; ++i) out.data[i] = s[i];
  return out;
}
template <std::int64_t Lo, std::int64_t Hi>
inline constexpr auto between_description = between_text<Lo, Hi>();
template <std::int64_t Lo, std::int64_t Hi>
inline constexpr type_descriptor between_descriptor{.kind = type_kind::integer, .name = "intBetween",
    .description = between_description<Lo, Hi>.view(), .bounded = true, .min = Lo, .max = Hi};
inline constexpr type_descriptor unsigned_descriptor{.kind = type_kind::integer, .name = "unsignedInt",
    .description = "unsigned integer, meaning >=0", .cls = description_class::non_restrictive_clause,
    .bounded = true, .min = 0, .max = INT64_MAX};
inline constexpr type_descriptor positive_descriptor{.kind = type_kind::integer, .name = "positiveInt",
    .description = "positive integer, meaning >0", .cls = description_class::non_restrictive_clause,
    .bounded = true, .min = 1, .max = INT64_MAX};
inline constexpr type_descriptor u8_descriptor{.kind = type_kind::integer, .name = "unsignedInt8",
    .description = "8 bit unsigned integer; between 0 and 255 (both inclusive)", .bounded = true, .min = 0, .max = 255};
inline constexpr type_descriptor u16_descriptor{.kind = type_kind::integer, .name = "unsignedInt16",
    .description = "16 bit unsigned integer; between 0 and 65535 (both inclusive)", .bounded = true, .min = 0,
    .max = 65535};
inline constexpr type_descriptor u32_descriptor{.kind = type_kind::integer, .name = "unsignedInt32",
    .description = "32 bit unsigned integer; between 0 and 4294967295 (both inclusive)", .bounded = true, .min = 0,
    .max = 4294967295};
inline constexpr type_descriptor s8_descriptor{.kind = type_kind::integer, .name = "signedInt8",
    .description = "8 bit signed integer; between -128 and 127 (both inclusive)", .bounded = true, .min = -128,
    .max = 127};
inline constexpr type_descriptor s16_descriptor{.kind = type_kind::integer, .name = "signedInt16",
    .description = "16 bit signed integer; between -32768 and 32767 (both inclusive)", .bounded = true,
    .min = -32768, .max = 32767};
inline constexpr type_descriptor s32_descriptor{.kind = type_kind::integer, .name = "signedInt32",
    .description = "32 bit signed integer; between -2147483648 and 2147483647 (both inclusive)", .bounded = true,
    .min = -2147483648LL, .max = 2147483647};
}  // namespace detail

template <std::int64_t Lo, std::int64_t Hi>
  requires(Lo <= Hi)
struct between : types::detail::integer_type<detail::between_descriptor<Lo, Hi>> {};
struct unsigned_ : types::detail::integer_type<detail::unsigned_descriptor> {};
struct positive : types::detail::integer_type<detail::positive_descriptor> {};
struct u8 : types::detail::integer_type<detail::u8_descriptor> {};
struct u16 : types::detail::integer_type<detail::u16_descriptor> {};
struct u32 : types::detail::integer_type<detail::u32_descriptor> {};
struct s8 : types::detail::integer_type<detail::s8_descriptor> {};
struct s16 : types::detail::integer_type<detail::s16_descriptor> {};
struct s32 : types::detail::integer_type<detail::s32_descriptor> {};
}  // namespace ints

// A TCP/UDP port: the same type as ints::u16, as in NixOS.
using port = ints::u16;

struct float_ {
  using value_type = double;
  using literal_type = double;
  static constexpr type_descriptor descriptor{.kind = type_kind::floating, .name = "float",
                                              .description = "floating point number"};
  // An integer is not a float, as in NixOS: write 1.0.
  template <class V>
  static constexpr bool accepts = std::is_floating_point_v<cairn::detail::bare<V>>;
  static constexpr value to_value(double d) { return d; }
  static constexpr double from_value(const value& v) { return v.as_float(); }
};

namespace detail {
template <const type_descriptor& D>
struct string_type {
  using value_type = std::string;
  using literal_type = std::string_view;
  static constexpr const type_descriptor& descriptor = D;
  template <class V>
  static constexpr bool accepts = cairn::detail::string_like<cairn::detail::bare<V>>;
  template <class V>
  static constexpr value to_value(const V& s) { return std::string(std::string_view(s)); }
  static constexpr std::string from_value(const value& v) { return v.as_string(); }
};
inline constexpr type_descriptor str_descriptor{.kind = type_kind::string, .name = "str", .description = "string"};
inline constexpr type_descriptor non_empty_str_descriptor{.kind = type_kind::string, .name = "nonEmptyStr",
    .description = "non-empty string", .rule = string_rule::non_empty};
inline constexpr type_descriptor single_line_str_descriptor{.kind = type_kind::string, .name = "singleLineStr",
    .description = "(optionally newline-terminated) single-line string", .rule = string_rule::single_line};
inline constexpr type_descriptor path_descriptor{.kind = type_kind::path, .name = "path", .description = "absolute path"};

template <fixed_string Separator>
constexpr auto separated_text() {
  constexpr auto n = ("strings concatenated with " + cairn::detail::quote_json_string(Separator.view())).size();
  fixed_string<n + 1> out;
  auto s = "strings concatenated with " + cairn::detail::quote_json_string(Separator.view());
  for (std::size_t i = 0; i < n; ++i) out.data[i] = s[i];
  return out;
}
template <fixed_string Separator>
inline constexpr auto separated_description = separated_text<Separator>();
template <fixed_string Separator>
inline constexpr type_descriptor separated_descriptor{.kind = type_kind::separated_string,
    .name = "separatedString", .description = separated_description<Separator>.view(),
    .separator = Separator.view()};
}  // namespace detail

struct str : detail::string_type<detail::str_descriptor> {};
struct non_empty_str : detail::string_type<detail::non_empty_str_descriptor> {};
struct single_line_str : detail::string_type<detail::single_line_str_descriptor> {};
// Strings joined with Separator when several modules define them.
template <fixed_string Separator>
struct separated_string : detail::string_type<detail::separated_descriptor<Separator>> {};
using lines = separated_string<"\n">;
using commas = separated_string<",">;
using env_var = separated_string<":">;
// An absolute path (a string starting with `/`).
struct path : detail::string_type<detail::path_descriptor> {};

namespace detail {
template <fixed_string... Values>
inline constexpr std::string_view enum_values[] = {Values.view()...};
template <>
inline constexpr std::string_view enum_values<>[] = {""};
}  // namespace detail

// One of the given strings; declarations of the same option merge by union.
template <fixed_string... Values>
struct enum_ : detail::string_type<detail::str_descriptor> {
  static constexpr type_descriptor descriptor{
      .kind = type_kind::enumeration, .name = "enum",
      .values = std::span<const std::string_view>(detail::enum_values<Values...>, sizeof...(Values))};
};

struct package {
  using value_type = cairn::package;
  using literal_type = std::string_view;  // a name, for defaults
  static constexpr type_descriptor descriptor{.kind = type_kind::package, .name = "package", .description = "package"};
  template <class V>
  static constexpr bool accepts = std::is_same_v<cairn::detail::bare<V>, cairn::package>;
  static constexpr value to_value(const cairn::package& p) { return p; }
  static constexpr value to_value(std::string_view name) { return cairn::package{.name = std::string(name)}; }
  static constexpr cairn::package from_value(const value& v) { return v.as_package(); }
};

template <class E>
struct list_of {
  using element = E;
  using value_type = std::vector<typename E::value_type>;
  using literal_type = literal_list<typename E::literal_type>;
  static constexpr type_descriptor descriptor{.kind = type_kind::list_of, .name = "listOf", .elem = &E::descriptor};
  template <class V>
  static constexpr bool accepts_impl() {
    using B = cairn::detail::bare<V>;
    if constexpr (std::is_same_v<B, value>) return true;
    else if constexpr (cairn::detail::range_like<B>) return E::template accepts<cairn::detail::range_element<B>>;
    else return false;
  }
  template <class V>
  static constexpr bool accepts = accepts_impl<V>();
  template <class V>
  static constexpr value to_value(const V& items) {
    list out;
    if constexpr (requires { items.size(); }) out.reserve(items.size());
    for (const auto& item : items) out.push_back(E::to_value(item));
    return out;
  }
  static constexpr value_type from_value(const value& v) {
    value_type out;
    for (const auto& item : v.as_list()) out.push_back(E::from_value(item));
    return out;
  }
};

template <class E>
struct attrs_of {
  using element = E;
  using value_type = attr_map<typename E::value_type>;
  using literal_type = literal_list<std::pair<std::string_view, typename E::literal_type>>;
  static constexpr type_descriptor descriptor{.kind = type_kind::attrs_of, .name = "attrsOf", .elem = &E::descriptor};
  template <class V>
  static constexpr bool accepts_impl() {
    using B = cairn::detail::bare<V>;
    if constexpr (std::is_same_v<B, value>) return true;
    else if constexpr (cairn::detail::range_like<B>) {
      using P = cairn::detail::range_element<B>;
      if constexpr (cairn::detail::is_pair<std::remove_const_t<P>>::value)
        return cairn::detail::string_like<cairn::detail::bare<typename P::first_type>> &&
               E::template accepts<typename P::second_type>;
      else return false;
    } else return false;
  }
  template <class V>
  static constexpr bool accepts = accepts_impl<V>();
  template <class V>
  static constexpr value to_value(const V& items) {
    attrs out;
    for (const auto& [name, item] : items) out.set(std::string_view(name), E::to_value(item));
    return out;
  }
  static constexpr value_type from_value(const value& v) {
    value_type out;
    for (const auto& a : v.as_attrs()) out.push_back({a.name, E::from_value(a.val)});
    return out;
  }
};

template <class E>
struct null_or {
  using element = E;
  using value_type = std::optional<typename E::value_type>;
  using literal_type = literal_nullable<typename E::literal_type>;
  static constexpr type_descriptor descriptor{.kind = type_kind::null_or, .name = "nullOr", .elem = &E::descriptor};
  template <class V>
  static constexpr bool accepts_impl() {
    using B = cairn::detail::bare<V>;
    if constexpr (std::is_same_v<B, null_t> || std::is_same_v<B, std::nullopt_t>) return true;
    else if constexpr (cairn::detail::is_optional<B>::value) return E::template accepts<typename B::value_type>;
    else if constexpr (std::is_same_v<B, literal_type>) return true;
    else return E::template accepts<B>;
  }
  template <class V>
  static constexpr bool accepts = accepts_impl<V>();
  template <class V>
  static constexpr value to_value(const V& v) {
    if constexpr (std::is_same_v<V, null_t> || std::is_same_v<V, std::nullopt_t>) return null;
    else if constexpr (cairn::detail::is_optional<V>::value) {
      if (!v) return null;
      return E::to_value(*v);
    } else if constexpr (std::is_same_v<V, literal_type>) {
      if (v.is_null) return null;
      return E::to_value(v.item);
    }
    else return E::to_value(v);
  }
  static constexpr value_type from_value(const value& v) {
    if (v.is_null()) return std::nullopt;
    return E::from_value(v);
  }
};

template <class A, class B>
struct either {
  using value_type = std::variant<typename A::value_type, typename B::value_type>;
  using literal_type = std::variant<typename A::literal_type, typename B::literal_type>;
  static constexpr type_descriptor descriptor{.kind = type_kind::either, .name = "either", .elem = &A::descriptor,
                                              .elem2 = &B::descriptor};
  template <class V>
  static constexpr bool accepts =
      std::is_same_v<cairn::detail::bare<V>, literal_type> || A::template accepts<V> || B::template accepts<V>;
  template <class V>
  static constexpr value to_value(const V& v) {
    if constexpr (std::is_same_v<V, literal_type>)
      return std::visit([](const auto& x) -> value {
        if constexpr (A::template accepts<decltype(x)>) return A::to_value(x);
        else return B::to_value(x);
      }, v);
    else if constexpr (A::template accepts<V>) return A::to_value(v);
    else return B::to_value(v);
  }
  static constexpr value_type from_value(const value& v) {
    if (check_head(A::descriptor, v)) return value_type(std::in_place_index<0>, A::from_value(v));
    return value_type(std::in_place_index<1>, B::from_value(v));
  }
};

namespace detail {
template <class... Ts>
struct fold_either;
template <class T>
struct fold_either<T> { using type = T; };
template <class A, class B, class... Rest>
struct fold_either<A, B, Rest...> { using type = typename fold_either<either<A, B>, Rest...>::type; };
}  // namespace detail

// either<either<A, B>, C>..., as NixOS's oneOf.
template <class... Ts>
  requires(sizeof...(Ts) > 0)
using one_of = typename detail::fold_either<Ts...>::type;

// At most one definition (after priorities), as NixOS's types.uniq.
template <class E>
struct unique {
  using element = E;
  using value_type = typename E::value_type;
  using literal_type = typename E::literal_type;
  static constexpr type_descriptor descriptor{.kind = type_kind::unique, .name = "uniq", .elem = &E::descriptor};
  template <class V>
  static constexpr bool accepts = E::template accepts<V>;
  template <class V>
  static constexpr value to_value(const V& v) { return E::to_value(v); }
  static constexpr value_type from_value(const value& v) { return E::from_value(v); }
};

// Records whose fields are options declared under the option's path: for a submodule option
// `services.foo` the fields are `services.foo.<field>`; for attrs_of<submodule> at
// `users.users` they are `users.users.<name>.<field>`. Any module may declare more fields.
struct submodule {
  using value_type = attrs;  // the merged fields; read them one by one through their options
  using literal_type = instance;
  // No description class in NixOS: "attribute set of (submodule)".
  static constexpr type_descriptor descriptor{.kind = type_kind::submodule, .name = "submodule",
                                              .description = "submodule", .cls = description_class::none};
  // {} (an instance with no field set here) or field values by name, checked when merged.
  template <class V>
  static constexpr bool accepts =
      std::is_same_v<cairn::detail::bare<V>, instance> || std::is_same_v<cairn::detail::bare<V>, attrs>;
  static constexpr value to_value(instance) { return attrs{}; }
  static constexpr value to_value(const attrs& a) { return a; }
  static constexpr value_type from_value(const value& v) { return v.as_attrs(); }
};

// Any value, checked only by how definitions merge (NixOS's types.anything): for embedding and
// for values built at run time, e.g. from JSON.
struct anything {
  using value_type = value;
  using literal_type = bool;  // no constexpr defaults beyond a boolean
  static constexpr type_descriptor descriptor{.kind = type_kind::anything, .name = "anything",
                                              .description = "anything"};
  template <class V>
  static constexpr bool accepts = std::is_same_v<cairn::detail::bare<V>, value>;
  static constexpr value to_value(const value& v) { return v; }
  static constexpr value from_value(const value& v) { return v; }
};

}  // namespace types

namespace detail {

// Every type accepts a cairn::value (checked when merged): JSON layers and generated values.
template <class T, class V>
inline constexpr bool accepts = std::is_same_v<bare<V>, value> || T::template accepts<V>;

template <class T, class V>
constexpr value to_value(const V& v) {
  if constexpr (std::is_same_v<bare<V>, value>) return v;
  else return T::to_value(v);
}

}  // namespace detail
}  // namespace cairn
