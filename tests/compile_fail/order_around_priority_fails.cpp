// first-error: static assertion failed: cairn: an order around a priority hides the priority in NixOS; write mk_force\(mk_before\(value\)\) instead
// mk_before(mk_force(...)) hides the priority in NixOS: rejected, with the fix.
#include <cairn/fwd.hpp>
#include <modules/system/networking.hpp>
#include <modules/system/services/openssh.hpp>
#include <modules/system/time.hpp>

using namespace cairn::modules;

struct host {
  using imports = cairn::imports<services::openssh::module, networking::module, time::module>;
  static constexpr void config(cairn::definitions& d) {
    d.set(services::openssh::ports, cairn::mk_before(cairn::mk_force({22})));
  }
};

int main() { return 0; }
