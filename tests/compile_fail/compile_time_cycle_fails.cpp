// first-error: configuration_does_not_evaluate<.*infinite recursion encountered: the value of `loop.a\\' depends on itself: \|   `loop.a\\' -> `loop.b\\' -> `loop.a\\'
// A cycle at compile time, with the option paths on it in order.
#include <cairn/compile_time.hpp>
#include <modules/system/services/openssh.hpp>
#include <modules/system/time.hpp>
#include <modules/system/users.hpp>

using namespace cairn::modules;
using cairn::mk_force;

namespace loop {
inline constexpr cairn::option<"loop.a", cairn::types::int_> a{{}};
inline constexpr cairn::option<"loop.b", cairn::types::int_> b{{}};
struct module {
  static constexpr auto options = cairn::declare(a, b);
  static constexpr void config(cairn::definitions& d) {
    d.set(a, [](const cairn::config& c) { return c[b] + 1; });
  }
};
}  // namespace loop

struct host {
  static constexpr cairn::meta meta{.hostname = "test"};
  using imports = cairn::imports<services::openssh::module, time::module, users::module, loop::module>;
  static constexpr void config(cairn::definitions& d) {
    d.set(loop::b, [](const cairn::config& c) { return c[loop::a] + 1; });
  }
};

CAIRN_CHECK_AT_COMPILE_TIME(host);

int main() { return 0; }
