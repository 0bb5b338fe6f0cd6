// modules/system/users.hpp: user accounts and groups (nixos/modules/config/users-groups.nix).
//
//   d.set(users::user::is_normal_user("alice"), true);
//   d.set(users::user::extra_groups("alice"), {"wheel"});
//   d.set(users::groups("docker"), {});
//
// Fields are options under users.users.<name>; other modules add their own (the openssh module
// declares users.users.<name>.openssh.authorizedKeys.keys).
#pragma once

#include <cairn/fwd.hpp>

#include "assertions.hpp"

namespace cairn::modules::users {

inline constexpr option<"users.users", types::attrs_of<types::submodule>> users{{
    .description = "Additional user accounts to be created automatically by the system.",
}};

namespace user {
inline constexpr option<"users.users.<name>.name", types::str> name{{
    .description = "The name of the user account. If undefined, the name of the attribute set is used.",
    .default_text = "<name>",
}};
inline constexpr option<"users.users.<name>.uid", types::null_or<types::int_>> uid{{
    .default_value = null,
    .description = "The account UID. If null, a free UID is picked on activation and kept across "
                   "switches.",
}};
inline constexpr option<"users.users.<name>.isSystemUser", types::bool_> is_system_user{{
    .default_value = false,
    .description = "Indicates if the user is a system user or not. Exactly one of isSystemUser and "
                   "isNormalUser must be set.",
}};
inline constexpr option<"users.users.<name>.isNormalUser", types::bool_> is_normal_user{{
    .default_value = false,
    .description = "Indicates whether this is an account for a real user: it gets a home in /home, "
                   "the group `users`, a login shell and a UID of 1000 or more.",
}};
inline constexpr option<"users.users.<name>.group", types::str> group{{
    .description = "The user's primary group. Normal users default to `users`.",
    .default_text = "\"users\" for normal users, else \"\"",
}};
inline constexpr option<"users.users.<name>.extraGroups", types::list_of<types::str>> extra_groups{{
    .description = "The user's auxiliary groups.",
}};
inline constexpr option<"users.users.<name>.description", types::str> description{{
    .default_value = "",
    .description = "A short description of the user account, typically the user's full name "
                   "(the GECOS field).",
    .example = "\"Alice Q. User\"",
}};
inline constexpr option<"users.users.<name>.home", types::path> home{{
    .description = "The user's home directory.",
    .default_text = "\"/home/<name>\" for normal users, else \"/var/empty\"",
}};
inline constexpr option<"users.users.<name>.createHome", types::bool_> create_home{{
    .description = "Whether to create the home directory and ensure ownership as well as "
                   "permissions to match the user.",
    .default_text = "isNormalUser",
}};
inline constexpr option<"users.users.<name>.shell", types::path> shell{{
    .description = "The path to the user's shell.",
    .default_text = "\"/bin/bash\" for normal users, else \"/usr/sbin/nologin\"",
}};
inline constexpr option<"users.users.<name>.hashedPassword", types::null_or<types::str>> hashed_password{{
    .default_value = null,
    .description = "The hashed password (crypt(3) format, e.g. from `mkpasswd -m yescrypt`). null "
                   "leaves the account locked unless hashedPasswordFile is set.",
}};
inline constexpr option<"users.users.<name>.hashedPasswordFile", types::null_or<types::path>> hashed_password_file{{
    .default_value = null,
    .description = "A file holding the hashed password, read at activation (it may be a secret "
                   "under /run/secrets).",
}};
}  // namespace user

inline constexpr option<"users.groups", types::attrs_of<types::submodule>> groups{{
    .description = "Additional groups to be created automatically by the system.",
}};

namespace group {
inline constexpr option<"users.groups.<name>.name", types::str> name{{
    .description = "The name of the group. If undefined, the name of the attribute set is used.",
    .default_text = "<name>",
}};
inline constexpr option<"users.groups.<name>.gid", types::null_or<types::int_>> gid{{
    .default_value = null,
    .description = "The group GID. If null, a free GID is picked on activation and kept across "
                   "switches.",
}};
inline constexpr option<"users.groups.<name>.members", types::list_of<types::str>> members{{
    .description = "The user names of the group members, added to the `extraGroups` of those users.",
}};
}  // namespace group

inline constexpr option<"users.mutableUsers", types::bool_> mutable_users{{
    .default_value = true,
    .description = "If false, the contents of /etc/passwd and /etc/group are fully determined by "
                   "this configuration: accounts that cairn did not declare are kept only if they "
                   "were not created by cairn.",
}};

struct module {
  using imports = cairn::imports<assertions::module>;
  static constexpr auto options =
      declare(users, user::name, user::uid, user::is_system_user, user::is_normal_user, user::group,
              user::extra_groups, user::description, user::home, user::create_home, user::shell,
              user::hashed_password, user::hashed_password_file, groups, group::name, group::gid, group::members,
              mutable_users);

  static constexpr void config(definitions& d) {
    d.each(users, [](instance_definitions& u) {
      u.set(user::name, mk_default(u.name()));
      u.set(user::group, mk_default([](const cairn::config& c) -> std::string {
              return c[user::is_normal_user] ? "users" : "";
            }));
      u.set(user::home, mk_default([](const cairn::config& c) -> std::string {
              if (c[user::is_normal_user]) return "/home/" + c[user::name];
              return "/var/empty";
            }));
      u.set(user::create_home, mk_default([](const cairn::config& c) { return c[user::is_normal_user]; }));
      u.set(user::shell, mk_default([](const cairn::config& c) -> std::string {
              return c[user::is_normal_user] ? "/bin/bash" : "/usr/sbin/nologin";
            }));
    });
    d.each(groups, [](instance_definitions& g) { g.set(group::name, mk_default(g.name())); });
    d.set(groups("users"), {});
    d.set(groups("wheel"), {});
    d.set(group::gid("users"), mk_default(100));

    d.set(assertions::assertions, [](const cairn::config& c) {
      list checks;
      for (const auto& name : c.names(users)) {
        bool normal = c[user::is_normal_user(name)], system = c[user::is_system_user(name)];
        attrs exactly_one;
        exactly_one.set("assertion", normal != system);
        exactly_one.set("message", value("Exactly one of users.users." + name + ".isSystemUser and users.users." +
                                         name + ".isNormalUser must be set."));
        checks.push_back(value(std::move(exactly_one)));
        attrs has_group;
        has_group.set("assertion", !c[user::group(name)].empty());
        has_group.set("message", value("users.users." + name + ".group is unset. Set it to a group of "
                                       "users.groups, e.g. users.groups." + name + " = {}."));
        checks.push_back(value(std::move(has_group)));
      }
      return value(std::move(checks));
    });
  }
};

}  // namespace cairn::modules::users

CAIRN_LIBRARY_MODULE(cairn::modules::users::module)
