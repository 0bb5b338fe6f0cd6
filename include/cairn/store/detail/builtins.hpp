#pragma once
// The in-process builders behind builders::text_file, script, symlink_join, directory_tree and
// fetch_file. Each writes the output at a physical path; inputs are read through the store.
#include <cairn/store/builders.hpp>
#include <cairn/store/detail/fs.hpp>
#include <cairn/store/detail/walk.hpp>
#include <cairn/store/restore.hpp>
#include <cairn/store/store.hpp>

#include <map>
#include <string>

namespace cairn::store::detail {

inline std::string env_or_empty(const derivation& d, const std::string& key) {
  auto it = d.env.find(key);
  return it == d.env.end() ? std::string() : it->second;
}

/// "@<base name>[/sub]" to a logical path; the base name must be a declared input.
inline std::string resolve_token(store& s, const derivation& d, std::string_view token, const store_path_set& inputs) {
  if (!token.starts_with("@")) return std::string(token);
  token.remove_prefix(1);
  const auto slash = token.find('/');
  const store_path p(token.substr(0, slash));
  if (!inputs.contains(p))
    throw store_error(fmt::format("derivation '{}' refers to '{}', which is not among its inputs", d.name, s.logical(p)));
  return s.logical(p) + (slash == std::string_view::npos ? "" : std::string(token.substr(slash)));
}

/// Checks a relative path of a tree entry: no empty, "." or ".." components, not absolute.
inline void check_relative(const derivation& d, const std::string& rel) {
  if (rel.empty() || rel.front() == '/' || rel.back() == '/' || rel.find('\0') != std::string::npos)
    throw store_error(fmt::format("directory tree '{}': invalid entry path '{}'", d.name, rel));
  std::size_t start = 0;
  while (start <= rel.size()) {
    const auto end = std::min(rel.find('/', start), rel.size());
    const auto part = std::string_view(rel).substr(start, end - start);
    if (part.empty() || part == "." || part == "..")
      throw store_error(fmt::format("directory tree '{}': entry path '{}' has an empty, '.' or '..' component", d.name, rel));
    start = end + 1;
  }
}

inline void write_file(const std::filesystem::path& p, std::string_view contents, bool executable) {
  fd f(::open(p.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, executable ? 0755 : 0644));
  if (!f) throw_sys("cannot create", p.native());
  write_all(f.get(), contents, p.native());
}

inline void copy_tree(const std::filesystem::path& from, const std::filesystem::path& to) {
  restore_visitor v(to);
  walk_path(from, v);
}

/// Symlinks every leaf of `from` (physical) into `to`, named by the logical path `logical`.
inline void join_into(store& s, const derivation& d, const std::filesystem::path& from, const std::string& logical,
                      const std::filesystem::path& to, std::map<std::string, std::string>& owner, const std::string& rel) {
  struct stat st {};
  if (::lstat(from.c_str(), &st) != 0) throw_sys("cannot stat", from.native());
  if (S_ISDIR(st.st_mode)) {
    struct stat tst {};
    if (::lstat(to.c_str(), &tst) != 0) {
      if (::mkdir(to.c_str(), 0755) != 0) throw_sys("cannot create directory", to.native());
    } else if (!S_ISDIR(tst.st_mode)) {
      throw store_error(fmt::format("symlink join '{}': collision at '{}' between '{}' and the directory '{}'", d.name,
                                    rel, owner[rel], logical));
    }
    auto dfd = fd(::open(from.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!dfd) throw_sys("cannot open directory", from.native());
    for (const auto& n : list_dir(dfd.get(), from.native()))
      join_into(s, d, from / n, logical + "/" + n, to / n, owner, rel.empty() ? n : rel + "/" + n);
    return;
  }
  if (auto it = owner.find(rel); it != owner.end() || ::access(to.c_str(), F_OK) == 0) {
    throw store_error(fmt::format("symlink join '{}': collision at '{}' between '{}' and '{}'", d.name, rel,
                                  it != owner.end() ? it->second : std::string("a directory"), logical));
  }
  if (::symlink(logical.c_str(), to.c_str()) != 0) throw_sys("cannot create symlink", to.native());
  owner[rel] = logical;
}

/// Runs a builtin builder, writing the output at `out` (physical).
inline void run_builtin(store& s, const derivation& d, const std::filesystem::path& out, const store_path_set& inputs) {
  const auto kind = std::string_view(d.builder).substr(8);
  if (kind == "write-text") {
    write_file(out, env_or_empty(d, "text"), !env_or_empty(d, "executable").empty());
  } else if (kind == "symlink-join") {
    if (::mkdir(out.c_str(), 0755) != 0) throw_sys("cannot create directory", out.native());
    std::map<std::string, std::string> owner;
    const auto list = env_or_empty(d, "paths");
    std::size_t start = 0;
    while (start < list.size()) {
      const auto end = std::min(list.find('\n', start), list.size());
      const auto logical = resolve_token(s, d, std::string_view(list).substr(start, end - start), inputs);
      join_into(s, d, s.to_physical(logical), logical, out, owner, "");
      start = end + 1;
    }
  } else if (kind == "directory-tree") {
    if (::mkdir(out.c_str(), 0755) != 0) throw_sys("cannot create directory", out.native());
    std::set<std::string> seen;
    const auto spec = env_or_empty(d, "entries");
    std::size_t start = 0;
    while (start < spec.size()) {
      const auto end = std::min(spec.find('\n', start), spec.size());
      const auto line = std::string_view(spec).substr(start, end - start);
      start = end + 1;
      std::vector<std::string_view> f;
      for (std::size_t a = 0; f.size() < 3;) {
        const auto b = line.find('\t', a);
        if (b == std::string_view::npos) break;
        f.push_back(line.substr(a, b - a));
        a = b + 1;
        if (f.size() == 3) f.push_back(line.substr(a));
      }
      if (f.size() != 4) throw store_error(fmt::format("directory tree '{}': malformed entry '{}'", d.name, line));
      const auto rel = builders::detail::unescape_field(f[2]);
      const auto value = builders::detail::unescape_field(f[3]);
      check_relative(d, rel);
      if (!seen.insert(rel).second)
        throw store_error(fmt::format("directory tree '{}': entry '{}' is given twice", d.name, rel));
      const auto target = out / rel;
      // Parents are created as directories; an existing non-directory parent is an error.
      std::filesystem::path acc = out;
      for (const auto& part : std::filesystem::path(rel).parent_path()) {
        acc /= part;
        struct stat st {};
        if (::lstat(acc.c_str(), &st) == 0) {
          if (!S_ISDIR(st.st_mode))
            throw store_error(fmt::format("directory tree '{}': '{}' is needed as a directory but is not one", d.name,
                                          acc.lexically_relative(out).native()));
        } else if (::mkdir(acc.c_str(), 0755) != 0) {
          throw_sys("cannot create directory", acc.native());
        }
      }
      struct stat st {};
      if (::lstat(target.c_str(), &st) == 0) {
        if (f[0] == "directory" && S_ISDIR(st.st_mode)) continue;
        throw store_error(fmt::format("directory tree '{}': entry '{}' collides with another entry", d.name, rel));
      }
      if (f[0] == "directory") {
        if (::mkdir(target.c_str(), 0755) != 0) throw_sys("cannot create directory", target.native());
      } else if (f[0] == "file") {
        write_file(target, value, f[1] == "x");
      } else if (f[0] == "symlink") {
        const auto to = resolve_token(s, d, value, inputs);
        if (to.empty()) throw store_error(fmt::format("directory tree '{}': symlink '{}' has an empty target", d.name, rel));
        if (::symlink(to.c_str(), target.c_str()) != 0) throw_sys("cannot create symlink", target.native());
      } else if (f[0] == "copy") {
        const auto from = resolve_token(s, d, value, inputs);
        if (!s.dir().is_in_store(from))
          throw store_error(fmt::format("directory tree '{}': '{}' copies '{}', which is not in the store", d.name, rel, from));
        copy_tree(s.to_physical(from), target);
      } else {
        throw store_error(fmt::format("directory tree '{}': unknown entry kind '{}'", d.name, f[0]));
      }
    }
  } else if (kind == "fetchurl") {
    const auto url = env_or_empty(d, "url");
    if (!url.starts_with("file://"))
      throw store_error(fmt::format("fetch '{}': only file:// URLs can be fetched here, not '{}'", d.name, url));
    const std::filesystem::path src = url.substr(7);
    struct stat st {};
    if (::stat(src.c_str(), &st) != 0) throw_sys("cannot fetch", url);
    if (!S_ISREG(st.st_mode)) throw store_error(fmt::format("cannot fetch '{}': not a regular file", url));
    fd in(::open(src.c_str(), O_RDONLY | O_CLOEXEC));
    if (!in) throw_sys("cannot open", src.native());
    fd o(::open(out.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, env_or_empty(d, "executable").empty() ? 0644 : 0755));
    if (!o) throw_sys("cannot create", out.native());
    char buf[1 << 16];
    while (auto n = read_some(in.get(), buf, sizeof buf, src.native())) write_all(o.get(), {buf, n}, out.native());
  } else {
    throw store_error(fmt::format("derivation '{}' has the unknown builtin builder '{}'", d.name, d.builder));
  }
}

}  // namespace cairn::store::detail
