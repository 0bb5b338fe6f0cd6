// modules/system/services/postgresql.hpp: postgresql.conf as NixOS writes it, read by Debian's
// postgres (`postgres -C`); the rendered pre-start script initialises a real data directory and the
// setup script creates the ensured databases and roles on a server started with pg_ctl, as nobody.
#include <filesystem>
#include <string>

#include <cairn/compile_time.hpp>
#include <cairn/fwd.hpp>

#include <modules/system/services/postgresql.hpp>

#include "real_program.hpp"
#include "support.hpp"

namespace {

using cairn::testing::result;
using cairn::testing::run;
using cairn::testing::scratch;
using cairn::detail::replace_all;

namespace pg = cairn::modules::services::postgresql;
namespace ensure = pg::ensure_user;

// A shop database owned by its role, a read-only reporting role, and a way in for the test: the
// setup script runs as nobody, mapped to the postgres role.
struct db_host {
  static constexpr cairn::meta meta{.hostname = "db"};
  using imports = cairn::imports<pg::module>;
  static constexpr void config(cairn::definitions& d) {
    d.set(pg::enable, true);
    d.set(pg::data_dir, "/srv/pgdata");
    d.set(pg::ensure_databases, {"shop", "it's \"odd\""});
    d.set(ensure::ensure_db_ownership("shop"), true);
    d.set(ensure::createdb("shop"), true);
    d.set(ensure::login("report"), false);
    d.set(ensure::inherit("report"), true);
    d.set(pg::initial_script, "/srv/init.sql");
    d.set(pg::initdb_args, {"--data-checksums"});
    d.set(pg::authentication, "local all postgres peer map=test");
    d.set(pg::ident_map, "test nobody postgres");
    d.set(pg::settings("log_connections"), true);
    d.set(pg::settings("shared_buffers"), "64MB");
    d.set(pg::settings("random_page_cost"), 1.5);
    d.set(pg::settings("max_connections"), 30);
    d.set(pg::settings("application_name"), "it's a \\ test");
  }
};
CAIRN_CHECK_AT_COMPILE_TIME(db_host);

struct tcp_host {
  static constexpr cairn::meta meta{.hostname = "tcp"};
  using imports = cairn::imports<pg::module>;
  static constexpr void config(cairn::definitions& d) {
    d.set(pg::enable, true);
    d.set(pg::enable_tcpip, true);
    d.set(pg::enable_jit, true);
    d.set(pg::settings("port"), 5433);
  }
};
CAIRN_CHECK_AT_COMPILE_TIME(tcp_host);

struct bad_setting {
  static constexpr cairn::meta meta{.hostname = "bad"};
  using imports = cairn::imports<pg::module>;
  static constexpr void config(cairn::definitions& d) {
    d.set(pg::enable, true);
    d.set(pg::settings("shared_buffers"), "lots");
  }
};

struct owner_without_database {
  static constexpr cairn::meta meta{.hostname = "x"};
  using imports = cairn::imports<pg::module>;
  static constexpr void config(cairn::definitions& d) {
    d.set(pg::enable, true);
    d.set(ensure::ensure_db_ownership("app"), true);
  }
};

struct disabled_host {
  static constexpr cairn::meta meta{.hostname = "off"};
  using imports = cairn::imports<pg::module>;
  static constexpr void config(cairn::definitions& d) { d.set(pg::ensure_databases, {"shop"}); }
};
CAIRN_CHECK_AT_COMPILE_TIME(disabled_host);

template <class Host>
std::string etc(const std::string& name) {
  cairn::testing::evaluation<Host> e;
  return e["environment.etc.\"postgresql/" + name + "\".text"].as_string();
}

using cairn::testing::failed_assertions_of;

const std::string root = cairn::testing::unpacked_root();
const std::string bin = "usr/lib/postgresql/15/bin/";

bool have_postgres() { return !root.empty() && std::filesystem::exists(root + "/" + bin + "postgres"); }

// psql comes with postgresql-client-15: unpacked where the machine lacks it, else the machine's.
std::string psql_command() {
  if (std::filesystem::exists(root + "/" + bin + "psql")) return cairn::testing::unpacked(bin + "psql");
  return "/" + bin + "psql";
}

// `command` as nobody (postgres refuses to run as root), in the scratch directory.
result as_nobody(const scratch& s, const std::string& command) {
  return run("cd " + s.dir.string() + " && setpriv --reuid=65534 --regid=65534 --clear-groups sh -c " +
                 cairn::escape_shell_arg(command),
             true);
}

// A scratch directory nobody owns, holding the rendered /etc/postgresql files with their system
// paths (data directory, /etc/postgresql, the programs) moved into it.
struct sandbox {
  scratch s;
  std::string data = (s.dir / "data").string();
  std::string sockets = (s.dir / "run").string();

