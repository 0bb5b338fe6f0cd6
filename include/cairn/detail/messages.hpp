// cairn/detail/messages.hpp: every evaluation error text, in one place. The shapes are NixOS's
// (module-system reference §5.2), with `file:line' where NixOS has only the file.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pretty.hpp"
#include "text.hpp"

namespace cairn::detail::messages {

// One definition as printed under "Definition values:": its place and, when it could be
// computed, its value.
struct shown_definition {
  std::string file;  // "hosts/demo/host.cpp:12"
  std::optional<value> v;
};

// showDefs: values of up to 5 lines inline or indented, longer ones cut with "...".
constexpr std::string show_definitions(const std::vector<shown_definition>& defs) {
  std::string out;
  for (const auto& d : defs) {
    out += "\n- In `" + d.file + "'";
    if (!d.v) continue;
    auto text = pretty(*d.v);
    auto lines = split(text, '\n');
    if (lines.size() == 1) {
      out += ": " + text;
    } else {
      out += ":\n    ";
      for (std::size_t i = 0; i < lines.size() && i < 5; ++i) {
        if (i != 0) out += "\n    ";
        out += lines[i];
      }
      if (lines.size() > 5) out += "\n    ...";
    }
  }
  return out;
}

constexpr std::string show_files(const std::vector<std::string>& files) {
  std::string out;
  for (std::size_t i = 0; i < files.size(); ++i) {
    if (i != 0) out += " and ";
    out += "`" + files[i] + "'";
  }
  return out;
}

inline constexpr std::string_view priority_hint =
    "\nUse `mk_force(value)` or `mk_default(value)` to change the priority on any of these definitions.";

constexpr std::string does_not_exist(const std::string& option, const std::vector<shown_definition>& defs,
                                     const std::vector<std::string>& suggestions, bool no_options_declared,
                                     std::string_view not_imported_from) {
  std::string out = "The option `" + option + "' does not exist. Definition values:" + show_definitions(defs);
  if (!suggestions.empty()) {
    out += "\n\nDid you mean ";
    for (std::size_t i = 0; i < suggestions.size(); ++i) {
      if (i != 0) out += i + 1 == suggestions.size() ? " or " : ", ";
      out += "`" + suggestions[i] + "'";
    }
    out += "?";
  } else if (no_options_declared) {
    out += "\n\nIt seems as if you're trying to define an option that no imported module declares.";
  }
  if (!not_imported_from.empty())
    out += "\n\nThe option is declared in C++ but its module is not imported by this host; add it to the "
           "imports of a module that uses it (declared at " + std::string(not_imported_from) + ").";
  return out;
}

constexpr std::string no_value(const std::string& option) {
  return "The option `" + option + "' was accessed but has no value defined. Try setting the option.";
}

constexpr std::string not_of_type(const std::string& option, const std::string& type,
                                  const std::vector<shown_definition>& invalid, bool type_error_style) {
  return "A definition for option `" + option + "' is not of type `" + type + "'." +
         (type_error_style ? " TypeError: Definition values: " : " Definition values:") + show_definitions(invalid);
}

constexpr std::string neither(const std::string& option, const std::string& type, const std::string& left,
                              const std::string& right, const std::vector<shown_definition>& defs) {
  return "A definition for option `" + option + "' is not of type `" + type + "'. TypeError: The option `" + option +
         "` is neither a value of type `" + left + "` nor `" + right + "`, Definition values: " +
         show_definitions(defs);
}

constexpr std::string conflicting(const std::string& option, const shown_definition& first,
                                  const shown_definition& other) {
  return "The option `" + option + "' has conflicting definition values:" + show_definitions({first, other}) +
         std::string(priority_hint);
}

constexpr std::string not_unique(const std::string& option, const std::vector<shown_definition>& defs) {
  return "The option `" + option + "' is defined multiple times while it's expected to be unique.\n\nDefinition values:" +
         show_definitions(defs) + std::string(priority_hint);
}

constexpr std::string read_only_set_twice(const std::string& option, const std::vector<shown_definition>& defs) {
  return "The option `" + option + "' is read-only, but it's set multiple times. Definition values:" +
         show_definitions(defs);
}

constexpr std::string null_and_not_null(const std::string& option, const std::vector<std::string>& files) {
  return "The option `" + option + "` is defined both null and not null, in " + show_files(files) + ".";
}

constexpr std::string cannot_merge(const std::string& option, const std::vector<shown_definition>& defs) {
  return "Cannot merge definitions of `" + option + "'. Definition values:" + show_definitions(defs);
}

constexpr std::string already_declared(const std::string& option, const std::string& file,
                                       const std::vector<std::string>& earlier) {
  std::string out = "The option `" + option + "' in `" + file + "' is already declared in ";
  for (std::size_t i = 0; i < earlier.size(); ++i) {
    if (i != 0) out += " and ";
    out += "`" + earlier[i] + "'";
  }
  return out + ".";
}

constexpr std::string types_do_not_merge(const std::string& option, const std::string& file, const std::string& type,
                                         const std::string& earlier_file, const std::string& earlier_type) {
  return "The option `" + option + "' in `" + file + "' is already declared in `" + earlier_file +
         "' with a type that does not merge: `" + type + "' and `" + earlier_type + "'.";
}

constexpr std::string not_a_parent(const std::string& option, const std::string& file, const std::string& type,
                                   const std::string& child, const std::string& child_file) {
  return "The option `" + option + "' in module `" + file +
         "' would be a parent of the following options, but its type `" + type +
         "' does not support nested options.\n - option(s) with prefix `" + child + "' in module `" + child_file + "'";
}

constexpr std::string_view nix_type_name(const value& v) {
  switch (v.type()) {
    case value::kind::null: return "null";
    case value::kind::boolean: return "bool";
    case value::kind::integer: return "int";
    case value::kind::floating: return "float";
    case value::kind::string: return "string";
    case value::kind::list: return "list";
    case value::kind::attrs: return "set";
    case value::kind::package: return "set";
  }
  return "";
}

constexpr std::string not_a_set(const std::string& file, const value& v, const std::string& option) {
  return "In `" + file + "', you're trying to define a value of type `" + std::string(nix_type_name(v)) +
         "'\nrather than an attribute set for the option\n`" + option + "'!\n\nThis usually happens if `" +
         option + "' has option\ndefinitions inside that are not matched. Please check how to properly define\n"
                  "this option, e.g. with the host's `options --markdown'!";
}

constexpr std::string cycle(const std::vector<std::string>& chain) {
  std::string out = "infinite recursion encountered: the value of `" + chain.front() + "' depends on itself:\n  ";
  for (std::size_t i = 0; i < chain.size(); ++i) {
    if (i != 0) out += " -> ";
    out += "`" + chain[i] + "'";
  }
  return out;
}

constexpr std::string failed_assertions(const std::vector<std::string>& failed) {
  std::string out = "Failed assertions:";
  for (const auto& m : failed) out += "\n- " + m;
  return out;
}

constexpr std::string missing_attribute(const std::string& option, std::string_view name) {
  return "The option `" + option + "' has no attribute `" + std::string(name) + "'.";
}

constexpr std::string needs_instance(const std::string& option) {
  return "The option `" + option + "' is a field of a submodule: name the instance, e.g. field(\"name\").";
}

}  // namespace cairn::detail::messages
