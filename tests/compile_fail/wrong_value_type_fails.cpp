// first-error: option<cairn::fixed_string<[0-9]+>\{"services.openssh.settings.X11Forwarding"\}>::expects<cairn::fixed_string<[0-9]+>\{"boolean"\}>::but_was_given<const char\*>
// max-lines: 20
// A value of the wrong type: the first error line names the option and what it expects.
#include <cairn/fwd.hpp>
#include <modules/system/networking.hpp>
#include <modules/system/services/openssh.hpp>
#include <modules/system/time.hpp>

using namespace cairn::modules;

struct host {
  using imports = cairn::imports<services::openssh::module, networking::module, time::module>;
  static constexpr void config(cairn::definitions& d) {
    d.set(services::openssh::settings::x11_forwarding, "yes");
  }
};

int main() { return 0; }
