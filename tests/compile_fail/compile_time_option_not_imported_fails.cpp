// first-error: configuration_does_not_evaluate<.*The option `motd\\' does not exist. .*Did you mean `time\\', `systemd\\' or `users\\'?
// An option whose module is not imported does not exist.
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
  using imports = cairn::imports<services::openssh::module, time::module, users::module>;
  static constexpr void config(cairn::definitions& d) {
    d.set(motd::text, "hello");
  }
};

CAIRN_CHECK_AT_COMPILE_TIME(host);

int main() { return 0; }
