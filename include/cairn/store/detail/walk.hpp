#pragma once
// Walks a file tree as NAR events (same order, same metadata rules as dump_path), so a tree can
// be copied through any nar_visitor without serialising it.
#include <cairn/store/detail/fs.hpp>
#include <cairn/store/nar.hpp>
#include <cairn/store/nar_reader.hpp>

#include <algorithm>
#include <string>

namespace cairn::store::detail {

inline void walk_node(int dirfd, const char* name, std::string_view entry, const std::string& shown,
                      nar_visitor& v, std::size_t depth) {
  if (depth > nar_max_depth)
    throw store_error(fmt::format("'{}' is nested deeper than {} directories", shown, nar_max_depth));
  struct stat st {};
  if (::fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) throw_sys("cannot stat", shown);
  if (S_ISREG(st.st_mode)) {
    fd f(::openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (!f) throw_sys("cannot open", shown);
    if (::fstat(f.get(), &st) != 0) throw_sys("cannot stat", shown);
    v.begin_file(entry, (st.st_mode & S_IXUSR) != 0, static_cast<std::uint64_t>(st.st_size));
    std::string buf(1 << 20, '\0');
    auto left = static_cast<std::uint64_t>(st.st_size);
    while (left > 0) {
      const auto n = read_some(f.get(), buf.data(), std::min<std::uint64_t>(left, buf.size()), shown);
      if (n == 0) throw store_error(fmt::format("file '{}' shrank while it was being copied", shown));
      v.file_data({buf.data(), n});
      left -= n;
    }
    v.end_file();
  } else if (S_ISLNK(st.st_mode)) {
    std::string target(4096, '\0');
    const auto n = ::readlinkat(dirfd, name, target.data(), target.size());
    if (n < 0) throw_sys("cannot read symlink", shown);
    target.resize(static_cast<std::size_t>(n));
    v.symlink(entry, target);
  } else if (S_ISDIR(st.st_mode)) {
    fd dfd(::openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!dfd) throw_sys("cannot open directory", shown);
    auto names = list_dir(dfd.get(), shown);
    std::sort(names.begin(), names.end());
    v.begin_directory(entry);
    for (const auto& n : names) walk_node(dfd.get(), n.c_str(), n, shown + "/" + n, v, depth + 1);
    v.end_directory();
  } else {
    throw store_error(fmt::format("file '{}' has an unsupported type", shown));
  }
}

/// Tells `v` what the tree at `path` holds, as parse_nar would for its NAR.
inline void walk_path(const std::filesystem::path& path, nar_visitor& v) {
  walk_node(AT_FDCWD, path.c_str(), "", path.native(), v, 0);
}

}  // namespace cairn::store::detail
