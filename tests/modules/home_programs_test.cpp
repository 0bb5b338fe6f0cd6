// modules/home/{xdg,session,systemd}.hpp and modules/home/programs/{git,bash,ssh}.hpp: what they
// render, read back by git, ssh, bash, sh and systemd-analyze.
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <cairn/compile_time.hpp>
#include <cairn/fwd.hpp>

#include <modules/home/home.hpp>
#include <modules/home/programs/bash.hpp>
#include <modules/home/programs/git.hpp>
#include <modules/home/programs/ssh.hpp>
#include <modules/home/session.hpp>
#include <modules/home/systemd.hpp>
#include <modules/home/xdg.hpp>

#include "real_program.hpp"
#include "support.hpp"

namespace {

using cairn::testing::result;
using cairn::testing::run;
using cairn::testing::scratch;

namespace home = cairn::modules::home;
namespace xdg = cairn::modules::home::xdg;
namespace git = cairn::modules::home::programs::git;
namespace bash = cairn::modules::home::programs::bash;
namespace ssh = cairn::modules::home::programs::ssh;
namespace user_systemd = cairn::modules::home::systemd;

// A home using every module, evaluated by the compiler too.
struct full_home {
  static constexpr cairn::meta meta{.state_version = "0.1", .username = "alice"};
  using imports = cairn::imports<xdg::module, home::session::module, git::module, bash::module, ssh::module,
                                 user_systemd::module>;
  static constexpr void config(cairn::definitions& d) {
    d.set(home::session_variables("EDITOR"), "vim");
    d.set(home::session_variables("PRICE"), "costs \"5\" in $CURRENCY, C:\\dir, `no`");
    d.set(home::session_variables("JOBS"), 4);
    d.set(home::session_path, {"/opt/tools/bin"});

    d.set(xdg::config_file_entry::text("foot/foot.ini"), "font=monospace:size=11\n");
    d.set(xdg::config_file_entry::source("nvim"), "users/alice/nvim");
    d.set(xdg::config_file_entry::recursive("nvim"), true);
    d.set(xdg::config_file_entry::text("off"), "x");
    d.set(xdg::config_file_entry::enable("off"), false);

    d.set(git::enable, true);
    d.set(git::user_name, "Alice \"Al\" Liddell");
    d.set(git::user_email, "alice@example.org");
    d.set(git::aliases("co"), "checkout");
    d.set(git::aliases("lg"), "log --graph --format=\"%h %s\"");
    d.set(git::aliases("root"), "!cd \"$(git rev-parse --show-toplevel)\" && pwd");
    d.set(git::extra_config("core", "editor"), "vim");
    d.set(git::extra_config("core", "abbrev"), 12);
    d.set(git::extra_config("pull", "rebase"), true);
    d.set(git::extra_config("url.git@github.com:", "insteadOf"), "https://github.com/");
    d.set(git::extra_config("includeIf \"gitdir:~/work/\"", "path"), "~/work/.gitconfig");
    d.set(git::extra_config("cairn", "odd"), "tab\there, back\\slash, new\nline; # not a comment");
    d.set(git::extra_config("user", "signingKey"), "ABCD1234");
    d.set(git::extra_config("branch.feature/a.b", "remote"), "origin");
    d.set(git::ignores, {"*~", ".direnv/"});

    d.set(bash::enable, true);
    d.set(bash::shell_aliases("ll"), "ls -l");
    d.set(bash::shell_aliases("say"), "printf '%s|%s\\n' \"it's\" '$HOME'");
    d.set(bash::session_variables("MAILCHECK"), "30");
    d.set(bash::session_variables("QUOTED"), "a \"b\" $EDITOR");
    d.set(bash::history_control, {"ignoredups", "ignorespace"});
    d.set(bash::bashrc_extra, "export FROM_BASHRC_EXTRA=1");
    d.set(bash::init_extra, "export FROM_INIT_EXTRA=1");
    d.set(bash::profile_extra, "export FROM_PROFILE_EXTRA=1");
    d.set(bash::logout_extra, "echo bye");

    d.set(ssh::enable, true);
    d.set(ssh::includes, {"config.d/*"});
    d.set(ssh::match_block::hostname("work"), "work.example.com");
    d.set(ssh::match_block::user("work"), "alice");
    d.set(ssh::match_block::port("work"), 2222);
    d.set(ssh::match_block::identity_file("work"), {"~/.ssh/id_work", "~/.ssh/id with space"});
    d.set(ssh::match_block::identities_only("work"), true);
    d.set(ssh::match_block::forward_agent("work"), true);
    d.set(ssh::match_block::extra_options("work", "Compression"), "yes");
    d.set(ssh::match_block::host("a-fallback"), "*");
    d.set(ssh::match_block::user("a-fallback"), "fallback");
    d.set(ssh::match_block::host("lab"), "lab-* *.lab");
    d.set(ssh::match_block::forward_agent("lab"), false);
    d.set(ssh::control_master, "auto");
    d.set(ssh::control_path, "~/.ssh/master-%r@%n:%p");
    d.set(ssh::control_persist, "10m");
    d.set(ssh::server_alive_interval, 60);
    d.set(ssh::add_keys_to_agent, "yes");
    d.set(ssh::extra_config, "StrictHostKeyChecking accept-new");

    d.set(user_systemd::service::unit("backup", "Description"), "Nightly backup");
    d.set(user_systemd::service::unit("backup", "After"), {"network-online.target"});
    d.set(user_systemd::service::service("backup", "Type"), "oneshot");
    d.set(user_systemd::service::service("backup", "ExecStart"), "/bin/echo backing up");
    d.set(user_systemd::service::service("backup", "Nice"), 10);
    d.set(user_systemd::service::service("backup", "RemainAfterExit"), true);
    d.set(user_systemd::service::service("backup", "Environment"), {"A=1", "B=2"});
    d.set(user_systemd::service::install("backup", "WantedBy"), {"default.target", "graphical-session.target"});
    d.set(user_systemd::service::service("plain", "ExecStart"), "/bin/true");
  }
};
CAIRN_CHECK_AT_COMPILE_TIME(full_home);

// The same modules, nothing enabled: they render nothing but the session script.
struct quiet_home {
  static constexpr cairn::meta meta{.username = "bob", .home_directory = "/srv/bob"};
  using imports = cairn::imports<git::module, bash::module, ssh::module, user_systemd::module>;
  static constexpr void config(cairn::definitions& d) {
    d.set(git::user_name, "Bob");
    d.set(xdg::config_home, "/srv/bob/cfg");
    d.set(xdg::config_file_entry::text("app/rc"), "x=1\n");
  }
};
CAIRN_CHECK_AT_COMPILE_TIME(quiet_home);

struct wrong_git_value {
  static constexpr cairn::meta meta{.username = "alice"};
  using imports = cairn::imports<git::module>;
  static constexpr void config(cairn::definitions& d) {
    d.set(git::enable, true);
    d.set(git::extra_config("core", "abbrev"), cairn::value(cairn::list{cairn::value(1)}));
  }
  static constexpr int line = __LINE__ - 2;  // the wrong definition
};
struct wrong_ssh_port {
  static constexpr cairn::meta meta{.username = "alice"};
  using imports = cairn::imports<ssh::module>;
  static constexpr void config(cairn::definitions& d) {
    d.set(ssh::enable, true);
    d.set(ssh::match_block::port("work"), cairn::value(70000));
  }
  static constexpr int line = __LINE__ - 2;  // the wrong definition
};
struct wrong_session_variable {
  static constexpr cairn::meta meta{.username = "alice"};
  using imports = cairn::imports<home::session::module>;
  static constexpr void config(cairn::definitions& d) {
    d.set(home::session_variables("FLAG"), cairn::value(true));
  }
};
struct wrong_unit_setting {
  static constexpr cairn::meta meta{.username = "alice"};
  using imports = cairn::imports<user_systemd::module>;
  static constexpr void config(cairn::definitions& d) {
    d.set(user_systemd::service::service("x", "ExecStart"), cairn::value(1.5));
  }
};

std::string text_of(cairn::testing::evaluation<full_home>& e, const std::string& path) {
  return e[path].as_string();
}

std::string session_script(const cairn::value& packages) {
  for (const auto& p : packages.as_list())
    if (p.as_package().name == "cairn-session-vars") {
      EXPECT_EQ(p.as_package().files.size(), 1u);
      EXPECT_EQ(p.as_package().files[0].path, "etc/profile.d/cairn-session-vars.sh");
      return p.as_package().files[0].contents;
    }
  ADD_FAILURE() << "no cairn-session-vars package in home.packages";
  return {};
}

}  // namespace

