// The cairn-age command line: exit codes, error texts, nothing written on failure,
// identity permission warnings, and the secrets workflow (recipients, rekey, edit).
#include "support.hpp"

#include <csignal>
#include <sys/stat.h>
#include <thread>

using namespace cairn::age_test;

namespace {

const std::string ours = CAIRN_AGE_EXE;

class cli : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(run(dir.path(), ours + " keygen -o a.key 2>/dev/null && " + ours + " keygen -o b.key 2>/dev/null").exit_code, 0);
    a = run(dir.path(), ours + " keygen -y a.key").out;
    b = run(dir.path(), ours + " keygen -y b.key").out;
    a.pop_back();
    b.pop_back();
  }
  run_result sh(const std::string& command) { return run(dir.path(), command); }
  temp_dir dir;
  std::string a, b;
};

}  // namespace

TEST_F(cli, exit_codes_distinguish_bad_command_lines_from_errors) {
  EXPECT_EQ(sh(ours).exit_code, 2);
  auto r = sh(ours + " --frobnicate");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("cairn-age: error: "), std::string::npos) << r.err;
  EXPECT_EQ(sh(ours + " -e -d x").exit_code, 2);
  EXPECT_EQ(sh(ours + " -d -a x").exit_code, 2);
  EXPECT_EQ(sh(ours + " -p -r " + a).exit_code, 2);
  EXPECT_EQ(sh("echo x | " + ours + " -o out").exit_code, 2) << "no recipients";
  EXPECT_EQ(sh(ours + " --help").exit_code, 0);
  EXPECT_NE(sh(ours + " --help").out.find("CAIRN_AGE_PASSPHRASE"), std::string::npos) << "help documents the variable";
  r = sh(ours + " -r age1bogus -o out /dev/null");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("malformed X25519 recipient"), std::string::npos) << r.err;
  r = sh(ours + " -d -i a.key missing.age");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("cannot open input file missing.age"), std::string::npos) << r.err;
  r = sh(ours + " keygen -o a.key");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("refusing to overwrite existing file a.key"), std::string::npos) << r.err;
}

TEST_F(cli, bad_input_gives_a_clear_error_and_writes_nothing) {
  write_file(dir / "plain", random_bytes(300000));
  ASSERT_EQ(sh(ours + " -r " + a + " -o secret.age plain").exit_code, 0);
  const std::string cipher = read_file(dir / "secret.age");
  write_file(dir / "truncated.age", cipher.substr(0, cipher.size() - 1000));
  std::string tampered = cipher;
  tampered[tampered.size() - 70000] ^= 0x20;
  write_file(dir / "tampered.age", tampered);
  std::string bad_mac = cipher;
  char& mac_char = bad_mac[bad_mac.find("--- ") + 4];  // the first MAC character: every bit counts
  mac_char = mac_char == 'A' ? 'B' : 'A';
  write_file(dir / "badmac.age", bad_mac);
  const auto before = list_dir(dir.path());

  struct { const char* args; const char* says; } cases[] = {
      {"-d -i b.key -o out secret.age", "no identity matched"},
      {"-d -i a.key -o out truncated.age", "truncated"},
      {"-d -i a.key -o out tampered.age", "tampered"},
      {"-d -i a.key -o out badmac.age", "header MAC does not verify"},
      {"-d -i a.key -o out plain", "malformed age header"},
      {"-d -i plain -o out secret.age", "plain:1: malformed X25519 identity"},
      {"-d -o out secret.age", "not passphrase-encrypted: give an identity with -i"},
  };
  for (const auto& c : cases) {
    const auto r = sh(ours + " " + c.args);
    EXPECT_EQ(r.exit_code, 1) << c.args;
    EXPECT_NE(r.err.find(c.says), std::string::npos) << c.args << ": " << r.err;
    EXPECT_EQ(list_dir(dir.path()), before) << c.args << ": no output or temporary file left";
  }
  const auto r = sh(ours + " -d -i a.key -o out secret.age");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(read_file(dir / "out"), read_file(dir / "plain"));
}

