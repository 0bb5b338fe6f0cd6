// libFuzzer target: the age header parser, the armor decoder and the whole decryption path.
// Built with clang++ -fsanitize=fuzzer,address,undefined (see CMakeLists.txt) and run for a
// few seconds by the test suite. Any exception other than age::error is a finding (for
// example Botan's Internal_Error on short AEAD inputs), and so is a parsed header that
// does not serialise back to its input.
#include <cairn/age.hpp>

#include <cstdlib>

namespace age = cairn::age;

namespace {
// The seeds in fuzz-seeds/ are encrypted to this identity (or with passphrase "fuzz" at
// work factor 2), so the fuzzer reaches the payload code too.
const std::vector<age::identity_ptr>& identities() {
  static const std::vector<age::identity_ptr> ids{
      age::parse_identity("AGE-SECRET-KEY-1GFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPQ4EGAEX"),
      std::make_shared<age::scrypt_identity>("fuzz", 4)};
  return ids;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const age::header h = age::parse_header(text);
    const std::string again = age::serialize(h);
    if (text.substr(0, again.size()) != again) std::abort();  // parsing must be canonical
  } catch (const age::error&) {
  }
  try {
    age::memory_source in(text);
    age::armor_reader armor(in);
    std::uint8_t buf[4096];
    while (armor.read_some(buf) != 0) {
    }
  } catch (const age::error&) {
  }
  try {
    age::memory_source in(text);
    age::bytes_sink out;
    age::decrypt(in, out, identities());
  } catch (const age::error&) {
  }
  return 0;
}