TEST(HomeXdg, ConfigFilesBecomeHomeFilesUnderConfigHome) {
  cairn::testing::evaluation<full_home> e;
  EXPECT_EQ(e.json("xdg.configHome"), "\"/home/alice/.config\"");
  EXPECT_EQ(e.json("xdg.dataHome"), "\"/home/alice/.local/share\"");
  EXPECT_EQ(e.json("xdg.stateHome"), "\"/home/alice/.local/state\"");
  EXPECT_EQ(e.json("xdg.cacheHome"), "\"/home/alice/.cache\"");
  EXPECT_EQ(e.json("home.file.\".config/foot/foot.ini\".text"), "\"font=monospace:size=11\\n\"");
  EXPECT_EQ(e.json("home.file.\".config/foot/foot.ini\".target"), "\".config/foot/foot.ini\"");
  EXPECT_EQ(e.json("home.file.\".config/nvim\".source"), "\"users/alice/nvim\"");
  EXPECT_EQ(e.json("home.file.\".config/nvim\".recursive"), "true");
  EXPECT_EQ(e["home.file"].as_attrs().find(".config/off"), nullptr);

  cairn::testing::evaluation<quiet_home> q;
  EXPECT_EQ(q.json("home.file.\"cfg/app/rc\".text"), "\"x=1\\n\"");
  EXPECT_EQ(q.json("xdg.dataHome"), "\"/srv/bob/.local/share\"");
}

