// cairn/config.hpp: reading the final configuration from deferred definitions and conditions.
//
//   d.set(environment::etc_text("ssh/sshd_config"),
//         [](const cairn::config& c) { return "Port " + std::to_string(c[openssh::port]) + "\n"; });
//
// Every option's value is computed when first read and memoised; reading an option that is
// being computed is a cycle, reported with the option paths on it.
#pragma once

#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "detail/definition.hpp"
#include "option.hpp"

namespace cairn {

class config {
 public:
  constexpr config(detail::reader& r, const detail::instance_scope* scope) : reader_(&r), scope_(scope) {}

  // The value of an option (at a bound location for submodule fields and attrs_of entries).
  template <fixed_string P, class T>
  constexpr typename T::value_type operator[](const option<P, T>& o) const {
    return typed<T>(reader_->read(o, {}, 0, scope_));
  }
  template <fixed_string P, class T>
  constexpr typename T::value_type operator[](const target<P, T>& t) const {
    return typed<T>(reader_->read(*t.option, t.names, t.bound_placeholders, scope_));
  }

  // The dynamic value, e.g. to print or to hand to a renderer of generic values.
  template <class Option>
  constexpr const value& raw(const Option& o) const {
    if constexpr (requires { o.option; }) return reader_->read(*o.option, o.names, o.bound_placeholders, scope_);
    else return reader_->read(o, {}, 0, scope_);
  }

  // The attribute names of an attrs_of option, in byte order; for attrs_of<submodule> the
  // instance names, computed without evaluating any instance.
  template <class Option>
  constexpr std::vector<std::string> names(const Option& o) const {
    if constexpr (requires { o.option; }) return reader_->names(*o.option, o.names, o.bound_placeholders, scope_);
    else return reader_->names(o, {}, 0, scope_);
  }

  // Inside d.each(...): the name of the instance being configured ("alice" of users.users.alice).
  constexpr std::string_view name() const { return reader_->instance_name(scope_); }

  constexpr const cairn::meta& meta() const { return reader_->host_meta(); }

 private:
  // In constant evaluation a failed read (a cycle, a conflict) is recorded and returns an empty
  // value: give the module code a value of its type so the recorded error is the one reported,
  // not a bad_variant_access. At run time the read has thrown already.
  template <class T>
  constexpr typename T::value_type typed(const value& v) const {
    if (std::is_constant_evaluated() && reader_->failed()) return typename T::value_type{};
    return T::from_value(v);
  }

  detail::reader* reader_;
  const detail::instance_scope* scope_;
};

}  // namespace cairn
