// first-error: static assertion failed: cairn: the config cannot be read while definitions are registered \(NixOS: infinite recursion\)
// Reading the config while registering: NixOS's infinite recursion, caught by the compiler.
#include <cairn/fwd.hpp>
#include <modules/system/networking.hpp>
#include <modules/system/services/openssh.hpp>
#include <modules/system/time.hpp>

using namespace cairn::modules;

struct host {
  using imports = cairn::imports<services::openssh::module, networking::module, time::module>;
  static constexpr void config(cairn::definitions& d) {
    auto ports = d[services::openssh::ports]; (void)ports;
  }
};

int main() { return 0; }
