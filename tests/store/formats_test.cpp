// Formats: nix32, hashes, NAR (write, strict read, restore), store paths, reference scanning,
// narinfo and .drv parsing, with the vectors verified against Nix 2.8.
#include "test_util.hpp"

#include <cairn/store/derivation.hpp>
#include <cairn/store/nar.hpp>
#include <cairn/store/nar_reader.hpp>
#include <cairn/store/narinfo.hpp>
#include <cairn/store/references.hpp>
#include <cairn/store/restore.hpp>
#include <cairn/store/store_path.hpp>

using namespace cairn::store;
using namespace cairn_test;

namespace {

// A little NAR builder for hand-made (possibly bad) archives.
struct nar_builder {
  std::string out;
  nar_builder& str(std::string_view s) {
    for (int i = 0; i < 8; ++i) out += static_cast<char>((s.size() >> (8 * i)) & 0xff);
    out += s;
    if (s.size() % 8) out.append(8 - s.size() % 8, '\0');
    return *this;
  }
  template <class... T>
  nar_builder& s(T... tokens) {
    (str(tokens), ...);
    return *this;
  }
};

std::string dump_to_string(const fs::path& p) {
  std::string out;
  string_sink s{out};
  dump_path(p, s);
  return out;
}

void expect_nar_error(const std::string& nar, const std::string& phrase) {
  temp_dir t;
  string_source src{nar};
  try {
    restore_path(t / "out", src);
    FAIL() << "accepted a bad NAR; expected: " << phrase;
  } catch (const nar_error& e) {
    EXPECT_NE(std::string(e.what()).find(phrase), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(fs::symlink_status(t / "out"))) << "a bad NAR left files behind";
}

std::string dir_entry_nar(const std::vector<std::string>& names) {
  nar_builder b;
  b.s("nix-archive-1", "(", "type", "directory");
  for (const auto& n : names) b.s("entry", "(", "name").str(n).s("node", "(", "type", "regular", "contents", "x", ")", ")");
  b.s(")");
  return b.out;
}

}  // namespace

TEST(Nix32, KnownVectors) {
  EXPECT_EQ(hash_string("").to_nix32(), "0mdqa9w1p6cmli6976v4wi0sw9r4p5prkj7lzfd1877wk11c9c73");
  EXPECT_EQ(hash_string("abc").to_nix32(), "1b8m03r63zqhnjf7l5wnldhh7c134ap5vpj0850ymkq1iyzicy5s");
  EXPECT_EQ(hash_string("", hash_algo::sha1).to_nix32(), "143xibwh31h9bvxzalr0sjvbbvpa6ffs");
  EXPECT_EQ(hash_string("", hash_algo::md5).to_nix32(), "3y8bwfr609h3lh9ch0izcqq7fl");
  EXPECT_EQ(nix32_length(20), 32u);
  EXPECT_EQ(nix32_length(64), 103u);
}

TEST(Nix32, RoundTripsAndRejectsBadText) {
  tree_generator g(7);
  for (std::size_t n : {1u, 16u, 20u, 32u, 64u}) {
    std::vector<std::uint8_t> bytes(n);
    for (auto& b : bytes) b = static_cast<std::uint8_t>(g.pick(0, 255));
    const auto text = nix32_encode(bytes);
    EXPECT_EQ(text.size(), nix32_length(n));
    EXPECT_EQ(nix32_decode(text, n), bytes);
  }
  EXPECT_FALSE(nix32_decode("0mdqa9w1p6cmli6976v4wi0sw9r4p5prkj7lzfd1877wk11c9c7e", 32));  // 'e' is not a digit
  EXPECT_FALSE(nix32_decode("0mdqa9", 32));
  EXPECT_FALSE(nix32_decode("zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz", 32));  // overflows 256 bits
}

TEST(Hash, ParsesEveryTextForm) {
  const auto h = hash_string("hello\n");
  EXPECT_EQ(h.to_base16(), "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03");
  for (const auto& text : {h.to_base16(), h.to_nix32(), h.to_base64(), h.to_sri(), h.to_string(), "sha256:" + h.to_base16()})
    EXPECT_EQ(hash::parse(text, hash_algo::sha256), h) << text;
  EXPECT_THROW(hash::parse("sha1:" + h.to_base16()), store_error);
  EXPECT_THROW(hash::parse("md5:" + h.to_base16(), hash_algo::sha256), store_error);
  EXPECT_THROW(hash::parse("sha256:xyz"), store_error);
  EXPECT_THROW(hash::parse("blake9:00"), store_error);
  EXPECT_THROW(hash::parse(h.to_base16()), store_error);  // no algorithm anywhere
}

TEST(Nar, ByteExactSingleFile) {
  temp_dir t;
  write(t / "f.txt", "hello\n");
  const auto nar = dump_to_string(t / "f.txt");
  EXPECT_EQ(nar.size(), 120u);
  EXPECT_EQ(nar, nar_builder{}.s("nix-archive-1", "(", "type", "regular", "contents", "hello\n", ")").out);
  EXPECT_EQ(hash_path(t / "f.txt").nar_hash.to_nix32(), "04zwf782yjwnh3q6hz5izfd6jyip8kgw6g6yj43fiqhbyhdd0dqw");
  EXPECT_EQ(nar, nar_of_text("hello\n"));
}

TEST(Nar, EmptyDirAndEmptyFile) {
  temp_dir t;
  fs::create_directory(t / "d");
  write(t / "e", "");
  EXPECT_EQ(dump_to_string(t / "d").size(), 96u);
  EXPECT_EQ(dump_to_string(t / "e"), nar_builder{}.s("nix-archive-1", "(", "type", "regular", "contents", "", ")").out);
}

TEST(Nar, FileChangingWhileArchivedIsAnError) {
  temp_dir t;
  const auto f = t / "big";
  // Big files reach the sink in pieces: change the file after the first one.
  for (const bool grow : {true, false}) {
    write(f, std::string(3 << 20, 'z'));
    bool changed = false;
    auto sink = [&](std::string_view) {
      if (changed) return;
      changed = true;
      if (grow) {
        cairn::store::detail::fd a(::open(f.c_str(), O_WRONLY | O_APPEND));
        cairn::store::detail::write_all(a.get(), "more", f.native());
      } else {
        fs::resize_file(f, 2 << 20);
      }
    };
    try {
      dump_path(f, sink);
      FAIL() << "no error";
    } catch (const store_error& e) {
      EXPECT_EQ(std::string(e.what()), fmt::format("file '{}' {} while it was being archived", f.native(), grow ? "grew" : "shrank"));
    }
  }
  // Sizes around the buffer's, which the reads must not confuse with a change.
  for (const std::size_t size : {(1u << 20) - 100, (1u << 20) - 8, 1u << 20, (1u << 20) + 1, 2u << 20}) {
    write(f, std::string(size, 'q'));
    std::string nar;
    string_sink out{nar};
    const auto size_returned = dump_path(f, out);
    EXPECT_EQ(size_returned, nar.size());
    EXPECT_EQ(nar, nar_of_text(std::string(size, 'q'))) << size;
  }
}

TEST(Nar, DemoTreeMatchesNix) {
  temp_dir t;
  write(t / "demo/hello.txt", "hello\n");
  write(t / "demo/run.sh", "#!/bin/sh\necho hi\n", 0755);
  fs::create_symlink("hello.txt", t / "demo/link");
  write(t / "demo/sub/b", "x");
  const auto r = hash_path(t / "demo");
  EXPECT_EQ(r.nar_size, 1096u);
  EXPECT_EQ(r.nar_hash.to_base16(), "f904a498948a222be06b948a4ddecca08e1e90433ea2ead271085dbf5d95258c");
  EXPECT_EQ(r.nar_hash.to_nix32(), "1315jmfvyp88f79fm8iy8f81x3m0rkg4v2lldgh2n8lajjca817r");
}

TEST(Nar, IgnoresMetadataButTheOwnerExecuteBit) {
  temp_dir t;
  write(t / "a/f", "data", 0644);
  const auto before = hash_path(t / "a").nar_hash;
  ::chmod((t / "a/f").c_str(), 0600);
  ::chmod((t / "a").c_str(), 0700);
  const timespec times[2] = {{12345, 0}, {12345, 0}};
  ::utimensat(AT_FDCWD, (t / "a/f").c_str(), times, 0);
  EXPECT_EQ(hash_path(t / "a").nar_hash, before);
  ::chmod((t / "a/f").c_str(), 0601);  // others' x: still not executable for NAR
  EXPECT_EQ(hash_path(t / "a").nar_hash, before);
  ::chmod((t / "a/f").c_str(), 0700);
  EXPECT_NE(hash_path(t / "a").nar_hash, before);
}

TEST(Nar, SortsEntriesByBytes) {
  temp_dir t;
  for (const auto* n : {"a", "\xc3\xa9", "_", "B", "9", "10", ".hidden", "a b"}) write(t / "d" / n, "");
  const auto nar = dump_to_string(t / "d");
  std::vector<std::string> order;
  for (const auto* n : {".hidden", "10", "9", "B", "_", "a", "a b", "\xc3\xa9"}) order.push_back(n);
  std::size_t pos = 0;
  for (const auto& n : order) {
    const auto at = nar.find(nar_builder{}.s("name").str(n).out, pos);
    ASSERT_NE(at, std::string::npos) << n;
    pos = at;
  }
}

TEST(Nar, RandomTreesRoundTripThroughRestore) {
  for (std::uint64_t seed = 1; seed <= 40; ++seed) {
    temp_dir t;
    tree_generator(seed).make(t / "tree");
    const auto nar = dump_to_string(t / "tree");
    string_source src{nar};
    restore_path(t / "copy", src);
    EXPECT_EQ(dump_to_string(t / "copy"), nar) << "seed " << seed;
  }
}

TEST(NarReader, RejectsEveryTruncation) {
  temp_dir t;
  write(t / "d/f", "hello world\n", 0755);
  fs::create_symlink("f", t / "d/l");
  const auto nar = dump_to_string(t / "d");
  for (std::size_t n = 0; n < nar.size(); n += 3) expect_nar_error(nar.substr(0, n), "truncated");
}

TEST(NarReader, RejectsBadInput) {
  using B = nar_builder;
  expect_nar_error(B{}.s("nix-archive-2", "(", "type", "regular", "contents", "", ")").out, "expected 'nix-archive-1'");
  expect_nar_error(dir_entry_nar({".."}), "invalid name '..'");
  expect_nar_error(dir_entry_nar({"."}), "invalid name '.'");
  expect_nar_error(dir_entry_nar({"a/b"}), "contains '/'");
  expect_nar_error(dir_entry_nar({""}), "empty name");
  expect_nar_error(dir_entry_nar({std::string("a\0b", 3)}), "NUL");
  expect_nar_error(dir_entry_nar({"b", "a"}), "not sorted: 'a' after 'b'");
  expect_nar_error(dir_entry_nar({"a", "a"}), "duplicate entry 'a'");
  expect_nar_error(B{}.s("nix-archive-1", "(", "type", "fifo", ")").out, "unknown node type 'fifo'");
  expect_nar_error(B{}.s("nix-archive-1", "(", "type", "regular", "executable", "x", "contents", "", ")").out,
                   "executable marker has a non-empty value");
  expect_nar_error(B{}.s("nix-archive-1", "(", "type", "symlink", "target", "", ")").out, "empty target");
  expect_nar_error(B{}.s("nix-archive-1", "(", "type", "regular", "contents", "", ")", "extra").out,
                   "unexpected data after the end");
  auto padded = B{}.s("nix-archive-1", "(", "type", "regular", "contents", "abc", ")").out;
  padded[padded.find("abc") + 3] = 'x';  // first padding byte after "abc"
  expect_nar_error(padded, "non-zero padding");
  std::string huge = B{}.s("nix-archive-1", "(", "type", "directory", "entry", "(", "name").out;
  for (int i = 0; i < 8; ++i) huge += static_cast<char>(i == 1 ? 0x10 : 0);  // a 4096-byte name
  expect_nar_error(huge, "entry name is 4096 bytes long");
}

TEST(NarReader, ErrorsSayWhere) {
  const auto nar = nar_builder{}.s("nix-archive-1", "(", "type", "directory", "entry", "(", "name", "sub", "node", "(",
                                   "type", "directory", "entry", "(", "name", "z", "node", "(", "type", "regular",
                                   "contents", "", ")", ")", "entry", "(", "name", "a")
                       .out;
  temp_dir t;
  string_source src{nar};
  try {
    restore_path(t / "o", src);
    FAIL();
  } catch (const nar_error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("bad NAR at byte"), std::string::npos) << m;
    EXPECT_NE(m.find("(in 'sub')"), std::string::npos) << m;
    EXPECT_NE(m.find("'a' after 'z'"), std::string::npos) << m;
  }
}