  template <class Host>
  void write_etc() {
    for (auto name : {"postgresql.conf", "pg_hba.conf", "pg_ident.conf", "pre-start.sh", "setup.sh"}) {
      auto text = replace_all(etc<Host>(name), "/etc/postgresql/", (s.dir / "etc").string() + "/");
      text = replace_all(text, "/srv/pgdata", data);
      text = replace_all(text, "/srv/init.sql", (s.dir / "init.sql").string());
      text = replace_all(text, "/usr/lib/postgresql/15/bin/psql", psql_command());
      text = replace_all(text, "/usr/lib/postgresql/15/bin/initdb", cairn::testing::unpacked(bin + "initdb"));
      s.write(std::string("etc/") + name, text);
    }
  }
  sandbox() {
    std::filesystem::create_directories(sockets);
    run("chown -R 65534:65534 " + s.dir.string());
  }
  result pg_ctl(const std::string& action) const {
    return as_nobody(s, cairn::testing::unpacked(bin + "pg_ctl") + " -D " + data + " -l " + (s.dir / "log").string() +
                            " -w -o \"-k " + sockets + " -c listen_addresses=''\" " + action);
  }
  result psql(const std::string& sql) const {
    return as_nobody(s, "PGHOST=" + sockets + " PGUSER=postgres " + psql_command() + " -X -d postgres -tAc " +
                            cairn::escape_shell_arg(sql));
  }
  result setup() const { return as_nobody(s, "PGHOST=" + sockets + " PGUSER=postgres sh etc/setup.sh"); }
  ~sandbox() {
    if (std::filesystem::exists(data + "/postmaster.pid")) pg_ctl("stop -m immediate");
  }
};

}  // namespace

TEST(Postgresql, TheConfigAsNixOSWritesIt) {
  EXPECT_EQ(etc<db_host>("postgresql.conf"),
            "application_name = 'it''s a \\\\ test'\n"
            "hba_file = '/etc/postgresql/pg_hba.conf'\n"
            "ident_file = '/etc/postgresql/pg_ident.conf'\n"
            "jit = 'off'\n"
            "listen_addresses = 'localhost'\n"
            "log_connections = yes\n"
            "log_destination = 'stderr'\n"
            "max_connections = 30\n"
            "port = 5432\n"
            "random_page_cost = 1.5\n"
            "shared_buffers = '64MB'\n");
  EXPECT_EQ(etc<db_host>("pg_hba.conf"),
            "# Generated file; do not edit!\n"
            "local all postgres peer map=test\n"
            "# default value of services.postgresql.authentication\n"
            "local all all              peer\n"
            "host  all all 127.0.0.1/32 md5\n"
            "host  all all ::1/128      md5\n");
  EXPECT_EQ(etc<db_host>("pg_ident.conf"), "test nobody postgres\n");
  auto tcp = etc<tcp_host>("postgresql.conf");
  EXPECT_CONTAINS(tcp, "listen_addresses = '*'\n");
  EXPECT_CONTAINS(tcp, "jit = 'on'\n");
  EXPECT_CONTAINS(tcp, "port = 5433\n");
  EXPECT_CONTAINS(etc<tcp_host>("setup.sh"), "/usr/lib/postgresql/15/bin/psql --port=5433 ");

  auto setup = etc<db_host>("setup.sh");
  EXPECT_CONTAINS(setup, "psql -tAc 'SELECT 1 FROM pg_database WHERE datname = '\\''shop'\\''' | grep -q 1 || "
                         "psql -tAc 'CREATE DATABASE \"shop\"'\n");
  EXPECT_CONTAINS(setup, "psql -tAc 'CREATE DATABASE \"it'\\''s \"\"odd\"\"\"'\n");
  EXPECT_CONTAINS(setup, "psql -tAc 'ALTER ROLE \"report\" inherit nologin'\n");
  EXPECT_CONTAINS(setup, "psql -tAc 'ALTER ROLE \"shop\" createdb'\n");
  EXPECT_CONTAINS(setup, "psql -tAc 'ALTER DATABASE \"shop\" OWNER TO \"shop\"'\n");
  EXPECT_CONTAINS(etc<db_host>("pre-start.sh"),
                  "  /usr/lib/postgresql/15/bin/initdb -U postgres -D '/srv/pgdata' '--data-checksums'\n");
}

