// The library as the activation step uses it, compiled and run: read the host's identities,
// decrypt each secret straight into its final file (mode and owner set before the first
// byte, renamed into place only when the whole payload authenticated), and tell the
// reasons of failure apart.
#include "support.hpp"

#include <cairn/age.hpp>

#include <sys/stat.h>
#include <unistd.h>

namespace age = cairn::age;
using namespace cairn::age_test;

TEST(example, activation_decrypts_secrets_into_files) {
  temp_dir dir;
  // Setup: a host key (age-keygen format) and a secret encrypted to it, as the repository has.
  const auto host = age::x25519_identity::generate();
  age::write_key_file(dir / "host.age", host);
  std::vector<age::recipient_ptr> to{age::parse_recipient(host.recipient().to_string())};
  write_file(dir / "db-password", "hunter2\n");
  age::encrypt_file(dir / "db-password", dir / "db-password.age", to);

  // Activation: identities from files (an age key file, or /etc/ssh/ssh_host_ed25519_key).
  const age::identity_file keys = age::read_identity_file(dir / "host.age");
  for (const auto& warning : keys.warnings) ADD_FAILURE() << warning;  // a real caller logs them

  fs::create_directories(dir / "secrets.d/1");
  age::decrypt_file(dir / "db-password.age", dir / "secrets.d/1/db-password", keys.identities,
                    {.mode = 0400, .owner = ::getuid(), .group = ::getgid()});
  EXPECT_EQ(read_file(dir / "secrets.d/1/db-password"), "hunter2\n");
  struct stat st {};
  ::stat((dir / "secrets.d/1/db-password").c_str(), &st);
  EXPECT_EQ(st.st_mode & 07777, 0400u);

  // Failures carry their reason as a kind, for a message that names secret and reason.
  const std::vector<age::identity_ptr> stranger{std::make_shared<age::x25519_identity>(age::x25519_identity::generate())};
  try {
    age::decrypt_file(dir / "db-password.age", dir / "secrets.d/1/other", stranger);
    FAIL();
  } catch (const age::error& e) {
    EXPECT_EQ(e.kind(), age::error_kind::no_match);
  }
  EXPECT_FALSE(fs::exists(dir / "secrets.d/1/other"));

  // Many secrets at once, on all cores; the failures come back with their reasons.
  write_file(dir / "corrupt.age", "age-encryption.org/v1\n-> X25519\n");
  const std::vector<age::decrypt_job> jobs{
      {dir / "db-password.age", dir / "secrets.d/1/a", {.mode = 0400}},
      {dir / "corrupt.age", dir / "secrets.d/1/b", {.mode = 0400}},
      {dir / "db-password.age", dir / "secrets.d/1/c", {.mode = 0440}},
  };
  const auto failures = age::decrypt_files(jobs, keys.identities);
  ASSERT_EQ(failures.size(), 1u);
  EXPECT_EQ(failures[0].job, 1u);
  EXPECT_EQ(failures[0].kind, age::error_kind::header);
  EXPECT_EQ(read_file(dir / "secrets.d/1/c"), "hunter2\n");
  EXPECT_FALSE(fs::exists(dir / "secrets.d/1/b"));

  // Small secrets can also stay in memory (wiped when freed), e.g. for templates.
  const std::string cipher = read_file(dir / "db-password.age");
  const age::secret_bytes plain = age::decrypt_to_memory(
      {reinterpret_cast<const std::uint8_t*>(cipher.data()), cipher.size()}, keys.identities);
  EXPECT_EQ(std::string(plain.begin(), plain.end()), "hunter2\n");
}

TEST(example, streaming_with_a_decryptor) {
  const auto id = std::make_shared<age::x25519_identity>(age::x25519_identity::generate());
  std::vector<age::recipient_ptr> to{std::make_shared<age::x25519_recipient>(id->recipient())};
  const std::string big = random_bytes(3 * 65536 + 5);
  age::string_sink cipher;
  {
    age::encryptor enc(cipher, to, {.armor = true});
    enc.write({reinterpret_cast<const std::uint8_t*>(big.data()), big.size()});
    enc.finish();  // without it the file is truncated
  }
  age::memory_source in(cipher.contents());
  const std::vector<age::identity_ptr> ids{id};
  age::decryptor plain(in, ids);  // the header is checked here: key, MAC
  EXPECT_EQ(plain.file_header().stanzas.at(0).type, "X25519");
  std::string out;
  for (auto chunk = plain.read_chunk(); !chunk.empty(); chunk = plain.read_chunk())  // 64 KiB at a time
    out.append(reinterpret_cast<const char*>(chunk.data()), chunk.size());
  EXPECT_EQ(out, big);
}
