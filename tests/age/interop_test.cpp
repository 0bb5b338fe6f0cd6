// Interoperability with Debian's age 1.1.1, both ways: X25519, ssh-ed25519, armor and
// passphrases (age reads those only from a terminal: driven with expect), at the sizes
// around the 64 KiB chunk boundary and a 5 MiB file.
#include "support.hpp"

using namespace cairn::age_test;

namespace {

const std::string ours = CAIRN_AGE_EXE;

bool have(const char* tool) { return std::system((std::string("command -v ") + tool + " >/dev/null 2>&1").c_str()) == 0; }

// An expect wrapper that answers `prompts` passphrase prompts of `command` with `pass` and
// returns the command's exit code (99 if a prompt never came, 98 if the command never ended).
std::string with_passphrase(const std::string& command, const std::string& pass, int prompts) {
  std::string script = "set timeout 30; spawn -noecho " + command + "; ";
  for (int i = 0; i < prompts; ++i) script += "expect -re {passphrase.*:} { send \"" + pass + "\\r\" } timeout { exit 99 }; ";
  return "expect -c '" + script + "expect eof {} timeout { exit 98 }; lassign [wait] a b c d; exit $d'";
}

class interop : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!have("age") || !have("age-keygen")) GTEST_SKIP() << "the age command is not installed (tools/deps installs it)";
    ASSERT_EQ(run(dir.path(), "age-keygen -o age.key && ssh-keygen -q -t ed25519 -N '' -C host -f ssh.key").exit_code, 0);
    recipient = run(dir.path(), "age-keygen -y age.key").out;
    recipient.pop_back();
  }
  void expect_ok(const std::string& command) {
    const auto r = run(dir.path(), command);
    EXPECT_EQ(r.exit_code, 0) << command << "\n" << r.err;
  }
  temp_dir dir;
  std::string recipient;
};

const std::size_t sizes[] = {0, 1, 65535, 65536, 65537, 5 * 1024 * 1024};

}  // namespace

TEST_F(interop, key_files_and_recipients_agree_with_age_keygen) {
  EXPECT_EQ(run(dir.path(), ours + " keygen -y age.key").out, recipient + "\n");
  EXPECT_EQ(run(dir.path(), ours + " keygen -y ssh.key").out, run(dir.path(), "cut -d' ' -f1,2 ssh.key.pub").out);
  const auto made = run(dir.path(), ours + " keygen -o our.key");
  ASSERT_EQ(made.exit_code, 0) << made.err;
  const std::string pub = run(dir.path(), "age-keygen -y our.key").out;
  EXPECT_EQ(made.err, "Public key: " + pub);
  // "# created: <RFC 3339 UTC>", "# public key: …", the key: age-keygen's three lines.
  const std::string key_file = read_file(dir / "our.key");
  EXPECT_EQ(key_file.find("# public key: " + pub), std::string("# created: 2026-01-01T00:00:00Z\n").size()) << key_file;
}

TEST_F(interop, x25519_both_ways_at_chunk_boundaries) {
  // (age -o creates no file for an empty plaintext, so age's output goes through a redirection.)
  for (const std::size_t size : sizes) {
    SCOPED_TRACE(size);
    write_file(dir / "in", random_bytes(size, static_cast<unsigned>(size)));
    expect_ok("age -r " + recipient + " -o a.age in && " + ours + " -d -i age.key -o a.out a.age && cmp in a.out");
    expect_ok(ours + " -r " + recipient + " -o c.age in && age -d -i age.key c.age > c.out && cmp in c.out");
    expect_ok(ours + " -r " + recipient + " < in | age -d -i age.key > p.out && cmp in p.out");
  }
}

TEST_F(interop, ssh_ed25519_both_ways_at_chunk_boundaries) {
  for (const std::size_t size : sizes) {
    SCOPED_TRACE(size);
    write_file(dir / "in", random_bytes(size, static_cast<unsigned>(size) + 7));
    expect_ok("age -R ssh.key.pub -o a.age in && " + ours + " -d -i ssh.key -o a.out a.age && cmp in a.out");
    expect_ok(ours + " -R ssh.key.pub -o c.age in && age -d -i ssh.key c.age > c.out && cmp in c.out");
  }
  // A file for both kinds of key opens with either, in both tools.
  expect_ok(ours + " -r " + recipient + " -r \"$(cat ssh.key.pub)\" -o both.age in && age -d -i ssh.key both.age | cmp in - && "
            "age -d -i age.key both.age | cmp in -");
  expect_ok("age -r " + recipient + " -R ssh.key.pub -o both2.age in && " + ours + " -d -i ssh.key both2.age | cmp in - && " + ours +
            " -d -i age.key both2.age | cmp in -");
}

TEST_F(interop, armored_both_ways_at_chunk_boundaries) {
  for (const std::size_t size : sizes) {
    SCOPED_TRACE(size);
    write_file(dir / "in", random_bytes(size, static_cast<unsigned>(size) + 11));
    expect_ok("age -a -r " + recipient + " -o a.asc in && " + ours + " -d -i age.key -o a.out a.asc && cmp in a.out");
    expect_ok("age -a -r " + recipient + " in | " + ours + " -d -i age.key | cmp in -");
    expect_ok(ours + " -a -r " + recipient + " -o c.asc in && age -d -i age.key c.asc > c.out && cmp in c.out");
    // Our armor is byte-for-byte the shape age writes: same line count for the same size.
    EXPECT_EQ(run(dir.path(), "wc -l < a.asc").out, run(dir.path(), "wc -l < c.asc").out);
  }
}

TEST_F(interop, passphrases_both_ways_through_a_terminal) {
  if (!have("expect")) GTEST_SKIP() << "expect is not installed (tools/deps installs it)";
  for (const std::size_t size : {std::size_t{1}, std::size_t{65537}}) {
    SCOPED_TRACE(size);
    write_file(dir / "in", random_bytes(size, 3));
    // age encrypts (prompted twice on its terminal), we decrypt: from the environment, then the terminal.
    expect_ok(with_passphrase("age -p -o a.age in", "s3cret pass", 2));
    expect_ok("CAIRN_AGE_PASSPHRASE='s3cret pass' " + ours + " -d -o a.out a.age && cmp in a.out");
    expect_ok(with_passphrase(ours + " -d -o t.out a.age", "s3cret pass", 1) + " && cmp in t.out");
    // We encrypt (from the terminal, asked twice), age decrypts.
    expect_ok(with_passphrase(ours + " -p -o c.age in", "other pass", 2) + " && " + with_passphrase("age -d -o c.out c.age", "other pass", 1) +
              " && cmp in c.out");
  }
  const auto wrong = run(dir.path(), "CAIRN_AGE_PASSPHRASE=nope " + ours + " -d -o x.out a.age");
  EXPECT_EQ(wrong.exit_code, 1);
  EXPECT_NE(wrong.err.find("incorrect passphrase"), std::string::npos) << wrong.err;
  EXPECT_FALSE(fs::exists(dir / "x.out"));
}
