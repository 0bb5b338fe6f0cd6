// modules/system/services/postgresql.hpp: the PostgreSQL server
// (nixos/modules/services/databases/postgresql.nix), Debian's postgresql-15.
//
//   d.set(services::postgresql::enable, true);
//   d.set(services::postgresql::ensure_databases, {"shop"});
//   d.set(services::postgresql::ensure_user::ensure_db_ownership("shop"), true);
//   d.set(services::postgresql::settings("shared_buffers"), "256MB");
//   d.set(services::postgresql::authentication, "host shop shop 10.0.0.0/8 scram-sha-256");
//
// As on NixOS: postgresql.service initialises the data directory on its first start (initdb),
// links /etc/postgresql/postgresql.conf into it and runs postgres as the postgres user (uid 71);
// postgresql-setup.service then creates the ensured databases and roles, on every start and
// whenever they change, so that neither a switch nor a restart loses what was added by hand.
// A changed postgresql.conf restarts the server, a changed pg_hba.conf or pg_ident.conf reloads it.
//
// ensureUsers is an attribute set by role name (NixOS: a list of {name, ...} submodules, which
// cairn's types do not offer). Debian's own clusters (postgresql@15-main, from
// /etc/postgresql/15/main) are masked; to take one over, set dataDir to
// /var/lib/postgresql/15/main. There is no `package`: the server is Debian's postgresql-15.
#pragma once

#include <algorithm>
#include <source_location>

#include <cairn/fwd.hpp>
#include <cairn/strings.hpp>

#include "../assertions.hpp"
#include "../environment.hpp"
#include "../systemd.hpp"
#include "../users.hpp"

