// A host whose configuration does not evaluate: two modules disagree on the time zone.
#include <cairn/host.hpp>

#include <modules/system/time.hpp>

using namespace cairn::modules;

struct office {
  static constexpr void config(cairn::definitions& d) { d.set(time::time_zone, "Europe/Oslo"); }
};

struct broken {
  static constexpr cairn::meta meta{.hostname = "broken"};
  using imports = cairn::imports<time::module, office>;
  static constexpr void config(cairn::definitions& d) { d.set(time::time_zone, "Europe/Paris"); }
};

CAIRN_HOST(broken)
