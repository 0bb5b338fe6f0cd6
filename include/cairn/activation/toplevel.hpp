// The toplevel: one directory (a store path once the store adds it) that holds everything a
// generation activates, and the program that activates it.
//
// Layout (version 1; every path relative to the toplevel directory):
//
//   cairn-toplevel.json      {"version":1, "hostName", "system", "stateVersion", "label"}
//   etc/                     the /etc tree as NixOS builds it: etc/<target> is a regular file
//                            (text entries) or a symlink to its source (a logical store path)
//   etc.json                 the manifest of etc/: [{"target", "mode", "user", "group", "uid",
//                            "gid", "replace"}], sorted by target. mode "symlink" (default):
//                            /etc/<target> -> /etc/static/<target>; "direct-symlink": /etc/<target>
//                            -> the entry's own source; an octal mode ("0440"): copied, with that
//                            owner and mode. replace: an unmanaged file in the way is moved to
//                            <target>.cairn-backup, a link in a unit's <dir>.wants/ to
//                            <dir>.wants.cairn-backup/ (out of systemd's sight), and restored when
//                            cairn stops managing it; without it, such a file is an error that
//                            names it.
//                            Systemd units are ordinary entries under etc/systemd/system/ (unit
//                            files, <unit>.d/*.conf drop-ins, <target>.wants/<unit> links; a
//                            masked unit is a link to /dev/null), as in NixOS.
//   users-groups.json        update-users-groups.pl's input: {"users":[{"name","uid"|null,
//                            "group","extraGroups","description","home","createHome","homeMode",
//                            "isSystemUser","shell","hashedPassword","hashedPasswordFile",
//                            "initialHashedPassword"}], "groups":[{"name","gid"|null,"members"}],
//                            "mutableUsers"}
//   activation-scripts.json  [{"name","deps","text","supportsDryActivation"}]
//   secrets.json             optional: {"identityPaths":[...], "secrets":[{"name","path","owner",
//                            "group","mode","restartUnits"}], "templates":[{"name","content","path",
//                            "owner","group","mode","restartUnits"}]}; contents hold placeholders
//   secrets/<name>.age       each secret's age ciphertext, as the repository has it
//   sw/                      symlink join of the packages (each leaf -> the package's file)
//   homes.json, homes/       optional: [{"user","generation","backupExtension"}]; homes/<user> ->
//                            the user's home generation (homes/generation.hpp), activated after the
//                            system as that user
//   bin/switch-to-configuration   the program that activates this generation (a copy)
//   boot.json, kernel, initrd     optional: {"loader":"systemd-boot","title","kernel","initrd",
//                            "kernelParams"}; kernel/initrd name files of this toplevel
//
// write_toplevel(dir, spec) materialises a spec into a plain directory; read_toplevel(root, path)
// reads and checks one through a target root (path is logical: /cairn/store/<hash>-<name>).
#pragma once

#include <cairn/activation/detail/fs.hpp>
#include <cairn/activation/error.hpp>
#include <cairn/secret.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace cairn::activation {

namespace fs = std::filesystem;

inline constexpr int toplevel_version = 1;

// One environment.etc entry.
struct etc_entry_spec {
  std::string target;                 // relative to /etc: "ssh/sshd_config"
  std::optional<std::string> text;    // contents, written into the toplevel
  std::optional<std::string> source;  // or a logical path the entry links to
  std::string mode = "symlink";       // "symlink", "direct-symlink", or an octal mode: copied
  std::string user;                   // owner of a copied entry: a name, or "" for uid
  std::string group;                  // group of a copied entry: a name, or "" for gid
  int uid = 0;
  int gid = 0;
  bool replace = false;               // an unmanaged file in the way is backed up and replaced
};

// A systemd unit (installed as etc/systemd/system/<name>).
struct unit_spec {
  std::string name;                    // "sshd.service"
  std::string text;                    // the unit file
  std::vector<std::string> wanted_by;  // targets whose .wants/ link it
  bool masked = false;                 // link to /dev/null
  bool replace = false;                // an unmanaged file there (a distribution's alias) is set aside
};

