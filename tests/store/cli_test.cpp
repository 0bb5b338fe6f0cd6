// The cairn-store command line: its contract (commands, output, exit codes 0/1/2).
#include "test_util.hpp"

#include <cairn/store/nar.hpp>
#include <cairn/store/store_path.hpp>

using namespace cairn::store;
using namespace cairn_test;

namespace {
const std::string bin = CAIRN_STORE_BIN;

run_result cs(const std::string& args, std::string_view input = {}) { return run(bin + " " + args, input); }

struct cli_fixture {
  temp_dir t;
  std::string root() const { return "--root '" + t.path().native() + "/root'"; }
};
}  // namespace

TEST(Cli, ExitCodes) {
  EXPECT_EQ(cs("").exit_code, 2);
  EXPECT_EQ(cs("frobnicate").exit_code, 2);
  EXPECT_EQ(cs("hash-path").exit_code, 2);
  EXPECT_EQ(cs("hash-path x --base32 --hex").exit_code, 2);
  EXPECT_EQ(cs("query /cairn/store/x").exit_code, 2);
  EXPECT_EQ(cs("--help").exit_code, 0);
  const auto r = cs("hash-path /nonexistent/file");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "error: cannot stat '/nonexistent/file': No such file or directory\n");
}

TEST(Cli, DumpRestoreAndHashes) {
  temp_dir t;
  write(t / "d/f.txt", "hello\n");
  write(t / "d/x", "#!\n", 0755);
  fs::create_symlink("f.txt", t / "d/l");
  const auto dump = cs("dump " + (t / "d").native());
  ASSERT_EQ(dump.exit_code, 0);
  std::string lib;
  string_sink s{lib};
  dump_path(t / "d", s);
  EXPECT_EQ(dump.out, lib);
  const auto restored = cs("restore " + (t / "copy").native(), dump.out);
  ASSERT_EQ(restored.exit_code, 0) << restored.err;
  EXPECT_EQ(cs("dump " + (t / "copy").native()).out, lib);
  EXPECT_EQ(cs("restore " + (t / "copy2").native(), lib.substr(0, 50)).exit_code, 1);
  EXPECT_FALSE(fs::exists(t / "copy2"));
  const auto h = hash_path(t / "d").nar_hash;
  EXPECT_EQ(cs("hash-path " + (t / "d").native()).out, h.to_base16() + "\n");
  EXPECT_EQ(cs("hash-path --hex " + (t / "d").native()).out, h.to_base16() + "\n");
  EXPECT_EQ(cs("hash-path --base32 " + (t / "d").native()).out, h.to_nix32() + "\n");
  EXPECT_EQ(cs("hash-path --sri " + (t / "d").native()).out, h.to_sri() + "\n");
  EXPECT_EQ(cs("hash-file " + (t / "d/f.txt").native()).out, hash_string("hello\n").to_base16() + "\n");
  EXPECT_EQ(cs("hash-file --base32 --type sha1 " + (t / "d/f.txt").native()).out,
            hash_string("hello\n", hash_algo::sha1).to_nix32() + "\n");
}

TEST(Cli, AddQueryAndPrintFixedPath) {
  cli_fixture f;
  write(f.t / "demo/hello.txt", "hello\n");
  write(f.t / "demo/run.sh", "#!/bin/sh\necho hi\n", 0755);
  fs::create_symlink("hello.txt", f.t / "demo/link");
  write(f.t / "demo/sub/b", "x");
  const auto add = cs("add " + (f.t / "demo").native() + " --store-dir /nix/store " + f.root());
  ASSERT_EQ(add.exit_code, 0) << add.err;
  EXPECT_EQ(add.out, "/nix/store/aixhgjfrgv3wsxgkvpijgrywzw2va9x1-demo\n");
  EXPECT_TRUE(fs::exists(f.t / "root/nix/store/aixhgjfrgv3wsxgkvpijgrywzw2va9x1-demo/sub/b"));
  write(f.t / "text", "see " + trim(add.out) + "\n");
  const auto text = cs("add-text ref " + (f.t / "text").native() + " --ref " + trim(add.out) + " --store-dir /nix/store " + f.root());
  ASSERT_EQ(text.exit_code, 0) << text.err;
  const auto refs = cs("query --references " + trim(text.out) + " --store-dir /nix/store " + f.root());
  EXPECT_EQ(refs.out, add.out);
  EXPECT_EQ(cs("query --referrers " + trim(add.out) + " --store-dir /nix/store " + f.root()).out, text.out);
  EXPECT_EQ(cs("query --requisites " + trim(text.out) + " --store-dir /nix/store " + f.root()).out, add.out + text.out);
  const auto bad = cs("query --references /nix/store/aixhgjfrgv3wsxgkvpijgrywzw2va9x1-nothere --store-dir /nix/store " + f.root());
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("is not valid"), std::string::npos);
  EXPECT_EQ(cs("add-text 'bad name' " + (f.t / "text").native() + " " + f.root()).exit_code, 1);
  EXPECT_EQ(cs("print-fixed-path sha256:" + hash_string("hello\n").to_nix32() + " f.txt --store-dir /nix/store").out,
            "/nix/store/d4b4lmbd433fa2xcdysz7p7zahnqh1z4-f.txt\n");
  EXPECT_EQ(cs("print-fixed-path " + hash_string("hello\n").to_base16() + " f.txt --store-dir /nix/store").out,
            "/nix/store/d4b4lmbd433fa2xcdysz7p7zahnqh1z4-f.txt\n");
  EXPECT_EQ(cs("print-fixed-path --recursive " + hash_string(nar_of_text("hello\n")).to_sri() + " f.txt --store-dir /nix/store").out,
            "/nix/store/6h9lcbx523532ax1c5g2351w9bm8ykhy-f.txt\n");
  EXPECT_EQ(cs("print-fixed-path sha256:nothex f.txt").exit_code, 1);
}

