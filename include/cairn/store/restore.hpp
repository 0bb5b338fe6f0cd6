#pragma once
// Restoring a NAR into a file tree (`nix-store --restore`). Every entry is created relative to
// its parent's directory descriptor with O_EXCL|O_NOFOLLOW, so no symlink in the archive can
// redirect a later write outside the target, whatever it points at.
#include <cairn/store/detail/fs.hpp>
#include <cairn/store/detail/io.hpp>
#include <cairn/store/nar_reader.hpp>

#include <filesystem>
#include <string>
#include <vector>

#include <sys/stat.h>

namespace cairn::store {

namespace detail {

class restore_visitor final : public nar_visitor {
 public:
  explicit restore_visitor(std::filesystem::path target) : target_(std::move(target)) {}

  void begin_directory(std::string_view name) override {
    const int parent = parent_fd();
    const std::string n = entry_name(name);
    if (::mkdirat(parent, n.c_str(), 0755) != 0) throw_sys("cannot create directory", shown(name));
    fd d(::openat(parent, n.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!d) throw_sys("cannot open directory", shown(name));
    dirs_.push_back(std::move(d));
    names_.emplace_back(name);
  }
  void end_directory() override {
    dirs_.pop_back();
    names_.pop_back();
  }
  void begin_file(std::string_view name, bool executable, std::uint64_t size) override {
    const std::string n = entry_name(name);
    file_shown_ = shown(name);
    file_ = fd(::openat(parent_fd(), n.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                        executable ? 0755 : 0644));
    if (!file_) throw_sys("cannot create file", file_shown_);
    if (size > (1u << 20)) (void)::posix_fallocate(file_.get(), 0, static_cast<off_t>(size));  // a hint only
  }
  void file_data(std::string_view chunk) override { write_all(file_.get(), chunk, file_shown_); }
  void end_file() override {
    if (::close(file_.release()) != 0) throw_sys("cannot write", file_shown_);
  }
  void symlink(std::string_view name, std::string_view target) override {
    const std::string n = entry_name(name);
    if (::symlinkat(std::string(target).c_str(), parent_fd(), n.c_str()) != 0)
      throw_sys("cannot create symlink", shown(name));
  }

 private:
  int parent_fd() const { return dirs_.empty() ? AT_FDCWD : dirs_.back().get(); }
  std::string entry_name(std::string_view name) const { return dirs_.empty() ? target_.native() : std::string(name); }
  std::string shown(std::string_view name) const {
    std::string s = target_.native();
    for (std::size_t i = 1; i < names_.size(); ++i) s += "/" + names_[i];
    if (!dirs_.empty()) s += "/" + std::string(name);
    return s;
  }

  std::filesystem::path target_;
  std::vector<fd> dirs_;
  std::vector<std::string> names_;
  fd file_;
  std::string file_shown_;
};

}  // namespace detail

/// Restores the NAR read from `in` at `target`, which must not exist. On any error the partly
/// written target is removed and the error rethrown. Returns the NAR size.
inline std::uint64_t restore_path(const std::filesystem::path& target, source_ref in,
                                  const nar_parse_options& opts = {}) {
  struct stat st {};
  if (::lstat(target.c_str(), &st) == 0)
    throw store_error(fmt::format("cannot restore into '{}': it already exists", target.native()));
  detail::restore_visitor v(target);
  try {
    return parse_nar(in, v, opts);
  } catch (...) {
    try {
      detail::remove_tree(target);
    } catch (...) {
    }
    throw;
  }
}

}  // namespace cairn::store
