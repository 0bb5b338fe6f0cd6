// cairn::age library behaviour: encodings, keys, streams, armor, errors, files, the manifest.
#include "support.hpp"

#include <cairn/age.hpp>
#include <cairn/secrets/manifest.hpp>

#include <botan/hex.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>

namespace age = cairn::age;
namespace secrets = cairn::secrets;
using namespace cairn::age_test;

namespace {

std::span<const std::uint8_t> bytes(std::string_view s) { return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()}; }

std::string decrypt_string(std::string_view ciphertext, const std::vector<age::identity_ptr>& ids) {
  const auto plain = age::decrypt_to_memory(bytes(ciphertext), ids);
  return {plain.begin(), plain.end()};
}

age::error_kind decrypt_error(std::string_view ciphertext, const std::vector<age::identity_ptr>& ids, std::string* message = nullptr) {
  try {
    decrypt_string(ciphertext, ids);
  } catch (const age::error& e) {
    if (message) *message = e.what();
    return e.kind();
  }
  ADD_FAILURE() << "decryption succeeded";
  return age::error_kind::usage;
}

struct key_pair {
  std::shared_ptr<age::x25519_identity> identity = std::make_shared<age::x25519_identity>(age::x25519_identity::generate());
  std::vector<age::identity_ptr> ids{identity};
  std::vector<age::recipient_ptr> to{std::make_shared<age::x25519_recipient>(identity->recipient())};
};

}  // namespace

TEST(base64, strict_and_canonical) {
  using age::detail::base64_decode;
  EXPECT_EQ(age::detail::base64_encode(bytes("a")), "YQ");
  EXPECT_EQ(age::detail::base64_encode(bytes("a"), true), "YQ==");
  EXPECT_TRUE(base64_decode("YQ"));
  EXPECT_FALSE(base64_decode("YR")) << "non-zero trailing bits";
  EXPECT_FALSE(base64_decode("YQ==")) << "padding in raw base64";
  EXPECT_FALSE(base64_decode("Y Q"));
  EXPECT_FALSE(base64_decode("YQ\n"));
  EXPECT_FALSE(base64_decode("Y")) << "length 1 mod 4";
  EXPECT_TRUE(base64_decode("YQ==", true));
  EXPECT_FALSE(base64_decode("YQ=", true));
  EXPECT_FALSE(base64_decode("YQ", true)) << "missing padding";
  EXPECT_FALSE(base64_decode("YR==", true));
  EXPECT_FALSE(base64_decode("YWJj====", true));
  for (std::size_t n = 0; n < 40; ++n) {
    const std::string s = random_bytes(n, static_cast<unsigned>(n));
    for (bool padded : {false, true}) {
      const auto back = base64_decode(age::detail::base64_encode(bytes(s), padded), padded);
      ASSERT_TRUE(back);
      EXPECT_EQ(std::string(back->begin(), back->end()), s);
    }
  }
}

TEST(bech32, bip173_vectors_and_case_rules) {
  using age::detail::bech32_decode;
  EXPECT_TRUE(bech32_decode("A12UEL5L"));
  EXPECT_TRUE(bech32_decode("a12uel5l"));
  EXPECT_TRUE(bech32_decode("abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw"));
  EXPECT_FALSE(bech32_decode("A12uEL5L")) << "mixed case";
  EXPECT_FALSE(bech32_decode("a12uel5m")) << "bad checksum";
  EXPECT_FALSE(bech32_decode("pzry9x0s0muk")) << "no separator";
  // No 90-character limit: age identities are 74 characters, recipients 62, longer data works.
  const std::string long_one = age::detail::bech32_encode("test", bytes(random_bytes(100)));
  EXPECT_GT(long_one.size(), 90u);
  EXPECT_TRUE(bech32_decode(long_one));
}

TEST(keys, x25519_strings_round_trip_and_reject_the_wrong_kind) {
  const auto id = age::x25519_identity::generate();
  const std::string secret = id.to_string(), pub = id.recipient().to_string();
  EXPECT_TRUE(secret.starts_with("AGE-SECRET-KEY-1"));
  EXPECT_EQ(secret.size(), 74u);
  EXPECT_TRUE(pub.starts_with("age1"));
  EXPECT_EQ(pub.size(), 62u);
  EXPECT_EQ(age::x25519_identity::parse(secret).recipient().to_string(), pub);
  EXPECT_EQ(age::x25519_recipient::parse(pub).to_string(), pub);
  EXPECT_THROW(age::x25519_recipient::parse(secret), age::error);
  EXPECT_THROW(age::x25519_identity::parse(pub), age::error);
  std::string lower = secret;
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  EXPECT_THROW(age::x25519_identity::parse(lower), age::error) << "the HRP must be AGE-SECRET-KEY-";
  std::string corrupted = pub;
  corrupted[10] = corrupted[10] == 'q' ? 'p' : 'q';
  EXPECT_THROW(age::x25519_recipient::parse(corrupted), age::error);
}