TEST(Restore, SymlinksCannotRedirectLaterWrites) {
  // A symlink "a" pointing outside, then an entry "a" again as a directory with a file: the
  // duplicate is refused, and the file is never written through the link.
  temp_dir t;
  fs::create_directory(t / "outside");
  const auto nar = nar_builder{}
                       .s("nix-archive-1", "(", "type", "directory", "entry", "(", "name", "a", "node", "(", "type",
                          "symlink", "target")
                       .str((t / "outside").native())
                       .s(")", ")", "entry", "(", "name", "a", "node", "(", "type", "directory", "entry", "(", "name",
                          "passwd", "node", "(", "type", "regular", "contents", "owned", ")", ")", ")", ")", ")")
                       .out;
  expect_nar_error(nar, "duplicate entry 'a'");
  EXPECT_TRUE(fs::is_empty(t / "outside"));
}

TEST(Restore, RefusesAnExistingTarget) {
  temp_dir t;
  fs::create_directory(t / "x");
  string_source src{nar_of_text("hi")};
  EXPECT_THROW(restore_path(t / "x", src), store_error);
}

TEST(StorePath, NixVectors) {
  const store_dir nix("/nix/store");
  const auto hello = hash_string("hello\n");
  EXPECT_EQ(nix.print(nix.make_text_path("greeting", hello, {})), "/nix/store/ybf7by4xvcgjhwilsg87rqz9di79bify-greeting");
  const store_path greeting("ybf7by4xvcgjhwilsg87rqz9di79bify-greeting");
  EXPECT_EQ(nix.print(nix.make_text_path("ref", hash_string("see /nix/store/ybf7by4xvcgjhwilsg87rqz9di79bify-greeting\n"), {greeting})),
            "/nix/store/iwqyxqbz1qafp5nbagyx9dr52phmpawq-ref");
  EXPECT_EQ(nix.print(nix.make_fixed_output_path("f.txt", file_ingestion::flat, hello)),
            "/nix/store/d4b4lmbd433fa2xcdysz7p7zahnqh1z4-f.txt");
  EXPECT_EQ(nix.print(nix.make_fixed_output_path("f.txt", file_ingestion::flat, hash_string("hello\n", hash_algo::sha1))),
            "/nix/store/4kn848vczvkyzl9npz1zz3f585s6byn3-f.txt");
  EXPECT_EQ(nix.print(nix.make_fixed_output_path("f.txt", file_ingestion::recursive,
                                                 hash_string(nar_of_text("hello\n"), hash_algo::sha1))),
            "/nix/store/c1amm6qq92bxv16idg1yiyahm4gbi0ly-f.txt");
  EXPECT_EQ(nix.print(nix.make_fixed_output_path("f.txt", file_ingestion::recursive, hash_string(nar_of_text("hello\n")))),
            "/nix/store/6h9lcbx523532ax1c5g2351w9bm8ykhy-f.txt");
  // The store directory is part of the hash.
  EXPECT_NE(store_dir("/cairn/store").make_text_path("greeting", hello, {}), nix.make_text_path("greeting", hello, {}));
}

