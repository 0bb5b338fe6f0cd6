#pragma once
// Derivations: how to build one store path (`out`), in Nix's ATerm `.drv` format so that output
// and .drv paths are exactly the ones Nix computes for the same derivation.
//
//   Derive([("out","<path>","<algo>","<hash>")],[("<drv>",["out"])],["<src>"],"<system>",
//          "<builder>",["<arg>"],[("<key>","<value>")])
#include <cairn/store/error.hpp>
#include <cairn/store/hash.hpp>
#include <cairn/store/store_path.hpp>

#include <fmt/format.h>

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace cairn::store {

/// The expected hash of a fixed-output derivation's output.
struct fixed_output {
  file_ingestion method = file_ingestion::flat;
  hash expected;
  /// "r:sha256" or "sha256", as in the ATerm.
  std::string algo_text() const {
    return fmt::format("{}{}", method == file_ingestion::recursive ? "r:" : "", to_string(expected.algo));
  }
};

struct derivation {
  std::string name;                                     ///< the output's name (the .drv is "<name>.drv")
  std::string system;                                   ///< "x86_64-linux", or "builtin" for in-process builders
  std::string builder;                                  ///< absolute path, or "builtin:<kind>"
  std::vector<std::string> args;
  std::map<std::string, std::string> env;              ///< `out` is filled in by the store
  std::map<store_path, std::set<std::string>> input_drvs;  ///< other derivations whose outputs it uses
  store_path_set input_srcs;                            ///< store paths it uses directly
  std::optional<fixed_output> fixed;                    ///< set for fixed-output derivations
  std::optional<store_path> out;                        ///< output path, set by the store

  bool is_fixed_output() const { return fixed.has_value(); }
  bool is_builtin() const { return builder.starts_with("builtin:"); }
};

/// A derivation added to the store: its .drv path and its output path.
struct drv_output {
  store_path drv;
  store_path out;
  friend auto operator<=>(const drv_output&, const drv_output&) = default;
};

namespace detail {

inline void aterm_string(std::string& o, std::string_view s) {
  o += '"';
  for (char c : s) {
    switch (c) {
      case '"': o += "\\\""; break;
      case '\\': o += "\\\\"; break;
      case '\n': o += "\\n"; break;
      case '\r': o += "\\r"; break;
      case '\t': o += "\\t"; break;
      default: o += c;
    }
  }
  o += '"';
}

template <class Range, class F>
void aterm_list(std::string& o, const Range& r, F each) {
  o += '[';
  bool first = true;
  for (const auto& x : r) {
    if (!first) o += ',';
    first = false;
    each(x);
  }
  o += ']';
}

}  // namespace detail

/// The ATerm text of `d`. `out_path` replaces the output path (empty while hashing);
/// `input_drvs` replaces the input derivations' keys (Nix's hashDerivationModulo uses the hex
/// hashes of the inputs instead of their paths).
inline std::string unparse_derivation(const derivation& d, const store_dir& dir, std::string_view out_path,
                                      const std::map<std::string, std::set<std::string>>& input_drvs) {
  std::string o = "Derive([(\"out\",";
  detail::aterm_string(o, out_path);
  o += ',';
  detail::aterm_string(o, d.fixed ? d.fixed->algo_text() : "");
  o += ',';
  detail::aterm_string(o, d.fixed ? d.fixed->expected.to_base16() : "");
  o += ")],";
  detail::aterm_list(o, input_drvs, [&](const auto& kv) {
    o += '(';
    detail::aterm_string(o, kv.first);
    o += ',';
    detail::aterm_list(o, kv.second, [&](const std::string& s) { detail::aterm_string(o, s); });
    o += ')';
  });
  o += ',';
  detail::aterm_list(o, d.input_srcs, [&](const store_path& p) { detail::aterm_string(o, dir.print(p)); });
  o += ',';
  detail::aterm_string(o, d.system);
  o += ',';
  detail::aterm_string(o, d.builder);
  o += ',';
  detail::aterm_list(o, d.args, [&](const std::string& s) { detail::aterm_string(o, s); });
  o += ',';
  detail::aterm_list(o, d.env, [&](const auto& kv) {
    o += '(';
    detail::aterm_string(o, kv.first);
    o += ',';
    detail::aterm_string(o, kv.first == "out" ? out_path : std::string_view(kv.second));
    o += ')';
  });
  o += ')';
  return o;
}

/// The .drv file text of a derivation whose output path is set.
inline std::string unparse_derivation(const derivation& d, const store_dir& dir) {
  std::map<std::string, std::set<std::string>> inputs;
  for (const auto& [p, outs] : d.input_drvs) inputs.emplace(dir.print(p), outs);
  return unparse_derivation(d, dir, d.out ? dir.print(*d.out) : "", inputs);
}

/// Nix's hashDerivationModulo: a hash of `d` that does not depend on how fixed-output inputs are
/// fetched. `input_hash` gives the same hash of an input derivation (memoise it).
inline hash hash_derivation_modulo(const derivation& d, const store_dir& dir,
                                   const std::function<hash(const store_path&)>& input_hash) {
  if (d.fixed) {
    if (!d.out) throw store_error(fmt::format("derivation '{}' has no output path yet", d.name));
    return hash_string(fmt::format("fixed:out:{}:{}:{}", d.fixed->algo_text(), d.fixed->expected.to_base16(),
                                   dir.print(*d.out)));
  }
  std::map<std::string, std::set<std::string>> inputs;
  for (const auto& [p, outs] : d.input_drvs) inputs.emplace(input_hash(p).to_base16(), outs);
  return hash_string(unparse_derivation(d, dir, d.out ? dir.print(*d.out) : "", inputs));
}

/// Fills in `d.out` (and env "out") the way Nix does, and returns the .drv file's path.
inline store_path compute_derivation_paths(derivation& d, const store_dir& dir,
                                           const std::function<hash(const store_path&)>& input_hash) {
  check_store_name(d.name, fmt::format("derivation name '{}'", d.name));
  if (d.fixed) {
    d.out = dir.make_fixed_output_path(d.name, d.fixed->method, d.fixed->expected);
  } else {
    d.out.reset();
    d.env["out"] = "";
    std::map<std::string, std::set<std::string>> inputs;
    for (const auto& [p, outs] : d.input_drvs) inputs.emplace(input_hash(p).to_base16(), outs);
    const auto masked = hash_string(unparse_derivation(d, dir, "", inputs));
    d.out = dir.make_path("output:out", masked, d.name);
  }
  d.env["out"] = dir.print(*d.out);
  store_path_set refs = d.input_srcs;
  for (const auto& [p, outs] : d.input_drvs) refs.insert(p);
  return dir.make_text_path(d.name + ".drv", hash_string(unparse_derivation(d, dir)), refs);
}

namespace detail {

class aterm_reader {
 public:
  aterm_reader(std::string_view s, std::string_view where) : s_(s), where_(where) {}
  [[noreturn]] void fail(std::string_view what) const {
    throw store_error(fmt::format("bad derivation '{}' at character {}: {}", where_, i_, what));
  }
  void expect(std::string_view t) {
    if (s_.substr(i_, t.size()) != t) fail(fmt::format("expected '{}'", t));
    i_ += t.size();
  }
  bool peek(char c) const { return i_ < s_.size() && s_[i_] == c; }
  std::string str() {
    expect("\"");
    std::string out;
    for (;;) {
      if (i_ >= s_.size()) fail("unterminated string");
      char c = s_[i_++];
      if (c == '"') break;
      if (c == '\\') {
        if (i_ >= s_.size()) fail("unterminated escape");
        c = s_[i_++];
        c = c == 'n' ? '\n' : c == 'r' ? '\r' : c == 't' ? '\t' : c;
      }
      out += c;
    }
    return out;
  }
  template <class F>
  void list(F each) {
    expect("[");
    if (peek(']')) {
      ++i_;
      return;
    }
    for (;;) {
      each();
      if (peek(',')) {
        ++i_;
        continue;
      }
      expect("]");
      return;
    }
  }
  bool at_end() const { return i_ == s_.size(); }

 private:
  std::string_view s_, where_;
  std::size_t i_ = 0;
};

}  // namespace detail

/// Parses a .drv file's text (single-output derivations, as cairn writes them).
inline derivation parse_derivation(std::string_view text, const store_dir& dir, std::string_view drv_name) {
  detail::aterm_reader r(text, drv_name);
  derivation d;
  d.name = std::string(drv_name.ends_with(".drv") ? drv_name.substr(0, drv_name.size() - 4) : drv_name);
  r.expect("Derive(");
  int outputs = 0;
  r.list([&] {
    r.expect("(");
    const auto id = r.str();
    r.expect(",");
    const auto path = r.str();
    r.expect(",");
    const auto algo = r.str();
    r.expect(",");
    const auto h = r.str();
    r.expect(")");
    if (id != "out") r.fail(fmt::format("output '{}': cairn derivations have the single output 'out'", id));
    ++outputs;
    d.out = dir.parse(path);
    if (!algo.empty()) {
      fixed_output f;
      auto a = std::string_view(algo);
      if (a.starts_with("r:")) {
        f.method = file_ingestion::recursive;
        a.remove_prefix(2);
      }
      const auto parsed = parse_hash_algo(a);
      if (!parsed) r.fail(fmt::format("unknown hash algorithm '{}'", algo));
      f.expected = hash::parse(h, *parsed);
      d.fixed = f;
    }
  });
  if (outputs != 1) r.fail("a derivation needs exactly one output");
  r.expect(",");
  r.list([&] {
    r.expect("(");
    const auto p = dir.parse(r.str());
    r.expect(",");
    std::set<std::string> outs;
    r.list([&] { outs.insert(r.str()); });
    r.expect(")");
    d.input_drvs.emplace(p, std::move(outs));
  });
  r.expect(",");
  r.list([&] { d.input_srcs.insert(dir.parse(r.str())); });
  r.expect(",");
  d.system = r.str();
  r.expect(",");
  d.builder = r.str();
  r.expect(",");
  r.list([&] { d.args.push_back(r.str()); });
  r.expect(",");
  r.list([&] {
    r.expect("(");
    auto k = r.str();
    r.expect(",");
    d.env[std::move(k)] = r.str();
    r.expect(")");
  });
  r.expect(")");
  if (!r.at_end()) r.fail("unexpected text after the derivation");
  return d;
}

}  // namespace cairn::store
