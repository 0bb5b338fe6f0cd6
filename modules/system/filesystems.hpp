// modules/system/filesystems.hpp: the file systems to mount and the swap devices, /etc/fstab as
// NixOS writes it (nixos/modules/tasks/filesystems.nix, nixos/modules/config/swap.nix).
//
//   d.set(file_systems::file_system::device("/"), "/dev/disk/by-label/nixos");
//   d.set(file_systems::file_system::fs_type("/"), "ext4");
//   d.set(file_systems::file_system::options("/data"), {"noatime", "nofail"});
//   d.set(file_systems::swap_devices, {"/dev/disk/by-label/swap"});
//
// fileSystems are listed in byte order of their names, so a mount point comes before those below
// it. NixOS's swapDevices is a list of submodules, which cairn's types do not have: here it is
// the list of their devices, each rendered with NixOS's default options ("defaults"). /etc/fstab
// is written only when a file system or a swap device is defined, so that importing the module
// never leaves a machine with an empty fstab; then it replaces the base system's.
#pragma once

#include <cairn/fwd.hpp>
#include <cairn/strings.hpp>

#include "assertions.hpp"
#include "environment.hpp"

namespace cairn::modules::file_systems {

inline constexpr option<"fileSystems", types::attrs_of<types::submodule>> file_systems{{
    .description = "The file systems to be mounted. It must include an entry for the root directory "
                   "(`mountPoint = \"/\"`). Each entry in the list is an attribute set with the "
                   "following fields: `mountPoint`, `device`, `fsType` (a file system type recognised "
                   "by {command}`mount`; defaults to `\"auto\"`), and `options` (the mount options "
                   "passed to {command}`mount` using the {option}`-o` flag; defaults to "
                   "`[ \"defaults\" ]`).",
    .example = R"({{"/", {{"device", "/dev/hda1"}}}, {"/data", {{"device", "/dev/hda2"}, {"fsType", "ext3"}}}})",
}};

namespace file_system {
inline constexpr option<"fileSystems.<name>.mountPoint", types::non_empty_str> mount_point{{
    .description = "Location of the mounted file system.",
    .example = R"("/mnt/usb")",
    .default_text = "<name>",
}};
inline constexpr option<"fileSystems.<name>.device", types::null_or<types::non_empty_str>> device{{
    .default_value = null,
    .description = "Location of the device.",
    .example = R"("/dev/sda")",
}};
inline constexpr option<"fileSystems.<name>.label", types::null_or<types::non_empty_str>> label{{
    .default_value = null,
    .description = "Label of the device (if any).",
    .example = R"("root-partition")",
}};
inline constexpr option<"fileSystems.<name>.fsType", types::non_empty_str> fs_type{{
    .default_value = "auto",
    .description = "Type of the file system.",
    .example = R"("ext3")",
}};
inline constexpr option<"fileSystems.<name>.options", types::list_of<types::non_empty_str>> options{{
    .description = "Options used to mount the file system. Defaults to `defaults` when none is given.",
    .example = R"({"data=journal"})",
}};
inline constexpr option<"fileSystems.<name>.noCheck", types::bool_> no_check{{
    .default_value = false,
    .description = "Disable running fsck on this filesystem.",
}};
}  // namespace file_system

inline constexpr option<"swapDevices", types::list_of<types::non_empty_str>> swap_devices{{
    .description = "The swap devices and swap files. These must have been initialised using "
                   "{command}`mkswap`. (NixOS: a list of { device, ... }; here the devices.)",
    .example = R"({"/dev/disk/by-label/swap", "/var/swapfile"})",
}};

namespace detail {

// Spaces and tabs in fstab fields, as NixOS escapes them.
constexpr std::string escape(const std::string& s) {
  std::string out;
  for (char ch : s) {
    if (ch == ' ') out += "\\040";
    else if (ch == '\t') out += "\\011";
    else out += ch;
  }
  return out;
}

// fsck's pass: file systems fsck cannot or need not check get 0 (NixOS's fsToSkipCheck).
constexpr bool skip_check(const cairn::config& c, const std::string& name, const std::vector<std::string>& options) {
  constexpr std::string_view unchecked[] = {"none", "auto", "overlay", "iso9660", "bindfs", "udf", "btrfs", "zfs",
                                            "tmpfs", "bcachefs", "nfs", "nfs4", "nilfs2", "vboxsf", "squashfs",
                                            "glusterfs", "apfs", "9p", "cifs", "prl_fs", "vmhgfs"};
  if (c[file_system::no_check(name)]) return true;
  if (c[file_system::device(name)].value_or("") == "none") return true;
  for (auto t : unchecked)
    if (c[file_system::fs_type(name)] == t) return true;
  for (const auto& o : options)
    if (o == "bind") return true;
  return false;
}

}  // namespace detail

// The text of /etc/fstab.
constexpr std::string render_fstab(const cairn::config& c) {
  std::string out = "# This is a generated file.  Do not edit!\n"
                    "#\n"
                    "# To make changes, edit the fileSystems and swapDevices options\n"
                    "# of the host's cairn configuration.\n"
                    "#\n"
                    "# <file system> <mount point>   <type>  <options>       <dump>  <pass>\n"
                    "\n"
                    "# Filesystems.\n";
  for (const auto& name : c.names(file_systems)) {
    std::string source;
    if (auto dev = c[file_system::device(name)]) source = detail::escape(*dev);
    else if (auto label = c[file_system::label(name)]) source = "/dev/disk/by-label/" + detail::escape(*label);
    else continue;  // an assertion says so
    std::vector<std::string> options = c[file_system::options(name)];
    if (options.empty()) options.push_back("defaults");
    const std::string mount_point = c[file_system::mount_point(name)];
    std::string pass = "2";
    if (detail::skip_check(c, name, options)) pass = "0";
    else if (mount_point == "/") pass = "1";
    out += source + " " + detail::escape(mount_point) + " " + c[file_system::fs_type(name)] + " " +
           detail::escape(cairn::join(options, ",")) + " 0 " + pass + "\n";
  }
  out += "\n\n# Swap devices.\n";
  for (const auto& device : c[swap_devices]) out += device + " none swap defaults\n";
  out += "\n";
  return out;
}

struct module {
  using imports = cairn::imports<assertions::module, environment::module>;
  static constexpr auto options =
      declare(file_systems, file_system::mount_point, file_system::device, file_system::label,
              file_system::fs_type, file_system::options, file_system::no_check, swap_devices);

