#pragma once
// Test helpers: a temporary directory, running shell commands with their output captured.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <sys/wait.h>

namespace cairn::age_test {

namespace fs = std::filesystem;

class temp_dir {
 public:
  explicit temp_dir(const fs::path& base = fs::temp_directory_path()) {
    std::string tmpl = (base / "cairn-age-test-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~temp_dir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  const fs::path& path() const { return path_; }
  fs::path operator/(const std::string& name) const { return path_ / name; }

 private:
  fs::path path_;
};

inline std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline void write_file(const fs::path& p, std::string_view data) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
}

inline std::string random_bytes(std::size_t n, unsigned seed = 1) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

struct run_result {
  int exit_code = -1;  // 128 + N when killed by signal N
  std::string out, err;
};

// Runs `command` with bash in `dir`; standard input is /dev/null unless the command redirects it.
inline run_result run(const fs::path& dir, const std::string& command) {
  const fs::path out = dir / ".run-out", err = dir / ".run-err", script = dir / ".run-cmd";
  write_file(script, command + "\n");
  const std::string full = "cd '" + dir.string() + "' && bash .run-cmd </dev/null >.run-out 2>.run-err";
  const int status = std::system(full.c_str());
  run_result r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = read_file(out);
  r.err = read_file(err);
  fs::remove(out);
  fs::remove(err);
  fs::remove(script);
  return r;
}

inline std::string quote(const fs::path& p) { return "'" + p.string() + "'"; }

// The files in `dir` whose names do not start with ".run-".
inline std::vector<std::string> list_dir(const fs::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir))
    if (!e.path().filename().string().starts_with(".run-")) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace cairn::age_test
