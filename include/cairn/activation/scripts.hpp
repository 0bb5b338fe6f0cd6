// Activation scripts: ordered as NixOS's textClosureList orders system.activationScripts (names in
// alphabetical order, each after its deps, depth first), except that a cycle is an error naming
// it; each script runs under /bin/sh with the generation in its environment.
#pragma once

#include <cairn/activation/detail/fs.hpp>
#include <cairn/activation/error.hpp>
#include <cairn/activation/toplevel.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>

namespace cairn::activation {

namespace fs = std::filesystem;

// The scripts' names in execution order; throws on a cycle ("a -> b -> a") or a missing dep.
inline std::vector<std::string> order_activation_scripts(const std::vector<activation_script_spec>& scripts) {
  std::map<std::string, const activation_script_spec*> by_name;
  for (auto& s : scripts) by_name[s.name] = &s;
  std::vector<std::string> out;
  std::map<std::string, int> state;  // 1 visiting, 2 done
  std::vector<std::string> stack;
  auto visit = [&](auto& self, const std::string& name, const std::string& from) -> void {
    auto it = by_name.find(name);
    if (it == by_name.end())
      throw error(fmt::format("activation script '{}' depends on '{}', which does not exist", from, name));
    if (state[name] == 2) return;
    if (state[name] == 1) {
      auto pos = std::find(stack.begin(), stack.end(), name);
      std::string cycle;
      for (; pos != stack.end(); ++pos) cycle += *pos + " -> ";
      throw error(fmt::format("activation scripts form a dependency cycle: {}{}", cycle, name));
    }
    state[name] = 1;
    stack.push_back(name);
    for (auto& d : it->second->deps) self(self, d, name);
    stack.pop_back();
    state[name] = 2;
    out.push_back(name);
  };
  for (auto& [name, s] : by_name) visit(visit, name, name);
  return out;
}

// Runs the named scripts in order, NixOS style: a failing script is reported and the others
// still run. Returns the names of those that failed.
inline std::vector<std::string> run_activation_scripts(const fs::path& root, const toplevel& t, const std::vector<std::string>& order,
                                                       std::string_view action, std::FILE* out = stderr) {
  std::vector<std::string> failed;
  for (auto& name : order) {
    auto it = std::find_if(t.activation_scripts.begin(), t.activation_scripts.end(), [&](auto& s) { return s.name == name; });
    detail::crash_point("scripts: running one");
    if (out) std::fflush(out);
    pid_t pid = ::fork();
    if (pid < 0) detail::throw_sys("fork for activation script", name);
    if (pid == 0) {
      ::setenv("CAIRN_ROOT", root.c_str(), 1);
      ::setenv("CAIRN_ACTION", std::string(action).c_str(), 1);
      ::setenv("systemConfig", t.path.c_str(), 1);
      ::setenv("CAIRN_TOPLEVEL", t.real.c_str(), 1);
      ::umask(022);
      ::execl("/bin/sh", "sh", "-c", it->text.c_str(), "activation-script", static_cast<char*>(nullptr));
      ::_exit(127);
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (code != 0) {
      if (out) {
        fmt::print(out, "Activation script snippet '{}' failed ({})\n", name, code);
        std::fflush(out);
      }
      failed.push_back(name);
    }
  }
  return failed;
}

}  // namespace cairn::activation
