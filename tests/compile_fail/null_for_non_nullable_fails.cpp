// first-error: "networking.hostName"\}>::expects<cairn::fixed_string<[0-9]+>\{"string"\}>::but_was_given<cairn::null_t>
// null for an option that is not null_or.
#include <cairn/fwd.hpp>
#include <modules/system/networking.hpp>
#include <modules/system/services/openssh.hpp>
#include <modules/system/time.hpp>

using namespace cairn::modules;

struct host {
  using imports = cairn::imports<services::openssh::module, networking::module, time::module>;
  static constexpr void config(cairn::definitions& d) {
    d.set(networking::host_name, cairn::null);
  }
};

int main() { return 0; }
