#pragma once
// The secrets manifest: which recipients each encrypted secret in the repository is for,
// as agenix's secrets.nix or sops's creation rules. `cairn secrets edit` and `rekey` encrypt
// to exactly these recipients. The file is `secrets/recipients`; its format:
//
//   # Comments start with '#'. Two kinds of lines:
//   #   NAME = KEY-OR-NAME...       names a key, or a group of keys and names
//   #   PATTERN: KEY-OR-NAME...     a rule: the secrets matching PATTERN are for these keys
//   alice  = age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p
//   demo   = ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIH…     # "ssh-ed25519 BASE64" is one key
//   admins = alice
//   demo/*.age: admins demo
//   *.age: admins
//
// A KEY is age1… or "ssh-ed25519 BASE64". A PATTERN is a path relative to the manifest's
// directory: '*' and '?' match within one path component, '**' across components. Names
// may be used before they are defined. The first rule that matches a secret decides.

#include <cairn/age/keys.hpp>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

namespace cairn::secrets {

inline constexpr std::string_view manifest_file_name = "recipients";

struct manifest_rule {
  std::string pattern;
  std::vector<std::string> recipients;  // resolved keys, in order, without duplicates
  std::size_t line = 0;
};

// '*' and '?' stay within a path component, "**" crosses them.
inline bool glob_match(std::string_view pattern, std::string_view path) {
  if (pattern.empty()) return path.empty();
  if (pattern.starts_with("**")) {
    std::string_view rest = pattern.substr(2);
    if (rest.starts_with('/')) {  // "**/" also matches no directory at all
      if (glob_match(rest.substr(1), path)) return true;
    }
    for (std::size_t i = 0; i <= path.size(); ++i)
      if (glob_match(rest, path.substr(i))) return true;
    return false;
  }
  if (pattern.front() == '*') {
    for (std::size_t i = 0; i <= path.size(); ++i) {
      if (glob_match(pattern.substr(1), path.substr(i))) return true;
      if (i < path.size() && path[i] == '/') break;
    }
    return false;
  }
  if (path.empty()) return false;
  if (pattern.front() == '?' ? path.front() != '/' : pattern.front() == path.front())
    return glob_match(pattern.substr(1), path.substr(1));
  return false;
}

class manifest {
 public:
  // Parses manifest text; `file` is its path (its directory anchors the patterns).
  // Throws age::error (error_kind::key) naming file:line.
  static manifest parse(std::string_view text, const std::filesystem::path& file) {
    manifest m;
    m.file_ = file;
    m.base_dir_ = file.has_parent_path() ? file.parent_path() : std::filesystem::path(".");
    struct raw_rule { std::string pattern; std::vector<std::string> items; std::size_t line; };
    std::vector<raw_rule> raw_rules;
    std::map<std::string, std::pair<std::vector<std::string>, std::size_t>, std::less<>> names;

    std::size_t number = 0;
    while (!text.empty()) {
      const auto nl = text.find('\n');
      std::string_view line = text.substr(0, nl);
      text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
      ++number;
      if (const auto hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
      const auto tokens = split(line);
      if (tokens.empty()) continue;
      auto fail = [&](const std::string& what) { m.error_at(number, what); };
      std::vector<std::string> items;
      if (tokens.size() >= 2 && tokens[1] == "=") {
        const std::string name(tokens[0]);
        if (!valid_name(name)) fail("invalid name \"" + name + "\" (letters, digits, '-', '_', '.'; not a key)");
        if (names.contains(name)) fail("\"" + name + "\" is defined twice");
        items = m.items(std::span(tokens).subspan(2), number);
        if (items.empty()) fail("\"" + name + "\" names no keys");
        names.emplace(name, std::make_pair(std::move(items), number));
      } else if (tokens[0].size() > 1 && tokens[0].back() == ':') {
        std::string pattern(tokens[0].substr(0, tokens[0].size() - 1));
        if (pattern.starts_with('/') || pattern.find("..") != std::string::npos)
          fail("a pattern is a path relative to the manifest's directory, without \"..\"");
        if (pattern.starts_with("./")) pattern.erase(0, 2);
        items = m.items(std::span(tokens).subspan(1), number);
        if (items.empty()) fail("the rule for " + pattern + " lists no recipients");
        raw_rules.push_back({std::move(pattern), std::move(items), number});
      } else {
        fail("expected \"NAME = KEYS...\" or \"PATTERN: KEYS...\"");
      }
    }

    // Resolve names to keys, depth first, rejecting cycles.
    std::function<void(const std::string&, std::size_t, std::vector<std::string>&, std::set<std::string>&)> resolve =
        [&](const std::string& item, std::size_t line, std::vector<std::string>& out, std::set<std::string>& active) {
          if (is_key(item)) {
            if (std::find(out.begin(), out.end(), item) == out.end()) out.push_back(item);
            return;
          }
          const auto it = names.find(item);
          if (it == names.end()) m.error_at(line, "unknown key or group name \"" + item + "\"");
          if (!active.insert(item).second) m.error_at(line, "the definition of \"" + item + "\" refers to itself");
          for (const auto& sub : it->second.first) resolve(sub, it->second.second, out, active);
          active.erase(item);
        };
    for (auto& r : raw_rules) {
      manifest_rule rule{std::move(r.pattern), {}, r.line};
      std::set<std::string> active;
      for (const auto& item : r.items) resolve(item, r.line, rule.recipients, active);
      m.rules_.push_back(std::move(rule));
    }
    for (const auto& [name, def] : names) {  // unused definitions must still be sound
      std::vector<std::string> out;
      std::set<std::string> active;
      resolve(name, def.second, out, active);
    }
    return m;
  }

  static manifest load(const std::filesystem::path& file) {
    return parse(age::detail::read_whole_file(file, "secrets manifest"), file);
  }

  const std::filesystem::path& file() const noexcept { return file_; }
  const std::filesystem::path& base_dir() const noexcept { return base_dir_; }
  const std::vector<manifest_rule>& rules() const noexcept { return rules_; }

  // The path of `secret` relative to the manifest's directory, if it lies below it.
  std::optional<std::string> relative_path(const std::filesystem::path& secret) const {
    namespace fs = std::filesystem;
    const auto rel = fs::weakly_canonical(fs::absolute(secret)).lexically_relative(fs::weakly_canonical(fs::absolute(base_dir_)));
    if (rel.empty() || *rel.begin() == "..") return std::nullopt;
    return rel.generic_string();
  }

  // The rule for `secret` (a path as the caller sees it), or nullptr if none matches.
  const manifest_rule* rule_for(const std::filesystem::path& secret) const {
    const auto rel = relative_path(secret);
    if (!rel) return nullptr;
    for (const auto& r : rules_)
      if (glob_match(r.pattern, *rel)) return &r;
    return nullptr;
  }

  // The recipients of `secret`, parsed; throws age::error (usage) if no rule covers it.
  std::vector<age::recipient_ptr> recipients_for(const std::filesystem::path& secret) const {
    const manifest_rule* r = rule_for(secret);
    if (!r) throw age::error(age::error_kind::usage, "no rule in " + file_.string() + " covers " + secret.string());
    std::vector<age::recipient_ptr> out;
    for (const auto& key : r->recipients) out.push_back(age::parse_recipient(key));
    return out;
  }

  // Every existing file below the manifest's directory that a rule covers (the manifest
  // itself excluded), sorted.
  std::vector<std::filesystem::path> secrets() const {
    namespace fs = std::filesystem;
    std::vector<fs::path> out;
    if (!fs::is_directory(base_dir_)) return out;
    for (const auto& entry : fs::recursive_directory_iterator(base_dir_)) {
      if (!entry.is_regular_file()) continue;
      if (fs::equivalent(entry.path(), file_)) continue;
      if (rule_for(entry.path())) out.push_back(entry.path());
    }
    std::sort(out.begin(), out.end());
    return out;
  }

 private:
  static std::vector<std::string_view> split(std::string_view line) {
    std::vector<std::string_view> out;
    std::size_t i = 0;
    while (i < line.size()) {
      while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) ++i;
      const std::size_t start = i;
      while (i < line.size() && line[i] != ' ' && line[i] != '\t' && line[i] != '\r') ++i;
      if (i > start) out.push_back(line.substr(start, i - start));
    }
    return out;
  }
  static bool is_key(std::string_view s) { return s.starts_with("age1") || s.starts_with("ssh-"); }
  static bool valid_name(std::string_view s) {
    if (s.empty() || is_key(s)) return false;
    return std::all_of(s.begin(), s.end(), [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
    });
  }