TEST(Postgresql, TheServicesAndTheUser) {
  cairn::testing::evaluation<db_host> e;
  auto unit = e["systemd.units.\"postgresql.service\".text"].as_string();
  EXPECT_CONTAINS(unit, "Description=PostgreSQL Server\nAfter=network.target\n");
  EXPECT_CONTAINS(unit, "RequiresMountsFor=/srv/pgdata\n");
  EXPECT_CONTAINS(unit, "Environment=\"PGDATA=/srv/pgdata\"\n");
  EXPECT_CONTAINS(unit, "ExecStartPre=/bin/sh /etc/postgresql/pre-start.sh\n");
  EXPECT_CONTAINS(unit, "ExecStart=/usr/lib/postgresql/15/bin/postgres\n");
  EXPECT_CONTAINS(unit, "KillSignal=SIGINT\n");
  EXPECT_CONTAINS(unit, "Type=notify\n");
  EXPECT_CONTAINS(unit, "User=postgres\n");
  EXPECT_CONTAINS(unit, "X-Reload-Triggers=");
  EXPECT_CONTAINS(unit, "X-Restart-Triggers=");
  EXPECT_EQ(unit.find("StateDirectory"), std::string::npos) << "a dataDir of one's own is not systemd's";
  auto setup = e["systemd.units.\"postgresql-setup.service\".text"].as_string();
  EXPECT_CONTAINS(setup, "After=postgresql.service\nRequires=postgresql.service\n");
  EXPECT_CONTAINS(setup, "ExecStart=/bin/sh /etc/postgresql/setup.sh\n");
  EXPECT_CONTAINS(setup, "RemainAfterExit=true\n");
  EXPECT_CONTAINS(setup, "Type=oneshot\n");
  EXPECT_EQ(e.json("systemd.units.\"postgresql.service\".replaceExisting"), "true");
  EXPECT_EQ(e.json("systemd.units.\"postgresql@15-main.service\".enable"), "false");
  EXPECT_EQ(e.json("users.users.postgres.uid"), "71");
  EXPECT_EQ(e.json("users.users.postgres.home"), "\"/srv/pgdata\"");
  EXPECT_EQ(e.json("users.groups.postgres.gid"), "71");

  cairn::testing::evaluation<tcp_host> t;
  EXPECT_CONTAINS(t["systemd.units.\"postgresql.service\".text"].as_string(),
                  "StateDirectory=postgresql postgresql/15\nStateDirectoryMode=0750\n");
}

TEST(Postgresql, PostgresReadsTheConfig) {
  if (!have_postgres()) GTEST_SKIP() << "postgresql-15 is not unpacked in " << root;
  sandbox box;
  box.write_etc<db_host>();
  auto init = as_nobody(box.s, "sh etc/pre-start.sh");
  ASSERT_EQ(init.status, 0) << init.out;
  EXPECT_TRUE(std::filesystem::exists(box.data + "/PG_VERSION"));
  EXPECT_TRUE(std::filesystem::exists(box.data + "/.first_startup"));
  EXPECT_EQ(std::filesystem::read_symlink(box.data + "/postgresql.conf"), box.s.dir / "etc/postgresql.conf");
  const auto postgres = cairn::testing::unpacked(bin + "postgres") + " -D " + box.data;
  for (auto [name, shown] : {std::pair{"shared_buffers", "8192"} /* 64MB in 8 kB pages */, {"log_connections", "on"},
                             {"application_name", "it's a \\ test"}, {"data_checksums", "on"},
                             {"hba_file", "etc/pg_hba.conf"}}) {
    auto r = as_nobody(box.s, postgres + " -C " + name);
    EXPECT_EQ(r.status, 0) << name << ": " << r.out;
    EXPECT_CONTAINS(r.out, shown);
  }
  // The check is real: postgres refuses a bad value, naming the setting.
  sandbox bad;
  bad.write_etc<bad_setting>();
  ASSERT_EQ(as_nobody(bad.s, cairn::testing::unpacked(bin + "initdb") + " -U postgres -D " + bad.data).status, 0);
  run("ln -sfn " + (bad.s.dir / "etc/postgresql.conf").string() + " " + bad.data + "/postgresql.conf");
  auto refused = as_nobody(bad.s, cairn::testing::unpacked(bin + "postgres") + " -D " + bad.data + " -C shared_buffers");
  EXPECT_NE(refused.status, 0);
  EXPECT_CONTAINS(refused.out, "invalid value for parameter \"shared_buffers\": \"lots\"");
}

