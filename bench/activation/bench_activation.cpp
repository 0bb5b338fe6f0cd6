// bench_activation [ROUNDS]: switches a temporary root back and forth between two generations of
// a generated host (2,000 etc entries of which 100 copied, 200 units, 100 users; about 10% of
// each differs) and prints the wall time of each activation, then counts the syscalls of one
// switch with `strace -c -f` when strace is installed. Target: under 150 ms per activation.
// Then the secrets phase alone: 1,000 small secrets (X25519) decrypted into /run/secrets.d/<N>
// with their owners and modes, as every activation does (target: under 100 ms).
#include <cairn/activation.hpp>
#include <cairn/age.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <unistd.h>

namespace act = cairn::activation;
namespace fs = std::filesystem;

namespace {

act::toplevel_spec generated(int variant) {
  act::toplevel_spec s;
  s.host_name = "bench";
  s.label = fmt::format("v{}", variant);
  for (int i = 0; i < 1700; ++i) {
    bool changes = i % 10 == 0;  // 10% of the files change between the two
    s.etc.push_back({.target = fmt::format("bench/d{}/file-{}.conf", i % 40, i), .text = fmt::format("value={}\n", changes ? variant : 0)});
  }
  for (int i = 0; i < 100; ++i)
    s.etc.push_back({.target = fmt::format("bench/secret/s{}", i), .text = fmt::format("secret={}\n", i % 10 == 0 ? variant : 0), .mode = "0640"});
  // 50 entries only in one variant: removed and added on every switch.
  for (int i = 0; i < 50; ++i) s.etc.push_back({.target = fmt::format("bench/only-{}/f{}", variant, i), .text = "x\n"});
  for (int i = 0; i < 200; ++i) {
    bool changes = i % 10 == 0;
    s.units.push_back({.name = fmt::format("bench-{}.service", i),
                       .text = fmt::format("[Unit]\nDescription=bench {}\nX-Restart-Triggers={}\n[Service]\nExecStart=/bin/sleep infinity\n", i, changes ? variant : 0),
                       .wanted_by = {"multi-user.target"}});
  }
  s.users.groups = {{.name = "bench"}};
  for (int i = 0; i < 100; ++i) {
    int n = i < 90 ? i : i + 10 * variant;  // 10 users differ
    s.users.users.push_back({.name = fmt::format("user{}", n), .group = "bench", .home = fmt::format("/home/user{}", n)});
  }
  return s;
}

struct phases {
  double read = 0, plan = 0, execute = 0;
  double total() const { return read + plan + execute; }
};

// One switch through the public steps (what activate() does), timed per phase.
phases activate_ms(const fs::path& root, const std::string& top, bool sync = true) {
  using clock = std::chrono::steady_clock;
  auto ms = [](clock::time_point a, clock::time_point b) { return std::chrono::duration<double, std::milli>(b - a).count(); };
  std::FILE* null = std::fopen("/dev/null", "w");
  phases p;
  auto t0 = clock::now();
  if (!act::is_managed(root)) act::install(root, nullptr);
  act::activation_lock lock(root, std::chrono::seconds(10));
  act::recover(root, null, false);
  act::current_state s = act::read_current_state(root, false);
  act::toplevel next = act::read_toplevel(root, top);
  auto t1 = clock::now();
  act::plan pl = act::plan_activation(&next, s, act::action::switch_);
  auto t2 = clock::now();
  act::execute(pl, {.out = null, .sync = sync});
  auto t3 = clock::now();
  std::fclose(null);
  p.read = ms(t0, t1);
  p.plan = ms(t1, t2);
  p.execute = ms(t2, t3);
  return p;
}

// 1,000 secrets of 32 to 200 bytes, decrypted as a switch does: prepare (owners, decryption into
// a fresh directory), then flip and finish; the rest of the activation is not timed.
void secrets_phase(const fs::path& root, int rounds) {
  auto id = cairn::age::x25519_identity::generate();
  act::detail::make_dirs(root / "cairn/var/keys", 0700);
  cairn::age::write_key_file(root / "cairn/var/keys/host.age", id);
  std::vector<cairn::age::recipient_ptr> to{std::make_shared<cairn::age::x25519_recipient>(id.recipient())};
  act::toplevel_spec spec;
  spec.host_name = "bench";
  spec.secrets.identity_paths = {"/cairn/var/keys/host.age"};
  fs::path sealed = root / "sealed";
  act::detail::make_dirs(sealed);
  for (int i = 0; i < 1000; ++i) {
    std::string plain(32 + i % 169, static_cast<char>('a' + i % 26));
    auto f = sealed / fmt::format("s{}.age", i);
    act::detail::write_file_atomic(f, cairn::age::encrypt_to_string({reinterpret_cast<const std::uint8_t*>(plain.data()), plain.size()}, to));
    spec.secrets.secrets.push_back({.name = fmt::format("s{}", i), .source = f, .path = fmt::format("/run/secrets/s{}", i),
                                    .owner = i % 2 ? "root" : "0", .mode = "0400"});
  }
  std::string top = "/cairn/store/cccccccccccccccccccccccccccccccc-cairn-system-bench-secrets";
  act::write_toplevel(root / top.substr(1), spec);
  act::toplevel next = act::read_toplevel(root, top);
  auto ids = [](const std::string& n) -> std::optional<unsigned> { return n == "root" ? 0u : static_cast<unsigned>(std::stoul(n)); };
  std::FILE* null = std::fopen("/dev/null", "w");
  std::vector<std::pair<double, double>> times;  // prepare, flip + finish
  auto ms = [](auto a, auto b) { return std::chrono::duration<double, std::milli>(b - a).count(); };
  for (int i = 0; i < rounds; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    auto p = cairn::secrets::prepare(root, next, ids, ids, {.out = null});
    auto t1 = std::chrono::steady_clock::now();
    cairn::secrets::flip(root, *p);
    cairn::secrets::finish(root);  // the previous round's 1,000 files go
    times.emplace_back(ms(t0, t1), ms(t1, std::chrono::steady_clock::now()));
  }
  std::fclose(null);
  std::sort(times.begin(), times.end(), [](auto& a, auto& b) { return a.first + a.second < b.first + b.second; });
  auto& med = times[times.size() / 2];
  fmt::print("secrets: 1,000 small secrets decrypted into /run/secrets.d/<N> and put in force, {} rounds: min {:.1f} ms, "
             "median {:.1f} ms (decrypt {:.1f}, flip and remove the old {:.1f}); target < 100 ms; on {}\n",
             rounds, times.front().first + times.front().second, med.first + med.second, med.first, med.second, root.string());
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 4 && std::string(argv[1]) == "--once") {  // one switch, for strace
    act::activate(argv[2], argv[3], act::action::switch_, {.use_systemd = false, .out = nullptr});
    return 0;
  }
  int rounds = argc > 1 ? std::atoi(argv[1]) : 10;
  std::string tmpl = (fs::temp_directory_path() / "cairn-bench-XXXXXX").string();
  fs::path root = ::mkdtemp(tmpl.data());
  std::string a = "/cairn/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-cairn-system-bench-a";
  std::string b = "/cairn/store/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb-cairn-system-bench-b";
  auto w0 = std::chrono::steady_clock::now();
  act::write_toplevel(root / a.substr(1), generated(1));
  act::write_toplevel(root / b.substr(1), generated(2));
  auto w1 = std::chrono::steady_clock::now();
  fmt::print("generated two toplevels (2,050 etc entries + 200 units each, 100 users) in {:.0f} ms\n",
             std::chrono::duration<double, std::milli>(w1 - w0).count());
  fmt::print("first switch (empty root -> a): {:.1f} ms\n", activate_ms(root, a).total());
  std::vector<phases> times;
  for (int i = 0; i < rounds; ++i) times.push_back(activate_ms(root, i % 2 == 0 ? b : a));
  std::sort(times.begin(), times.end(), [](auto& x, auto& y) { return x.total() < y.total(); });
  auto& med = times[times.size() / 2];
  fmt::print("switch a <-> b, {} rounds: min {:.1f} ms, median {:.1f} ms (read state and toplevel {:.1f}, plan {:.1f}, execute {:.1f}), "
             "max {:.1f} ms (target < 150 ms)\n",
             rounds, times.front().total(), med.total(), med.read, med.plan, med.execute, times.back().total());
  std::vector<double> nosync;
  for (int i = 0; i < rounds; ++i) nosync.push_back(activate_ms(root, i % 2 == 0 ? b : a, false).total());
  std::sort(nosync.begin(), nosync.end());
  fmt::print("the same without the final syncfs (execute_options::sync = false): min {:.1f} ms, median {:.1f} ms\n", nosync.front(),
             nosync[nosync.size() / 2]);

