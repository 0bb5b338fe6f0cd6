#pragma once
// Ready-made derivations: trivial builders that run inside the store process (text file,
// executable script, symlink join, directory tree, local fixed-output file) and commands run
// by a builder program in a sandbox. Each returns a `derivation` to pass to
// `store::add_derivation`.
//
//   auto motd = s.add_derivation(builders::text_file("etc-motd", "hi\n"));
//   auto etc  = s.add_derivation(builders::directory_tree("etc", {
//       builders::entry::link("motd", motd),                     // etc/motd -> /cairn/store/…-etc-motd
//       builders::entry::file("hostname", "demo\n"),
//   }));
#include <cairn/store/derivation.hpp>
#include <cairn/store/store_path.hpp>

#include <fmt/format.h>

#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace cairn::store::builders {

/// Something a derivation uses: a valid store path, or the output of another derivation.
using input = std::variant<store_path, drv_output>;

/// The platform string of this machine's builds ("x86_64-linux").
inline std::string host_system() {
#if defined(__x86_64__)
  return "x86_64-linux";
#elif defined(__aarch64__)
  return "aarch64-linux";
#elif defined(__i386__)
  return "i686-linux";
#else
  return "unknown-linux";
#endif
}

/// Declares `i` as an input of d, so it is built first, visible to the builder and a candidate
/// reference of the output.
inline void add_input(derivation& d, const input& i) {
  if (const auto* p = std::get_if<store_path>(&i))
    d.input_srcs.insert(*p);
  else
    d.input_drvs[std::get<drv_output>(i).drv].insert("out");
}

/// A derivation as Nix's `derivation` builtin makes it: env holds name, builder and system.
inline derivation make_derivation(std::string name, std::string builder, std::vector<std::string> args = {},
                                  std::map<std::string, std::string> env = {}, const std::vector<input>& inputs = {},
                                  std::string system = host_system()) {
  derivation d{.name = std::move(name), .system = std::move(system), .builder = std::move(builder), .args = std::move(args),
               .env = std::move(env)};
  d.env["name"] = d.name;
  d.env["builder"] = d.builder;
  d.env["system"] = d.system;
  for (const auto& i : inputs) add_input(d, i);
  return d;
}

/// A text file (`writeText`). Store paths that `text` mentions must be listed in `inputs`.
inline derivation text_file(std::string name, std::string text, const std::vector<input>& inputs = {}) {
  return make_derivation(std::move(name), "builtin:write-text", {}, {{"text", std::move(text)}, {"executable", ""}},
                         inputs, "builtin");
}

/// An executable script (`writeScript`): a text file with mode 0555.
inline derivation script(std::string name, std::string text, const std::vector<input>& inputs = {}) {
  return make_derivation(std::move(name), "builtin:write-text", {}, {{"text", std::move(text)}, {"executable", "1"}},
                         inputs, "builtin");
}

/// "@<base name>": how builtin builders' specs name a store input, independent of the store
/// directory; resolved to the logical path at build time.
inline std::string input_token(const input& i) {
  return "@" + (std::holds_alternative<store_path>(i) ? std::get<store_path>(i) : std::get<drv_output>(i).out).base_name();
}

/// The union of directory trees as symlinks (`symlinkJoin`/`buildEnv`): every file of every
/// input appears at its relative path as a link to it. Two different files at one path are an error.
inline derivation symlink_join(std::string name, const std::vector<input>& paths) {
  auto d = make_derivation(std::move(name), "builtin:symlink-join", {}, {}, paths, "builtin");
  std::string list;
  for (const auto& p : paths) list += (list.empty() ? "" : "\n") + input_token(p);
  d.env["paths"] = std::move(list);
  return d;
}

/// One entry of a directory tree: a relative path and what it holds.
struct entry {
  enum class kind { directory, file, symlink, copy };
  kind type = kind::file;
  std::string path;             ///< relative, '/'-separated, no "." or ".." components
  std::string value;            ///< file contents, symlink target or store path to copy
  bool executable = false;
  std::optional<input> source;  ///< the store path a link or copy points into

  static entry directory(std::string path) { return {kind::directory, std::move(path), {}, false, {}}; }
  static entry file(std::string path, std::string contents, bool executable = false) {
    return {kind::file, std::move(path), std::move(contents), executable, {}};
  }
  /// A symlink with a literal target (not a store dependency).
  static entry symlink(std::string path, std::string target) {
    return {kind::symlink, std::move(path), std::move(target), false, {}};
  }
  /// A symlink to a store path (or a file inside it: `sub`), which becomes an input.
  static entry link(std::string path, input to, std::string sub = {}) {
    return {kind::symlink, std::move(path), std::move(sub), false, std::move(to)};
  }
  /// A copy of a store path's contents (or of a file inside it: `sub`), which becomes an input.
  static entry copy(std::string path, input from, std::string sub = {}) {
    return {kind::copy, std::move(path), std::move(sub), false, std::move(from)};
  }
};

namespace detail {
inline std::string escape_field(std::string_view s) {
  std::string o;
  for (char c : s) {
    if (c == '\\') o += "\\\\";
    else if (c == '\n') o += "\\n";
    else if (c == '\t') o += "\\t";
    else o += c;
  }
  return o;
}
inline std::string unescape_field(std::string_view s) {
  std::string o;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size()) {
      const char c = s[++i];
      o += c == 'n' ? '\n' : c == 't' ? '\t' : c;
    } else {
      o += s[i];
    }
  }
  return o;
}
}  // namespace detail

/// A directory built from a list of entries (the shape of an /etc tree or a system toplevel).
/// Parents are created as needed; a path given twice is an error at build time.
/// Links and copies name their store input as "@<base name>[/sub]", resolved at build time.
inline derivation directory_tree(std::string name, const std::vector<entry>& entries,
                                 const std::vector<input>& inputs = {}) {
  auto d = make_derivation(std::move(name), "builtin:directory-tree", {}, {}, inputs, "builtin");
  std::string spec;
  for (const auto& e : entries) {
    static constexpr std::string_view kinds[] = {"directory", "file", "symlink", "copy"};
    std::string value = e.value;
    if (e.source) {
      add_input(d, *e.source);
      const auto ref = input_token(*e.source);
      value = e.value.empty() ? ref : ref + "/" + e.value;
    }
    spec += fmt::format("{}\t{}\t{}\t{}\n", kinds[static_cast<int>(e.type)], e.executable ? "x" : "-",
                        detail::escape_field(e.path), detail::escape_field(value));
  }
  d.env["entries"] = std::move(spec);
  return d;
}

/// A file fetched from a `file://` URL and checked against `expected` (a fixed-output source,
/// like nixpkgs' fetchurl). A mismatch fails with Nix's "hash mismatch" message.
inline derivation fetch_file(std::string name, std::string url, hash expected, bool executable = false) {
  auto d = make_derivation(std::move(name), "builtin:fetchurl", {},
                           {{"url", std::move(url)}, {"executable", executable ? "1" : ""}}, {}, "builtin");
  d.fixed = fixed_output{.method = executable ? file_ingestion::recursive : file_ingestion::flat, .expected = std::move(expected)};
  return d;
}

/// A shell command run by /bin/sh in the build sandbox, like nixpkgs' runCommand. `$out` is the
/// output path; inputs are visible at their store paths; PATH is not set.
inline derivation run_command(std::string name, std::string command, const std::vector<input>& inputs = {},
                              std::map<std::string, std::string> env = {}) {
  return make_derivation(std::move(name), "/bin/sh", {"-e", "-c", std::move(command)}, std::move(env), inputs);
}

}  // namespace cairn::store::builders
