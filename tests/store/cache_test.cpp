// Binary caches: export and import closures, signatures, compression, tampering.
#include "test_util.hpp"

#include <cairn/store/binary_cache.hpp>
#include <cairn/store/verify.hpp>

using namespace cairn::store;
using namespace cairn_test;

namespace {
store_config config_in(const fs::path& root) { return {.root = root}; }

struct fixture {
  temp_dir t;
  secret_key key = secret_key::generate("test-cache-1");
  store_path lib = store_path("d4b4lmbd433fa2xcdysz7p7zahnqh1z4-x"), app = lib;
  fixture() {
    store s(config_in(t / "src"));
    write(t / "tree/bin/app", "#!/bin/sh\necho app\n", 0755);
    lib = s.add_text("lib", "library\n");
    write(t / "tree/share/ref", s.logical(lib));
    app = s.add_path(t / "tree", "app");
    // add_path never scans; record the reference through a text wrapper instead.
    app = s.add_text("app-wrapper", "exec " + s.logical(app) + " uses " + s.logical(lib), {app, lib});
  }
};
}  // namespace

TEST(Cache, RoundTripWithEveryCompression) {
  for (auto c : {compression::none, compression::xz, compression::zstd}) {
    fixture f;
    {
      store s(config_in(f.t / "src"));
      const auto r = copy_to_cache(s, f.t / "cache", {f.app}, {.compress = c, .key = f.key});
      EXPECT_EQ(r.copied.size(), 3u);
      EXPECT_EQ(copy_to_cache(s, f.t / "cache", {f.app}, {.compress = c, .key = f.key}).present.size(), 3u);
    }
    const auto narinfo = read(f.t / "cache" / (std::string(f.app.hash_part()) + ".narinfo"));
    EXPECT_NE(narinfo.find(fmt::format("Compression: {}\n", to_string(c))), std::string::npos) << narinfo;
    EXPECT_NE(narinfo.find("Sig: test-cache-1:"), std::string::npos);
    store dst(config_in(f.t / "dst"));
    const auto r = copy_from_cache(dst, f.t / "cache", {f.app}, {.trusted_keys = {f.key.to_public()}});
    EXPECT_EQ(r.copied.size(), 3u);
    EXPECT_EQ(r.copied.back(), f.app);  // dependencies first
    EXPECT_TRUE(verify_path_contents(dst, f.app) == std::nullopt);
    store src(config_in(f.t / "src"));
    EXPECT_EQ(dst.path_info_of(f.app).nar_hash, src.path_info_of(f.app).nar_hash);
    EXPECT_EQ(dst.references(f.app), src.references(f.app));
    EXPECT_EQ(dst.path_info_of(f.app).sigs.size(), 1u);
  }
}

TEST(Cache, RejectsUnsignedAndWronglySignedPaths) {
  fixture f;
  {
    store s(config_in(f.t / "src"));
    copy_to_cache(s, f.t / "unsigned", {f.lib}, {.compress = compression::none});
    copy_to_cache(s, f.t / "signed", {f.lib}, {.compress = compression::none, .key = f.key});
  }
  store dst(config_in(f.t / "dst"));
  try {
    copy_from_cache(dst, f.t / "unsigned", {f.lib}, {.trusted_keys = {f.key.to_public()}});
    FAIL();
  } catch (const store_error& e) {
    EXPECT_NE(std::string(e.what()).find("has no valid signature by a trusted key (it is unsigned)"), std::string::npos)
        << e.what();
  }
  const auto other = secret_key::generate("other-1");
  try {
    copy_from_cache(dst, f.t / "signed", {f.lib}, {.trusted_keys = {other.to_public()}});
    FAIL();
  } catch (const store_error& e) {
    EXPECT_NE(std::string(e.what()).find("signed by: test-cache-1; no signature verifies"), std::string::npos) << e.what();
  }
  // Same name, different key: the signature does not verify.
  const auto impostor = secret_key::generate("test-cache-1");
  EXPECT_THROW(copy_from_cache(dst, f.t / "signed", {f.lib}, {.trusted_keys = {impostor.to_public()}}), store_error);
  EXPECT_FALSE(dst.is_valid(f.lib));
  EXPECT_TRUE(fs::is_empty(f.t / "dst/cairn/store"));
  EXPECT_NO_THROW(copy_from_cache(dst, f.t / "unsigned", {f.lib}, {.require_signatures = false}));
}

