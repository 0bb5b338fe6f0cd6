// modules/system/timers.hpp: systemd timer units, and services started on a calendar
// (systemd.timers and systemd.services.<name>.startAt of nixos/modules/system/boot/systemd.nix).
//
//   d.set(systemd::timer::timer_config("backup", "OnCalendar"), "daily");
//   d.set(systemd::timer::timer_config("backup", "Persistent"), true);
//   d.set(systemd::timer::wanted_by("backup"), {"timers.target"});
//   d.set(systemd::service::start_at("logrotate"), {"hourly"});   // the same, in one line
//
// Each enabled timer becomes "<name>.timer" in systemd.units, next to the services, and so is
// installed with its <target>.wants/ links; by default it starts "<name>.service".
#pragma once

#include <cairn/fwd.hpp>

#include "systemd.hpp"

namespace cairn::modules::systemd {

inline constexpr option<"systemd.timers", types::attrs_of<types::submodule>> timers{{
    .description = "Definition of systemd timer units.",
}};

namespace timer {
inline constexpr option<"systemd.timers.<name>.enable", types::bool_> enable{{
    .default_value = true,
    .description = "If set to false, this unit will be a symlink to /dev/null.",
}};
inline constexpr option<"systemd.timers.<name>.description", types::single_line_str> description{{
    .default_value = "",
    .description = "Description of this unit used in systemd messages and progress indicators.",
}};
inline constexpr option<"systemd.timers.<name>.wantedBy", types::list_of<types::str>> wanted_by{{
    .description = "Units that want (i.e. depend on) this unit.",
    .example = R"({"timers.target"})",
}};
inline constexpr option<"systemd.timers.<name>.unitConfig", types::attrs_of<unit_option>> unit_config{{
    .description = "Each attribute in this set specifies an option in the [Unit] section of the unit.",
}};
inline constexpr option<"systemd.timers.<name>.timerConfig", types::attrs_of<unit_option>> timer_config{{
    .description = "Each attribute in this set specifies an option in the `[Timer]` section of the unit. "
                   "See {manpage}`systemd.timer(5)` and {manpage}`systemd.time(7)` for details.",
    .example = R"({{"OnCalendar", "Sun 14:00:00"}, {"Unit", "foo.service"}})",
}};
}  // namespace timer

namespace service {
inline constexpr option<"systemd.services.<name>.startAt", types::list_of<types::str>> start_at{{
    .description = "Automatically start this unit at the given date/time, which must be in the format "
                   "described in {manpage}`systemd.time(7)`. This is equivalent to adding a corresponding "
                   "timer unit with {option}`OnCalendar` set to the value given here.",
    .example = R"({"Sun 14:00:00"})",
}};
}  // namespace service

namespace detail {

// The unit file of systemd.timers.<name>, as NixOS's timerToUnit renders it.
constexpr std::string render_timer(const cairn::config& c, const std::string& name) {
  std::string out = "[Unit]\n";
  if (auto d = c[timer::description(name)]; !d.empty()) out += "Description=" + d + "\n";
  for (const auto& [key, v] : c.raw(timer::unit_config(name)).as_attrs()) out += render_setting(key, v);
  out += "\n[Timer]\n";
  for (const auto& [key, v] : c.raw(timer::timer_config(name)).as_attrs()) out += render_setting(key, v);
  return out;
}

}  // namespace detail

namespace timer {

struct module {
  using imports = cairn::imports<systemd::module>;
  static constexpr auto options = declare(timers, enable, description, wanted_by, unit_config, timer_config,
                                          service::start_at);

  static constexpr void config(definitions& d) {
    // startAt: a timer of the service's name, wanted by timers.target.
    d.set(timers, [](const cairn::config& c) {
      std::vector<std::pair<std::string, attrs>> out;
      for (const auto& name : c.names(services)) {
        auto at = c.raw(service::start_at(name));
        if (!c[service::enable(name)] || at.as_list().empty()) continue;
        attrs settings;
        settings.set("OnCalendar", at);
        attrs t;
        t.set("wantedBy", value(list{value("timers.target")}));
        t.set("timerConfig", value(std::move(settings)));
        out.emplace_back(name, std::move(t));
      }
      return out;
    });
    d.set(units, [](const cairn::config& c) {
      std::vector<std::pair<std::string, attrs>> out;
      for (const auto& name : c.names(timers)) {
        if (!c[enable(name)]) continue;
        attrs u;
        u.set("text", value(detail::render_timer(c, name)));
        u.set("wantedBy", c.raw(wanted_by(name)));
        out.emplace_back(name + ".timer", std::move(u));
      }
      return out;
    });
  }
};

}  // namespace timer

}  // namespace cairn::modules::systemd

CAIRN_LIBRARY_MODULE(cairn::modules::systemd::timer::module)
