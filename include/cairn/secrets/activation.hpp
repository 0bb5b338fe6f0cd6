// Secrets at activation (sops-nix's sops-install-secrets, in C++): every secret of a generation
// is decrypted with the host's identities into a fresh /run/secrets.d/<N>, templates are
// rendered there, and /run/secrets is flipped to it in one rename. Decryption happens before the
// activation changes anything, so a secret that does not decrypt stops it with the old secrets
// in place; the previous directory goes once the activation has succeeded.
//
//   auto s = cairn::secrets::prepare(root, next, uid_of, gid_of, {});   // decrypts, changes nothing in force
//   cairn::secrets::flip(root, *s);                                     // /run/secrets -> secrets.d/<N>
//   cairn::secrets::finish(root, *s);                                   // old directories removed
//
// On a real machine /run/secrets.d is a ramfs (never swapped out); under a test root it is a
// plain directory. /run/secrets is a relative link ("secrets.d/<N>"), so it resolves the same
// way under a root as on the machine.
#pragma once

#include <cairn/activation/detail/fs.hpp>
#include <cairn/activation/error.hpp>
#include <cairn/activation/etc.hpp>
#include <cairn/activation/install.hpp>
#include <cairn/activation/toplevel.hpp>
#include <cairn/activation/users.hpp>
#include <cairn/age/file.hpp>
#include <cairn/age/keys.hpp>
#include <cairn/secret.hpp>

#include <botan/mem_ops.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace cairn::secrets {

namespace fs = std::filesystem;
using activation::error;

inline fs::path secrets_link(const fs::path& root) { return root / "run/secrets"; }
inline fs::path secrets_dirs(const fs::path& root) { return root / "run/secrets.d"; }
inline fs::path links_state_file(const fs::path& root) { return root / "cairn/var/activation/secret-links.json"; }

// What an activation installs, decided (and, unless dry, decrypted) before it changes anything.
struct prepared {
  int generation = 0;                        // /run/secrets.d/<generation>
  std::optional<std::string> previous;       // what /run/secrets pointed at ("secrets.d/3")
  std::size_t secrets = 0, templates = 0;
  std::set<std::string> changed;             // names whose value is new or differs from the one in force
  std::set<std::string> restart_units;       // restartUnits of the changed ones
  std::map<std::string, std::string> links;  // a path outside /run/secrets -> /run/secrets/<name>
  bool dry = false;

  [[nodiscard]] std::string target() const { return fmt::format("secrets.d/{}", generation); }
};

using id_lookup = std::function<std::optional<unsigned>(const std::string&)>;

struct prepare_options {
  bool dry = false;          // decrypt in memory only: check the keys, find what changed
  std::FILE* out = stderr;   // warnings (an identity file others can read, ...)
};

