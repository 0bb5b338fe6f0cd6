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

}  // namespace cairn::testing
