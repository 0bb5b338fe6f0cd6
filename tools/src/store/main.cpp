// cairn-store: the store from the command line. Exit codes: 0 success, 1 error (with a
// message on stderr), 2 bad command line.
#include <cairn/store.hpp>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cstdio>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include <unistd.h>

namespace cs = cairn::store;

namespace {

struct global_options {
  std::string root = "/";
  std::string store_dir = "/cairn/store";
  std::string state_dir = "/cairn/var";
  cs::store open() const {
    return cs::store(cs::store_config{.root = root, .store_dir = store_dir, .state_dir = state_dir});
  }
};

void out(std::string_view s) { cs::detail::write_all(1, s, "standard output"); }

std::string mib(std::uint64_t bytes) { return fmt::format("{:.2f} MiB", static_cast<double>(bytes) / (1024.0 * 1024.0)); }

/// A key given literally ("name:base64") or as a file holding it.
std::string key_text(const std::string& arg) {
  if (arg.find(':') != std::string::npos && ::access(arg.c_str(), F_OK) != 0) return arg;
  return cs::detail::read_file(arg);
}

std::vector<cs::store_path> parse_paths(cs::store& s, const std::vector<std::string>& args) {
  std::vector<cs::store_path> ps;
  for (const auto& a : args) ps.push_back(s.dir().to_store_path(a));
  return ps;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"cairn-store: a Nix-compatible store (NAR, store paths, GC, binary caches)"};
  app.require_subcommand(1);
  global_options g;
  auto add_globals = [&](CLI::App* c) {
    c->add_option("--root", g.root, "directory where the store's files live (logical paths stay the same)");
    c->add_option("--store-dir", g.store_dir, "logical store directory (part of every path's hash)");
    c->add_option("--state-dir", g.state_dir, "logical state directory (database, roots, logs)");
  };
  std::function<int()> action;

  // dump PATH
  std::string path_arg;
  auto* dump = app.add_subcommand("dump", "write the NAR serialisation of PATH to standard output");
  dump->add_option("PATH", path_arg)->required();
  dump->callback([&] {
    action = [&] {
      cs::detail::fd_sink o{1, "standard output"};
      cs::dump_path(path_arg, o);
      return 0;
    };
  });

  // restore DIR
  auto* restore = app.add_subcommand("restore", "restore a NAR read from standard input at DIR");
  restore->add_option("DIR", path_arg)->required();
  restore->callback([&] {
    action = [&] {
      cs::detail::fd_source in{0, "standard input"};
      cs::restore_path(path_arg, in);
      return 0;
    };
  });

  // hash-path PATH / hash-file FILE
  bool base32 = false, hex = false, sri = false;
  std::string algo_name = "sha256";
  auto hash_format = [&] { return base32 ? cs::hash_format::nix32 : sri ? cs::hash_format::sri : cs::hash_format::base16; };
  for (const char* name : {"hash-path", "hash-file"}) {
    const bool flat = std::string_view(name) == "hash-file";
    auto* c = app.add_subcommand(name, flat ? "print the hash of a file's contents"
                                            : "print the SHA-256 of PATH's NAR serialisation (as nix-hash)");
    c->add_option(flat ? "FILE" : "PATH", path_arg)->required();
    auto* b = c->add_flag("--base32", base32, "print in Nix's base-32");
    auto* h = c->add_flag("--hex", hex, "print in hexadecimal (the default)");
    auto* s = c->add_flag("--sri", sri, "print as SRI (sha256-<base64>)");
    b->excludes(h)->excludes(s);
    h->excludes(s);
    c->add_option("--type", algo_name, "hash algorithm: md5, sha1, sha256, sha512")->check(CLI::IsMember({"md5", "sha1", "sha256", "sha512"}));
    c->callback([&, flat] {
      action = [&, flat] {
        const auto a = *cs::parse_hash_algo(algo_name);
        const auto h = flat ? cs::hash_file(path_arg, a) : [&] {
          cs::hash_sink sink(a);
          cs::dump_path(path_arg, sink);
          return sink.finish();
        }();
        out(h.encode(hash_format()) + "\n");
        return 0;
      };
    });
  }

  // add PATH
  std::string name_arg;
  auto* add = app.add_subcommand("add", "add a file or tree to the store and print its store path");
  add->add_option("PATH", path_arg)->required();
  add->add_option("--name", name_arg, "store path name (default: the file name)");
  add_globals(add);
  add->callback([&] {
    action = [&] {
      auto s = g.open();
      out(s.logical(s.add_path(path_arg, name_arg)) + "\n");
      return 0;
    };
  });