TEST(Postgresql, TheSetupScriptEnsuresDatabasesAndRolesOnce) {
  if (!have_postgres()) GTEST_SKIP() << "postgresql-15 is not unpacked in " << root;
  sandbox box;
  box.write_etc<db_host>();
  box.s.write("init.sql", "CREATE TABLE first_start (at timestamptz DEFAULT now());\n");
  run("chown -R 65534:65534 " + box.s.dir.string());
  ASSERT_EQ(as_nobody(box.s, "sh etc/pre-start.sh").status, 0);
  auto up = box.pg_ctl("start");
  ASSERT_EQ(up.status, 0) << up.out << run("cat " + (box.s.dir / "log").string()).out;

  auto first = box.setup();
  ASSERT_EQ(first.status, 0) << first.out;
  EXPECT_FALSE(std::filesystem::exists(box.data + "/.first_startup"));
  EXPECT_EQ(box.psql("SELECT count(*) FROM first_start").out, "0\n");
  EXPECT_EQ(box.psql("SELECT datname || ':' || pg_get_userbyid(datdba) FROM pg_database WHERE datname IN "
                     "('shop', 'it''s \"odd\"') ORDER BY 1")
                .out,
            "it's \"odd\":postgres\nshop:shop\n");
  EXPECT_EQ(box.psql("SELECT rolname, rolcreatedb, rolcanlogin, rolinherit FROM pg_roles WHERE rolname IN "
                     "('shop', 'report') ORDER BY 1")
                .out,
            "report|f|f|t\nshop|t|t|t\n");

  // What was added by hand stays; the second run changes nothing and the initial script is not
  // run again.
  ASSERT_EQ(box.psql("CREATE TABLE kept (x int)").status, 0);
  auto again = box.setup();
  EXPECT_EQ(again.status, 0) << again.out;
  EXPECT_EQ(box.psql("SELECT count(*) FROM pg_tables WHERE tablename IN ('kept', 'first_start')").out, "2\n");
  EXPECT_EQ(box.psql("SELECT count(*) FROM pg_database WHERE datname = 'shop'").out, "1\n");

  // A server that is not there: the script says so and fails (after 3 tries here, not 600).
  ASSERT_EQ(box.pg_ctl("stop").status, 0);
  auto down = as_nobody(box.s, "export PGHOST=" + box.sockets + " PGUSER=postgres; sed 's/-gt 600/-gt 3/' etc/setup.sh | sh");
  EXPECT_NE(down.status, 0);
  EXPECT_CONTAINS(down.out, "postgresql-setup: the server does not answer");
}

TEST(Postgresql, MistakesAreNamed) {
  EXPECT_EQ(failed_assertions_of<owner_without_database>(),
            "For each database user defined with `ensureDBOwnership = true;`, a database with the same name must be "
            "defined in `services.postgresql.ensureDatabases`. Offender: app");
  EXPECT_EQ(failed_assertions_of<db_host>(), "");
}

TEST(Postgresql, DisabledItRendersNothing) {
  cairn::testing::evaluation<disabled_host> e;
  EXPECT_EQ(e["environment.etc"].as_attrs().find("postgresql/postgresql.conf"), nullptr);
  EXPECT_EQ(e["systemd.units"].as_attrs().find("postgresql.service"), nullptr);
  EXPECT_EQ(e["users.users"].as_attrs().find("postgres"), nullptr);
}
