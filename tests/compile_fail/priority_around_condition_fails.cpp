// first-error: static assertion failed: cairn: a priority outside mk_if/mk_merge has no effect in NixOS; write mk_if\(condition, mk_force\(value\)\) instead
// mk_force(mk_if(...)) does nothing in NixOS: rejected, with the fix.
#include <cairn/fwd.hpp>
#include <modules/system/networking.hpp>
#include <modules/system/services/openssh.hpp>
#include <modules/system/time.hpp>

using namespace cairn::modules;

struct host {
  using imports = cairn::imports<services::openssh::module, networking::module, time::module>;
  static constexpr void config(cairn::definitions& d) {
    d.set(time::time_zone, cairn::mk_force(cairn::mk_if(true, "UTC")));
  }
};

int main() { return 0; }