TEST(StorePath, ValidatesNames) {
  EXPECT_NO_THROW(check_store_name("a-b.c_d+e?f=g"));
  EXPECT_NO_THROW(check_store_name(std::string(211, 'a')));
  auto fails = [](std::string_view name, std::string_view phrase) {
    try {
      check_store_name(name);
      ADD_FAILURE() << "accepted '" << name << "'";
    } catch (const bad_store_path& e) {
      EXPECT_NE(std::string(e.what()).find(phrase), std::string::npos) << e.what();
    }
  };
  fails("a b", "contains illegal character ' '");
  fails("a/b", "contains illegal character '/'");
  fails(std::string(212, 'a'), "longer than 211 characters");
  fails("", "empty name");
  fails("..", "invalid name");
  fails(".-x", "invalid name");
  fails("caf\xc3\xa9", "illegal character 0xc3");
  EXPECT_THROW(store_path("ybf7by4xvcgjhwilsg87rqz9di79bife-greeting"), bad_store_path);  // 'e' in the hash
  EXPECT_THROW(store_path("short-greeting"), bad_store_path);
  const store_dir d("/cairn/store");
  EXPECT_THROW(d.parse("/nix/store/ybf7by4xvcgjhwilsg87rqz9di79bify-greeting"), bad_store_path);
  EXPECT_THROW(d.parse("/cairn/store/ybf7by4xvcgjhwilsg87rqz9di79bify-greeting/sub"), bad_store_path);
  EXPECT_EQ(d.to_store_path("/cairn/store/ybf7by4xvcgjhwilsg87rqz9di79bify-greeting/sub").name(), "greeting");
}

