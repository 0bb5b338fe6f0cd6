// The demo host after a one-line change (its message of the day): what a second deploy sends is
// the changed paths only (/etc, the toplevel), not the closure again.
#include <cairn/host.hpp>

#include <hosts/demo/demo.hpp>

namespace tests {

struct demo_motd {
  static constexpr cairn::meta meta = hosts::demo::meta;
  using imports = cairn::imports<hosts::demo>;

  static constexpr void config(cairn::definitions& d) {
    d.set(cairn::modules::environment::etc_entry::text("motd"), cairn::mk_force("Welcome to demo, deployed by cairn.\n"));
  }
};

}  // namespace tests

CAIRN_HOST(tests::demo_motd)
