#pragma once
// A strict, streaming NAR parser: it accepts exactly what `nix-store --dump` produces and
// reports anything else with the byte offset and the entry it was reading.
#include <cairn/store/detail/io.hpp>
#include <cairn/store/error.hpp>
#include <cairn/store/nar.hpp>

#include <fmt/format.h>

#include <cstdint>
#include <cstring>
#include <optional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace cairn::store {

/// What a NAR holds, as events in order. Names are single path components; the root node has
/// the empty name. Contents come in chunks between begin_file and end_file.
class nar_visitor {
 public:
  virtual ~nar_visitor() = default;
  virtual void begin_directory(std::string_view name) = 0;
  virtual void end_directory() = 0;
  virtual void begin_file(std::string_view name, bool executable, std::uint64_t size) = 0;
  virtual void file_data(std::string_view chunk) = 0;
  virtual void end_file() = 0;
  virtual void symlink(std::string_view name, std::string_view target) = 0;
};

/// A visitor that ignores everything: parse_nar with it only validates.
class nar_validator final : public nar_visitor {
 public:
  void begin_directory(std::string_view) override {}
  void end_directory() override {}
  void begin_file(std::string_view, bool, std::uint64_t) override {}
  void file_data(std::string_view) override {}
  void end_file() override {}
  void symlink(std::string_view, std::string_view) override {}
};

struct nar_parse_options {
  /// Receives every byte consumed (to hash the NAR while restoring it).
  std::optional<sink_ref> tee;
  /// Reject bytes after the end of the NAR.
  bool require_end = true;
};

namespace detail {

class nar_parser {
 public:
  nar_parser(source_ref in, nar_visitor& v, const nar_parse_options& o) : in_(in), v_(v), opts_(o) {}

  std::uint64_t run() {
    expect(nar_magic, "NAR header");
    node("", 0);
    if (opts_.require_end) {
      char c;
      if (read_raw(&c, 1) != 0) fail("unexpected data after the end of the archive");
    }
    return offset_;
  }

 private:
  [[noreturn]] void fail(std::string_view what) const {
    throw nar_error(fmt::format("bad NAR at byte {}{}: {}", token_start_,
                                path_.empty() ? std::string() : fmt::format(" (in '{}')", path_), what));
  }

  // Raw input with a small buffer; returns fewer than n bytes only at end of stream.
  std::size_t read_raw(char* out, std::size_t n) {
    std::size_t got = 0;
    while (got < n) {
      if (pos_ == len_) {
        len_ = in_(buf_, sizeof buf_);
        pos_ = 0;
        if (len_ == 0) break;
      }
      const auto k = std::min(n - got, len_ - pos_);
      std::memcpy(out + got, buf_ + pos_, k);
      if (opts_.tee) (*opts_.tee)({buf_ + pos_, k});
      pos_ += k;
      got += k;
    }
    offset_ += got;
    return got;
  }
  void read_exact(char* out, std::size_t n) {
    if (read_raw(out, n) != n) fail("archive is truncated");
  }
  std::uint64_t u64() {
    unsigned char b[8];
    read_exact(reinterpret_cast<char*>(b), 8);
    std::uint64_t n = 0;
    for (int i = 7; i >= 0; --i) n = n << 8 | b[i];
    return n;
  }
  void padding(std::uint64_t len) {
    if (len % 8 == 0) return;
    char z[8];
    const auto k = static_cast<std::size_t>(8 - len % 8);
    read_exact(z, k);
    for (std::size_t i = 0; i < k; ++i)
      if (z[i] != 0) fail("non-zero padding");
  }
  std::string str(std::size_t max, std::string_view what) {
    token_start_ = offset_;
    const auto len = u64();
    if (len > max) fail(fmt::format("{} is {} bytes long, more than the {} allowed", what, len, max));
    std::string s(static_cast<std::size_t>(len), '\0');
    read_exact(s.data(), s.size());
    padding(len);
    return s;
  }
  void expect(std::string_view tag, std::string_view what) {
    const auto s = str(64, what);
    if (s != tag) fail(fmt::format("expected '{}' ({}), got '{}'", tag, what, printable(s)));
  }
  static std::string printable(std::string_view s) {
    std::string out;
    for (unsigned char c : s.substr(0, 64)) out += (c >= 0x20 && c < 0x7f) ? static_cast<char>(c) : '?';
    return out;
  }