TEST(HomePrograms, DisabledProgramsRenderNothing) {
  cairn::testing::evaluation<quiet_home> q;
  std::vector<std::string> files;
  for (const auto& [name, v] : q["home.file"].as_attrs()) files.push_back(name);
  EXPECT_EQ(cairn::detail::join(files, ","), "cfg/app/rc");
  // The session script is there all the same, with the profile's bin on PATH.
  EXPECT_CONTAINS(session_script(q["home.packages"]), "export PATH=\"$HOME/.cairn-profile/bin${PATH:+:}$PATH\"\n");
}

TEST(HomeSession, TheScriptExportsTheVariablesOnce) {
  cairn::testing::evaluation<full_home> e;
  std::string script = session_script(e["home.packages"]);
  EXPECT_TRUE(script.starts_with("# Only source this once.\n"
                                 "if [ -n \"$__CAIRN_SESS_VARS_SOURCED\" ]; then return; fi\n"
                                 "export __CAIRN_SESS_VARS_SOURCED=1\n\n"
                                 "export EDITOR=\"vim\"\n"
                                 "export JOBS=\"4\"\n"
                                 "export PRICE=\"costs \\\"5\\\" in $CURRENCY, C:\\\\dir, \\`no\\`\"\n"))
      << script;

  scratch s;
  auto file = s.write("vars.sh", script);
  EXPECT_EQ(run("sh -n " + file).status, 0);
  auto r = run("env -i HOME=/home/alice CURRENCY=EUR PATH=/usr/bin:/bin sh -c '. " + file +
               "; printf \"%s\\n\" \"$EDITOR\" \"$JOBS\" \"$PRICE\" \"$PATH\"'");
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.out, "vim\n4\ncosts \"5\" in EUR, C:\\dir, `no`\n"
                   "/home/alice/.cairn-profile/bin:/opt/tools/bin:/usr/bin:/bin\n");
  // Sourced a second time (a nested login shell), it changes nothing.
  r = run("env -i PATH=/usr/bin:/bin sh -c '. " + file + "; EDITOR=nano; . " + file + "; echo \"$EDITOR $PATH\"'");
  EXPECT_EQ(r.out, "nano /.cairn-profile/bin:/opt/tools/bin:/usr/bin:/bin\n");
}