TEST_F(cli, ssh_keys_and_identity_files_as_recipients) {
  ASSERT_EQ(sh("ssh-keygen -q -t ed25519 -N '' -C me -f id && ssh-keygen -q -t ed25519 -N secret -f locked && "
               "ssh-keygen -q -t rsa -b 2048 -N '' -f rsa").exit_code, 0);
  // -i while encrypting: to the identities' own recipients (age -e -i).
  EXPECT_EQ(sh("echo hi | " + ours + " -e -i id -i a.key | " + ours + " -d -i a.key").out, "hi\n");
  EXPECT_EQ(sh("echo hi | " + ours + " -R id.pub | " + ours + " -d -i id").out, "hi\n");
  auto r = sh("echo hi | " + ours + " -R id.pub | " + ours + " -d -i locked");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("passphrase-protected, which is not supported"), std::string::npos) << r.err;
  r = sh("echo hi | " + ours + " -R rsa.pub");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("ssh-rsa recipients are not supported"), std::string::npos) << r.err;
  r = sh("echo hi | " + ours + " -R id.pub | " + ours + " -d -i rsa");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("unsupported SSH key type ssh-rsa"), std::string::npos) << r.err;
}

TEST_F(cli, identity_file_readable_by_others_warns_like_ssh) {
  ASSERT_EQ(sh("echo hi | " + ours + " -r " + a + " -o s.age").exit_code, 0);
  auto r = sh(ours + " -d -i a.key s.age");
  EXPECT_EQ(r.out, "hi\n");
  EXPECT_EQ(r.err, "");
  ::chmod((dir / "a.key").c_str(), 0644);
  r = sh(ours + " -d -i a.key s.age");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "hi\n");
  EXPECT_EQ(r.err, "cairn-age: warning: identity file a.key is accessible by group or others (mode 0644); "
                   "it should be readable by its owner only: chmod 600 a.key\n");
}

TEST_F(cli, recipients_and_rekey_follow_the_manifest) {
  fs::create_directories(dir / "secrets/hosts");
  write_file(dir / "secrets/recipients", "admin = " + a + "\nhost = " + b + "\nhosts/*.age: admin host\n*.age: admin\n");
  auto r = sh(ours + " recipients secrets/hosts/db.age");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, a + "\n" + b + "\n");
  EXPECT_EQ(sh(ours + " recipients secrets/top.age").out, a + "\n");
  r = sh(ours + " recipients elsewhere.age");
  EXPECT_EQ(r.exit_code, 1);

  // Encrypted to the admin only; the manifest says the host too: rekey fixes it.
  ASSERT_EQ(sh("echo db-pass | " + ours + " -r " + a + " -o secrets/hosts/db.age").exit_code, 0);
  ASSERT_EQ(sh("echo top | " + ours + " -a -r " + a + " -o secrets/top.age").exit_code, 0);
  EXPECT_EQ(sh(ours + " -d -i b.key secrets/hosts/db.age").exit_code, 1);
  EXPECT_EQ(sh(ours + " rekey").exit_code, 2) << "rekey needs -i";
  r = sh(ours + " rekey -i a.key");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("rekeyed " + (dir / "secrets/hosts/db.age").string() + " for 2 recipient(s)"), std::string::npos) << r.err;
  EXPECT_EQ(sh(ours + " -d -i b.key secrets/hosts/db.age").out, "db-pass\n");
  EXPECT_EQ(sh(ours + " -d -i a.key secrets/hosts/db.age").out, "db-pass\n");
  EXPECT_TRUE(read_file(dir / "secrets/top.age").starts_with("-----BEGIN AGE ENCRYPTED FILE-----")) << "armor kept";
  // An identity that decrypts nothing: every secret is reported, none changes.
  const std::string db_before = read_file(dir / "secrets/hosts/db.age");
  r = sh(ours + " rekey -i b.key");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("1 of 2 secrets were not rekeyed"), std::string::npos) << r.err;
  EXPECT_NE(read_file(dir / "secrets/hosts/db.age"), db_before) << "b can decrypt db.age, so it was rekeyed";
}

