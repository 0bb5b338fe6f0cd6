// cairn/diagnostics.hpp: compile errors a user can read.
//
// A definition that cannot be right stops at one incomplete type whose name is the sentence:
//
//   error: invalid use of incomplete type 'struct cairn::error::option<
//     cairn::fixed_string<22>{"services.openssh.port"}>::expects<cairn::fixed_string<62>{"16 bit
//     unsigned integer; between 0 and 65535 (both inclusive)"}>::but_was_given<const char*>'
//
// so the first error line names the option and what it expects, in NixOS's words.
#pragma once

#include <cstddef>
#include <string>

#include "fixed_string.hpp"
#include "type_descriptor.hpp"

namespace cairn {

namespace error {

template <fixed_string Option>
struct option {
  template <fixed_string Expected>
  struct expects {
    template <class Given>
    struct but_was_given;
    template <class Given>
    struct but_a_function_returning;
  };
  // A secret (cairn::secret) never goes into the store, where everybody can read it.
  struct cannot_hold_a_secret_because_the_store_is_world_readable_so_render_it_with_secretTemplates;
  // users.users.<name>.uid is a field: users::user::uid("alice").
  struct is_a_submodule_field_so_bind_it_first_like_the_option_of_the_field_called_with_the_instance_name;
  // mk_if(condition, v): the condition must be a bool, a bool option, or a function of the config
  template <class Given>
  struct condition_must_be_bool_or_bool_option_or_function_of_config_but_was;
};

}  // namespace error

namespace detail {

template <class T>
constexpr std::size_t description_size() { return describe(T::descriptor).size(); }

template <class T>
constexpr auto description_text() {
  constexpr std::size_t n = description_size<T>();
  fixed_string<n + 1> out;
  auto s = describe(T::descriptor);
  for (std::size_t i = 0; i < n; ++i) out.data[i] = s[i];
  return out;
}

template <class Given>
concept secret_value = requires { Given::cairn_secret; };

template <fixed_string Path>
constexpr void secret_for_the_store() {
  (void)sizeof(typename error::option<Path>::cannot_hold_a_secret_because_the_store_is_world_readable_so_render_it_with_secretTemplates);
}

template <fixed_string Path, class T, class Given>
constexpr void wrong_value() {
  if constexpr (secret_value<Given>) {
    secret_for_the_store<Path>();
  } else {
    using sentence = typename error::option<Path>::template expects<description_text<T>()>::template but_was_given<Given>;
    [[maybe_unused]] sentence* stop = nullptr;
    (void)sizeof(sentence);
  }
}

template <fixed_string Path, class T, class Given>
constexpr void wrong_function_result() {
  if constexpr (secret_value<Given>) {
    secret_for_the_store<Path>();
  } else {
    using sentence =
        typename error::option<Path>::template expects<description_text<T>()>::template but_a_function_returning<Given>;
    (void)sizeof(sentence);
  }
}

template <fixed_string Path>
constexpr void unbound_field() {
  (void)sizeof(typename error::option<Path>::
                   is_a_submodule_field_so_bind_it_first_like_the_option_of_the_field_called_with_the_instance_name);
}

template <fixed_string Path, class Given>
constexpr void wrong_condition() {
  (void)sizeof(
      typename error::option<Path>::template condition_must_be_bool_or_bool_option_or_function_of_config_but_was<Given>);
}

}  // namespace detail
}  // namespace cairn