TEST(HomeGit, GitReadsTheConfig) {
  cairn::testing::evaluation<full_home> e;
  const std::string config = text_of(e, "xdg.configFile.\"git/config\".text");
  EXPECT_EQ(text_of(e, "home.file.\".config/git/config\".text"), config);
  EXPECT_EQ(config,
            "[alias]\n"
            "\tco = \"checkout\"\n"
            "\tlg = \"log --graph --format=\\\"%h %s\\\"\"\n"
            "\troot = \"!cd \\\"$(git rev-parse --show-toplevel)\\\" && pwd\"\n"
            "[branch \"feature/a.b\"]\n"
            "\tremote = \"origin\"\n"
            "[cairn]\n"
            "\todd = \"tab\\there, back\\\\slash, new\\nline; # not a comment\"\n"
            "[core]\n"
            "\tabbrev = 12\n"
            "\teditor = \"vim\"\n"
            "\texcludesFile = \"/home/alice/.config/git/ignore\"\n"
            "[includeIf \"gitdir:~/work/\"]\n"
            "\tpath = \"~/work/.gitconfig\"\n"
            "[pull]\n"
            "\trebase = true\n"
            "[url \"git@github.com:\"]\n"
            "\tinsteadOf = \"https://github.com/\"\n"
            "[user]\n"
            "\temail = \"alice@example.org\"\n"
            "\tname = \"Alice \\\"Al\\\" Liddell\"\n"
            "\tsigningKey = \"ABCD1234\"\n");
  EXPECT_EQ(text_of(e, "xdg.configFile.\"git/ignore\".text"), "*~\n.direnv/\n");

  scratch s;
  auto file = s.write("gitconfig", config);
  auto get = [&](const std::string& args) { return run("git config --file " + file + " " + args); };
  EXPECT_EQ(get("--get user.name").out, "Alice \"Al\" Liddell\n");
  EXPECT_EQ(get("--get user.email").out, "alice@example.org\n");
  EXPECT_EQ(get("--get user.signingkey").out, "ABCD1234\n");
  EXPECT_EQ(get("--get alias.co").out, "checkout\n");
  EXPECT_EQ(get("--get alias.lg").out, "log --graph --format=\"%h %s\"\n");
  EXPECT_EQ(get("--get-regexp '^alias\\.'").out,
            "alias.co checkout\n"
            "alias.lg log --graph --format=\"%h %s\"\n"
            "alias.root !cd \"$(git rev-parse --show-toplevel)\" && pwd\n");
  EXPECT_EQ(get("--get branch.feature/a.b.remote").out, "origin\n");
  EXPECT_EQ(get("--get cairn.odd").out, "tab\there, back\\slash, new\nline; # not a comment\n");
  EXPECT_EQ(get("--type=int --get core.abbrev").out, "12\n");
  EXPECT_EQ(get("--type=bool --get pull.rebase").out, "true\n");
  EXPECT_EQ(get("--get url.git@github.com:.insteadof").out, "https://github.com/\n");
  EXPECT_EQ(get("--get includeif.gitdir:~/work/.path").out, "~/work/.gitconfig\n");
  EXPECT_EQ(get("--get core.excludesfile").out, "/home/alice/.config/git/ignore\n");
  // Every key git sees, and no other: the file parses as a whole.
  auto all = get("--list --name-only");
  EXPECT_EQ(all.status, 0);
  EXPECT_EQ(all.out,
            "alias.co\nalias.lg\nalias.root\nbranch.feature/a.b.remote\ncairn.odd\ncore.abbrev\ncore.editor\n"
            "core.excludesfile\n"
            "includeif.gitdir:~/work/.path\npull.rebase\nurl.git@github.com:.insteadof\nuser.email\n"
            "user.name\nuser.signingkey\n");
}

TEST(HomeGit, IgnoresAreGitsExcludesFile) {
  cairn::testing::evaluation<full_home> e;
  scratch s;
  s.write("home/.config/git/ignore", text_of(e, "xdg.configFile.\"git/ignore\".text"));
  std::string fixed = text_of(e, "xdg.configFile.\"git/config\".text");
  for (std::size_t at; (at = fixed.find("/home/alice")) != std::string::npos;)
    fixed.replace(at, 11, (s.dir / "home").string());
  auto file = s.write("gitconfig", fixed);
  auto repo = (s.dir / "repo").string();
  ASSERT_EQ(run("git init -q " + repo).status, 0);
  s.write("repo/notes.txt~", "");
  s.write("repo/.direnv/x", "");
  s.write("repo/kept.txt", "");
  auto r = run("cd " + repo + " && GIT_CONFIG_GLOBAL=" + file + " git status --porcelain --untracked-files=all");
  EXPECT_EQ(r.out, "?? kept.txt\n");
}