namespace detail {

using activation::detail::lexists;
using activation::detail::make_dirs;
using activation::detail::parse_mode;
using activation::detail::read_file_if_exists;
using activation::detail::read_link;

// Where a file under /run/secrets is inside the secrets directory.
inline std::string relative_path(std::string_view path) { return std::string(path.substr(run_secrets_prefix.size())); }
inline std::string relative_path(const activation::secret_spec& s) {
  return s.path.starts_with(run_secrets_prefix) ? relative_path(s.path) : s.name;
}

// The plaintexts prepare holds, wiped however it ends.
struct plaintexts : std::map<std::string, std::string> {
  plaintexts() = default;
  plaintexts(const plaintexts&) = delete;
  ~plaintexts() {
    for (auto& [name, v] : *this) Botan::secure_scrub_memory(v.data(), v.size());
  }
};

// The host's identities, as the generation names them (logical paths under root).
inline std::vector<age::identity_ptr> load_identities(const fs::path& root, const activation::secrets_spec& spec, std::FILE* out) {
  std::vector<age::identity_ptr> ids;
  std::vector<std::string> tried;
  for (auto& logical : spec.identity_paths) {
    fs::path p = activation::detail::under(root, logical);
    tried.push_back(p.string());
    if (!fs::exists(p)) continue;
    try {
      auto file = age::read_identity_file(p);
      for (auto& w : file.warnings)
        if (out) fmt::print(out, "warning: {}\n", w);
      ids.insert(ids.end(), file.identities.begin(), file.identities.end());
    } catch (const std::exception& e) {
      throw error(fmt::format("cannot read the host identity {}: {}", p.string(), e.what()));
    }
  }
  if (ids.empty())
    throw error(fmt::format("no host identity to decrypt the secrets with: tried {} (secretIdentityPaths); "
                            "create one with `tools/cairn secrets keygen -o {}`",
                            tried.empty() ? std::string("nothing") : activation::detail::join(tried, ", "),
                            tried.empty() ? std::string("KEYFILE") : tried.back()));
  return ids;
}

// On a real machine the secrets never touch a disk: /run/secrets.d is a ramfs.
inline void ensure_ramfs(const fs::path& root, const fs::path& dir, std::FILE* out) {
  if (!activation::is_real_root(root)) return;
  struct statfs st {};
  constexpr long ramfs_magic = 0x858458f6;
  if (::statfs(dir.c_str(), &st) == 0 && static_cast<long>(st.f_type) == ramfs_magic) return;
  if (::mount("ramfs", dir.c_str(), "ramfs", MS_NOSUID | MS_NODEV, "mode=0751") != 0 && out)
    fmt::print(out, "warning: cannot mount a ramfs on {} ({}); the secrets stay on the /run file system\n", dir.string(),
               std::strerror(errno));
}

inline void remove_tree(const fs::path& p) {
  std::error_code ec;
  fs::remove_all(p, ec);
}

// Substitutes each <cairn-secret:NAME> with the secret's value.
inline std::string render(const std::string& content, const std::map<std::string, std::string>& values) {
  std::string out;
  std::size_t at = 0;
  for (;;) {
    auto start = content.find(secret_placeholder_prefix, at);
    if (start == std::string::npos) break;
    auto name_at = start + secret_placeholder_prefix.size();
    auto end = content.find(secret_placeholder_suffix, name_at);
    if (end == std::string::npos) break;
    auto it = values.find(content.substr(name_at, end - name_at));
    if (it == values.end()) throw error(fmt::format("a template uses the undeclared secret '{}'", content.substr(name_at, end - name_at)));
    out.append(content, at, start - at);
    out += it->second;
    at = end + secret_placeholder_suffix.size();
  }
  out.append(content, at);
  return out;
}

inline std::map<std::string, std::string> read_links_state(const fs::path& root) {
  auto text = read_file_if_exists(links_state_file(root));
  if (!text) return {};
  try {
    return nlohmann::json::parse(*text).get<std::map<std::string, std::string>>();
  } catch (const std::exception& e) {
    throw error(fmt::format("{} is corrupt: {}", links_state_file(root).string(), e.what()));
  }
}

}  // namespace detail