  // Syscalls of one switch, as strace counts them.
  if (std::system("command -v strace >/dev/null 2>&1") == 0) {
    std::string self = fs::read_symlink("/proc/self/exe").string();
    std::string target = rounds % 2 == 0 ? b : a;
    fs::path out = root / "strace.txt";
    std::string cmd = fmt::format("strace -c -f -o '{}' '{}' --once '{}' '{}'", out.string(), self, root.string(), target);
    if (std::system(cmd.c_str()) == 0) {
      auto text = act::detail::read_file(out);
      auto pos = text.rfind("total");
      auto line_start = pos == std::string::npos ? 0 : text.rfind('\n', pos) + 1;
      std::string total = pos == std::string::npos ? "?" : text.substr(line_start, pos + 5 - line_start);
      fmt::print("syscalls of one switch (strace -c -f): {}\n", total);
      std::string top;
      std::size_t start = 0;
      for (int line = 0; line < 12 && start < text.size(); ++line) {
        auto end = text.find('\n', start);
        top += "  " + text.substr(start, end - start) + "\n";
        start = end + 1;
      }
      fmt::print("{}", top);
    }
  } else {
    fmt::print("strace not installed: no syscall count (tools/deps strace)\n");
  }
  fs::remove_all(root);

  fs::create_directory(root);
  secrets_phase(root, rounds);
  fs::remove_all(root);
}
