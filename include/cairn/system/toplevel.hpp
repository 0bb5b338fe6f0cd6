// cairn/system/toplevel.hpp: a host's evaluated configuration becomes its toplevel: a store
// path built by the store's derivations, in activation's layout (activation/toplevel.hpp).
//
//   cairn::store::store s({.root = "/tmp/cairn-demo"});
//   auto built = cairn::system::build_toplevel(e, host_meta, s, {.jobs = 2});
//   // built.toplevel == "/cairn/store/<hash>-cairn-system-demo-0.1"
//
// What goes in, read from the options the system modules declare (an option a host does not
// declare contributes nothing):
//   environment.etc.<name>             etc entries (text, source, mode, owner, replace)
//   systemd.units.<name>               unit files and their <target>.wants links
//   users.users / users.groups / users.mutableUsers
//   system.activationScripts.<name>    scripts ordered by their deps
//   environment.systemPackages         packages realised by the store, joined into sw/
//   boot.loader.systemd-boot.enable    a loader entry (boot.kernel, boot.initrd, boot.kernelParams)
//   home-manager.backupFileExtension  how the homes built for it (build_options.homes) treat files in the way
//   secrets / secretTemplates / secretIdentityPaths
//                                      each secret's ciphertext (file, relative to the repository)
//                                      and where activation installs it; templates with placeholders
// plus bin/switch-to-configuration, a link to the program that activates it (its own store path:
// the activation program every host of a build tree shares, or else a copy of the host binary),
// so that every generation activates (and rolls back to) itself. The link is relative: it
// resolves inside a root as on the machine, and a new configuration that keeps the program does
// not carry it again (a deploy sends only what changed).
//
// The toplevel is a directory-tree derivation whose inputs are the packages and the host
// binary: its references are scanned, so the packages live as long as the generation does, and
// the same configuration built by the same binary gives the same path.
#pragma once

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "../activation/toplevel.hpp"
#include "../eval.hpp"
#include "../store/builders.hpp"
#include "../store/realise.hpp"
#include "../store/store.hpp"

