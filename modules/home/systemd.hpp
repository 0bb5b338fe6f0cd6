// modules/home/systemd.hpp: the user's systemd services (home-manager's modules/systemd.nix).
//
//   d.set(home::systemd::service::unit("backup", "Description"), "Nightly backup");
//   d.set(home::systemd::service::service("backup", "ExecStart"), "%h/bin/backup");
//   d.set(home::systemd::service::install("backup", "WantedBy"), {"default.target"});
//
// Each service becomes ~/.config/systemd/user/<name>.service, and for every target of its
// Install.WantedBy the same text in ~/.config/systemd/user/<target>.wants/<name>.service,
// where home-manager links the unit (what systemd reads is the same either way).
#pragma once

#include <cairn/fwd.hpp>

#include "home.hpp"
#include "xdg.hpp"

namespace cairn::modules::home::systemd {

// A unit setting: a string, a number, a boolean, or several values (one line each).
using unit_option = types::one_of<types::str, types::int_, types::bool_, types::list_of<types::str>>;

inline constexpr option<"systemd.user.services", types::attrs_of<types::submodule>> services{{
    .description = "Definition of systemd per-user service units.",
}};

namespace service {
inline constexpr option<"systemd.user.services.<name>.Unit", types::attrs_of<unit_option>> unit{{
    .description = "The [Unit] section of the unit, as systemd.unit(5) names its settings.",
    .example = R"({{"Description", "Example description"}})",
}};
inline constexpr option<"systemd.user.services.<name>.Service", types::attrs_of<unit_option>> service{{
    .description = "The [Service] section of the unit, as systemd.service(5) names its settings.",
    .example = R"({{"ExecStart", "%h/bin/backup"}})",
}};
inline constexpr option<"systemd.user.services.<name>.Install", types::attrs_of<unit_option>> install{{
    .description = "The [Install] section of the unit; each target of WantedBy gets a "
                   "<target>.wants/ entry.",
    .example = R"({{"WantedBy", {"default.target"}}})",
}};
}  // namespace service

namespace detail {

constexpr std::string render_section(std::string_view name, const value& settings) {
  if (settings.as_attrs().empty()) return "";
  std::string out = "[" + std::string(name) + "]\n";
  for (const auto& [key, v] : settings.as_attrs()) {
    if (v.is_list()) {
      for (const auto& item : v.as_list()) out += key + "=" + item.as_string() + "\n";
    } else if (v.is_bool()) {
      out += key + "=" + (v.as_bool() ? "true" : "false") + "\n";
    } else if (v.is_int()) {
      out += key + "=" + cairn::to_string(v.as_int()) + "\n";
    } else {
      out += key + "=" + v.as_string() + "\n";
    }
  }
  return out;
}

constexpr std::string render_service(const cairn::config& c, const std::string& name) {
  std::vector<std::string> sections;
  if (auto s = render_section("Unit", c.raw(service::unit(name))); !s.empty()) sections.push_back(s);
  if (auto s = render_section("Service", c.raw(service::service(name))); !s.empty()) sections.push_back(s);
  if (auto s = render_section("Install", c.raw(service::install(name))); !s.empty()) sections.push_back(s);
  return cairn::join(sections, "\n");
}

// The targets that want a service: Install.WantedBy, one name or several.
constexpr std::vector<std::string> wanted_by(const cairn::config& c, const std::string& name) {
  std::vector<std::string> out;
  const value* w = c.raw(service::install(name)).as_attrs().find("WantedBy");
  if (w == nullptr) return out;
  if (w->is_list()) {
    for (const auto& item : w->as_list()) out.push_back(item.as_string());
  } else if (w->is_string()) {
    for (const auto& t : cairn::detail::split(w->as_string(), ' '))
      if (!t.empty()) out.push_back(t);
  }
  return out;
}

}  // namespace detail

struct module {
  using imports = cairn::imports<home::module, xdg::module>;
  static constexpr auto options = declare(services, service::unit, service::service, service::install);

  static constexpr void config(definitions& d) {
    d.set(xdg::config_file, [](const cairn::config& c) {
      std::vector<std::pair<std::string, attrs>> out;
      for (const auto& name : c.names(services)) {
        const std::string text = detail::render_service(c, name);
        attrs f;
        f.set("text", value(text));
        out.emplace_back("systemd/user/" + name + ".service", f);
        for (const auto& target : detail::wanted_by(c, name))
          out.emplace_back("systemd/user/" + target + ".wants/" + name + ".service", f);
      }
      return out;
    });
  }
};

}  // namespace cairn::modules::home::systemd

CAIRN_LIBRARY_MODULE(cairn::modules::home::systemd::module)
