#pragma once
// Deduplication by hard links, as `nix-store --optimise`: each regular file of a valid path is
// linked to `<store>/.links/<nix32 of its NAR hash>` (so the executable bit counts); a file
// whose twin is there already is replaced, atomically, by a link to it.
#include <cairn/store/detail/fs.hpp>
#include <cairn/store/store.hpp>

#include <fmt/format.h>

#include <string>

namespace cairn::store {

struct optimise_result {
  std::uint64_t files_linked = 0;  ///< files replaced by a hard link
  std::uint64_t bytes_saved = 0;   ///< their sizes (the space freed)
};

namespace detail {

/// Hash of a single regular file's NAR node (Nix's link name).
inline hash file_node_hash(int f, bool executable, std::uint64_t size, const std::string& shown) {
  hash_sink h;
  nar_writer w(h);
  for (auto t : {"(", "type", "regular"}) w.str(t);
  if (executable) {
    w.str("executable");
    w.str("");
  }
  w.str("contents");
  w.file_contents(f, size, shown);
  w.str(")");
  w.flush();
  return h.finish();
}

inline void optimise_tree(int dirfd, const std::string& name, const std::string& shown, const std::filesystem::path& links,
                          optimise_result& r) {
  struct stat st {};
  if (::fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) throw_sys("cannot stat", shown);
  if (S_ISDIR(st.st_mode)) {
    fd dfd(::openat(dirfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!dfd) throw_sys("cannot open directory", shown);
    for (const auto& n : list_dir(dfd.get(), shown)) {
      optimise_tree(dfd.get(), n, shown + "/" + n, links, r);
    }
    return;
  }
  if (!S_ISREG(st.st_mode) || (st.st_mode & S_IWUSR)) return;  // Nix skips "suspicious writable" files
  fd f(::openat(dirfd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (!f) throw_sys("cannot open", shown);
  const auto h = file_node_hash(f.get(), (st.st_mode & S_IXUSR) != 0, static_cast<std::uint64_t>(st.st_size), shown);
  const auto link = links / h.to_nix32();
  struct stat lst {};
  if (::lstat(link.c_str(), &lst) != 0) {
    if (::linkat(dirfd, name.c_str(), AT_FDCWD, link.c_str(), 0) != 0 && errno != EEXIST && errno != EMLINK)
      throw_sys("cannot create the link", link.native());
    return;
  }
  if (lst.st_ino == st.st_ino && lst.st_dev == st.st_dev) return;  // linked already
  // Replace the file by a link to its twin: link next to it, rename over it. The directory is
  // made writable for the moment and gets its mode and mtime back.
  struct stat dst {};
  if (::fstat(dirfd, &dst) != 0) throw_sys("cannot stat the directory of", shown);
  if (::fchmod(dirfd, dst.st_mode | S_IWUSR) != 0) throw_sys("cannot make writable the directory of", shown);
  const auto tmp = fmt::format(".tmp-link-{}-{}", ::getpid(), name);
  bool linked = ::linkat(AT_FDCWD, link.c_str(), dirfd, tmp.c_str(), 0) == 0;
  const int link_err = errno;
  if (linked && ::renameat(dirfd, tmp.c_str(), dirfd, name.c_str()) != 0) {
    const int err = errno;
    ::unlinkat(dirfd, tmp.c_str(), 0);
    ::fchmod(dirfd, dst.st_mode);
    throw_sys("cannot replace by a link", shown, err);
  }
  ::fchmod(dirfd, dst.st_mode);
  const timespec times[2] = {dst.st_atim, dst.st_mtim};
  ::futimens(dirfd, times);
  if (!linked) {
    if (link_err == EMLINK) return;  // too many links to this content already
    throw_sys("cannot link", link.native(), link_err);
  }
  ++r.files_linked;
  r.bytes_saved += static_cast<std::uint64_t>(st.st_blocks) * 512;
}

}  // namespace detail

inline optimise_result optimise(store& s) {
  optimise_result r;
  const auto links = s.to_physical(s.dir().path()) / ".links";
  detail::make_dirs(links);
  for (const auto& p : s.valid_paths()) {
    const auto phys = s.physical(p);
    struct stat st {};
    if (::lstat(phys.c_str(), &st) != 0) continue;
    if (S_ISDIR(st.st_mode)) {
      detail::fd dfd(::open(phys.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (!dfd) detail::throw_sys("cannot open directory", phys.native());
      for (const auto& n : detail::list_dir(dfd.get(), phys.native()))
        detail::optimise_tree(dfd.get(), n, phys.native() + "/" + n, links, r);
    } else if (S_ISREG(st.st_mode)) {
      // A path that is a single file lives directly in the store directory.
      const auto store_phys = s.to_physical(s.dir().path());
      detail::fd sfd(::open(store_phys.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
      if (!sfd) detail::throw_sys("cannot open directory", store_phys.native());
      detail::optimise_tree(sfd.get(), p.base_name(), phys.native(), links, r);
    }
  }
  return r;
}

}  // namespace cairn::store