TEST(Cache, RejectsWrongHashesAndSizesWithoutWritingToTheStore) {
  fixture f;
  {
    store s(config_in(f.t / "src"));
    copy_to_cache(s, f.t / "cache", {f.lib}, {.compress = compression::none, .key = f.key});
  }
  const auto narinfo_file = f.t / "cache" / (std::string(f.lib.hash_part()) + ".narinfo");
  const auto original = read(narinfo_file);
  auto attempt = [&](const std::string& narinfo, std::string_view phrase, bool resign) {
    auto text = narinfo;
    if (resign) {  // a correctly signed but wrong narinfo: the content checks must still catch it
      auto n = parse_narinfo(text, store_dir("/cairn/store"), "x");
      n.sigs = {f.key.sign(signature_fingerprint(store_dir("/cairn/store"), n.to_path_info()))};
      text = to_string(n, store_dir("/cairn/store"));
    }
    write(narinfo_file, text);
    store dst(config_in(f.t / "dst"));
    try {
      copy_from_cache(dst, f.t / "cache", {f.lib}, {.trusted_keys = {f.key.to_public()}});
      ADD_FAILURE() << "imported a bad path; expected " << phrase;
    } catch (const store_error& e) {
      EXPECT_NE(std::string(e.what()).find(phrase), std::string::npos) << e.what();
    }
    EXPECT_FALSE(dst.is_valid(f.lib));
    EXPECT_TRUE(fs::is_empty(f.t / "dst/cairn/store")) << phrase;
  };
  auto replace_line = [&](std::string_view key, const std::string& value) {
    auto t = original;
    const auto a = t.find(std::string(key) + ": ");
    const auto e = t.find('\n', a);
    t.replace(a, e - a, std::string(key) + ": " + value);
    return t;
  };
  const auto wrong = hash_string("wrong");
  // Changing what is signed without re-signing breaks the signature.
  attempt(replace_line("NarHash", wrong.to_string()), "no signature verifies", false);
  attempt(replace_line("NarHash", wrong.to_string()), "has hash 'sha256:", true);
  attempt(replace_line("NarSize", "999"), "is 120 bytes long, expected 999", true);
  attempt(replace_line("FileSize", "5"), "but its narinfo says FileSize 5", false);
  attempt(replace_line("FileHash", wrong.to_string()), "but its narinfo says FileHash", false);
  attempt(replace_line("Compression", "bzip2"), "unsupported compression 'bzip2'", false);
  attempt(replace_line("StorePath", "/cairn/store/d4b4lmbd433fa2xcdysz7p7zahnqh1z4-lib"), "describes", false);
  attempt("garbage\n", "expected 'Key: Value'", false);
  // A corrupt NAR file with a matching narinfo (hashes recomputed) is caught by the NAR parser.
  write(narinfo_file, original);
  const auto nar_file = f.t / "cache" / parse_narinfo(original, store_dir("/cairn/store"), "x").url;
  auto nar = read(nar_file);
  nar[nar.size() - 9] = 'X';  // inside ")" token's padding area of the last string
  write(nar_file, nar);
  auto n = parse_narinfo(original, store_dir("/cairn/store"), "x");
  n.file_hash = hash_string(nar);
  write(narinfo_file, to_string(n, store_dir("/cairn/store")));
  store dst(config_in(f.t / "dst"));
  EXPECT_THROW(copy_from_cache(dst, f.t / "cache", {f.lib}, {.trusted_keys = {f.key.to_public()}}), store_error);
  EXPECT_TRUE(fs::is_empty(f.t / "dst/cairn/store"));
}

TEST(Cache, RefusesAnotherStoreDirectory) {
  fixture f;
  {
    store s(config_in(f.t / "src"));
    copy_to_cache(s, f.t / "cache", {f.lib}, {.compress = compression::none});
  }
  store nixish(store_config{.root = f.t / "nix", .store_dir = "/nix/store", .state_dir = "/nix/var/nix"});
  try {
    copy_from_cache(nixish, f.t / "cache", {store_path(f.lib.base_name())}, {});
    FAIL();
  } catch (const store_error& e) {
    EXPECT_NE(std::string(e.what()).find("is not for store directory '/nix/store'"), std::string::npos) << e.what();
  }
}

TEST(Signing, KeysRoundTripAndSignaturesAreDeterministic) {
  const auto k = secret_key::generate("cache.example.org-1");
  const auto k2 = secret_key::parse(k.to_string());
  EXPECT_EQ(k2.to_string(), k.to_string());
  EXPECT_EQ(public_key::parse(k.to_public().to_string()).to_string(), k.to_public().to_string());
  EXPECT_EQ(k.sign("message"), k2.sign("message"));
  EXPECT_TRUE(k.to_public().verify("message", k.sign("message")));
  EXPECT_FALSE(k.to_public().verify("messagf", k.sign("message")));
  EXPECT_THROW(secret_key::parse("name:AAAA"), store_error);
  EXPECT_THROW(public_key::parse("no-colon"), store_error);
  auto corrupt = k.to_string();
  corrupt[corrupt.size() - 5] = corrupt[corrupt.size() - 5] == 'A' ? 'B' : 'A';
  EXPECT_THROW(secret_key::parse(corrupt), store_error);
}

TEST(Compression, StreamsRoundTrip) {
  std::string data;
  for (unsigned i = 0; i < 300000; ++i) data += static_cast<char>((i * 7919u) % 251);
  for (auto c : {compression::none, compression::xz, compression::zstd}) {
    std::string packed;
    string_sink to{packed};
    {
      compressing_sink z(c, to);
      for (std::size_t a = 0; a < data.size(); a += 10000) z(std::string_view(data).substr(a, 10000));
      z.finish();
    }
    string_source from{packed};
    decompressing_source u(c, from, "test");
    std::string back;
    char buf[4096];
    while (auto n = u(buf, sizeof buf)) back.append(buf, n);
    EXPECT_EQ(back, data) << to_string(c);
    if (c != compression::none) {
      string_source cut{std::string_view(packed).substr(0, packed.size() / 2)};
      decompressing_source v(c, cut, "cut");
      EXPECT_THROW(while (v(buf, sizeof buf)) {}, store_error) << to_string(c);
    }
  }
}
