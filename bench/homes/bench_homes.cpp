// bench_homes [ROUNDS]: a home of 500 files (in 25 directories) and one package: the time to
// evaluate and build its generation into a fresh store, to switch an empty home to it, to
// switch again with nothing to do, and to switch between two generations in which every file
// differs (all 500 links repointed), then back. Prints the median of ROUNDS (default 5).
#include <cairn/eval.hpp>
#include <cairn/fwd.hpp>
#include <cairn/homes/build.hpp>
#include <cairn/homes/execute.hpp>
#include <cairn/store.hpp>

#include <modules/home/home.hpp>
#include <modules/packages/demo.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <unistd.h>

namespace fs = std::filesystem;
namespace home = cairn::modules::home;

namespace {

template <int V>
struct big_home {
  static constexpr cairn::meta meta{.state_version = "1", .username = "bench", .home_directory = "/home/bench"};
  using imports = cairn::imports<home::module>;
  static void config(cairn::definitions& d) {
    for (int i = 0; i < 500; ++i)
      d.set(home::file_entry::text(fmt::format(".config/d{}/file-{}.conf", i % 25, i)), fmt::format("value={} variant={}\n", i, V));
    d.set(home::packages, {cairn::packages::hello()});
  }
};

using clock_type = std::chrono::steady_clock;
double ms_since(clock_type::time_point t) { return std::chrono::duration<double, std::milli>(clock_type::now() - t).count(); }

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

template <class Home>
cairn::homes::built_home build(cairn::store::store& s) {
  cairn::evaluator e(cairn::module_info_of<Home>(), Home::meta);
  return cairn::homes::build_home(e, s);
}

}  // namespace

int main(int argc, char** argv) {
  int rounds = argc > 1 ? std::atoi(argv[1]) : 5;
  std::vector<double> build_ms, first_ms, noop_ms, change_ms;
  for (int r = 0; r < rounds; ++r) {
    fs::path dir = fs::temp_directory_path() / fmt::format("cairn-bench-homes-{}-{}", ::getpid(), r);
    fs::remove_all(dir);
    fs::create_directories(dir / "home");
    cairn::store::store s({.root = dir / "root"});
    auto t = clock_type::now();
    auto one = build<big_home<1>>(s);
    build_ms.push_back(ms_since(t));
    auto two = build<big_home<2>>(s);
    cairn::homes::home_target where{.root = dir / "root", .home = dir / "home"};
    t = clock_type::now();
    cairn::homes::activate_home(where, one.generation.path, {.out = nullptr});
    first_ms.push_back(ms_since(t));
    t = clock_type::now();
    cairn::homes::activate_home(where, one.generation.path, {.out = nullptr});
    noop_ms.push_back(ms_since(t));
    t = clock_type::now();
    cairn::homes::activate_home(where, two.generation.path, {.out = nullptr});
    cairn::homes::activate_home(where, one.generation.path, {.out = nullptr});
    change_ms.push_back(ms_since(t) / 2);
    fs::remove_all(dir);
  }
  fmt::print("home of 500 files, median of {} rounds:\n", rounds);
  fmt::print("  evaluate + build the generation (fresh store): {:8.1f} ms\n", median(build_ms));
  fmt::print("  first switch (500 links made):                 {:8.1f} ms\n", median(first_ms));
  fmt::print("  switch with nothing to do:                     {:8.1f} ms\n", median(noop_ms));
  fmt::print("  switch, every file changed (500 repointed):    {:8.1f} ms\n", median(change_ms));
  return 0;
}