TEST(References, FindsHashPartsAnywhereInTheNar) {
  temp_dir t;
  const store_path a("ybf7by4xvcgjhwilsg87rqz9di79bify-a"), b("iwqyxqbz1qafp5nbagyx9dr52phmpawq-b"),
      c("d4b4lmbd433fa2xcdysz7p7zahnqh1z4-c"), unused("6h9lcbx523532ax1c5g2351w9bm8ykhy-unused");
  write(t / "out/file", "prefix /cairn/store/ybf7by4xvcgjhwilsg87rqz9di79bify-a suffix");
  fs::create_symlink("/cairn/store/iwqyxqbz1qafp5nbagyx9dr52phmpawq-b/bin", t / "out/link");
  write(t / "out/d4b4lmbd433fa2xcdysz7p7zahnqh1z4-named", "");
  EXPECT_EQ(scan_for_references(t / "out", {a, b, c, unused}), (store_path_set{a, b, c}));
}

TEST(References, FindsHashesSplitAcrossChunks) {
  const store_path a("ybf7by4xvcgjhwilsg87rqz9di79bify-a");
  const std::string text = "xx" + std::string(a.hash_part()) + "yy";
  for (std::size_t cut1 = 0; cut1 < text.size(); cut1 += 3) {
    for (std::size_t cut2 = cut1; cut2 < text.size(); cut2 += 5) {
      reference_scanner s({a});
      s(std::string_view(text).substr(0, cut1));
      s(std::string_view(text).substr(cut1, cut2 - cut1));
      s(std::string_view(text).substr(cut2));
      EXPECT_EQ(s.found().size(), 1u) << cut1 << " " << cut2;
    }
  }
  reference_scanner none({a});
  none(std::string(a.hash_part()).substr(1));
  EXPECT_TRUE(none.found().empty());
}