  // add-text NAME FILE [--ref P]...
  std::vector<std::string> refs;
  auto* add_text = app.add_subcommand("add-text", "add FILE's contents as a text path NAME with references");
  add_text->add_option("NAME", name_arg)->required();
  add_text->add_option("FILE", path_arg)->required();
  add_text->add_option("--ref", refs, "a store path the text refers to (repeatable)")->allow_extra_args(false);
  add_globals(add_text);
  add_text->callback([&] {
    action = [&] {
      auto s = g.open();
      const auto text = cs::detail::read_file(path_arg);
      const auto ps = parse_paths(s, refs);
      out(s.logical(s.add_text(name_arg, text, {ps.begin(), ps.end()})) + "\n");
      return 0;
    };
  });

  // print-fixed-path HASH NAME
  std::string hash_arg;
  bool recursive = false;
  auto* pfp = app.add_subcommand("print-fixed-path", "print the store path of fixed-output contents with HASH");
  pfp->add_option("HASH", hash_arg, "sha256:<hash>, an SRI hash, or a bare sha256 in hex or base-32")->required();
  pfp->add_option("NAME", name_arg)->required();
  pfp->add_flag("--recursive", recursive, "the hash is of a NAR serialisation (default: flat file)");
  add_globals(pfp);
  pfp->callback([&] {
    action = [&] {
      const cs::store_dir dir(g.store_dir);
      const auto h = cs::hash::parse(hash_arg, hash_arg.find_first_of(":-") == std::string::npos
                                                   ? std::optional(cs::hash_algo::sha256) : std::nullopt);
      out(dir.print(dir.make_fixed_output_path(name_arg, recursive ? cs::file_ingestion::recursive : cs::file_ingestion::flat, h)) + "\n");
      return 0;
    };
  });

  // query --references|--referrers|--requisites P
  auto* query = app.add_subcommand("query", "print the references, referrers or closure of store paths");
  std::vector<std::string> paths;
  bool q_refs = false, q_referrers = false, q_reqs = false;
  auto* f1 = query->add_flag("--references", q_refs, "paths that P refers to");
  auto* f2 = query->add_flag("--referrers", q_referrers, "paths that refer to P");
  auto* f3 = query->add_flag("--requisites", q_reqs, "the closure of P, dependencies first");
  f1->excludes(f2)->excludes(f3);
  f2->excludes(f3);
  query->add_option("P", paths)->required();
  add_globals(query);
  query->callback([&] {
    if (!q_refs && !q_referrers && !q_reqs) throw CLI::ValidationError("query needs --references, --referrers or --requisites");
    action = [&] {
      auto s = g.open();
      const auto ps = parse_paths(s, paths);
      std::vector<cs::store_path> result;
      std::set<cs::store_path> seen;
      if (q_reqs) result = s.requisites(ps);
      for (const auto& p : q_reqs ? std::vector<cs::store_path>{} : ps) {
        if (q_refs)
          for (const auto& r : s.references(p)) seen.insert(r);
        else
          for (const auto& r : s.referrers(p)) seen.insert(r);
      }
      result.insert(result.end(), seen.begin(), seen.end());
      std::string text;
      for (const auto& p : result) text += s.logical(p) + "\n";
      out(text);
      return 0;
    };
  });

  // verify [--check-contents]
  bool check_contents = false;
  auto* verify = app.add_subcommand("verify", "check that every valid path exists (and, with --check-contents, is unmodified)");
  verify->add_flag("--check-contents", check_contents, "re-hash every path");
  add_globals(verify);
  verify->callback([&] {
    action = [&] {
      auto s = g.open();
      fmt::print(stderr, "reading the store...\nchecking path existence...\n");
      if (check_contents) fmt::print(stderr, "checking store hashes...\n");
      const auto r = cs::verify(s, {.check_contents = check_contents});
      for (const auto& m : r.messages) fmt::print(stderr, "{}\n", m);
      return r.ok() ? 0 : 1;
    };
  });

  // optimise
  auto* optimise = app.add_subcommand("optimise", "replace identical files in the store by hard links");
  add_globals(optimise);
  optimise->callback([&] {
    action = [&] {
      auto s = g.open();
      const auto r = cs::optimise(s);
      fmt::print(stderr, "{} freed by hard-linking {} files\n", mib(r.bytes_saved), r.files_linked);
      return 0;
    };
  });