TEST(keys, identity_file_errors_name_the_line_not_the_key) {
  const auto id = age::x25519_identity::generate();
  const std::string text = age::key_file_text(id);
  EXPECT_TRUE(text.starts_with("# created: "));
  EXPECT_NE(text.find("\n# public key: " + id.recipient().to_string() + "\n" + id.to_string() + "\n"), std::string::npos);
  EXPECT_EQ(age::parse_identities(text).size(), 1u);
  EXPECT_EQ(age::parse_identities("\r\n# comment\r\n" + id.to_string() + "\r\n").size(), 1u) << "CRLF lines";
  const std::string bad = text + "AGE-SECRET-KEY-1NOTAKEY\n";
  try {
    age::parse_identities(bad, "keys.txt");
    FAIL();
  } catch (const age::error& e) {
    EXPECT_EQ(e.kind(), age::error_kind::key);
    EXPECT_TRUE(std::string(e.what()).starts_with("keys.txt:4: ")) << e.what();
    EXPECT_EQ(std::string(e.what()).find("NOTAKEY"), std::string::npos) << "must not echo key material";
  }
  EXPECT_THROW(age::parse_identities("# only comments\n"), age::error);
}

TEST(keys, identity_file_readable_by_others_gives_a_warning) {
  temp_dir dir;
  const auto id = age::x25519_identity::generate();
  age::write_key_file(dir / "key.txt", id);
  struct stat st {};
  ::stat((dir / "key.txt").c_str(), &st);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_THROW(age::write_key_file(dir / "key.txt", id), age::error) << "never overwrites";
  auto loaded = age::read_identity_file(dir / "key.txt");
  EXPECT_TRUE(loaded.warnings.empty());
  ::chmod((dir / "key.txt").c_str(), 0644);
  loaded = age::read_identity_file(dir / "key.txt");
  ASSERT_EQ(loaded.warnings.size(), 1u);
  EXPECT_NE(loaded.warnings[0].find("accessible by group or others (mode 0644)"), std::string::npos) << loaded.warnings[0];
  EXPECT_EQ(loaded.identities.size(), 1u) << "a warning, not a refusal (as the brief asks)";
}

TEST(stream, round_trips_at_chunk_boundaries) {
  key_pair k;
  for (std::size_t size : {0ul, 1ul, 65535ul, 65536ul, 65537ul, 3 * 65536ul, 3 * 65536ul + 7}) {
    const std::string plain = random_bytes(size, static_cast<unsigned>(size));
    const std::string cipher = age::encrypt_to_string(bytes(plain), k.to);
    const std::size_t chunks = size == 0 ? 1 : (size + 65535) / 65536;
    const std::size_t header = age::serialize(age::parse_header(cipher)).size();
    EXPECT_EQ(cipher.size(), header + 16 + size + 16 * chunks) << size;
    EXPECT_EQ(decrypt_string(cipher, k.ids), plain) << size;
  }
}

TEST(stream, truncation_and_tampering_are_payload_failures_with_reasons) {
  key_pair k;
  const std::string plain = random_bytes(2 * 65536 + 100);
  const std::string cipher = age::encrypt_to_string(bytes(plain), k.to);
  const std::size_t payload = age::serialize(age::parse_header(cipher)).size() + 16;
  std::string msg;
  EXPECT_EQ(decrypt_error(cipher.substr(0, payload), k.ids, &msg), age::error_kind::payload);
  EXPECT_NE(msg.find("truncated"), std::string::npos) << msg;
  EXPECT_EQ(decrypt_error(cipher.substr(0, payload + 65536 + 16), k.ids, &msg), age::error_kind::payload) << "cut at a chunk boundary";
  EXPECT_NE(msg.find("truncated"), std::string::npos) << msg;
  EXPECT_EQ(decrypt_error(cipher.substr(0, cipher.size() - 1), k.ids, &msg), age::error_kind::payload);
  EXPECT_EQ(decrypt_error(cipher.substr(0, payload + 5), k.ids), age::error_kind::payload) << "shorter than a tag";
  std::string flipped = cipher;
  flipped[payload + 70000] ^= 1;
  EXPECT_EQ(decrypt_error(flipped, k.ids, &msg), age::error_kind::payload);
  EXPECT_NE(msg.find("tampered"), std::string::npos) << msg;
  EXPECT_EQ(decrypt_error(cipher + "x", k.ids, &msg), age::error_kind::payload) << "a longer last chunk fails its tag";
  const std::string full = age::encrypt_to_string(bytes(random_bytes(65536)), k.to);
  EXPECT_EQ(decrypt_error(full + "x", k.ids, &msg), age::error_kind::payload);
  EXPECT_NE(msg.find("trailing data"), std::string::npos) << msg;
  EXPECT_EQ(decrypt_error(cipher.substr(0, payload - 3), k.ids), age::error_kind::header) << "missing nonce";
}