TEST(Cli, GcVerifyOptimise) {
  cli_fixture f;
  write(f.t / "a", "same bytes");
  write(f.t / "b", "same bytes!");
  write(f.t / "c", "same bytes");
  const auto a = trim(cs("add-text kept " + (f.t / "a").native() + " " + f.root()).out);
  const auto b = trim(cs("add-text junk " + (f.t / "b").native() + " " + f.root()).out);
  const auto c = trim(cs("add " + (f.t / "c").native() + " " + f.root()).out);
  fs::create_symlink(a, f.t / "root/cairn/var/gcroots/mine");
  fs::create_symlink(c, f.t / "root/cairn/var/profiles/system-1-link");
  EXPECT_EQ(cs("gc --print-roots " + f.root()).out,
            fmt::format("{0}/root/cairn/var/gcroots/mine -> {1}\n{0}/root/cairn/var/profiles/system-1-link -> {2}\n",
                        f.t.path().native(), a, c));
  EXPECT_EQ(cs("gc --print-dead " + f.root()).out, b + "\n");
  EXPECT_EQ(cs("gc --print-live " + f.root()).out, (a < c ? a + "\n" + c : c + "\n" + a) + "\n");
  EXPECT_EQ(cs("gc --print-dead --print-live " + f.root()).exit_code, 2);
  const auto opt = cs("optimise " + f.root());
  EXPECT_EQ(opt.exit_code, 0);
  EXPECT_EQ(opt.err, "0.00 MiB freed by hard-linking 1 files\n");
  const auto gc = cs("gc " + f.root());
  EXPECT_EQ(gc.exit_code, 0);
  EXPECT_NE(gc.err.find("deleting '" + b + "'"), std::string::npos) << gc.err;
  EXPECT_NE(gc.err.find("1 store paths deleted, "), std::string::npos) << gc.err;
  EXPECT_EQ(cs("verify --check-contents " + f.root()).exit_code, 0);
  const auto phys = f.t / ("root" + a);
  ::chmod(phys.c_str(), 0644);
  write(phys, "changed!!!");
  const auto v = cs("verify --check-contents " + f.root());
  EXPECT_EQ(v.exit_code, 1);
  EXPECT_NE(v.err.find("path '" + a + "' was modified! expected hash"), std::string::npos) << v.err;
  EXPECT_EQ(cs("verify " + f.root()).exit_code, 0);
  EXPECT_EQ(cs("gc --max-freed nope " + f.root()).exit_code, 2);
}

TEST(Cli, KeysAndCopy) {
  cli_fixture f;
  const auto keys = cs("generate-key cli-test-1");
  ASSERT_EQ(keys.exit_code, 0);
  const auto nl = keys.out.find('\n');
  const auto sk = keys.out.substr(0, nl), pk = trim(keys.out.substr(nl + 1));
  EXPECT_TRUE(sk.starts_with("cli-test-1:"));
  EXPECT_TRUE(pk.starts_with("cli-test-1:"));
  EXPECT_EQ(sk.size(), std::string("cli-test-1:").size() + 88);
  write(f.t / "sk", sk + "\n");
  write(f.t / "text", "payload");
  const auto p = trim(cs("add-text payload " + (f.t / "text").native() + " " + f.root()).out);
  const auto to = cs("copy --to 'file://" + (f.t / "cache").native() + "?compression=zstd' --key " + (f.t / "sk").native() + " " + p + " " + f.root());
  ASSERT_EQ(to.exit_code, 0) << to.err;
  const auto dst = "--root '" + (f.t / "dst").native() + "'";
  const auto unsigned_import = cs("copy --from file://" + (f.t / "cache").native() + " " + p + " " + dst);
  EXPECT_EQ(unsigned_import.exit_code, 1);
  EXPECT_NE(unsigned_import.err.find("no valid signature by a trusted key"), std::string::npos) << unsigned_import.err;
  const auto from = cs("copy --from file://" + (f.t / "cache").native() + " --trusted-key '" + pk + "' " + p + " " + dst);
  ASSERT_EQ(from.exit_code, 0) << from.err;
  EXPECT_EQ(read(f.t / ("dst" + p)), "payload");
  EXPECT_EQ(cs("copy " + p + " " + dst).exit_code, 2);
  EXPECT_EQ(cs("copy --to file:///x --from file:///y " + p).exit_code, 2);
  EXPECT_EQ(cs("copy --to http://example.org " + p + " " + dst).exit_code, 1);
}
