// modules/system/boot.hpp: the boot loader (systemd-boot entries, as boot.loader.systemd-boot).
//
//   d.set(boot::systemd_boot::enable, true);
//   d.set(boot::kernel, "/boot/vmlinuz-6.1.0-28-amd64");
//   d.set(boot::initrd, "/boot/initrd.img-6.1.0-28-amd64");
//
// `boot` and `switch` then write a loader entry per generation under /boot/loader/entries and
// make the new generation the default; they refuse up front when /boot lacks the space.
#pragma once

#include <cairn/fwd.hpp>

namespace cairn::modules::boot {

namespace systemd_boot {
inline constexpr auto enable = enable_option<"boot.loader.systemd-boot.enable">("the systemd-boot loader entries");
}  // namespace systemd_boot

inline constexpr option<"boot.kernel", types::null_or<types::path>> kernel{{
    .default_value = null,
    .description = "The kernel image a loader entry boots (copied into the generation).",
}};
inline constexpr option<"boot.initrd", types::null_or<types::path>> initrd{{
    .default_value = null,
    .description = "The initial ramdisk a loader entry loads (copied into the generation).",
}};
inline constexpr option<"boot.kernelParams", types::list_of<types::str>> kernel_params{{
    .description = "Parameters added to the kernel command line.",
}};

struct module {
  static constexpr auto options = declare(systemd_boot::enable, kernel, initrd, kernel_params);
};

}  // namespace cairn::modules::boot

CAIRN_LIBRARY_MODULE(cairn::modules::boot::module)
