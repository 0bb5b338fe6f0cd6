// The twin of compile_time_read_only_fails: it compiles.
#include <cairn/compile_time.hpp>
#include <modules/system/services/openssh.hpp>
#include <modules/system/time.hpp>
#include <modules/system/users.hpp>

using namespace cairn::modules;
using cairn::mk_force;

namespace version {
inline constexpr cairn::option<"system.version", cairn::types::str> text{{.default_value = "1", .read_only = true}};
struct module { static constexpr auto options = cairn::declare(text); };
}  // namespace version

struct host {
  static constexpr cairn::meta meta{.hostname = "test"};
  using imports = cairn::imports<services::openssh::module, time::module, users::module, version::module>;
  static constexpr void config(cairn::definitions& d) {
    (void)version::text;
  }
};

CAIRN_CHECK_AT_COMPILE_TIME(host);

int main() { return 0; }