  void node(std::string_view name, std::size_t depth) {
    if (depth > nar_max_depth) fail(fmt::format("directories nested deeper than {}", nar_max_depth));
    expect("(", "start of a node");
    expect("type", "node type tag");
    const auto type = str(64, "node type");
    if (type == "regular") {
      auto tag = str(64, "file tag");
      bool executable = false;
      if (tag == "executable") {
        if (!str(64, "executable marker").empty()) fail("executable marker has a non-empty value");
        executable = true;
        tag = str(64, "file tag");
      }
      if (tag != "contents") fail(fmt::format("expected 'contents', got '{}'", printable(tag)));
      token_start_ = offset_;
      const auto size = u64();
      v_.begin_file(name, executable, size);
      std::uint64_t left = size;
      while (left > 0) {
        const auto k = static_cast<std::size_t>(std::min<std::uint64_t>(left, sizeof chunk_));
        read_exact(chunk_, k);
        v_.file_data({chunk_, k});
        left -= k;
      }
      padding(size);
      v_.end_file();
      expect(")", "end of a file node");
    } else if (type == "symlink") {
      expect("target", "symlink target tag");
      const auto target = str(nar_max_target, "symlink target");
      if (target.empty()) fail("symlink has an empty target");
      if (target.find('\0') != std::string::npos) fail("symlink target contains a NUL byte");
      v_.symlink(name, target);
      expect(")", "end of a symlink node");
    } else if (type == "directory") {
      v_.begin_directory(name);
      std::string previous;
      bool first = true;
      for (;;) {
        const auto tag = str(64, "directory tag");
        if (tag == ")") break;
        if (tag != "entry") fail(fmt::format("expected 'entry' or ')', got '{}'", printable(tag)));
        expect("(", "start of an entry");
        expect("name", "entry name tag");
        auto entry = str(nar_max_name, "entry name");
        if (entry.empty()) fail("entry has an empty name");
        if (entry == "." || entry == "..") fail(fmt::format("entry has the invalid name '{}'", entry));
        if (entry.find('/') != std::string::npos) fail(fmt::format("entry name '{}' contains '/'", printable(entry)));
        if (entry.find('\0') != std::string::npos) fail("entry name contains a NUL byte");
        if (!first && entry <= previous)
          fail(entry == previous ? fmt::format("duplicate entry '{}'", printable(entry))
                                 : fmt::format("entries are not sorted: '{}' after '{}'", printable(entry),
                                               printable(previous)));
        expect("node", "entry node tag");
        const auto saved = path_.size();
        path_ += path_.empty() ? entry : "/" + entry;
        node(entry, depth + 1);
        path_.resize(saved);
        expect(")", "end of an entry");
        previous = std::move(entry);
        first = false;
      }
      v_.end_directory();
    } else {
      fail(fmt::format("unknown node type '{}'", printable(type)));
    }
  }

  source_ref in_;
  nar_visitor& v_;
  const nar_parse_options& opts_;
  char buf_[1 << 16];
  char chunk_[1 << 16];  // file contents on their way to the visitor (not on the recursion's stack)
  std::size_t pos_ = 0, len_ = 0;
  std::uint64_t offset_ = 0, token_start_ = 0;
  std::string path_;
};

}  // namespace detail

/// Parses a NAR from `in`, telling `v` what it holds. Throws nar_error (with the byte offset and
/// the entry) on anything `nix-store --dump` would not have written. Returns the NAR size.
inline std::uint64_t parse_nar(source_ref in, nar_visitor& v, const nar_parse_options& opts = {}) {
  auto p = std::make_unique<detail::nar_parser>(in, v, opts);  // 64 KiB buffer: not on the stack
  return p->run();
}

}  // namespace cairn::store
