// modules/system/console.hpp: the virtual console's keymap and font, /etc/vconsole.conf
// (nixos/modules/config/console.nix).
//
//   d.set(console::key_map, "de-latin1");
//   d.set(console::font, "Lat2-Terminus16");
//
// systemd-vconsole-setup reads the file at boot and hands it to loadkeys and setfont; the keymaps
// come from the base system (Debian's console-data or kbd), as their names say.
#pragma once

#include <cairn/fwd.hpp>

#include "environment.hpp"

namespace cairn::modules::console {

inline constexpr option<"console.keyMap", types::str> key_map{{
    .default_value = "us",
    .description = "The keyboard mapping table for the virtual consoles.",
    .example = R"("fr")",
}};

inline constexpr option<"console.font", types::null_or<types::str>> font{{
    .default_value = null,
    .description = "The font used for the virtual consoles. Can be `null`, a font name, or a path to a "
                   "PSF font file. Use `null` to let the kernel choose a built-in font.",
    .example = R"("LatArCyrHeb-16")",
}};

// The text of /etc/vconsole.conf, as NixOS's writeText renders it (a blank line without a font).
constexpr std::string render_vconsole_conf(const cairn::config& c) {
  std::string out = "KEYMAP=" + c[key_map] + "\n";
  if (auto f = c[font]) out += "FONT=" + *f;
  return out + "\n";
}

struct module {
  using imports = cairn::imports<environment::module>;
  static constexpr auto options = declare(key_map, font);

  static constexpr void config(definitions& d) {
    d.set(environment::etc_entry::text("vconsole.conf"), render_vconsole_conf);
    // A base system may have one (localectl writes it); cairn takes it over.
    d.set(environment::etc_entry::replace_existing("vconsole.conf"), true);
  }
};

}  // namespace cairn::modules::console

CAIRN_LIBRARY_MODULE(cairn::modules::console::module)
