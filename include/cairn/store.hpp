#pragma once
// cairn::store: a Nix-compatible store of immutable paths, as a header-only library.
//
// What is in it (one header each, all under cairn/store/):
//   hash.hpp, base32.hpp   hashes (Botan SHA-256) and their text forms, nix32
//   nar.hpp, nar_reader.hpp, restore.hpp
//                          NAR archives byte-exact with `nix-store --dump`, strict parsing, restore
//   store_path.hpp         store paths, names, and the fingerprints Nix hashes them from
//   store.hpp              the local store: add files/trees/text, query, closures, roots
//   derivation.hpp         .drv files (ATerm) and output paths, as Nix computes them
//   builders.hpp           trivial builders and sandboxed commands
//   realise.hpp            building a derivation graph with N jobs
//   gc.hpp, verify.hpp, optimise.hpp
//                          garbage collection, consistency checks, hard-link deduplication
//   narinfo.hpp, signing.hpp, compression.hpp, binary_cache.hpp
//                          binary caches in Nix's layout, Ed25519 signatures, xz/zstd
//
// A host toplevel in a few lines:
//
//   namespace cs = cairn::store;
//   cs::store s{{.root = "/tmp/target"}};                  // bytes under /tmp/target/cairn/store
//   auto hosts = s.add_text("etc-hosts", "127.0.0.1 localhost\n");
//   auto etc   = s.add_derivation(cs::builders::directory_tree("etc", {
//                    cs::builders::entry::link("hosts", hosts)}));
//   auto bin   = s.add_path(std::filesystem::canonical("/proc/self/exe"), "cairn-host");  // this binary
//   auto top   = s.add_derivation(cs::builders::directory_tree("cairn-system-demo", {
//                    cs::builders::entry::link("etc", etc),
//                    cs::builders::entry::copy("bin/switch-to-configuration", bin)}));
//   auto built = cs::realise(s, {top}, {.jobs = 4});         // built.outputs[0] == top.out
//   s.add_root("profiles-demo", top.out);                     // or a profile generation link
//
// Paths print as /cairn/store/<hash>-<name> (store_config::store_dir); state (db, roots, logs,
// profiles) lives in /cairn/var (store_config::state_dir); `root` only says where on this
// machine those directories are.
#include <cairn/store/base32.hpp>
#include <cairn/store/binary_cache.hpp>
#include <cairn/store/builders.hpp>
#include <cairn/store/compression.hpp>
#include <cairn/store/database.hpp>
#include <cairn/store/derivation.hpp>
#include <cairn/store/error.hpp>
#include <cairn/store/gc.hpp>
#include <cairn/store/hash.hpp>
#include <cairn/store/nar.hpp>
#include <cairn/store/nar_reader.hpp>
#include <cairn/store/narinfo.hpp>
#include <cairn/store/optimise.hpp>
#include <cairn/store/path_info.hpp>
#include <cairn/store/realise.hpp>
#include <cairn/store/references.hpp>
#include <cairn/store/restore.hpp>
#include <cairn/store/signing.hpp>
#include <cairn/store/store.hpp>
#include <cairn/store/store_path.hpp>
#include <cairn/store/verify.hpp>
