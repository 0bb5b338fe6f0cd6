// libFuzzer target: the NAR reader must reject or accept any bytes without crashing, and what
// it accepts must restore to a tree that dumps back to the same bytes.
#include <cairn/store/nar.hpp>
#include <cairn/store/nar_reader.hpp>
#include <cairn/store/restore.hpp>

#include <cstdlib>
#include <string>

#include <unistd.h>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace cairn::store;
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  nar_validator v;
  string_source src{in};
  try {
    parse_nar(src, v);
  } catch (const nar_error&) {
    return 0;
  }
  // Valid: restore and dump again; the bytes must be identical.
  static const std::string dir = [] {
    std::string t = "/tmp/cairn-nar-fuzz-XXXXXX";
    if (!::mkdtemp(t.data())) std::abort();
    return t;
  }();
  const std::string target = dir + "/out";
  detail::remove_tree(target);
  string_source again{in};
  restore_path(target, again);
  std::string out;
  string_sink sink{out};
  dump_path(target, sink);
  if (out != in) std::abort();
  detail::remove_tree(target);
  return 0;
}
