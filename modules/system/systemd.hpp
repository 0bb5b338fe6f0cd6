// modules/system/systemd.hpp: systemd services and units (nixos/modules/system/boot/systemd.nix).
//
//   d.set(systemd::service::description("sshd"), "SSH daemon");
//   d.set(systemd::service::wanted_by("sshd"), {"multi-user.target"});
//   d.set(systemd::service::service_config("sshd", "ExecStart"), "/usr/sbin/sshd -D");
//
// Each enabled service becomes a unit in systemd.units ("sshd.service": its text and the
// targets that want it). The generation installs every unit under /etc/systemd/system with its
// <target>.wants/ links; the restart/reload triggers and switch behaviour are written into the
// unit as NixOS does (X-Restart-Triggers=, X-StopIfChanged=, ...), so that activation decides
// from the files alone what to stop, start, restart or reload.
#pragma once

#include <cairn/fwd.hpp>

#include "assertions.hpp"


namespace cairn::modules::systemd {

// A unit setting: a string, a number, a boolean, or several values (one line each).
using unit_option = types::one_of<types::str, types::int_, types::bool_, types::list_of<types::str>>;

inline constexpr option<"systemd.services", types::attrs_of<types::submodule>> services{{
    .description = "Definition of systemd service units.",
}};

namespace service {
inline constexpr option<"systemd.services.<name>.enable", types::bool_> enable{{
    .default_value = true,
    .description = "If set to false, this unit will be a symlink to /dev/null.",
}};
inline constexpr option<"systemd.services.<name>.description", types::single_line_str> description{{
    .default_value = "",
    .description = "Description of this unit used in systemd messages and progress indicators.",
}};
inline constexpr option<"systemd.services.<name>.wantedBy", types::list_of<types::str>> wanted_by{{
    .description = "Units that want (i.e. depend on) this unit.",
}};
inline constexpr option<"systemd.services.<name>.wants", types::list_of<types::str>> wants{{
    .description = "Start the specified units when this unit is started.",
}};
inline constexpr option<"systemd.services.<name>.requires", types::list_of<types::str>> requires_{{
    .description = "Start the specified units when this unit is started, and stop this unit when the "
                   "specified units are stopped or fail.",
}};
inline constexpr option<"systemd.services.<name>.after", types::list_of<types::str>> after{{
    .description = "If the specified units are started at the same time as this unit, delay this unit "
                   "until they have started.",
}};
inline constexpr option<"systemd.services.<name>.before", types::list_of<types::str>> before{{
    .description = "If the specified units are started at the same time as this unit, delay them until "
                   "this unit has started.",
}};
inline constexpr option<"systemd.services.<name>.environment", types::attrs_of<types::str>> environment{{
    .description = "Environment variables passed to the service's processes.",
}};
inline constexpr option<"systemd.services.<name>.unitConfig", types::attrs_of<unit_option>> unit_config{{
    .description = "Each attribute in this set specifies an option in the [Unit] section of the unit.",
}};
inline constexpr option<"systemd.services.<name>.serviceConfig", types::attrs_of<unit_option>> service_config{{
    .description = "Each attribute in this set specifies an option in the [Service] section of the unit.",
}};
inline constexpr option<"systemd.services.<name>.restartTriggers", types::list_of<types::str>> restart_triggers{{
    .description = "When any of these change between generations, the service is restarted.",
}};
inline constexpr option<"systemd.services.<name>.reloadTriggers", types::list_of<types::str>> reload_triggers{{
    .description = "When any of these change between generations, the service is reloaded.",
}};
inline constexpr option<"systemd.services.<name>.restartIfChanged", types::bool_> restart_if_changed{{
    .default_value = true,
    .description = "Whether the service should be restarted during a switch if its definition changed.",
}};
inline constexpr option<"systemd.services.<name>.stopIfChanged", types::bool_> stop_if_changed{{
    .default_value = true,
    .description = "If true, a changed service is stopped before activation and started after it; "
                   "if false, it is restarted once after activation.",
}};
inline constexpr option<"systemd.services.<name>.overrideStrategy", types::enum_<"asDropinIfExists", "asDropin">>
    override_strategy{{
        .default_value = "asDropinIfExists",
        .description = "How the unit is written: \"asDropin\" as a drop-in, <name>.service.d/overrides.conf, "
                       "that adds to a unit the base system ships (Debian's systemd-journald.service); "
                       "\"asDropinIfExists\" as a unit file of cairn's own (cairn does not see the base "
                       "system's units when it evaluates: use asDropin for one of them).",
    }};
inline constexpr option<"systemd.services.<name>.reloadIfChanged", types::bool_> reload_if_changed{{
    .default_value = false,
    .description = "Whether the service should be reloaded rather than restarted when its definition "
                   "changed.",
}};
}  // namespace service

inline constexpr option<"systemd.units", types::attrs_of<types::submodule>> units{{
    .description = "Definition of systemd units, by unit file name (`sshd.service`).",
}};

namespace unit {
inline constexpr option<"systemd.units.<name>.text", types::str> text{{
    .default_value = "",
    .description = "Text of this systemd unit (an enabled unit needs one).",
}};
inline constexpr option<"systemd.units.<name>.enable", types::bool_> enable{{
    .default_value = true,
    .description = "If set to false, this unit will be a symlink to /dev/null (masked), also for units "
                   "the base system ships, such as Debian's ssh.service.",
}};
inline constexpr option<"systemd.units.<name>.replaceExisting", types::bool_> replace_existing{{
    .default_value = false,
    .description = "Whether a unit file cairn did not create at this name in /etc/systemd/system (a "
                   "distribution's alias, such as Debian's sshd.service), and the links of its wantedBy "
                   "targets (the distribution enabling its own unit of that name, such as Debian's "
                   "multi-user.target.wants/nginx.service), are set aside (<file>.cairn-backup; a link "
                   "to <target>.wants.cairn-backup/, where systemd does not read it), and restored when "
                   "cairn no longer defines the unit.",
}};
inline constexpr option<"systemd.units.<name>.wantedBy", types::list_of<types::str>> wanted_by{{
    .description = "Units that want (i.e. depend on) this unit: links in <target>.wants/.",
}};
inline constexpr option<"systemd.units.<name>.overrideStrategy", types::enum_<"asDropinIfExists", "asDropin">>
    override_strategy{{
        .default_value = "asDropinIfExists",
        .description = "\"asDropin\": the text is a drop-in, <name>.d/overrides.conf, for a unit the base "
                       "system ships, which keeps its own file and enablement (wantedBy must then be empty); "
                       "\"asDropinIfExists\": the text is the unit file.",
    }};
}  // namespace unit

namespace detail {

// A digest of trigger values, so that the unit file changes exactly when they do.
constexpr std::string trigger_digest(const std::vector<std::string>& values) {
  std::uint64_t h = 1469598103934665603ULL;
  for (const auto& v : values) {
    for (char ch : v) {
      h ^= static_cast<unsigned char>(ch);
      h *= 1099511628211ULL;
    }
    h ^= 0xff;
    h *= 1099511628211ULL;
  }
  constexpr char hex[] = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i, h >>= 4) out[static_cast<std::size_t>(i)] = hex[h & 15];
  return out;
}

constexpr std::string render_setting(const std::string& key, const value& v) {
  if (v.is_list()) {
    std::string out;
    for (const auto& item : v.as_list()) out += key + "=" + item.as_string() + "\n";
    return out;
  }
  if (v.is_bool()) return key + "=" + (v.as_bool() ? "true" : "false") + "\n";
  if (v.is_int()) return key + "=" + cairn::to_string(v.as_int()) + "\n";
  return key + "=" + v.as_string() + "\n";
}

constexpr std::string render_list(std::string_view key, const std::vector<std::string>& items) {
  if (items.empty()) return "";
  return std::string(key) + "=" + join(items, " ") + "\n";
}

// The unit file of systemd.services.<name>, as NixOS's serviceToUnit renders it.
constexpr std::string render_service(const cairn::config& c, const std::string& name) {
  std::string out = "[Unit]\n";
  if (auto d = c[service::description(name)]; !d.empty()) out += "Description=" + d + "\n";
  out += render_list("After", c[service::after(name)]);
  out += render_list("Before", c[service::before(name)]);
  out += render_list("Wants", c[service::wants(name)]);
  out += render_list("Requires", c[service::requires_(name)]);
  if (auto t = c[service::restart_triggers(name)]; !t.empty()) out += "X-Restart-Triggers=" + trigger_digest(t) + "\n";
  if (auto t = c[service::reload_triggers(name)]; !t.empty()) out += "X-Reload-Triggers=" + trigger_digest(t) + "\n";
  for (const auto& [key, v] : c.raw(service::unit_config(name)).as_attrs()) out += render_setting(key, v);
  out += "\n[Service]\n";
  // How a switch treats the unit when it changed, where switch-to-configuration looks.
  if (!c[service::restart_if_changed(name)]) out += "X-RestartIfChanged=false\n";
  if (!c[service::stop_if_changed(name)]) out += "X-StopIfChanged=false\n";
  if (c[service::reload_if_changed(name)]) out += "X-ReloadIfChanged=true\n";
  for (const auto& [key, v] : c.raw(service::environment(name)).as_attrs())
    out += "Environment=\"" + key + "=" + v.as_string() + "\"\n";
  for (const auto& [key, v] : c.raw(service::service_config(name)).as_attrs()) out += render_setting(key, v);
  return out;
}

}  // namespace detail