class edit : public cli {
 protected:
  void SetUp() override {
    cli::SetUp();
    fs::create_directories(dir / "secrets");
    write_file(dir / "secrets/recipients", "*.age: " + a + " " + b + "\n");
    // The editor logs the path it was given, so the test can check it is gone afterwards.
    write_file(dir / "editor.sh", "#!/bin/sh\necho \"$1\" > \"$(dirname \"$0\")/edited-path\"\n"
                                  "case \"$MODE\" in\n"
                                  "  append) echo more >> \"$1\" ;;\n"
                                  "  fail) echo broken >> \"$1\"; exit 3 ;;\n"
                                  "  kill) echo broken >> \"$1\"; kill -9 $$ ;;\n"
                                  "  sleep) echo broken >> \"$1\"; touch \"$(dirname \"$0\")/editor-started\"; sleep 30 ;;\n"
                                  "  keep) ;;\n"
                                  "esac\n");
    ::chmod((dir / "editor.sh").c_str(), 0755);
    env = "XDG_RUNTIME_DIR=" + runtime.path().string() + " EDITOR=" + (dir / "editor.sh").string() + " ";
  }
  void expect_no_plaintext_left() {
    EXPECT_TRUE(fs::is_empty(runtime.path())) << "the private directory is removed";
    const std::string edited = read_file(dir / "edited-path");
    ASSERT_FALSE(edited.empty());
    EXPECT_TRUE(edited.starts_with(runtime.path().string() + "/cairn-age-edit-")) << edited;
    EXPECT_FALSE(fs::exists(edited.substr(0, edited.size() - 1)));
  }
  temp_dir runtime{"/dev/shm"};
  std::string env;
};

TEST_F(edit, creates_reencrypts_and_removes_the_plaintext) {
  auto r = sh(env + "MODE=append " + ours + " edit -i a.key secrets/new.age");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  expect_no_plaintext_left();
  EXPECT_EQ(sh(ours + " -d -i b.key secrets/new.age").out, "more\n") << "encrypted to every declared recipient";
  EXPECT_EQ(read_file(dir / "edited-path"), runtime.path().string() + read_file(dir / "edited-path").substr(runtime.path().string().size()));
  EXPECT_TRUE(read_file(dir / "edited-path").ends_with("/new\n")) << "the .age suffix is dropped for the editor";

  r = sh(env + "MODE=append " + ours + " edit -i b.key secrets/new.age");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(sh(ours + " -d -i a.key secrets/new.age").out, "more\nmore\n");

  const std::string before = read_file(dir / "secrets/new.age");
  r = sh(env + "MODE=keep " + ours + " edit -i a.key secrets/new.age");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.err.find("is unchanged"), std::string::npos) << r.err;
  EXPECT_EQ(read_file(dir / "secrets/new.age"), before) << "not re-encrypted when nothing changed";
  expect_no_plaintext_left();
}

TEST_F(edit, a_failing_or_killed_editor_changes_nothing_and_leaves_no_plaintext) {
  ASSERT_EQ(sh("echo original | " + ours + " -r " + a + " -o secrets/s.age").exit_code, 0);
  const std::string before = read_file(dir / "secrets/s.age");
  auto r = sh(env + "MODE=fail " + ours + " edit -i a.key secrets/s.age");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("exited with status 3; secrets/s.age is unchanged"), std::string::npos) << r.err;
  EXPECT_EQ(read_file(dir / "secrets/s.age"), before);
  expect_no_plaintext_left();

  r = sh(env + "MODE=kill " + ours + " edit -i a.key secrets/s.age");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("killed by signal 9"), std::string::npos) << r.err;
  EXPECT_EQ(read_file(dir / "secrets/s.age"), before);
  expect_no_plaintext_left();

  r = sh(env + "MODE=append " + ours + " edit -i b.key secrets/s.age");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("no identity matched"), std::string::npos) << r.err;
  EXPECT_TRUE(fs::is_empty(runtime.path()));
}

TEST_F(edit, sigterm_while_editing_removes_the_plaintext) {
  ASSERT_EQ(sh("echo original | " + ours + " -r " + a + " -o secrets/s.age").exit_code, 0);
  const std::string before = read_file(dir / "secrets/s.age");
  // Run cairn-age in the background, wait for the editor, then terminate cairn-age.
  auto r = sh(env + "MODE=sleep " + ours + " edit -i a.key secrets/s.age & pid=$!\n"
                    "for i in $(seq 100); do [ -e editor-started ] && break; sleep 0.1; done\n"
                    "kill -TERM $pid; wait $pid; echo \"status $?\"");
  EXPECT_NE(r.out.find("status 143"), std::string::npos) << "dies of SIGTERM after cleaning up: " << r.out << r.err;
  EXPECT_EQ(read_file(dir / "secrets/s.age"), before);
  expect_no_plaintext_left();
}