TEST(header, tampering_and_wrong_keys_are_named) {
  key_pair k, other;
  const std::string cipher = age::encrypt_to_string(bytes("secret"), k.to);
  std::string msg;
  EXPECT_EQ(decrypt_error(cipher, other.ids, &msg), age::error_kind::no_match);
  EXPECT_NE(msg.find("no identity matched"), std::string::npos) << msg;
  EXPECT_NE(msg.find(other.identity->recipient().to_string()), std::string::npos) << "names what was tried: " << msg;
  // A changed MAC is an HMAC failure; a changed stanza argument breaks the unwrap.
  std::string bad_mac = cipher;
  const auto mac_pos = bad_mac.find("--- ") + 4;
  bad_mac[mac_pos] = bad_mac[mac_pos] == 'A' ? 'B' : 'A';
  EXPECT_EQ(decrypt_error(bad_mac, k.ids), age::error_kind::header_mac);
  EXPECT_EQ(decrypt_error(cipher.substr(0, 40), k.ids), age::error_kind::header);
  EXPECT_EQ(decrypt_error("", k.ids, &msg), age::error_kind::header);
  EXPECT_NE(msg.find("empty"), std::string::npos) << msg;
  EXPECT_EQ(decrypt_error("age-encryption.org/v2\n", k.ids), age::error_kind::header);
  // Decryption with several identities: the matching one may come last.
  std::vector<age::identity_ptr> both{other.identity, k.identity};
  EXPECT_EQ(decrypt_string(cipher, both), "secret");
}

TEST(scrypt, must_be_alone_and_work_factor_is_limited) {
  key_pair k;
  std::vector<age::recipient_ptr> mixed{std::make_shared<age::scrypt_recipient>("pw", 2), k.to[0]};
  EXPECT_THROW(age::encrypt_to_string(bytes("x"), mixed), age::error);
  std::vector<age::recipient_ptr> pw{std::make_shared<age::scrypt_recipient>("pw", 12)};
  const std::string cipher = age::encrypt_to_string(bytes("x"), pw);
  EXPECT_EQ(decrypt_string(cipher, {std::make_shared<age::scrypt_identity>("pw")}), "x");
  EXPECT_EQ(decrypt_error(cipher, {std::make_shared<age::scrypt_identity>("wrong")}), age::error_kind::no_match);
  std::string msg;
  EXPECT_EQ(decrypt_error(cipher, {std::make_shared<age::scrypt_identity>("pw", 10)}, &msg), age::error_kind::header);
  EXPECT_NE(msg.find("above the limit of 10"), std::string::npos) << msg;
  // The passphrase callback runs only for passphrase-encrypted files.
  int asked = 0;
  auto lazy = std::make_shared<age::scrypt_identity>([&] { ++asked; return age::secret_bytes{'p', 'w'}; });
  EXPECT_EQ(decrypt_error(age::encrypt_to_string(bytes("x"), k.to), {lazy}), age::error_kind::no_match);
  EXPECT_EQ(asked, 0);
  EXPECT_EQ(decrypt_string(cipher, {lazy}), "x");
  EXPECT_EQ(asked, 1);
}

