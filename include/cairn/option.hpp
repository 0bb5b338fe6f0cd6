// cairn/option.hpp: option declarations, as NixOS's mkOption.
//
//   inline constexpr cairn::option<"services.openssh.port", cairn::types::port> port{{
//       .default_value = 22,
//       .description = "TCP port sshd listens on.",
//   }};
//   inline constexpr auto enable = cairn::enable_option<"services.openssh.enable">("the OpenSSH server");
//
// An option is a named constexpr object, so a misspelt name is the compiler's own error
// ("'prot' is not a member of 'openssh'; did you mean 'port'?"), and its path is part of its
// type, so a definition of the wrong type names the option in the first error line.
//
// Fields of submodules are options with a placeholder in their path,
// `users.users.<name>.uid`, bound to an instance by calling them: `users::user::uid("alice")`.
// Options of attrs_of type are indexed the same way: `environment::etc("hosts")`.
#pragma once

#include <cstdint>
#include <optional>
#include <source_location>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fixed_string.hpp"
#include "types.hpp"
#include "value.hpp"

namespace cairn {

// What the evaluator reads of every option, whatever its type.
struct option_base {
  std::string_view path;  // dotted; submodule fields contain placeholders such as `<name>`
  const type_descriptor* type = nullptr;
  std::source_location declared_at;
  std::string_view description;
  std::string_view enable_what;  // enable options: "Whether to enable <enable_what>."
  std::string_view example;      // shown in the manual as written (a C++ expression)
  std::string_view default_text;  // shown in the manual instead of a computed default
  bool read_only = false;
  bool internal = false;
  bool has_default = false;
  std::uint8_t placeholders = 0;  // number of `<...>` segments in the path
  value (*make_default)(const option_base&) = nullptr;

  constexpr bool has_description() const { return !enable_what.empty() || !description.empty(); }
  constexpr std::string full_description() const {
    if (!enable_what.empty()) return "Whether to enable " + std::string(enable_what) + ".";
    return std::string(description);
  }
};

template <class T>
struct option_settings {
  std::optional<typename T::literal_type> default_value;
  std::string_view description;
  std::string_view example;
  std::string_view default_text;
  bool read_only = false;
  bool internal = false;
};

namespace detail {

constexpr std::uint8_t count_placeholders(std::string_view path) {
  std::uint8_t n = 0;
  for (std::size_t i = 0; i < path.size(); ++i)
    if (path[i] == '<' && (i == 0 || path[i - 1] == '.')) ++n;
  return n;
}

// The type found below T after indexing it with `keys` attribute names.
template <class T, std::size_t Keys>
struct indexed {
  static constexpr bool valid = false;
  using type = T;
};
template <class T>
struct indexed<T, 0> {
  static constexpr bool valid = true;
  using type = T;
};
template <class E, std::size_t Keys>
  requires(Keys > 0)
struct indexed<types::attrs_of<E>, Keys> : indexed<E, Keys - 1> {};

}  // namespace detail

// A location below an option: its placeholders bound to instance names, then attribute names.
// `T` is the type at that location.
template <fixed_string Path, class T>
struct target {
  using type = T;
  static constexpr fixed_string path_text = Path;
  const option_base* option;
  std::vector<std::string> names;  // placeholder names first, then attribute names
  std::uint8_t bound_placeholders = 0;

  template <class... Names>
  [[gnu::always_inline]] constexpr auto operator()(Names&&... more) const {
    using result = typename detail::indexed<T, sizeof...(Names)>::type;
    static_assert(detail::indexed<T, sizeof...(Names)>::valid,
                  "cairn: only attrs_of options can be indexed with attribute names");
    target<Path, result> out{option, {}, bound_placeholders};
    out.names.reserve(names.size() + sizeof...(Names));
    out.names.insert(out.names.end(), names.begin(), names.end());
    (out.names.emplace_back(std::string_view(more)), ...);
    return out;
  }
};

namespace detail {

// The part of an option that depends on its type but not its path: its default. Code here is
// compiled once per type, not once per option (a module of hundreds of options compiles fast).
template <class T>
class typed_option : public option_base {
 protected:
  constexpr typed_option(const option_base& base, const std::optional<typename T::literal_type>& default_value)
      : option_base(base), default_(default_value) {
    make_default = &make_default_value;
  }

 private:
  static constexpr value make_default_value(const option_base& base) {
    return T::to_value(*static_cast<const typed_option&>(base).default_);
  }
  std::optional<typename T::literal_type> default_;
};

}  // namespace detail

template <fixed_string Path, class T>
class option : public detail::typed_option<T> {
 public:
  using type = T;
  static constexpr fixed_string path_text = Path;
  static constexpr std::uint8_t placeholder_count = detail::count_placeholders(Path.view());

  constexpr option(const option_settings<T>& settings = {},
                   std::source_location where = std::source_location::current())
      : detail::typed_option<T>(option_base{.path = Path.view(),
                                            .type = &T::descriptor,
                                            .declared_at = where,
                                            .description = settings.description,
                                            .example = settings.example,
                                            .default_text = settings.default_text,
                                            .read_only = settings.read_only,
                                            .internal = settings.internal,
                                            .has_default = settings.default_value.has_value(),
                                            .placeholders = placeholder_count},
                                settings.default_value) {}

  // users::user::uid("alice"): bind the placeholders, then index attrs_of values by name.
  template <class... Names>
  [[gnu::always_inline]] constexpr auto operator()(Names&&... names) const {
    constexpr std::size_t bound = sizeof...(Names) < placeholder_count ? sizeof...(Names) : placeholder_count;
    constexpr std::size_t keys = sizeof...(Names) - bound;
    static_assert(sizeof...(Names) >= placeholder_count,
                  "cairn: give a name for every placeholder of the option's path");
    static_assert(detail::indexed<T, keys>::valid, "cairn: only attrs_of options can be indexed with attribute names");
    target<Path, typename detail::indexed<T, keys>::type> out{this, {}, static_cast<std::uint8_t>(bound)};
    out.names.reserve(sizeof...(Names));
    (out.names.emplace_back(std::string_view(names)), ...);
    return out;
  }
};

// mkEnableOption: a boolean, default false, described as "Whether to enable <what>.".
template <fixed_string Path>
constexpr option<Path, types::bool_> enable_option(std::string_view what,
                                                   std::source_location where = std::source_location::current()) {
  option<Path, types::bool_> out({.default_value = false, .example = "true"}, where);
  out.enable_what = what;
  return out;
}

}  // namespace cairn
