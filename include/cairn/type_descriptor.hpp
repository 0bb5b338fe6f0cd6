// cairn/type_descriptor.hpp: the runtime face of an option type, as NixOS's type objects:
// a name (for merging declarations), a description (for every "is not of type" message), a
// check on the head of a value, and how definitions merge (implemented by the evaluator).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "detail/text.hpp"
#include "value.hpp"

namespace cairn {

enum class type_kind : std::uint8_t {
  boolean,
  integer,
  floating,
  string,            // str, non_empty_str, single_line_str
  separated_string,  // lines, commas, env_var, separated_string<sep>
  enumeration,
  path,
  package,
  list_of,
  attrs_of,
  null_or,
  either,
  unique,
  submodule,
  anything,          // cairn::value given as is: any value, merged as NixOS's `anything`
};

// How a description reads when nested in another (NixOS's descriptionClass). `none` is a type
// without a class (NixOS's submodule), always parenthesised when nested.
enum class description_class : std::uint8_t { noun, conjunction, composite, non_restrictive_clause, none };

enum class string_rule : std::uint8_t { any, non_empty, single_line };

struct type_descriptor {
  type_kind kind{};
  std::string_view name;          // NixOS's functor name: "bool", "int", "str", "enum", "listOf", ...
  std::string_view description;   // for leaves; composites are described from their parts
  description_class cls = description_class::noun;
  const type_descriptor* elem = nullptr;   // list_of, attrs_of, null_or, unique; either's left
  const type_descriptor* elem2 = nullptr;  // either's right
  bool bounded = false;                    // integers
  std::int64_t min = 0;
  std::int64_t max = 0;
  std::span<const std::string_view> values;  // enumerations
  std::string_view separator;                // separated strings
  string_rule rule = string_rule::any;
};

constexpr std::string describe(const type_descriptor& t);
constexpr description_class class_of(const type_descriptor& t);

namespace detail {

// NixOS's optionDescriptionPhrase: parenthesise a nested description unless its class reads well.
constexpr std::string phrase(const type_descriptor& t, bool noun, bool conjunction, bool composite) {
  auto cls = class_of(t);
  bool plain = (cls == description_class::noun && noun) || (cls == description_class::conjunction && conjunction) ||
               (cls == description_class::composite && composite);
  if (plain) return describe(t);
  return "(" + describe(t) + ")";
}

// builtins.toJSON of a string (control characters as JSON escapes).
constexpr std::string quote_json_string(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\r') {
      out += "\\r";
    } else {
      if (c == '"' || c == '\\') out.push_back('\\');
      out.push_back(c);
    }
  }
  return out + "\"";
}

}  // namespace detail

constexpr description_class class_of(const type_descriptor& t) {
  switch (t.kind) {
    case type_kind::list_of:
    case type_kind::attrs_of: return description_class::composite;
    case type_kind::null_or:
    case type_kind::either: return description_class::conjunction;
    case type_kind::enumeration:
      return t.values.size() < 2 ? description_class::noun : description_class::conjunction;
    case type_kind::unique: return class_of(*t.elem);
    default: return t.cls;
  }
}

// The description NixOS prints in "is not of type `...'" messages and the manual.
constexpr std::string describe(const type_descriptor& t) {
  switch (t.kind) {
    case type_kind::list_of: return "list of " + detail::phrase(*t.elem, true, false, true);
    case type_kind::attrs_of: return "attribute set of " + detail::phrase(*t.elem, true, false, true);
    case type_kind::null_or: return "null or " + detail::phrase(*t.elem, true, true, false);
    case type_kind::either:
      // A non-restrictive clause on the left reads plainly with a comma, and then the right side
      // is parenthesised unless it is a noun or a conjunction.
      if (class_of(*t.elem) == description_class::non_restrictive_clause)
        return describe(*t.elem) + ", or " + detail::phrase(*t.elem2, true, true, false);
      return detail::phrase(*t.elem, true, true, false) + " or " + detail::phrase(*t.elem2, true, true, true);
    case type_kind::unique: return describe(*t.elem);
    case type_kind::enumeration: {
      if (t.values.empty()) return "impossible (empty enum)";
      if (t.values.size() == 1) return "value " + detail::quote_json_string(t.values[0]) + " (singular enum)";
      std::string out = "one of ";
      for (std::size_t i = 0; i < t.values.size(); ++i) {
        if (i != 0) out += ", ";
        out += detail::quote_json_string(t.values[i]);
      }
      return out;
    }
    default: return std::string(t.description);
  }
}

// The check on the head of a value (nested values are checked when their container merges).
constexpr bool check_head(const type_descriptor& t, const value& v) {
  switch (t.kind) {
    case type_kind::boolean: return v.is_bool();
    case type_kind::integer:
      return v.is_int() && (!t.bounded || (v.as_int() >= t.min && v.as_int() <= t.max));
    case type_kind::floating: return v.is_float();
    case type_kind::string:
      if (!v.is_string()) return false;
      if (t.rule == string_rule::non_empty) {
        for (char c : v.as_string())
          if (c != ' ' && c != '\t' && c != '\n') return true;
        return false;
      }
      if (t.rule == string_rule::single_line) {
        const auto& s = v.as_string();
        for (std::size_t i = 0; i < s.size(); ++i)
          if (s[i] == '\r' || (s[i] == '\n' && i + 1 != s.size())) return false;
      }
      return true;
    case type_kind::separated_string: return v.is_string();
    case type_kind::enumeration:
      if (!v.is_string()) return false;
      for (auto allowed : t.values)
        if (allowed == v.as_string()) return true;
      return false;
    case type_kind::path: return v.is_string() && !v.as_string().empty() && v.as_string()[0] == '/';
    case type_kind::package: return v.is_package();
    case type_kind::list_of: return v.is_list();
    case type_kind::attrs_of: return v.is_attrs();
    case type_kind::null_or: return v.is_null() || check_head(*t.elem, v);
    case type_kind::either: return check_head(*t.elem, v) || check_head(*t.elem2, v);
    case type_kind::unique: return check_head(*t.elem, v);
    case type_kind::submodule: return v.is_attrs();
    case type_kind::anything: return true;
  }
  return false;
}

// The value an option of this type has when nobody defines it (NixOS's emptyValue), if any.
constexpr bool has_empty_value(const type_descriptor& t) {
  switch (t.kind) {
    case type_kind::list_of:
    case type_kind::attrs_of:
    case type_kind::null_or:
    case type_kind::submodule: return true;
    case type_kind::unique: return has_empty_value(*t.elem);
    default: return false;
  }
}

constexpr value empty_value(const type_descriptor& t) {
  switch (t.kind) {
    case type_kind::list_of: return list{};
    case type_kind::attrs_of:
    case type_kind::submodule: return attrs{};
    case type_kind::unique: return empty_value(*t.elem);
    default: return null;
  }
}

// Options whose values are instances with option fields declared under their path.
constexpr bool is_submodule_container(const type_descriptor& t) {
  return t.kind == type_kind::submodule ||
         (t.kind == type_kind::attrs_of && t.elem->kind == type_kind::submodule);
}

}  // namespace cairn
