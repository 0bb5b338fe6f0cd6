// The twin of compile_time_option_not_imported_fails: it compiles.
#include <cairn/compile_time.hpp>
#include <modules/system/services/openssh.hpp>
#include <modules/system/time.hpp>
#include <modules/system/users.hpp>

using namespace cairn::modules;
using cairn::mk_force;

namespace motd {
inline constexpr cairn::option<"motd.text", cairn::types::str> text{{.default_value = "hi"}};
struct module { static constexpr auto options = cairn::declare(text); };
}  // namespace motd

struct host {
  static constexpr cairn::meta meta{.hostname = "test"};
  using imports = cairn::imports<services::openssh::module, time::module, users::module, motd::module>;
  static constexpr void config(cairn::definitions& d) {
    d.set(motd::text, "hello");
  }
};

CAIRN_CHECK_AT_COMPILE_TIME(host);

int main() { return 0; }