TEST(HomeBash, FilesAsHomeManagerWritesThem) {
  cairn::testing::evaluation<full_home> e;
  EXPECT_EQ(text_of(e, "home.file.\".bash_profile\".text"),
            "# include .profile if it exists\n[[ -f ~/.profile ]] && . ~/.profile\n\n"
            "# include .bashrc if it exists\n[[ -f ~/.bashrc ]] && . ~/.bashrc\n");
  EXPECT_EQ(text_of(e, "home.file.\".profile\".text"),
            "if [ -f \"$HOME/.cairn-profile/etc/profile.d/cairn-session-vars.sh\" ]; then\n"
            "  . \"$HOME/.cairn-profile/etc/profile.d/cairn-session-vars.sh\"\nfi\n\n"
            "export MAILCHECK=\"30\"\nexport QUOTED=\"a \\\"b\\\" $EDITOR\"\n\n"
            "export FROM_PROFILE_EXTRA=1\n");
  EXPECT_EQ(text_of(e, "home.file.\".bashrc\".text"),
            "export FROM_BASHRC_EXTRA=1\n\n"
            "# Commands that should be applied only for interactive shells.\n[[ $- == *i* ]] || return\n\n"
            "HISTFILESIZE=100000\nHISTSIZE=10000\nHISTCONTROL=ignoredups:ignorespace\n\n"
            "shopt -s histappend\nshopt -s checkwinsize\nshopt -s extglob\nshopt -s globstar\nshopt -s checkjobs\n\n"
            "alias ll='ls -l'\nalias say='printf '\\''%s|%s\\n'\\'' \"it'\\''s\" '\\''$HOME'\\'''\n\n"
            "export FROM_INIT_EXTRA=1\n");
  EXPECT_EQ(text_of(e, "home.file.\".bash_logout\".text"), "echo bye\n");
  cairn::testing::evaluation<quiet_home> q;
  EXPECT_EQ(q["home.file"].as_attrs().find(".bash_logout"), nullptr);
}

TEST(HomeBash, BashReadsTheFiles) {
  cairn::testing::evaluation<full_home> e;
  scratch s;
  auto home_dir = (s.dir / "home").string();
  for (const char* name : {".bash_profile", ".profile", ".bashrc", ".bash_logout"}) {
    auto file = s.write(std::string("home/") + name, text_of(e, std::string("home.file.\"") + name + "\".text"));
    auto r = run("bash -n " + file, true);
    EXPECT_EQ(r.status, 0) << name << ": " << r.out;
  }
  s.write("home/.cairn-profile/etc/profile.d/cairn-session-vars.sh", session_script(e["home.packages"]));
  const std::string env = "env -i HOME=" + home_dir + " PATH=/usr/bin:/bin TERM=dumb ";

  // The aliases of an interactive shell, quotes and $ kept as written.
  auto r = run(env + "bash --noprofile --rcfile " + home_dir + "/.bashrc -i -c 'alias ll; say; shopt -q globstar && "
               "echo $HISTSIZE $HISTFILESIZE $HISTCONTROL $FROM_BASHRC_EXTRA$FROM_INIT_EXTRA'");
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.out, "alias ll='ls -l'\nit's|$HOME\n10000 100000 ignoredups:ignorespace 11\n");

  // Non-interactive: bashrcExtra only.
  r = run(env + "bash -c '. ~/.bashrc; echo \"[$FROM_BASHRC_EXTRA][$FROM_INIT_EXTRA]\"; alias'");
  EXPECT_EQ(r.out, "[1][]\n");

  // A login shell: .bash_profile -> .profile (session variables, bash's own) and .bashrc.
  r = run(env + "CURRENCY=EUR bash -l -i -c 'printf \"%s\\n\" \"$EDITOR\" \"$PRICE\" \"$MAILCHECK\" \"$QUOTED\" "
                "\"$FROM_PROFILE_EXTRA\" \"$PATH\"; alias ll' </dev/null");
  EXPECT_EQ(r.status, 0);
  // (The system's /etc/profile sets its own PATH first; the session path comes before it.)
  EXPECT_EQ(r.out.substr(0, r.out.find("/opt/tools/bin:") + 15),
            "vim\ncosts \"5\" in EUR, C:\\dir, `no`\n30\na \"b\" vim\n1\n" + home_dir +
                "/.cairn-profile/bin:/opt/tools/bin:");
  EXPECT_TRUE(r.out.ends_with(":/bin\nalias ll='ls -l'\n")) << r.out;

  // .profile without the session script (not yet activated) still works.
  std::filesystem::remove_all(s.dir / "home/.cairn-profile");
  r = run(env + "sh -c '. ~/.profile; echo \"$MAILCHECK $FROM_PROFILE_EXTRA [$EDITOR]\"'", true);
  EXPECT_EQ(r.out, "30 1 []\n");
}

