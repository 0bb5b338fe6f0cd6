// cairn/manual.hpp: the options manual (`options`), and "who set this and why" (`option PATH`).
#pragma once

#include <string>
#include <vector>

#include <fmt/format.h>

#include "detail/pretty.hpp"
#include "eval.hpp"
#include "json.hpp"

namespace cairn {

namespace detail {

inline std::string declared_at(const option_base& o) {
  return fmt::format("{}:{}", normalize_path(o.declared_at.file_name()), o.declared_at.line());
}

inline std::string default_text(const declaration& d) {
  if (!d.default_text.empty()) return std::string(d.default_text);
  if (d.with_default != nullptr) return pretty(d.with_default->make_default(*d.with_default));
  return {};
}

inline value literal_expression(const std::string& text) {
  attrs a;
  a.set("_type", value("literalExpression"));
  a.set("text", value(text));
  return a;
}

inline std::vector<const declaration*> visible_declarations(const evaluator& e) {
  std::vector<const declaration*> out;
  for (const auto& d : e.declarations())
    if (!d->internal) out.push_back(d.get());
  std::sort(out.begin(), out.end(), [](auto* a, auto* b) { return a->loc < b->loc; });
  return out;
}

// A value on one line, as `nix eval` prints small values: [ 1 2 ], { a = 1; }.
inline std::string pretty_line(const value& v, std::size_t limit = 100) {
  std::string out;
  switch (v.type()) {
    case value::kind::list:
      out = "[";
      for (const auto& item : v.as_list()) out += " " + pretty_line(item, limit);
      out += " ]";
      break;
    case value::kind::attrs:
      out = "{";
      for (const auto& [name, item] : v.as_attrs()) out += " " + attr_name(name) + " = " + pretty_line(item, limit) + ";";
      out += " }";
      break;
    case value::kind::string: out = nix_string(v.as_string()); break;
    default: out = pretty(v);
  }
  if (out.size() > limit) out = out.substr(0, limit - 3) + "...";
  return out;
}

inline std::string indent(const std::string& text, std::string_view by) {
  std::string out;
  for (const auto& line : split(text, '\n')) out += fmt::format("{}{}\n", by, line);
  return out;
}

}  // namespace detail

// `options --json`: NixOS's options.json shape, keyed by option path.
inline std::string options_json(const evaluator& e) {
  attrs all;
  for (const auto* d : detail::visible_declarations(e)) {
    attrs o;
    list declarations;
    for (const auto* by : d->declared_by) declarations.push_back(detail::declared_at(*by));
    o.set("declarations", value(std::move(declarations)));
    if (auto text = detail::default_text(*d); !text.empty()) o.set("default", detail::literal_expression(text));
    o.set("description", value(d->description));
    if (!d->example.empty()) o.set("example", detail::literal_expression(std::string(d->example)));
    list loc;
    for (const auto& s : d->loc) loc.push_back(s);
    o.set("loc", value(std::move(loc)));
    o.set("readOnly", d->read_only);
    o.set("type", value(describe(*d->type)));
    all.set(detail::show_option(d->loc), value(std::move(o)));
  }
  return to_json(all);
}

// `options --markdown`: the manual, as the NixOS manual's option list.
inline std::string options_markdown(const evaluator& e) {
  std::string out = "# Configuration options\n";
  for (const auto* d : detail::visible_declarations(e)) {
    out += fmt::format("\n## {}\n\n", detail::show_option(d->loc));
    if (!d->description.empty()) out += d->description + "\n\n";
    out += fmt::format("*Type:* {}\n\n", describe(*d->type));
    auto text = detail::default_text(*d);
    if (text.find('\n') != std::string::npos) out += fmt::format("*Default:*\n\n```nix\n{}\n```\n\n", text);
    else if (!text.empty()) out += fmt::format("*Default:* `{}`\n\n", text);
    if (!d->example.empty()) out += fmt::format("*Example:* `{}`\n\n", d->example);
    if (d->read_only) out += "*Read only.*\n\n";
    out += "*Declared by:*";
    for (const auto* by : d->declared_by) out += fmt::format(" `{}`", detail::declared_at(*by));
    out += "\n";
  }
  return out;
}

// `options`: one line per option.
inline std::string options_text(const evaluator& e) {
  std::string out;
  for (const auto* d : detail::visible_declarations(e))
    out += fmt::format("{}: {}\n", detail::show_option(d->loc), describe(*d->type));
  return out;
}

struct option_explanation {
  const detail::declaration* declaration = nullptr;
  std::vector<std::string> loc;
  bool has_value = false;
  value v;
  std::vector<detail::definition_report> definitions;
};

// Evaluates the option at `path` (a concrete path, or a pattern such as users.users.<name>.uid
// for its declaration only) and explains its definitions.
inline option_explanation explain_option(evaluator& e, std::string_view path) {
  option_explanation x;
  x.loc = evaluator::split_path(path);
  x.declaration = e.find_declaration(detail::show_option(x.loc));
  bool pattern = false;
  for (const auto& s : x.loc) pattern = pattern || (s.size() > 1 && s.front() == '<' && s.back() == '>');
  if (pattern) {
    if (x.declaration == nullptr) throw evaluation_error("The option `" + std::string(path) + "' does not exist.");
    return x;
  }
  x.v = e.read(x.loc);
  x.has_value = true;
  if (x.declaration == nullptr) x.declaration = e.declaration_at(x.loc);
  if (x.declaration != nullptr) x.definitions = e.explain(x.loc);
  return x;
}

inline std::string explanation_text(const option_explanation& x) {
  std::string out;
  if (x.has_value) out += "Value:\n" + detail::indent(detail::pretty(x.v), "  ") + "\n";
  if (x.declaration == nullptr) return out;  // an attribute inside an option's value
  const auto& d = *x.declaration;
  out += "Type:\n  " + describe(*d.type) + "\n\n";
  if (auto text = detail::default_text(d); !text.empty()) out += "Default:\n" + detail::indent(text, "  ") + "\n";
  if (!d.example.empty()) out += fmt::format("Example:\n  {}\n\n", d.example);
  if (!d.description.empty()) out += "Description:\n" + detail::indent(d.description, "  ") + "\n";
  if (d.read_only) out += "Read only.\n\n";
  out += "Declared by:\n";
  for (const auto* by : d.declared_by) out += fmt::format("  {}\n", detail::declared_at(*by));
  if (!x.has_value) return out;
  out += "\nDefined by:\n";
  if (x.definitions.empty()) out += "  (nothing: the type's empty value)\n";
  std::int32_t winning = 9999;
  for (const auto& r : x.definitions)
    if (r.wins) winning = r.priority;
  for (const auto& r : x.definitions) {
    out += fmt::format("  {}:{}", r.file, r.line);
    if (r.v) out += ": " + detail::pretty_line(*r.v);
    out += "\n      ";
    out += r.is_default ? "the option's default (priority 1500)" : fmt::format("priority {}", r.priority);
    if (r.order != order::plain) out += fmt::format(", order {}", r.order);
    if (!r.condition_holds) out += ", not used: its condition is false";
    else if (r.wins) out += ", used";
    else out += fmt::format(", not used: priority {} wins", winning);
    if (!r.module.empty()) out += fmt::format(", in module {}", r.module);
    out += "\n";
  }
  return out;
}

inline std::string explanation_json(const option_explanation& x) {
  attrs o;
  list loc;
  for (const auto& s : x.loc) loc.push_back(s);
  o.set("loc", value(std::move(loc)));
  if (x.has_value) o.set("value", x.v);
  if (x.declaration != nullptr) {
    const auto& d = *x.declaration;
    o.set("type", value(describe(*d.type)));
    if (auto text = detail::default_text(d); !text.empty()) o.set("default", detail::literal_expression(text));
    o.set("description", value(d.description));
    o.set("readOnly", d.read_only);
    list declarations;
    for (const auto* by : d.declared_by) declarations.push_back(detail::declared_at(*by));
    o.set("declarations", value(std::move(declarations)));
    list definitions;
    for (const auto& r : x.definitions) {
      attrs def;
      def.set("file", value(r.file));
      def.set("line", std::int64_t(r.line));
      if (!r.module.empty()) def.set("module", value(std::string(r.module)));
      def.set("priority", std::int64_t(r.priority));
      def.set("order", std::int64_t(r.order));
      def.set("default", r.is_default);
      def.set("active", r.condition_holds);
      def.set("used", r.wins);
      if (r.v) def.set("value", *r.v);
      definitions.push_back(value(std::move(def)));
    }
    o.set("definitions", value(std::move(definitions)));
  }
  return to_json(o);
}

}  // namespace cairn
