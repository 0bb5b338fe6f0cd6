// cairn/manual.hpp: the options manual (`options`: text, Markdown, JSON, a searchable HTML page),
// and "who set this and why" (`option PATH`).
#pragma once

#include <algorithm>
#include <string>
#include <string_view>
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
  if (auto text = d.default_text(); !text.empty()) return std::string(text);
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
    if (!d.internal) out.push_back(&d);
  std::sort(out.begin(), out.end(), [](auto* a, auto* b) {
    return std::lexicographical_compare(a->loc.begin(), a->loc.end(), b->loc.begin(), b->loc.end());
  });
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

// Text as HTML content or a quoted attribute value.
inline std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

// The NixOS manual's anchor of an option (nixos-render-docs' make_xml_id), so that links such as
// #opt-services.openssh.ports and #opt-users.users._name_.uid read the same here.
inline std::string option_anchor(std::string_view name) {
  std::string out = "opt-";
  for (char c : name) out.push_back(std::string_view("*<>[]:\" ").find(c) == std::string_view::npos ? c : '_');
  return out;
}

// A value as code: a block when it spans lines.
inline std::string html_code(const std::string& text) {
  if (text.find('\n') == std::string::npos) return "<code>" + html_escape(text) + "</code>";
  return "<pre><code>" + html_escape(text) + "</code></pre>";
}

// The page's look and its search: inline, so that the file works offline and on its own.
inline constexpr std::string_view options_page_style = R"(
:root { color-scheme: light dark; --muted: #6a737d; --line: #d0d7de; --accent: #3d6fb4; }
body { font: 15px/1.5 system-ui, sans-serif; max-width: 60rem; margin: 0 auto; padding: 0 1rem 4rem; }
header { position: sticky; top: 0; padding: 1rem 0 0.5rem; background: Canvas; border-bottom: 1px solid var(--line); }
h1 { font-size: 1.4rem; margin: 0 0 0.5rem; }
#search { width: 100%; box-sizing: border-box; font-size: 1.05rem; padding: 0.4rem 0.6rem; }
#count { color: var(--muted); margin: 0.4rem 0 0; }
.option { border-bottom: 1px solid var(--line); padding: 0.6rem 0; scroll-margin-top: 9rem; }
.option:target { background: color-mix(in srgb, var(--accent) 12%, transparent); }
.option h2 { font: 600 1rem ui-monospace, monospace; margin: 0.2rem 0; word-break: break-all; }
.option h2 a { color: var(--accent); text-decoration: none; }
.description { white-space: pre-line; margin: 0.2rem 0 0.4rem; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 0.1rem 1rem; margin: 0; }
dt { color: var(--muted); }
dd { margin: 0; min-width: 0; }
pre { margin: 0; overflow-x: auto; }
code { font-family: ui-monospace, monospace; font-size: 0.9em; }
.read-only { color: var(--muted); font-style: italic; }
)";

// Every word of the query must occur in the option's name or description, ignoring case.
inline constexpr std::string_view options_page_script = R"(
(function () {
  const search = document.getElementById("search"), count = document.getElementById("count");
  const options = Array.from(document.querySelectorAll(".option"), (element) => ({
    element,
    text: (element.querySelector("h2").textContent + "\n" +
           (element.querySelector(".description")?.textContent ?? "")).toLowerCase(),
  }));
  function filter() {
    const words = search.value.toLowerCase().split(/\s+/).filter(Boolean);
    let shown = 0;
    for (const o of options) {
      o.element.hidden = !words.every((w) => o.text.includes(w));
      if (!o.element.hidden) shown++;
    }
    count.textContent = words.length === 0 ? options.length + " options"
                                           : shown + " of " + options.length + " options match";
  }
  // Following a link to an option the query hides shows every option again.
  function reveal() {
    const target = document.querySelector(":target");
    if (target && target.hidden) { search.value = ""; filter(); target.scrollIntoView(); }
  }
  search.hidden = false;
  search.addEventListener("input", filter);
  window.addEventListener("hashchange", reveal);
  filter();
  reveal();
})();
)";

inline std::string options_page_title(const meta& m) {
  if (!m.hostname.empty()) return fmt::format("Configuration options of {}", m.hostname);
  if (!m.username.empty()) return fmt::format("Home options of {}", m.username);
  return "Configuration options";
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
    o.set("description", value(d->description()));
    if (!d->example().empty()) o.set("example", detail::literal_expression(std::string(d->example())));
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
    if (!d->description().empty()) out += d->description() + "\n\n";
    out += fmt::format("*Type:* {}\n\n", describe(*d->type));
    auto text = detail::default_text(*d);
    if (text.find('\n') != std::string::npos) out += fmt::format("*Default:*\n\n```nix\n{}\n```\n\n", text);
    else if (!text.empty()) out += fmt::format("*Default:* `{}`\n\n", text);
    if (!d->example().empty()) out += fmt::format("*Example:* `{}`\n\n", d->example());
    if (d->read_only) out += "*Read only.*\n\n";
    out += "*Declared by:*";
    for (const auto* by : d->declared_by) out += fmt::format(" `{}`", detail::declared_at(*by));
    out += "\n";
  }
  return out;
}

// `options --html`: one self-contained page, as search.nixos.org lists options but offline. The
// list is rendered here, so that it reads without JavaScript; the inline script only filters it.
inline std::string options_html(const evaluator& e) {
  const auto declarations = detail::visible_declarations(e);
  const auto title = detail::html_escape(detail::options_page_title(e.host_meta()));
  std::string out = fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n"
      "<style>{}</style>\n</head>\n<body>\n<header>\n<h1>{}</h1>\n"
      // Hidden until the script runs: without it there is nothing to search with.
      "<input id=\"search\" type=\"search\" placeholder=\"Search options by name or description\" "
      "aria-label=\"Search options\" autofocus hidden>\n"
      "<p id=\"count\" aria-live=\"polite\">{} options</p>\n</header>\n<main>\n",
      title, detail::options_page_style, title, declarations.size());
  for (const auto* d : declarations) {
    const auto name = detail::show_option(d->loc);
    const auto anchor = detail::html_escape(detail::option_anchor(name));
    out += fmt::format("<article class=\"option\" id=\"{}\">\n<h2><a href=\"#{}\">{}</a></h2>\n", anchor, anchor,
                       detail::html_escape(name));
    if (!d->description().empty()) out += "<p class=\"description\">" + detail::html_escape(d->description()) + "</p>\n";
    if (d->read_only) out += "<p class=\"read-only\">Read only.</p>\n";
    out += "<dl>\n<dt>Type</dt><dd>" + detail::html_escape(describe(*d->type)) + "</dd>\n";
    if (auto text = detail::default_text(*d); !text.empty()) out += "<dt>Default</dt><dd>" + detail::html_code(text) + "</dd>\n";
    if (!d->example().empty()) out += "<dt>Example</dt><dd>" + detail::html_code(std::string(d->example())) + "</dd>\n";
    out += "<dt>Declared by</dt><dd>";
    for (std::size_t i = 0; i < d->declared_by.size(); ++i)
      out += (i == 0 ? "" : "<br>") + detail::html_code(detail::declared_at(*d->declared_by[i]));
    out += "</dd>\n</dl>\n</article>\n";
  }
  out += fmt::format("</main>\n<script>{}</script>\n</body>\n</html>\n", detail::options_page_script);
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
  if (auto example = d.example(); !example.empty()) out += fmt::format("Example:\n  {}\n\n", example);
  if (!d.description().empty()) out += "Description:\n" + detail::indent(d.description(), "  ") + "\n";
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
    o.set("description", value(d.description()));
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
