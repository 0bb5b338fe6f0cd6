// modules/system/time.hpp: the time zone (nixos/modules/config/locale.nix).
#pragma once

#include <cairn/fwd.hpp>

#include "environment.hpp"

namespace cairn::modules::time {

inline constexpr option<"time.timeZone", types::null_or<types::str>> time_zone{{
    .default_value = null,
    .description = "The time zone used when displaying times and dates. If null, UTC.",
    .example = R"("America/New_York")",
}};

struct module {
  using imports = cairn::imports<environment::module>;
  static constexpr auto options = declare(time_zone);

  static constexpr void config(definitions& d) {
    auto zone = [](const cairn::config& c) { return c[time_zone].value_or("UTC"); };
    d.set(environment::etc_entry::text("timezone"), [zone](const cairn::config& c) { return zone(c) + "\n"; });
    d.set(environment::etc_entry::source("localtime"),
          [zone](const cairn::config& c) { return "/usr/share/zoneinfo/" + zone(c); });
    // A base system has both; cairn takes them over (and gives them back if it stops managing them).
    d.set(environment::etc_entry::replace_existing("timezone"), true);
    d.set(environment::etc_entry::replace_existing("localtime"), true);
  }
};

}  // namespace cairn::modules::time

CAIRN_LIBRARY_MODULE(cairn::modules::time::module)