TEST(HomeSsh, TheConfigAsHomeManagerRendersIt) {
  cairn::testing::evaluation<full_home> e;
  EXPECT_EQ(text_of(e, "home.file.\".ssh/config\".text"),
            "Include config.d/*\n\n"
            "Host lab-* *.lab\n"
            "  ForwardAgent no\n\n"
            "Host work\n"
            "  Port 2222\n"
            "  ForwardAgent yes\n"
            "  IdentitiesOnly yes\n"
            "  User alice\n"
            "  HostName work.example.com\n"
            "  IdentityFile ~/.ssh/id_work\n"
            "  IdentityFile \"~/.ssh/id with space\"\n"
            "  Compression yes\n\n"
            "Host *\n"
            "  User fallback\n\n"
            "Host *\n"
            "  AddKeysToAgent yes\n"
            "  ServerAliveInterval 60\n"
            "  ControlMaster auto\n"
            "  ControlPath ~/.ssh/master-%r@%n:%p\n"
            "  ControlPersist 10m\n\n"
            "  StrictHostKeyChecking accept-new\n");
  EXPECT_EQ(e.json("programs.ssh.matchBlocks.work.host"), "\"work\"");
}

TEST(HomeSsh, SshReadsTheConfig) {
  cairn::testing::evaluation<full_home> e;
  scratch s;
  auto file = s.write("home/.ssh/config", text_of(e, "home.file.\".ssh/config\".text"));
  const std::string env = "env -i HOME=" + (s.dir / "home").string() + " PATH=/usr/bin:/bin ";
  auto settings = [&](const std::string& host) {
    auto r = run(env + "ssh -G -F " + file + " " + host, true);
    EXPECT_EQ(r.status, 0) << r.out;
    return "\n" + r.out;
  };
  auto work = settings("work");
  EXPECT_CONTAINS(work, "\nhostname work.example.com\n");
  EXPECT_CONTAINS(work, "\nuser alice\n");
  EXPECT_CONTAINS(work, "\nport 2222\n");
  EXPECT_CONTAINS(work, "\nidentityfile ~/.ssh/id_work\n");
  EXPECT_CONTAINS(work, "\nidentityfile ~/.ssh/id with space\n");
  EXPECT_CONTAINS(work, "\nidentitiesonly yes\n");
  EXPECT_CONTAINS(work, "\nforwardagent yes\n");
  EXPECT_CONTAINS(work, "\ncompression yes\n");
  EXPECT_CONTAINS(work, "\ncontrolmaster auto\n");
  EXPECT_CONTAINS(work, "/.ssh/master-alice@work:2222\n");  // ssh expands ~ from the password database
  EXPECT_CONTAINS(work, "\ncontrolpersist 600\n");
  EXPECT_CONTAINS(work, "\nserveraliveinterval 60\n");
  EXPECT_CONTAINS(work, "\naddkeystoagent true\n");
  EXPECT_CONTAINS(work, "\nstricthostkeychecking accept-new\n");
  // Any other host: the `*` block's user, since it comes after the specific blocks.
  auto other = settings("elsewhere.example.org");
  EXPECT_CONTAINS(other, "\nhostname elsewhere.example.org\n");
  EXPECT_CONTAINS(other, "\nuser fallback\n");
  EXPECT_CONTAINS(other, "\nport 22\n");
  EXPECT_CONTAINS(settings("lab-3"), "\nforwardagent no\n");
}