// A drop-in for a unit cairn does or does not define (etc/systemd/system/<unit>.d/<name>).
struct drop_in_spec {
  std::string unit;
  std::string name;  // "overrides.conf"
  std::string text;
};

struct user_spec {
  std::string name;
  std::optional<int> uid;  // nullopt: allocated, then stable (the id map)
  std::string group = "users";
  std::vector<std::string> extra_groups;
  std::string description;
  std::string home = "/var/empty";
  bool create_home = false;
  std::string home_mode = "700";
  bool is_system_user = false;
  std::string shell;  // "" -> /usr/sbin/nologin
  std::optional<std::string> hashed_password;
  std::optional<std::string> hashed_password_file;  // logical path, read at activation
  std::optional<std::string> initial_hashed_password;
};

struct group_spec {
  std::string name;
  std::optional<int> gid;
  std::vector<std::string> members;
};

struct users_groups_spec {
  std::vector<user_spec> users;
  std::vector<group_spec> groups;
  bool mutable_users = true;
};

struct activation_script_spec {
  std::string name;
  std::vector<std::string> deps;
  std::string text;
  bool supports_dry_activation = false;
};

// A secret: its ciphertext goes into the toplevel, activation decrypts it (secrets/activation.hpp).
struct secret_spec {
  std::string name;
  fs::path source;  // write side: the encrypted file to copy; read side: secrets/<name>.age in the toplevel
  std::string path;  // /run/secrets/<name>; elsewhere, a symlink to /run/secrets/<name>
  std::string owner = "root";
  std::string group = "root";
  std::string mode = "0400";
  std::vector<std::string> restart_units;
};

// A file rendered at activation from text with <cairn-secret:NAME> placeholders.
struct secret_template_spec {
  std::string name;
  std::string content;
  std::string path;  // under /run/secrets
  std::string owner = "root";
  std::string group = "root";
  std::string mode = "0400";
  std::vector<std::string> restart_units;
};

struct secrets_spec {
  std::vector<std::string> identity_paths;
  std::vector<secret_spec> secrets;
  std::vector<secret_template_spec> templates;
  [[nodiscard]] bool empty() const { return secrets.empty() && templates.empty(); }
};

// systemd-boot loader entry data (the toplevel asks for entries by having one).
struct boot_spec {
  std::string loader = "systemd-boot";
  std::string title;
  std::optional<fs::path> kernel;  // a real file, copied into the toplevel as "kernel"
  std::optional<fs::path> initrd;  // likewise "initrd"
  std::vector<std::string> kernel_params;
};

// A home the system activates after itself (home-manager's NixOS module).
struct home_spec {
  std::string user;
  std::string generation;        // logical store path of the home's generation
  std::string backup_extension;  // home-manager.backupFileExtension; empty: files in the way stop the switch
  friend bool operator==(const home_spec&, const home_spec&) = default;
};

struct toplevel_spec {
  std::string host_name;
  std::string system = "x86_64-linux";
  std::string state_version;
  std::string label;
  std::vector<etc_entry_spec> etc;
  std::vector<unit_spec> units;
  std::vector<drop_in_spec> drop_ins;
  users_groups_spec users;
  std::vector<activation_script_spec> activation_scripts;
  secrets_spec secrets;
  std::vector<std::string> packages;  // logical store paths joined into sw/
  fs::path store_root = "/";          // where the packages' bytes live
  fs::path switch_program;            // copied to bin/switch-to-configuration
  std::optional<boot_spec> boot;
  std::vector<home_spec> homes;
};

// ---- the read side ---------------------------------------------------------------------------

struct etc_entry {
  std::string target;
  std::string mode = "symlink";
  std::string user = {};
  std::string group = {};
  int uid = 0;
  int gid = 0;
  bool replace = false;

