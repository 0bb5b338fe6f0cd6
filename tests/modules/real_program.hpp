// Helpers for module tests that hand a rendered file to the real program that reads it.
#pragma once

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

namespace cairn::testing {

// A scratch directory, removed at the end of the test.
struct scratch {
  std::filesystem::path dir;
  scratch() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "cairn-module-XXXXXX").string();
    dir = ::mkdtemp(tmpl.data());
  }
  ~scratch() { std::filesystem::remove_all(dir); }
  scratch(const scratch&) = delete;
  scratch& operator=(const scratch&) = delete;

  // Writes `text` to dir/name (parents made), with `mode` if given; returns the path.
  std::string write(const std::string& name, const std::string& text, std::optional<mode_t> mode = std::nullopt) const {
    auto path = dir / name;
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << text;
    if (mode) std::filesystem::permissions(path, std::filesystem::perms(*mode));
    return path.string();
  }
};

struct result {
  int status;
  std::string out;
};

// Runs `command` with /bin/sh; stdout only unless `with_stderr`.
inline result run(const std::string& command, bool with_stderr = false) {
  std::string full = command + (with_stderr ? " 2>&1" : " 2>/dev/null");
  FILE* p = ::popen(full.c_str(), "r");
  std::string out;
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
  int status = ::pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

#ifdef CAIRN_UNPACKED_ROOT
// The tree of Debian packages that tools/unpacked unpacked (CMake's CAIRN_UNPACKED_ROOT); empty
// when it is not there.
inline std::string unpacked_root() {
  std::error_code ec;
  if (!std::filesystem::is_directory(CAIRN_UNPACKED_ROOT, ec)) return {};
  return CAIRN_UNPACKED_ROOT;
}

// A command line running `program` (relative to that root) with its libraries from there.
inline std::string unpacked(const std::string& program) {
  const std::string root = unpacked_root();
  return "LD_LIBRARY_PATH=" + root + "/lib/x86_64-linux-gnu:" + root + "/usr/lib/x86_64-linux-gnu " + root + "/" +
         program;
}
#endif

}  // namespace cairn::testing