// Decrypts the generation's secrets into a fresh /run/secrets.d/<N> (dry: into memory) and
// renders its templates. Owners are looked up with uid_of/gid_of: the accounts the activation
// is about to write. Throws activation::error naming every secret that failed and why; the
// fresh directory is gone then and nothing in force has changed. Returns nullopt when there is
// nothing to do (no secrets now or before).
inline std::optional<prepared> prepare(const fs::path& root, const activation::toplevel& next, const id_lookup& uid_of,
                                       const id_lookup& gid_of, const prepare_options& o = {}) {
  using namespace detail;
  const auto& spec = next.secrets;
  prepared p;
  p.dry = o.dry;
  p.previous = read_link(secrets_link(root));
  if (spec.empty() && !p.previous) return std::nullopt;
  p.secrets = spec.secrets.size();
  p.templates = spec.templates.size();

  // Owners first: an unknown one is a configuration error, found before any decryption.
  struct target {
    std::string name, rel;
    mode_t mode;
    uid_t uid;
    gid_t gid;
  };
  auto ids_of = [&](const std::string& what, const std::string& owner, const std::string& group, const std::string& mode) {
    auto uid = uid_of(owner);
    if (!uid) throw error(fmt::format("{}: its owner '{}' is not a user of this generation or the system", what, owner));
    auto gid = gid_of(group);
    if (!gid) throw error(fmt::format("{}: its group '{}' is not a group of this generation or the system", what, group));
    return std::tuple{static_cast<uid_t>(*uid), static_cast<gid_t>(*gid), parse_mode(mode)};
  };
  std::vector<target> secret_targets, template_targets;
  for (auto& s : spec.secrets) {
    auto [uid, gid, mode] = ids_of(fmt::format("secret '{}'", s.name), s.owner, s.group, s.mode);
    secret_targets.push_back({s.name, relative_path(s), mode, uid, gid});
    if (!s.path.starts_with(run_secrets_prefix)) p.links[s.path] = std::string(run_secrets_prefix) + s.name;
  }
  for (auto& t : spec.templates) {
    auto [uid, gid, mode] = ids_of(fmt::format("template '{}'", t.name), t.owner, t.group, t.mode);
    template_targets.push_back({t.name, relative_path(t.path), mode, uid, gid});
  }

  // A symlink outside /run/secrets may replace only a link cairn made.
  auto managed_links = read_links_state(root);
  for (auto& [path, to] : p.links) {
    fs::path real = activation::detail::under(root, path);
    if (lexists(real) && !managed_links.contains(path) && !(fs::is_symlink(fs::symlink_status(real)) && read_link(real) == to))
      throw error(fmt::format("secret link {}: {} exists and is not cairn's; move it away first", path, real.string()));
  }

  std::vector<age::identity_ptr> identities;
  if (!spec.secrets.empty()) identities = load_identities(root, spec, o.out);

  fs::path dirs = secrets_dirs(root);
  int highest = 0;
  if (fs::is_directory(dirs))
    for (auto& e : fs::directory_iterator(dirs))
      if (auto n = activation::detail::to_int(e.path().filename().string()); n && *n > 0) highest = std::max(highest, *n);
  p.generation = highest + 1;
  fs::path dir = dirs / std::to_string(p.generation);
  const fs::path in_force = secrets_link(root);  // the values now in force, for "changed"

  auto note_change = [&](const std::string& name, const std::string& rel, const std::string& value,
                         const std::vector<std::string>& units) {
    auto old = p.previous ? read_file_if_exists(in_force / rel) : std::nullopt;
    if (!old || *old != value) {
      p.changed.insert(name);
      p.restart_units.insert(units.begin(), units.end());
    }
  };

  plaintexts values;  // for the templates and "changed"
  try {
    std::vector<std::string> failures;  // "  secret 'x' (file): why", one a secret
    if (o.dry) {
      for (auto& s : spec.secrets) {
        try {
          auto text = activation::detail::read_file(s.source);
          auto plain = age::decrypt_to_memory({reinterpret_cast<const std::uint8_t*>(text.data()), text.size()}, identities);
          values[s.name] = std::string(reinterpret_cast<const char*>(plain.data()), plain.size());
        } catch (const std::exception& e) {
          failures.push_back(fmt::format("  secret '{}' ({}): {}", s.name, s.source.string(), e.what()));
        }
      }
    } else {
      make_dirs(root / "run");
      make_dirs(dirs, 0751);
      ensure_ramfs(root, dirs, o.out);
      if (::mkdir(dir.c_str(), 0751) != 0) activation::detail::throw_sys("create", dir);
      std::vector<age::decrypt_job> jobs;
      for (std::size_t i = 0; i < spec.secrets.size(); ++i) {
        auto& t = secret_targets[i];
        fs::path out = dir / t.rel;
        make_dirs(out.parent_path(), 0751);
        // No fsync: /run does not outlive a reboot, and the directory is not in force until the flip.
        jobs.push_back({spec.secrets[i].source, out, {.mode = t.mode, .owner = t.uid, .group = t.gid, .overwrite = false, .sync = false}});
      }
      for (auto& f : age::decrypt_files(jobs, identities))
        failures.push_back(fmt::format("  secret '{}' ({}): {}", spec.secrets[f.job].name, spec.secrets[f.job].source.string(), f.message));
      if (failures.empty())
        for (std::size_t i = 0; i < spec.secrets.size(); ++i)
          values[spec.secrets[i].name] = activation::detail::read_file(dir / secret_targets[i].rel);
    }
    if (!failures.empty())
      throw error(fmt::format("{} secret(s) cannot be decrypted with this host's identities:\n{}", failures.size(),
                              activation::detail::join(failures, "\n")));
    for (std::size_t i = 0; i < spec.secrets.size(); ++i)
      note_change(spec.secrets[i].name, secret_targets[i].rel, values[spec.secrets[i].name], spec.secrets[i].restart_units);

    for (std::size_t i = 0; i < spec.templates.size(); ++i) {
      auto& t = template_targets[i];
      std::string text = render(spec.templates[i].content, values);
      note_change(spec.templates[i].name, t.rel, text, spec.templates[i].restart_units);
      if (!o.dry) {
        fs::path out = dir / t.rel;
        make_dirs(out.parent_path(), 0751);
        age::write_file_atomically(out, {.mode = t.mode, .owner = t.uid, .group = t.gid, .overwrite = false, .sync = false},
                                   [&](age::sink& s) { s.write({reinterpret_cast<const std::uint8_t*>(text.data()), text.size()}); });
      }
      Botan::secure_scrub_memory(text.data(), text.size());
    }
  } catch (const error&) {
    if (!o.dry) remove_tree(dir);
    throw;
  } catch (const std::exception& e) {
    if (!o.dry) remove_tree(dir);
    throw error(fmt::format("installing the secrets into {} failed: {}", dir.string(), e.what()));
  }
  return p;
}

