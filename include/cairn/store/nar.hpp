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
#include <memory>
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

/// Buffers small tokens; hands big file contents to the sink without copying twice. File data
/// is read straight into the buffer (not zero-filled first), and a file that fits is read with
/// one read() asking a byte more than its size, whose short count proves the end of the file.
class nar_writer {
 public:
  explicit nar_writer(sink_ref out) : out_(out), buf_(new char[buffer_size]) {}
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
    if (used_ + s.size() > buffer_size) {
      flush();
      if (s.size() >= buffer_size) {
        out_(s);
        size_ += s.size();
        return;
      }
    }
    std::memcpy(buf_.get() + used_, s.data(), s.size());
    used_ += s.size();
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
    for (;;) {
      if (used_ == buffer_size) flush();
      const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(left + 1, buffer_size - used_));
      const auto n = ::read(f, buf_.get() + used_, want);
      if (n < 0) {
        if (errno == EINTR) continue;
        throw_sys("cannot read", where);
      }
      const auto got = static_cast<std::size_t>(n);
      if (got > left) throw store_error(fmt::format("file '{}' grew while it was being archived", where));
      used_ += got;
      size_ += got;
      left -= got;
      if (got == 0) {
        if (left > 0) throw store_error(fmt::format("file '{}' shrank while it was being archived", where));
        break;
      }
      if (left == 0 && got < want) break;  // a short read past the last byte: the end
    }
    pad(size);
  }
  void flush() {
    if (used_ > 0) out_({buf_.get(), used_});
    used_ = 0;
  }
  std::uint64_t size() const { return size_; }

 private:
  static constexpr std::size_t buffer_size = 1 << 20;
  sink_ref out_;
  std::unique_ptr<char[]> buf_;
  std::size_t used_ = 0;
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