  [[nodiscard]] bool copied() const { return mode != "symlink" && mode != "direct-symlink"; }
  friend bool operator==(const etc_entry&, const etc_entry&) = default;
};

struct boot_entry {
  std::string loader;
  std::string title;
  std::optional<std::string> kernel;  // relative to the toplevel
  std::optional<std::string> initrd;
  std::vector<std::string> kernel_params;
};

struct toplevel {
  std::string path;  // logical: /cairn/store/<hash>-cairn-system-demo
  fs::path real;     // where its bytes are
  int version = toplevel_version;
  std::string host_name;
  std::string system;
  std::string state_version;
  std::string label;
  std::vector<etc_entry> etc;  // sorted by target
  users_groups_spec users;
  std::vector<activation_script_spec> activation_scripts;
  std::optional<boot_entry> boot;
  secrets_spec secrets;  // sources are real paths inside the toplevel
  std::vector<home_spec> homes;

  // The bytes of etc/<target>: read in place, or through its link (resolved under root).
  [[nodiscard]] std::string read_etc(const fs::path& root, const std::string& target) const {
    fs::path p = real / "etc" / target;
    if (!detail::read_link(p)) return detail::read_file(p);
    return detail::read_file(detail::resolve_in_root(root, path + "/etc/" + target));
  }

  [[nodiscard]] const etc_entry* find_etc(std::string_view target) const {
    auto it = std::lower_bound(etc.begin(), etc.end(), target, [](const etc_entry& e, std::string_view t) { return e.target < t; });
    return it != etc.end() && it->target == target ? &*it : nullptr;
  }
};

namespace detail {

using json = nlohmann::json;

inline bool valid_mode(const std::string& m) { return m == "symlink" || m == "direct-symlink" || cairn::detail::octal_mode(m); }

inline void check_etc_target(const std::string& t, std::string_view where) {
  bool bad = t.empty() || t.front() == '/' || t.back() == '/';
  for (auto& c : fs::path(t)) bad = bad || c == ".." || c == "." || c.empty();
  if (t == "static" || t.starts_with("static/")) bad = true;
  if (bad) throw error(fmt::format("{}: invalid etc target '{}' (must be relative to /etc, without '.', '..' or 'static')", where, t));
}

inline json etc_entry_json(const etc_entry& e) {
  return {{"target", e.target}, {"mode", e.mode}, {"user", e.user}, {"group", e.group},
          {"uid", e.uid},       {"gid", e.gid},   {"replace", e.replace}};
}

inline json user_json(const user_spec& u) {
  auto opt = [](const std::optional<std::string>& s) { return s ? json(*s) : json(nullptr); };
  return {{"name", u.name},
          {"uid", u.uid ? json(*u.uid) : json(nullptr)},
          {"group", u.group},
          {"extraGroups", u.extra_groups},
          {"description", u.description},
          {"home", u.home},
          {"createHome", u.create_home},
          {"homeMode", u.home_mode},
          {"isSystemUser", u.is_system_user},
          {"shell", u.shell},
          {"hashedPassword", opt(u.hashed_password)},
          {"hashedPasswordFile", opt(u.hashed_password_file)},
          {"initialHashedPassword", opt(u.initial_hashed_password)}};
}

inline json users_groups_json(const users_groups_spec& s) {
  json users = json::array(), groups = json::array();
  for (auto& u : s.users) users.push_back(user_json(u));
  for (auto& g : s.groups)
    groups.push_back({{"name", g.name}, {"gid", g.gid ? json(*g.gid) : json(nullptr)}, {"members", g.members}});
  return {{"users", users}, {"groups", groups}, {"mutableUsers", s.mutable_users}};
}

inline std::optional<std::string> opt_str(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return std::nullopt;
  return it->get<std::string>();
}

inline users_groups_spec users_groups_from_json(const json& j) {
  users_groups_spec s;
  s.mutable_users = j.value("mutableUsers", true);
  for (auto& u : j.at("users")) {
    user_spec x;
    x.name = u.at("name").get<std::string>();
    if (auto it = u.find("uid"); it != u.end() && !it->is_null()) x.uid = it->get<int>();
    x.group = u.value("group", std::string("users"));
    x.extra_groups = u.value("extraGroups", std::vector<std::string>{});
    x.description = u.value("description", std::string());
    x.home = u.value("home", std::string("/var/empty"));
    x.create_home = u.value("createHome", false);
    x.home_mode = u.value("homeMode", std::string("700"));
    x.is_system_user = u.value("isSystemUser", false);
    x.shell = u.value("shell", std::string());
    x.hashed_password = opt_str(u, "hashedPassword");
    x.hashed_password_file = opt_str(u, "hashedPasswordFile");
    x.initial_hashed_password = opt_str(u, "initialHashedPassword");
    s.users.push_back(std::move(x));
  }
  for (auto& g : j.at("groups")) {
    group_spec x;
    x.name = g.at("name").get<std::string>();
    if (auto it = g.find("gid"); it != g.end() && !it->is_null()) x.gid = it->get<int>();
    x.members = g.value("members", std::vector<std::string>{});
    s.groups.push_back(std::move(x));
  }
  return s;
}

inline bool valid_account_name(const std::string& n) {
  if (n.empty() || n.size() > 32 || n.front() == '-') return false;
  return std::all_of(n.begin(), n.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.' || c == '$';
  });
}

