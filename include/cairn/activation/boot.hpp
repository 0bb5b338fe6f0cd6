// systemd-boot loader entries for a generation (written by `switch` and `boot` when the toplevel
// has boot.json): ROOT/boot/loader/entries/cairn-generation-<N>.conf, the kernel and initrd copied
// to ROOT/boot/cairn/, and loader.conf's default pointing at the entry. Space is checked before
// anything is written.
#pragma once

#include <cairn/activation/detail/fs.hpp>
#include <cairn/activation/error.hpp>
#include <cairn/activation/generations.hpp>
#include <cairn/activation/toplevel.hpp>

#include <fmt/format.h>

#include <filesystem>
#include <string>
#include <vector>

#include <sys/statvfs.h>

namespace cairn::activation {

namespace fs = std::filesystem;

struct boot_plan {
  fs::path dir;                                        // ROOT/boot
  std::string entry_name;                              // cairn-generation-<N>.conf
  std::string entry_text;
  std::vector<std::pair<fs::path, fs::path>> copies;   // kernel/initrd: from, to (only missing ones)
  std::uintmax_t bytes_needed = 0;
  std::uintmax_t bytes_free = 0;
};

inline boot_plan plan_boot(const fs::path& root, const toplevel& t, int generation) {
  boot_plan p;
  p.dir = root / "boot";
  const boot_entry& b = *t.boot;
  std::string id = fs::path(t.path).filename().string().substr(0, 32);
  p.entry_name = fmt::format("cairn-generation-{}.conf", generation);
  std::string text = fmt::format("title {}\nversion Generation {}{}\n", b.title.empty() ? t.host_name : b.title, generation,
                                 t.label.empty() ? "" : " " + t.label);
  auto add_file = [&](const std::optional<std::string>& rel, const char* key, const char* suffix) {
    if (!rel) return;
    fs::path from = t.real / *rel;
    std::error_code ec;
    auto size = fs::file_size(from, ec);
    if (ec) throw error(fmt::format("toplevel {}: boot file {} is missing: {}", t.path, from.string(), ec.message()));
    fs::path to = p.dir / "cairn" / fmt::format("{}-{}", id, suffix);
    text += fmt::format("{} /cairn/{}\n", key, to.filename().string());
    if (fs::exists(to, ec) && fs::file_size(to, ec) == size) return;
    p.copies.emplace_back(from, to);
    p.bytes_needed += size;
  };
  add_file(b.kernel, "linux", "linux");
  add_file(b.initrd, "initrd", "initrd");
  std::string options = fmt::format("cairn.toplevel={}", t.path);
  for (auto& k : b.kernel_params) options += " " + k;
  text += "options " + options + "\n";
  p.entry_text = text;
  p.bytes_needed += text.size() + 4096;

  fs::path probe = p.dir;
  while (!fs::exists(probe) && probe.has_parent_path() && probe != probe.parent_path()) probe = probe.parent_path();
  struct statvfs sv;
  if (::statvfs(probe.c_str(), &sv) != 0) detail::throw_sys("check free space on", probe);
  p.bytes_free = static_cast<std::uintmax_t>(sv.f_bavail) * sv.f_frsize;
  if (p.bytes_free < p.bytes_needed)
    throw error(fmt::format("refusing to write boot entries: {} has {} bytes free, generation {} needs {} (kernel, initrd, entry); "
                            "free space there or delete old generations",
                            p.dir.string(), p.bytes_free, generation, p.bytes_needed));
  return p;
}

// Points loader.conf's default at entry (if that entry exists), keeping its other lines.
inline void set_default_boot_entry(const fs::path& boot_dir, const std::string& entry) {
  using namespace detail;
  if (!lexists(boot_dir / "loader/entries" / entry)) return;
  std::string conf = read_file_if_exists(boot_dir / "loader/loader.conf").value_or("timeout 5\n");
  std::string out;
  bool replaced = false;
  std::size_t start = 0;
  while (start < conf.size()) {
    auto end = conf.find('\n', start);
    std::string line = conf.substr(start, end == std::string::npos ? std::string::npos : end - start);
    start = end == std::string::npos ? conf.size() : end + 1;
    if (line.starts_with("default ") || line == "default") {
      line = "default " + entry;
      replaced = true;
    }
    out += line + "\n";
  }
  if (!replaced) out = "default " + entry + "\n" + out;
  write_file_atomic(boot_dir / "loader/loader.conf", out, {.mode = 0644, .sync = true});
}

inline void apply_boot(const fs::path& root, const boot_plan& p) {
  using namespace detail;
  for (auto& [from, to] : p.copies) {
    make_dirs(to.parent_path());
    write_file_atomic(to, read_file(from), {.mode = 0644, .sync = true});
  }
  make_dirs(p.dir / "loader/entries");
  write_file_atomic(p.dir / "loader/entries" / p.entry_name, p.entry_text, {.mode = 0644, .sync = true});
  // Entries of generations that no longer exist go.
  for (auto& e : fs::directory_iterator(p.dir / "loader/entries")) {
    std::string n = e.path().filename().string();
    if (!n.starts_with("cairn-generation-") || !n.ends_with(".conf")) continue;
    int g = std::atoi(n.c_str() + 17);
    if (g > 0 && !lexists(generation_link(root, g))) remove_file(e.path());
  }
  set_default_boot_entry(p.dir, p.entry_name);
}

}  // namespace cairn::activation
