// cairn/homes/diff.hpp: what changed in the home between two generations: links added,
// removed, and files whose contents changed (home-manager's `generations` diff, nvd's for files).
#pragma once

#include <cairn/activation/detail/fs.hpp>
#include <cairn/homes/generation.hpp>

#include <fmt/format.h>

#include <map>
#include <string>
#include <vector>

namespace cairn::homes {

struct home_diff {
  std::vector<std::string> added, removed, changed;  // targets, sorted
  bool empty() const { return added.empty() && removed.empty() && changed.empty(); }
};

namespace detail {

// Whether two files or trees hold the same: contents, executable bits and link targets.
inline bool same_tree(const fs::path& a, const fs::path& b) {
  std::error_code ec;
  auto sa = fs::symlink_status(a, ec), sb = fs::symlink_status(b, ec);
  if (sa.type() != sb.type()) return false;
  if (fs::is_symlink(sa)) return fs::read_symlink(a, ec) == fs::read_symlink(b, ec);
  if (fs::is_regular_file(sa))
    return (sa.permissions() & fs::perms::owner_exec) == (sb.permissions() & fs::perms::owner_exec) &&
           activation::detail::read_file_if_exists(a) == activation::detail::read_file_if_exists(b);
  if (!fs::is_directory(sa)) return true;
  std::vector<std::string> na, nb;
  for (const auto& e : fs::directory_iterator(a, ec)) na.push_back(e.path().filename().string());
  for (const auto& e : fs::directory_iterator(b, ec)) nb.push_back(e.path().filename().string());
  std::sort(na.begin(), na.end());
  std::sort(nb.begin(), nb.end());
  if (na != nb) return false;
  for (const auto& n : na)
    if (!same_tree(a / n, b / n)) return false;
  return true;
}

}  // namespace detail

inline home_diff diff_homes(const fs::path& root, const home_generation& a, const home_generation& b) {
  home_diff d;
  std::map<std::string, std::string> in_a, in_b;
  for (const auto& f : a.files) in_a[f.target] = f.source;
  for (const auto& f : b.files) in_b[f.target] = f.source;
  auto real = [&](const home_generation& g, const std::string& source) {
    return activation::detail::resolve_in_root(root, g.path + "/" + source);
  };
  for (const auto& [t, source] : in_a)
    if (!in_b.contains(t)) d.removed.push_back(t);
  for (const auto& [t, source] : in_b) {
    auto it = in_a.find(t);
    if (it == in_a.end()) d.added.push_back(t);
    else if (!detail::same_tree(real(a, it->second), real(b, source))) d.changed.push_back(t);
  }
  return d;
}

inline std::string format_home_diff(const home_diff& d) {
  if (d.empty()) return "home files: no changes\n";
  std::string out = fmt::format("home files: {} added, {} removed, {} changed\n", d.added.size(), d.removed.size(), d.changed.size());
  for (const auto& t : d.added) out += "  + " + t + "\n";
  for (const auto& t : d.removed) out += "  - " + t + "\n";
  for (const auto& t : d.changed) out += "  ~ " + t + "\n";
  return out;
}

}  // namespace cairn::homes
