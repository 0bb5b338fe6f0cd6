// cairn-inputs: the tree's inputs, pinned in cairn.lock (flake.lock's shape), as `nix flake
// update` does; `fetch` materialises each pinned input and verifies its NAR hash. Exit codes:
// 0 success, 1 error (with a message on stderr), 2 bad command line.
#include <cairn/store/hash.hpp>
#include <cairn/store/nar.hpp>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <sys/wait.h>

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

struct input_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// One declaration from inputs.cmake (cmake writes them to cairn/inputs.json).
struct declaration {
  std::string name;
  std::string type;  // "git" or "path"
  std::string url;   // git
  std::string ref;   // git, may be empty (the remote's HEAD)
  std::string path;  // path
};

std::string quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += "'\\''";
    else out += c;
  }
  return out + "'";
}

/// Runs a shell command and returns its standard output; nullopt if it failed.
std::optional<std::string> run(const std::string& command) {
  FILE* p = ::popen(command.c_str(), "r");
  if (!p) return std::nullopt;
  std::string out;
  char buf[4096];
  while (auto n = std::fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  const int status = ::pclose(p);
  if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) return std::nullopt;
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

json read_json(const fs::path& file, bool missing_ok) {
  std::ifstream in(file);
  if (!in) {
    if (missing_ok) return json::object();
    throw input_error(fmt::format("{}: cannot read the file", file.string()));
  }
  try {
    return json::parse(in);
  } catch (const json::exception& e) {
    throw input_error(fmt::format("{}: not valid JSON: {}", file.string(), e.what()));
  }
}

std::vector<declaration> read_declarations(const fs::path& file) {
  const auto j = read_json(file, false);
  std::vector<declaration> out;
  const auto inputs = j.value("inputs", json::object());
  for (const auto& [name, d] : inputs.items()) {
    declaration x{.name = name, .type = d.value("type", "")};
    x.url = d.value("url", "");
    x.ref = d.value("ref", "");
    x.path = d.value("path", "");
    out.push_back(x);
  }
  return out;
}

/// cairn.lock, checked for flake.lock's shape.
json read_lock(const fs::path& file) {
  auto j = read_json(file, true);
  if (j.empty()) {
    j = json::object();
    j["nodes"]["root"]["inputs"] = json::object();
    j["root"] = "root";
    j["version"] = 7;
    return j;
  }
  if (!j.is_object() || !j.contains("nodes") || !j["nodes"].is_object() || !j["nodes"].contains("root"))
    throw input_error(fmt::format("{}: not a lock file (no nodes.root)", file.string()));
  if (j.value("version", 0) != 7)
    throw input_error(fmt::format("{}: unsupported lock file version {}", file.string(), j.value("version", json()).dump()));
  return j;
}

void write_lock(const fs::path& file, const json& j) {
  const auto tmp = fs::path(file.string() + ".tmp");
  {
    std::ofstream out(tmp);
    out << j.dump(2) << '\n';
    if (!out) throw input_error(fmt::format("{}: cannot write the file", tmp.string()));
  }
  fs::rename(tmp, file);
}

fs::path cache_dir() {
  if (const char* c = std::getenv("CAIRN_CACHE")) return fs::path(c) / "inputs";
  if (const char* x = std::getenv("XDG_CACHE_HOME")) return fs::path(x) / "cairn/inputs";
  if (const char* h = std::getenv("HOME")) return fs::path(h) / ".cache/cairn/inputs";
  return fs::temp_directory_path() / "cairn-inputs-cache";
}

/// The bare repository caching one url.
fs::path cache_repo(const std::string& url) {
  const auto h = cairn::store::hash_string(url).to_base16().substr(0, 32);
  const auto dir = cache_dir() / (h + ".git");
  if (!fs::exists(dir / "HEAD")) {
    fs::create_directories(dir);
    if (!run(fmt::format("git init --quiet --bare {} >&2", quote(dir.string()))))
      throw input_error(fmt::format("cannot create the cache repository {}", dir.string()));
  }
  return dir;
}

std::string git(const fs::path& repo) { return fmt::format("git -C {} ", quote(repo.string())); }

bool has_commit(const fs::path& repo, const std::string& rev) {
  return run(git(repo) + fmt::format("cat-file -e {}^{{commit}} 2>/dev/null", quote(rev))).has_value();
}

/// Fetches ref (or the remote's HEAD) of url into the cache; the commit it names.
std::string fetch_ref(const fs::path& repo, const declaration& d) {
  const auto ref = d.ref.empty() ? std::string("HEAD") : d.ref;
  if (!run(git(repo) + fmt::format("fetch --quiet --force {} {} >&2", quote(d.url), quote(ref))))
    throw input_error(fmt::format("input '{}': cannot fetch '{}' from {}", d.name, ref, d.url));
  auto rev = run(git(repo) + "rev-parse FETCH_HEAD^{commit}");
  if (!rev) throw input_error(fmt::format("input '{}': {} has no commit at '{}'", d.name, d.url, ref));
  return *rev;
}

/// The tree of rev, exported without .git (git archive), into dir.
void export_tree(const fs::path& repo, const std::string& rev, const fs::path& dir) {
  fs::remove_all(dir);
  fs::create_directories(dir);
  if (!run(git(repo) + fmt::format("archive --format=tar {} | tar -x -m -C {}", quote(rev), quote(dir.string()))))
    throw input_error(fmt::format("cannot export {} of {} into {}", rev, repo.string(), dir.string()));
}

std::string nar_hash(const fs::path& dir) { return cairn::store::hash_path(dir).nar_hash.to_sri(); }

std::string date_of(long long t) {
  std::time_t tt = static_cast<std::time_t>(t);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", std::gmtime(&tt));
  return buf;
}

/// The node's locked reference as `nix flake update` prints it.
std::string describe(const json& node) {
  const auto& l = node["locked"];
  if (l.value("type", "") == "path")
    return fmt::format("'path:{}?narHash={}'", l.value("path", ""), l.value("narHash", ""));
  std::string s = "git+" + l.value("url", "") + "?";
  if (l.contains("ref")) s += "ref=" + l.value("ref", "") + "&";
  s += "rev=" + l.value("rev", "");
  return fmt::format("'{}' ({})", s, date_of(l.value("lastModified", 0LL)));
}

json original_of(const declaration& d) {
  if (d.type == "path") return {{"type", "path"}, {"path", d.path}};
  json o{{"type", "git"}, {"url", d.url}};
  if (!d.ref.empty()) o["ref"] = d.ref;
  return o;
}

/// Locks one declaration at the newest commit of its ref (or the path's current contents).
json lock_node(const declaration& d) {
  if (d.type == "path") {
    if (!fs::is_directory(d.path)) throw input_error(fmt::format("input '{}': {} is not a directory", d.name, d.path));
    const auto h = nar_hash(d.path);
    return {{"locked", {{"type", "path"}, {"path", d.path}, {"narHash", h}}}, {"original", original_of(d)}};
  }
  const auto repo = cache_repo(d.url);
  const auto rev = fetch_ref(repo, d);
  const auto tmp = cache_dir() / ("export-" + rev);
  export_tree(repo, rev, tmp);
  const auto h = nar_hash(tmp);
  fs::remove_all(tmp);
  const auto modified = std::stoll(run(git(repo) + fmt::format("log -1 --format=%ct {}", rev)).value_or("0"));
  json locked{{"type", "git"}, {"url", d.url}, {"rev", rev}, {"narHash", h}, {"lastModified", modified}};
  if (!d.ref.empty()) locked["ref"] = d.ref;
  return {{"locked", locked}, {"original", original_of(d)}};
}

int update(const fs::path& lock_file, const fs::path& decl_file, const std::vector<std::string>& only) {
  const auto decls = read_declarations(decl_file);
  auto lock = read_lock(lock_file);
  auto& nodes = lock["nodes"];
  std::set<std::string> declared;
  for (const auto& d : decls) declared.insert(d.name);
  for (const auto& n : only)
    if (!declared.count(n)) throw input_error(fmt::format("no input '{}' is declared (inputs.cmake)", n));
  const auto lock_name = lock_file.filename().string();
  bool changed = false;
  for (const auto& d : decls) {
    const bool selected = only.empty() || std::find(only.begin(), only.end(), d.name) != only.end();
    const bool present = nodes.contains(d.name);
    const bool stale = present && nodes[d.name].value("original", json()) != original_of(d);
    if (present && !selected && !stale) continue;
    auto node = lock_node(d);
    if (!present) {
      std::cerr << fmt::format("• Added input '{}':\n    {}\n", d.name, describe(node));
    } else if (nodes[d.name]["locked"] != node["locked"]) {
      std::cerr << fmt::format("• Updated input '{}':\n    {}\n  → {}\n", d.name, describe(nodes[d.name]), describe(node));
    } else if (!stale) {
      continue;
    }
    nodes[d.name] = node;
    nodes["root"]["inputs"][d.name] = d.name;
    changed = true;
  }
  std::vector<std::string> removed;
  for (const auto& [name, _] : nodes.items())
    if (name != "root" && !declared.count(name)) removed.push_back(name);
  for (const auto& name : removed) {
    std::cerr << fmt::format("• Removed input '{}' (no longer declared)\n", name);
    nodes.erase(name);
    if (nodes["root"].contains("inputs")) nodes["root"]["inputs"].erase(name);
    changed = true;
  }
  if (!nodes["root"].contains("inputs")) nodes["root"]["inputs"] = json::object();
  if (changed || !fs::exists(lock_file)) write_lock(lock_file, lock);
  if (!changed) std::cerr << fmt::format("{}: all inputs are up to date\n", lock_name);
  return 0;
}

int fetch(const fs::path& lock_file, const fs::path& decl_file, const fs::path& out) {
  const auto decls = read_declarations(decl_file);
  const auto lock = read_lock(lock_file);
  const auto& nodes = lock["nodes"];
  const auto lock_name = lock_file.filename().string();
  fs::create_directories(out);
  for (const auto& d : decls) {
    if (!nodes.contains(d.name))
      throw input_error(fmt::format("input '{}' is not pinned in {}; run tools/cairn update {}", d.name, lock_name, d.name));
    const auto& node = nodes[d.name];
    if (node.value("original", json()) != original_of(d))
      throw input_error(fmt::format("input '{}': {} pins {}, but inputs.cmake declares {}; the lock is stale, run tools/cairn update {}",
                                    d.name, lock_name, node.value("original", json()).dump(), original_of(d).dump(), d.name));
    const auto& l = node["locked"];
    const auto want = l.value("narHash", "");
    const auto dest = out / d.name;
    std::string where;
    if (d.type == "path") {
      fs::remove_all(dest);
      fs::copy(d.path, dest, fs::copy_options::recursive | fs::copy_options::copy_symlinks);
      where = "the directory " + d.path;
    } else {
      const auto rev = l.value("rev", "");
      const auto repo = cache_repo(d.url);
      if (!has_commit(repo, rev)) {
        run(git(repo) + fmt::format("fetch --quiet --force {} {} >&2 2>/dev/null", quote(d.url), quote(d.ref.empty() ? "HEAD" : d.ref)));
        if (!has_commit(repo, rev)) run(git(repo) + fmt::format("fetch --quiet {} {} 2>/dev/null >&2", quote(d.url), quote(rev)));
        if (!has_commit(repo, rev))
          throw input_error(fmt::format("input '{}': {} pins rev {}, which is not in the repository {}", d.name, lock_name, rev, d.url));
      }
      export_tree(repo, rev, dest);
      where = "the tree at rev " + rev;
    }
    const auto got = nar_hash(dest);
    if (got != want) {
      fs::remove_all(dest);
      throw input_error(fmt::format("input '{}': NAR hash mismatch: {} has {}, {} has {}", d.name, lock_name, want, where, got));
    }
  }
  std::ofstream(out / ".stamp") << "ok\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"cairn-inputs: the tree's inputs, pinned in cairn.lock"};
  app.require_subcommand(1);
  std::string lock = "cairn.lock", decls, out;
  std::vector<std::string> names;
  auto* up = app.add_subcommand("update", "pin inputs (all, or the ones named) at their newest commit");
  up->add_option("names", names, "inputs to update");
  up->add_option("--lock", lock, "the lock file")->capture_default_str();
  up->add_option("--declarations", decls, "the declarations (cairn/inputs.json)")->required();
  auto* fe = app.add_subcommand("fetch", "materialise every pinned input into DIR/NAME and verify its NAR hash");
  fe->add_option("--lock", lock, "the lock file")->capture_default_str();
  fe->add_option("--declarations", decls, "the declarations (cairn/inputs.json)")->required();
  fe->add_option("--out", out, "where to put the inputs")->required();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  try {
    if (*up) return update(lock, decls, names);
    return fetch(lock, decls, out);
  } catch (const std::exception& e) {
    std::cerr << "cairn-inputs: " << e.what() << '\n';
    return 1;
  }
}