inline void check_users_groups(const users_groups_spec& s, std::string_view where) {
  std::set<std::string> seen;
  auto bad_field = [](const std::string& v) { return v.find_first_of(":\n") != std::string::npos; };
  for (auto& u : s.users) {
    if (!valid_account_name(u.name)) throw error(fmt::format("{}: invalid user name '{}'", where, u.name));
    if (!seen.insert("u:" + u.name).second) throw error(fmt::format("{}: user '{}' declared twice", where, u.name));
    if (u.uid && (*u.uid < 0 || *u.uid > 2147483646)) throw error(fmt::format("{}: user '{}' has an invalid uid {}", where, u.name, *u.uid));
    for (auto* f : {&u.description, &u.home, &u.shell, &u.group})
      if (bad_field(*f)) throw error(fmt::format("{}: user '{}' has a field containing ':' or a newline: '{}'", where, u.name, *f));
    if (u.hashed_password && bad_field(*u.hashed_password)) throw error(fmt::format("{}: user '{}' has a hashedPassword containing ':' or a newline", where, u.name));
  }
  for (auto& g : s.groups) {
    if (!valid_account_name(g.name)) throw error(fmt::format("{}: invalid group name '{}'", where, g.name));
    if (!seen.insert("g:" + g.name).second) throw error(fmt::format("{}: group '{}' declared twice", where, g.name));
  }
}

// Secret names are file names; paths absolute, without "." or ".." components.
inline void check_secrets(const secrets_spec& s, std::string_view where) {
  std::set<std::string> names, paths;
  auto check_path = [&](const std::string& what, const std::string& p, bool may_be_outside) {
    if (!plain_absolute_path(p)) throw error(fmt::format("{}: {} has an invalid path '{}'", where, what, p));
    if (!in_run_secrets(p) && (!may_be_outside || p.starts_with("/run/secrets")))
      throw error(fmt::format("{}: {} has the path '{}', outside /run/secrets", where, what, p));
    if (!paths.insert(p).second) throw error(fmt::format("{}: {} has the path '{}' of another secret", where, what, p));
  };
  auto check_mode = [&](const std::string& what, const std::string& m) {
    if (!cairn::detail::octal_mode(m)) throw error(fmt::format("{}: {} has an invalid mode '{}'", where, what, m));
  };
  for (auto& x : s.secrets) {
    std::string what = fmt::format("secret '{}'", x.name);
    if (!valid_secret_name(x.name) || !names.insert(x.name).second) throw error(fmt::format("{}: invalid or repeated secret name '{}'", where, x.name));
    check_path(what, x.path, true);
    check_mode(what, x.mode);
  }
  std::set<std::string> template_names;
  for (auto& t : s.templates) {
    std::string what = fmt::format("template '{}'", t.name);
    if (!valid_secret_name(t.name) || !template_names.insert(t.name).second)
      throw error(fmt::format("{}: invalid or repeated template name '{}'", where, t.name));
    check_path(what, t.path, false);
    check_mode(what, t.mode);
    for (auto& used : secret_names_in(t.content))
      if (!names.contains(used)) throw error(fmt::format("{}: {} uses the undeclared secret '{}'", where, what, used));
  }
}

