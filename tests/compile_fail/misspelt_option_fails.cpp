// first-error: 'prots' is not a member of 'cairn::modules::services::openssh'; did you mean 'ports'\?
// max-lines: 12
// A misspelt option is the compiler's own error, with its suggestion.
#include <cairn/fwd.hpp>
#include <modules/system/networking.hpp>
#include <modules/system/services/openssh.hpp>
#include <modules/system/time.hpp>

using namespace cairn::modules;

struct host {
  using imports = cairn::imports<services::openssh::module, networking::module, time::module>;
  static constexpr void config(cairn::definitions& d) {
    d.set(services::openssh::prots, {2222});
  }
};

int main() { return 0; }