  [[noreturn]] void error_at(std::size_t line, const std::string& what) const {
    throw age::error(age::error_kind::key, file_.string() + ":" + std::to_string(line) + ": " + what);
  }

  // Keys (validated, "ssh-ed25519 B64" joined) and names, as written.
  std::vector<std::string> items(std::span<const std::string_view> tokens, std::size_t line) const {
    std::vector<std::string> out;
    for (std::size_t i = 0; i < tokens.size(); ++i) {
      std::string item(tokens[i]);
      if (tokens[i].starts_with("ssh-")) {
        if (i + 1 == tokens.size()) error_at(line, "\"" + item + "\" must be followed by the key's base64");
        item += ' ';
        item += tokens[++i];
      }
      if (is_key(item)) {
        try {
          item = age::parse_recipient(item)->to_string();  // canonical form, no comment
        } catch (const age::error& e) {
          error_at(line, e.what());
        }
      } else if (!valid_name(item)) {
        error_at(line, "\"" + item + "\" is neither a key nor a name");
      }
      out.push_back(std::move(item));
    }
    return out;
  }

  std::filesystem::path file_, base_dir_;
  std::vector<manifest_rule> rules_;
};

// The manifest for `start` (a secret file or a directory): the first `recipients` file found
// in its directory or above it, or in a `secrets/` folder of one of those directories.
inline std::optional<std::filesystem::path> find_manifest(const std::filesystem::path& start) {
  namespace fs = std::filesystem;
  fs::path dir = fs::absolute(start);
  if (!fs::is_directory(dir)) dir = dir.parent_path();
  for (;;) {
    for (const fs::path& candidate : {dir / manifest_file_name, dir / "secrets" / manifest_file_name})
      if (fs::is_regular_file(candidate)) return candidate;
    if (!dir.has_parent_path() || dir.parent_path() == dir) return std::nullopt;
    dir = dir.parent_path();
  }
}

}  // namespace cairn::secrets
