// modules/system/i18n.hpp: the system's locale, /etc/locale.conf (nixos/modules/config/i18n.nix).
//
//   d.set(i18n::default_locale, "de_DE.UTF-8");
//   d.set(i18n::extra_locale_settings("LC_TIME"), "en_GB.UTF-8");
//
// systemd (PID 1, logins, localectl) reads the file. The locales themselves come from the base
// system (Debian's locales or locales-all): i18n.supportedLocales is not offered.
#pragma once

#include <cairn/fwd.hpp>

#include "environment.hpp"

namespace cairn::modules::i18n {

inline constexpr option<"i18n.defaultLocale", types::str> default_locale{{
    .default_value = "en_US.UTF-8",
    .description = "The default locale. It determines the language for program messages, the format for "
                   "dates and times, sort order, and so on. It also determines the character set, such as "
                   "UTF-8.",
    .example = R"("nl_NL.UTF-8")",
}};

inline constexpr option<"i18n.extraLocaleSettings", types::attrs_of<types::str>> extra_locale_settings{{
    .description = "A set of additional system-wide locale settings other than `LANG` which can be "
                   "configured with {option}`i18n.defaultLocale`.",
    .example = R"({{"LC_MESSAGES", "en_US.UTF-8"}, {"LC_TIME", "de_DE.UTF-8"}})",
}};

// The text of /etc/locale.conf, as NixOS's writeText renders it (a blank line closes it).
constexpr std::string render_locale_conf(const cairn::config& c) {
  std::vector<std::string> lines;
  for (const auto& [key, v] : c.raw(extra_locale_settings).as_attrs()) lines.push_back(key + "=" + v.as_string());
  return "LANG=" + c[default_locale] + "\n" + cairn::join(lines, "\n") + "\n";
}

struct module {
  using imports = cairn::imports<environment::module>;
  static constexpr auto options = declare(default_locale, extra_locale_settings);

  static constexpr void config(definitions& d) {
    d.set(environment::etc_entry::text("locale.conf"), render_locale_conf);
    // A base system may have one (localectl writes it); cairn takes it over.
    d.set(environment::etc_entry::replace_existing("locale.conf"), true);
  }
};

}  // namespace cairn::modules::i18n

CAIRN_LIBRARY_MODULE(cairn::modules::i18n::module)