TEST(ssh, ed25519_identity_unwraps_what_its_recipient_wraps) {
  // An Ed25519 key pair from a fixed seed (RFC 8032 test 1).
  const auto sk = Botan::hex_decode("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
  const auto pk_v = Botan::hex_decode("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
  std::array<std::uint8_t, 32> pk;
  std::copy(pk_v.begin(), pk_v.end(), pk.begin());
  auto id = std::make_shared<const age::ssh_ed25519_identity>(sk, pk);
  const std::string line = id->recipient().to_string();
  EXPECT_TRUE(line.starts_with("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI"));
  std::vector<age::recipient_ptr> to{age::parse_recipient(line + " comment@host")};
  const std::string cipher = age::encrypt_to_string(bytes("for the host"), to);
  const auto h = age::parse_header(cipher);
  ASSERT_EQ(h.stanzas.size(), 1u);
  EXPECT_EQ(h.stanzas[0].type, "ssh-ed25519");
  EXPECT_EQ(decrypt_string(cipher, {age::identity_ptr(id)}), "for the host");
  key_pair other;
  EXPECT_EQ(decrypt_error(cipher, other.ids), age::error_kind::no_match);
  // A y that is not on the curve (y = 2) is refused.
  std::array<std::uint8_t, 32> not_a_point{2};
  EXPECT_THROW(age::ssh_ed25519_recipient{not_a_point}, age::error);
  EXPECT_THROW(age::parse_recipient("ssh-rsa AAAAB3NzaC1yc2E"), age::error);
}

TEST(armor, writes_64_columns_and_reads_back) {
  key_pair k;
  for (std::size_t size : {0ul, 1ul, 100ul, 65537ul}) {
    const std::string plain = random_bytes(size);
    const std::string armored = age::encrypt_to_string(bytes(plain), k.to, {.armor = true});
    EXPECT_TRUE(armored.starts_with("-----BEGIN AGE ENCRYPTED FILE-----\n"));
    EXPECT_TRUE(armored.ends_with("\n-----END AGE ENCRYPTED FILE-----\n"));
    std::istringstream lines(armored);
    std::vector<std::string> all;
    for (std::string l; std::getline(lines, l);) all.push_back(l);
    for (std::size_t i = 1; i + 2 < all.size(); ++i) EXPECT_EQ(all[i].size(), 64u) << "line " << i;
    EXPECT_LE(all[all.size() - 2].size(), 64u);
    EXPECT_EQ(decrypt_string(armored, k.ids), plain) << "detected";
    EXPECT_EQ(decrypt_string("\n  \n" + armored + "\n\n", k.ids), plain) << "whitespace around";
    std::string crlf;
    for (const auto& l : all) crlf += l + "\r\n";
    EXPECT_EQ(decrypt_string(crlf, k.ids), plain) << "CRLF";
  }
  const std::string armored = age::encrypt_to_string(bytes("x"), k.to, {.armor = true});
  EXPECT_EQ(decrypt_error(armored + "garbage", k.ids), age::error_kind::armor);
  std::string with_header = armored;
  with_header.insert(with_header.find('\n') + 1, "Comment: hi\n");
  EXPECT_EQ(decrypt_error(with_header, k.ids), age::error_kind::armor);
}

TEST(files, decrypt_file_writes_all_or_nothing_with_the_mode_first) {
  temp_dir dir;
  key_pair k, other;
  write_file(dir / "plain", random_bytes(200000));
  age::encrypt_file(dir / "plain", dir / "secret.age", k.to);
  age::decrypt_file(dir / "secret.age", dir / "out", k.ids, {.mode = 0400});
  EXPECT_EQ(read_file(dir / "out"), read_file(dir / "plain"));
  struct stat st {};
  ::stat((dir / "out").c_str(), &st);
  EXPECT_EQ(st.st_mode & 0777, 0400u);

  const auto before = list_dir(dir.path());
  EXPECT_THROW(age::decrypt_file(dir / "secret.age", dir / "wrong", other.ids), age::error);
  std::string cipher = read_file(dir / "secret.age");
  write_file(dir / "truncated.age", cipher.substr(0, cipher.size() - 20000));
  try {
    age::decrypt_file(dir / "truncated.age", dir / "partial", k.ids);
    FAIL();
  } catch (const age::error& e) {
    EXPECT_EQ(e.kind(), age::error_kind::payload);
  }
  auto after = list_dir(dir.path());
  after.erase(std::remove(after.begin(), after.end(), "truncated.age"), after.end());
  EXPECT_EQ(after, before) << "no output file, no temporary file left";

  EXPECT_THROW(age::decrypt_file(dir / "secret.age", dir / "out", k.ids, {.overwrite = false}), age::error);
  EXPECT_THROW(age::decrypt_file(dir / "missing.age", dir / "x", k.ids), age::error);
}

TEST(manifest, names_groups_globs_and_first_match) {
  temp_dir dir;
  const auto a = age::x25519_identity::generate().recipient().to_string();
  const auto b = age::x25519_identity::generate().recipient().to_string();
  const std::string text =
      "# who decrypts what\n"
      "alice = " + a + "\n"
      "admins = alice bob   # bob is defined below\n"
      "bob = " + b + "\n"
      "hosts/demo/*.age: admins\n"
      "**/shared.age: alice\n"
      "*.age: bob " + a + "\n";
  fs::create_directories(dir / "secrets/hosts/demo");
  write_file(dir / "secrets/recipients", text);
  const auto m = secrets::manifest::load(dir / "secrets/recipients");
  ASSERT_EQ(m.rules().size(), 3u);
  EXPECT_EQ(m.rules()[0].recipients, (std::vector<std::string>{a, b}));
  ASSERT_TRUE(m.rule_for(dir / "secrets/hosts/demo/db.age"));
  EXPECT_EQ(m.rule_for(dir / "secrets/hosts/demo/db.age")->line, 5u);
  EXPECT_EQ(m.rule_for(dir / "secrets/hosts/x/shared.age")->line, 6u);
  EXPECT_EQ(m.rule_for(dir / "secrets/shared.age")->line, 6u) << "**/ matches no directory too";
  EXPECT_EQ(m.rule_for(dir / "secrets/top.age")->recipients, (std::vector<std::string>{b, a}));
  EXPECT_EQ(m.rule_for(dir / "secrets/hosts/other/x.age"), nullptr) << "* does not cross /";
  EXPECT_EQ(m.rule_for(dir / "elsewhere.age"), nullptr);
  write_file(dir / "secrets/top.age", "x");
  write_file(dir / "secrets/hosts/demo/db.age", "x");
  write_file(dir / "secrets/notes.txt", "x");
  EXPECT_EQ(m.secrets(), (std::vector<fs::path>{dir / "secrets/hosts/demo/db.age", dir / "secrets/top.age"}));
  EXPECT_EQ(secrets::find_manifest(dir / "secrets/hosts/demo/db.age"), dir / "secrets/recipients");
  EXPECT_EQ(secrets::find_manifest(dir.path()), dir / "secrets/recipients");

  auto error_of = [&](const std::string& t) {
    try {
      secrets::manifest::parse(t, "m");
    } catch (const age::error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(error_of("x.age: carol\n"), "m:1: unknown key or group name \"carol\"");
  EXPECT_EQ(error_of("a = b\nb = a\nx: a\n"), "m:2: the definition of \"a\" refers to itself");
  EXPECT_EQ(error_of("\n\nx.age: age1notakey\n").substr(0, 4), "m:3:");
  EXPECT_EQ(error_of("just words\n"), "m:1: expected \"NAME = KEYS...\" or \"PATTERN: KEYS...\"");
  EXPECT_EQ(error_of("../x.age: " + a + "\n").substr(0, 18), "m:1: a pattern is ");
  EXPECT_EQ(error_of("a = " + a + "\na = " + b + "\n"), "m:2: \"a\" is defined twice");
}

namespace {
// Produces `size` pseudo-random bytes without holding them.
class generated_source final : public age::source {
 public:
  explicit generated_source(std::size_t size) : left_(size) {}
  std::size_t read_some(std::span<std::uint8_t> out) override {
    const std::size_t n = std::min(out.size(), left_);
    for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<std::uint8_t>((state_ = state_ * 6364136223846793005ull + 1) >> 56);
    left_ -= n;
    return n;
  }

 private:
  std::size_t left_;
  std::uint64_t state_ = 1;
};

struct counting_sink final : age::sink {
  std::size_t bytes = 0;
  void write(std::span<const std::uint8_t> d) override { bytes += d.size(); }
};

long max_rss_kib() {
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss;
}
}  // namespace

// 64 MiB through encryption and decryption: memory stays at a batch of chunks, not the file.
TEST(stream, large_files_use_bounded_memory) {
  temp_dir dir;
  key_pair k;
  const long before = max_rss_kib();
  {
    const int fd = ::open((dir / "big.age").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ASSERT_GE(fd, 0);
    age::fd_sink out(fd);
    generated_source in(64u << 20);
    age::encrypt(in, out, k.to);
    ::close(fd);
  }
  EXPECT_GT(fs::file_size(dir / "big.age"), 64u << 20);
  const int fd = ::open((dir / "big.age").c_str(), O_RDONLY);
  age::fd_source in(fd);
  counting_sink out;
  age::decrypt(in, out, k.ids);
  ::close(fd);
  EXPECT_EQ(out.bytes, 64u << 20);
  EXPECT_LT(max_rss_kib() - before, 16 * 1024) << "peak memory grew by more than 16 MiB";
}