namespace cairn::system {

namespace fs = std::filesystem;

struct build_options {
  unsigned jobs = 1;
  fs::path self = "/proc/self/exe";  // the program the generation links as bin/switch-to-configuration
  fs::path repo = ".";               // relative secrets.<name>.file paths start here
  std::function<void(std::string_view)> progress;
  std::vector<std::pair<std::string, store::store_path>> homes;  // user -> the home generation built for it
};

struct built_toplevel {
  std::optional<store::store_path> path;
  std::string toplevel;  // logical: /cairn/store/<hash>-cairn-system-<host>-<version>
  std::vector<std::string> packages;
};

namespace detail {

inline const value* member(const value& record, std::string_view name) {
  return record.is_attrs() ? record.as_attrs().find(name) : nullptr;
}
inline std::string string_member(const value& record, std::string_view name, std::string fallback = {}) {
  const value* v = member(record, name);
  return v != nullptr && v->is_string() ? v->as_string() : fallback;
}
inline std::optional<std::string> optional_string(const value& record, std::string_view name) {
  const value* v = member(record, name);
  if (v == nullptr || !v->is_string()) return std::nullopt;
  return v->as_string();
}
inline bool bool_member(const value& record, std::string_view name, bool fallback = false) {
  const value* v = member(record, name);
  return v != nullptr && v->is_bool() ? v->as_bool() : fallback;
}
inline std::optional<int> optional_int(const value& record, std::string_view name) {
  const value* v = member(record, name);
  if (v == nullptr || !v->is_int()) return std::nullopt;
  return static_cast<int>(v->as_int());
}
inline std::vector<std::string> strings_member(const value& record, std::string_view name) {
  std::vector<std::string> out;
  if (const value* v = member(record, name); v != nullptr && v->is_list())
    for (const auto& item : v->as_list())
      if (item.is_string()) out.push_back(item.as_string());
  return out;
}

// The value of an option if the configuration declares it.
inline const value* read_if_declared(evaluator& e, std::string_view path) {
  if (e.find_declaration(path) == nullptr) return nullptr;
  return &e.read(path);
}

// An owner as environment.etc writes it: a name, or "+N" for a numeric id.
inline void set_owner(std::string_view spec, std::string& name, int& id) {
  if (!spec.empty() && spec[0] == '+') {
    name.clear();
    id = std::stoi(std::string(spec.substr(1)));
  } else {
    name = std::string(spec);
  }
}

}  // namespace detail

// The toplevel's contents, but for the packages (realised separately) and the program.
inline activation::toplevel_spec toplevel_spec_of(evaluator& e, const meta& host, const fs::path& repo = ".") {
  activation::toplevel_spec spec;
  const value* host_name = detail::read_if_declared(e, "networking.hostName");
  spec.host_name = host_name != nullptr && host_name->is_string() ? host_name->as_string() : std::string(host.hostname);
  spec.system = std::string(host.system);
  spec.state_version = std::string(host.state_version);
  spec.label = spec.state_version.empty() ? "cairn" : spec.state_version;

  if (const value* etc = detail::read_if_declared(e, "environment.etc"))
    for (const auto& [name, entry] : etc->as_attrs()) {
      if (!detail::bool_member(entry, "enable", true)) continue;
      activation::etc_entry_spec f;
      f.target = detail::string_member(entry, "target", name);
      f.text = detail::optional_string(entry, "text");
      f.source = detail::optional_string(entry, "source");
      f.mode = detail::string_member(entry, "mode", "symlink");
      detail::set_owner(detail::string_member(entry, "user", "+0"), f.user, f.uid);
      detail::set_owner(detail::string_member(entry, "group", "+0"), f.group, f.gid);
      f.replace = detail::bool_member(entry, "replaceExisting");
      spec.etc.push_back(std::move(f));
    }

  if (const value* units = detail::read_if_declared(e, "systemd.units"))
    for (const auto& [name, unit] : units->as_attrs())
      if (detail::string_member(unit, "overrideStrategy") == "asDropin")
        spec.drop_ins.push_back({.unit = name, .name = "overrides.conf", .text = detail::string_member(unit, "text")});
      else
        spec.units.push_back({.name = name,
                            .text = detail::string_member(unit, "text"),
                            .wanted_by = detail::strings_member(unit, "wantedBy"),
                            .masked = !detail::bool_member(unit, "enable", true),
                            .replace = detail::bool_member(unit, "replaceExisting")});

  if (const value* users = detail::read_if_declared(e, "users.users"))
    for (const auto& [name, u] : users->as_attrs())
      spec.users.users.push_back({.name = detail::string_member(u, "name", name),
                                  .uid = detail::optional_int(u, "uid"),
                                  .group = detail::string_member(u, "group"),
                                  .extra_groups = detail::strings_member(u, "extraGroups"),
                                  .description = detail::string_member(u, "description"),
                                  .home = detail::string_member(u, "home", "/var/empty"),
                                  .create_home = detail::bool_member(u, "createHome"),
                                  .is_system_user = detail::bool_member(u, "isSystemUser"),
                                  .shell = detail::string_member(u, "shell"),
                                  .hashed_password = detail::optional_string(u, "hashedPassword"),
                                  .hashed_password_file = detail::optional_string(u, "hashedPasswordFile")});
  if (const value* groups = detail::read_if_declared(e, "users.groups"))
    for (const auto& [name, g] : groups->as_attrs())
      spec.users.groups.push_back({.name = detail::string_member(g, "name", name),
                                   .gid = detail::optional_int(g, "gid"),
                                   .members = detail::strings_member(g, "members")});
  if (const value* mutable_users = detail::read_if_declared(e, "users.mutableUsers"))
    spec.users.mutable_users = mutable_users->as_bool();

  if (const value* scripts = detail::read_if_declared(e, "system.activationScripts"))
    for (const auto& [name, s] : scripts->as_attrs())
      spec.activation_scripts.push_back({.name = name,
                                         .deps = detail::strings_member(s, "deps"),
                                         .text = detail::string_member(s, "text"),
                                         .supports_dry_activation = detail::bool_member(s, "supportsDryActivation")});

  if (const value* loader = detail::read_if_declared(e, "boot.loader.systemd-boot.enable");
      loader != nullptr && loader->as_bool()) {
    activation::boot_spec boot{.title = fmt::format("cairn ({})", spec.host_name)};
    if (const value* k = detail::read_if_declared(e, "boot.kernel"); k != nullptr && k->is_string())
      boot.kernel = k->as_string();
    if (const value* i = detail::read_if_declared(e, "boot.initrd"); i != nullptr && i->is_string())
      boot.initrd = i->as_string();
    if (const value* p = detail::read_if_declared(e, "boot.kernelParams"))
      for (const auto& item : p->as_list()) boot.kernel_params.push_back(item.as_string());
    spec.boot = std::move(boot);
  }

  if (const value* secrets = detail::read_if_declared(e, "secrets"))
    for (const auto& [name, x] : secrets->as_attrs()) {
      fs::path file = detail::string_member(x, "file");
      spec.secrets.secrets.push_back({.name = name,
                                      .source = file.is_absolute() ? file : repo / file,
                                      .path = detail::string_member(x, "path"),
                                      .owner = detail::string_member(x, "owner", "root"),
                                      .group = detail::string_member(x, "group", "root"),
                                      .mode = detail::string_member(x, "mode", "0400"),
                                      .restart_units = detail::strings_member(x, "restartUnits")});
    }
  if (const value* templates = detail::read_if_declared(e, "secretTemplates"))
    for (const auto& [name, t] : templates->as_attrs())
      spec.secrets.templates.push_back({.name = name,
                                        .content = detail::string_member(t, "content"),
                                        .path = detail::string_member(t, "path"),
                                        .owner = detail::string_member(t, "owner", "root"),
                                        .group = detail::string_member(t, "group", "root"),
                                        .mode = detail::string_member(t, "mode", "0400"),
                                        .restart_units = detail::strings_member(t, "restartUnits")});
  if (const value* ids = detail::read_if_declared(e, "secretIdentityPaths"))
    for (const auto& id : ids->as_list()) spec.secrets.identity_paths.push_back(id.as_string());
  return spec;
}

// The derivation that makes a package.
inline store::drv_output package_derivation(store::store& s, const package& p) {
  if (!p.files.empty() && !p.build.empty())
    throw evaluation_error(fmt::format("package {} has both files and a build script; give one", p.full_name()));
  if (!p.files.empty()) {
    std::vector<store::builders::entry> entries;
    for (const auto& f : p.files) entries.push_back(store::builders::entry::file(f.path, f.contents, f.executable));
    return s.add_derivation(store::builders::directory_tree(p.full_name(), entries));
  }
  // The host's tools, visible read-only in the sandbox; nothing else is on the PATH.
  if (!p.build.empty())
    return s.add_derivation(store::builders::run_command(p.full_name(), p.build, {}, {{"PATH", "/usr/bin:/bin"}}));
  throw evaluation_error(fmt::format("package {} has neither files nor a build script", p.full_name()));
}

// The directory written by activation's write_toplevel, as directory-tree entries;
// bin/switch-to-configuration links to the program's store path.
inline std::vector<store::builders::entry> entries_of(const fs::path& dir, const store::store_path& program) {
  std::vector<store::builders::entry> entries;
  std::vector<fs::directory_entry> files{fs::recursive_directory_iterator(dir), fs::recursive_directory_iterator()};
  std::sort(files.begin(), files.end(), [](const auto& a, const auto& b) { return a.path() < b.path(); });
  for (const auto& f : files) {
    auto rel = f.path().lexically_relative(dir).generic_string();  // not fs::relative: it follows links
    auto status = f.symlink_status();
    if (rel == "bin/switch-to-configuration") {
      entries.push_back(store::builders::entry::symlink(rel, "../../" + program.base_name()));
    } else if (fs::is_symlink(status)) {
      entries.push_back(store::builders::entry::symlink(rel, fs::read_symlink(f.path()).string()));
    } else if (fs::is_directory(status)) {
      entries.push_back(store::builders::entry::directory(rel));
    } else {
      std::ifstream in(f.path(), std::ios::binary);
      std::string contents((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      bool executable = (status.permissions() & fs::perms::owner_exec) != fs::perms::none;
      entries.push_back(store::builders::entry::file(rel, std::move(contents), executable));
    }
  }
  return entries;
}

// Evaluates everything (assertions included: the caller prints warnings) and builds the
// toplevel into `s`.
inline built_toplevel build_toplevel(evaluator& e, const meta& host, store::store& s, const build_options& options = {}) {
  e.force_all();
  if (auto failed = failed_assertions(e); !failed.empty())
    throw evaluation_error(cairn::detail::messages::failed_assertions(failed));
  auto spec = toplevel_spec_of(e, host, options.repo);

  // Packages first: the toplevel's sw/ links into them.
  std::vector<store::drv_output> package_drvs;
  if (const value* packages = detail::read_if_declared(e, "environment.systemPackages"))
    for (const auto& p : packages->as_list()) package_drvs.push_back(package_derivation(s, p.as_package()));
  store::realise_options realise_opts{.jobs = std::max(1u, options.jobs), .progress = options.progress};
  auto realised = store::realise(s, package_drvs, realise_opts);
  built_toplevel out;
  std::vector<store::builders::input> inputs;
  for (const auto& p : realised.outputs) {
    out.packages.push_back(s.logical(p));
    spec.packages.push_back(s.logical(p));
    inputs.emplace_back(p);
  }

  // The program that activates this generation, in the store.
  auto self = fs::canonical(options.self);
  std::string program_name = "cairn-host-" + spec.host_name;
  if (self.filename() == "cairn-switch-to-configuration") program_name = "cairn-switch-to-configuration";
  auto program = s.add_path(self, program_name);
  inputs.emplace_back(program);
  std::string backup_extension;
  if (const value* ext = detail::read_if_declared(e, "home-manager.backupFileExtension"); ext != nullptr && ext->is_string())
    backup_extension = ext->as_string();
  for (const auto& [user, home] : options.homes) {
    spec.homes.push_back({user, s.logical(home), backup_extension});
    inputs.emplace_back(home);
  }
  spec.store_root = s.config().root;
  spec.switch_program = self;

  // The layout written by activation, then made a derivation of the store.
  auto scratch = fs::temp_directory_path() / fmt::format("cairn-toplevel-{}-{}", ::getpid(), spec.host_name);
  fs::remove_all(scratch);
  std::vector<store::builders::entry> entries;
  try {
    activation::write_toplevel(scratch, spec);
    entries = entries_of(scratch, program);
    fs::remove_all(scratch);
  } catch (...) {
    std::error_code ignored;
    fs::remove_all(scratch, ignored);
    throw;
  }
  auto name = fmt::format("cairn-system-{}-{}", spec.host_name, spec.label);
  auto drv = s.add_derivation(store::builders::directory_tree(name, entries, inputs));
  out.path = store::realise(s, std::vector<store::drv_output>{drv}, realise_opts).outputs.at(0);
  out.toplevel = s.logical(*out.path);
  return out;
}

}  // namespace cairn::system
