// modules/system/filesystems.hpp: /etc/fstab as NixOS writes it, read back by findmnt --verify.
#include <string>

#include <cairn/compile_time.hpp>
#include <cairn/fwd.hpp>

#include <modules/system/filesystems.hpp>

#include "real_program.hpp"
#include "support.hpp"

namespace {

using cairn::testing::result;
using cairn::testing::run;
using cairn::testing::scratch;

namespace fs = cairn::modules::file_systems;
namespace entry = fs::file_system;

// Mount points that exist on the machine running the tests (findmnt checks them).
struct server_host {
  static constexpr cairn::meta meta{.hostname = "web"};
  using imports = cairn::imports<fs::module>;
  static constexpr void config(cairn::definitions& d) {
    d.set(entry::device("/"), "/dev/disk/by-label/nixos");
    d.set(entry::fs_type("/"), "ext4");
    d.set(entry::device("/boot"), "/dev/disk/by-label/boot");
    d.set(entry::fs_type("/boot"), "vfat");
    d.set(entry::options("/boot"), {"umask=0077"});
    d.set(entry::label("/home"), "home disk");
    d.set(entry::fs_type("/home"), "xfs");
    d.set(entry::options("/home"), {"noatime", "nofail"});
    d.set(entry::device("/tmp"), "none");
    d.set(entry::fs_type("/tmp"), "tmpfs");
    d.set(entry::options("/tmp"), {"mode=1777", "size=2G"});
    d.set(entry::device("/mnt"), "/srv");
    d.set(entry::fs_type("/mnt"), "none");
    d.set(entry::options("/mnt"), {"bind"});
    d.set(fs::swap_devices, {"/dev/disk/by-label/swap"});
  }
};
CAIRN_CHECK_AT_COMPILE_TIME(server_host);

struct checked_host {
  static constexpr cairn::meta meta{.hostname = "c"};
  using imports = cairn::imports<fs::module>;
  static constexpr void config(cairn::definitions& d) {
    d.set(entry::device("root"), "/dev/vda1");
    d.set(entry::mount_point("root"), "/");
    d.set(entry::fs_type("root"), "ext4");
    d.set(entry::device("/var/lib"), "/dev/vdd1");
    d.set(entry::device("/srv"), "/dev/vdb1");
    d.set(entry::fs_type("/srv"), "ext4");
    d.set(entry::device("/media"), "/dev/vdc1");
    d.set(entry::fs_type("/media"), "ext4");
    d.set(entry::no_check("/media"), true);
  }
};
CAIRN_CHECK_AT_COMPILE_TIME(checked_host);

struct nothing_host {
  static constexpr cairn::meta meta{.hostname = "n"};
  using imports = cairn::imports<fs::module>;
  static constexpr void config(cairn::definitions&) {}
};
CAIRN_CHECK_AT_COMPILE_TIME(nothing_host);

// A mount point that is not there: findmnt refuses it.
struct missing_target_host {
  static constexpr cairn::meta meta{.hostname = "bad"};
  using imports = cairn::imports<fs::module>;
  static constexpr void config(cairn::definitions& d) {
    d.set(entry::device("/"), "/dev/disk/by-label/nixos");
    d.set(entry::fs_type("/"), "ext4");
    d.set(entry::device("/nonexistent-cairn-test/data"), "/dev/disk/by-label/data");
    d.set(entry::fs_type("/nonexistent-cairn-test/data"), "ext4");
  }
};

struct no_device_host {
  static constexpr cairn::meta meta{.hostname = "bad"};
  using imports = cairn::imports<fs::module>;
  static constexpr void config(cairn::definitions& d) {
    d.set(entry::fs_type("/data"), "ext4");
    d.set(entry::device("data/"), "/dev/sdb1");
  }
};

struct wrong_options {
  static constexpr cairn::meta meta{.hostname = "x"};
  using imports = cairn::imports<fs::module>;
  static constexpr void config(cairn::definitions& d) { d.set(entry::options("/"), cairn::value("noatime")); }
};
struct empty_type {
  static constexpr cairn::meta meta{.hostname = "x"};
  using imports = cairn::imports<fs::module>;
  static constexpr void config(cairn::definitions& d) {
    d.set(entry::device("/"), "/dev/sda1");
    d.set(entry::fs_type("/"), "");
  }
};

template <class Host>
std::string fstab() {
  cairn::testing::evaluation<Host> e;
  return e["environment.etc.fstab.text"].as_string();
}

// findmnt --verify, its blkid cache kept in the scratch directory (not /run/blkid).
result findmnt_verify(const scratch& s, const std::string& text) {
  return run("BLKID_FILE=" + (s.dir / "blkid.tab").string() + " findmnt --verify --tab-file " + s.write("fstab", text),
             true);
}

template <class Host>
result findmnt_verify() {
  scratch s;
  return findmnt_verify(s, fstab<Host>());
}

const std::string header =
    "# This is a generated file.  Do not edit!\n"
    "#\n"
    "# To make changes, edit the fileSystems and swapDevices options\n"
    "# of the host's cairn configuration.\n"
    "#\n"
    "# <file system> <mount point>   <type>  <options>       <dump>  <pass>\n"
    "\n"
    "# Filesystems.\n";

}  // namespace

