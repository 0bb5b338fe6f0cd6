// first-error: "services.openssh.ports"\}>::expects<cairn::fixed_string<[0-9]+>\{"list of 16 bit unsigned integer; between 0 and 65535 \(both inclusive\)"\}>::but_was_given<std::vector<const char\*
// A list element of the wrong type.
#include <cairn/fwd.hpp>
#include <modules/system/networking.hpp>
#include <modules/system/services/openssh.hpp>
#include <modules/system/time.hpp>

using namespace cairn::modules;

struct host {
  using imports = cairn::imports<services::openssh::module, networking::module, time::module>;
  static constexpr void config(cairn::definitions& d) {
    d.set(services::openssh::ports, {"2222"});
  }
};

int main() { return 0; }
