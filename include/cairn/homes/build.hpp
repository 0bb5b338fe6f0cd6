// cairn/homes/build.hpp: a home's evaluated configuration becomes its generation: a store path
// built by the store's derivations, in the layout of homes/generation.hpp.
//
//   cairn::evaluator e(cairn::module_info_of<people::alice::home>(), meta);
//   auto built = cairn::homes::build_home(e, s, {.repo = "/src/config"});
//   // built.generation.path == "/cairn/store/<hash>-cairn-home-alice-0.1"
//
// What goes in, read from the options modules/home declares:
//   home.username / home.homeDirectory / home.stateVersion
//   home.file.<name>   text (with its executable bit) or source, a file or a directory taken
//                      from the repository; a directory is one link, or one link per file
//                      (recursive)
//   home.packages      realised by the store and joined into home-path/ (~/.cairn-profile)
#pragma once

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "../activation/detail/fs.hpp"
#include "../eval.hpp"
#include "../store/builders.hpp"
#include "../store/realise.hpp"
#include "../store/store.hpp"
#include "../system/toplevel.hpp"
#include "generation.hpp"

namespace cairn::homes {

struct home_build_options {
  unsigned jobs = 1;
  fs::path repo = ".";  // relative home.file.<name>.source paths start here
  std::function<void(std::string_view)> progress;
};

struct built_home {
  store::store_path path;
  home_generation generation;
};

namespace detail {

using system::detail::bool_member;
using system::detail::optional_string;
using system::detail::read_if_declared;
using system::detail::string_member;

inline std::string read_whole(const fs::path& file) {
  auto text = activation::detail::read_file_if_exists(file);
  if (!text) throw evaluation_error(fmt::format("cannot read {}", file.string()));
  return *text;
}

inline bool is_executable(const fs::path& p) {
  struct stat st;
  return ::stat(p.c_str(), &st) == 0 && (st.st_mode & S_IXUSR) != 0;
}

}  // namespace detail

// The generation's files and links, from home.file.
struct home_contents {
  std::vector<store::builders::entry> entries;  // under home-files/
  std::vector<home_file> files;                 // the links in the home
};

inline home_contents home_contents_of(evaluator& e, const fs::path& repo) {
  using store::builders::entry;
  home_contents out;
  std::map<std::string, std::string> owner;  // target -> the home.file name that makes it
  auto claim = [&](const std::string& target, const std::string& name) {
    auto [it, fresh] = owner.emplace(target, name);
    if (!fresh)
      throw evaluation_error(fmt::format("home.file.\"{}\" and home.file.\"{}\" both write {}", it->second, name, target));
  };
  const value* files = detail::read_if_declared(e, "home.file");
  if (files == nullptr) return out;
  for (const auto& [name, f] : files->as_attrs()) {
    if (!detail::bool_member(f, "enable", true)) continue;
    std::string target = detail::string_member(f, "target", name);
    bool executable = detail::bool_member(f, "executable");
    bool force = detail::bool_member(f, "force");
    std::string at = "home-files/" + target;
    if (auto text = detail::optional_string(f, "text")) {
      claim(target, name);
      out.entries.push_back(entry::file(at, *text, executable));
      out.files.push_back({target, at, force});
      continue;
    }
    fs::path source = detail::string_member(f, "source");
    if (source.is_relative()) source = repo / source;
    std::error_code ec;
    auto st = fs::status(source, ec);
    if (ec || !fs::exists(st))
      throw evaluation_error(fmt::format("home.file.\"{}\".source: {} does not exist", name, source.string()));
    if (!fs::is_directory(st)) {
      claim(target, name);
      out.entries.push_back(entry::file(at, detail::read_whole(source), executable || detail::is_executable(source)));
      out.files.push_back({target, at, force});
      continue;
    }
    bool recursive = detail::bool_member(f, "recursive");
    if (!recursive) {
      claim(target, name);
      out.entries.push_back(entry::directory(at));
      out.files.push_back({target, at, force});
    }
    std::vector<fs::path> inside{fs::recursive_directory_iterator(source), fs::recursive_directory_iterator()};
    std::sort(inside.begin(), inside.end());
    for (const auto& p : inside) {
      std::string rel = p.lexically_relative(source).generic_string();
      if (fs::is_directory(p)) {
        if (!recursive) out.entries.push_back(entry::directory(at + "/" + rel));
        continue;
      }
      out.entries.push_back(entry::file(at + "/" + rel, detail::read_whole(p), executable || detail::is_executable(p)));
      if (recursive) {
        claim(target + "/" + rel, name);
        out.files.push_back({target + "/" + rel, at + "/" + rel, force});
      }
    }
  }
  // A link cannot sit inside another link's directory: ".config" and ".config/git/config".
  for (auto it = owner.begin(); it != owner.end(); ++it) {
    auto next = std::next(it);
    if (next != owner.end() && next->first.starts_with(it->first + "/"))
      throw evaluation_error(fmt::format("home.file.\"{}\" links {} as a whole, so home.file.\"{}\" cannot link {} inside it",
                                         it->second, it->first, next->second, next->first));
  }
  std::sort(out.files.begin(), out.files.end(), [](const home_file& a, const home_file& b) { return a.target < b.target; });
  return out;
}

// Evaluates everything (assertions included: the caller prints warnings) and builds the home's
// generation into `s`.
inline built_home build_home(evaluator& e, store::store& s, const home_build_options& options = {}) {
  e.force_all();
  if (auto failed = failed_assertions(e); !failed.empty())
    throw evaluation_error(cairn::detail::messages::failed_assertions(failed));
  home_generation g;
  g.user = e.read("home.username").as_string();
  g.home_directory = e.read("home.homeDirectory").as_string();
  g.state_version = e.read("home.stateVersion").as_string();
  if (!fs::path(g.home_directory).is_absolute())
    throw evaluation_error(fmt::format("home.homeDirectory = \"{}\" is not an absolute path", g.home_directory));
  auto contents = home_contents_of(e, options.repo);

  // The packages, joined: the per-user profile.
  std::vector<store::drv_output> package_drvs;
  if (const value* packages = detail::read_if_declared(e, "home.packages"))
    for (const auto& p : packages->as_list()) package_drvs.push_back(system::package_derivation(s, p.as_package()));
  store::realise_options realise_opts{.jobs = std::max(1u, options.jobs), .progress = options.progress};
  auto realised = store::realise(s, package_drvs, realise_opts);
  std::vector<store::builders::input> packages(realised.outputs.begin(), realised.outputs.end());
  auto home_path = s.add_derivation(store::builders::symlink_join(fmt::format("cairn-home-path-{}", g.user), packages));
  store::realise(s, std::vector<store::drv_output>{home_path}, realise_opts);

  g.files = contents.files;
  g.files.push_back({std::string(profile_link_name), "home-path"});
  std::sort(g.files.begin(), g.files.end(), [](const home_file& a, const home_file& b) { return a.target < b.target; });
  std::vector<store::builders::entry> entries{store::builders::entry::directory("home-files")};
  entries.insert(entries.end(), contents.entries.begin(), contents.entries.end());
  entries.push_back(store::builders::entry::link("home-path", home_path));
  entries.push_back(store::builders::entry::file("home.json", home_json(g).dump(2) + "\n"));
  std::string label = g.state_version.empty() ? "cairn" : g.state_version;
  auto drv = s.add_derivation(store::builders::directory_tree(fmt::format("cairn-home-{}-{}", g.user, label), entries));
  auto path = store::realise(s, std::vector<store::drv_output>{drv}, realise_opts).outputs.at(0);
  g.path = s.logical(path);
  return {path, g};
}

}  // namespace cairn::homes
