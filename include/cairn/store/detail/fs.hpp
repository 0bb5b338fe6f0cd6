#pragma once
// File-system steps of the store: removing read-only trees, canonicalising outputs.
#include <cairn/store/detail/io.hpp>
#include <cairn/store/error.hpp>

#include <filesystem>
#include <string>
#include <vector>

#include <dirent.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

namespace cairn::store::detail {

inline std::vector<std::string> list_dir(int dfd, const std::string& shown) {
  std::vector<std::string> names;
  DIR* d = ::fdopendir(::dup(dfd));
  if (!d) throw_sys("cannot list directory", shown);
  errno = 0;
  while (const dirent* e = ::readdir(d)) {
    const std::string_view n = e->d_name;
    if (n != "." && n != "..") names.emplace_back(n);
  }
  const int err = errno;
  ::closedir(d);
  if (err != 0) throw_sys("cannot list directory", shown, err);
  return names;
}

/// Removes `name` under dirfd recursively, making read-only directories writable first.
/// Returns the bytes freed (st_blocks of regular files with no other links, plus directories).
inline std::uint64_t remove_at(int dirfd, const std::string& name, const std::string& shown) {
  struct stat st {};
  if (::fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno == ENOENT) return 0;
    throw_sys("cannot stat", shown);
  }
  std::uint64_t freed = 0;
  if (S_ISDIR(st.st_mode)) {
    if ((st.st_mode & 0700) != 0700 && ::fchmodat(dirfd, name.c_str(), st.st_mode | 0700, 0) != 0)
      throw_sys("cannot make writable", shown);
    fd dfd(::openat(dirfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!dfd) throw_sys("cannot open directory", shown);
    for (const auto& n : list_dir(dfd.get(), shown)) freed += remove_at(dfd.get(), n, shown + "/" + n);
    if (::unlinkat(dirfd, name.c_str(), AT_REMOVEDIR) != 0 && errno != ENOENT) throw_sys("cannot remove", shown);
    freed += static_cast<std::uint64_t>(st.st_blocks) * 512;
  } else {
    if (::unlinkat(dirfd, name.c_str(), 0) != 0 && errno != ENOENT) throw_sys("cannot remove", shown);
    if (S_ISREG(st.st_mode) && st.st_nlink == 1) freed += static_cast<std::uint64_t>(st.st_blocks) * 512;
  }
  return freed;
}

/// The bytes remove_at would free for `name` under dirfd, counted the same way; removes nothing.
inline std::uint64_t disk_usage_at(int dirfd, const std::string& name, const std::string& shown) {
  struct stat st {};
  if (::fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno == ENOENT) return 0;
    throw_sys("cannot stat", shown);
  }
  if (!S_ISDIR(st.st_mode)) return S_ISREG(st.st_mode) && st.st_nlink == 1 ? static_cast<std::uint64_t>(st.st_blocks) * 512 : 0;
  std::uint64_t used = static_cast<std::uint64_t>(st.st_blocks) * 512;
  fd dfd(::openat(dirfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!dfd) return used;  // unreadable: its contents are counted when it is removed
  for (const auto& n : list_dir(dfd.get(), shown)) used += disk_usage_at(dfd.get(), n, shown + "/" + n);
  return used;
}

/// Removes a file or tree if it exists; returns bytes freed.
inline std::uint64_t remove_tree(const std::filesystem::path& p) {
  return remove_at(AT_FDCWD, p.native(), p.native());
}

/// Nix's canonicalisation of a registered path: mtime 1 (1970-01-01 00:00:01), mode 0444 or
/// 0555 (directories and owner-executable files), owner root when we are root; symlinks keep
/// their mode. Directories are made read-only last, after their children.
inline void canonicalise_at(int dirfd, const std::string& name, const std::string& shown, bool chown_root) {
  struct stat st {};
  if (::fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) throw_sys("cannot stat", shown);
  if (chown_root && (st.st_uid != 0 || st.st_gid != 0) &&
      ::fchownat(dirfd, name.c_str(), 0, 0, AT_SYMLINK_NOFOLLOW) != 0)
    throw_sys("cannot change the owner of", shown);
  if (S_ISDIR(st.st_mode)) {
    fd dfd(::openat(dirfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!dfd) throw_sys("cannot open directory", shown);
    if ((st.st_mode & 0700) != 0700 && ::fchmod(dfd.get(), 0700) != 0) throw_sys("cannot chmod", shown);
    for (const auto& n : list_dir(dfd.get(), shown)) canonicalise_at(dfd.get(), n, shown + "/" + n, chown_root);
  } else if (!S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode)) {
    throw store_error(fmt::format("file '{}' has an unsupported type", shown));
  }
  if (!S_ISLNK(st.st_mode)) {
    const mode_t mode = (S_ISDIR(st.st_mode) || (st.st_mode & S_IXUSR)) ? 0555 : 0444;
    if (::fchmodat(dirfd, name.c_str(), mode, 0) != 0) throw_sys("cannot chmod", shown);
  }
  const timespec times[2] = {{1, 0}, {1, 0}};
  if (::utimensat(dirfd, name.c_str(), times, AT_SYMLINK_NOFOLLOW) != 0) throw_sys("cannot set the time of", shown);
}

inline void canonicalise_path(const std::filesystem::path& p) {
  canonicalise_at(AT_FDCWD, p.native(), p.native(), ::geteuid() == 0);
}

/// Creates a directory and its parents (like mkdir -p); errors name the directory.
inline void make_dirs(const std::filesystem::path& p) {
  std::error_code ec;
  std::filesystem::create_directories(p, ec);
  if (ec) throw store_error(fmt::format("cannot create directory '{}': {}", p.native(), ec.message()));
}

/// Writes a whole file atomically (temporary file, fsync, rename).
inline void write_file_atomic(const std::filesystem::path& p, std::string_view data, mode_t mode = 0644) {
  const auto tmp = p.native() + ".tmp-" + std::to_string(::getpid());
  {
    fd f(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode));
    if (!f) throw_sys("cannot create", tmp);
    try {
      write_all(f.get(), data, tmp);
      if (::fsync(f.get()) != 0) throw_sys("cannot sync", tmp);
    } catch (...) {
      ::unlink(tmp.c_str());
      throw;
    }
  }
  if (::rename(tmp.c_str(), p.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    throw_sys("cannot rename into", p.native(), err);
  }
}

inline std::string read_file(const std::filesystem::path& p) {
  fd f(::open(p.c_str(), O_RDONLY | O_CLOEXEC));
  if (!f) throw_sys("cannot open", p.native());
  std::string out;
  char buf[1 << 16];
  while (auto n = read_some(f.get(), buf, sizeof buf, p.native())) out.append(buf, n);
  return out;
}

}  // namespace cairn::store::detail