namespace cairn::modules::services::postgresql {

inline constexpr std::string_view bin_dir = "/usr/lib/postgresql/15/bin";
// NixOS's default, /var/lib/postgresql/<version>: systemd makes it (StateDirectory).
inline constexpr std::string_view default_data_dir = "/var/lib/postgresql/15";

inline constexpr auto enable = enable_option<"services.postgresql.enable">("PostgreSQL Server");

inline constexpr option<"services.postgresql.dataDir", types::path> data_dir{{
    .default_value = default_data_dir,
    .description = "The data directory for PostgreSQL. If left as the default value this directory will "
                   "automatically be created before the PostgreSQL server starts, otherwise it must exist "
                   "and be owned by the postgres user. Debian's cluster is /var/lib/postgresql/15/main.",
    .example = "\"/var/lib/postgresql/15/main\"",
}};
inline constexpr option<"services.postgresql.enableTCPIP", types::bool_> enable_tcpip{{
    .default_value = false,
    .description = "Whether PostgreSQL should listen on all network interfaces. If disabled, the database can "
                   "only be accessed via its Unix domain socket or via TCP connections to localhost.",
}};
inline constexpr option<"services.postgresql.enableJIT", types::bool_> enable_jit{{
    .default_value = false,
    .description = "Whether to enable JIT support.",
}};
inline constexpr option<"services.postgresql.authentication", types::lines> authentication{{
    .default_value = "",
    .description = "Defines how users authenticate themselves to the server (pg_hba.conf). By default, peer "
                   "based authentication will be used for users connecting via the Unix socket, and md5 "
                   "password authentication will be used for users connecting via TCP. Any added rules "
                   "will be inserted above the default rules.",
}};
inline constexpr option<"services.postgresql.identMap", types::lines> ident_map{{
    .default_value = "",
    .description = "Defines the mapping from system users to database users (pg_ident.conf).",
    .example = "\"map-name-0 system-username-0 database-username-0\"",
}};
inline constexpr option<"services.postgresql.initdbArgs", types::list_of<types::str>> initdb_args{{
    .description = "Additional arguments passed to `initdb` during data dir initialisation.",
    .example = "{\"--data-checksums\", \"--allow-group-access\"}",
}};
inline constexpr option<"services.postgresql.initialScript", types::null_or<types::path>> initial_script{{
    .default_value = null,
    .description = "A file containing SQL statements to execute on first startup.",
}};
inline constexpr option<"services.postgresql.ensureDatabases", types::list_of<types::str>> ensure_databases{{
    .description = "Ensures that the specified databases exist. This option will never delete existing "
                   "databases, especially not when the value of this option is changed.",
    .example = "{\"gitea\", \"nextcloud\"}",
}};
inline constexpr option<"services.postgresql.ensureUsers", types::attrs_of<types::submodule>> ensure_users{{
    .description = "Ensures that the specified users exist, by role name. The PostgreSQL users will be "
                   "identified using peer authentication. This option will never delete existing users, "
                   "especially not when the value of this option is changed.",
    .example = "{{\"nextcloud\", {{\"ensureDBOwnership\", true}}}}",
}};

namespace ensure_user {
inline constexpr option<"services.postgresql.ensureUsers.<name>.ensureDBOwnership", types::bool_> ensure_db_ownership{{
    .default_value = false,
    .description = "Grants the user ownership to a database with the same name. This database must be "
                   "defined manually in services.postgresql.ensureDatabases.",
}};
// ensureClauses.<attr>: granted (true) or revoked (false) by `ALTER ROLE`, null left as it is.
template <fixed_string Path>
constexpr option<Path, types::null_or<types::bool_>> clause(std::string_view description,
                                                            std::source_location where = std::source_location::current()) {
  return option<Path, types::null_or<types::bool_>>({.default_value = null, .description = description}, where);
}
inline constexpr auto superuser = clause<"services.postgresql.ensureUsers.<name>.ensureClauses.superuser">(
    "Grants the user superuser permissions (SUPERUSER); false revokes them, null leaves them as they are.");
inline constexpr auto createrole = clause<"services.postgresql.ensureUsers.<name>.ensureClauses.createrole">(
    "Grants the user permission to create, alter and drop roles (CREATEROLE).");
inline constexpr auto createdb = clause<"services.postgresql.ensureUsers.<name>.ensureClauses.createdb">(
    "Grants the user permission to create databases (CREATEDB).");
inline constexpr auto inherit = clause<"services.postgresql.ensureUsers.<name>.ensureClauses.inherit">(
    "Whether the user inherits the privileges of the roles it is a member of (INHERIT).");
inline constexpr auto login = clause<"services.postgresql.ensureUsers.<name>.ensureClauses.login">(
    "Whether the user may log in (LOGIN); roles made by CREATE USER may.");
inline constexpr auto replication = clause<"services.postgresql.ensureUsers.<name>.ensureClauses.replication">(
    "Grants the user replication permissions (REPLICATION).");
inline constexpr auto bypassrls = clause<"services.postgresql.ensureUsers.<name>.ensureClauses.bypassrls">(
    "Grants the user permission to bypass row level security policies (BYPASSRLS).");
}  // namespace ensure_user

using setting = types::one_of<types::bool_, types::float_, types::int_, types::str>;
inline constexpr option<"services.postgresql.settings", types::attrs_of<setting>> settings{{
    .description = "PostgreSQL configuration (postgresql.conf). Refer to "
                   "https://www.postgresql.org/docs/15/runtime-config.html for an overview. Booleans are "
                   "written yes/no and strings single-quoted; port defaults to 5432.",
    .example = "{{\"log_connections\", true}, {\"shared_preload_libraries\", \"pg_stat_statements\"}}",
}};

namespace detail {

constexpr std::string sql_identifier(const std::string& name) { return "\"" + cairn::replace_all(name, "\"", "\"\"") + "\""; }
constexpr std::string sql_literal(const std::string& text) { return "'" + cairn::replace_all(text, "'", "''") + "'"; }

// A postgresql.conf value: NixOS's toStr, with backslashes escaped too (the file's parser reads
// them as escapes).
constexpr std::string render_setting(const value& v) {
  if (v.is_bool()) return v.as_bool() ? "yes" : "no";
  if (v.is_int()) return cairn::to_string(v.as_int());
  if (v.is_float()) return cairn::to_string(v.as_float());
  return "'" + cairn::replace_all(cairn::replace_all(v.as_string(), "\\", "\\\\"), "'", "''") + "'";
}

// settings.port as psql takes it (a number, or a string as postgresql.conf allows).
constexpr std::string port(const cairn::config& c) {
  const auto* p = c.raw(settings).as_attrs().find("port");
  if (p && p->is_string()) return cairn::escape_shell_arg(p->as_string());
  return cairn::to_string(p && p->is_int() ? p->as_int() : 5432);
}

// A psql call of the setup script with one SQL command; output unaligned, tuples only.
constexpr std::string psql(const std::string& sql) { return "psql -tAc " + cairn::escape_shell_arg(sql); }

constexpr std::string role_clauses(const cairn::config& c, const std::string& role) {
  // Sorted by name, as NixOS's attrValues of ensureClauses.
  const std::pair<std::string_view, std::optional<bool>> clauses[] = {
      {"bypassrls", c[ensure_user::bypassrls(role)]},     {"createdb", c[ensure_user::createdb(role)]},
      {"createrole", c[ensure_user::createrole(role)]},   {"inherit", c[ensure_user::inherit(role)]},
      {"login", c[ensure_user::login(role)]},             {"replication", c[ensure_user::replication(role)]},
      {"superuser", c[ensure_user::superuser(role)]},
  };
  std::vector<std::string> out;
  for (const auto& [name, on] : clauses)
    if (on) out.push_back((*on ? "" : "no") + std::string(name));
  return cairn::join(out, " ");
}

}  // namespace detail

// The text of /etc/postgresql/postgresql.conf: settings sorted by name.
constexpr std::string render_postgresql_conf(const cairn::config& c) {
  std::string out;
  for (const auto& [name, v] : c.raw(settings).as_attrs()) out += name + " = " + detail::render_setting(v) + "\n";
  return out;
}

// postgresql.service's ExecStartPre, as the postgres user: initdb on the first start, then the
// configuration linked into the data directory.
constexpr std::string render_pre_start(const cairn::config& c) {
  const auto dir = cairn::escape_shell_arg(c[data_dir]);
  std::string args;
  for (const auto& a : c[initdb_args]) args += " " + cairn::escape_shell_arg(a);
  return "#!/bin/sh\nset -e\n"
         "if ! test -e " + dir + "/PG_VERSION; then\n"
         "  # Cleanup the data directory.\n"
         "  rm -f " + dir + "/*.conf\n"
         "  # Initialise the database.\n"
         "  " + std::string(bin_dir) + "/initdb -U postgres -D " + dir + args + "\n"
         "  # See postgresql-setup.\n"
         "  touch " + dir + "/.first_startup\n"
         "fi\n"
         "ln -sfn /etc/postgresql/postgresql.conf " + dir + "/postgresql.conf\n";
}

// postgresql-setup.service's script, as the postgres user: waits for the server, runs the initial
// script once, then creates what ensureDatabases and ensureUsers name and is not there yet.
constexpr std::string render_setup(const cairn::config& c) {
  const auto dir = cairn::escape_shell_arg(c[data_dir]);
  std::string out = "#!/bin/sh\nset -e\n";
  out += "psql() { " + std::string(bin_dir) + "/psql --port=" + detail::port(c) +
         " -X -v ON_ERROR_STOP=1 -d postgres \"$@\"; }\n";
  out += "tries=0\n"
         "while ! psql -c '' 2>/dev/null; do\n"
         "  tries=$((tries + 1))\n"
         "  if [ \"$tries\" -gt 600 ]; then echo 'postgresql-setup: the server does not answer' >&2; exit 1; fi\n"
         "  sleep 0.1\n"
         "done\n";
  out += "if test -e " + dir + "/.first_startup; then\n";
  if (auto script = c[initial_script]) out += "  psql -f " + cairn::escape_shell_arg(*script) + "\n";
  out += "  rm -f " + dir + "/.first_startup\nfi\n";
  for (const auto& db : c[ensure_databases])
    out += detail::psql("SELECT 1 FROM pg_database WHERE datname = " + detail::sql_literal(db)) + " | grep -q 1 || " +
           detail::psql("CREATE DATABASE " + detail::sql_identifier(db)) + "\n";
  for (const auto& role : c.names(ensure_users)) {
    const auto id = detail::sql_identifier(role);
    out += detail::psql("SELECT 1 FROM pg_roles WHERE rolname = " + detail::sql_literal(role)) + " | grep -q 1 || " +
           detail::psql("CREATE USER " + id) + "\n";
    if (auto clauses = detail::role_clauses(c, role); !clauses.empty())
      out += detail::psql("ALTER ROLE " + id + " " + clauses) + "\n";
    if (c[ensure_user::ensure_db_ownership(role)]) out += detail::psql("ALTER DATABASE " + id + " OWNER TO " + id) + "\n";
  }
  return out;
}

struct module {
  using imports = cairn::imports<assertions::module, environment::module, systemd::module, users::module>;
  static constexpr auto options =
      declare(enable, data_dir, enable_tcpip, enable_jit, authentication, ident_map, initdb_args, initial_script,
              ensure_databases, ensure_users, ensure_user::ensure_db_ownership, ensure_user::superuser,
              ensure_user::createrole, ensure_user::createdb, ensure_user::inherit, ensure_user::login,
              ensure_user::replication, ensure_user::bypassrls, settings);