TEST(Narinfo, RoundTripsNixsExample) {
  const store_dir nix("/nix/store");
  const std::string text =
      "StorePath: /nix/store/jw2h7daaj5a0gks670gmilrlqa97151v-top\n"
      "URL: nar/0zn5sdihv7hjcpz81mrggllg4hb1fxzhygl0pprv1prkbrxbw3wn.nar.xz\n"
      "Compression: xz\n"
      "FileHash: sha256:0zn5sdihv7hjcpz81mrggllg4hb1fxzhygl0pprv1prkbrxbw3wn\n"
      "FileSize: 228\n"
      "NarHash: sha256:0q2g7q0w23fx7rvvnd33bybw2xy2b9m5viannyl6dqljmmra2mzn\n"
      "NarSize: 520\n"
      "References: z4asv3j07d89ywjf8fxkn7sg6mf5s9q5-dep\n"
      "Deriver: lmzjkl5mlwll0sqlpc6p6yx5hq3f93qn-top.drv\n"
      "Sig: test-key-1:zMSe/JCSBWXn5Iv/61oh5HK5EIDFPBFtPwoM5cN7UIEXJGGNuwZbw95YikYz7/JrtzAzqmJSckcXRk790SIWAw==\n";
  const auto n = parse_narinfo(text, nix, "x.narinfo");
  EXPECT_EQ(n.nar_size, 520u);
  EXPECT_EQ(n.references.size(), 1u);
  EXPECT_EQ(to_string(n, nix), text);
}

