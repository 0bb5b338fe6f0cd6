// Benchmarks for cairn::age (printed, not run by the tests):
//   1. decrypting 1,000 small secrets, as an activation does (target: under 100 ms);
//   2. bulk throughput of a large file (default 1 GiB) with cairn-age and with the `age`
//      command, in the same run, on the same files, as ratios (target: at least as fast).
// Usage: cairn_age_bench [SIZE_MIB]. Small secrets are written to /dev/shm (activation writes
// to a ramfs); the large files to $CAIRN_BENCH_DIR or /tmp.
#include <cairn/age.hpp>

#include <chrono>
#include <sys/resource.h>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>

namespace age = cairn::age;
namespace fs = std::filesystem;
using clock_type = std::chrono::steady_clock;

namespace {

double seconds_since(clock_type::time_point start) {
  return std::chrono::duration<double>(clock_type::now() - start).count();
}

struct timing {
  double wall = 0, cpu = 0;  // cpu: user + system seconds of the command
};

double self_cpu() {
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

double children_cpu() {
  rusage ru{};
  ::getrusage(RUSAGE_CHILDREN, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

timing time_command(const std::string& command) {
  const double cpu0 = children_cpu();
  const auto start = clock_type::now();
  if (std::system(command.c_str()) != 0) {
    std::fprintf(stderr, "failed: %s\n", command.c_str());
    std::exit(1);
  }
  return {seconds_since(start), children_cpu() - cpu0};
}

void small_secrets(const fs::path& dir) {
  const auto id = std::make_shared<age::x25519_identity>(age::x25519_identity::generate());
  const std::vector<age::identity_ptr> ids{id};
  const std::vector<age::recipient_ptr> to{std::make_shared<age::x25519_recipient>(id->recipient())};
  constexpr int count = 1000;
  std::vector<std::string> files;
  const fs::path in_dir = dir / "small", out_dir = dir / "small-out";
  fs::create_directories(in_dir);
  fs::create_directories(out_dir);
  for (int i = 0; i < count; ++i) {
    const std::string secret = "password-" + std::to_string(i) + "-0123456789abcdef0123456789abcdef";
    const std::string cipher = age::encrypt_to_string({reinterpret_cast<const std::uint8_t*>(secret.data()), secret.size()}, to);
    files.push_back(cipher);
    std::FILE* f = std::fopen((in_dir / std::to_string(i)).c_str(), "wb");
    std::fwrite(cipher.data(), 1, cipher.size(), f);
    std::fclose(f);
  }
  double cpu = self_cpu();
  auto start = clock_type::now();
  std::size_t total = 0;
  for (const auto& c : files) total += age::decrypt_to_memory({reinterpret_cast<const std::uint8_t*>(c.data()), c.size()}, ids).size();
  const double in_memory = seconds_since(start), in_memory_cpu = self_cpu() - cpu;
  cpu = self_cpu();
  start = clock_type::now();
  for (int i = 0; i < count; ++i)
    age::decrypt_file(in_dir / std::to_string(i), out_dir / std::to_string(i), ids, {.mode = 0400});
  const double to_files = seconds_since(start), to_files_cpu = self_cpu() - cpu;
  std::vector<age::decrypt_job> jobs;
  for (int i = 0; i < count; ++i) jobs.push_back({in_dir / std::to_string(i), out_dir / ("p" + std::to_string(i)), {.mode = 0400}});
  start = clock_type::now();
  const auto failures = age::decrypt_files(jobs, ids);
  const double parallel = seconds_since(start);
  if (!failures.empty()) std::exit(1);
  std::printf("1,000 small secrets (X25519, %zu plaintext bytes in all):\n", total);
  std::printf("  decrypt in memory:               %7.1f ms  (%.0f us each; %.1f ms CPU)\n", in_memory * 1e3, in_memory * 1e6 / count,
              in_memory_cpu * 1e3);
  std::printf("  decrypt file to file (0400, atomic rename, fsync) in %s: %7.1f ms  (%.1f ms CPU; target < 100 ms)\n", dir.c_str(),
              to_files * 1e3, to_files_cpu * 1e3);
  std::printf("  decrypt_files, all cores (%u):   %7.1f ms\n", std::thread::hardware_concurrency(), parallel * 1e3);
  fs::remove_all(in_dir);
  fs::remove_all(out_dir);
}

void bulk(const fs::path& dir, std::size_t mib) {
  const std::string ours = CAIRN_AGE_EXE;
  const fs::path plain = dir / "plain", key = dir / "key.txt";
  const std::string q = "'" + dir.string() + "/";
  time_command("head -c " + std::to_string(mib) + "M /dev/urandom > " + q + "plain'");
  time_command(ours + " keygen -o " + q + "key.txt' 2>/dev/null");
  const std::string recipient = [&] {
    std::FILE* p = ::popen((ours + " keygen -y " + q + "key.txt'").c_str(), "r");
    char buf[128] = {};
    std::fgets(buf, sizeof buf, p);
    ::pclose(p);
    std::string r(buf);
    while (!r.empty() && r.back() == '\n') r.pop_back();
    return r;
  }();
  const double mb = static_cast<double>(mib) * 1024 * 1024 / 1e6;
  // Warm the page cache; best of three runs each, alternating the tools.
  time_command("cat " + q + "plain' > /dev/null");
  timing enc_ours{1e30, 1e30}, enc_age = enc_ours, dec_ours = enc_ours, dec_age = enc_ours;
  auto keep_best = [](timing& best, timing t) {
    best.wall = std::min(best.wall, t.wall);
    best.cpu = std::min(best.cpu, t.cpu);
  };
  for (int i = 0; i < 3; ++i) {
    keep_best(enc_ours, time_command(ours + " -r " + recipient + " -o " + q + "ours.age' " + q + "plain'"));
    keep_best(enc_age, time_command("age -r " + recipient + " -o " + q + "age.age' " + q + "plain'"));
    keep_best(dec_age, time_command("age -d -i " + q + "key.txt' -o " + q + "age.out' " + q + "ours.age'"));
    keep_best(dec_ours, time_command(ours + " -d -i " + q + "key.txt' -o " + q + "ours.out' " + q + "age.age'"));
  }
  time_command("cmp " + q + "plain' " + q + "age.out' && cmp " + q + "plain' " + q + "ours.out'");
  std::printf("%zu MiB file, X25519, file to file in %s (cairn-age vs age 1.1.1, best of 3):\n", mib, dir.c_str());
  auto line = [&](const char* what, timing o, timing a) {
    std::printf("  %s: cairn-age %6.2f s (%5.0f MB/s, %5.2f s CPU)   age %6.2f s (%5.0f MB/s, %5.2f s CPU)   "
                "ratio age/cairn-age: time %.2f, CPU %.2f\n",
                what, o.wall, mb / o.wall, o.cpu, a.wall, mb / a.wall, a.cpu, a.wall / o.wall, a.cpu / o.cpu);
  };
  line("encrypt", enc_ours, enc_age);
  line("decrypt", dec_ours, dec_age);
  std::printf("  (a ratio above 1 means cairn-age is faster; cairn-age also fsyncs its output before renaming it into place)\n");
  for (const char* f : {"plain", "key.txt", "ours.age", "age.age", "age.out", "ours.out"}) fs::remove(dir / f);
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t mib = argc > 1 ? std::stoul(argv[1]) : 1024;
  const char* base = std::getenv("CAIRN_BENCH_DIR");
  std::string tmpl = (fs::path(base && *base ? base : "/tmp") / "cairn-age-bench-XXXXXX").string();
  if (!::mkdtemp(tmpl.data())) return 1;
  const fs::path dir = tmpl;
  std::string shm_tmpl = "/dev/shm/cairn-age-bench-XXXXXX";
  const bool have_shm = ::mkdtemp(shm_tmpl.data()) != nullptr;
  small_secrets(have_shm ? fs::path(shm_tmpl) : dir);
  if (have_shm) fs::remove_all(shm_tmpl);
  if (std::system("command -v age >/dev/null") == 0) bulk(dir, mib);
  else std::printf("age is not installed: bulk comparison skipped\n");
  fs::remove_all(dir);
}
