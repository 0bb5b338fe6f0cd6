// cairn/homes/generation.hpp: a home's generation, the store path a home builds into, and
// where its generations are kept.
//
//   /cairn/store/<hash>-cairn-home-alice-0.1/
//     home.json        {"version": 1, "user", "homeDirectory", "stateVersion",
//                       "files": [{"target": ".bashrc", "source": "home-files/.bashrc"[, "force": true]}, ...]}
//     home-files/      the files linked into the home (home-manager's home-manager-files)
//     home-path ->     the packages joined (home-manager's home-manager-path)
//
// Every entry of "files" is one link in the home: <home>/<target> -> <generation>/<source>;
// ~/.cairn-profile -> <generation>/home-path is one of them. The generations of alice's home are
// the profile ROOT/cairn/var/profiles/per-user/alice/home (home-<N>-link), roots of the store
// as the system's are (home-manager's per-user profile).
#pragma once

#include <cairn/activation/detail/fs.hpp>
#include <cairn/activation/error.hpp>
#include <cairn/activation/generations.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace cairn::homes {

namespace fs = std::filesystem;
using activation::error;

inline constexpr int home_format_version = 1;

// Where the per-user profile links to the packages.
inline constexpr std::string_view profile_link_name = ".cairn-profile";

struct home_file {
  std::string target;  // relative to the home: ".config/git/config"
  std::string source;  // relative to the generation: "home-files/.config/git/config"
  bool force = false;  // replaces whatever file is there (home.file.<name>.force)
  friend bool operator==(const home_file&, const home_file&) = default;
};

struct home_generation {
  std::string path;  // logical store path
  std::string user;
  std::string home_directory;
  std::string state_version;
  std::vector<home_file> files;  // sorted by target
};

inline activation::profile home_profile(const fs::path& root, const std::string& user) {
  return {root / "cairn/var/profiles/per-user" / user, "home"};
}

// The state of a user's home activations (journal, lock): ROOT/cairn/var/homes/<user>.
inline fs::path home_state_dir(const fs::path& root, const std::string& user) { return root / "cairn/var/homes" / user; }

inline nlohmann::json home_json(const home_generation& g) {
  nlohmann::json files = nlohmann::json::array();
  for (const auto& f : g.files) {
    nlohmann::json e{{"target", f.target}, {"source", f.source}};
    if (f.force) e["force"] = true;
    files.push_back(std::move(e));
  }
  return {{"version", home_format_version}, {"user", g.user},   {"homeDirectory", g.home_directory},
          {"stateVersion", g.state_version}, {"files", files}};
}

// Reads a generation (a logical store path) of root's store.
inline home_generation read_home_generation(const fs::path& root, const std::string& path) {
  fs::path file = activation::detail::resolve_in_root(root, path) / "home.json";
  auto text = activation::detail::read_file_if_exists(file);
  if (!text) throw error(fmt::format("{} is not a home generation: {} is missing", path, file.string()));
  home_generation g;
  g.path = path;
  try {
    auto j = nlohmann::json::parse(*text);
    if (j.at("version").get<int>() != home_format_version)
      throw error(fmt::format("{}: home format version {} (this cairn reads {})", file.string(), j.at("version").get<int>(),
                              home_format_version));
    g.user = j.at("user").get<std::string>();
    g.home_directory = j.at("homeDirectory").get<std::string>();
    g.state_version = j.value("stateVersion", "");
    for (const auto& f : j.at("files")) g.files.push_back({f.at("target").get<std::string>(), f.at("source").get<std::string>(), f.value("force", false)});
  } catch (const nlohmann::json::exception& e) {
    throw error(fmt::format("{}: not a valid home.json: {}", file.string(), e.what()));
  }
  std::sort(g.files.begin(), g.files.end(), [](const home_file& a, const home_file& b) { return a.target < b.target; });
  return g;
}

}  // namespace cairn::homes