TEST(Narinfo, RejectsBadFiles) {
  const store_dir nix("/nix/store");
  const std::string good =
      "StorePath: /nix/store/jw2h7daaj5a0gks670gmilrlqa97151v-top\nURL: nar/x.nar\nCompression: none\n"
      "NarHash: sha256:0q2g7q0w23fx7rvvnd33bybw2xy2b9m5viannyl6dqljmmra2mzn\nNarSize: 520\nReferences: \n";
  EXPECT_NO_THROW(parse_narinfo(good, nix, "g"));
  auto fails = [&](std::string text, std::string_view phrase) {
    try {
      parse_narinfo(text, nix, "bad.narinfo");
      ADD_FAILURE() << "accepted: " << text;
    } catch (const store_error& e) {
      EXPECT_NE(std::string(e.what()).find(phrase), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("bad.narinfo"), std::string::npos) << e.what();
    }
  };
  auto replace = [&](std::string_view from, std::string_view to) {
    auto t = good;
    t.replace(t.find(from), from.size(), to);
    return t;
  };
  fails(replace("NarSize: 520", "NarSize: 52x"), "is not a number");
  fails(replace("NarSize: 520\n", ""), "missing or zero 'NarSize'");
  fails(replace("sha256:0q2g", "sha256:eq2g"), "invalid sha256 hash");
  fails(replace("/nix/store/jw2h", "/cairn/store/jw2h"), "is not in the store directory");
  fails(replace("URL: nar/x.nar", "URL: ../../etc/passwd"), "not a path inside the cache");
  fails(replace("References: ", "References: not-a-path"), "not of the form");
  fails(good + "NarSize: 1\n", "'NarSize' is given twice");
  fails(replace("StorePath:", "StorePath"), "expected 'Key: Value'");
}

TEST(Derivation, UnparseAndParseRoundTrip) {
  const store_dir nix("/nix/store");
  derivation d{.name = "dep", .system = "x86_64-linux", .builder = "/bin/sh", .args = {"-c", "echo \"dep\"\n\t> $out"}};
  d.env = {{"builder", "/bin/sh"}, {"name", "dep"}, {"system", "x86_64-linux"}};
  const auto drv = compute_derivation_paths(d, nix, [](const store_path&) -> hash { throw std::logic_error("no inputs"); });
  const auto text = unparse_derivation(d, nix);
  const auto back = parse_derivation(text, nix, drv.name());
  EXPECT_EQ(unparse_derivation(back, nix), text);
  EXPECT_EQ(back.out, d.out);
  EXPECT_THROW(parse_derivation(text.substr(0, text.size() - 1), nix, "x.drv"), store_error);
  EXPECT_THROW(parse_derivation("Derive([(\"dev\",\"\",\"\",\"\")],[],[],\"s\",\"b\",[],[])", nix, "x.drv"), store_error);
}

TEST(Derivation, OutputPathsMatchNix) {
  // From the reference: dep (builder /bin/sh -c "echo dep > $out") and a fixed-output "fod".
  const store_dir nix("/nix/store");
  derivation dep{.name = "dep", .system = "x86_64-linux", .builder = "/bin/sh", .args = {"-c", "echo dep > $out"}};
  dep.env = {{"builder", "/bin/sh"}, {"name", "dep"}, {"system", "x86_64-linux"}};
  const auto drv = compute_derivation_paths(dep, nix, {});
  EXPECT_EQ(nix.print(*dep.out), "/nix/store/z4asv3j07d89ywjf8fxkn7sg6mf5s9q5-dep");
  EXPECT_EQ(nix.print(drv), "/nix/store/p2qkh6lklg7zljx468xsl3gwif574nq4-dep.drv");
  // A fixed-output path depends only on the name and the hash.
  EXPECT_EQ(nix.print(nix.make_fixed_output_path("fod", file_ingestion::flat, hash_string("hello\n"))),
            "/nix/store/rcz8aqa9lzcygdcn1q53xz03vc3svrcp-fod");
}
