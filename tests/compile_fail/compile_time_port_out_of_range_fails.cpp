// first-error: configuration_does_not_evaluate<.*A definition for option `services.openssh.ports.\\"\[definition 1-entry 1\]\\"\\\' is not of type `16 bit unsigned integer; between 0 and 65535 \(both inclusive\)
// A port of 70000 at compile time.
#include <cairn/compile_time.hpp>
#include <modules/system/services/openssh.hpp>
#include <modules/system/time.hpp>
#include <modules/system/users.hpp>

using namespace cairn::modules;
using cairn::mk_force;

struct host {
  static constexpr cairn::meta meta{.hostname = "test"};
  using imports = cairn::imports<services::openssh::module, time::module, users::module>;
  static constexpr void config(cairn::definitions& d) {
    d.set(services::openssh::enable, true);
    d.set(services::openssh::ports, {70000});
  }
};

CAIRN_CHECK_AT_COMPILE_TIME(host);

int main() { return 0; }