TEST(HomeSystemd, UserUnitsAndTheirWants) {
  cairn::testing::evaluation<full_home> e;
  const std::string unit =
      "[Unit]\n"
      "After=network-online.target\n"
      "Description=Nightly backup\n"
      "\n"
      "[Service]\n"
      "Environment=A=1\n"
      "Environment=B=2\n"
      "ExecStart=/bin/echo backing up\n"
      "Nice=10\n"
      "RemainAfterExit=true\n"
      "Type=oneshot\n"
      "\n"
      "[Install]\n"
      "WantedBy=default.target\n"
      "WantedBy=graphical-session.target\n";
  EXPECT_EQ(text_of(e, "xdg.configFile.\"systemd/user/backup.service\".text"), unit);
  EXPECT_EQ(text_of(e, "home.file.\".config/systemd/user/backup.service\".text"), unit);
  EXPECT_EQ(text_of(e, "home.file.\".config/systemd/user/default.target.wants/backup.service\".text"), unit);
  EXPECT_EQ(text_of(e, "home.file.\".config/systemd/user/graphical-session.target.wants/backup.service\".text"),
            unit);
  EXPECT_EQ(text_of(e, "xdg.configFile.\"systemd/user/plain.service\".text"), "[Service]\nExecStart=/bin/true\n");
  std::vector<std::string> units;
  for (const auto& [name, v] : e["xdg.configFile"].as_attrs())
    if (name.starts_with("systemd/")) units.push_back(name);
  EXPECT_EQ(cairn::detail::join(units, ","),
            "systemd/user/backup.service,systemd/user/default.target.wants/backup.service,"
            "systemd/user/graphical-session.target.wants/backup.service,systemd/user/plain.service");

  // systemd's own parser, where it can run here.
  if (run("command -v systemd-analyze").status != 0) GTEST_SKIP() << "no systemd-analyze";
  scratch s;
  auto file = s.write("backup.service", unit);
  const std::string verify = "XDG_RUNTIME_DIR=" + s.dir.string() + " systemd-analyze verify --user ";
  auto r = run(verify + file, true);
  if (r.status != 0 && r.out.find("backup.service") == std::string::npos)
    GTEST_SKIP() << "systemd-analyze cannot run here: " << r.out;
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(r.out, "");
  // The harness notices a unit systemd rejects.
  EXPECT_NE(run(verify + s.write("broken.service", "[Service]\nExecStart=relative\n"), true).status, 0);
}

TEST(HomePrograms, WrongTypesNameTheOption) {
  EXPECT_EQ(cairn::testing::message_of<wrong_git_value>("programs.git.extraConfig"),
            "A definition for option `programs.git.extraConfig.core.abbrev' is not of type `string or signed "
            "integer or boolean'. TypeError: The option `programs.git.extraConfig.core.abbrev` is neither a value "
            "of type `string or signed integer` nor `boolean`, Definition values: \n- In `" +
                CAIRN_AT(wrong_git_value::line) + "':\n    [\n      1\n    ]");
  EXPECT_EQ(cairn::testing::message_of<wrong_ssh_port>("programs.ssh.matchBlocks.work.port"),
            "A definition for option `programs.ssh.matchBlocks.work.port' is not of type `null or 16 bit unsigned "
            "integer; between 0 and 65535 (both inclusive)'. Definition values:\n- In `" +
                CAIRN_AT(wrong_ssh_port::line) + "': 70000");
  EXPECT_CONTAINS(cairn::testing::message_of<wrong_session_variable>("home.sessionVariables"),
                  "A definition for option `home.sessionVariables.FLAG' is not of type `string or signed integer'");
  EXPECT_CONTAINS(cairn::testing::message_of<wrong_unit_setting>("systemd.user.services.x.Service"),
                  "A definition for option `systemd.user.services.x.Service.ExecStart' is not of type `string or "
                  "signed integer or boolean or list of string'");
  // Reading the rendered file reports it too, with the way there.
  auto chain = cairn::testing::error_of<wrong_git_value>("xdg.configFile.\"git/config\".text");
  EXPECT_CONTAINS(chain, "A definition for option `programs.git.extraConfig.core.abbrev' is not of type");
  EXPECT_CONTAINS(chain, "while evaluating the option `xdg.configFile.\"git/config\".text'");
}