inline json secrets_json(const secrets_spec& s) {
  json secrets = json::array(), templates = json::array();
  for (auto& x : s.secrets)
    secrets.push_back({{"name", x.name}, {"path", x.path}, {"owner", x.owner}, {"group", x.group}, {"mode", x.mode}, {"restartUnits", x.restart_units}});
  for (auto& t : s.templates)
    templates.push_back({{"name", t.name}, {"content", t.content}, {"path", t.path}, {"owner", t.owner}, {"group", t.group},
                         {"mode", t.mode}, {"restartUnits", t.restart_units}});
  return {{"identityPaths", s.identity_paths}, {"secrets", secrets}, {"templates", templates}};
}

inline secrets_spec secrets_from_json(const json& j, const fs::path& toplevel_dir) {
  secrets_spec s;
  s.identity_paths = j.value("identityPaths", std::vector<std::string>{});
  for (auto& x : j.value("secrets", json::array()))
    s.secrets.push_back({.name = x.at("name").get<std::string>(),
                         .source = toplevel_dir / "secrets" / (x.at("name").get<std::string>() + ".age"),
                         .path = x.at("path").get<std::string>(),
                         .owner = x.value("owner", "root"),
                         .group = x.value("group", "root"),
                         .mode = x.value("mode", "0400"),
                         .restart_units = x.value("restartUnits", std::vector<std::string>{})});
  for (auto& t : j.value("templates", json::array()))
    s.templates.push_back({.name = t.at("name").get<std::string>(),
                           .content = t.at("content").get<std::string>(),
                           .path = t.at("path").get<std::string>(),
                           .owner = t.value("owner", "root"),
                           .group = t.value("group", "root"),
                           .mode = t.value("mode", "0400"),
                           .restart_units = t.value("restartUnits", std::vector<std::string>{})});
  return s;
}

inline json read_json(const fs::path& file) {
  std::string text = read_file(file);
  try {
    return json::parse(text);
  } catch (const json::exception& e) {
    throw error(fmt::format("{}: not valid JSON: {}", file.string(), e.what()));
  }
}

// The join of packages into sw/: one symlink per leaf; two packages with one leaf collide.
inline void symlink_join(const fs::path& out, const std::vector<std::string>& packages, const fs::path& store_root) {
  std::map<std::string, std::string> leaves;  // relative path -> logical target
  for (auto& pkg : packages) {
    fs::path real = resolve_in_root(store_root, pkg);
    if (!fs::is_directory(real)) throw error(fmt::format("package {} is not a directory under {}", pkg, store_root.string()));
    for (auto it = fs::recursive_directory_iterator(real); it != fs::recursive_directory_iterator(); ++it) {
      if (it->is_directory() && !it->is_symlink()) continue;
      std::string rel = fs::relative(it->path(), real).string();
      std::string target = (fs::path(pkg) / rel).string();
      auto [pos, fresh] = leaves.emplace(rel, target);
      if (!fresh && pos->second != target)
        throw error(fmt::format("collision between {} and {} in sw/{}", pos->second, target, rel));
    }
  }
  make_dirs(out);
  for (auto& [rel, target] : leaves) {
    make_dirs((out / rel).parent_path());
    if (::symlink(target.c_str(), (out / rel).c_str()) != 0) throw_sys("create symlink", out / rel);
  }
}