  // gc
  bool print_roots = false, print_live = false, print_dead = false;
  std::optional<std::uint64_t> max_freed;
  auto* gc = app.add_subcommand("gc", "delete store paths not reachable from a root");
  auto* r1 = gc->add_flag("--print-roots", print_roots, "print the roots ('link -> path') and stop");
  auto* r2 = gc->add_flag("--print-live", print_live, "print the live paths and stop");
  auto* r3 = gc->add_flag("--print-dead", print_dead, "print the dead paths and stop");
  r1->excludes(r2)->excludes(r3);
  r2->excludes(r3);
  gc->add_option("--max-freed", max_freed, "stop after freeing this many bytes");
  add_globals(gc);
  gc->callback([&] {
    action = [&] {
      auto s = g.open();
      cs::gc_options o;
      o.action = print_roots ? cs::gc_action::print_roots : print_live ? cs::gc_action::print_live
               : print_dead  ? cs::gc_action::print_dead  : cs::gc_action::delete_dead;
      if (max_freed) o.max_freed = *max_freed;
      if (o.action != cs::gc_action::print_roots) fmt::print(stderr, "finding garbage collector roots...\n");
      const auto r = cs::collect_garbage(s, o);
      std::string text;
      switch (o.action) {
        case cs::gc_action::print_roots:
          for (const auto& root : r.roots) text += fmt::format("{} -> {}\n", root.link.native(), s.logical(root.target));
          break;
        case cs::gc_action::print_live:
          fmt::print(stderr, "determining live/dead paths...\n");
          for (const auto& p : r.live) text += s.logical(p) + "\n";
          break;
        case cs::gc_action::print_dead:
          fmt::print(stderr, "determining live/dead paths...\n");
          for (const auto& p : r.dead) text += s.logical(p) + "\n";
          break;
        case cs::gc_action::delete_dead:
          for (const auto& p : r.deleted) text += fmt::format("deleting '{}'\n", s.logical(p));
          break;
      }
      if (o.action == cs::gc_action::delete_dead) {
        fmt::print(stderr, "{}", text);
        fmt::print(stderr, "{} store paths deleted, {} freed\n", r.deleted.size(), mib(r.bytes_freed));
      } else {
        out(text);
      }
      return 0;
    };
  });

  // generate-key NAME
  std::string secret_file, public_file;
  auto* genkey = app.add_subcommand("generate-key", "make an Ed25519 signing key pair in Nix's NAME:base64 format");
  genkey->add_option("NAME", name_arg, "key name, e.g. cache.example.org-1")->required();
  genkey->add_option("--secret-key-file", secret_file, "write the secret key here (mode 0600) instead of printing it");
  genkey->add_option("--public-key-file", public_file, "write the public key here instead of printing it");
  genkey->callback([&] {
    action = [&] {
      const auto k = cs::secret_key::generate(name_arg);
      if (!secret_file.empty())
        cs::detail::write_file_atomic(secret_file, k.to_string() + "\n", 0600);
      else
        out(k.to_string() + "\n");
      if (!public_file.empty())
        cs::detail::write_file_atomic(public_file, k.to_public().to_string() + "\n");
      else
        out(k.to_public().to_string() + "\n");
      return 0;
    };
  });

  // copy --to URL [--key K] PATHS... | copy --from URL [--trusted-key PUB]... PATHS...
  std::string to_url, from_url, key_file;
  std::vector<std::string> trusted;
  bool no_check_sigs = false;
  auto* copy = app.add_subcommand("copy", "export closures to, or import them from, a file:// binary cache");
  auto* to = copy->add_option("--to", to_url, "file://DIR[?compression=xz|zstd|none]");
  auto* from = copy->add_option("--from", from_url, "file://DIR");
  to->excludes(from);
  copy->add_option("--key", key_file, "secret key file to sign with (export)")->needs(to);
  copy->add_option("--trusted-key", trusted, "public key NAME:BASE64, or a file holding one (import; repeatable)")->allow_extra_args(false)->needs(from);
  copy->add_flag("--no-check-sigs", no_check_sigs, "import paths without a trusted signature")->needs(from);
  copy->add_option("PATHS", paths)->required();
  add_globals(copy);
  copy->callback([&] {
    if (to_url.empty() && from_url.empty()) throw CLI::ValidationError("copy needs --to or --from");
    action = [&] {
      auto s = g.open();
      if (!to_url.empty()) {
        const auto url = cs::cache_url::parse(to_url);
        cs::copy_to_cache_options o;
        if (url.compression_param) o.compress = *url.compression_param;
        if (!key_file.empty()) o.key = cs::secret_key::parse(key_text(key_file));
        const auto r = cs::copy_to_cache(s, url.dir, parse_paths(s, paths), o);
        fmt::print(stderr, "copied {} paths to '{}' ({} already there)\n", r.copied.size(), to_url, r.present.size());
      } else {
        const auto url = cs::cache_url::parse(from_url);
        cs::copy_from_cache_options o;
        o.require_signatures = !no_check_sigs;
        for (const auto& t : trusted) o.trusted_keys.push_back(cs::public_key::parse(key_text(t)));
        const auto r = cs::copy_from_cache(s, url.dir, parse_paths(s, paths), o);
        fmt::print(stderr, "copied {} paths from '{}' ({} already there)\n", r.copied.size(), from_url, r.present.size());
      }
      return 0;
    };
  });

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
  try {
    return action();
  } catch (const std::exception& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return 1;
  }
}
