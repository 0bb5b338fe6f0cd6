// The activation test driver: the activation commands of a host binary (cairn::activation::run_cli),
// plus `demo-toplevel GEN --root R`, which writes demo generation GEN into R's store with this
// program as its bin/switch-to-configuration and prints its store path. The real-systemd
// acceptance test and the fault-injection tests drive activation through it.
#include "demo.hpp"

#include <cairn/activation/cli.hpp>

#include <fmt/format.h>

#include <string>
#include <vector>

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (!args.empty() && args[0] == "demo-toplevel") {
    if (args.size() != 4 || args[2] != "--root") {
      fmt::print(stderr, "usage: demo-toplevel GEN --root ROOT\n");
      return 2;
    }
    try {
      int gen = std::stoi(args[1]);
      std::string self = std::filesystem::read_symlink("/proc/self/exe").string();
      fmt::print("{}\n", cairn_test::add_toplevel(args[3], cairn_test::demo_spec(gen, self), fmt::format("cairn-system-demo-gen{}", gen)));
      return 0;
    } catch (const std::exception& e) {
      fmt::print(stderr, "error: {}\n", e.what());
      return 1;
    }
  }
  return cairn::activation::run_cli(args);
}
