// Differential tests against the real Nix 2.8 tools on the same inputs: NAR bytes, NAR hashes,
// store paths of added trees, text paths with references, derivations, and binary caches in both
// directions. Nix only ever touches chroot stores under temporary directories.
#include "test_util.hpp"

#include <cairn/store/binary_cache.hpp>
#include <cairn/store/builders.hpp>
#include <cairn/store/realise.hpp>
#include <cairn/store/store.hpp>

#include <cstdlib>
#include <sstream>

using namespace cairn::store;
using namespace cairn_test;

namespace {

bool have_nix() { return have("nix-store") && have("nix-hash") && have("nix-instantiate"); }

#define REQUIRE_NIX() \
  if (!have_nix()) GTEST_SKIP() << "the real Nix tools (Debian's nix-bin) are not installed"

std::vector<std::string> lines(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

std::string q(const fs::path& p) { return "'" + p.native() + "'"; }

const std::string nix_cmd = "nix --extra-experimental-features nix-command";

std::uint64_t base_seed() {
  const char* s = std::getenv("CAIRN_TEST_SEED");
  return s ? std::strtoull(s, nullptr, 10) : 20240601;
}

std::string our_dump(const fs::path& p) {
  std::string out;
  string_sink s{out};
  dump_path(p, s);
  return out;
}

void check_trees_against_nix(const temp_dir& t, const std::vector<fs::path>& trees) {
  // NAR bytes, one tree at a time.
  for (const auto& tree : trees) {
    const auto nix = run(std::string(nix_env()) + "nix-store --dump " + q(tree));
    ASSERT_EQ(nix.exit_code, 0) << nix.err;
    ASSERT_EQ(our_dump(tree), nix.out) << "NAR differs for " << tree;
  }
  // Hashes and store paths, all trees per command.
  std::string args;
  for (const auto& tree : trees) args += " " + q(tree);
  const auto hex = lines(run(std::string(nix_env()) + "nix-hash --type sha256" + args).out);
  const auto b32 = lines(run(std::string(nix_env()) + "nix-hash --type sha256 --base32" + args).out);
  const auto added = run(std::string(nix_env()) + "nix-store --store " + q(t / "nixroot") + " --add" + args);
  ASSERT_EQ(added.exit_code, 0) << added.err;
  const auto paths = lines(added.out);
  ASSERT_EQ(hex.size(), trees.size());
  ASSERT_EQ(b32.size(), trees.size());
  ASSERT_EQ(paths.size(), trees.size());
  store ours(store_config{.root = t / "ours", .store_dir = "/nix/store", .state_dir = "/nix/var/nix"});
  for (std::size_t i = 0; i < trees.size(); ++i) {
    const auto h = hash_path(trees[i]).nar_hash;
    EXPECT_EQ(h.to_base16(), hex[i]) << trees[i];
    EXPECT_EQ(h.to_nix32(), b32[i]) << trees[i];
    EXPECT_EQ(ours.logical(ours.add_path(trees[i])), paths[i]) << trees[i];
  }
}

}  // namespace

TEST(Interop, SeededRandomTreesMatchNix) {
  REQUIRE_NIX();
  const auto seed = base_seed();
  RecordProperty("seed", std::to_string(seed));
  temp_dir t;
  std::vector<fs::path> trees;
  for (int i = 0; i < 210; ++i) {
    const auto p = t / fmt::format("tree-{}", i);
    tree_generator(seed + static_cast<std::uint64_t>(i)).make(p);
    trees.push_back(p);
  }
  check_trees_against_nix(t, trees);
  GTEST_LOG_(INFO) << "210 random trees from seed " << seed << " (set CAIRN_TEST_SEED to vary)";
}

TEST(Interop, SpecialTreesMatchNix) {
  REQUIRE_NIX();
  temp_dir t;
  write(t / "exec/bin/tool", "#!/bin/sh\n", 0755);
  write(t / "exec/bin/data", "", 0600);
  fs::create_symlink("tool", t / "exec/bin/link");
  fs::create_symlink("/does/not/exist", t / "exec/dangling");
  fs::create_directories(t / "empty-dir");
  fs::create_directories(t / "nested/a/b/c/d/e");
  write(t / "unicode/\xc3\xa9t\xc3\xa9.txt", "\xe2\x98\x83");
  write(t / "unicode/\xe6\x97\xa5\xe6\x9c\xac", "x");
  write(t / "unicode/a b", "space");
  write(t / "single-file.txt", "just a file\n");
  write(t / "empty-file", "");
  fs::create_symlink("target-of-top-level", t / "top-symlink");
  std::string big(24 << 20, '\0');
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>((i * 2654435761u) >> 13);
  write(t / "large/blob", big);
  write(t / "large/small", "s");
  check_trees_against_nix(t, {t / "exec", t / "empty-dir", t / "nested", t / "unicode", t / "single-file.txt",
                              t / "empty-file", t / "top-symlink", t / "large"});
}

TEST(Interop, RestoreBothWays) {
  REQUIRE_NIX();
  temp_dir t;
  tree_generator(base_seed() + 1000).make(t / "tree");
  const auto nar = our_dump(t / "tree");
  ASSERT_EQ(run("nix-store --restore " + q(t / "by-nix"), nar).exit_code, 0);
  EXPECT_EQ(our_dump(t / "by-nix"), nar);
  const auto nix_nar = run("nix-store --dump " + q(t / "tree")).out;
  string_source src{nix_nar};
  restore_path(t / "by-us", src);
  EXPECT_EQ(run("nix-store --dump " + q(t / "by-us")).out, nix_nar);
}

TEST(Interop, TextPathsWithReferencesMatchBuiltinsToFile) {
  REQUIRE_NIX();
  temp_dir t;
  const auto expr =
      "let g = builtins.toFile \"greeting\" \"hello\\n\"; r = builtins.toFile \"ref\" \"see ${g}\\n\"; "
      "in [ g r (builtins.toFile \"two-refs\" \"${g} ${r}\") ]";
  const auto nix = run(std::string(nix_env()) + "nix-instantiate --store " + q(t / "nixroot") +
                       " --eval --strict --read-write-mode -E '" + expr + "'");
  ASSERT_EQ(nix.exit_code, 0) << nix.err;
  store s(store_config{.root = t / "ours", .store_dir = "/nix/store", .state_dir = "/nix/var/nix"});
  const auto g = s.add_text("greeting", "hello\n");
  const auto r = s.add_text("ref", "see " + s.logical(g) + "\n", {g});
  const auto two = s.add_text("two-refs", s.logical(g) + " " + s.logical(r), {g, r});
  EXPECT_EQ(trim(nix.out), fmt::format("[ \"{}\" \"{}\" \"{}\" ]", s.logical(g), s.logical(r), s.logical(two)));
}

TEST(Interop, DerivationPathsAndDrvFilesMatchNixInstantiate) {
  REQUIRE_NIX();
  temp_dir t;
  write(t / "drv.nix",
        "rec {\n"
        "  dep = derivation { name = \"dep\"; system = \"x86_64-linux\"; builder = \"/bin/sh\"; args = [\"-c\" \"echo dep > $out\"]; };\n"
        "  src = builtins.toFile \"script\" \"echo hi\\n\";\n"
        "  fod = derivation { name = \"fod\"; system = \"x86_64-linux\"; builder = \"/bin/sh\"; args = [\"-c\" \"echo hello > $out\"];\n"
        "    outputHashMode = \"flat\"; outputHashAlgo = \"sha256\"; outputHash = \"" + hash_string("hello\n").to_base16() + "\"; };\n"
        "  top = derivation { name = \"top\"; system = \"x86_64-linux\"; builder = \"/bin/sh\";\n"
        "    args = [\"-c\" \"cat ${src} > $out; echo ${dep} ${fod} >> $out\"]; greeting = \"a \\\"quoted\\\"\\nvalue\\t\"; };\n"
        "}\n");
  const auto nix = run(std::string(nix_env()) + "nix-instantiate --store " + q(t / "nixroot") + " " + q(t / "drv.nix") +
                       " -A top -A dep -A fod");
  ASSERT_EQ(nix.exit_code, 0) << nix.err;
  const auto drvs = lines(nix.out);
  ASSERT_EQ(drvs.size(), 3u);

  namespace b = cairn::store::builders;
  store s(store_config{.root = t / "ours", .store_dir = "/nix/store", .state_dir = "/nix/var/nix"});
  const auto dep = s.add_derivation(b::make_derivation("dep", "/bin/sh", {"-c", "echo dep > $out"}, {}, {}, "x86_64-linux"));
  const auto src = s.add_text("script", "echo hi\n");
  auto fod_d = b::make_derivation("fod", "/bin/sh", {"-c", "echo hello > $out"},
                                  {{"outputHashMode", "flat"}, {"outputHashAlgo", "sha256"}, {"outputHash", hash_string("hello\n").to_base16()}},
                                  {}, "x86_64-linux");
  fod_d.fixed = fixed_output{.method = file_ingestion::flat, .expected = hash_string("hello\n")};
  const auto fod = s.add_derivation(fod_d);
  const auto top = s.add_derivation(b::make_derivation(
      "top", "/bin/sh", {"-c", "cat " + s.logical(src) + " > $out; echo " + s.logical(dep.out) + " " + s.logical(fod.out) + " >> $out"},
      {{"greeting", "a \"quoted\"\nvalue\t"}}, {dep, src, fod}, "x86_64-linux"));
  EXPECT_EQ(s.logical(top.drv), drvs[0]);
  EXPECT_EQ(s.logical(dep.drv), drvs[1]);
  EXPECT_EQ(s.logical(fod.drv), drvs[2]);
  EXPECT_EQ(s.logical(dep.out), "/nix/store/z4asv3j07d89ywjf8fxkn7sg6mf5s9q5-dep");
  for (const auto& d : {top, dep, fod}) {
    const auto nix_drv = read(t / ("nixroot" + s.logical(d.drv)));
    EXPECT_EQ(read(s.physical(d.drv)), nix_drv) << s.logical(d.drv);
  }
  const auto out = run(std::string(nix_env()) + "nix-store --store " + q(t / "nixroot") + " -q --outputs " + drvs[0]);
  EXPECT_EQ(trim(out.out), s.logical(top.out));
}

TEST(Interop, NixCopyAcceptsOurSignedCache) {
  REQUIRE_NIX();
  temp_dir t;
  const auto key = secret_key::generate("cairn-interop-1");
  store s(store_config{.root = t / "ours", .store_dir = "/nix/store", .state_dir = "/nix/var/nix"});
  tree_generator(base_seed() + 2000).make(t / "tree");
  const auto tree = s.add_path(t / "tree");
  // An input-addressed output (no CA field): Nix accepts it only with a trusted signature.
  namespace b = cairn::store::builders;
  const auto top_drv = s.add_derivation(b::text_file("top", "uses " + s.logical(tree) + "\n", {tree}));
  realise(s, {top_drv});
  const auto top = top_drv.out;
  for (auto c : {compression::xz, compression::zstd, compression::none}) {
    const auto cache = t / fmt::format("cache-{}", to_string(c));
    copy_to_cache(s, cache, {top}, {.compress = c, .key = key});
    const auto nixroot = t / fmt::format("nixroot-{}", to_string(c));
    const auto untrusted = run(std::string(nix_env()) + nix_cmd + " copy --from file://" + cache.native() + " --store " +
                               q(nixroot) + " --trusted-public-keys '" + secret_key::generate("other-1").to_public().to_string() +
                               "' " + s.logical(top));
    EXPECT_NE(untrusted.exit_code, 0) << "Nix accepted a path signed by an untrusted key";
    const auto ok = run(std::string(nix_env()) + nix_cmd + " copy --from file://" + cache.native() + " --store " +
                        q(nixroot) + " --trusted-public-keys '" + key.to_public().to_string() + "' " + s.logical(top));
    ASSERT_EQ(ok.exit_code, 0) << to_string(c) << ": " << ok.err;
    const auto refs = run(std::string(nix_env()) + "nix-store --store " + q(nixroot) + " -q --references " + s.logical(top));
    EXPECT_EQ(trim(refs.out), s.logical(tree));
    const auto verified = run(std::string(nix_env()) + nix_cmd + " store verify --store " + q(nixroot) +
                              " --trusted-public-keys '" + key.to_public().to_string() + "' -r " + s.logical(top));
    EXPECT_EQ(verified.exit_code, 0) << verified.err;
  }
}

TEST(Interop, WeImportANixMadeCacheAndSignLikeNix) {
  REQUIRE_NIX();
  temp_dir t;
  ASSERT_EQ(run("nix-store --generate-binary-cache-key nix-made-1 " + q(t / "sk") + " " + q(t / "pk")).exit_code, 0);
  tree_generator(base_seed() + 3000).make(t / "tree");
  const auto added = run(std::string(nix_env()) + "nix-store --store " + q(t / "nixroot") + " --add " + q(t / "tree"));
  ASSERT_EQ(added.exit_code, 0) << added.err;
  const auto path = trim(added.out);
  ASSERT_EQ(run(std::string(nix_env()) + nix_cmd + " store sign --store " + q(t / "nixroot") + " --key-file " + q(t / "sk") + " " + path).exit_code, 0);
  const auto copied = run(std::string(nix_env()) + nix_cmd + " copy --store " + q(t / "nixroot") + " --to 'file://" +
                          (t / "cache").native() + "?compression=xz' " + path);
  ASSERT_EQ(copied.exit_code, 0) << copied.err;
  store s(store_config{.root = t / "ours", .store_dir = "/nix/store", .state_dir = "/nix/var/nix"});
  const auto p = s.parse(path);
  const auto pk = public_key::parse(read(t / "pk"));
  const auto r = copy_from_cache(s, t / "cache", {p}, {.trusted_keys = {pk}});
  EXPECT_EQ(r.copied, std::vector<store_path>{p});
  EXPECT_EQ(hash_path(s.physical(p)).nar_hash, hash_path(t / "tree").nar_hash);
  // Ed25519 is deterministic: our signature of the same path equals Nix's.
  const auto sk = secret_key::parse(read(t / "sk"));
  const auto narinfo = read(t / "cache" / (std::string(p.hash_part()) + ".narinfo"));
  const auto ours = sk.sign(signature_fingerprint(s.dir(), s.path_info_of(p)));
  EXPECT_NE(narinfo.find("Sig: " + ours + "\n"), std::string::npos) << narinfo << "\nours: " << ours;
}
