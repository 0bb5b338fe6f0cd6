// cairn/detail/pretty.hpp: values and option paths printed as NixOS prints them (toPretty,
// showOption), usable in constant evaluation so compile-time errors read the same.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "../value.hpp"
#include "text.hpp"

namespace cairn::detail {

constexpr bool is_nix_identifier(std::string_view s) {
  if (s.empty()) return false;
  auto alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; };
  if (!alpha(s[0])) return false;
  for (char c : s)
    if (!alpha(c) && !(c >= '0' && c <= '9') && c != '\'' && c != '-') return false;
  constexpr std::string_view keywords[] = {"assert", "else", "if", "in", "inherit", "let", "or", "rec", "then", "with"};
  for (auto k : keywords)
    if (s == k) return false;
  return true;
}

// A Nix string literal: JSON escapes, and `${` escaped.
constexpr std::string nix_string(std::string_view s) {
  std::string out = "\"";
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '$':
        out += (i + 1 < s.size() && s[i + 1] == '{') ? "\\$" : "$";
        break;
      default: out.push_back(c);
    }
  }
  return out + "\"";
}

constexpr std::string attr_name(std::string_view name) {
  if (is_nix_identifier(name)) return std::string(name);
  return nix_string(name);
}

// showOption: `services.openssh.port`, `environment.etc."ssh/sshd_config".text`.
constexpr std::string show_option(std::span<const std::string> loc) {
  std::string out;
  for (std::size_t i = 0; i < loc.size(); ++i) {
    if (i != 0) out.push_back('.');
    const auto& part = loc[i];
    bool placeholder = part == "*" || (part.size() >= 2 && part.front() == '<' && part.back() == '>');
    if (placeholder) out += part;
    else out += attr_name(part);
  }
  return out;
}

constexpr std::string show_option(const std::vector<std::string>& loc) {
  return show_option(std::span<const std::string>(loc));
}

// toPretty {}: the rendering NixOS uses in its error messages and `nix eval` output.
constexpr std::string pretty(const value& v, const std::string& indent = "") {
  switch (v.type()) {
    case value::kind::null: return "null";
    case value::kind::boolean: return v.as_bool() ? "true" : "false";
    case value::kind::integer: return to_string(v.as_int());
    case value::kind::floating: return to_string(v.as_float());
    case value::kind::string: {
      // One line: "..." escaping only \, " and ${. Several: an indented string whose closing ''
      // ends the last line, or stands alone on the next line when the text ends with "\n".
      const auto& s = v.as_string();
      if (s.find('\n') == std::string::npos) {
        std::string out = "\"";
        for (std::size_t i = 0; i < s.size(); ++i) {
          bool interpolation = s[i] == '$' && i + 1 < s.size() && s[i + 1] == '{';
          if (s[i] == '\\' || s[i] == '"' || interpolation) out.push_back('\\');
          out.push_back(s[i]);
        }
        return out + "\"";
      }
      auto lines = split(s, '\n');
      std::string out = "''";
      for (std::size_t i = 0; i + 1 < lines.size(); ++i)
        out += "\n" + indent + "  " + replace_all(replace_all(lines[i], "''", "'''"), "${", "''${");
      if (lines.back().empty()) out += "\n" + indent;
      else out += "\n" + indent + "  " + replace_all(replace_all(lines.back(), "''", "'''"), "${", "''${");
      return out + "''";
    }
    case value::kind::list: {
      const auto& l = v.as_list();
      if (l.empty()) return "[ ]";
      std::string out = "[\n";
      for (const auto& item : l) out += indent + "  " + pretty(item, indent + "  ") + "\n";
      return out + indent + "]";
    }
    case value::kind::attrs: {
      const auto& a = v.as_attrs();
      if (a.empty()) return "{ }";
      std::string out = "{\n";
      for (const auto& [name, item] : a) out += indent + "  " + attr_name(name) + " = " + pretty(item, indent + "  ") + ";\n";
      return out + indent + "}";
    }
    case value::kind::package: return "<derivation " + v.as_package().full_name() + ">";
  }
  return "";
}

// Levenshtein distance with unit costs, for "Did you mean ...?".
constexpr std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t above = row[j];
      std::size_t substitution = diagonal + (a[i - 1] == b[j - 1] ? 0 : 1);
      row[j] = std::min({above + 1, row[j - 1] + 1, substitution});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// NixOS's suggestion rule: the 3 closest siblings (ties alphabetical); with 100 or more
// candidates only those within distance 2.
constexpr std::vector<std::string> closest(std::string_view wrong, std::vector<std::string> candidates) {
  std::vector<std::pair<std::size_t, std::string>> ranked;
  for (auto& c : candidates) ranked.emplace_back(edit_distance(wrong, c), std::move(c));
  // Stable insertion sort by (distance, name): constexpr, and candidate lists are short.
  for (std::size_t i = 1; i < ranked.size(); ++i)
    for (std::size_t j = i; j > 0 && ranked[j] < ranked[j - 1]; --j) std::swap(ranked[j], ranked[j - 1]);
  std::vector<std::string> out;
  bool many = ranked.size() >= 100;
  for (auto& [distance, name] : ranked) {
    if (out.size() == 3) break;
    if (many && distance > 2) break;
    out.push_back(std::move(name));
  }
  return out;
}

// The same, for names viewed in place (the trie's).
constexpr std::vector<std::string> closest(std::string_view wrong, const std::vector<std::string_view>& candidates) {
  return closest(wrong, std::vector<std::string>(candidates.begin(), candidates.end()));
}

}  // namespace cairn::detail
