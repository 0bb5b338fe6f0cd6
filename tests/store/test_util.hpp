#pragma once
// Helpers for the store tests: temporary directories, files, seeded random trees, running commands.
#include <cairn/store/detail/fs.hpp>
#include <cairn/store/detail/io.hpp>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

namespace cairn_test {

namespace fs = std::filesystem;

/// A fresh directory under $TMPDIR, removed (read-only parts included) at the end.
class temp_dir {
 public:
  temp_dir() {
    std::string tmpl = (fs::temp_directory_path() / "cairn-store-test-XXXXXX").native();
    if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~temp_dir() {
    try {
      cairn::store::detail::remove_tree(path_);
    } catch (...) {
    }
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  const fs::path& path() const { return path_; }
  fs::path operator/(const std::string& s) const { return path_ / s; }

 private:
  fs::path path_;
};

inline void write(const fs::path& p, std::string_view contents, mode_t mode = 0644) {
  fs::create_directories(p.parent_path());
  cairn::store::detail::fd f(::open(p.c_str(), O_WRONLY | O_CREAT | O_TRUNC, mode));
  if (!f) throw std::runtime_error("cannot write " + p.native());
  cairn::store::detail::write_all(f.get(), contents, p.native());
  ::fchmod(f.get(), mode);
}

inline std::string read(const fs::path& p) { return cairn::store::detail::read_file(p); }

struct run_result {
  int exit_code = -1;
  std::string out;
  std::string err;
};

/// Runs a shell command; stdin from `input`.
inline run_result run(const std::string& command, std::string_view input = {}) {
  temp_dir t;
  write(t / "in", input);
  const auto cmd = fmt::format("( {} ) < '{}' > '{}' 2> '{}'", command, (t / "in").native(), (t / "out").native(),
                               (t / "err").native());
  const int ws = std::system(cmd.c_str());
  run_result r;
  r.exit_code = WIFEXITED(ws) ? WEXITSTATUS(ws) : -1;
  r.out = read(t / "out");
  r.err = read(t / "err");
  return r;
}

inline std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

inline bool have(const std::string& tool) { return run("command -v " + tool).exit_code == 0; }

/// Environment for the real Nix tools: no substituters (no network here).
inline const char* nix_env() { return "NIX_CONFIG='substituters =' "; }

/// A random tree: files (some executable, some empty, a few larger), symlinks (some dangling),
/// nested and empty directories, names with odd bytes that are valid on disk.
class tree_generator {
 public:
  explicit tree_generator(std::uint64_t seed) : rng_(seed) {}

  void make(const fs::path& root, int depth = 0) {
    fs::create_directories(root);
    const int entries = pick(0, depth == 0 ? 7 : 5);
    for (int i = 0; i < entries; ++i) {
      const auto name = random_name();
      const auto p = root / name;
      if (fs::exists(fs::symlink_status(p))) continue;
      const int kind = pick(0, 9);
      if (kind <= 4) {
        std::string data(static_cast<std::size_t>(pick(0, 3) == 0 ? pick(0, 70000) : pick(0, 40)), '\0');
        for (auto& c : data) c = static_cast<char>(pick(0, 255));
        write(p, data, pick(0, 2) == 0 ? 0755 : 0644);
      } else if (kind <= 6) {
        fs::create_symlink(pick(0, 1) ? random_name() : "../" + random_name() + "/x", p);
      } else if (depth < 4) {
        make(p, depth + 1);
      } else {
        fs::create_directories(p);
      }
    }
  }

  std::string random_name() {
    static const std::vector<std::string> odd = {".hidden", "_x", "B", "a b", "é", "10", "9", "a-b.c", "~", "Z",
                                                 "\xe2\x98\x83", "-", "x=y", "+"};
    if (pick(0, 3) == 0) return odd[static_cast<std::size_t>(pick(0, static_cast<int>(odd.size()) - 1))];
    std::string n;
    const int len = pick(1, 12);
    for (int i = 0; i < len; ++i) n += "abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123456789._-"[pick(0, 48)];
    if (n == "." || n == "..") n += "x";
    return n;
  }

  int pick(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }

 private:
  std::mt19937_64 rng_;
};

}  // namespace cairn_test
