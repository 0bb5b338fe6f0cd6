// The twin of wrong_function_result_fails: it compiles.
#include <cairn/fwd.hpp>
#include <modules/system/networking.hpp>
#include <modules/system/services/openssh.hpp>
#include <modules/system/time.hpp>

using namespace cairn::modules;

struct host {
  using imports = cairn::imports<services::openssh::module, networking::module, time::module>;
  static constexpr void config(cairn::definitions& d) {
    d.set(networking::host_name, [](const cairn::config&) { return "42"; });
  }
};

int main() { return 0; }
