// cairn/system/closure_diff.hpp: what changed between two generations' closures, as nvd and
// `nix store diff-closures` show it: packages added, removed, and changed in version, and the
// change in size.
#pragma once

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "../store/store.hpp"

namespace cairn::system {

struct package_change {
  std::string name;
  std::set<std::string> before;  // versions
  std::set<std::string> after;
};

struct closure_diff {
  std::vector<package_change> added, removed, changed;
  std::size_t paths_before = 0, paths_after = 0;
  std::uint64_t bytes_before = 0, bytes_after = 0;
};

// Nix's DrvName split: the version starts at the first dash followed by a digit.
inline std::pair<std::string, std::string> split_name(std::string_view name) {
  for (std::size_t i = 0; i + 1 < name.size(); ++i)
    if (name[i] == '-' && std::isdigit(static_cast<unsigned char>(name[i + 1])))
      return {std::string(name.substr(0, i)), std::string(name.substr(i + 1))};
  return {std::string(name), {}};
}

inline closure_diff diff_closures(store::store& s, const store::store_path& a, const store::store_path& b) {
  auto versions = [&](const store::store_path& root, std::size_t& paths, std::uint64_t& bytes) {
    std::map<std::string, std::set<std::string>> out;
    auto closure = s.requisites({root});
    paths = closure.size();
    for (const auto& p : closure) {
      bytes += s.path_info_of(p).nar_size;
      auto [name, version] = split_name(p.name());
      if (name.starts_with("cairn-system-") || name.starts_with("cairn-host-")) continue;
      out[name].insert(version);
    }
    return out;
  };
  closure_diff d;
  auto before = versions(a, d.paths_before, d.bytes_before);
  auto after = versions(b, d.paths_after, d.bytes_after);
  for (const auto& [name, v] : after) {
    auto it = before.find(name);
    if (it == before.end()) d.added.push_back({name, {}, v});
    else if (it->second != v) d.changed.push_back({name, it->second, v});
  }
  for (const auto& [name, v] : before)
    if (!after.contains(name)) d.removed.push_back({name, v, {}});
  return d;
}

inline std::string format_bytes(std::int64_t n) {
  double v = static_cast<double>(n < 0 ? -n : n);
  const char* unit = "B";
  for (const char* u : {"KiB", "MiB", "GiB"}) {
    if (v < 1024) break;
    v /= 1024;
    unit = u;
  }
  return fmt::format("{}{:.1f} {}", n < 0 ? "-" : "", v, unit);
}

inline std::string format_closure_diff(const closure_diff& d) {
  std::string out;
  auto list = [](const std::set<std::string>& versions) {
    std::string s;
    for (const auto& v : versions) s += (s.empty() ? "" : ", ") + (v.empty() ? std::string("<none>") : v);
    return s;
  };
  if (!d.added.empty()) {
    out += "Added packages:\n";
    for (const auto& c : d.added) out += fmt::format("  [A+] {} {}\n", c.name, list(c.after));
  }
  if (!d.removed.empty()) {
    out += "Removed packages:\n";
    for (const auto& c : d.removed) out += fmt::format("  [R-] {} {}\n", c.name, list(c.before));
  }
  if (!d.changed.empty()) {
    out += "Version changes:\n";
    for (const auto& c : d.changed) out += fmt::format("  [C*] {} {} -> {}\n", c.name, list(c.before), list(c.after));
  }
  if (d.added.empty() && d.removed.empty() && d.changed.empty()) out += "No package changes.\n";
  auto delta = static_cast<std::int64_t>(d.bytes_after) - static_cast<std::int64_t>(d.bytes_before);
  out += fmt::format("Closure size: {} -> {} ({} paths -> {}), disk usage {}{}.\n", format_bytes(d.bytes_before),
                     format_bytes(d.bytes_after), d.paths_before, d.paths_after, delta >= 0 ? "+" : "",
                     format_bytes(delta));
  return out;
}

}  // namespace cairn::system