  static constexpr void config(definitions& d) {
    d.each(file_systems, [](instance_definitions& f) { f.set(file_system::mount_point, mk_default(f.name())); });
    d.set(environment::etc, [](const cairn::config& c) {
      std::vector<std::pair<std::string, attrs>> out;
      if (c.names(file_systems).empty() && c[swap_devices].empty()) return out;
      attrs fstab;
      fstab.set("text", value(render_fstab(c)));
      fstab.set("replaceExisting", value(true));  // Debian ships one
      out.emplace_back("fstab", std::move(fstab));
      return out;
    });
    d.set(assertions::assertions, [](const cairn::config& c) {
      list checks;
      for (const auto& name : c.names(file_systems)) {
        const std::string mount_point = c[file_system::mount_point(name)];
        attrs has_device;
        has_device.set("assertion", c[file_system::device(name)].has_value() || c[file_system::label(name)].has_value());
        has_device.set("message", value("No device specified for mount point ‘" + mount_point + "’."));
        checks.push_back(value(std::move(has_device)));
        attrs absolute;
        absolute.set("assertion", mount_point.starts_with("/") && (mount_point == "/" || !mount_point.ends_with("/")));
        absolute.set("message", value("fileSystems.\"" + name + "\".mountPoint = \"" + mount_point +
                                      "\" must be an absolute path without a trailing slash"));
        checks.push_back(value(std::move(absolute)));
      }
      return value(std::move(checks));
    });
  }
};

}  // namespace cairn::modules::file_systems

CAIRN_LIBRARY_MODULE(cairn::modules::file_systems::module)
