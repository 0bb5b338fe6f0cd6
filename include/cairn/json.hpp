// cairn/json.hpp: values as JSON, the way `nix eval --json` prints them (keys sorted, compact).
#pragma once

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "value.hpp"

namespace cairn {

namespace detail {

// Characters JSON escapes: quotes, backslashes and controls.
constexpr bool json_escaped(unsigned char c) { return c < 0x20 || c == '"' || c == '\\'; }

inline void append_json_string(std::string& out, std::string_view s) {
  if (std::find_if(s.begin(), s.end(), [](char c) { return json_escaped(static_cast<unsigned char>(c)); }) == s.end()) {
    // Nothing to escape (names and most values): the quotes and the text at once.
    auto at = out.size();
    out.resize(at + s.size() + 2);
    out[at] = '"';
    s.copy(out.data() + at + 1, s.size());
    out.back() = '"';
    return;
  }
  out.push_back('"');
  std::size_t run = 0;  // start of the characters not yet written, copied at once
  for (std::size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (!json_escaped(c)) continue;
    out.append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default: fmt::format_to(std::back_inserter(out), "\\u{:04x}", c);
    }
  }
  out.append(s.data() + run, s.size() - run);
  out.push_back('"');
}

inline void append_json_int(std::string& out, std::int64_t i) {
  char buffer[24];
  auto end = std::to_chars(buffer, buffer + sizeof buffer, i).ptr;
  out.append(buffer, static_cast<std::size_t>(end - buffer));
}

inline void append_json(std::string& out, const value& v) {
  switch (v.type()) {
    case value::kind::null: out += "null"; return;
    case value::kind::boolean: out += v.as_bool() ? "true" : "false"; return;
    case value::kind::integer: append_json_int(out, v.as_int()); return;
    case value::kind::floating: fmt::format_to(std::back_inserter(out), "{}", v.as_float()); return;
    case value::kind::string: append_json_string(out, v.as_string()); return;
    case value::kind::list: {
      out.push_back('[');
      bool first = true;
      for (const auto& item : v.as_list()) {
        if (!first) out.push_back(',');
        first = false;
        append_json(out, item);
      }
      out.push_back(']');
      return;
    }
    case value::kind::attrs: {
      out.push_back('{');
      bool first = true;
      for (const auto& [name, item] : v.as_attrs()) {
        if (!first) out.push_back(',');
        first = false;
        append_json_string(out, name);
        out.push_back(':');
        append_json(out, item);
      }
      out.push_back('}');
      return;
    }
    case value::kind::package: {
      // A derivation in JSON is its output path, as in Nix; unbuilt, its name.
      const auto& p = v.as_package();
      append_json_string(out, p.out_path.empty() ? p.full_name() : p.out_path);
      return;
    }
  }
}

}  // namespace detail

inline std::string to_json(const value& v) {
  std::string out;
  detail::append_json(out, v);
  return out;
}

}  // namespace cairn
