// Taking over a root. A root is managed by cairn once ROOT/cairn/var/managed exists; activating
// "/" of a machine that is not requires `install --root /` first, which says what it takes over
// and keeps copies of the account databases it will rewrite. Other roots (temporary directories,
// images being built) are taken over by their first activation.
#pragma once

#include <cairn/activation/detail/fs.hpp>
#include <cairn/activation/error.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <ctime>
#include <filesystem>
#include <string>

namespace cairn::activation {

namespace fs = std::filesystem;

inline fs::path managed_marker(const fs::path& root) { return root / "cairn/var/managed"; }
inline fs::path install_backup_dir(const fs::path& root) { return root / "cairn/var/install-backup"; }

inline bool is_managed(const fs::path& root) { return detail::lexists(managed_marker(root)); }

inline bool is_real_root(const fs::path& root) {
  std::error_code ec;
  return fs::equivalent(root, "/", ec);
}

// What install takes over, one line each.
inline std::string install_summary(const fs::path& root) {
  auto r = [&](std::string_view p) { return detail::under(root, p).string(); };
  return fmt::format(
      "cairn will manage {}:\n"
      "  {}/cairn/var/profiles   the system profile and its generations (GC roots of {})\n"
      "  {}               a link to the generation's etc; /etc entries a generation declares are linked or copied\n"
      "                             (files already there are left alone unless an entry says replace: then moved to <file>.cairn-backup)\n"
      "  {}, {}, {}, {}\n"
      "                             rewritten from the declared users and groups; existing accounts are kept\n"
      "                             (copies of the current files go to {})\n"
      "  {}    unit files of the generation; units are started, stopped, restarted and reloaded on switch\n"
      "  {}, {}   the generation in force and the one booted\n",
      root.string(), root == "/" ? "" : root.string(), r("/cairn/store"), r("/etc/static"), r("/etc/passwd"), r("/etc/group"),
      r("/etc/shadow"), r("/etc/gshadow"), install_backup_dir(root).string(), r("/etc/systemd/system"), r("/run/current-system"),
      r("/run/booted-system"));
}

// Marks root as managed (idempotent), keeping copies of the account databases. Prints what it
// takes over to `out` (nullptr: silent).
inline void install(const fs::path& root, std::FILE* out = stderr) {
  using namespace detail;
  if (is_managed(root)) {
    if (out) fmt::print(out, "{} is already managed by cairn ({})\n", root.string(), managed_marker(root).string());
    return;
  }
  if (out) fmt::print(out, "{}", install_summary(root));
  make_dirs(install_backup_dir(root));
  for (auto name : {"passwd", "group", "shadow", "gshadow"}) {
    fs::path src = root / "etc" / name;
    auto text = read_file_if_exists(src);
    if (!text) continue;
    struct stat st;
    ::stat(src.c_str(), &st);
    write_file_atomic(install_backup_dir(root) / name, *text, {.mode = static_cast<mode_t>(st.st_mode & 07777), .uid = st.st_uid, .gid = st.st_gid, .sync = true});
  }
  nlohmann::json marker = {{"version", 1}, {"installedAt", static_cast<long long>(std::time(nullptr))}, {"backups", "/cairn/var/install-backup"}};
  write_file_atomic(managed_marker(root), marker.dump(1) + "\n", {.mode = 0644, .sync = true});
  if (out) fmt::print(out, "{} is now managed by cairn\n", root.string());
}

}  // namespace cairn::activation