TEST(FileSystems, TheFstabAsNixOSWritesIt) {
  EXPECT_EQ(fstab<server_host>(), header +
                                      "/dev/disk/by-label/nixos / ext4 defaults 0 1\n"
                                      "/dev/disk/by-label/boot /boot vfat umask=0077 0 2\n"
                                      "/dev/disk/by-label/home\\040disk /home xfs noatime,nofail 0 2\n"
                                      "/srv /mnt none bind 0 0\n"
                                      "none /tmp tmpfs mode=1777,size=2G 0 0\n"
                                      "\n"
                                      "\n"
                                      "# Swap devices.\n"
                                      "/dev/disk/by-label/swap none swap defaults\n"
                                      "\n");
  // The mount point defaults to the name; fsType to auto, which fsck skips; noCheck skips too.
  EXPECT_EQ(fstab<checked_host>(), header +
                                       "/dev/vdc1 /media ext4 defaults 0 0\n"
                                       "/dev/vdb1 /srv ext4 defaults 0 2\n"
                                       "/dev/vdd1 /var/lib auto defaults 0 0\n"
                                       "/dev/vda1 / ext4 defaults 0 1\n"
                                       "\n\n# Swap devices.\n\n");
  cairn::testing::evaluation<server_host> e;
  EXPECT_EQ(e.json("environment.etc.fstab.replaceExisting"), "true");
}

TEST(FileSystems, NothingDefinedTheBaseSystemKeepsItsFstab) {
  cairn::testing::evaluation<nothing_host> e;
  EXPECT_EQ(e["environment.etc"].as_attrs().find("fstab"), nullptr);
}

TEST(FileSystems, FindmntAcceptsTheFiles) {
  ASSERT_EQ(run("command -v findmnt", true).status, 0) << "findmnt (util-linux) is not installed";
  auto r = findmnt_verify<server_host>();
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_CONTAINS(r.out, "0 parse errors, 0 errors");
  // fsType "auto" (the default) needs the device to probe: absent here, findmnt's one error.
  auto checked = findmnt_verify<checked_host>();
  EXPECT_CONTAINS(checked.out, "0 parse errors, 1 error");
  EXPECT_CONTAINS(checked.out, "/var/lib\n   [W] unreachable source: /dev/vdd1: No such file or directory\n"
                               "   [E] cannot detect on-disk filesystem type");
  // The check is real: findmnt refuses a mount point that does not exist, and a line it cannot parse.
  auto missing = findmnt_verify<missing_target_host>();
  EXPECT_NE(missing.status, 0);
  EXPECT_CONTAINS(missing.out, "/nonexistent-cairn-test/data\n   [E] unreachable on boot required target");
  scratch s;
  auto garbled = findmnt_verify(s, fstab<server_host>() + "/dev/sdz1\n");
  EXPECT_NE(garbled.status, 0);
  EXPECT_CONTAINS(garbled.out, "1 parse error");
}

TEST(FileSystems, EachNeedsADeviceAndAnAbsoluteMountPoint) {
  cairn::evaluator e(cairn::module_info_of<no_device_host>(), cairn::detail::meta_of<no_device_host>());
  e.force_all();
  auto failed = cairn::detail::join(cairn::failed_assertions(e), "\n");
  EXPECT_CONTAINS(failed, "No device specified for mount point ‘/data’.");
  EXPECT_CONTAINS(failed, "fileSystems.\"data/\".mountPoint = \"data/\" must be an absolute path without a trailing "
                          "slash");
  EXPECT_EQ(cairn::failed_assertions(e).size(), 2u);
}

TEST(FileSystems, WrongTypesNameTheOption) {
  EXPECT_CONTAINS(cairn::testing::message_of<wrong_options>("fileSystems.\"/\".options"),
                  "A definition for option `fileSystems.\"/\".options' is not of type `list of non-empty string'");
  EXPECT_CONTAINS(cairn::testing::error_of<empty_type>("environment.etc.fstab.text"), "fileSystems.\"/\".fsType");
}
