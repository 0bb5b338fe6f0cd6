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
    const value& v = reader_->read(o, {}, 0, scope_);
    if (reader_->evaluation_failed()) return {};
    return T::from_value(v);
  }
  template <fixed_string P, class T>
  constexpr typename T::value_type operator[](const target<P, T>& t) const {
    const value& v = reader_->read(*t.option, t.names, t.bound_placeholders, scope_);
    if (reader_->evaluation_failed()) return {};
    return T::from_value(v);
  }

  // The dynamic value, e.g. to print or to hand to a renderer of generic values.
  template <class Option>
  constexpr const value& raw(const Option& o) const {
    if constexpr (requires { o.option; }) return reader_->read(*o.option, o.names, o.bound_placeholders, scope_);
    else return reader_->read(o, {}, 0, scope_);
  }

  // True once an evaluation error was recorded (compile time only; at run time it is thrown).
  constexpr bool failed() const { return reader_->evaluation_failed(); }

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
  detail::reader* reader_;
  const detail::instance_scope* scope_;
};

}  // namespace cairn