struct module {
  using imports = cairn::imports<assertions::module>;
  static constexpr auto options =
      declare(services, service::enable, service::description, service::wanted_by, service::wants, service::requires_,
              service::after, service::before, service::environment,
              service::unit_config, service::service_config, service::restart_triggers, service::reload_triggers,
              service::restart_if_changed, service::stop_if_changed, service::reload_if_changed,
              service::override_strategy, units, unit::text, unit::enable, unit::replace_existing, unit::wanted_by,
              unit::override_strategy);

  static constexpr void config(definitions& d) {
    d.set(units, [](const cairn::config& c) {
      std::vector<std::pair<std::string, attrs>> out;
      for (const auto& name : c.names(services)) {
        if (!c[service::enable(name)]) continue;
        attrs u;
        u.set("text", value(detail::render_service(c, name)));
        u.set("wantedBy", c.raw(service::wanted_by(name)));
        u.set("overrideStrategy", c.raw(service::override_strategy(name)));
        out.emplace_back(name + ".service", std::move(u));
      }
      return out;
    });
    d.set(assertions::assertions, [](const cairn::config& c) {
      list checks;
      for (const auto& name : c.names(units)) {
        attrs a;
        a.set("assertion", !c[unit::enable(name)] || !c[unit::text(name)].empty());
        a.set("message", value("systemd.units.\"" + name + "\" is enabled but has no text; set its text or disable it"));
        checks.push_back(value(std::move(a)));
        attrs drop_in;
        drop_in.set("assertion", c[unit::override_strategy(name)] != "asDropin" || c[unit::wanted_by(name)].empty());
        drop_in.set("message", value("systemd.units.\"" + name + "\" is a drop-in (overrideStrategy = \"asDropin\"): "
                                     "the base system's unit keeps its own enablement, so wantedBy must be empty"));
        checks.push_back(value(std::move(drop_in)));
      }
      return value(std::move(checks));
    });
  }
};

}  // namespace cairn::modules::systemd

CAIRN_LIBRARY_MODULE(cairn::modules::systemd::module)