  static constexpr void config(definitions& d) {
    auto on = d.when(enable);
    on.set(settings("hba_file"), "/etc/postgresql/pg_hba.conf");
    on.set(settings("ident_file"), "/etc/postgresql/pg_ident.conf");
    on.set(settings("log_destination"), "stderr");
    on.set(settings("listen_addresses"),
           [](const cairn::config& c) { return std::string(c[enable_tcpip] ? "*" : "localhost"); });
    on.set(settings("port"), mk_option_default(5432));
    on.set(settings("jit"), mk_default([](const cairn::config& c) { return std::string(c[enable_jit] ? "on" : "off"); }));
    on.set(authentication, mk_before("# Generated file; do not edit!"));
    on.set(authentication, mk_after("# default value of services.postgresql.authentication\n"
                                    "local all all              peer\n"
                                    "host  all all 127.0.0.1/32 md5\n"
                                    "host  all all ::1/128      md5"));

    on.set(environment::etc_entry::text("postgresql/postgresql.conf"), render_postgresql_conf);
    on.set(environment::etc_entry::text("postgresql/pg_hba.conf"), [](const cairn::config& c) { return c[authentication] + "\n"; });
    on.set(environment::etc_entry::text("postgresql/pg_ident.conf"), [](const cairn::config& c) { return c[ident_map] + "\n"; });
    on.set(environment::etc_entry::text("postgresql/pre-start.sh"), render_pre_start);
    on.set(environment::etc_entry::text("postgresql/setup.sh"), render_setup);

    // Debian's postgresql-common ships a postgresql.service (and enables it) and starts a
    // postgresql@<version>-<cluster> per cluster under /etc/postgresql: ours takes its place.
    on.set(systemd::unit::replace_existing("postgresql.service"), true);
    on.set(systemd::unit::enable("postgresql@15-main.service"), false);
    on.set(systemd::service::description("postgresql"), "PostgreSQL Server");
    on.set(systemd::service::wanted_by("postgresql"), {"multi-user.target"});
    on.set(systemd::service::after("postgresql"), {"network.target"});
    on.set(systemd::service::environment("postgresql", "PGDATA"), [](const cairn::config& c) { return c[data_dir]; });
    on.set(systemd::service::restart_triggers("postgresql"), [](const cairn::config& c) {
      return std::vector<std::string>{c[environment::etc_entry::text("postgresql/postgresql.conf")].value_or(""),
                                      c[environment::etc_entry::text("postgresql/pre-start.sh")].value_or("")};
    });
    on.set(systemd::service::reload_triggers("postgresql"), [](const cairn::config& c) {
      return std::vector<std::string>{c[environment::etc_entry::text("postgresql/pg_hba.conf")].value_or(""),
                                      c[environment::etc_entry::text("postgresql/pg_ident.conf")].value_or("")};
    });
    on.set(systemd::service::unit_config("postgresql", "RequiresMountsFor"), [](const cairn::config& c) { return c[data_dir]; });
    on.set(systemd::service::service_config("postgresql", "Type"), "notify");
    on.set(systemd::service::service_config("postgresql", "User"), "postgres");
    on.set(systemd::service::service_config("postgresql", "Group"), "postgres");
    on.set(systemd::service::service_config("postgresql", "RuntimeDirectory"), "postgresql");
    on.set(systemd::service::service_config("postgresql", "ExecStartPre"), "/bin/sh /etc/postgresql/pre-start.sh");
    on.set(systemd::service::service_config("postgresql", "ExecStart"), std::string(bin_dir) + "/postgres");
    on.set(systemd::service::service_config("postgresql", "ExecReload"), "/bin/kill -HUP $MAINPID");
    // Fast shutdown (https://www.postgresql.org/docs/current/server-shutdown.html), with time to finish.
    on.set(systemd::service::service_config("postgresql", "KillSignal"), "SIGINT");
    on.set(systemd::service::service_config("postgresql", "KillMode"), "mixed");
    on.set(systemd::service::service_config("postgresql", "TimeoutSec"), 120);
    auto default_dir = on.when([](const cairn::config& c) { return c[data_dir] == default_data_dir; });
    default_dir.set(systemd::service::service_config("postgresql", "StateDirectory"), "postgresql postgresql/15");
    default_dir.set(systemd::service::service_config("postgresql", "StateDirectoryMode"), "0750");

    on.set(systemd::service::description("postgresql-setup"), "PostgreSQL Setup Scripts");
    on.set(systemd::service::wanted_by("postgresql-setup"), {"multi-user.target"});
    on.set(systemd::service::requires_("postgresql-setup"), {"postgresql.service"});
    on.set(systemd::service::after("postgresql-setup"), {"postgresql.service"});
    on.set(systemd::service::restart_triggers("postgresql-setup"), [](const cairn::config& c) {
      return std::vector<std::string>{c[environment::etc_entry::text("postgresql/setup.sh")].value_or("")};
    });
    on.set(systemd::service::service_config("postgresql-setup", "Type"), "oneshot");
    on.set(systemd::service::service_config("postgresql-setup", "RemainAfterExit"), true);
    on.set(systemd::service::service_config("postgresql-setup", "User"), "postgres");
    on.set(systemd::service::service_config("postgresql-setup", "Group"), "postgres");
    on.set(systemd::service::service_config("postgresql-setup", "ExecStart"), "/bin/sh /etc/postgresql/setup.sh");

    on.set(users::user::uid("postgres"), 71);
    on.set(users::user::group("postgres"), "postgres");
    on.set(users::user::description("postgres"), "PostgreSQL server user");
    on.set(users::user::home("postgres"), [](const cairn::config& c) { return c[data_dir]; });
    on.set(users::user::shell("postgres"), "/bin/bash");
    on.set(users::user::is_system_user("postgres"), true);
    on.set(users::group::gid("postgres"), 71);

    on.set(assertions::assertions, [](const cairn::config& c) {
      list checks;
      const auto databases = c[ensure_databases];
      for (const auto& role : c.names(ensure_users)) {
        attrs a;
        a.set("assertion", !c[ensure_user::ensure_db_ownership(role)] || std::ranges::find(databases, role) != databases.end());
        a.set("message", value("For each database user defined with `ensureDBOwnership = true;`, a database with the "
                               "same name must be defined in `services.postgresql.ensureDatabases`. Offender: " + role));
        checks.push_back(value(std::move(a)));
      }
      return value(std::move(checks));
    });
  }
};

}  // namespace cairn::modules::services::postgresql

CAIRN_LIBRARY_MODULE(cairn::modules::services::postgresql::module)
