#pragma once
// NAR (Nix ARchive) serialisation, byte-exact with `nix-store --dump`.
//
//   nar  = str("nix-archive-1") node
//   node = "(" "type" ( "regular" ["executable" ""] "contents" BYTES
//                     | "symlink" "target" TARGET
//                     | "directory" { "entry" "(" "name" NAME "node" node ")" } ) ")"
// Every token is a string: u64le length, the bytes, zero padding to a multiple of 8.
// Directory entries come in byte order. Only the owner-execute bit of regular files is kept.
#include <cairn/store/detail/fs.hpp>
#include <cairn/store/detail/io.hpp>
#include <cairn/store/error.hpp>
#include <cairn/store/hash.hpp>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <sys/stat.h>

namespace cairn::store {

inline constexpr std::string_view nar_magic = "nix-archive-1";

/// Longest entry name and symlink target accepted when reading (Linux's NAME_MAX and PATH_MAX).
inline constexpr std::size_t nar_max_name = 255;
inline constexpr std::size_t nar_max_target = 4095;
/// Deepest directory nesting accepted when reading or writing; bounds recursion and open files.
inline constexpr std::size_t nar_max_depth = 256;

namespace detail {

/// Buffers small tokens; hands big file contents to the sink without copying twice.
class nar_writer {
 public:
  explicit nar_writer(sink_ref out) : out_(out) { buf_.reserve(buffer_size); }
  ~nar_writer() = default;

  void str(std::string_view s) {
    u64(s.size());
    bytes(s);
    pad(s.size());
  }
  void u64(std::uint64_t n) {
    char b[8];
    for (int i = 0; i < 8; ++i) b[i] = static_cast<char>((n >> (8 * i)) & 0xff);
    bytes({b, 8});
  }
  void bytes(std::string_view s) {
    if (buf_.size() + s.size() > buffer_size) {
      flush();
      if (s.size() >= buffer_size) {
        out_(s);
        size_ += s.size();
        return;
      }
    }
    buf_.append(s);
    size_ += s.size();
  }
  void pad(std::uint64_t len) {
    static constexpr char zeros[8] = {};
    if (len % 8) bytes({zeros, static_cast<std::size_t>(8 - len % 8)});
  }
  /// Streams `size` bytes of an open file; errors if the file is shorter or longer.
  void file_contents(int f, std::uint64_t size, std::string_view where) {
    u64(size);
    std::uint64_t left = size;
    while (left > 0) {
      if (buf_.size() == buffer_size) flush();
      const auto room = std::min<std::uint64_t>(left, buffer_size - buf_.size());
      const auto old = buf_.size();
      buf_.resize(old + room);
      const auto n = read_some(f, buf_.data() + old, room, where);
      buf_.resize(old + n);
      size_ += n;
      if (n < room) throw store_error(fmt::format("file '{}' shrank while it was being archived", where));
      left -= n;
    }
    char extra;
    if (read_some(f, &extra, 1, where) != 0)
      throw store_error(fmt::format("file '{}' grew while it was being archived", where));
    pad(size);
  }
  void flush() {
    if (!buf_.empty()) out_(buf_);
    buf_.clear();
  }
  std::uint64_t size() const { return size_; }

 private:
  static constexpr std::size_t buffer_size = 1 << 20;
  sink_ref out_;
  std::string buf_;
  std::uint64_t size_ = 0;
};

inline void dump_node(nar_writer& w, int dirfd, const char* name, const std::string& shown, std::size_t depth) {
  if (depth > nar_max_depth)
    throw store_error(fmt::format("'{}' is nested deeper than {} directories", shown, nar_max_depth));
  struct stat st {};
  if (::fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) throw_sys("cannot stat", shown);
  w.str("(");
  w.str("type");
  if (S_ISREG(st.st_mode)) {
    fd f(::openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (!f) throw_sys("cannot open", shown);
    if (::fstat(f.get(), &st) != 0) throw_sys("cannot stat", shown);
    w.str("regular");
    if (st.st_mode & S_IXUSR) {
      w.str("executable");
      w.str("");
    }
    w.str("contents");
    w.file_contents(f.get(), static_cast<std::uint64_t>(st.st_size), shown);
  } else if (S_ISLNK(st.st_mode)) {
    std::string target(static_cast<std::size_t>(st.st_size > 0 ? st.st_size : 256), '\0');
    for (;;) {
      const auto n = ::readlinkat(dirfd, name, target.data(), target.size());
      if (n < 0) throw_sys("cannot read symlink", shown);
      if (static_cast<std::size_t>(n) < target.size()) {
        target.resize(static_cast<std::size_t>(n));
        break;
      }
      target.resize(target.size() * 2);
    }
    w.str("symlink");
    w.str("target");
    w.str(target);
  } else if (S_ISDIR(st.st_mode)) {
    fd dfd(::openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!dfd) throw_sys("cannot open directory", shown);
    auto names = list_dir(dfd.get(), shown);
    std::sort(names.begin(), names.end());  // std::string compares as unsigned bytes: Nix's order
    w.str("directory");
    for (const auto& n : names) {
      w.str("entry");
      w.str("(");
      w.str("name");
      w.str(n);
      w.str("node");
      dump_node(w, dfd.get(), n.c_str(), shown + "/" + n, depth + 1);
      w.str(")");
    }
  } else {
    throw store_error(fmt::format("file '{}' has an unsupported type", shown));
  }
  w.str(")");
}

}  // namespace detail

/// Writes the NAR serialisation of `path` (a file, directory or symlink, not followed) to `out`.
/// Returns the NAR's size in bytes.
inline std::uint64_t dump_path(const std::filesystem::path& path, sink_ref out) {
  detail::nar_writer w(out);
  w.str(nar_magic);
  detail::dump_node(w, AT_FDCWD, path.c_str(), path.native(), 0);
  w.flush();
  return w.size();
}

/// NAR of a single regular file with the given contents (what `add_text` stores).
inline std::string nar_of_text(std::string_view contents, bool executable = false) {
  std::string out;
  string_sink s{out};
  detail::nar_writer w(s);
  w.str(nar_magic);
  for (auto t : {"(", "type", "regular"}) w.str(t);
  if (executable) {
    w.str("executable");
    w.str("");
  }
  w.str("contents");
  w.str(contents);
  w.str(")");
  w.flush();
  return out;
}

/// A NAR hash with the NAR's size.
struct nar_hash_result {
  hash nar_hash;
  std::uint64_t nar_size = 0;
};

/// SHA-256 of the NAR of `path` (what `nix-hash --type sha256 PATH` prints), and the NAR size.
inline nar_hash_result hash_path(const std::filesystem::path& path, hash_algo a = hash_algo::sha256) {
  hash_sink h(a);
  const auto size = dump_path(path, h);
  return {h.finish(), size};
}

}  // namespace cairn::store