// Where a hashedPasswordFile (or any path) under /run/secrets is once p is in force.
inline fs::path resolve_after(const fs::path& root, const std::optional<prepared>& p, std::string_view logical) {
  if (p && !p->dry && logical.starts_with(run_secrets_prefix))
    return secrets_dirs(root) / std::to_string(p->generation) / detail::relative_path(logical);
  return activation::detail::resolve_in_root(root, logical);
}

// Puts p in force: /run/secrets -> secrets.d/<N> in one rename, then the links outside it.
inline void flip(const fs::path& root, const prepared& p) {
  using namespace activation::detail;
  make_dirs(root / "run");
  atomic_symlink(p.target(), secrets_link(root));
  crash_point("secrets: /run/secrets flipped");
  auto managed = detail::read_links_state(root);
  std::map<std::string, std::string> work = managed;  // old ∪ new while links change
  work.insert(p.links.begin(), p.links.end());
  if (work != managed) write_file_atomic(links_state_file(root), nlohmann::json(work).dump(1) + "\n", {.mode = 0644});
  for (auto& [path, to] : p.links) {
    fs::path real = under(root, path);
    make_dirs(real.parent_path());
    atomic_symlink(to, real);
  }
  for (auto& [path, to] : managed)
    if (!p.links.contains(path)) {
      fs::path real = under(root, path);
      if (fs::is_symlink(fs::symlink_status(real))) remove_file(real);
    }
  if (work != p.links) write_file_atomic(links_state_file(root), nlohmann::json(p.links).dump(1) + "\n", {.mode = 0644});
  crash_point("secrets: links updated");
}

// Drops p's directory before it was put in force (the activation stopped before its first change).
inline void discard(const fs::path& root, const prepared& p) {
  if (!p.dry) detail::remove_tree(secrets_dirs(root) / std::to_string(p.generation));
}

// Puts the secrets that were in force before p back (a failed activation).
inline void unflip(const fs::path& root, const prepared& p) {
  using namespace activation::detail;
  if (p.previous) atomic_symlink(*p.previous, secrets_link(root));
  else remove_file(secrets_link(root));
  discard(root, p);
}

// After a successful activation: every directory of /run/secrets.d but the one in force goes.
inline void finish(const fs::path& root) {
  auto current = detail::read_link(secrets_link(root));
  fs::path dirs = secrets_dirs(root);
  if (!fs::is_directory(dirs)) return;
  for (auto& e : fs::directory_iterator(dirs)) {
    std::string name = e.path().filename().string();
    if (current && *current == "secrets.d/" + name) continue;
    detail::remove_tree(e.path());
  }
}

// One line for dry-activate and the progress output.
inline std::string describe(const prepared& p) {
  return fmt::format("{} {} secret(s) and {} template(s) into /run/secrets.d/{}{}", p.dry ? "would install" : "installing", p.secrets,
                     p.templates, p.generation,
                     p.changed.empty() ? std::string() : fmt::format(" (changed: {})", activation::detail::join({p.changed.begin(), p.changed.end()}, ", ")));
}

}  // namespace cairn::secrets