inline void write_plain(const fs::path& file, std::string_view data, mode_t mode = 0644) {
  make_dirs(file.parent_path());
  write_file_atomic(file, data, {.mode = mode});
}

inline void copy_file(const fs::path& from, const fs::path& to, mode_t mode) {
  std::error_code ec;
  fs::copy_file(from, to, fs::copy_options::overwrite_existing, ec);
  if (ec) throw error(fmt::format("cannot copy {} to {}: {}", from.string(), to.string(), ec.message()));
  ::chmod(to.c_str(), mode);
}

}  // namespace detail

// Materialises spec into dir (which must not exist or be empty). Throws activation::error on
// a bad spec: a duplicate etc target with other contents, an invalid mode or name, a cycle-free
// check is left to the planner (it names the cycle).
//   write_toplevel("/tmp/t", {.host_name = "demo", .etc = {{.target = "motd", .text = "hi\n"}}});
inline void write_toplevel(const fs::path& dir, const toplevel_spec& spec) {
  using namespace detail;
  if (fs::exists(dir) && !fs::is_empty(dir)) throw error(fmt::format("cannot write a toplevel into {}: it is not empty", dir.string()));
  make_dirs(dir / "etc");

  // The etc tree: entries, then units and drop-ins as entries of etc/systemd/system.
  std::map<std::string, std::pair<etc_entry, std::string>> entries;  // target -> entry, identity of content
  auto add = [&](const etc_entry& e, const std::string& identity, auto&& materialise) {
    check_etc_target(e.target, "toplevel spec");
    if (!valid_mode(e.mode)) throw error(fmt::format("toplevel spec: etc entry '{}' has an invalid mode '{}'", e.target, e.mode));
    auto [it, fresh] = entries.emplace(e.target, std::pair{e, identity});
    if (!fresh) {
      if (it->second.second != identity || !(it->second.first == e))
        throw error(fmt::format("toplevel spec: mismatched duplicate entry for etc target '{}'", e.target));
      return;
    }
    fs::path p = dir / "etc" / e.target;
    make_dirs(p.parent_path());
    materialise(p);
  };
  auto link_to = [](const std::string& target) {
    return [target](const fs::path& p) {
      if (::symlink(target.c_str(), p.c_str()) != 0) throw_sys("create symlink", p);
    };
  };
  auto text_of = [](const std::string& text) { return [text](const fs::path& p) { write_file_atomic(p, text, {.mode = 0644}); }; };

  for (auto& s : spec.etc) {
    etc_entry e{s.target, s.mode, s.user, s.group, s.uid, s.gid, s.replace};
    if (s.text.has_value() == s.source.has_value())
      throw error(fmt::format("toplevel spec: etc entry '{}' needs exactly one of text and source", s.target));
    if (s.mode == "direct-symlink" && !s.source)
      throw error(fmt::format("toplevel spec: etc entry '{}' is a direct-symlink and needs a source", s.target));
    if (s.text) add(e, "text:" + *s.text, text_of(*s.text));
    else add(e, "source:" + *s.source, link_to(*s.source));
  }
  for (auto& u : spec.units) {
    if (u.name.find('/') != std::string::npos || u.name.find('.') == std::string::npos)
      throw error(fmt::format("toplevel spec: invalid unit name '{}'", u.name));
    std::string t = "systemd/system/" + u.name;
    if (u.masked) add(etc_entry{.target = t, .replace = u.replace}, "masked", link_to("/dev/null"));
    else add(etc_entry{.target = t, .replace = u.replace}, "text:" + u.text, text_of(u.text));
    // A unit that replaces the distribution's also replaces the distribution's enablement of it.
    for (auto& w : u.wanted_by)
      add(etc_entry{.target = fmt::format("systemd/system/{}.wants/{}", w, u.name), .replace = u.replace}, "wants",
          link_to("../" + u.name));
  }
  for (auto& d : spec.drop_ins)
    add(etc_entry{.target = fmt::format("systemd/system/{}.d/{}", d.unit, d.name)}, "text:" + d.text, text_of(d.text));

  json manifest = json::array();
  for (auto& [t, e] : entries) manifest.push_back(etc_entry_json(e.first));
  write_plain(dir / "etc.json", manifest.dump(1) + "\n");

  check_users_groups(spec.users, "toplevel spec");
  write_plain(dir / "users-groups.json", users_groups_json(spec.users).dump(1) + "\n");

  json scripts = json::array();
  std::set<std::string> names;
  for (auto& s : spec.activation_scripts) {
    if (!names.insert(s.name).second) throw error(fmt::format("toplevel spec: activation script '{}' declared twice", s.name));
    scripts.push_back({{"name", s.name}, {"deps", s.deps}, {"text", s.text}, {"supportsDryActivation", s.supports_dry_activation}});
  }
  write_plain(dir / "activation-scripts.json", scripts.dump(1) + "\n");

  if (!spec.secrets.empty()) {
    check_secrets(spec.secrets, "toplevel spec");
    make_dirs(dir / "secrets");
    for (auto& x : spec.secrets.secrets) {
      if (!fs::is_regular_file(x.source))
        throw error(fmt::format("secret '{}': the encrypted file {} does not exist", x.name, x.source.string()));
      copy_file(x.source, dir / "secrets" / (x.name + ".age"), 0444);
    }
    write_plain(dir / "secrets.json", secrets_json(spec.secrets).dump(1) + "\n");
  }

  symlink_join(dir / "sw", spec.packages, spec.store_root);

  if (!spec.homes.empty()) {
    json homes = json::array();
    make_dirs(dir / "homes");
    for (auto& h : spec.homes) {
      if (!valid_account_name(h.user)) throw error(fmt::format("toplevel spec: invalid home user name '{}'", h.user));
      if (::symlink(h.generation.c_str(), (dir / "homes" / h.user).c_str()) != 0)
        throw error(fmt::format("toplevel spec: the home of '{}' is listed twice", h.user));
      homes.push_back({{"user", h.user}, {"generation", h.generation}, {"backupExtension", h.backup_extension}});
    }
    write_plain(dir / "homes.json", homes.dump(1) + "\n");
  }

  if (!spec.switch_program.empty()) {
    make_dirs(dir / "bin");
    copy_file(spec.switch_program, dir / "bin" / "switch-to-configuration", 0555);
  }

  if (spec.boot) {
    json b = {{"loader", spec.boot->loader}, {"title", spec.boot->title.empty() ? spec.host_name : spec.boot->title},
              {"kernelParams", spec.boot->kernel_params}};
    if (spec.boot->kernel) {
      copy_file(*spec.boot->kernel, dir / "kernel", 0444);
      b["kernel"] = "kernel";
    }
    if (spec.boot->initrd) {
      copy_file(*spec.boot->initrd, dir / "initrd", 0444);
      b["initrd"] = "initrd";
    }
    write_plain(dir / "boot.json", b.dump(1) + "\n");
  }

  json meta = {{"version", toplevel_version},
               {"hostName", spec.host_name},
               {"system", spec.system},
               {"stateVersion", spec.state_version},
               {"label", spec.label}};
  write_plain(dir / "cairn-toplevel.json", meta.dump(1) + "\n");  // last: its presence marks a complete toplevel
}

