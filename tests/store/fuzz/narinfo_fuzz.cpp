// libFuzzer target: the narinfo parser either throws store_error or returns an info that prints
// and parses back to the same text.
#include <cairn/store/narinfo.hpp>

#include <cstdlib>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace cairn::store;
  const store_dir dir("/nix/store");
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  try {
    const auto n = parse_narinfo(in, dir, "fuzz.narinfo");
    const auto text = to_string(n, dir);
    const auto back = parse_narinfo(text, dir, "printed.narinfo");
    if (to_string(back, dir) != text) std::abort();
  } catch (const store_error&) {
  }
  return 0;
}
