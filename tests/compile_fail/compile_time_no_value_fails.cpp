// first-error: configuration_does_not_evaluate<.*The option `site.domain\\' was accessed but has no value defined. Try setting the option.
// An option without default that nobody defines.
#include <cairn/compile_time.hpp>
#include <modules/system/services/openssh.hpp>
#include <modules/system/time.hpp>
#include <modules/system/users.hpp>

using namespace cairn::modules;
using cairn::mk_force;

namespace site {
inline constexpr cairn::option<"site.domain", cairn::types::str> domain{{.description = "No default."}};
struct module { static constexpr auto options = cairn::declare(domain); };
}  // namespace site

struct host {
  static constexpr cairn::meta meta{.hostname = "test"};
  using imports = cairn::imports<services::openssh::module, time::module, users::module, site::module>;
  static constexpr void config(cairn::definitions& d) {
    (void)site::domain;
  }
};

CAIRN_CHECK_AT_COMPILE_TIME(host);

int main() { return 0; }