// Reads the toplevel at logical path `path` through `root` and checks it. Every problem is an
// error naming the file: a missing or corrupt JSON file, a manifest entry absent from etc/ (unless
// check_tree is false: the generation in force was checked when it was activated), ...
inline toplevel read_toplevel(const fs::path& root, std::string_view path, bool check_tree = true) {
  using namespace detail;
  toplevel t;
  t.path = std::string(path);
  t.real = resolve_in_root(root, path);
  if (!fs::is_directory(t.real)) throw error(fmt::format("toplevel {} does not exist (looked at {})", path, t.real.string()));
  auto where = [&](const char* f) { return (t.real / f).string(); };
  try {
    json meta = read_json(t.real / "cairn-toplevel.json");
    t.version = meta.at("version").get<int>();
    if (t.version != toplevel_version)
      throw error(fmt::format("{}: toplevel version {} is not supported (this cairn reads version {})", where("cairn-toplevel.json"), t.version, toplevel_version));
    t.host_name = meta.value("hostName", "");
    t.system = meta.value("system", "");
    t.state_version = meta.value("stateVersion", "");
    t.label = meta.value("label", "");

    json manifest = read_json(t.real / "etc.json");
    for (auto& j : manifest) {
      etc_entry e;
      e.target = j.at("target").get<std::string>();
      e.mode = j.value("mode", "symlink");
      e.user = j.value("user", "");
      e.group = j.value("group", "");
      e.uid = j.value("uid", 0);
      e.gid = j.value("gid", 0);
      e.replace = j.value("replace", false);
      check_etc_target(e.target, where("etc.json"));
      if (!valid_mode(e.mode)) throw error(fmt::format("{}: entry '{}' has an invalid mode '{}'", where("etc.json"), e.target, e.mode));
      if (check_tree && !lexists(t.real / "etc" / e.target))
        throw error(fmt::format("{}: entry '{}' is missing from {}", where("etc.json"), e.target, (t.real / "etc").string()));
      t.etc.push_back(std::move(e));
    }
    std::sort(t.etc.begin(), t.etc.end(), [](const etc_entry& a, const etc_entry& b) { return a.target < b.target; });
    for (std::size_t i = 1; i < t.etc.size(); ++i)
      if (t.etc[i].target == t.etc[i - 1].target) throw error(fmt::format("{}: entry '{}' listed twice", where("etc.json"), t.etc[i].target));

    t.users = users_groups_from_json(read_json(t.real / "users-groups.json"));
    check_users_groups(t.users, where("users-groups.json"));

    for (auto& j : read_json(t.real / "activation-scripts.json")) {
      activation_script_spec s;
      s.name = j.at("name").get<std::string>();
      s.deps = j.value("deps", std::vector<std::string>{});
      s.text = j.value("text", "");
      s.supports_dry_activation = j.value("supportsDryActivation", false);
      t.activation_scripts.push_back(std::move(s));
    }

    if (lexists(t.real / "secrets.json")) {
      t.secrets = secrets_from_json(read_json(t.real / "secrets.json"), t.real);
      check_secrets(t.secrets, where("secrets.json"));
      if (check_tree)
        for (auto& x : t.secrets.secrets)
          if (!fs::is_regular_file(x.source)) throw error(fmt::format("{}: secret '{}' has no {}", where("secrets.json"), x.name, x.source.string()));
    }

    if (lexists(t.real / "homes.json"))
      for (auto& h : read_json(t.real / "homes.json"))
        t.homes.push_back({h.at("user").get<std::string>(), h.at("generation").get<std::string>(), h.value("backupExtension", "")});

    if (lexists(t.real / "boot.json")) {
      json b = read_json(t.real / "boot.json");
      boot_entry be;
      be.loader = b.value("loader", "systemd-boot");
      be.title = b.value("title", t.host_name);
      be.kernel = opt_str(b, "kernel");
      be.initrd = opt_str(b, "initrd");
      be.kernel_params = b.value("kernelParams", std::vector<std::string>{});
      if (be.loader != "systemd-boot") throw error(fmt::format("{}: unsupported loader '{}' (cairn writes systemd-boot entries)", where("boot.json"), be.loader));
      t.boot = std::move(be);
    }
  } catch (const json::exception& e) {
    throw error(fmt::format("toplevel {} is corrupt: {}", t.real.string(), e.what()));
  }
  return t;
}

}  // namespace cairn::activation
